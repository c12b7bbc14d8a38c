"""The canonical record: one source sentence, its translation, and what produced it.

A :class:`Record` is the one value every output format renders from. Each line of a record
file is one record; the first record of each document also carries the full
:class:`~pipeline.provenance.Provenance` (model, engine, splitter), and every record carries
the run's ``fingerprint``, so record files concatenated into one corpus stay traceable line by
line. :meth:`Record.from_json` validates everything it reads (types, ranges, known keys) and
:meth:`Record.to_json` gives back exactly the line it came from.

``doc_path`` is written relative to the directory of the record file (``../raw/a.txt``), so a
record file finds its source from any working directory, and an archive moved as a whole keeps
working.

Every record names its languages (schema 3): ``src_lang``, the language of its source sentence
(the document's, or another one the sentence was identified in: flag ``other_language``), and
``tgt_lang``. Files of schema 2 have no such keys; they are read, verified and written back as
they are, German to English. The alignment record and the helpers both kinds share live in
:mod:`pipeline.alignment_records` and :mod:`pipeline.record_fields`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import flags as flag_names
from .alignment_records import ALIGNMENT_SCHEMA, ALIGNMENT_SCHEMAS, AlignmentRecord
from .document import KINDS, Document, Sentence, line_starts
from .errors import PipelineError, RecordError
from .provenance import Provenance
from .record_fields import Getter, count, dump_json, is_count, parse_json, provenance_from, show

#: Version of the record layout; bump when keys change meaning. Version 1 files (full
#: provenance on every line) are refused with a message saying how to re-create them.
RECORD_SCHEMA = "pipeline.record/3"
#: Version 2: no languages (German to English); still read, verified and written back as is.
SCHEMA_2 = "pipeline.record/2"
OLD_SCHEMAS = ("pipeline.record/1",)
#: The pair a record without languages (schema 2) is read as.
DEFAULT_PAIR = ("de", "en")


@dataclass(frozen=True)
class Record:
    """One source sentence of a document and its translation.

    Spans are half-open code-point offsets into the decoded document: the document's
    ``text[start:end] == source``. ``pieces`` are absolute spans of the parts a sentence was
    translated in when it was too long for the model, else empty. ``src_lang`` is the
    sentence's language, ``tgt_lang`` the translation's (ISO 639-1)."""

    doc_path: str
    doc_sha256: str
    index: int
    paragraph: int
    line: int
    kind: str
    start: int
    end: int
    source: str
    target: str
    flags: tuple[str, ...] = ()
    score: float | None = None
    source_tokens: int = 0
    target_tokens: int = 0
    pieces: tuple[tuple[int, int], ...] = ()
    fingerprint: str = ""
    doc_encoding: str = "utf-8"
    doc_id: str | None = None  # an article of a JSONL archive: its id ...
    doc_line: int | None = None  # ... and its 1-based line in the archive
    provenance: Provenance | None = field(default=None, compare=True)
    src_lang: str = DEFAULT_PAIR[0]
    tgt_lang: str = DEFAULT_PAIR[1]
    schema: str = RECORD_SCHEMA
    intermediate: str | None = None  # a pivot's text in the pivot language

    # --- named constructors ----------------------------------------------------------------

    @classmethod
    def translated(cls, doc: Document, sentence: Sentence, outcome, *, line: int,
                   fingerprint: str, doc_path: str | None = None,
                   provenance: Provenance | None = None,
                   pair: tuple[str, str] = DEFAULT_PAIR,
                   intermediate: str | None = None) -> Record:
        """The record of ``sentence`` of ``doc`` translated as ``outcome``
        (:class:`pipeline.schedule.Outcome`); ``source`` is sliced from the document.
        ``pair`` is the run's (source, target) languages; an outcome that names its own
        ``src_lang`` (a sentence in another language) keeps it."""
        return cls(
            doc_path=doc.path if doc_path is None else doc_path, doc_sha256=doc.sha256,
            doc_encoding=doc.encoding, doc_id=doc.doc_id, doc_line=doc.doc_line,
            index=sentence.index, paragraph=sentence.paragraph, line=line, kind=sentence.kind,
            start=sentence.start, end=sentence.end, source=doc.slice(sentence),
            target=outcome.target, flags=tuple(outcome.flags),
            score=None if outcome.score is None else round(outcome.score, 4),
            source_tokens=outcome.source_tokens, target_tokens=outcome.target_tokens,
            pieces=tuple((sentence.start + a, sentence.start + b) for a, b in outcome.pieces),
            fingerprint=fingerprint, provenance=provenance,
            src_lang=getattr(outcome, "src_lang", None) or pair[0], tgt_lang=pair[1],
            intermediate=intermediate)

    @classmethod
    def from_dict(cls, data: object) -> Record:
        """A record from its JSON object, validated key by key; anything that does not fit the
        layout is a :class:`RecordError` naming the key."""
        if not isinstance(data, dict):
            raise RecordError(f"expected a JSON object, got {type(data).__name__}")
        schema = data.get("schema")
        if schema in OLD_SCHEMAS:
            raise RecordError(f"written by an older pipeline ({schema}); re-create it with "
                              "`pipeline translate --force` (the layout changed: provenance is "
                              "now written once per file)")
        if schema not in (RECORD_SCHEMA, SCHEMA_2):
            raise RecordError(f"schema is {show(schema)}, expected {RECORD_SCHEMA!r}")
        old = schema == SCHEMA_2
        g = Getter(data, _REQUIRED_2 if old else _REQUIRED, _KEYS_2 if old else _KEYS)
        src_lang, tgt_lang = DEFAULT_PAIR if old else (g.language("src_lang"),
                                                       g.language("tgt_lang"))
        start, end = g.int("start"), g.int("end")
        if end <= start:
            raise RecordError(f"span [{start}, {end}) is empty or reversed")
        tokens = data["tokens"]
        if not isinstance(tokens, dict) or set(tokens) != {"source", "target"}:
            raise RecordError("tokens must be {\"source\": N, \"target\": N}")
        score = data["score"]
        if score is not None and (type(score) not in (int, float) or not math.isfinite(score)
                                  or score > 0):
            raise RecordError(f"score must be null or a finite number <= 0, got {show(score)}")
        pieces = data["pieces"]
        if not isinstance(pieces, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(is_count(x) for x in p)
                and p[0] < p[1] for p in pieces):
            raise RecordError("pieces must be a list of [start, end] spans")
        kind = g.str("kind")
        if kind not in KINDS:
            raise RecordError(f"kind is {show(kind)}, expected one of {', '.join(KINDS)}")
        return cls(
            doc_path=g.str("doc_path"), doc_sha256=g.sha256("doc_sha256"),
            doc_encoding=g.str("doc_encoding"),
            doc_id=g.str("doc_id") if "doc_id" in data else None,
            doc_line=g.int("doc_line") if "doc_line" in data else None,
            index=g.int("index"), paragraph=g.int("paragraph"), line=g.int("line"), kind=kind,
            start=start, end=end, source=g.str("source"), target=g.str("target", empty=True),
            flags=g.flags(), score=None if score is None else float(score),
            source_tokens=count(tokens["source"], "tokens.source"),
            target_tokens=count(tokens["target"], "tokens.target"),
            pieces=tuple((a, b) for a, b in pieces), fingerprint=g.fingerprint(),
            provenance=provenance_from(data["provenance"]) if "provenance" in data else None,
            src_lang=src_lang, tgt_lang=tgt_lang, schema=schema,
            intermediate=g.str("intermediate", empty=True) if "intermediate" in data else None)

    @classmethod
    def from_json(cls, line: str) -> Record:
        """Parse and validate one line of a record file."""
        return cls.from_dict(parse_json(line))

    # --- rendering ---------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """The JSON object, keys in the order they are written (a schema 2 record without its
        languages, as it was read)."""
        out: dict = {"schema": self.schema, "doc_path": self.doc_path,
                     "doc_sha256": self.doc_sha256, "doc_encoding": self.doc_encoding}
        if self.doc_id is not None:
            out["doc_id"] = self.doc_id
        if self.doc_line is not None:
            out["doc_line"] = self.doc_line
        if self.schema != SCHEMA_2:
            out.update({"src_lang": self.src_lang, "tgt_lang": self.tgt_lang})
        out.update({
            "index": self.index, "paragraph": self.paragraph, "line": self.line,
            "kind": self.kind, "start": self.start, "end": self.end, "source": self.source,
            "target": self.target})
        if self.intermediate is not None:
            out["intermediate"] = self.intermediate
        out.update({"flags": list(self.flags), "score": self.score,
            "tokens": {"source": self.source_tokens, "target": self.target_tokens},
            "pieces": [list(p) for p in self.pieces], "fingerprint": self.fingerprint})
        if self.provenance is not None:
            out["provenance"] = self.provenance.to_dict()
        return out

    def to_json(self) -> str:
        """One line of JSON (no trailing newline); strict JSON (no NaN), and the characters
        some readers take as line breaks escaped."""
        return dump_json(self.to_dict())

    # --- reading helpers ----------------------------------------------------------------------

    @property
    def shown_flags(self) -> list[str]:
        """The flags a reader is shown (``low_score`` added below the threshold)."""
        return flag_names.display_flags(self.flags, self.score)


_REQUIRED_2 = ("schema", "doc_path", "doc_sha256", "doc_encoding", "index", "paragraph", "line",
               "kind", "start", "end", "source", "target", "flags", "score", "tokens", "pieces",
               "fingerprint")
_KEYS_2 = frozenset(_REQUIRED_2 + ("doc_id", "doc_line", "provenance"))
_REQUIRED = _REQUIRED_2 + ("src_lang", "tgt_lang")
_KEYS = frozenset(_REQUIRED + ("doc_id", "doc_line", "provenance", "intermediate"))


def pair_of(records: Iterable) -> tuple[str, str]:
    """The (source, target) languages of a document's records (translations or alignment
    links): those of its first record that is not a sentence in another language; German to
    English for an empty document."""
    first = None
    for r in records:
        if first is None:
            first = r
        if flag_names.OTHER_LANGUAGE not in r.flags:
            return r.src_lang, r.tgt_lang
    return (first.src_lang, first.tgt_lang) if first is not None else DEFAULT_PAIR


def build_records(doc: Document, sentences: Sequence[Sentence], outcomes: Sequence,
                  provenance: Provenance, fingerprint: str,
                  doc_path: str | None = None,
                  pair: tuple[str, str] = DEFAULT_PAIR,
                  intermediates: Sequence[str] | None = None) -> list[Record]:
    """Zip each sentence with its outcome into records; the first record carries the
    provenance. Refuses a count mismatch rather than writing a misaligned record."""
    if len(sentences) != len(outcomes):
        raise PipelineError(f"{doc.path}: {len(sentences)} sentences but {len(outcomes)} "
                            "translations; refusing to write a misaligned record")
    starts = line_starts(doc.text)
    return [Record.translated(doc, s, o, line=bisect_right(starts, s.start) - 1,
                              fingerprint=fingerprint, doc_path=doc_path,
                              provenance=provenance if n == 0 else None, pair=pair,
                              intermediate=None if intermediates is None else intermediates[n])
            for n, (s, o) in enumerate(zip(sentences, outcomes))]


def record_from_json(line: str) -> Record | AlignmentRecord:
    """A translation or an alignment record, as its ``schema`` says."""
    data = parse_json(line)
    if isinstance(data, dict) and data.get("schema") in ALIGNMENT_SCHEMAS:
        return AlignmentRecord.from_dict(data)
    return Record.from_dict(data)


__all__ = ["ALIGNMENT_SCHEMA", "ALIGNMENT_SCHEMAS", "AlignmentRecord", "DEFAULT_PAIR",
           "RECORD_SCHEMA", "Record", "RecordError", "build_records", "dump_json", "pair_of",
           "parse_json", "provenance_from", "record_from_json"]
