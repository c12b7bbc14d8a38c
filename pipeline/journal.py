"""The run journal: what a run did to each input, written beside the outputs as the run goes.

A run appends one JSON line per input to ``OUT/.manifest.<host>-<pid>.journal`` as soon as its
outcome is known: ``{"seq": n, "input": {...}, "document": {...}, "runs": {...}}``, where
``input`` is the input's entry of the manifest, ``document`` the manifest entry of the record
file it wrote or found up to date (with the stat of its files), and ``runs`` the provenance of
a fingerprint the journal has not named yet. The lines of a window are made durable (flushed
and fsynced) once, right after the window's outputs are committed, so the journal never names
a document that is not on disk.

The driver keeps of each input only where its line starts (8 bytes) and of each record file
the hash of its name and where its line starts (:class:`_Index`), never the entries
themselves: memory stays flat in the number of articles.
At the end :mod:`pipeline.manifest` streams ``manifest.json`` from the journal and the journal
is removed. A journal left by a killed run (its process no longer runs) is what the next run
knows of the documents that run finished: it is read as a previous manifest would be (stat
data trusted, as git trusts its index), then removed once a manifest holds them.
"""

from __future__ import annotations

import json
import os
import re
import stat
from array import array
from collections.abc import Iterator
from pathlib import Path

from .io import host_tag, process_running

PREFIX = ".manifest."
SUFFIX = ".journal"
_NAME = re.compile(r"^\.manifest\.(?P<host>[a-z0-9-]{1,24})-(?P<pid>\d+)\.journal$")
#: Lines held before they are handed to the OS (without a sync) when no window commits.
_PENDING_BYTES = 1 << 20


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


class Journal:
    """This run's journal in ``out`` (created on the first line)."""

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / f"{PREFIX}{host_tag()}-{os.getpid()}{SUFFIX}"
        self._file = None
        self._size = 0  # bytes written or pending
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._inputs = array("q")  # seq -> offset of its line, -1: none
        self._documents = _Index()  # record file name -> offset of its line
        self.runs: dict[str, dict] = {}  # fingerprint -> provenance named so far

    def add(self, seq: int, item: dict, document: dict | None = None,
            runs: dict[str, dict] | None = None) -> None:
        """Journal input ``seq``'s ``item``, the ``document`` entry of its record file, and the
        provenance of the ``runs`` that entry names (each written once per journal)."""
        line: dict = {"seq": seq, "input": item}
        if document is not None:
            line["document"] = document
            new = {k: v for k, v in (runs or {}).items() if k not in self.runs}
            if new:
                self.runs.update(new)
                line["runs"] = new
        data = (_dump(line) + "\n").encode("utf-8")
        if seq >= len(self._inputs):
            self._inputs.extend([-1] * (seq + 1 - len(self._inputs)))
        self._inputs[seq] = self._size
        if document is not None:
            self._documents.add(document["records"], self._size)
        self._size += len(data)
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= _PENDING_BYTES:
            self._write()

    def _write(self) -> None:
        if self._file is None:
            self._file = open(self.path, "w+b")  # noqa: SIM115 (open for the whole run)
        self._file.seek(0, os.SEEK_END)
        self._file.write(b"".join(self._pending))
        self._pending, self._pending_bytes = [], 0

    def commit(self) -> None:
        """Make every line added so far durable (one sync)."""
        if not self._pending and self._file is None:
            return
        self._write()
        self._file.flush()
        os.fsync(self._file.fileno())

    def _line(self, offset: int) -> dict:
        if self._pending:
            self._write()
        self._file.seek(offset)
        return json.loads(self._file.readline())

    def inputs(self) -> Iterator[dict]:
        """The input entries, in input order."""
        for offset in self._inputs:
            if offset >= 0:
                yield self._line(offset)["input"]

    def document(self, name: str) -> dict | None:
        """The entry this run journaled for record file ``name``, or None."""
        for offset in sorted(self._documents.candidates(name), reverse=True):  # the last wins
            document = self._line(offset)["document"]
            if document["records"] == name:  # not another name of the same hash
                return document
        return None

    def close(self, remove: bool = False) -> None:
        """Close the journal; ``remove`` it once a manifest holds what it says."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if remove:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


class _Index:
    """Record file name -> offset of its journal line, in two arrays (open addressing, at most
    half full): 32 to 64 bytes a name, which is not kept; a line found by the name's hash is
    read to tell names of the same hash apart."""

    def __init__(self) -> None:
        self._hashes = array("q", [0]) * 16
        self._offsets = array("q", [-1]) * 16
        self._size = 0

    def add(self, name: str, offset: int) -> None:
        if 2 * (self._size + 1) > len(self._offsets):
            hashes, offsets = self._hashes, self._offsets
            self._hashes = array("q", [0]) * (2 * len(offsets))
            self._offsets = array("q", [-1]) * (2 * len(offsets))
            for h, o in zip(hashes, offsets):
                if o >= 0:
                    self._put(h, o)
        self._put(hash(name), offset)
        self._size += 1

    def _put(self, h: int, offset: int) -> None:
        mask = len(self._offsets) - 1
        i = h & mask
        while self._offsets[i] >= 0:
            i = (i + 1) & mask
        self._hashes[i], self._offsets[i] = h, offset

    def candidates(self, name: str) -> Iterator[int]:
        h = hash(name)
        mask = len(self._offsets) - 1
        i = h & mask
        while self._offsets[i] >= 0:
            if self._hashes[i] == h:
                yield self._offsets[i]
            i = (i + 1) & mask


def stale(out: Path) -> list[Path]:
    """Journals in ``out`` left by runs of this machine that no longer run (killed), oldest
    first: what they finished is on disk, and their manifest was never written."""
    found = []
    try:
        entries = list(os.scandir(out))
    except OSError:
        return []
    for entry in entries:
        m = _NAME.match(entry.name)
        if not m or m.group("host") != host_tag():
            continue
        pid = int(m.group("pid"))
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and pid != os.getpid() \
                and not process_running(pid):
            found.append((st.st_mtime_ns, Path(entry.path)))
    return [p for _, p in sorted(found)]


def read_documents(path: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """The document entries (by record file name; a later line wins) and runs a journal
    holds; a torn last line (the run was killed while writing it) is left out."""
    documents: dict[str, dict] = {}
    runs: dict[str, dict] = {}
    try:
        f = open(path, "rb")  # noqa: SIM115
    except OSError:
        return documents, runs
    with f:
        for raw in f:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            doc = line.get("document") if isinstance(line, dict) else None
            if isinstance(doc, dict) and isinstance(doc.get("records"), str):
                documents[doc["records"]] = doc
            if isinstance(line, dict) and isinstance(line.get("runs"), dict):
                runs.update(line["runs"])
    return documents, runs


def is_journal_name(name: str) -> bool:
    """Whether ``name`` is a run journal's (never an input, never an output to list)."""
    return bool(_NAME.match(name))


__all__ = ["Journal", "stale", "read_documents", "is_journal_name"]
