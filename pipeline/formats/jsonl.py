"""The canonical record file: one JSON object per source sentence (:class:`Record`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import VerificationError
from ..records import Record, RecordError

NAME = "jsonl"
SUFFIX = ".jsonl"


def render(records: Iterable[Record]) -> str:
    return "".join(r.to_json() + "\n" for r in records)


def iter_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, line) of a record file, split on LF only (the record writer
    escapes every other line-break character), read as UTF-8."""
    p = Path(path)
    try:
        with open(p, encoding="utf-8", newline="") as f:
            for n, line in enumerate(f, 1):
                yield n, line.rstrip("\n")
    except FileNotFoundError:
        raise VerificationError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise VerificationError(f"{p}: is a directory, expected a record file") from None
    except UnicodeDecodeError as exc:
        raise VerificationError(f"{p}: not UTF-8 at byte {exc.start}") from None


def iter_records(path: str | Path) -> Iterator[tuple[int, Record]]:
    """(line number, record) for each line; a line that is not a valid record is a
    :class:`VerificationError` naming the file and line."""
    for n, line in iter_lines(path):
        try:
            yield n, Record.from_json(line)
        except RecordError as exc:
            raise RecordError(f"{path}:{n}: {exc}") from None


def read(path: str | Path) -> list[Record]:
    """Every record of a record file, validated."""
    return [r for _, r in iter_records(path)]


def render_files(records: list[Record], stem: str) -> dict[str, str]:
    return {stem + SUFFIX: render(records)}
