"""TMX 1.4b translation memory ``<stem>.tmx`` for CAT tools (OmegaT, Trados, memoQ).

One ``<tu>`` per record, in order, with a ``<tuv>`` for its source and one for its target, each
``xml:lang`` the record's language (``srclang`` of the ``<tu>`` too: a sentence in another
language than its document says so; the ``<header>`` names the document's source language).
The whole record travels in ``<prop>`` elements, so :func:`parse` gives back exactly the
records the file was rendered from:

- keys whose value is the same in every record (document path and sha256, encoding,
  fingerprint, ...) and the document's provenance (``x-provenance-json``: model, engine,
  splitter) are ``<prop>`` s of the ``<header>``; the others (index, paragraph, line, kind, span,
  flags, score, token counts, pieces) are ``<prop>`` s of each ``<tu>``;
- each ``<tu>`` also repeats ``x-doc-sha256`` and carries ``x-model`` (``repo@revision`` or
  ``dir:PATH``) and ``x-engine`` (``name version beam N``) labels, so a segment seen alone in
  a CAT tool still says where it came from;
- a key ``some_key`` is the prop type ``x-some-key``: integers in decimal, ``flags``
  comma-separated, ``score`` as a float (empty when there is none), strings as they are, and
  anything else as compact JSON under ``x-some-key-json``.

XML 1.0 cannot hold most C0 control characters (U+0000-U+001F except tab, LF, CR) nor
U+FFFE/U+FFFF, not even as character references. Inside a segment each such character is
written as a TMX placeholder ``<ph type="x-char">U+0001</ph>`` (CAT tools show it as a tag,
and :func:`parse` turns it back into the character); in a ``<prop>`` the value is written as
ASCII JSON (``x-...-json``) instead. CR is written as ``&#13;`` so XML line-end normalisation
does not turn it into LF. Nothing is lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from .._version import __version__
from ..errors import VerificationError
from ..provenance import engine_label, model_label
from . import layout, one_sided, rebuild

NAME = "tmx"
SUFFIX = ".tmx"
CREATION_TOOL = "pipeline"

_INT_KEYS = frozenset({"index", "paragraph", "line", "start", "end"})
#: Labels for people, checked against the header on parse but not record keys themselves.
_LABELS = ("x-model", "x-engine")

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_SPECIAL = re.compile("[&<>\r]")
_ATTRIBUTE_SPECIAL = re.compile('[&<>\r"\t\n]')


# --- writing ------------------------------------------------------------------------------

def _escape(text: str, attribute: bool = False) -> str:
    """XML-escape ``text`` (which must hold only XML characters)."""
    if not (_ATTRIBUTE_SPECIAL if attribute else _SPECIAL).search(text):
        return text
    text = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))
    if attribute:
        text = text.replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")
    return text


def _segment(text: str) -> str:
    """Segment content: escaped text, characters XML cannot hold as ``<ph>`` placeholders."""
    out, pos = [], 0
    for m in _NOT_XML.finditer(text):
        out.append(_escape(text[pos:m.start()]))
        out.append(f'<ph type="x-char">U+{ord(m.group()):04X}</ph>')
        pos = m.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def _prop_type(key: str) -> str:
    return "x-" + key.replace("_", "-")


def encode(key: str, value) -> tuple[str, str]:
    """(prop type, text) for one record key."""
    if key in _INT_KEYS and type(value) is int:
        return _prop_type(key), str(value)
    if key == "score" and (value is None or type(value) is float):
        return _prop_type(key), "" if value is None else repr(value)
    if key == "flags" and isinstance(value, list) and all(
            isinstance(f, str) and f and "," not in f and not _NOT_XML.search(f) for f in value):
        return _prop_type(key), ",".join(value)
    if (isinstance(value, str) and key not in _INT_KEYS and key not in ("score", "flags")
            and _prop_type(key) not in _LABELS and not _NOT_XML.search(value)):
        return _prop_type(key), value
    return _prop_type(key) + "-json", json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def decode(prop_type: str, text: str) -> tuple[str, object]:
    """(record key, value) for one ``<prop>``; the inverse of :func:`encode`."""
    if not prop_type.startswith("x-"):
        raise ValueError(f"not a pipeline prop type: {prop_type!r}")
    if prop_type.endswith("-json"):
        return prop_type[2:-5].replace("-", "_"), json.loads(text)
    key = prop_type[2:].replace("-", "_")
    if key in _INT_KEYS:
        return key, int(text)
    if key == "score":
        return key, None if text == "" else float(text)
    if key == "flags":
        return key, text.split(",") if text else []
    return key, text


def _props(pairs: Iterable[tuple[str, object]], indent: str) -> list[str]:
    lines = []
    for key, value in pairs:
        ptype, text = encode(key, value)
        lines.append(f'{indent}<prop type="{_escape(ptype, True)}">{_escape(text)}</prop>')
    return lines


def chunks(records: list, stem: str = "") -> Iterator[str]:
    """The TMX of ``records``, a line at a time; an alignment's links with a side empty
    (unaligned sentences) are left out: a translation unit needs both languages."""
    from ..records import pair_of

    records = [r for r in records if not one_sided(r)]
    provenance, shared, own = layout(records)
    srclang = _escape(pair_of(records)[0], True)
    header = dict(shared)
    if provenance is not None:
        header["provenance"] = provenance
    labels = []
    if provenance is not None and "model" in provenance:
        labels = [f'      <prop type="x-model">{_escape(_safe_label(model_label(provenance["model"])))}</prop>',
                  f'      <prop type="x-engine">{_escape(_safe_label(engine_label(provenance["engine"])))}</prop>']
    yield from (line + "\n" for line in [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<tmx version="1.4">',
        f'  <header creationtool="{CREATION_TOOL}" creationtoolversion="{_escape(__version__, True)}" '
        f'segtype="sentence" o-tmf="pipeline-jsonl" adminlang="en" srclang="{srclang}" '
        'datatype="plaintext">',
        *_props(header.items(), "    "),
        "  </header>",
        "  <body>",
    ])
    for r, mine in zip(records, own()):
        tuid = _safe_label(f"{stem}-{r.index}" if stem else str(r.index))
        src, tgt = _escape(r.src_lang, True), _escape(r.tgt_lang, True)
        lines = [f'    <tu tuid="{_escape(tuid, True)}" srclang="{src}">']
        if "doc_sha256" in shared:
            lines += _props([("doc_sha256", r.doc_sha256)], "      ")
        lines += labels
        lines += _props(mine.items(), "      ")
        lines.append(f'      <tuv xml:lang="{src}"><seg>{_segment(r.source)}</seg></tuv>')
        lines.append(f'      <tuv xml:lang="{tgt}"><seg>{_segment(r.target)}</seg></tuv>')
        lines.append("    </tu>")
        yield "\n".join(lines) + "\n"
    yield "  </body>\n</tmx>\n"


def render(records: list, stem: str = "") -> str:
    return "".join(chunks(records, stem))


def _safe_label(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def write_files(records: list, stem: str) -> dict[str, Iterable[str]]:
    return {stem + SUFFIX: chunks(records, stem)}


# --- reading ------------------------------------------------------------------------------

def _seg_text(seg) -> str:
    parts = [seg.text or ""]
    for child in seg:
        if child.tag == "ph" and child.get("type") == "x-char":
            code = (child.text or "").strip()
            if not re.fullmatch(r"U\+[0-9A-F]{4,6}", code):
                raise VerificationError(f"placeholder <ph type=\"x-char\"> holds {code!r}, "
                                        "expected U+XXXX")
            parts.append(chr(int(code[2:], 16)))
        else:
            raise VerificationError(f"unexpected <{child.tag}> inside <seg>")
        parts.append(child.tail or "")
    return "".join(parts)


def parse(text: str) -> list:
    """The records held by a TMX file written by :func:`render` (see :func:`iter_records`)."""
    import io

    return list(iter_records(io.BytesIO(text.encode("utf-8"))))


def iter_records(source: BinaryIO) -> Iterator:
    """The records held by a TMX file written by :func:`render`, one ``<tu>`` at a time (the
    parsed elements are dropped as they are used, so memory does not grow with the file).
    Raises :class:`VerificationError` naming the ``<tu>`` (1-based) that cannot be read back."""
    import xml.etree.ElementTree as ET

    shared: dict | None = None
    provenance = None
    n = 0
    depth = 0
    events = ET.iterparse(source, events=("start", "end"))
    try:
        for event, elem in events:
            if event == "start":
                depth += 1
                if depth == 1 and elem.tag != "tmx":
                    raise VerificationError(f"root element is <{elem.tag}>, expected <tmx>")
                continue
            depth -= 1
            if elem.tag == "header" and depth == 1:
                shared = _header(elem)
                provenance = shared.pop("provenance", None)
                elem.clear()
            elif elem.tag == "tu" and depth == 2:
                n += 1
                if shared is None:
                    raise VerificationError("lacks <header> before <body>")
                mine, text, langs = _tu(elem, n, provenance)
                elem.clear()
                try:
                    record = rebuild(provenance, shared, mine, text, n == 1)
                except VerificationError as exc:
                    raise VerificationError(f"<tu> {n} does not hold a valid record: {exc}") from None
                if langs != (record.src_lang, record.tgt_lang):
                    raise VerificationError(f"<tu> {n}: its <tuv> languages are "
                                            f"{' and '.join(map(str, langs))}, its record's "
                                            f"{record.src_lang} and {record.tgt_lang}")
                yield record
    except ET.ParseError as exc:
        raise VerificationError(f"not well-formed XML ({exc})") from None
    if shared is None:
        raise VerificationError("lacks <header> or <body>")


def _header(header) -> dict:
    shared: dict = {}
    for prop in header.findall("prop"):
        try:
            key, value = decode(prop.get("type", ""), prop.text or "")
        except ValueError as exc:
            raise VerificationError(f"<header>: cannot read <prop type={prop.get('type')!r}>: "
                                    f"{exc}") from None
        shared[key] = value
    return shared


def _tu(tu, n: int, provenance) -> tuple[dict, tuple[str, str], tuple[str, str]]:
    """A ``<tu>``'s own keys, its (source, target) texts and their ``xml:lang``."""
    mine: dict = {}
    labels = {}
    for prop in tu.findall("prop"):
        ptype = prop.get("type", "")
        if ptype in _LABELS:
            labels[ptype] = prop.text or ""
            continue
        try:
            key, value = decode(ptype, prop.text or "")
        except ValueError as exc:
            raise VerificationError(f"<tu> {n}: cannot read <prop type={ptype!r}>: {exc}") from None
        mine[key] = value
    segs = []
    for tuv in tu.findall("tuv"):
        seg = tuv.find("seg")
        segs.append((tuv.get(_XML_LANG), _seg_text(seg) if seg is not None else ""))
    if len(segs) != 2 or tu.get("srclang") != segs[0][0]:
        raise VerificationError(f"<tu> {n}: has <tuv> languages {[lang for lang, _ in segs]} "
                                f"and srclang {tu.get('srclang')!r}, expected a source <tuv> in "
                                "its srclang, then a target <tuv>")
    if isinstance(provenance, dict) and "model" in provenance:
        for ptype, make, key in (("x-model", model_label, "model"),
                                 ("x-engine", engine_label, "engine")):
            want = _safe_label(make(provenance.get(key)))
            if ptype in labels and labels[ptype] != want:
                raise VerificationError(f"<tu> {n}: {ptype} says {labels[ptype]!r}, its "
                                        f"provenance says {want!r}")
    return mine, (segs[0][1], segs[1][1]), (segs[0][0], segs[1][0])
