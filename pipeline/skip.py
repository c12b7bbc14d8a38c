"""The skip rule: a document is done when its record file says so, and then only what is missing
beside it is written again.

A translation is up to date when its record file's first line holds the same source sha256,
path, encoding and run fingerprint (:func:`up_to_date`; an alignment has its own test in
:mod:`pipeline.alignment.documents`). :func:`refresh` then renders only the side files that are
missing or differ from what the manifest says was written, touches the record file (so that
make agrees it is done) and describes it for the manifest. When the record file and every side
file still have the size, mtime, inode and ctime the previous manifest saw (as git trusts its
index), none of them is read again, not even the first line when the manifest's entry names
the same source bytes, path, encoding, archive line and fingerprint (:func:`described`): the
previous entry is taken over as it is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from . import formats, manifest
from .document import Document
from .formats import jsonl
from .io import atomic_files, open_regular
from .outputs import stage_outputs
from .records import DEFAULT_PAIR, RECORD_SCHEMA, SCHEMA_2

#: What the first record must say, and what of the document says it.
_SAME = (("doc_sha256", "sha256"), ("doc_encoding", "encoding"), ("doc_id", "doc_id"),
         ("doc_line", "doc_line"))


def described(doc: Document, doc_path: str, fingerprint: str) -> dict:
    """What the manifest entry of a record file holding the records of ``doc`` says of it: the
    facts :func:`up_to_date` reads from the file's first line (see :func:`refresh`)."""
    return {"source": doc_path, "source_sha256": doc.sha256, "encoding": doc.encoding,
            "fingerprint": fingerprint, "doc_id": doc.doc_id, "doc_line": doc.doc_line}


def up_to_date(doc: Document, doc_path: str, fingerprint: str, target: Path) -> bool:
    """Whether ``target`` already holds the records of these exact bytes, decoded the same way,
    at this path, with this exact run fingerprint (its first line says so; a damaged rest is
    caught when the records are read, or by the stat the manifest saw: see :func:`refresh`)."""
    try:
        f, _ = open_regular(target)  # never blocks (a FIFO named like a record file)
        with f:
            first = json.loads(f.readline(jsonl.MAX_LINE_BYTES + 1))
    except (OSError, ValueError, RecursionError):
        return False
    return (isinstance(first, dict) and first.get("schema") in (RECORD_SCHEMA, SCHEMA_2)
            and first.get("fingerprint") == fingerprint
            and first.get("doc_path") == doc_path and first.get("index") == 0
            and all(first.get(key) == getattr(doc, attr) for key, attr in _SAME))


class Previous:
    """What earlier runs said of an output directory's record files, read on first need: the
    entries of its manifest, and of the journals killed runs left (later ones win)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._earlier: manifest.Earlier | None = None
        self.runs: dict[str, dict] = {}

    def entry(self, name: str) -> dict | None:
        if self._earlier is None:
            self._earlier = manifest.earlier(self.out)
            self.runs = self._earlier.runs
        return self._earlier.get(name)


def _unchanged(old: dict | None, stats: dict, names: dict[str, list[str]],
               selected: Sequence[str], runs: dict[str, dict]) -> bool:
    """Whether the files beside a record file are those the ``old`` entry describes (same
    stat, none missing, none new) and every selected format is among them."""
    return (old is not None and old.get("stat") == stats and old.get("fingerprint") in runs
            and isinstance(old.get("outputs"), dict)
            and all(f in stats for name in selected for f in names[name]))


def _pair(entry: dict | None) -> tuple[str, str] | None:
    """The languages a previous entry names (German-English when it names none); the stat
    of the files tells whether the entry still describes them."""
    if not isinstance(entry, dict):
        return None
    pair = entry.get("pair", list(DEFAULT_PAIR))
    return tuple(pair) if isinstance(pair, list) and len(pair) == 2 \
        and all(isinstance(x, str) for x in pair) else None


def refresh(target: Path, stem: str, selected: Sequence[str], previous: Previous,
            current: Callable[[], bool], expected: dict | None = None
            ) -> tuple[dict, dict[str, dict]] | None:
    """If the record file ``target`` holds the document's records (``current()``, which reads
    its first line): render the missing or damaged side files, touch it; its manifest entry
    (with the stat of its files) and the runs it names. None when it does not hold them. When
    the files have the stat the previous manifest saw and its entry says ``expected`` (see
    :func:`described`), nothing is read. A :class:`PipelineError` when the rest of the record
    file is damaged (the document is then done again); an ``OSError`` when a side file cannot
    be written."""
    old = previous.entry(target.name)
    said = old is not None and expected is not None \
        and all(old.get(key) == value for key, value in expected.items())
    if not said and not current():
        return None
    pair = _pair(old) or jsonl.file_pair(target)  # Moses files end in its languages
    before = manifest.file_stats(target, pair=pair)
    names = formats.filenames(stem, pair)
    unchanged = _unchanged(old, before, names, selected, previous.runs)
    if said and not unchanged and not current():  # the entry describes the file as it was
        return None
    if unchanged:
        os.utime(target)
        after = manifest.file_stats(target, target.name)
        seen, now = before[target.name], after.get(target.name)
        if now is not None and (now[0], now[2]) == (seen[0], seen[2]):  # size, inode
            # what the first line confirmed completes an entry of an earlier version (doc_line)
            known = {key: value for key, value in (expected or {}).items() if value is not None}
            entry = {**old, **known, "status": manifest.UP_TO_DATE,
                     "stat": {**before, **after}}
            return entry, {old["fingerprint"]: previous.runs[old["fingerprint"]]}
        return None  # replaced since it was looked at (another run writing it): done again
    records = jsonl.read_whole(target, one=True)
    sound = manifest.sound_outputs(target, old, before)
    sound.add(target.name)  # the records themselves were just read whole
    with atomic_files() as batch:
        written = stage_outputs(batch, records, target.parent, stem, selected,
                                keep=sound.__contains__)
    os.utime(target)
    facts = manifest.document_facts(records)
    entry = manifest.document_entry(target, facts, manifest.UP_TO_DATE, written)
    entry["stat"] = manifest.file_stats(target, pair=facts["pair"])
    return entry, manifest.run_provenances(records)


__all__ = ["described", "up_to_date", "refresh", "Previous"]
