"""Check record files against their sources, themselves, and the model they name.

A record file holds one document (``<stem>.jsonl``) or several concatenated ones (a corpus);
each document starts with the record of index 0, which carries the run's provenance. For every
document: the source is re-read (found from the record file's directory, or under
``source_root`` by file name when the sources moved) and its sha256 checked; every span must
slice exactly its ``source``; spans are ordered and cover every non-blank character; indices are
complete and in order; every record names the same source and run; the model matches
``models.lock`` (or the model directory's current digests). Then the side formats and the
manifest next to a single-document record file are checked against its records.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from ..document import line_starts
from ..errors import VerificationError
from ..formats import jsonl
from ..flags import OTHER_LANGUAGE
from ..records import AlignmentRecord, Record, pair_of
from .sources import read_source, read_text_source


@dataclass(frozen=True)
class Verified:
    """One record file that passed: how many documents and records it holds."""

    path: Path
    documents: int
    records: int


def verify(paths, *, lock: str | Path | None = None,
           source_root: str | Path | None = None) -> list[Verified]:
    """Verify each record file; raise :class:`VerificationError` at the first problem, naming
    the file (and line) and what is wrong."""
    return [verify_file(p, lock=lock, source_root=source_root)
            for p in ([paths] if isinstance(paths, (str, Path)) else paths)]


def verify_file(path: str | Path, *, lock: str | Path | None = None,
                source_root: str | Path | None = None) -> Verified:
    p = Path(path)
    documents = total = 0
    records: list = []
    for first_line, records in jsonl.iter_documents(p):  # one document in memory at a time
        check = _check_alignment if isinstance(records[0], AlignmentRecord) else _check_document
        check(p, first_line, records, lock, source_root)
        documents += 1
        total += len(records)
    if not documents:
        raise VerificationError(f"{p}: holds no records")
    if documents == 1:  # <stem>.jsonl: its side formats and the manifest beside it
        from .formats import verify_side_outputs

        verify_side_outputs(p, records, lock)
    return Verified(p, documents, total)


def _check_document(p: Path, first_line: int, records: list[Record], lock,
                    source_root) -> None:
    first = records[0]
    if first.provenance is None:
        raise VerificationError(f"{p}:{first_line}: the first record of a document lacks its "
                                "provenance")
    src_lang, tgt_lang = pair_of(records)
    for k, r in enumerate(records):
        n = first_line + k
        if r.tgt_lang != tgt_lang or (r.src_lang != src_lang and OTHER_LANGUAGE not in r.flags):
            raise VerificationError(
                f"{p}:{n}: languages {r.src_lang}->{r.tgt_lang}, but the document's are "
                f"{src_lang}->{tgt_lang}; only a sentence flagged {OTHER_LANGUAGE} has a "
                "source language of its own")
        if r.index != k:
            raise VerificationError(f"{p}:{n}: index {r.index}, expected {k}: records are "
                                    "missing, duplicated or out of order")
        if (r.doc_path, r.doc_sha256, r.doc_encoding, r.doc_id) != \
                (first.doc_path, first.doc_sha256, first.doc_encoding, first.doc_id):
            raise VerificationError(f"{p}:{n}: names another document ({r.doc_path}) than "
                                    f"line {first_line} ({first.doc_path})")
        if r.fingerprint != first.fingerprint:
            raise VerificationError(f"{p}:{n}: fingerprint differs from line {first_line}: "
                                    "records of two runs are mixed in one document")
        if k and r.provenance is not None:
            raise VerificationError(f"{p}:{n}: provenance belongs on a document's first "
                                    "record only")
    doc = read_source(p, first, source_root)
    text = doc.text
    starts = line_starts(text)
    previous_end = 0
    for k, r in enumerate(records):
        n = first_line + k
        if r.end > len(text):
            raise VerificationError(f"{p}:{n}: span [{r.start}, {r.end}) is not inside the "
                                    f"document (length {len(text)})")
        if r.start < previous_end:
            raise VerificationError(f"{p}:{n}: span [{r.start}, {r.end}) overlaps or precedes "
                                    f"the previous one (ended at {previous_end})")
        if text[previous_end:r.start].strip():
            gap = text[previous_end:r.start].strip()
            raise VerificationError(f"{p}:{n}: text before this span belongs to no record: "
                                    f"{gap[:60]!r}")
        if r.line != bisect_right(starts, r.start) - 1:
            raise VerificationError(f"{p}:{n}: line {r.line}, but offset {r.start} is on line "
                                    f"{bisect_right(starts, r.start) - 1}")
        if text[r.start:r.end] != r.source:
            raise VerificationError(f"{p}:{n}: text[{r.start}:{r.end}] is "
                                    f"{text[r.start:r.end][:60]!r}, the record's source is "
                                    f"{r.source[:60]!r}")
        if any(not (r.start <= a < b <= r.end) for a, b in r.pieces):
            raise VerificationError(f"{p}:{n}: a piece lies outside the sentence's span")
        previous_end = r.end
    if text[previous_end:].strip():
        raise VerificationError(f"{p}: text after the last record belongs to no record: "
                                f"{text[previous_end:].strip()[:60]!r}")
    check_model(p, first.provenance.model, lock)
    if first.provenance.pivot is not None:  # a pivot's second model, checked the same way
        check_model(p, first.provenance.pivot["model"], lock)


def _check_alignment(p: Path, first_line: int, records: list[AlignmentRecord], lock,
                     source_root) -> None:
    """One alignment: both sources unchanged, every German and every English sentence in
    exactly one link, in order, each link's text sliced from its sources, spans covering every
    non-blank character of both documents, and the model of the machine translation."""
    first = records[0]
    if first.provenance is None:
        raise VerificationError(f"{p}:{first_line}: the first link of an alignment lacks its "
                                "provenance")
    docs = {}
    for side in ("de", "en"):
        docs[side] = read_text_source(p, getattr(first, f"{side}_path"),
                                       getattr(first, f"{side}_sha256"),
                                       getattr(first, f"{side}_encoding"), source_root, "aligned")
    expected = {"de": 0, "en": 0}
    previous_end = {"de": 0, "en": 0}
    starts = {side: line_starts(doc.text) for side, doc in docs.items()}
    same = ("de_path", "de_sha256", "en_path", "en_sha256", "fingerprint")
    for k, r in enumerate(records):
        n = first_line + k
        if r.index != k:
            raise VerificationError(f"{p}:{n}: link {r.index}, expected {k}: links are missing, "
                                    "duplicated or out of order")
        if any(getattr(r, key) != getattr(first, key) for key in same):
            raise VerificationError(f"{p}:{n}: names other sources or another run than line "
                                    f"{first_line}")
        if k and r.provenance is not None:
            raise VerificationError(f"{p}:{n}: provenance belongs on the first link only")
        for side, text_key in (("de", "source"), ("en", "target")):
            indices, spans = getattr(r, side), getattr(r, f"{side}_spans")
            text = docs[side].text
            if indices and indices[0] != expected[side]:
                raise VerificationError(f"{p}:{n}: {side} sentence {indices[0]}, expected "
                                        f"{expected[side]}: a sentence is missing or in two links")
            expected[side] += len(indices)
            for a, b in spans:
                if b > len(text) or a < previous_end[side]:
                    raise VerificationError(f"{p}:{n}: {side} span [{a}, {b}) is out of order or "
                                            "outside the document")
                if text[previous_end[side]:a].strip():
                    raise VerificationError(f"{p}:{n}: {side} text before this span belongs to no "
                                            f"link: {text[previous_end[side]:a].strip()[:60]!r}")
                previous_end[side] = b
            want = text[spans[0][0]:spans[-1][1]] if spans else ""
            if getattr(r, text_key) != want:
                raise VerificationError(f"{p}:{n}: {text_key} is "
                                        f"{getattr(r, text_key)[:60]!r}, the {side} document "
                                        f"says {want[:60]!r}")
        anchor = ("de", r.de_spans) if r.de_spans else ("en", r.en_spans)
        if r.line != bisect_right(starts[anchor[0]], anchor[1][0][0]) - 1:
            raise VerificationError(f"{p}:{n}: line {r.line} does not match the link's first "
                                    "sentence")
    for side in ("de", "en"):
        rest = docs[side].text[previous_end[side]:].strip()
        if rest:
            raise VerificationError(f"{p}: {side} text after the last link belongs to no link: "
                                    f"{rest[:60]!r}")
    translation = first.provenance.get("translation")
    if translation is not None:
        check_model(p, translation["model"], lock)


def check_model(p: Path, model: dict, lock: str | Path | None) -> None:
    """The model a record names is the one pinned in ``lock`` (or its directory still holds
    the files it recorded)."""
    from ..lock import default_lock_path, directory_digests, pin_of_repo

    if model.get("repo"):
        lock_path = Path(lock) if lock is not None else default_lock_path()
        pin = pin_of_repo(lock_path, model["repo"])
        if pin.repo != model["repo"] or pin.revision != model.get("revision"):
            raise VerificationError(
                f"{p}: records name {model['repo']}@{model.get('revision')}, {lock_path} pins "
                f"{pin.repo}@{pin.revision}")
        pinned = {n: f.sha256 for n, f in pin.files.items()}
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
            want = f"sha256 {expected[name][:12]}…" if name in expected else "no such file"
            raise VerificationError(  # what the file found holds is not said: see sources.read_text_source
                f"{p}: model file {directory / name} is not the one the records name ({want})")
