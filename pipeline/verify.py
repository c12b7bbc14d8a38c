"""Check a record file against its source, itself, and the model it names."""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

from .document import Document, line_starts
from .errors import InputError, VerificationError
from .formats import jsonl

_REQUIRED = ("doc_sha256", "doc_path", "index", "paragraph", "start", "end", "source", "target",
             "model", "engine", "splitter", "flags")


def verify_records(path: str | Path, lock_path: str | Path) -> int:
    """Verify one JSONL file; return the number of records. Raises :class:`VerificationError`
    naming the first bad record and what is wrong."""
    p = Path(path)
    records = jsonl.read(p)
    if not records:
        raise VerificationError(f"{p}: holds no records")
    for n, r in enumerate(records, 1):
        missing = [k for k in _REQUIRED if k not in r]
        if missing:
            raise VerificationError(f"{p}:{n}: record lacks {', '.join(missing)}")
    first = records[0]
    doc_path = first["doc_path"]
    for n, r in enumerate(records, 1):
        if r["doc_path"] != doc_path or r["doc_sha256"] != first["doc_sha256"]:
            raise VerificationError(f"{p}:{n}: names another document ({r['doc_path']}) than "
                                    f"line 1 ({doc_path})")
        if r["index"] != n - 1:
            raise VerificationError(f"{p}:{n}: index {r['index']}, expected {n - 1}: records are "
                                    "missing, duplicated or out of order")
    try:
        doc = Document.from_path(doc_path, encoding=first.get("doc_encoding", "utf-8"))
    except InputError as exc:
        raise VerificationError(f"{p}: cannot re-read the source: {exc}") from None
    if doc.sha256 != first["doc_sha256"]:
        raise VerificationError(
            f"{p}: source {doc_path} has sha256 {doc.sha256[:12]}…, the records say "
            f"{first['doc_sha256'][:12]}…: the source changed since it was translated")
    text = doc.text
    starts = line_starts(text)
    previous_end = 0
    for n, r in enumerate(records, 1):
        start, end = r["start"], r["end"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise VerificationError(f"{p}:{n}: span [{start}, {end}) is not inside the document "
                                    f"(length {len(text)})")
        if start < previous_end:
            raise VerificationError(f"{p}:{n}: span [{start}, {end}) overlaps or precedes the "
                                    f"previous one (ended at {previous_end})")
        if text[previous_end:start].strip():
            gap = text[previous_end:start].strip()
            raise VerificationError(f"{p}:{n}: text before this span belongs to no record: "
                                    f"{gap[:60]!r}")
        if "line" in r and r["line"] != bisect_right(starts, start) - 1:
            raise VerificationError(f"{p}:{n}: line {r['line']}, but offset {start} is on line "
                                    f"{bisect_right(starts, start) - 1}")
        if text[start:end] != r["source"]:
            raise VerificationError(f"{p}:{n}: text[{start}:{end}] is {text[start:end][:60]!r}, "
                                    f"the record's source is {r['source'][:60]!r}")
        previous_end = end
    if text[previous_end:].strip():
        raise VerificationError(f"{p}: text after the last record belongs to no record: "
                                f"{text[previous_end:].strip()[:60]!r}")
    for n, r in enumerate(records, 1):
        if r["model"] != first["model"] or r["engine"] != first["engine"] \
                or r["splitter"] != first["splitter"]:
            raise VerificationError(f"{p}:{n}: provenance differs from line 1")
    _verify_model(p, first["model"], lock_path)
    from .verify_formats import verify_side_outputs

    verify_side_outputs(p, records, lock_path)  # side formats and manifest.json next to it
    return len(records)


def _verify_model(p: Path, model: dict, lock_path: str | Path) -> None:
    from .lock import directory_digests, read_lock

    if model.get("repo"):
        lock = read_lock(lock_path)
        if lock.repo != model["repo"] or lock.revision != model.get("revision"):
            raise VerificationError(
                f"{p}: records name {model['repo']}@{model.get('revision')}, {lock_path} pins "
                f"{lock.repo}@{lock.revision}")
        pinned = {n: pin.sha256 for n, pin in lock.files.items()}
        if pinned != model.get("files"):
            raise VerificationError(f"{p}: the model file digests in the records differ from "
                                    f"{lock_path}")
        return
    directory = Path(model.get("dir", ""))
    if not directory.is_dir():
        raise VerificationError(f"{p}: model directory {directory} no longer exists; cannot "
                                "check its digests")
    try:
        actual = directory_digests(directory)
    except Exception as exc:
        raise VerificationError(f"{p}: {exc}") from None
    expected = model.get("files", {})
    for name in sorted(set(actual) | set(expected)):
        if actual.get(name) != expected.get(name):
            raise VerificationError(
                f"{p}: model file {directory / name} has sha256 "
                f"{(actual.get(name) or 'absent')[:12]}, the records say "
                f"{(expected.get(name) or 'absent')[:12]}")
