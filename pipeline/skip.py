"""The skip rule: a document is done when its record file says so, and then only what is missing
beside it is written again.

A translation is up to date when its record file's first line holds the same source sha256,
path, encoding and run fingerprint (:func:`up_to_date`; an alignment has its own test in
:mod:`pipeline.alignment.documents`). :func:`refresh` then renders only the side files that are
missing or differ from what the manifest says was written, touches the record file (so that
make agrees it is done) and describes it for the manifest.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from . import manifest
from .document import Document
from .errors import PipelineError
from .formats import jsonl
from .io import atomic_files
from .outputs import stage_outputs
from .records import Record


def up_to_date(doc: Document, doc_path: str, fingerprint: str, target: Path) -> bool:
    """Whether ``target`` already holds the records of these exact bytes, decoded the same way,
    at this path, with this exact run fingerprint (its first line says so; a damaged rest is
    caught when the records are read)."""
    try:
        first = Record.from_json(jsonl.first_line(target))
    except (OSError, ValueError, PipelineError):
        return False
    return (first.doc_sha256 == doc.sha256 and first.fingerprint == fingerprint
            and first.doc_encoding == doc.encoding and first.doc_path == doc_path
            and first.doc_id == doc.doc_id and first.doc_line == doc.doc_line
            and first.index == 0)


class Previous:
    """The entries of the manifest an output directory holds, read on first need."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._entries: dict[str, dict] | None = None

    def entry(self, name: str) -> dict | None:
        if self._entries is None:
            try:
                self._entries = manifest.previous_entries(manifest.read(self.out))[0]
            except (PipelineError, OSError):
                self._entries = {}
        return self._entries.get(name)


def refresh(target: Path, stem: str, selected: Sequence[str], previous: Previous,
            shared: dict[str, dict]) -> manifest.Described:
    """An up-to-date record file ``target``: render the missing or damaged side files, touch
    it, describe it. A :class:`PipelineError` when the rest of the record file is damaged (the
    document is then done again); an ``OSError`` when a side file cannot be written."""
    records = jsonl.read(target)
    before = manifest.file_stats(target)
    sound = manifest.sound_outputs(target, previous.entry(target.name), before)
    sound.add(target.name)  # the records themselves were just read whole
    with atomic_files() as batch:
        written = stage_outputs(batch, records, target.parent, stem, selected,
                                keep=sound.__contains__)
    os.utime(target)
    return manifest.Described.of(target, records, manifest.UP_TO_DATE, written,
                                 None if written else before, shared=shared)


__all__ = ["up_to_date", "refresh", "Previous"]
