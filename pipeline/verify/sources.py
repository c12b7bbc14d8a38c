"""Finding and checking the source a record names: a text file (found from the record file's
directory, or by file name under ``source_root`` when the sources moved) or one article of a
JSONL archive, re-read by the guarded readers (:func:`pipeline.document.read_input`,
:func:`pipeline.archive.read_article`) and checked against the recorded sha256. ``verify`` and
``eval`` both read sources here."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..document import Document, read_input
from ..errors import InputError, VerificationError
from ..records import Record


def source_path(record_file: Path, doc_path: str, source_root: str | Path | None) -> Path:
    """Where the source of a record lives: ``doc_path`` from the record file's directory, or
    its file name under ``source_root`` when the sources moved."""
    if source_root is not None:
        return Path(source_root) / Path(doc_path).name
    return record_file.parent / doc_path


def read_source(p: Path, first: Record, source_root: str | Path | None = None) -> Document:
    """The source document of the records of ``p`` that start with ``first``: a text file or an
    archive article, unchanged since it was translated, else a :class:`VerificationError`."""
    if first.doc_id is None:
        return read_text_source(p, first.doc_path, first.doc_sha256, first.doc_encoding,
                                 source_root, "translated")
    from ..archive import read_article

    where = _existing(p, first.doc_path, source_root, "archive")
    try:  # that one line, read again; the fields are found by the id and the digest
        return read_article(where, first.doc_line, first.doc_id, sha256=first.doc_sha256)
    except InputError as exc:
        raise VerificationError(f"{p}: cannot re-read the source: {exc}") from None


def read_text_source(p: Path, doc_path: str, sha256: str, encoding: str, source_root,
                      done: str) -> Document:
    """The source a record names, read by the guarded reader, its digest checked before it is
    decoded. A record may name any file: what a source that differs holds (its digest, its
    bytes, why it does not decode) is never said, only what the records expect."""
    where = _existing(p, doc_path, source_root, "source")
    try:
        data = read_input(where)
    except InputError as exc:
        raise VerificationError(f"{p}: cannot re-read the source: {exc}") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise VerificationError(
            f"{p}: source {where} is not the file the records name (sha256 {sha256[:12]}…): "
            f"the source changed since it was {done}")
    try:
        return Document.from_bytes(data, str(where), encoding)
    except InputError as exc:  # the very bytes that were translated: nothing new is told
        raise VerificationError(f"{p}: cannot re-read the source: {exc}") from None


def _existing(p: Path, doc_path: str, source_root, what: str) -> Path:
    where = source_path(p, doc_path, source_root)
    if not where.exists():
        raise VerificationError(
            f"{p}: its {what} {where} is missing (the records name {doc_path!r}, relative to "
            "the record file); pass --source-root DIR if the sources moved")
    return where
