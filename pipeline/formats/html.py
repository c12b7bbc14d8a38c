"""A self-contained side-by-side viewer ``<stem>.html``: source left, translation right.

One file, no network: the style (``viewer.css``) and script (``viewer.js``) are inlined, and a
Content-Security-Policy allows exactly those two (by hash) and nothing else, so even text that
slipped through escaping could not run or load anything. Every piece of article text is
HTML-escaped; the records' provenance is embedded as JSON in a
``<script type="application/json">`` with ``<``, ``>`` and ``&`` written as ``\\u003c`` etc.

Paragraphs and lines are kept (a new paragraph or line starts a new row), headings are ``<h2>``, list
items ``<li>``, boilerplate is shown muted. Hovering or focusing a sentence highlights its
pair; clicking it (or Enter/Space) opens its provenance. Flags are shown as badges.

Each column says its language (``lang``, and ``dir="rtl"`` for a script written right to
left), so browsers pick fonts, hyphenation and line breaking for it; a sentence in another
language than its column carries its own ``lang``.

Control characters other than tab and LF cannot be shown (and CR would be normalised away by
any HTML parser), so in the visible text each becomes its Unicode "control picture"
(U+0001 -> U+2401, DEL -> U+2421); the embedded JSON keeps the exact record.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterable, Iterator
import hashlib
import json
import re
from html import escape
from html.parser import HTMLParser
from importlib import resources

from .._version import __version__
from .. import flags as flag_names
from ..errors import VerificationError
from ..languages.names import direction, english_name, own_name
from ..records import pair_of
from . import header_labels, layout, unlayout

NAME = "html"
SUFFIX = ".html"
DATA_ID = "pipeline-data"

_PICTURES = {c: chr(0x2400 + c) for c in range(0x20) if chr(c) not in "\t\n"}
_PICTURES[0x7F] = "\u2421"
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # exactly the keys of _PICTURES


def display_text(text: str) -> str:
    """``text`` as the viewer shows it: control characters as control pictures."""
    return text.translate(_PICTURES) if _CONTROLS.search(text) else text


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str, str]:
    """The inlined style and script, and the Content-Security-Policy that allows just them."""
    css, js = _asset("viewer.css"), _asset("viewer.js")
    csp = (f"default-src 'none'; style-src {csp_hash(css)}; script-src {csp_hash(js)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    return css, js, csp


def csp_sources() -> tuple[str, str]:
    """The CSP sources (hashes) of the viewer's inlined style and script: a page that embeds
    the viewer in a ``srcdoc`` frame, whose policy the frame inherits, must allow them."""
    css, js, _ = _assets()
    return csp_hash(css), csp_hash(js)


def csp_hash(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode() + "'"


def _json_for_script(obj) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _block_type(kind: str) -> str:
    return {"heading": "heading", "list_item": "list", "boilerplate": "boilerplate"}.get(kind, "text")


def _blocks(records: list) -> list[tuple[str, bool, list]]:
    """Consecutive records of one paragraph, one line and one block type: (type, new
    paragraph, records). A line break inside a paragraph starts a new row, as in the source."""
    out: list[tuple[str, bool, list]] = []
    prev_para = object()
    prev_line = object()
    for r in records:
        btype = _block_type(getattr(r, "kind", "sentence"))  # alignment links: plain text
        para = r.paragraph
        line = r.line
        if out and para == prev_para and line == prev_line and out[-1][0] == btype:
            out[-1][2].append(r)
        else:
            out.append((btype, para != prev_para, [r]))
        prev_para = para
        prev_line = line
    return out


def _lang_attributes(lang: str, around: str | None = None) -> str:
    """`` lang="xx"`` (and `` dir="rtl"``) for text in ``lang`` inside text in ``around``:
    nothing where they agree."""
    if lang == around:
        return ""
    attrs = f' lang="{escape(lang)}"'
    if direction(lang) != direction(around or "en"):
        attrs += f' dir="{direction(lang)}"'
    return attrs


def _sentence(r, side: str, cell_lang: str) -> str:
    i = escape(str(r.index))
    flags = r.shown_flags
    raw, lang = (r.source, r.src_lang) if side == "de" else (r.target, r.tgt_lang)
    cls = ("s flagged" if flags else "s") + ("" if raw else " gap")  # gap: an unaligned side
    text = escape(display_text(raw))
    span = (f'<span class="{cls}" data-side="{side}" data-i="{i}" id="{side}-{i}" tabindex="0" '
            f'role="button"{_lang_attributes(lang, cell_lang)}>{text}</span>')
    if side == "en" and flags:
        badges = "".join(
            f'<span class="flag" data-flag="{escape(f)}" title="{escape(flag_names.explanation(f))}">'
            f"{escape(flag_names.label(f))}</span>" for f in flags)
        span += f'<span class="flags">{badges}</span>'
    return span


def _cell(btype: str, group: list, side: str, lang: str) -> str:
    """One side of a row; ``side`` is ``de`` (the source) or ``en`` (the translation), names
    kept from the German-English viewer, ``lang`` the language of that side."""
    if btype == "heading":
        inner = "".join(f"<h2>{_sentence(r, side, lang)}</h2>" for r in group)
    elif btype == "list":
        inner = "<ul>" + "".join(f"<li>{_sentence(r, side, lang)}</li>" for r in group) + "</ul>"
    elif btype == "boilerplate":
        inner = "".join(f'<p class="boilerplate">{_sentence(r, side, lang)}</p>' for r in group)
    else:
        inner = "<p>" + " ".join(_sentence(r, side, lang) for r in group) + "</p>"
    rtl = ' dir="rtl"' if direction(lang) == "rtl" else ""
    return (f'<div class="cell {side}" lang="{escape(lang)}"{rtl} '
            f'data-label="{escape(own_name(lang))}">{inner}</div>')


def _legend(records: list) -> str:
    counts: dict[str, int] = {}
    for r in records:
        for f in r.shown_flags:
            counts[f] = counts.get(f, 0) + 1
    if not counts:
        return '<p class="legend none">No flags: nothing to look at twice.</p>'
    items = "".join(
        f'<li><span class="flag" data-flag="{escape(f)}">{escape(flag_names.label(f))}</span> '
        f'<span class="count">{n}</span> <span class="why">{escape(flag_names.explanation(f))}</span></li>'
        for f, n in counts.items())
    return f'<ul class="legend" aria-label="Flags">{items}</ul>'


def chunks(records: list, stem: str) -> Iterator[str]:
    """The viewer of ``records``, a row at a time (the embedded data a record at a time)."""
    provenance, shared, own = layout(records)
    css, js, csp = _assets()
    first = records[0] if records else None
    paragraphs = len({r.paragraph for r in records})
    sources = ([(first.doc_path, first.doc_sha256)] if hasattr(first, "doc_path")
               else [(first.de_path, first.de_sha256), (first.en_path, first.en_sha256)]
               if first else [])
    meta = [f'{escape(display_text(path))} · sha256 <code title="{escape(sha)}">'
            f'{escape(sha[:12])}…</code>' for path, sha in sources]
    meta.append(f"{len(records)} pairs in {paragraphs} paragraph{'s' if paragraphs != 1 else ''}")
    prov = [f"{escape(label)} {escape(display_text(text))}"
            for label, text in header_labels(provenance)]
    src, tgt = pair_of(records)
    title = (escape(display_text(stem))
             + f" — {escape(english_name(src))} / {escape(english_name(tgt))}")
    yield "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        f'<meta name="generator" content="pipeline {escape(__version__)}">',
        '<link rel="icon" href="data:,">',
        f"<title>{title}</title>",
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        '<header class="top">',
        f'<p class="eyebrow">{escape(english_name(src))} → {escape(english_name(tgt))} · '
        f'{len(records)} sentence pairs</p>',
        f"<h1>{escape(display_text(stem))}</h1>",
        f'<p class="meta">{" · ".join(meta)}</p>',
        f'<p class="meta prov">{" · ".join(prov)}</p>' if prov else "",
        _legend(records),
        '<p class="hint" id="hint">Hover or focus a sentence to highlight its pair; click it or '
        "press Enter for its provenance.</p>",
        "</header>",
        f'<div class="cols" aria-hidden="true"><div>{escape(own_name(src))} <span>source</span>'
        f'</div><div>{escape(own_name(tgt))} <span>translation</span></div></div>',
        f'<main id="pairs" data-pairs="{len(records)}">',
    ]) + "\n"
    for btype, new_para, group in _blocks(records):
        cls = f"row {btype}" + (" para" if new_para else "")
        yield (f'<div class="{cls}" data-paragraph="{escape(str(group[0].paragraph))}">'
               f'{_cell(btype, group, "de", src)}{_cell(btype, group, "en", tgt)}</div>\n')
    yield "\n".join([
        "</main>",
        '<aside id="prov" class="panel" role="dialog" aria-labelledby="prov-title" hidden>'
        '<div class="panel-head"><h2 id="prov-title">Provenance</h2>'
        '<button type="button" id="prov-close" aria-label="Close provenance">×</button></div>'
        '<div id="prov-body"></div></aside>',
        f'<script type="application/json" id="{DATA_ID}">'
        f'{{"provenance":{_json_for_script(provenance)},"shared":{_json_for_script(shared)},'
        '"records":[',
    ])
    for n, mine in enumerate(own()):
        yield ("," if n else "") + _json_for_script(mine)
    labels = {f.name: [f.label, f.explanation] for f in flag_names.VOCABULARY.values()}
    yield "\n".join([
        f'],"labels":{_json_for_script(labels)},"low_score":'
        f'{_json_for_script(flag_names.LOW_SCORE)}}}</script>',
        f"<script>{js}</script>",
        "</body>",
        "</html>",
        "",
    ])


def render(records: list, stem: str) -> str:
    return "".join(chunks(records, stem))


def write_files(records: list, stem: str) -> dict[str, Iterable[str]]:
    return {stem + SUFFIX: chunks(records, stem)}


# --- reading ------------------------------------------------------------------------------

class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: dict[str, list[tuple[str, str]]] = {"de": [], "en": []}
        self.data_text: str | None = None
        self._span: tuple[str, str] | None = None
        self._buf: list[str] = []
        self._in_data = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "span" and "s" in (a.get("class") or "").split() and "data-i" in a:
            self._span = (a.get("data-side", ""), a["data-i"])
            self._buf = []
        elif tag == "script" and a.get("id") == DATA_ID:
            self._in_data = True
            self._buf = []

    def handle_endtag(self, tag):
        if tag == "span" and self._span is not None:
            side, i = self._span
            self.shown.setdefault(side, []).append((i, "".join(self._buf)))
            self._span = None
        elif tag == "script" and self._in_data:
            self.data_text = "".join(self._buf)
            self._in_data = False

    def handle_data(self, data):
        if self._span is not None or self._in_data:
            self._buf.append(data)


def parse(text: str) -> tuple[list[tuple[str, str]], list]:
    """What a viewer holds: the (German, English) pairs as shown, in order, and the records
    rebuilt from its embedded data and shown text (text with control pictures, see
    :func:`display_text`). Raises :class:`VerificationError` when it cannot be read."""
    reader = _Reader()
    reader.feed(text)
    reader.close()
    de, en = reader.shown.get("de", []), reader.shown.get("en", [])
    if len(de) != len(en):
        raise VerificationError(f"shows {len(de)} German and {len(en)} English sentences")
    pairs = []
    for n, ((i_de, s), (i_en, t)) in enumerate(zip(de, en), 1):
        if i_de != i_en:
            raise VerificationError(f"pair {n}: German sentence {i_de} is beside English {i_en}")
        pairs.append((s, t))
    if reader.data_text is None:
        raise VerificationError(f"lacks its embedded data (<script id=\"{DATA_ID}\">)")
    try:
        data = json.loads(reader.data_text)
        provenance, shared, own = data["provenance"], data["shared"], data["records"]
    except (ValueError, KeyError, TypeError) as exc:
        raise VerificationError(f"embedded data is not readable ({exc})") from None
    if not isinstance(own, list) or len(own) != len(pairs):
        raise VerificationError(f"embedded data holds {len(own) if isinstance(own, list) else 0} "
                                f"records, the page shows {len(pairs)} pairs")
    try:
        return pairs, unlayout(provenance, shared, own, pairs)
    except VerificationError as exc:
        raise VerificationError(f"embedded data does not hold valid records: {exc}") from None
