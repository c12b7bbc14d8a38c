"""German<TAB>English, one pair per line. Backslash, tab, CR and LF inside text are escaped
(\\\\, \\t, \\r, \\n) so that every line holds exactly one pair."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

NAME = "tsv"
SUFFIX = ".tsv"

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {v[1]: k for k, v in _ESCAPES.items()}


def escape(text: str) -> str:
    # chained replace: several times faster than str.translate with a dict table
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def unescape(text: str) -> str:
    out = []
    i = 0
    rev = _UNESCAPES
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in rev:
            out.append(rev[text[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def lines(records: Iterable) -> Iterator[str]:
    """One line per record (anything with ``source`` and ``target``)."""
    return (f"{escape(r.source)}\t{escape(r.target)}\n" for r in records)


def render(records: Iterable) -> str:
    return "".join(lines(records))


def parse(text: str) -> list[tuple[str, str]]:
    if not text:
        return []
    pairs = []
    for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
        src, _, tgt = line.partition("\t")
        pairs.append((unescape(src), unescape(tgt)))
    return pairs


def write_files(records: list, stem: str) -> dict[str, Iterable[str]]:
    return {stem + SUFFIX: lines(records)}
