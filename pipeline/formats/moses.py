"""Moses-style parallel text: ``<stem>.<src>`` and ``<stem>.<tgt>`` (``a.de`` and ``a.en``
for a German-English document, the languages its records name), line N of one is the
translation of line N of the other (line N = record N), for MT tooling.

The format has no escapes, so every character that a line-based tool could take as a line
break (LF, CR, VT, FF, FS, GS, RS, NEL, U+2028, U+2029: what Python's ``str.splitlines``
splits on) becomes one space; everything else is written as it is in the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

NAME = "moses"

_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with every line-break character replaced by a space."""
    return _BREAKS.sub(" ", text)


def side_lines(texts: Iterable[str]) -> Iterator[str]:
    return (one_line(t) + "\n" for t in texts)


def render_side(texts: Iterable[str]) -> str:
    return "".join(side_lines(texts))


def suffixes(pair: tuple[str, str]) -> tuple[str, str]:
    """The file endings of a document of languages ``pair``: ``(".de", ".en")``."""
    return f".{pair[0]}", f".{pair[1]}"


def is_side_suffix(suffix: str) -> bool:
    """Whether a file ending can be one of this format's (a language code: ``.fr``)."""
    from ..languages.codes import ISO_639_1

    return suffix.startswith(".") and suffix[1:] in ISO_639_1


def write_files(records: list, stem: str) -> dict[str, Iterable[str]]:
    from ..records import pair_of

    source, target = suffixes(pair_of(records))
    return {stem + source: side_lines(r.source for r in records),
            stem + target: side_lines(r.target for r in records)}


def render_files(records: list, stem: str) -> dict[str, str]:
    return {name: "".join(parts) for name, parts in write_files(records, stem).items()}


def parse_side(text: str) -> list[str]:
    """The lines of one side (split on LF only, as written)."""
    if not text:
        return []
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def expected_pairs(records: Iterable) -> list[tuple[str, str]]:
    """The pairs as this format can hold them."""
    return [(one_line(r.source), one_line(r.target)) for r in records]
