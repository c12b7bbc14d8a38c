"""Enumerations and list items for the English splitter (:mod:`.en`): the marks that open a
list item, and the labels of an enumeration (``1.``, ``2)``, ``a.``, ``• 9.``) that open a
unit, inside a line too (``1. Buy flour 2. Bake``: labels in sequence only)."""

from __future__ import annotations

import re

# A lower-case list label as the next token: ``b) As of``, ``x - There were``.
LABEL_NEXT = re.compile(r"[a-z]\)\s|[a-z]\s+[-–—]{1,2}\s")
LIST_MARK = re.compile(r"\s*(?:[-–—•·▪►▶*+]|\d{1,3}[.)]|[a-z][.)]|[A-Z]\))\s")
BULLETS = "-–—•·▪►▶⁃*+"
_LABEL_LEAD = " \t\u00a0(" + BULLETS
# An enumeration label opening a unit: "1.", "2)", "3.)", "a.", "• 9.", "⁃10." (group 1: the
# number or letter).
_LABEL_AT = re.compile(r"(?:[-–—•·▪►▶⁃*+]\s?)?(\d{1,3}|[a-z])(?:\.\)|[.)])\s")
_LABEL_INLINE = re.compile(r"\s((?:[-–—•·▪►▶⁃*+]\s?)?(\d{1,3}|[a-z])(?:\.\)|[.)]))\s+(?=\S)")


def _successor(label: str) -> str:
    """The label after ``label`` in an enumeration: "1" → "2", "a" → "b" ("" after "z")."""
    if label.isdigit():
        return str(int(label) + 1)
    return chr(ord(label) + 1) if label < "z" else ""


def next_label(line: str, seg_start: int, tok_start: int, tok: str) -> bool:
    """Is ``tok`` the next label of an enumeration that opens the segment: the successor of the
    last label before it (looked for within 300 characters)?"""
    lab = _LABEL_AT.match(line, seg_start)
    if lab is None:
        return False
    last = lab.group(1)
    if lab.end() < tok_start:
        for found in _LABEL_INLINE.finditer(line, max(lab.end() - 1, tok_start - 300), tok_start):
            last = found.group(2)
    return tok == _successor(last)


def inline_items(line: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut the unit ``[start, end)`` before each following label of an enumeration that it
    opens: "1. The first item 2. The second item", "a) red b) blue" (labels in sequence only)."""
    lab = _LABEL_AT.match(line, start, end + 1)
    if lab is None:
        return [(start, end)]
    spans = []
    nxt = _successor(lab.group(1))
    for found in _LABEL_INLINE.finditer(line, lab.end(), end):
        if found.group(2) != nxt:
            continue
        stop = found.start()
        while stop > start and line[stop - 1].isspace():
            stop -= 1
        spans.append((start, stop))
        start = found.start(1)
        nxt = _successor(nxt)
        if not nxt:
            break
    spans.append((start, end))
    return spans


def is_label(line: str, seg_start: int, tok_start: int) -> bool:
    """Does the token at ``tok_start`` open its segment or follow a colon, bullets aside
    (``1. Open the box``, ``Steps: 2. Stir``)?"""
    i = tok_start
    while i > seg_start and line[i - 1] in _LABEL_LEAD:
        i -= 1
    return i == seg_start or line[i - 1] == ":"
