"""What earlier runs said of an output directory's record files, without holding it all: the
previous ``manifest.json`` (and the journals killed runs left), asked one record file at a time.

A rerun asks the previous manifest about every record file it finds (the skip rule takes an
entry over when the files' stat did not change), and so does the manifest written at the end.
Parsed whole, a manifest of a million documents is several GB of dicts; so the document lines of
a manifest this version wrote (:func:`pipeline.manifest.stream`: one line per document) are
indexed instead, by the hash of their record file's name (:class:`~pipeline.hashindex.HashIndex`,
an offset and a length: ~50 bytes a document), and read again and parsed when asked. A manifest
of another layout (written by hand, pretty-printed by another tool) is parsed whole, as before.
Entries from the journals of killed runs (rare, and only what those runs finished) are held;
:attr:`Earlier.journals` names those journals (the manifest that takes them in removes them).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import BinaryIO

from .hashindex import HashIndex
from .journal import read_documents


def usable(d: object) -> bool:
    """Whether a manifest's document entry can be taken over (names its record file, the
    stat its files had, and its run)."""
    return isinstance(d, dict) and isinstance(d.get("records"), str) \
        and isinstance(d.get("stat"), dict) and isinstance(d.get("fingerprint"), str)


class Earlier:
    """Record file name -> the entry earlier runs gave it (journals before the manifest: a
    killed run came after the manifest it found), and the provenance of their ``runs``."""

    def __init__(self, entries: dict[str, dict] | None = None,
                 runs: dict[str, dict] | None = None, index: HashIndex | None = None,
                 file: BinaryIO | None = None) -> None:
        self.runs: dict[str, dict] = dict(runs or {})
        self._held: dict[str, dict] = dict(entries or {})
        self._index = index  # record file name -> (offset, length) of its manifest line
        self._file = file  # the indexed manifest, kept open: a rename over it changes nothing
        self.journals: list[Path] = []  # those of killed runs whose entries were added

    @property
    def indexed(self) -> bool:
        """Whether the manifest's entries are read when asked (not held)."""
        return self._index is not None

    def add_journal(self, path: Path) -> None:
        """Add what a killed run's journal says (it wins over what is already here)."""
        entries, runs = read_documents(path)
        self._held.update(entries)
        self.runs.update(runs)
        self.journals.append(path)

    def get(self, name: str) -> dict | None:
        held = self._held.get(name)
        if held is not None or self._index is None:
            return held
        for offset, size in sorted(self._index.candidates(name), reverse=True):  # last wins
            try:
                self._file.seek(offset)
                d = json.loads(self._file.read(size))
            except (OSError, ValueError, RecursionError):  # changed since: not taken over
                return None
            if usable(d) and d["records"] == name:
                return d
        return None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __del__(self) -> None:
        self.close()


_INDENT = b"    "  # a list item's or a ``runs`` member's line in the streamed layout


def index_manifest(path: Path, schema: str, version: str) -> Earlier | None:
    """The entries of the manifest at ``path`` as this version streams it, indexed (see the
    module notes); an empty :class:`Earlier` when it is another version's or schema's (its
    entries are not taken over), None when its layout is not the streamed one (then parse it
    whole) or it cannot be read."""
    try:
        f = open(path, "rb")  # noqa: SIM115
    except OSError:
        return None
    try:
        scanned = _scan(f)
    except OSError:
        scanned = None
    if scanned is None or scanned[0] != (schema, version):
        f.close()
        return None if scanned is None else Earlier()
    return Earlier(runs=scanned[2], index=scanned[1], file=f)


def _scan(f: BinaryIO) -> tuple[tuple[object, object], HashIndex, dict] | None:
    """The manifest's (schema, version), its documents' index and its runs; None when its
    layout is not the streamed one."""
    index, runs, header = HashIndex(2), {}, {}
    if os.fstat(f.fileno()).st_size == 0 or f.readline() != b"{\n":
        return None
    offset, section = 2, None
    for line in f:
        at, offset = offset, offset + len(line)
        if section is not None and line.startswith(_INDENT):
            if not line.endswith(b"\n"):
                return None
            text = line[len(_INDENT):-1].removesuffix(b",")
            if section == b"documents":
                try:
                    d = json.loads(text)
                except (ValueError, RecursionError):
                    return None
                if usable(d):
                    index.add(d["records"], at + len(_INDENT), len(text))
            elif section == b"runs":
                try:
                    runs.update(json.loads(b"{" + text + b"}"))
                except (ValueError, RecursionError, TypeError):
                    return None
            continue  # the inputs: not needed here
        if line in (b"  ]\n", b"  ],\n", b"  }\n", b"  },\n") and section is not None:
            section = None
            continue
        if line == b"}\n" and section is None:
            break
        key, sep, value = line.partition(b": ")
        if not sep or not key.startswith(b'  "') or section is not None:
            return None
        try:
            key = json.loads(key)
        except ValueError:
            return None
        value = value.rstrip(b"\n").removesuffix(b",")
        if value in (b"[", b"{"):
            section = key.encode("utf-8")
        elif key in ("manifest", "pipeline"):
            try:
                header[key] = json.loads(value)
            except ValueError:
                return None
    else:
        return None  # no closing brace: not a complete manifest
    return (header.get("manifest"), header.get("pipeline")), index, runs


__all__ = ["Earlier", "index_manifest", "usable"]
