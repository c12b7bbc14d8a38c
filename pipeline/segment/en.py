"""English sentence splitter for news and web text.

Units and paragraphs
    Every line break ends a unit; a line holding only whitespace separates paragraphs. A line
    without sentence-final punctuation (headline, byline, list item) is one unit of its own.

Boundaries inside a line
    A candidate is a run of ``. ! ? …`` (or a colon) followed by optional closing quotes,
    brackets and footnote markers (``[6]``, ``¹``) and then whitespace, or an emoticon (``:)``,
    ``:-D``) followed by whitespace. Whether it ends a sentence is decided from the token before
    it and the tokens after it:

    * a sentence does not go on in lower case, so a lower-case next word is never a boundary
      (``"Why?" he asked``, ``at 9 a.m. tomorrow``, ``e.g. apples``), except a list label
      (``. b - As of Friday``);
    * a lone dash or bullet followed by a capital starts a new unit after any terminator or
      colon (dialogue turns ``? - What else``, dashed items ``halts: -- If S&P …``);
    * a colon ends a unit only after a short run-in heading in capitals (``COURT RULING: The``);
    * after ``!``, ``?`` and ellipses: a boundary before a capital, a digit or an opening
      quote/bracket, except a quotation followed by a name and a verb of saying
      (``"Why?" Smith asked.``), names spelt with ``!`` (``Yahoo! Inc.``), an ellipsis before a
      figure (``for... 1.6 million``) and a spaced ellipsis inside a sentence (``is . . . I``);
    * after a period: titles (``Mr.``, ``Gen.``) and ``e.g.``/``i.e.`` never end a sentence;
      ``No.``, ``pp.``, ``Jan.`` do not before a number; ``etc.``, units (``10 min.``), company
      suffixes after a name (``Acme Inc.``, unless a job title follows: ``Sony Corp.
      Chairman``) and state abbreviations after ``City,`` (``Dearborn, Mich.``) end one before
      any capital; other abbreviations (``St.``, ``Jr.``), dotted acronyms (``U.S.``, ``a.m.``)
      and initials (``John F. Kennedy``) are ambiguous: they end a sentence only before a
      typical sentence opener (``The``, ``He``, ``But``, ``Mr.`` …) or an opening quote; any
      other word ends one before a capital, a digit, an opening quote/bracket or a currency sign.
      A number or letter that opens a segment (``1. Open the box``) is a label, and so is the
      next label of an inline enumeration (``1. Buy flour 2. Bake``), which starts a new unit.

Numbers with inner separators (``3.5``, ``1,000``), URLs and e-mail addresses never contain a
candidate, because a candidate needs whitespace after it.

Offsets are produced during the one forward scan (:mod:`.scan`); nothing is searched for
afterwards. ``kind`` marks headings (a line that is one unit without final punctuation), list
items (a line opened by a bullet, dash or number) and boilerplate (``Read more`` …).
"""

from __future__ import annotations

import re

from .en_data import (
    BEFORE_NUMBER,
    BOILERPLATE_PREFIXES,
    TITLE_STARTERS,
    COMMA_STARTERS,
    COMPANY,
    DEGREES,
    ERAS,
    EXCLAIMING_NAMES,
    FINAL,
    FRONTING,
    MULTI_COMPANY,
    MULTI_NEVER,
    MULTI_STATES,
    MULTI_WEAK,
    NEVER_FINAL,
    SPEECH_VERBS,
    STARTERS,
    STATES,
    TITLE_WORDS,
    UNITS,
    WEAK,
)
from .en_lists import BULLETS, LABEL_NEXT, LIST_MARK, inline_items, is_label, next_label
from .en_web import header_cuts, lower_start
from .scan import ROMAN, LineSplitter

_TERM = ".!?…‼⁇⁈⁉"
_QUOTES_CLOSE = "\"'”’»›`"
_STRIP_OPEN = "\"'“‘«‹([{"
_STRIP_CLOSE = "\"'”’»›)]}"

# A candidate: an emoticon token followed by whitespace (group 1); or [token][terminators or a
# colon][closers / footnote marks] followed by whitespace, or a word's "." "!" "?" directly
# followed by a capitalised word ("home.Today", web text without the space) (groups 2-4). The
# token is the non-space run before the terminators.
_EMOTICON = r"(?:[:;=][-o^']?[()\[\]DPpO/\\|*]|<3|\^_\^|:'\()"
_CAND = re.compile(
    r"(?:(?<!\S)|(?<=[a-z\d][a-z\d][.!?])(?=[A-Z][a-z]))(?:(" + _EMOTICON + r")(?=\s)"
    r"|(\S*?)(?<![.!?…‼⁇⁈⁉])([.!?…‼⁇⁈⁉]++|:)"
    r"((?:[\"'”’»›`)\]}]|\[\d{1,3}\]|[¹²³⁰⁴-⁹]+)*)"
    r"(?:(?=\s)|(?<=[a-z\d][a-z\d][.!?])(?=[A-Z][a-z])))"
)
_EMOTICON_RE = re.compile(_EMOTICON)
_ANY_CAND = re.compile(r"[.!?…‼⁇⁈⁉:]|" + _EMOTICON)
# A dash or bullet standing alone: a dialogue turn or list item follows (``? - What``).
_DASH = re.compile(r"[-–—]{1,3}|[•▪►▶*]")
# What follows a candidate: whitespace, opening quotes/brackets, then the next token.
# (The word is cut at 200 characters: one token may hold many "home.Today"-style candidates.)
_NEXT = re.compile(r"\s*((?:[\"'“‘«‹({`]|\[(?!\d{1,3}\]))*)(\S{0,200})")
# What may follow a sentence end without a space: a capitalised word, then punctuation or nothing.
# (Not a top-level domain: "Amazon.Com".)
_PLAIN_WORD = re.compile(r"(?!(?:Com|Org|Net|Gov|Edu|Info|Biz)\b)[A-Z][a-z]+(?:['’][a-z]+)?(?:[,;:!?)]|\.(?![A-Za-z\d]))?\Z")
# ... and what may precede it: a word that stands after whitespace ("home.Today", "1,000.That").
_PLAIN_TOKEN = re.compile(r"(?<!\S)[\"'“‘(]*(?:[A-Za-z]+|\d[\d,]*)")
_FIRST_WORD = re.compile(r"[\"'“‘(\[]*([A-Za-z]+)")
# Time abbreviations that close a fronted adverbial: a.m., p.m. and eras.
_TIMES = frozenset("am pm bc ad bce ce".split())
# Footnote references standing after a sentence: "a gas. [1] It is".
_FOOTNOTES = re.compile(r"(?:\[\d{1,3}\])+")
# The word after the next one (for ``"Why?" Smith asked``).
_WORD_AFTER = re.compile(r"\s+([a-z]+)")
# A token made only of symbols/emoji that stays with the sentence before it (``Great! 👍 Next``).
_TRAILING_SYMBOL = re.compile(r"[^\w\s\"'“‘«‹(\[{@#§$€£¥%&*+\-–—•·▪►▶/\\<>|~^]+")
# A spaced ellipsis after a word's own period: "compounds. . . . The practice".
_SPACED_ELLIPSIS = re.compile(r"(?:\s\.){3}\s+")
_FINAL_PUNCT = frozenset(_TERM + ":;")
_CURRENCY = "$£€¥"


def _parts(m: re.Match[str]) -> tuple[str, str, str]:
    """``(token, terminators, closers)`` of a candidate; an emoticon is its own terminator."""
    if m.group(1) is not None:
        return "", m.group(1), ""
    return m.group(2), m.group(3), m.group(4)


def _opens_sentence(opener: str, word: str) -> bool:
    """Can ``opener`` + ``word`` start a sentence: an opening quote/bracket, a capital, a digit,
    or an ``iPhone``-style word?"""
    if opener:
        return True
    if not word:
        return False
    c = word[0]
    return c.isupper() or c.isdigit() or (len(word) > 1 and c.islower() and word[1].isupper())


def _caps_heading(line: str, seg_start: int, colon: int) -> bool:
    """Is the segment before ``colon`` a short run-in heading in capitals (``COURT RULING:``)?"""
    if colon - seg_start > 60:
        return False
    upper = 0
    for c in line[seg_start:colon]:
        if c.islower():
            return False
        upper += c.isupper()
    return upper >= 3


def _prev_initial(line: str, pos: int) -> str:
    """The first character, opening quotes and brackets aside, of the token before the one at
    ``pos`` ("" at the line start)."""
    i = pos
    while i > 0 and line[i - 1].isspace():
        i -= 1
    end = i
    if i == pos or i == 0:
        return ""
    while i > 0 and not line[i - 1].isspace():
        i -= 1
    while i < end - 1 and line[i] in _STRIP_OPEN:
        i += 1
    return line[i]


def _opens_after_dots(line: str, pos: int) -> bool:
    """Is ``pos`` followed by a spaced ellipsis (`` . . .``) and then a sentence opener?"""
    dots = _SPACED_ELLIPSIS.match(line, pos)
    if dots is None:
        return False
    nxt = _NEXT.match(line, dots.end() - 1)
    return nxt is not None and _opens_sentence(nxt.group(1), nxt.group(2))


def _spaced_dots_before(line: str, dot: int) -> tuple[int, int]:
    """The dots, each preceded by one space, that end at ``dot`` (up to 5): their number and
    where the run starts (``is . . .`` → 3; ``compounds. . . .`` → 4, the word's period
    included)."""
    count = 0
    i = dot
    while count < 5 and i >= 1 and line[i] == "." and line[i - 1] == " ":
        count += 1
        i -= 2
    if count and i >= 0 and line[i] == ".":
        return count + 1, i
    return count, i + 1


def _fronted(line: str, seg_start: int, pos: int) -> bool:
    """Does the segment open with a preposition and hold fewer than six words before ``pos``:
    a fronted adverbial (``At 5 a.m.``, ``In the spring of 44 B.C.``)?"""
    first = _FIRST_WORD.match(line, seg_start)
    return (first is not None and first.group(1) in FRONTING
            and not _words_before(line, seg_start, pos, 6))


def _words_before(line: str, seg_start: int, pos: int, want: int) -> bool:
    """Are there at least ``want`` whitespace-separated words in ``line[seg_start:pos]``?
    (Counted backwards from ``pos``, stopping as soon as there are enough.)"""
    words = 0
    i = pos
    while i > seg_start:
        while i > seg_start and line[i - 1].isspace():
            i -= 1
        if i == seg_start:
            break
        words += 1
        if words >= want:
            return True
        while i > seg_start and not line[i - 1].isspace():
            i -= 1
    return False


def _lookup(core: str, words: frozenset[str]) -> bool:
    """``core`` in ``words``, also as the capitalised form of an all-lower-case entry."""
    return core in words or (core[:1].isupper() and core[1:].islower() and core.lower() in words)


class EnglishSplitter(LineSplitter):
    """Rule-based English splitter; ``name`` is the versioned identity recorded in provenance."""

    name = "pipeline-en/1.1"
    candidate = _CAND
    any_candidate = _ANY_CAND
    next_token = _NEXT
    trailing_symbol = _TRAILING_SYMBOL
    list_mark = LIST_MARK
    boilerplate = BOILERPLATE_PREFIXES
    closers = _STRIP_CLOSE
    final_punct = _FINAL_PUNCT

    def _trailing(self, word: str) -> bool:
        if word == "." * len(word):
            return False  # a spaced ellipsis: see _boundary
        return (super()._trailing(word) or _EMOTICON_RE.fullmatch(word) is not None
                or _FOOTNOTES.fullmatch(word) is not None)

    def _split_line(self, line: str) -> list[tuple[int, int]]:
        """The shared scan, then a cut before each label of an inline enumeration and around e-mail
        stamps and rules and after addresses (:func:`.en_web.header_cuts`)."""
        out: list[tuple[int, int]] = []
        for s, e in super()._split_line(line):
            out.extend(inline_items(line, s, e))
        return header_cuts(line, out)

    def _boundary(self, line: str, seg_start: int, m: re.Match[str], nxt: re.Match[str]) -> bool:
        """Does candidate ``m`` end a sentence, given what follows it (``nxt``: opener, word)?"""
        tok, term, closers = _parts(m)
        opener, word = nxt.group(1), nxt.group(2)
        if nxt.start(1) == m.end() and not (_PLAIN_WORD.match(word) and _PLAIN_TOKEN.fullmatch(line, m.start(2), m.end(2))):
            return False  # "Jane.Doe@example.com", "www.Example.Com": no sentences joined here
        if not word:
            if not opener or nxt.end() == len(line):
                return False  # a quote mark alone at the end of the line opens nothing
            word = opener
        if term == "." and word == "." and not opener:
            # "compounds. . . . The practice": a word's own period, then a spaced ellipsis
            return bool(tok) and _opens_after_dots(line, m.end())
        if term == "." and not tok and not opener:
            dots, run_start = _spaced_dots_before(line, m.start(3))
            if dots == 3 or (dots > 1 and run_start <= seg_start):
                # "the thing is . . . I didn't": an omission inside the sentence; ". . . The
                # practice": an ellipsis that opens it
                return False
        if not opener and _DASH.fullmatch(word):
            # a dialogue turn or dashed list item: "? - What else", "halt. -- If S&P falls"
            after = _NEXT.match(line, nxt.end())
            if after is None or not _opens_sentence(after.group(1), after.group(2)):
                return False
            return term[0] != "." or len(term) > 1 or self._period_kind(line, seg_start, m, word) != "never"
        if term == ":":
            # a run-in heading in capitals: "FCC COUNSEL JOINS FIRM: Diane S. Killory will …"
            return _opens_sentence(opener, word) and _caps_heading(line, seg_start, m.start(3))
        if not opener and LABEL_NEXT.match(line, nxt.start(2)):
            return term[0] != "." or len(term) > 1 or self._period_kind(line, seg_start, m, word) != "never"
        first = word[0]
        if not opener and first.islower() and not (len(word) > 1 and word[1].isupper()):
            # news does not go on in lower case after a sentence end; web text does (en_web)
            return lower_start(tok, term, closers, word, lambda: self._period_kind(line, seg_start, m, word))
        if not _opens_sentence(opener, word):
            if term[0] not in _TERM:
                return False  # an emoticon before a symbol
            # a bullet, hashtag, mention or currency sign after a full stop or !/? starts a new
            # unit; anything else (``%``, ``,``, ``&``) continues the sentence
            return first in "#@•▪►▶" + _CURRENCY and (
                term[-1] in "!?…" or self._period_kind(line, seg_start, m, word) == "strong")
        if term[-1] in "!?" and closers and closers[-1] in _QUOTES_CLOSE and not opener and first.isupper():
            # '"Why?" Smith asked.': a name and a verb of saying keep the quotation in the
            # sentence (a quotation closed by a period is a sentence: '"We won." Smith said so.')
            name = word.rstrip(",;:")
            after = _WORD_AFTER.match(line, nxt.end())
            if after is not None and after.group(1) in SPEECH_VERBS and name not in STARTERS:
                return False
        if term[0] != "." or len(term) > 1:
            # "!", "?", "…", "..." and mixtures: end of sentence before a capital or an opening
            # quote, except a bracketed aside "a (!) record", an elision "[...]", "Yahoo! Inc."
            # and an ellipsis inside a figure ("for... 1.6 million")
            if term[0] == "!" and tok.lstrip(_STRIP_OPEN) in EXCLAIMING_NAMES:
                return False
            if term[0] in ".…" and first.isdigit() and not opener:
                return False
            return not tok.endswith(("(", "["))
        if closers and closers[0] in _QUOTES_CLOSE:
            # 'said "it is done." The' – a quotation closed after its period
            return True
        kind = self._period_kind(line, seg_start, m, word)
        if kind == "strong":
            return True
        if (kind != "never" and not opener and tok.replace(".", "").lower() in _TIMES
                and word.rstrip(_STRIP_CLOSE + ",;:!?") not in STARTERS and _fronted(line, seg_start, m.start(2))):
            return False  # "At 5 a.m. Mr. Smith left", "In 44 B.C. Caesar died": a fronted time
        if kind == "final":
            # "Apple Inc. (AAPL) rose": a bracket after an abbreviation adds to the sentence
            return not opener.startswith(("(", "["))
        if kind == "weak":
            if opener:
                return opener[0] in "\"“'‘«"
            w = word.rstrip(_STRIP_CLOSE + ";:!?")
            if w.endswith(","):
                return w[:-1] in STARTERS or w[:-1] in COMMA_STARTERS  # "U.S. First, …"
            # "J. A. Smith", "the U.S. No. 2" – a word with a period is no opener here, but a
            # title is: "at 6 P.M. Mr. Smith left"
            return w in STARTERS or (w.endswith(".") and w[:-1] in TITLE_STARTERS)
        return False  # "never"

    def _period_kind(self, line: str, seg_start: int, m: re.Match[str], word: str) -> str:
        """Classify the token before a single period, given the next ``word``: ``strong`` (an
        ordinary word: the period ends the sentence), ``final`` (an abbreviation that ends one
        before any capital here), ``weak`` (an abbreviation, acronym or initial that ends one
        only before a sentence opener) or ``never``."""
        tok = m.group(2) or ""
        core = tok.lstrip(_STRIP_OPEN + BULLETS)
        if not core:
            return "strong"
        next_digit = word[0].isdigit()
        first = core[0]
        tok_start = m.start(2) + (len(tok) - len(core))
        if first.isdigit() or (len(core) <= 4 and ROMAN.fullmatch(core.upper())) or (len(core) == 1 and first.isalpha()):
            if len(core) <= 3 and core.isalnum() and is_label(line, seg_start, tok_start):
                return "never"  # a label: "1. Open the box", "Steps: 2. Stir", "a. Rice", "iv. Soy", "Q. Why?"
            if next_label(line, seg_start, tok_start, core):
                return "never"  # the next label of an inline list: "1. The first 2. The second"
            if first.isdigit():
                return "strong"  # "in 2010.", "rose 5.5%.", "3-1."
        after_comma = tok_start >= 2 and line[tok_start - 2] == ","
        if "." in core:
            # abbreviations written with inner dots: e.g, a.m, U.S, Ph.D, J.R.R, N.V
            parts = core.split(".")
            key = "".join(parts)
            if key in MULTI_NEVER:
                return "never"
            if key in MULTI_COMPANY:
                return self._company_kind(line, tok_start, word)
            if key in MULTI_STATES and after_comma:
                return "final"
            if key in ERAS:
                if next_digit:
                    return "never"  # "A.D. 79"
                return "final" if _prev_initial(line, tok_start).isdigit() else "weak"  # "753 B.C."
            if key in DEGREES:
                return "final"  # "She earned her Ph.D. Tom was impressed."
            if key in MULTI_WEAK or key.lower() in MULTI_WEAK:
                return "weak"
            if "@" not in core and "/" not in core and all(len(p) <= 3 and p.isalpha() for p in parts):
                return "weak"  # an unknown dotted abbreviation or initials ("N.Y", "J.R")
            return "strong"  # a domain, file name or e-mail address at the end of a sentence
        if _lookup(core, BEFORE_NUMBER):
            if next_digit:
                return "never"
            return "never" if _lookup(core, NEVER_FINAL) else "weak"
        if _lookup(core, NEVER_FINAL):
            return "never"
        if _lookup(core, FINAL):
            return "final"
        if core in UNITS or (core == "in" and _prev_initial(line, tok_start).isdigit()):
            return "never" if next_digit else "final"  # "5 ft. 6 in. tall", "2 lb. 4 oz."
        if core in COMPANY:
            return self._company_kind(line, tok_start, word)
        if core in STATES:
            return "final" if after_comma else "weak"
        if _lookup(core, WEAK):
            return "weak"
        if len(core) == 1 and first.isalpha():
            return "weak"  # an initial ("John F. Kennedy") or a letter ("Plan B.")
        return "strong"

    @staticmethod
    def _company_kind(line: str, tok_start: int, word: str) -> str:
        """``Acme Inc.``/``Lazard Freres & Co.``: ``final`` unless a job title or another suffix
        follows (``Sony Corp. Chairman``) or the word before is in lower case (``in Co. Cork``)."""
        prev = _prev_initial(line, tok_start)
        if not prev or not (prev.isupper() or prev.isdigit() or prev == "&"):
            return "weak"
        w = word.rstrip(_STRIP_CLOSE + ".,;:!?")
        if w.endswith(("'s", "’s")):
            w = w[:-2]
        if w in TITLE_WORDS:
            return "never"
        return "final"

DEFAULT = EnglishSplitter()
