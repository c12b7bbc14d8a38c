"""The record of one alignment link: sentences of a source document and of its existing
(human) translation that say the same thing, with their spans, texts and languages.

Written by ``pipeline align`` (:mod:`pipeline.alignment.documents`), read back and validated
here with the helpers every record kind shares (:mod:`pipeline.record_fields`). The sides keep
their historical key names, ``de`` for the source and ``en`` for the target, whatever the pair:
``src_lang`` and ``tgt_lang`` say which languages they are (schema 2; a schema 1 file has no
such keys and is read as German to English).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import RecordError
from .record_fields import (Getter, count, dump_json, is_count, parse_json, provenance_from,
                            show)

ALIGNMENT_SCHEMA = "pipeline.alignment/2"
#: Earlier layouts still read (and verified) as they are: without languages, German-English.
OLD_ALIGNMENT_SCHEMAS = ("pipeline.alignment/1",)
ALIGNMENT_SCHEMAS = (ALIGNMENT_SCHEMA, *OLD_ALIGNMENT_SCHEMAS)


@dataclass(frozen=True)
class AlignmentRecord:
    """One link between a source document and its existing (human) translation: source
    sentences ``de`` and target sentences ``en`` (0-based, consecutive, either may be empty;
    the names are historical, ``src_lang`` and ``tgt_lang`` say the languages), their half-open
    spans in each document, and the text of each side sliced from its document (from the
    link's first sentence to its last; empty for an unaligned side). ``mt`` is the machine
    translation of the source sentences the aligner compared with the target (None without
    MT); ``similarity`` is the aligner's (see :class:`pipeline.alignment.Link`). The first
    record of a file carries the provenance."""

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
    src_lang: str = "de"
    tgt_lang: str = "en"
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
               "en_sha256": self.en_sha256, "en_encoding": self.en_encoding}
        if self.schema != OLD_ALIGNMENT_SCHEMAS[0]:
            out.update({"src_lang": self.src_lang, "tgt_lang": self.tgt_lang})
        out.update({
            "index": self.index, "link": self.link, "de": list(self.de), "en": list(self.en),
            "de_spans": [list(s) for s in self.de_spans],
            "en_spans": [list(s) for s in self.en_spans], "paragraph": self.paragraph,
            "line": self.line, "source": self.source, "target": self.target,
            "similarity": self.similarity, "mt": self.mt, "flags": list(self.flags),
            "fingerprint": self.fingerprint})
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
        schema = data.get("schema")
        if schema not in ALIGNMENT_SCHEMAS:
            raise RecordError(f"schema is {show(schema)}, expected {ALIGNMENT_SCHEMA!r}")
        old = schema != ALIGNMENT_SCHEMA
        g = Getter(data, _REQUIRED_1 if old else _REQUIRED, _KEYS_1 if old else _KEYS)
        src_lang, tgt_lang = ("de", "en") if old else (g.language("src_lang"),
                                                       g.language("tgt_lang"))
        de_sha256, en_sha256 = g.sha256("de_sha256"), g.sha256("en_sha256")
        sides = {side: _side(data, side) for side in ("de", "en")}
        if not sides["de"][0] and not sides["en"][0]:
            raise RecordError("a link needs a sentence on at least one side")
        if data["link"] != f"{len(sides['de'][0])}-{len(sides['en'][0])}":
            raise RecordError(f"link is {show(data['link'])}, but it holds "
                              f"{len(sides['de'][0])} source and {len(sides['en'][0])} target "
                              "sentences")
        similarity = data["similarity"]
        if type(similarity) not in (int, float) or not 0 <= similarity <= 1:
            raise RecordError(f"similarity must be a number in [0, 1], got {show(similarity)}")
        mt = data["mt"]
        if mt is not None and not isinstance(mt, str):
            raise RecordError("mt must be a string or null")
        provenance = data.get("provenance")
        if provenance is not None:
            _check_provenance(provenance, src_lang, tgt_lang)
        return cls(de_path=g.str("de_path"), de_sha256=de_sha256,
                   de_encoding=g.str("de_encoding"), en_path=g.str("en_path"),
                   en_sha256=en_sha256, en_encoding=g.str("en_encoding"),
                   index=g.int("index"), de=sides["de"][0], en=sides["en"][0],
                   de_spans=sides["de"][1], en_spans=sides["en"][1],
                   paragraph=g.int("paragraph"), line=g.int("line"),
                   source=g.str("source", empty=True), target=g.str("target", empty=True),
                   similarity=float(similarity), mt=mt, flags=g.flags(),
                   fingerprint=g.fingerprint(), provenance=provenance, src_lang=src_lang,
                   tgt_lang=tgt_lang, schema=schema)


def _side(data: dict, side: str) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """One side's sentence indices and spans, validated."""
    indices, spans = data[side], data[f"{side}_spans"]
    if not isinstance(indices, list) or not all(is_count(i) for i in indices) or any(
            b != a + 1 for a, b in zip(indices, indices[1:])):
        raise RecordError(f"{side} must be a list of consecutive sentence indices")
    if not isinstance(spans, list) or len(spans) != len(indices) or not all(
            isinstance(p, list) and len(p) == 2 and all(is_count(x) for x in p)
            and p[0] < p[1] for p in spans):
        raise RecordError(f"{side}_spans must hold one [start, end) span per sentence")
    return tuple(count(i, side) for i in indices), tuple((a, b) for a, b in spans)


_REQUIRED_1 = ("schema", "de_path", "de_sha256", "de_encoding", "en_path", "en_sha256",
               "en_encoding", "index", "link", "de", "en", "de_spans", "en_spans",
               "paragraph", "line", "source", "target", "similarity", "mt", "flags",
               "fingerprint")
_KEYS_1 = frozenset(_REQUIRED_1 + ("provenance",))
_REQUIRED = _REQUIRED_1 + ("src_lang", "tgt_lang")
_KEYS = frozenset(_REQUIRED + ("provenance",))


def _check_provenance(data: object, src_lang: str, tgt_lang: str) -> None:
    """The provenance of an alignment: aligner (name, parameters, what it measured), the
    splitters of both sides by language, the translation used (a translation provenance, or
    null)."""
    if not isinstance(data, dict) or set(data) != {"aligner", "splitters", "translation",
                                                   "pipeline", "signature"}:
        raise RecordError("provenance must hold exactly aligner, splitters, translation, "
                          "pipeline and signature")
    aligner = data["aligner"]
    if not isinstance(aligner, dict) or not isinstance(aligner.get("aligner"), str) \
            or not isinstance(aligner.get("params"), dict):
        raise RecordError("provenance.aligner must name the aligner and its parameters")
    splitters = data["splitters"]
    if not isinstance(splitters, dict) or set(splitters) != {src_lang, tgt_lang} or not all(
            isinstance(v, str) and v for v in splitters.values()):
        raise RecordError(f"provenance.splitters must name the splitters of {src_lang} and "
                          f"{tgt_lang}")
    if data["translation"] is not None:
        provenance_from(data["translation"])
    if not isinstance(data["pipeline"], str) or not isinstance(data["signature"], str):
        raise RecordError("provenance.pipeline and .signature must be strings")
