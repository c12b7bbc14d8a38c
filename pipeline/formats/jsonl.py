"""The canonical record file: one JSON object per source sentence (:class:`Record`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError, VerificationError
from ..records import AlignmentRecord, Record, RecordError, record_from_json

NAME = "jsonl"
SUFFIX = ".jsonl"


def lines(records: Iterable[Record]) -> Iterator[str]:
    """Each record as a line; a record whose line would be longer than a reader takes
    (:data:`MAX_LINE_BYTES`) is an :class:`InputError`, raised before that line is given."""
    for r in records:
        line = r.to_json() + "\n"
        if len(line) > MAX_LINE_BYTES // 4 and len(line.encode("utf-8")) > MAX_LINE_BYTES:
            raise InputError(f"record {r.index} would be a line of "
                             f"{len(line.encode('utf-8')):,} bytes, more than the "
                             f"{MAX_LINE_BYTES:,} a record file's line may hold; split its "
                             "paragraph")
        yield line


def render(records: Iterable[Record]) -> str:
    return "".join(lines(records))


#: The longest line a record file may have (a record holds one sentence and its translation).
MAX_LINE_BYTES = 16 * 1024 * 1024


def _open(path: Path) -> BinaryIO:
    """A record file opened for reading: a regular file, never blocking (a FIFO named like a
    record file would wait forever for a writer)."""
    from ..io import NotRegularFile, open_regular

    try:
        return open_regular(path)[0]
    except FileNotFoundError:
        raise VerificationError(f"{path}: no such file") from None
    except NotRegularFile as exc:
        raise VerificationError(f"{path}: {exc}, expected a record file") from None
    except OSError as exc:
        raise VerificationError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def iter_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, line) of a record file, split on LF only (the record writer
    escapes every other line-break character), read as UTF-8, one bounded line at a time."""
    p = Path(path)
    offset = 0
    with _open(p) as f:
        for n, raw in enumerate(iter(lambda: f.readline(MAX_LINE_BYTES + 1), b""), 1):
            if len(raw) > MAX_LINE_BYTES:
                raise VerificationError(f"{p}:{n}: line longer than {MAX_LINE_BYTES:,} bytes; "
                                        "not a record")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise VerificationError(f"{p}:{n}: not UTF-8 at byte {offset + exc.start}") from None
            offset += len(raw)
            yield n, line[:-1] if line.endswith("\n") else line


def first_line(path: str | Path) -> str:
    """The first line of a record file (for a quick look at whether it is up to date)."""
    for _, line in iter_lines(path):
        return line
    raise VerificationError(f"{path}: holds no records")


def file_pair(path: str | Path) -> tuple[str, str]:
    """The (source, target) languages of a record file (:func:`~pipeline.records.pair_of`,
    reading only as far as its first record in the document's own language); German-English
    for a file that cannot be read as records."""
    from ..errors import PipelineError
    from ..records import DEFAULT_PAIR, pair_of

    try:
        return pair_of(r for _, r in iter_records(path))
    except (PipelineError, OSError):
        return DEFAULT_PAIR


def iter_records(path: str | Path) -> Iterator[tuple[int, Record]]:
    """(line number, record) for each line (a :class:`Record`, or an
    :class:`~pipeline.records.AlignmentRecord` in an alignment file); a line that is not a
    valid record is a :class:`VerificationError` naming the file and line."""
    for n, line in iter_lines(path):
        try:
            yield n, record_from_json(line)
        except RecordError as exc:
            raise RecordError(f"{path}:{n}: {exc}") from None


def iter_documents(path: str | Path, check: Callable[[int, Record], None] | None = None,
                   strict: bool = True) -> Iterator[tuple[int, list[Record]]]:
    """(first line, records) for each document of a record file, in file order, one document
    held at a time. The one rule by which ``verify`` and ``eval`` group records: a record of
    index 0 starts a new document once the current one holds its index 0, so a corpus holding
    one document twice holds two. ``check(n, record)`` sees each record as it is read. A file
    that mixes alignment and translation records is a :class:`RecordError`, and so (when
    ``strict``) is a file whose first record is not a document's first; not strict, records
    may come in any order (``eval`` sorts them)."""
    current: list[Record] = []
    first = 1
    alignment = None
    has_first = False  # the current document holds its record of index 0
    for n, record in iter_records(path):
        if check is not None:
            check(n, record)
        if alignment is None:
            alignment = isinstance(record, AlignmentRecord)
        elif isinstance(record, AlignmentRecord) is not alignment:
            raise RecordError(f"{path}:{n}: an alignment and a translation record in one file")
        if record.index == 0 and has_first:
            yield first, current
            current, first, has_first = [], n, False
        if strict and not current and record.index != 0:
            raise RecordError(f"{path}:{n}: index {record.index}, expected 0: a document's "
                              "first record is missing")
        current.append(record)
        has_first = has_first or record.index == 0
    if current:
        yield first, current


def read(path: str | Path) -> list[Record]:
    """Every record of a record file, validated."""
    return [r for _, r in iter_records(path)]


def read_whole(path: str | Path, one: bool = False) -> list[Record]:
    """The records of a record file that holds whole documents, grouped as
    :func:`iter_documents` groups them, each with indexes 0, 1, 2, ... in order (``one``: a
    single document); a :class:`RecordError` names the first record that breaks this. The
    skip rule and the manifest describe only such a file (a corpus of concatenated record
    files is one)."""
    records: list[Record] = []
    for first, document in iter_documents(path):
        if one and records:
            raise RecordError(f"{path}:{first}: a second document; a record file of a run "
                              "holds one")
        for k, record in enumerate(document):
            if record.index != k:
                raise RecordError(f"{path}:{first + k}: index {record.index}, expected {k}: "
                                  "records are missing, duplicated or out of order")
        records += document
    if not records:
        raise RecordError(f"{path}: holds no records")
    return records


def write_files(records: list[Record], stem: str) -> dict[str, Iterable[str]]:
    return {stem + SUFFIX: lines(records)}
