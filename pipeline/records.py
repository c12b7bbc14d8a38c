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
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import flags as flag_names
from .document import KINDS, Document, Sentence, line_starts
from .errors import PipelineError, RecordError
from .provenance import Provenance

#: Version of the record layout; bump when keys change meaning. Version 1 files (full
#: provenance on every line) are refused with a message saying how to re-create them.
RECORD_SCHEMA = "pipeline.record/2"
OLD_SCHEMAS = ("pipeline.record/1",)

_HEX64 = re.compile(r"[0-9a-f]{64}")
_FLAG = re.compile(r"[a-z][a-z0-9_]*")
#: Characters that some JSON-lines readers take as line breaks (``str.splitlines``, JavaScript
#: before ES2019); always written escaped so that one record is one line for every reader.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}
_LINE_BREAK_RE = re.compile("[\u2028\u2029\x85]")
_LONE_SURROGATE = re.compile(  # \uD800-\uDBFF not followed by \uDC00-\uDFFF, or the reverse
    r"(?<!\\)(?:\\\\)*(?:\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})"
    r"|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2})", re.IGNORECASE)


@dataclass(frozen=True)
class Record:
    """One source sentence of a German document and its English translation.

    Spans are half-open code-point offsets into the decoded document: the document's
    ``text[start:end] == source``. ``pieces`` are absolute spans of the parts a sentence was
    translated in when it was too long for the model, else empty."""

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
    schema: str = RECORD_SCHEMA
    intermediate: str | None = None  # a pivot's text in the pivot language

    # --- named constructors ----------------------------------------------------------------

    @classmethod
    def translated(cls, doc: Document, sentence: Sentence, outcome, *, line: int,
                   fingerprint: str, doc_path: str | None = None,
                   provenance: Provenance | None = None,
                   intermediate: str | None = None) -> Record:
        """The record of ``sentence`` of ``doc`` translated as ``outcome``
        (:class:`pipeline.schedule.Outcome`); ``source`` is sliced from the document."""
        return cls(
            doc_path=doc.path if doc_path is None else doc_path, doc_sha256=doc.sha256,
            doc_encoding=doc.encoding, doc_id=doc.doc_id, doc_line=doc.doc_line,
            index=sentence.index, paragraph=sentence.paragraph, line=line, kind=sentence.kind,
            start=sentence.start, end=sentence.end, source=doc.slice(sentence),
            target=outcome.target, flags=tuple(outcome.flags),
            score=None if outcome.score is None else round(outcome.score, 4),
            source_tokens=outcome.source_tokens, target_tokens=outcome.target_tokens,
            pieces=tuple((sentence.start + a, sentence.start + b) for a, b in outcome.pieces),
            fingerprint=fingerprint, provenance=provenance, intermediate=intermediate)

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
        if schema != RECORD_SCHEMA:
            raise RecordError(f"schema is {_show(schema)}, expected {RECORD_SCHEMA!r}")
        g = _Getter(data, _REQUIRED, _KEYS)
        start, end = g.int("start"), g.int("end")
        if end <= start:
            raise RecordError(f"span [{start}, {end}) is empty or reversed")
        tokens = data["tokens"]
        if not isinstance(tokens, dict) or set(tokens) != {"source", "target"}:
            raise RecordError("tokens must be {\"source\": N, \"target\": N}")
        flags = data["flags"]
        if not isinstance(flags, list) or not all(isinstance(f, str) and _FLAG.fullmatch(f)
                                                  for f in flags):
            raise RecordError("flags must be a list of lower-case names")
        if len(set(flags)) != len(flags):
            raise RecordError("flags repeat a name")
        score = data["score"]
        if score is not None and (type(score) not in (int, float) or not math.isfinite(score)
                                  or score > 0):
            raise RecordError(f"score must be null or a finite number <= 0, got {_show(score)}")
        pieces = data["pieces"]
        if not isinstance(pieces, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(_is_count(x) for x in p)
                and p[0] < p[1] for p in pieces):
            raise RecordError("pieces must be a list of [start, end] spans")
        kind = g.str("kind")
        if kind not in KINDS:
            raise RecordError(f"kind is {_show(kind)}, expected one of {', '.join(KINDS)}")
        fingerprint = g.str("fingerprint", empty=True)
        if fingerprint and not _HEX64.fullmatch(fingerprint):
            raise RecordError("fingerprint must be 64 lower-case hex digits or empty")
        sha = g.str("doc_sha256")
        if not _HEX64.fullmatch(sha):
            raise RecordError("doc_sha256 must be 64 lower-case hex digits")
        return cls(
            doc_path=g.str("doc_path"), doc_sha256=sha, doc_encoding=g.str("doc_encoding"),
            doc_id=g.str("doc_id") if "doc_id" in data else None,
            doc_line=g.int("doc_line") if "doc_line" in data else None,
            index=g.int("index"), paragraph=g.int("paragraph"), line=g.int("line"), kind=kind,
            start=start, end=end, source=g.str("source"), target=g.str("target", empty=True),
            flags=tuple(flags), score=None if score is None else float(score),
            source_tokens=_count(tokens["source"], "tokens.source"),
            target_tokens=_count(tokens["target"], "tokens.target"),
            pieces=tuple((a, b) for a, b in pieces), fingerprint=fingerprint,
            provenance=provenance_from(data["provenance"]) if "provenance" in data else None,
            intermediate=g.str("intermediate", empty=True) if "intermediate" in data else None)

    @classmethod
    def from_json(cls, line: str) -> Record:
        """Parse and validate one line of a record file."""
        return cls.from_dict(parse_json(line))

    # --- rendering ---------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """The JSON object, keys in the order they are written."""
        out: dict = {"schema": self.schema, "doc_path": self.doc_path,
                     "doc_sha256": self.doc_sha256, "doc_encoding": self.doc_encoding}
        if self.doc_id is not None:
            out["doc_id"] = self.doc_id
        if self.doc_line is not None:
            out["doc_line"] = self.doc_line
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


def dump_json(obj) -> str:
    """Compact, strict JSON on one line for every JSON-lines reader."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if _LINE_BREAK_RE.search(text):
        text = _LINE_BREAK_RE.sub(lambda m: _LINE_BREAKS[m.group()], text)
    return text


def parse_json(line: str):
    """Strict JSON: NaN and Infinity refused, as any other parser would, and so is a lone
    surrogate (``"\\ud800"``: no UTF-8 text can hold it, so nothing could be written back)."""
    if "\\u" in line and _LONE_SURROGATE.search(line):
        raise RecordError("not valid JSON text (a lone surrogate escape)")
    try:
        return json.loads(line, parse_constant=_refuse_constant)
    except RecordError:
        raise
    except (ValueError, RecursionError) as exc:
        raise RecordError(f"not valid JSON ({getattr(exc, 'msg', None) or exc})") from None


def _refuse_constant(name: str):
    raise RecordError(f"not valid JSON ({name} is not a JSON number)")


def provenance_from(data: object) -> Provenance:
    """A :class:`Provenance` from a record's ``provenance`` object, validated."""
    if not isinstance(data, dict) or set(data) - {"pivot"} != {"model", "engine", "splitter",
                                                              "pipeline", "signature"}:
        raise RecordError("provenance must hold exactly model, engine, splitter, pipeline "
                          "and signature (and pivot, for a translation through a pivot)")
    pivot = data.get("pivot", {"lang": "x", "model": {"dir": "", "files": {}}})
    if not isinstance(pivot, dict) or not isinstance(pivot.get("lang"), str) \
            or not isinstance(pivot.get("model"), dict) or not isinstance(pivot.get("engine", {}), dict):
        raise RecordError("provenance.pivot must name the pivot language, its second model "
                          "and engine")
    model, engine = data["model"], data["engine"]
    if not isinstance(model, dict) or not isinstance(model.get("files"), dict) or not (
            isinstance(model.get("repo"), str) or isinstance(model.get("dir"), str)):
        raise RecordError("provenance.model must name a repo or a dir, and its files")
    if not all(isinstance(k, str) and isinstance(v, str) and _HEX64.fullmatch(v)
               for k, v in model["files"].items()):
        raise RecordError("provenance.model.files must map file names to sha256 digests")
    if not isinstance(engine, dict) or not isinstance(engine.get("name"), str) \
            or not isinstance(engine.get("decoding"), dict):
        raise RecordError("provenance.engine must hold a name and its decoding settings")
    for key in ("splitter", "pipeline", "signature"):
        if not isinstance(data[key], str) or not data[key]:
            raise RecordError(f"provenance.{key} must be a non-empty string")
    prov = Provenance.from_dict(data)
    if prov.signature() != data["signature"]:
        raise RecordError(f"provenance.signature {_show(data['signature'])} does not match "
                          f"its model and engine ({prov.signature()!r})")
    return prov


class _Getter:
    """Typed access to a record's JSON object, after checking it has every required key and
    no unknown one."""

    def __init__(self, data: dict, required: Sequence[str], allowed: frozenset[str]) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise RecordError(f"unknown key {unknown[0]!r}")
        missing = [k for k in required if k not in data]
        if missing:
            raise RecordError(f"lacks {', '.join(missing)}")
        self.data = data

    def int(self, key: str) -> int:
        return _count(self.data[key], key)

    def str(self, key: str, empty: bool = False) -> str:
        value = self.data[key]
        if not isinstance(value, str) or (not empty and not value):
            raise RecordError(f"{key} must be a {'' if empty else 'non-empty '}string, got "
                              f"{_show(value)}")
        return value


def _is_count(value) -> bool:
    return type(value) is int and value >= 0


def _count(value, key: str) -> int:
    if not _is_count(value):
        raise RecordError(f"{key} must be a non-negative integer, got {_show(value)}")
    return value


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_REQUIRED = ("schema", "doc_path", "doc_sha256", "doc_encoding", "index", "paragraph", "line",
             "kind", "start", "end", "source", "target", "flags", "score", "tokens", "pieces",
             "fingerprint")
_KEYS = frozenset(_REQUIRED + ("doc_id", "doc_line", "provenance", "intermediate"))


def build_records(doc: Document, sentences: Sequence[Sentence], outcomes: Sequence,
                  provenance: Provenance, fingerprint: str,
                  doc_path: str | None = None,
                  intermediates: Sequence[str] | None = None) -> list[Record]:
    """Zip each sentence with its outcome into records; the first record carries the
    provenance. Refuses a count mismatch rather than writing a misaligned record."""
    if len(sentences) != len(outcomes):
        raise PipelineError(f"{doc.path}: {len(sentences)} sentences but {len(outcomes)} "
                            "translations; refusing to write a misaligned record")
    starts = line_starts(doc.text)
    return [Record.translated(doc, s, o, line=bisect_right(starts, s.start) - 1,
                              fingerprint=fingerprint, doc_path=doc_path,
                              provenance=provenance if n == 0 else None,
                              intermediate=None if intermediates is None else intermediates[n])
            for n, (s, o) in enumerate(zip(sentences, outcomes))]


# --- aligning a human translation -------------------------------------------------------------

ALIGNMENT_SCHEMA = "pipeline.alignment/1"


@dataclass(frozen=True)
class AlignmentRecord:
    """One link between a German document and its existing (human) English translation:
    German sentences ``de`` and English sentences ``en`` (0-based, consecutive, either may be
    empty), their half-open spans in each document, and the text of each side sliced from its
    document (from the link's first sentence to its last; empty for an unaligned side).
    ``mt`` is the machine translation of the German sentences the aligner compared with the
    English (None without MT); ``similarity`` is the aligner's (see
    :class:`pipeline.alignment.Link`). The first record of a file carries the provenance."""

    de_path: str
    de_sha256: str
    en_path: str
    en_sha256: str
    index: int
    de: tuple[int, ...]
    en: tuple[int, ...]
    de_spans: tuple[tuple[int, int], ...]
    en_spans: tuple[tuple[int, int], ...]
    paragraph: int
    line: int
    source: str
    target: str
    similarity: float
    mt: str | None = None
    flags: tuple[str, ...] = ()
    fingerprint: str = ""
    de_encoding: str = "utf-8"
    en_encoding: str = "utf-8"
    provenance: dict | None = None
    schema: str = ALIGNMENT_SCHEMA

    #: Keys that differ from link to link (never moved to a file-wide header).
    PER_RECORD = ("index", "link", "de", "en", "de_spans", "en_spans", "paragraph", "line",
                  "similarity", "mt", "flags")

    @property
    def link(self) -> str:
        """The link type, e.g. ``"2-1"``."""
        return f"{len(self.de)}-{len(self.en)}"

    @property
    def shown_flags(self) -> list[str]:
        return list(self.flags)

    def to_dict(self) -> dict:
        out = {"schema": self.schema, "de_path": self.de_path, "de_sha256": self.de_sha256,
               "de_encoding": self.de_encoding, "en_path": self.en_path,
               "en_sha256": self.en_sha256, "en_encoding": self.en_encoding,
               "index": self.index, "link": self.link, "de": list(self.de), "en": list(self.en),
               "de_spans": [list(s) for s in self.de_spans],
               "en_spans": [list(s) for s in self.en_spans], "paragraph": self.paragraph,
               "line": self.line, "source": self.source, "target": self.target,
               "similarity": self.similarity, "mt": self.mt, "flags": list(self.flags),
               "fingerprint": self.fingerprint}
        if self.provenance is not None:
            out["provenance"] = self.provenance
        return out

    def to_json(self) -> str:
        return dump_json(self.to_dict())

    @classmethod
    def from_json(cls, line: str) -> AlignmentRecord:
        return cls.from_dict(parse_json(line))

    @classmethod
    def from_dict(cls, data: object) -> AlignmentRecord:
        """An alignment record from its JSON object, validated key by key."""
        if not isinstance(data, dict):
            raise RecordError(f"expected a JSON object, got {type(data).__name__}")
        if data.get("schema") != ALIGNMENT_SCHEMA:
            raise RecordError(f"schema is {_show(data.get('schema'))}, expected "
                              f"{ALIGNMENT_SCHEMA!r}")
        g = _Getter(data, _ALIGNMENT_REQUIRED, _ALIGNMENT_KEYS)
        for key in ("de_sha256", "en_sha256"):
            if not _HEX64.fullmatch(g.str(key)):
                raise RecordError(f"{key} must be 64 lower-case hex digits")
        sides = {}
        for side in ("de", "en"):
            indices, spans = data[side], data[f"{side}_spans"]
            if not isinstance(indices, list) or not all(_is_count(i) for i in indices) or any(
                    b != a + 1 for a, b in zip(indices, indices[1:])):
                raise RecordError(f"{side} must be a list of consecutive sentence indices")
            if not isinstance(spans, list) or len(spans) != len(indices) or not all(
                    isinstance(p, list) and len(p) == 2 and all(_is_count(x) for x in p)
                    and p[0] < p[1] for p in spans):
                raise RecordError(f"{side}_spans must hold one [start, end) span per sentence")
            sides[side] = (tuple(indices), tuple((a, b) for a, b in spans))
        if not sides["de"][0] and not sides["en"][0]:
            raise RecordError("a link needs a sentence on at least one side")
        if data["link"] != f"{len(sides['de'][0])}-{len(sides['en'][0])}":
            raise RecordError(f"link is {_show(data['link'])}, but it holds "
                              f"{len(sides['de'][0])} German and {len(sides['en'][0])} English "
                              "sentences")
        similarity = data["similarity"]
        if type(similarity) not in (int, float) or not 0 <= similarity <= 1:
            raise RecordError(f"similarity must be a number in [0, 1], got {_show(similarity)}")
        mt = data["mt"]
        if mt is not None and not isinstance(mt, str):
            raise RecordError("mt must be a string or null")
        flags = data["flags"]
        if not isinstance(flags, list) or not all(isinstance(f, str) and _FLAG.fullmatch(f)
                                                  for f in flags) or len(set(flags)) != len(flags):
            raise RecordError("flags must be a list of distinct lower-case names")
        fingerprint = g.str("fingerprint", empty=True)
        if fingerprint and not _HEX64.fullmatch(fingerprint):
            raise RecordError("fingerprint must be 64 lower-case hex digits or empty")
        provenance = data.get("provenance")
        if provenance is not None:
            _check_alignment_provenance(provenance)
        return cls(de_path=g.str("de_path"), de_sha256=data["de_sha256"],
                   de_encoding=g.str("de_encoding"), en_path=g.str("en_path"),
                   en_sha256=data["en_sha256"], en_encoding=g.str("en_encoding"),
                   index=g.int("index"), de=sides["de"][0], en=sides["en"][0],
                   de_spans=sides["de"][1], en_spans=sides["en"][1],
                   paragraph=g.int("paragraph"), line=g.int("line"),
                   source=g.str("source", empty=True), target=g.str("target", empty=True),
                   similarity=float(similarity), mt=mt, flags=tuple(flags),
                   fingerprint=fingerprint, provenance=provenance)


_ALIGNMENT_REQUIRED = ("schema", "de_path", "de_sha256", "de_encoding", "en_path", "en_sha256",
                       "en_encoding", "index", "link", "de", "en", "de_spans", "en_spans",
                       "paragraph", "line", "source", "target", "similarity", "mt", "flags",
                       "fingerprint")
_ALIGNMENT_KEYS = frozenset(_ALIGNMENT_REQUIRED + ("provenance",))


def _check_alignment_provenance(data: object) -> None:
    """The provenance of an alignment: aligner (name, parameters, what it measured), the
    splitters of both sides, the translation used (a translation provenance, or null)."""
    if not isinstance(data, dict) or set(data) != {"aligner", "splitters", "translation",
                                                   "pipeline", "signature"}:
        raise RecordError("provenance must hold exactly aligner, splitters, translation, "
                          "pipeline and signature")
    aligner = data["aligner"]
    if not isinstance(aligner, dict) or not isinstance(aligner.get("aligner"), str) \
            or not isinstance(aligner.get("params"), dict):
        raise RecordError("provenance.aligner must name the aligner and its parameters")
    splitters = data["splitters"]
    if not isinstance(splitters, dict) or set(splitters) != {"de", "en"} or not all(
            isinstance(v, str) and v for v in splitters.values()):
        raise RecordError("provenance.splitters must name the German and English splitters")
    if data["translation"] is not None:
        provenance_from(data["translation"])
    if not isinstance(data["pipeline"], str) or not isinstance(data["signature"], str):
        raise RecordError("provenance.pipeline and .signature must be strings")


def record_from_json(line: str) -> Record | AlignmentRecord:
    """A translation or an alignment record, as its ``schema`` says."""
    data = parse_json(line)
    if isinstance(data, dict) and data.get("schema") == ALIGNMENT_SCHEMA:
        return AlignmentRecord.from_dict(data)
    return Record.from_dict(data)
