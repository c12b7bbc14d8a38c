"""The data-driven sentence splitter: one engine, one data file per language.

:class:`RuleSplitter` runs the shared line scan (:mod:`.scan`: every line break ends a unit, a
blank line starts a paragraph, a line without final punctuation is a heading, list item or
boilerplate) with the patterns and word lists of a language's data file
(:mod:`pipeline.languages.segmentation`; German is one too). A language without a file of its
own gets the script-aware fallback, ``generic.toml``.

Candidates
    A run of the script's sentence-final punctuation (``. ! ? …``, ``؟ ۔``, ``। ॥`` …) followed by
    optional closing quotes and brackets (after a space where the language spaces them: French
    ``parti. »``), footnote marks, and then whitespace; or a run of full-width ``。！？``, which
    ends a sentence with or without a space after it (Chinese, Japanese). A straight quote
    standing alone after the run closes the quotation before it when an odd number of straight
    quotes precedes it, and otherwise opens the next sentence.

Boundaries
    * after ``。！？``: a boundary unless a comma, closing punctuation or, after a closing quote,
      a word that carries the quotation on (Japanese ``」と``, Chinese ``”他说``) follows;
    * in a cased script, a sentence does not go on in lower case; an uncased letter (Arabic,
      Devanagari, CJK) may start one; a dash before a lower-case word is a speaker's words
      (``? — спросил он``), a hyphen standing alone before a capital a dialogue turn;
    * after ``!``, ``?``, ``؟`` and ellipses: a boundary before a capital, an uncased letter, a
      digit or an opening quote/bracket (Spanish ``¿`` and ``¡`` included);
    * after a period: abbreviations (never, final, weak, before a number, multi-part such as
      ``z. B.``, ``p. ex.`` or ``т. е.``), initials (``В. В. Путин``), Roman numerals and — where
      the language writes ordinals with a period (``13. Februar``, ``1. ledna``, ``3. sınıf``)
      — numbers are ambiguous: they end a sentence only before a typical sentence opener (never
      before a month or another noun that follows ordinals). Any other word ends one before a
      capital, a digit or an opening quote.
    * A number or letter opening a segment (``1. Úvod``, ``• 3.``) is a list label.
    * Where the language lists verbs of saying for it, a colon after one ends a sentence
      (Turkish ``şunları söyledi: Belirsizlik …``).

Glued sentences (scripts with case, from the language's alphabet): ``… handeln.Die
Opposition`` — a lower-case word, a terminator and a capitalised word without a space — is a
boundary unless the word is an abbreviation or the token is a URL, an e-mail address or holds a
digit; where the language asks for it, so is a headline glued to a sentence opener
(``… Probleme - PoliticoEin mutmaßlich …``). Units after such a cut are sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..languages.segmentation import GENERIC, SplitData, load
from .scan import BULLETS_ONLY, DATE_PART, MULTI_PREFIX, RANGE, ROMAN, Candidate, LineSplitter

_LIST_MARK = re.compile(r"\s*(?:(?:[-–—•·▪►▶*+・]|\d{1,3}[.)]|[a-zA-Z][.)])\s|[①-⑳])")
_TRAILING_SYMBOL = re.compile(r"[^\w\s\"'„“‚‘»«›‹「『（(\[{¿¡@#§$€£%&*+\-–—―•·▪►▶/\\<>|~^]+")
# An elided article or preposition before a word: "l'", "dall'", "d’", "qu'".
_ELISION = re.compile(r"\A[^\W\d_]{1,5}['’]")
_INITIAL = re.compile(r"[^\W\d_]\.")
_NOT_PROSE = ("@", "/", "www", "http", "\\")
# What continues a sentence after "。！？": commas, colons, closing punctuation.
_CJK_CONTINUE = "，、,;；:：)）]」』】》〉”’\"'"
_DASHES = "-–—"
_START = re.Match.start
# Openers that are not quotation marks: after an ambiguous period they open no sentence.
_NOT_QUOTES = "([{'‚‘‹›`"


def _glued_patterns(data: SplitData) -> tuple | None:
    """The patterns of glued sentences from the language's alphabet (None without one): hints
    (terminators and a capital after a lower-case letter; a capital right after one), a word
    ending in terminators before a capitalised word (``handeln.Die``), a word glued to a
    sentence opener (``PoliticoEin``), and what must follow the cut of each of the last two.
    Each hint pattern starts with a character class, so the search skips to candidates quickly
    (an alternation of two would not)."""
    lo, up = data.lower, data.upper
    if not lo or not up:
        return None
    letter = up + lo
    after_stop = rf"[{up}][{lo}]+(?:[\s,;:.!?\"'“”»«)]|$)"
    stop = re.compile(rf"(?<![{letter}.])([{up}]?[{lo}]{{2,}}[.!?]+)(?={after_stop})")
    stop_hint = re.compile(rf"[.!?](?<=[{lo}][.!?])[.!?]*[{up}]")
    if not data.glued_starters:
        return stop_hint, None, stop, None, re.compile(after_stop), None
    starters = "|".join(sorted((w for w in data.starters if len(w) >= 3), key=len, reverse=True))
    opener = rf"(?:{starters})\s+[{letter}„\"]"
    start = re.compile(rf"(?<![{letter}\d])([{up}]?[{lo}]{{3,}})(?={opener})")
    return (stop_hint, re.compile(rf"[{up}](?<=[{lo}][{up}])"), stop, start, re.compile(after_stop),
            re.compile(opener))


_BRACKETED_NUMBER = re.compile(r"\d{1,4}\)")


def _word_before(line: str, pos: int) -> str:
    """The whitespace-separated word that ends before ``pos`` (spaces between skipped)."""
    end = pos
    while end > 0 and line[end - 1].isspace():
        end -= 1
    return line[line.rfind(" ", 0, end) + 1:end]


class RuleSplitter(LineSplitter):
    """A splitter built from one language's :class:`~pipeline.languages.segmentation.SplitData`;
    ``name`` is the versioned identity recorded in provenance."""

    def __init__(self, data: SplitData) -> None:
        self.data = data
        self.name = data.name
        term = re.escape(data.terminators + (":" if data.colon_enders else ""))
        space = r"[ \u00a0\u202f]?" if data.spaced_closers else ""
        lone = r'|\s"(?=\s|\Z)' if data.lone_quotes else ""
        close = rf"(?:{space}[{re.escape(data.closers)}]|\[\d{{1,3}}\]|[¹²³⁰⁴-⁹]+{lone})*"
        # terminators first (see LineSplitter._candidates): a run that no terminator precedes
        # (spaced closers may also end the line: "ذلك ؟ "")
        end = r"(?=\s|\Z)" if data.spaced_closers else r"(?=\s)"
        spaced = rf"([{term}](?<![{term}].)[{term}]*+)({close}){end}"
        if data.unspaced_terminators:
            uterm = re.escape(data.unspaced_terminators)
            spaced += rf"|([{uterm}][{uterm}{term}]*+)([{re.escape(data.closers)}]*)"
        self.terminator = re.compile(spaced)
        self.token_stops = data.unspaced_terminators
        self.any_candidate = re.compile(f"[{term}{re.escape(data.unspaced_terminators)}]")
        # what follows a candidate: whitespace, opening quotes/brackets (",," for „ typed as two
        # commas), the next token (capped where a line may be one long token: CJK)
        word = r"\S{0,64}" if data.unspaced_terminators else r"\S*"
        self.next_token = re.compile(rf"\s*((?:,,|[{re.escape(data.openers)}])*)({word})")
        self.trailing_symbol = _TRAILING_SYMBOL
        self.list_mark = _LIST_MARK
        self.boilerplate = data.boilerplate
        self.closers = data.closers
        self.final_punct = frozenset(data.terminators + data.unspaced_terminators + ":;")
        self._strip_open = data.openers.replace("`", "")
        self._strip_word = data.closers + ".,;:!?"
        self._quotes = "".join(c for c in data.openers if c not in _NOT_QUOTES)
        abbreviations = data.never | data.weak | data.final | data.before_number
        self._never = data.never - data.weak - data.final
        self._lower_abbreviations = frozenset(w.lower() for w in abbreviations)
        self._glued = _glued_patterns(data)
        if not data.lone_quotes:  # the scan's own candidates, without a layer that does nothing
            self._candidates = super()._candidates

    def __repr__(self) -> str:
        return f"RuleSplitter({self.name!r})"

    def _candidates(self, line: str, start: int) -> Iterator[Candidate]:
        """The scan's candidates, less a straight quote after the closers that opens the next
        sentence rather than closing this one (an even number of straight quotes before it):
        one standing alone after a space, or one right after a full-width stop."""
        for m in super()._candidates(line, start):
            closers = m.group(3)
            if closers is None:  # a full-width stop: '発売される。"エア …' opens a quotation
                closers = m.group(5)
                if closers.endswith('"') and line.count('"', 0, m.end(0) - 1) % 2 == 0:
                    cut = m.end(0) - 1
                    m = Candidate((line[m.start(0):cut], None, None, None, m.group(4), closers[:-1]),
                                  (m.start(0), -1, -1, -1, m.start(4), m.start(5)),
                                  (cut, -1, -1, -1, m.end(4), cut))
            elif closers and closers[-1] == '"' and closers[-2:-1].isspace():
                quote = m.end(0) - 1
                if line.count('"', 0, quote) % 2 == 0:
                    cut = quote - 1
                    while cut > m.start(3) and line[cut - 1].isspace():
                        cut -= 1
                    m = Candidate((line[m.start(0):cut], m.group(1), m.group(2), line[m.start(3):cut]),
                                  (m.start(0), m.start(1), m.start(2), m.start(3)),
                                  (cut, m.end(1), m.end(2), cut))
            yield m

    # ------------------------------------------------------------------ boundaries

    def _boundary(self, line: str, seg_start: int, m: re.Match[str], nxt: re.Match[str]) -> bool:
        opener, word = nxt.group(1), nxt.group(2)
        if m.lastindex is not None and m.lastindex >= 4:
            return self._unspaced_boundary(m, opener, word)
        tok, term, closers = m.group(1), m.group(2), m.group(3)
        if not word:
            if not opener or nxt.end() == len(line):
                return False  # a quote mark alone at the end of the line opens nothing
            word = opener
        first = word[0]
        if term[0] == ":":  # a reporting verb before a colon: "şunları söyledi: Belirsizlik …"
            return (term == ":" and not closers and not opener and first.isupper()
                    and tok in self.data.colon_enders)
        if opener and first in ".,;:!?":
            return False  # a closing quote after an ellipsis: 'brengt... ".'
        if not opener and first.islower() and not (len(word) > 1 and word[1].isupper()):
            return False  # a sentence does not go on in lower case
        cap_next = (bool(opener) or first.isupper() or first.isdigit()
                    or (len(word) > 1 and word[1].isupper()) or (first.isalpha() and not first.islower()))
        if not cap_next:
            if first in _DASHES and word.strip(_DASHES) == "":
                after = self.next_token.match(line, nxt.end())
                if after is not None and after.group(2)[:1].islower():
                    return False  # a speaker's words: "відносності? — запитаєте ви"
            # a dash, bullet, hashtag or mention after a full stop or !/? starts a new unit
            # (a hyphen only standing alone before a capital: a dialogue turn "? - A mí");
            # anything else ("€", "%", ",") continues the sentence
            if word == "-":
                after = self.next_token.match(line, nxt.end())
                if after is None or not after.group(2)[:1].isupper():
                    return False
            elif first not in "#@•▪►▶–—―":
                return False
            return (
                term[-1] != "." or self._period_kind(line, seg_start, m, word) == "strong")
        if term[0] != "." or len(term) > 1:
            # "!", "?", "…", "...", "؟" and mixtures: a boundary, except a bracketed aside "(!)"
            return not tok.endswith(("(", "["))
        if closers:
            c = closers.lstrip()[0]
            if c in self.closers and c not in ")]}":
                return True  # a quotation closed after its period: "Lust.“ Wir", "parti. » Puis"
        if not opener and first.isdigit() and word.rstrip(".,;:").endswith(")") and "(" not in word:
            return False  # a bracket still open: "(мал. 8)"
        if opener == "(" and _BRACKETED_NUMBER.match(word):
            return False  # an age or figure in brackets: "Vojtěch Ch. (31)"
        kind = self._period_kind(line, seg_start, m, word)
        if kind == "strong" or kind == "final":
            return True
        if kind == "never":
            return False
        w = word.strip(self._strip_word)
        if kind == "weak":
            if _INITIAL.fullmatch(word):
                return False  # initials in a row: "George H. W. Bush"
            return w in self.data.starters or (bool(opener) and opener[0] in self._quotes)
        return w in self.data.starters or bool(opener)  # "ordinal"

    def _unspaced_boundary(self, m: re.Match[str], opener: str, word: str) -> bool:
        """After ``。！？`` (with closing quotes): a boundary unless the sentence goes on."""
        following = opener or word
        if not following:
            return False
        if not opener and following[0] in _CJK_CONTINUE:
            return False  # a comma or closing mark: the sentence goes on
        if m.group(5) and word.startswith(self.data.quote_continuations):
            return False  # 「すごい！」と言った
        return True

    def _period_kind(self, line: str, seg_start: int, m: re.Match[str], word: str) -> str:
        """Classify the token before a single period: ``strong`` (the period ends the sentence),
        ``final`` (an abbreviation that usually ends one), ``weak`` (an abbreviation, initial or
        numeral that ends one only before a sentence opener), ``ordinal`` or ``never``."""
        data = self.data
        tok = m.group(1)
        core = tok.lstrip(self._strip_open)
        if data.elision and ("'" in core or "’" in core):
            core = _ELISION.sub("", core)  # "l'art. 6", "dall'art. 1002", "d'env. 5"
        if not core:
            return "strong"
        next_digit = word[0].isdigit()
        first = core[0]
        if (first in "-–—/" or first.isdigit()) and not core.isdigit():
            rng = RANGE.fullmatch(core)
            if rng is not None:  # the second number of a range: "1.–3. Jahrhundert", "-3."
                core = rng.group(1)
                first = core[0]
        if first.isdigit():
            return self._number_kind(line, seg_start, m, core, word)
        if len(core) <= 5 and "." in core or (len(core) <= 4 and first.isalpha()):
            kind = self._multi_kind(line, m, core)
            if kind:
                return kind
        never = self._never
        if core in data.before_number:
            if next_digit:
                return "never"  # "Nr. 5", "S. 23"
            return "weak" if core in never or len(core) == 1 else "strong"  # "eine neue Art."
        if core in never:
            return "never"
        if core in data.final:
            return "final"
        if core in data.weak:
            return "weak"
        if first.isupper() and core[1:].islower():
            low = core.lower()  # an abbreviation at a sentence start: "Ca.", "Vgl."
            if low in never:
                return "never"
            if low in data.final:
                return "final"
        if len(core) > 4 and core.endswith(data.abbreviation_suffixes):
            return "never" if next_digit else "weak"  # "Goethestr. 12"
        if len(core) == 1 and first.isalpha():
            return "weak"  # an initial: "J. R. R. Tolkien", "В. Путин"
        if ROMAN.fullmatch(core):
            return "weak"  # "Ludwig XIV.", "II. Dünya"
        if "." in core:
            parts = core.replace("-", ".").split(".")
            if "@" not in core and "/" not in core and all(len(p) <= 4 and p.isalpha() for p in parts if p):
                return "weak"  # an unknown dotted abbreviation ("U.S.", "i.d.R", "EE.UU")
        return "strong"  # a word, or a domain, file name or e-mail address at a sentence end

    def _number_kind(self, line: str, seg_start: int, m: re.Match[str], core: str, word: str) -> str:
        """A number before a period: a list label, an ordinal (where the language writes them
        with a period) or the end of a sentence."""
        ordinals = self.data.ordinal_period
        if core.isdigit():
            tok_start = m.start(1) + (len(m.group(1)) - len(core))
            if BULLETS_ONLY.match(line, seg_start, tok_start):
                return "never"  # an enumeration label: "1. FC Köln", "• 3. Punkt"
            if not ordinals or _word_before(line, tok_start) in self.data.quantity_words:
                return "strong"  # "in 2010.", "yüzde 38."
            if word[0].isdigit() and len(core) <= 2:
                return "never"  # "am 1. 1. 2026"
            if word.rstrip(".,;:!?") in self.data.ordinal_nouns:
                return "never"  # "13. Februar", "1. Dünya Savaşı"
            return "ordinal" if len(core) <= 3 else "strong"
        if ordinals and DATE_PART.fullmatch(core):
            return "ordinal"  # "am 24.09. los"
        return "strong"  # "12.000.", "12.03.2023.", "3:1."

    def _multi_kind(self, line: str, m: re.Match[str], core: str) -> str:
        """``never``/``weak`` for a multi-part abbreviation (``z. B.``, ``p. ex.``, ``m.in.``),
        else ""."""
        data = self.data
        if "." in core:
            key = core.replace(".", "").replace("-", "")
        elif len(core) <= 3:
            pre = MULTI_PREFIX.search(line, max(0, m.start(1) - 16), m.start(1))
            if pre is None:
                return ""
            key = "".join(ch for ch in pre.group() if ch.isalnum()) + core
        else:
            return ""
        if key in data.multi_never:
            return "never"
        if key in data.multi_final:
            return "weak"
        return ""

    # ------------------------------------------------------------------ glued sentences

    def _glued_cuts(self, line: str) -> list[tuple[int, bool]]:
        """Offsets where a glued sentence starts, each with whether a terminator precedes it
        (``handeln.Die``; ``PoliticoEin`` where the language lists sentence openers for it).
        The full patterns are tried only around the rare places the hint points at."""
        if self._glued is None:
            return []
        stop_hint, start_hint, stop_re, start_re, after_stop, after_start = self._glued
        hints = list(stop_hint.finditer(line))
        if start_hint is not None:
            more = list(start_hint.finditer(line))
            if more:
                hints = sorted(hints + more, key=_START) if hints else more
        found: dict[int, bool] = {}
        for hint in hints:
            h_start, h_end = hint.start() - 1, hint.end()
            stop = line[h_start + 1] in ".!?"
            lo, hi = max(0, h_start - 40), min(len(line), h_end + 60)
            # what must follow the cut: neither pattern can cut at the other's hint
            if not (after_stop if stop else after_start).match(line, h_end - 1 if stop else h_start + 1, hi):
                continue
            m = (stop_re if stop else start_re).search(line, lo, hi)
            if m is None or m.end(1) in found or not h_start < m.end(1) <= h_end:
                continue
            token_start = line.rfind(" ", 0, m.start()) + 1
            token_end = line.find(" ", m.end())
            token = line[token_start:token_end if token_end >= 0 else len(line)]
            if any(mark in token for mark in _NOT_PROSE) or any(c.isdigit() for c in token):
                continue
            if stop and m.group(1).endswith(".") and m.group(1).rstrip(".!?").lower() in self._lower_abbreviations:
                continue  # "Dr.Müller", "bzw.Die", "np.Polska"
            found[m.end(1)] = stop
        return sorted(found.items())


_CACHE: dict[str, RuleSplitter] = {}


def rule_splitter(lang: str) -> RuleSplitter:
    """The splitter of ``lang`` built from its data file, or the generic fallback (one shared
    instance) for a language code without one."""
    got = _CACHE.get(lang)
    if got is None:
        from ..languages.segmentation import available, check_code

        if lang != GENERIC:
            check_code(lang)
        code = lang if lang in available() else GENERIC
        got = _CACHE.get(code) or RuleSplitter(load(code))
        _CACHE[code] = _CACHE[lang] = got
    return got
