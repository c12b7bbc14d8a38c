"""German sentence splitter for news text.

Units and paragraphs
    Every line break ends a unit; a line holding only whitespace separates paragraphs. A line
    without sentence-final punctuation (headline, byline, list item) is one unit of its own.

Boundaries inside a line
    A candidate is a run of ``. ! ? …`` followed by optional closing quotes, brackets, footnote
    markers (``[6]``, ``¹``) and then whitespace. Whether it ends a sentence is decided from the
    token before it and the token after it:

    * after ``!``, ``?`` and ellipses: a boundary when the next token starts with a capital, a
      digit or an opening quote/bracket (``„Wie?“, fragte sie`` has no whitespace after the closing
      quote and ``„Wie?“ fragte sie`` continues in lower case, so neither splits);
    * after a period: abbreviations (a case-aware list, multi-part ones such as ``z. B.`` and
      ``u. a.`` joined over their spaces), ordinals and dates (``13. Februar``, ``im 19. Jh.``,
      ``1. FC Köln``, ``am 24.09. los``), Roman numerals (``Ludwig XIV.``) and initials
      (``J. R. R. Tolkien``) are ambiguous: they end a sentence only before a typical sentence
      opener (``Er``, ``Die``, ``Doch`` …), or — for abbreviations such as ``usw.`` that usually
      close a sentence — before any capital. Any other word with a period ends a sentence when
      the next token starts with a capital, a digit or an opening quote/bracket.

Numbers with inner separators (``12.000``, ``14.30 Uhr``, ``86,82``), URLs and e-mail addresses
never contain a candidate, because a candidate needs whitespace after it.

Glued sentences
    Scraped text sometimes runs two sentences together without a space: ``… handeln.Die
    Opposition …`` (a word in lower case, a terminator, a capitalised word) or ``… Probleme -
    PoliticoEin mutmaßlich …`` (a headline or list item run into the next sentence: a word, then
    an article or pronoun such as ``Ein``, ``Der``, ``Dies`` glued to it, then a space). Both are
    boundaries, unless the token is an abbreviation (``Dr.Müller``, ``bzw.Die``), a URL, an e-mail
    address or a domain. The units after such a boundary are sentences, whatever the line began
    as; a unit without final punctuation before a glued sentence is a heading.

Offsets are produced during the one forward scan; nothing is searched for afterwards. ``kind``
marks headings (a line that is one unit without final punctuation), list items (a line opened by a
bullet, dash or number) and boilerplate (``Lesen Sie auch`` …).
"""

from __future__ import annotations

import re

from .de_data import (
    BEFORE_NUMBER,
    BOILERPLATE_PREFIXES,
    FINAL,
    MULTI_FINAL,
    MULTI_NEVER,
    NEVER_FINAL,
    ORDINAL_NOUNS,
    STARTERS,
    WEAK,
)
from .scan import BULLETS_ONLY, DATE_PART, MULTI_PREFIX, RANGE, ROMAN, LineSplitter

_NEVER = NEVER_FINAL - WEAK - FINAL

_TERM = ".!?…‼⁇⁈⁉"

# A candidate: [token][terminators][closers / footnote marks] followed by whitespace.
# The token is the non-space run before the terminators (group 1).
_CAND = re.compile(
    r"(?<!\S)(\S*?)(?<![.!?…‼⁇⁈⁉])([.!?…‼⁇⁈⁉]++)"
    r"((?:[\"'“”‘’»«›‹)\]}]|\[\d{1,3}\]|[¹²³⁰⁴-⁹]+)*)"
    r"(?=\s)"
)
# The same candidates found from their terminators (group 1) and closers (group 2). The pattern
# starts with a character class (so the search skips to terminators) and only then checks that
# no terminator stands before the run.
_TERM_RUN = re.compile(r"([.!?…‼⁇⁈⁉](?<![.!?…‼⁇⁈⁉].)[.!?…‼⁇⁈⁉]*+)"
                       r"((?:[\"'“”‘’»«›‹)\]}]|\[\d{1,3}\]|[¹²³⁰⁴-⁹]+)*)(?=\s)")
# What follows a candidate: whitespace, opening quotes/brackets, then the next token.
_ANY_TERM = re.compile(r"[.!?…‼⁇⁈⁉]")
_NEXT = re.compile(r"\s+((?:,,|[\"'„“‚‘»«›‹(\[{`])*)(\S*)")
# A token made only of symbols/emoji that stays with the sentence before it (``Super! 👍 Weiter``).
_TRAILING_SYMBOL = re.compile(r"[^\w\s\"'„“‚‘»«›‹(\[{@#§$€£%&*+\-–—•·▪►▶/\\<>|~^]+")
_LIST_MARK = re.compile(r"\s*(?:[-–—•·▪►▶*+]|\d{1,3}[.)]|[a-zA-Z][.)])\s")
_STRIP_OPEN = "\"'„“‚‘»«›‹([{"
_STRIP_CLOSE = "\"'“”‘’»«›‹)]}"
_FINAL_PUNCT = frozenset(_TERM + ":;")
# Glued sentences (see the module docstring): the cut lies between group 1 and what follows.
_LETTER = "A-Za-zÄÖÜäöüß"
_GLUED_NEXT = r"[A-ZÄÖÜ][a-zäöüß]+(?:[\s,;:.!?\"'“”»«)]|$)"
_GLUED_STOP = re.compile(rf"(?<![{_LETTER}.])([A-ZÄÖÜ]?[a-zäöüß]{{2,}}[.!?]+)(?={_GLUED_NEXT})")
_GLUED_OPENER = (rf"(?:{'|'.join(sorted((w for w in STARTERS if len(w) >= 3), key=len, reverse=True))})"
                 rf"\s+[{_LETTER}„\"]")
_GLUED_START = re.compile(rf"(?<![{_LETTER}\d])([A-ZÄÖÜ]?[a-zäöüß]{{3,}})(?={_GLUED_OPENER})")
# What must follow the cut of each: checked at a hint before the full pattern is searched for.
_AFTER_CUT = {True: re.compile(_GLUED_NEXT), False: re.compile(_GLUED_OPENER)}
_NOT_PROSE = ("@", "/", "www", "http", "\\")
# Cheap tests that a line may hold a glued sentence at all (most lines do not): a capital after a
# lower-case letter, or terminators and a capital after one (the letter is not part of the match;
# each branch starts with a character class, so the search skips to candidates quickly).
_MAYBE_GLUED = re.compile(r"[A-ZÄÖÜ](?<=[a-zäöüß][A-ZÄÖÜ])|[.!?](?<=[a-zäöüß][.!?])[.!?]*[A-ZÄÖÜ]")
_LOWER_ABBREVIATIONS = frozenset(w.lower() for w in NEVER_FINAL | WEAK | FINAL | BEFORE_NUMBER)


def _is_cap(word: str) -> bool:
    """Does ``word`` look like the start of a sentence: capital letter, or ``iPhone``-style."""
    c = word[0]
    if c.isupper():
        return True
    return len(word) > 1 and c.islower() and word[1].isupper()


class GermanSplitter(LineSplitter):
    """Rule-based German splitter; ``name`` is the versioned identity recorded in provenance."""

    name = "pipeline-de/1.3"
    candidate = _CAND
    terminator = _TERM_RUN
    any_candidate = _ANY_TERM
    next_token = _NEXT
    trailing_symbol = _TRAILING_SYMBOL
    list_mark = _LIST_MARK
    boilerplate = BOILERPLATE_PREFIXES
    closers = _STRIP_CLOSE
    final_punct = _FINAL_PUNCT

    def _boundary(self, line: str, seg_start: int, m: re.Match[str], nxt: re.Match[str]) -> bool:
        """Does candidate ``m`` end a sentence, given the next token ``opener`` + ``word``?"""
        tok, term, closers = m.group(1), m.group(2), m.group(3)
        opener, word = nxt.group(1), nxt.group(2)
        if not word:
            if not opener:
                return False
            word = opener
        first = word[0]
        if not opener and first.islower() and not (len(word) > 1 and word[1].isupper()):
            return False  # a sentence does not go on in lower case
        cap_next = bool(opener) or first.isupper() or first.isdigit() or (len(word) > 1 and word[1].isupper())
        if not cap_next:
            # next token starts with a symbol: a dash, bullet, hashtag or mention after a full stop
            # or !/? starts a new unit; anything else (``€``, ``%``, ``,``) continues the sentence
            return first in "#@•▪►▶–—" and (
                term[-1] in "!?…" or self._period_kind(line, seg_start, m, word) == "strong")
        if term[0] != "." or len(term) > 1:
            # "!", "?", "…", "..." and mixtures: end of sentence before a capital or an opening
            # quote, except a bracketed aside "ein(!) Satz" or an elision "(...)"
            return not tok.endswith(("(", "["))
        if closers and closers[0] in _STRIP_CLOSE and not closers.startswith(("]", ")", "}")):
            # "Lust.“ Wir" – a quotation closed after its period; an abbreviation inside quotes
            # before the closing mark is rare
            return True
        kind = self._period_kind(line, seg_start, m, word)
        if kind == "strong" or kind == "final":
            return True
        if kind == "weak":
            w = word.strip(_STRIP_CLOSE + ".,;:!?")
            return w in STARTERS or (bool(opener) and opener[0] in "„»\"“«")
        if kind == "ordinal":
            w = word.strip(_STRIP_CLOSE + ".,;:!?")
            return w in STARTERS or bool(opener)
        return False  # "never"

    def _period_kind(self, line: str, seg_start: int, m: re.Match[str], word: str) -> str:
        """Classify the token before a single period: ``strong`` (an ordinary word: the period
        ends the sentence), ``final`` (an abbreviation that usually ends one), ``weak`` (an
        abbreviation, initial or numeral that ends one only before a sentence opener),
        ``ordinal`` (a number used as an ordinal) or ``never``."""
        tok = m.group(1)
        core = tok.lstrip(_STRIP_OPEN)
        if not core:
            return "strong"
        next_digit = word[0].isdigit()
        first = core[0]
        if (first in "-–—/" or first.isdigit()) and not core.isdigit():
            rng = RANGE.fullmatch(core)
            if rng is not None:  # the second ordinal of a range: "1.–3. Jahrhundert", "-3."
                core = rng.group(1)
                first = core[0]
        if first.isdigit():
            if core.isdigit():
                tok_start = m.start(1) + (len(tok) - len(core))
                if BULLETS_ONLY.match(line, seg_start, tok_start):
                    return "never"  # "1. FC Köln", "• 3. Seien Sie …": an enumeration label
                if next_digit and len(core) <= 2:
                    return "never"  # "am 1. 1. 2026"
                w = word.rstrip(".,;:!?")
                if w in ORDINAL_NOUNS:
                    return "never"
                if len(core) <= 3:
                    return "ordinal"
                return "strong"
            if DATE_PART.fullmatch(core):
                return "ordinal"  # "am 24.09. los", "auf den 3.10. datiert"
            return "strong"  # "12.000.", "12.03.2023.", "3:1.", "1a."
        if len(core) <= 5 and "." in core or (len(core) <= 4 and first.isalpha()):
            # abbreviations written with dots (z.B, u.a, Dipl.-Ing) or short words
            key = core.replace(".", "")
            if "." in core:
                if key in MULTI_NEVER:
                    return "never"
                if key in MULTI_FINAL:
                    return "weak"
            elif len(core) <= 3:
                pre = MULTI_PREFIX.search(line, max(0, m.start(1) - 16), m.start(1))
                if pre is not None:
                    joined = "".join(ch for ch in pre.group() if ch.isalnum()) + core
                    if joined in MULTI_NEVER:
                        return "never"
                    if joined in MULTI_FINAL:
                        return "weak"
        if core in BEFORE_NUMBER:
            if next_digit:
                return "never"
            if core in _NEVER or len(core) == 1:
                return "weak"
            return "strong"
        if core in _NEVER:
            return "never"
        if core in FINAL:
            return "final"
        if core in WEAK:
            return "weak"
        if first.isupper() and core[1:].islower():
            low = core.lower()
            if low in _NEVER:
                return "never"
            if low in FINAL:
                return "final"
        if len(core) > 4 and core.endswith(("str", "Str")):
            # a street name: "Goethestr. 12", "Kaiser-Wilhelm-Str."
            return "never" if next_digit else "weak"
        if len(core) == 1 and first.isalpha():
            return "weak"  # an initial ("J. R. R. Tolkien") or a part of "z. B." / "u. a."
        if ROMAN.fullmatch(core):
            return "weak"  # "Ludwig XIV.", "des III. Geschwaders"
        if "." in core:
            parts = core.replace("-", ".").split(".")
            if "@" not in core and "/" not in core and all(len(p) <= 4 and p.isalpha() for p in parts if p):
                return "weak"  # unknown dotted abbreviation ("U.S.", "i.d.R")
            return "strong"  # a domain, file name or e-mail address at the end of a sentence
        return "strong"

    def _glued_cuts(self, line: str) -> list[tuple[int, bool]]:
        """Offsets where a glued sentence starts, each with whether a terminator precedes it.
        The full patterns are tried only around the rare places a cheap scan points at."""
        found: dict[int, bool] = {}
        for hint in _MAYBE_GLUED.finditer(line):
            # the hint is a terminator and a capital after a lower-case letter, for _GLUED_STOP,
            # or a capital right after one, for _GLUED_START (neither pattern can cut the other)
            h_start, h_end = hint.start() - 1, hint.end()
            stop = line[h_start + 1] in ".!?"
            regex = _GLUED_STOP if stop else _GLUED_START
            lo, hi = max(0, h_start - 40), min(len(line), h_end + 60)
            if not _AFTER_CUT[stop].match(line, h_end - 1 if stop else h_start + 1, hi):
                continue  # no match can cut here ("YouTube", "x.Y2"): the search is not needed
            m = regex.search(line, lo, hi)
            if m is None or m.end(1) in found or not h_start < m.end(1) <= h_end:
                continue
            token_start = line.rfind(" ", 0, m.start()) + 1
            token_end = line.find(" ", m.end())
            token = line[token_start:token_end if token_end >= 0 else len(line)]
            if any(mark in token for mark in _NOT_PROSE) or any(c.isdigit() for c in token):
                continue
            word = m.group(1).rstrip(".!?")
            if stop and m.group(1).endswith(".") and (
                    word in NEVER_FINAL or word in WEAK or word in BEFORE_NUMBER
                    or word.lower() in _LOWER_ABBREVIATIONS):
                continue  # "Dr.Müller", "bzw.Die", "Nr.Fünf"
            found[m.end(1)] = stop
        return sorted(found.items())


DEFAULT = GermanSplitter()
