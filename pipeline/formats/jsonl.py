"""The canonical record file: one JSON object per source sentence."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ..errors import VerificationError

NAME = "jsonl"
SUFFIX = ".jsonl"


def render(records: Iterable[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def read(path: str | Path) -> list[dict]:
    """Parse a record file; a line that is not a JSON object is a :class:`VerificationError`
    naming the file and line."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise VerificationError(f"{p}: no such file") from None
    except UnicodeDecodeError as exc:
        raise VerificationError(f"{p}: not UTF-8 at byte {exc.start}") from None
    records = []
    for n, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise VerificationError(f"{p}:{n}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise VerificationError(f"{p}:{n}: expected a JSON object per line")
        records.append(obj)
    return records


def render_files(records: list[dict], stem: str) -> dict[str, str]:
    return {stem + SUFFIX: render(records)}
