"""Outputs versus inputs: a run never writes over a file it reads, and never reads what it wrote.

* :class:`Inputs` knows the files a run reads by what they are on disk (device and inode, and
  the directory entry with every symbolic link above it resolved), never by how they were
  spelled: ``-o .``, ``-o link-to-here`` and a hard link are all seen as the same place.
  :meth:`Inputs.clash` says which input an output name would write over or replace by rename.
* :func:`walk` lists the input files of a directory without hidden files (editor lock links
  ``.#a.txt``, macOS ``._a.txt``) and without the tool's own outputs; :func:`tool_output` tells
  the tool's outputs apart by what they hold (a record file's schema line, a manifest's
  schema) or by being listed in the manifest beside them, not by their name alone.
* :func:`relative_source` is what a record names as its source: the path from the record
  file's real directory, so that it is found whatever links lead there.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import formats
from .errors import OutputError, PipelineError
from .formats import jsonl
from .io import AtomicBatch
from .records import pair_of

#: Every output format, the canonical JSONL included.
ALL_FORMATS = tuple(formats.REGISTRY)

#: A record file's first line starts with its schema (records.dump_json keeps key order).
_RECORD_LINE = re.compile(rb'^\{"schema":"pipeline\.(?:record|alignment)/\d+"')
#: The run manifest's file name (see :mod:`pipeline.manifest`).
MANIFEST_NAME = "manifest.json"
_MANIFEST_SCHEMA = re.compile(r"^pipeline\.manifest/\d+$")


def _entry(path: str | Path) -> tuple[str, str]:
    """A directory entry as the file system sees it: the real directory (links and ``..``
    resolved in the order the system resolves them) and the name."""
    head, name = os.path.split(os.fspath(path))
    return os.path.realpath(head or "."), name


class Inputs:
    """The files one run reads; see the module notes."""

    def __init__(self, paths: Iterable[str | Path] = ()) -> None:
        self._entries: dict[tuple[str, str], Path] = {}
        self._inodes: dict[tuple[int, int], Path] = {}
        self._out: tuple[Path, str] | None = None
        for p in paths:
            self.add(p)

    def add(self, path: str | Path) -> None:
        p = Path(path)
        self._entries.setdefault(_entry(p), p)
        self._entries.setdefault(_entry(os.path.realpath(p)), p)
        try:
            st = os.stat(p)
        except OSError:
            return
        if st.st_nlink > 1:  # only a file with another name can be reached by another path
            self._inodes.setdefault((st.st_dev, st.st_ino), p)

    def clash(self, target: str | Path) -> Path | None:
        """The input that writing (or renaming a file onto, or removing) ``target`` would
        destroy, or None."""
        hit = self._entries.get(_entry(target))
        if hit is not None or not self._inodes:
            return hit
        try:
            st = os.stat(target)
        except OSError:
            return None
        return self._inodes.get((st.st_dev, st.st_ino))

    def first_clash(self, out_dir: Path, names: Iterable[str]) -> tuple[Path, Path] | None:
        """(input, output) for the first of ``names`` in ``out_dir`` that is an input."""
        if self._out is None or self._out[0] != out_dir:  # one per run: resolved once
            self._out = (out_dir, os.path.realpath(out_dir))
        real = self._out[1]
        for name in names:
            hit = self._entries.get((real, name))
            if hit is None and self._inodes:
                try:
                    st = os.stat(os.path.join(real, name))
                except OSError:
                    continue
                hit = self._inodes.get((st.st_dev, st.st_ino))
            if hit is not None:
                return hit, out_dir / name
        return None


def overwrite_message(found: tuple[Path, Path]) -> str:
    """What is wrong when an output would be written over an input: (input, output) as
    :meth:`Inputs.first_clash` gives them."""
    hit, target = found
    return (f"the output {target} would be written over the input {hit}; choose another "
            "output directory with -o")


def refuse_clash(inputs: Inputs, target: Path, what: str,
                 remedy: str = "choose another output directory with -o") -> None:
    """An :class:`OutputError` when ``target`` (``what`` the run writes there) is an input."""
    hit = inputs.clash(target)
    if hit is not None:
        raise OutputError(f"{hit}: is an input of this run, and {what} {target} would be written "
                          f"over it; {remedy}")


def relative_source(path: str | Path, out_dir: str | Path) -> str:
    """``path`` as seen from the real directory of ``out_dir`` (POSIX separators), with the
    links above ``path`` resolved too: what a record names as its source, found from any
    working directory and through any link to the output directory."""
    directory, name = _entry(path)
    try:
        return Path(os.path.relpath(os.path.join(directory, name),
                                    os.path.realpath(out_dir))).as_posix()
    except ValueError:  # another drive (Windows): only an absolute path can say where
        return Path(directory, name).as_posix()


# --- the tool's own outputs --------------------------------------------------------------------

def _first_bytes(path: Path, size: int = 64) -> bytes:
    from .io import open_regular

    try:
        f, _ = open_regular(path)
    except OSError:
        return b""
    with f:
        try:
            return f.read(size)
        except OSError:
            return b""


def _manifest(directory: Path, cache: dict[Path, dict | None]) -> dict | None:
    """The pipeline manifest in ``directory`` (read once per run), or None."""
    if directory not in cache:
        try:
            data = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):  # none, or damaged: no listing to go by
            data = None
        cache[directory] = data if isinstance(data, dict) and isinstance(
            data.get("documents"), list) and _MANIFEST_SCHEMA.match(str(data.get("manifest"))) \
            else None
    return cache[directory]


def is_record_file(path: Path) -> bool:
    """Whether ``path`` starts as every record file the tool writes does (its schema first)."""
    return bool(_RECORD_LINE.match(_first_bytes(path)))


def tool_output(path: Path, cache: dict[Path, dict | None]) -> str | None:
    """What the tool wrote ``path`` as (``a record file``, ``a manifest``, ``a side file
    listed in manifest.json``), or None for a file it did not write. ``cache`` keeps each
    directory's manifest for the run."""
    name = path.name
    if name.endswith(".jsonl") and is_record_file(path):
        return "a record file"
    if name == MANIFEST_NAME:
        listing = _manifest(path.parent, cache)
        return "a manifest" if listing is not None else None
    if not formats.is_output_name(name):
        return None
    listing = _manifest(path.parent, cache)
    for doc in listing["documents"] if listing is not None else ():
        outputs = doc.get("outputs") if isinstance(doc, dict) else None
        if isinstance(outputs, dict) and name in outputs:
            return "a side file listed in manifest.json"
    suffix = formats.side_suffix(name)  # no manifest says: the record file beside it
    if suffix is not None:
        records = path.parent / (name[: -len(suffix)] + ".jsonl")
        if is_record_file(records) and not _names_as_source(records, path):
            return f"a side file of the record file {records.name}"
    return None


def _names_as_source(records: Path, path: Path) -> bool:
    """Whether the first record of ``records`` names ``path`` as its source."""
    from .formats import jsonl
    from .records import record_from_json

    try:
        first = record_from_json(jsonl.first_line(records))
    except (PipelineError, OSError, ValueError):
        return False
    for field in ("doc_path", "de_path", "en_path"):
        source = getattr(first, field, None)
        try:
            if isinstance(source, str) and os.path.samefile(records.parent / source, path):
                return True
        except OSError:
            continue
    return False


def walk(directory: Path, pattern: str, cache: dict[Path, dict | None],
         note: Callable[[str], None] | None = None) -> list[Path]:
    """The files of ``directory`` matching ``pattern`` (sorted), without hidden files and the
    tool's own outputs; ``note`` is told in one line what was left out."""
    found: list[Path] = []
    hidden: list[str] = []
    own: list[str] = []
    for q in sorted(directory.glob(pattern)):
        if q.name.startswith("."):
            hidden.append(q.name)
        elif q.is_dir():
            continue
        elif tool_output(q, cache):
            own.append(q.name)
        else:
            found.append(q)
    if note is not None and (hidden or own):
        parts = [f"{len(hidden)} hidden file(s) ({_names(hidden)})"] if hidden else []
        parts += [f"{len(own)} output(s) of pipeline ({_names(own)})"] if own else []
        note(f"note: {directory}: left out {' and '.join(parts)}")
    return found


def _names(names: Sequence[str], most: int = 3) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (", ..." if len(names) > most else "")


# --- writing ---------------------------------------------------------------------------------

def record_path(src: Path | str, out_dir: Path) -> Path:
    """Where the canonical records of ``src`` (a path, or an output stem) go."""
    return out_dir / ((src.stem if isinstance(src, Path) else src) + jsonl.SUFFIX)



@dataclass(frozen=True)
class Written:
    """A document whose outputs are written: its records, and the sha256 of each file."""

    records: list
    files: dict[str, str]

    @property
    def count(self) -> int:
        return len(self.records)


@dataclass(frozen=True)
class WrittenFacts:
    """What a run's ledger needs of a :class:`Written` document, without its records (what a
    Ray actor sends back to the driver: :func:`pipeline.manifest.written_facts`): how many
    records, the manifest's facts about the document, the provenance of the runs its records
    name (by fingerprint), and the sha256 of each file written."""

    count: int
    document: dict
    provenances: dict[str, dict]
    files: dict[str, str]



def stage_outputs(batch: AtomicBatch, records: list, out_dir: Path, stem: str,
                  selected: Sequence[str] = ALL_FORMATS,
                  keep: Callable[[str], bool] | None = None,
                  unit: object = None) -> dict[str, str]:
    """Add one document's selected side formats to ``batch``, then its canonical JSONL (the
    batch renames in that order: a JSONL on disk always means a complete set). Files of formats
    not selected are removed, since they would disagree with the new records. With ``keep``
    (a rerun of an up-to-date document), only the files it does not keep (by name: missing or
    damaged) are rendered, and nothing is removed. Returns the sha256 of each file added, by
    name."""
    side = [name for name in selected if name != formats.CANONICAL]
    names = formats.filenames(stem, pair_of(records))
    if keep is None:
        for name, files in names.items():
            if name in selected:
                continue
            for filename in files:
                try:
                    os.unlink(out_dir / filename)
                except FileNotFoundError:
                    pass
    added: dict[str, str] = {}
    for name in side + [formats.CANONICAL]:
        if keep is not None and all(keep(f) for f in names[name]):
            continue  # nothing to render
        for filename, pieces in formats.stream(name, records, stem).items():
            if keep is not None and keep(filename):
                continue
            added[filename] = batch.add(out_dir / filename, pieces, unit)
    return added



def write_failure(exc: OSError) -> str:
    """Why an output could not be written, and what to do about it."""
    import errno

    why = f"cannot write output: {exc.strerror or exc}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return why + "; free some space and run again (finished documents are kept)"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return why + "; make the output directory writable or choose another with -o"
    return why


def json_text(value: str) -> str:
    """``value`` with any lone surrogate (a file name that is not UTF-8) escaped."""
    return value.encode("utf-8", "backslashreplace").decode()
