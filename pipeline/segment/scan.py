"""The one forward scan shared by the rule-based splitters (:mod:`.de`, :mod:`.en`).

:class:`LineSplitter` walks the text line by line (every line break ends a unit, a blank line
starts a new paragraph), finds sentence-end *candidates* in each line with a language's regular
expression and asks the language's ``_boundary`` whether each one ends a sentence. Offsets are
produced during this scan; nothing is searched for afterwards. A language supplies its patterns
and word lists as class attributes and implements ``_boundary``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..document import Sentence

_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_SUPERSCRIPTS = "¹²³⁰⁴⁵⁶⁷⁸⁹"

# Patterns the rule-based splitters share.
#: A Roman numeral ("Ludwig XIV.", "II. Dünya").
ROMAN = re.compile(r"(?=[MDCLXVI])M{0,3}(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})")
#: Day and month of a date written with periods: "24.09" in "am 24.09. los".
DATE_PART = re.compile(r"\d{1,2}\.\d{1,2}")
#: A range whose second number is an ordinal: "1.–3." (group 1: the second number).
RANGE = re.compile(r"(?:\d{1,3}\.?)?[-–—/](\d{1,3})")
#: Up to four short dotted parts right before a token: "z. " in "z. B.", "p. " in "p. ex.".
MULTI_PREFIX = re.compile(r"(?:(?<![\w.])\w{1,3}\.\s?){1,4}\Z")
#: Only bullets and spaces before a token: the token is an enumeration label.
BULLETS_ONLY = re.compile(r"[\s\-–—•·▪►▶*+]*\Z")


class Candidate:
    """A sentence-end candidate found from its terminators (:meth:`LineSplitter._candidates`),
    with the interface of the match of a ``candidate`` pattern: group 1 the token before the
    terminators, 2 the terminators, 3 the closers after them; for a full-width stop that needs
    no space (``。``) groups 1-3 are ``None`` and 4-5 hold the stop and its closers. (``group``,
    ``start`` and ``end`` are bound methods of tuples: cheaper to call than Python methods.)"""

    __slots__ = ("group", "start", "end", "lastindex")

    def __init__(self, groups: tuple[str | None, ...], starts: tuple[int, ...],
                 ends: tuple[int, ...]) -> None:
        self.group = groups.__getitem__
        self.start = starts.__getitem__
        self.end = ends.__getitem__
        self.lastindex = len(groups) - 1


class LineSplitter:
    """Base of the rule-based splitters. Subclasses set the class attributes below and
    implement :meth:`_boundary`; ``name`` is the versioned identity recorded in provenance."""

    name: str
    #: A sentence-end candidate followed by whitespace; ``m.end()`` is where a sentence may end.
    candidate: re.Pattern[str]
    #: Optional, and faster than ``candidate``: the terminators and closers of a candidate
    #: (group 1, 2), or a full-width stop (group 3, 4); the token is found back to the space.
    terminator: re.Pattern[str] | None = None
    #: Characters besides whitespace that end the token before the terminators (``。``).
    token_stops: str = ""
    #: A line without a match of this has no candidate (a fast path for headlines and bylines).
    any_candidate: re.Pattern[str]
    #: What follows a candidate: whitespace, opening quotes/brackets (group 1), the next token (2).
    next_token: re.Pattern[str]
    #: A token of symbols/emoji that stays with the sentence before it (``Super! 👍 Weiter``).
    trailing_symbol: re.Pattern[str]
    #: A line opened by a bullet, dash or number is a list item.
    list_mark: re.Pattern[str]
    #: Prefixes of navigation and site furniture lines.
    boilerplate: tuple[str, ...]
    #: Closing quotes and brackets that may follow a line's final punctuation.
    closers: str
    #: Punctuation that makes a one-unit line a sentence rather than a heading.
    final_punct: frozenset[str]

    def split(self, text: str) -> list[Sentence]:
        """Sentences of ``text`` with half-open code-point offsets into it, in order."""
        out: list[Sentence] = []
        paragraph = 0
        seen_text = False
        blank_pending = False
        offset = 0
        for raw in text.splitlines(keepends=True):
            line_start = offset
            offset += len(raw)
            line = raw.rstrip(_LINE_BREAKS)
            if not line or line.isspace():
                if seen_text:
                    blank_pending = True
                continue
            if blank_pending:
                paragraph += 1
                blank_pending = False
            seen_text = True
            for s, e, kind in self._units(line):
                out.append(Sentence(len(out), paragraph, line_start + s, line_start + e, kind))
        return out

    def _units(self, line: str) -> list[tuple[int, int, str]]:
        """The units of one line with their kinds: split at glued sentence boundaries
        (:meth:`_glued_cuts`) first, then each piece by the ordinary rules. The units after a
        glued boundary are sentences; a unit without final punctuation glued to the next
        sentence is a heading, unless the line is a list item or boilerplate."""
        cuts = self._glued_cuts(line)
        if not cuts:
            spans = self._split_line(line)
            kind = self._line_kind(line, len(spans))
            return [(s, e, kind) for s, e in spans]
        units: list[tuple[int, int, str]] = []
        bounds = [0] + [c for c, _ in cuts] + [len(line)]
        for k in range(len(bounds) - 1):
            a, b = bounds[k], bounds[k + 1]
            spans = [(a + s, a + e) for s, e in self._split_line(line[a:b])]
            if k == 0:
                kind = self._line_kind(line, 2)  # list item or boilerplate as the line begins
                if kind == "sentence" and len(spans) == 1 and not cuts[0][1]:
                    kind = "heading"  # a headline run into the next sentence
            else:
                kind = "sentence"
            units.extend((s, e, kind) for s, e in spans)
        return units

    def _glued_cuts(self, line: str) -> list[tuple[int, bool]]:
        """Offsets in ``line`` where a sentence starts glued to the one before it (no space),
        each with whether a terminator precedes it. None by default."""
        return []

    def _split_line(self, line: str) -> list[tuple[int, int]]:
        """``(start, end)`` spans of the units of one line, without surrounding whitespace."""
        n = len(line)
        start = 0
        while start < n and line[start].isspace():
            start += 1
        end_of_line = n
        while end_of_line > start and line[end_of_line - 1].isspace():
            end_of_line -= 1
        spans: list[tuple[int, int]] = []
        if not self.any_candidate.search(line):
            return [(start, end_of_line)] if start < end_of_line else spans
        next_token = self.next_token
        found = self.candidate.finditer(line, start) if self.terminator is None else self._candidates(line, start)
        for m in found:
            cut = m.end(0)
            if cut >= end_of_line:
                break
            if m.start(0) < start:
                continue  # already inside the next sentence (a symbol after ". . ." moved start)
            nxt = next_token.match(line, cut)
            if nxt is None:  # pragma: no cover - the candidate is followed by whitespace
                continue
            word = nxt.group(2)
            # a symbol/emoji token after the terminator stays with the sentence before it
            if not nxt.group(1) and word and self._trailing(word):
                after = next_token.match(line, nxt.end())
                if after is None:
                    continue
                if self._boundary(line, start, m, after):
                    cut = nxt.end()
                    if cut >= end_of_line:
                        break
                    spans.append((start, cut))
                    start = after.start(1)
                continue
            if self._boundary(line, start, m, nxt) and start < cut:
                spans.append((start, cut))
                start = nxt.start(1)
        if start < end_of_line:
            spans.append((start, end_of_line))
        return spans

    def _candidates(self, line: str, start: int) -> Iterator[Candidate]:
        """The candidates of ``line`` from ``start``, as ``candidate.finditer`` finds them, found
        from their terminators (a regular expression that starts with a character class is
        skipped to its first character quickly; one that starts at every token is not)."""
        stops = self.token_stops
        for t in self.terminator.finditer(line, start):
            a, end = t.span()
            if t.start(1) < 0:  # a full-width stop
                c = t.start(4)
                yield Candidate((t.group(), None, None, None, t.group(3), t.group(4)),
                                (a, -1, -1, -1, a, c), (end, -1, -1, -1, c, end))
                continue
            i = line.rfind(" ", start, a) + 1 or start
            if not line[i:a].isprintable() or stops and any(ch in stops for ch in line[i:a]):
                # another space character (tab, no-break space) or a full stop in the token
                i = a
                while i > start and not line[i - 1].isspace() and line[i - 1] not in stops:
                    i -= 1
            c = t.start(2)
            yield Candidate((line[i:end], line[i:a], t.group(1), t.group(2)),
                            (i, i, a, c), (end, a, c, end))

    def _trailing(self, word: str) -> bool:
        """Does ``word``, right after a candidate, stay with the sentence before it?"""
        return self.trailing_symbol.fullmatch(word) is not None

    def _boundary(self, line: str, seg_start: int, m: re.Match[str], nxt: re.Match[str]) -> bool:
        """Does candidate ``m`` end the sentence that starts at ``seg_start``, given what follows
        it (``nxt``: opening quotes/brackets, then the next token)?"""
        raise NotImplementedError

    def _line_kind(self, line: str, units: int) -> str:
        """``boilerplate``, ``list_item``, ``heading`` (one unit without final punctuation) or
        ``sentence``, for every unit of ``line``."""
        body = line.strip()
        if body.startswith(self.boilerplate):
            return "boilerplate"
        if self.list_mark.match(line):
            return "list_item"
        if units == 1:
            last = body.rstrip(self.closers + _SUPERSCRIPTS)
            if not last or last[-1] not in self.final_punct:
                return "heading"
        return "sentence"
