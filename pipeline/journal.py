"""The run journal: what a run did to each input, written beside the outputs as the run goes.

A run appends one JSON line per input to ``OUT/.manifest.<host>-<pid>.journal`` as soon as its
outcome is known: ``{"seq": n, "input": {...}, "runs": {...}, "document": {...}}``, where
``input`` is the input's entry of the manifest, ``document`` the manifest entry of the record
file it wrote or found up to date (with the stat of its files), and ``runs`` the provenance of
a fingerprint the journal has not named yet. The entries are written as the manifest writes
them, so the manifest copies their text (:class:`RawJSON`) instead of parsing and dumping them
again. The lines of a window are made durable (flushed
and fsynced) once, right after the window's outputs are committed, so the journal never names
a document that is not on disk.

The driver keeps of each input only where its line starts (8 bytes) and of each record file
the hash of its name and where its line starts (a
:class:`~pipeline.hashindex.HashIndex`), never the entries
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

from .hashindex import HashIndex
from .io import host_tag, process_running

PREFIX = ".manifest."
SUFFIX = ".journal"
_NAME = re.compile(r"^\.manifest\.(?P<host>[a-z0-9-]{1,24})-(?P<pid>\d+)\.journal$")
#: Lines held before they are handed to the OS (without a sync) when no window commits.
_PENDING_BYTES = 1 << 20


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


class RawJSON(str):
    """The JSON text of a value as a journal line holds it (the manifest writes it as it is,
    without parsing and dumping it again); ``value`` is the value, when it was parsed."""

    value: dict | None = None


def _head(seq: int) -> bytes:
    """How a journal line starts, up to its input entry."""
    return b'{"seq": %d, "input": ' % seq


class Journal:
    """This run's journal in ``out`` (created on the first line). A line is
    ``{"seq": n, "input": {...}, "runs": {...}, "document": {...}}`` (``runs`` and
    ``document`` when there are), as :func:`json.dumps` would write it."""

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / f"{PREFIX}{host_tag()}-{os.getpid()}{SUFFIX}"
        self._file = None
        self._size = 0  # bytes written or pending
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._inputs = array("q")  # seq -> offset of its line, -1: none
        self._input_sizes = array("I")  # seq -> bytes of its input entry
        # record file name -> offset of its line, and of its document entry in the line
        self._documents = HashIndex(2)
        self.runs: dict[str, dict] = {}  # fingerprint -> provenance named so far

    def add(self, seq: int, item: dict, document: dict | None = None,
            runs: dict[str, dict] | None = None) -> None:
        """Journal input ``seq``'s ``item``, the ``document`` entry of its record file, and the
        provenance of the ``runs`` that entry names (each written once per journal)."""
        entry = _dump(item).encode("utf-8")
        parts = [_head(seq), entry]
        if document is not None:
            new = {k: v for k, v in (runs or {}).items() if k not in self.runs}
            if new:
                self.runs.update(new)
                parts += [b', "runs": ', _dump(new).encode("utf-8")]
            parts.append(b', "document": ')
            at = sum(map(len, parts))
            parts.append(_dump(document).encode("utf-8"))
            self._documents.add(document["records"], self._size, at)
        parts.append(b"}\n")
        data = b"".join(parts)
        if seq >= len(self._inputs):
            grow = seq + 1 - len(self._inputs)
            self._inputs.extend([-1] * grow)
            self._input_sizes.extend([0] * grow)
        self._inputs[seq] = self._size
        self._input_sizes[seq] = len(entry)
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

    def _read(self, offset: int, size: int = -1) -> bytes:
        if self._pending:
            self._write()
        self._file.seek(offset)
        return self._file.read(size) if size >= 0 else self._file.readline()

    def inputs(self) -> Iterator[RawJSON]:
        """The input entries, in input order (their JSON text)."""
        for seq, offset in enumerate(self._inputs):
            if offset >= 0:
                at = offset + len(_head(seq))
                yield RawJSON(self._read(at, self._input_sizes[seq]).decode("utf-8"))

    def document(self, name: str) -> RawJSON | None:
        """The entry this run journaled for record file ``name`` (its JSON text, and its
        value), or None."""
        for offset, at in sorted(self._documents.candidates(name), reverse=True):  # last wins
            text = RawJSON(self._read(offset + at).removesuffix(b"}\n").decode("utf-8"))
            text.value = json.loads(text)
            if text.value["records"] == name:  # not another name of the same hash
                return text
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


__all__ = ["Journal", "RawJSON", "stale", "read_documents", "is_journal_name"]
