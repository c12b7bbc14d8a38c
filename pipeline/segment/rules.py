"""The data-driven sentence splitter: one engine, one data file per language.

:class:`RuleSplitter` runs the shared line scan (:mod:`.scan`) with the patterns and word lists
of a language's data file (:mod:`pipeline.languages.segmentation`). A language without a file of
its own gets the script-aware fallback, ``generic.toml``.

Candidates
    A run of the script's sentence-final punctuation (``. ! ? …``, ``؟ ۔``, ``। ॥`` …) followed by
    optional closing quotes and brackets (after a space where the language spaces them: French
    ``parti. »``), footnote marks, and then whitespace; or a run of full-width ``。！？``, which
    ends a sentence with or without a space after it (Chinese, Japanese).

Boundaries
    * after ``。！？``: a boundary unless a comma, closing punctuation or, after a closing quote,
      a word that carries the quotation on (Japanese ``」と``) follows;
    * in a cased script, a sentence does not go on in lower case; an uncased letter (Arabic,
      Devanagari, CJK) may start one;
    * after ``!``, ``?`` and ellipses: a boundary before a capital, an uncased letter, a digit or
      an opening quote/bracket (Spanish ``¿`` and ``¡`` included);
    * after a period: abbreviations (never, final, weak, before a number, multi-part such as
      ``p. ex.`` or ``т. е.``), initials (``В. В. Путин``), Roman numerals and — where the
      language writes ordinals with a period (``1. ledna``, ``3. sınıf``) — numbers before a
      noun that follows ordinals are ambiguous: they end a sentence only before a typical
      sentence opener. Any other word ends one before a capital, digit or opening quote.
    * A number or letter opening a segment (``1. Uvod``, ``• 3.``) is a list label.

Glued sentences (cased scripts): ``… vendredi.Le président`` — a lower-case word, a
terminator and a capitalised word with no space between — is a boundary unless the word is an
abbreviation or the token is a URL, an e-mail address or holds a digit.
"""

from __future__ import annotations

import re

from ..languages.segmentation import GENERIC, SplitData, load
from .scan import BULLETS_ONLY, DATE_PART, MULTI_PREFIX, RANGE, ROMAN, LineSplitter

_LIST_MARK = re.compile(r"\s*(?:[-–—•·▪►▶*+・]|\d{1,3}[.)]|[a-zA-Z][.)]|[①-⑳])\s*")
_TRAILING_SYMBOL = re.compile(r"[^\w\s\"'„“‚‘»«›‹「『（(\[{¿¡@#§$€£%&*+\-–—•·▪►▶/\\<>|~^]+")
# Glued sentences: a terminator directly followed by a letter (the rest is checked in code).
_GLUED_HINT = re.compile(r"[.!?]+(?=[^\W\d_])")
# An elided article or preposition before a word: "l'", "dall'", "d’", "qu'".
_ELISION = re.compile(r"\A[^\W\d_]{1,5}['’]")
_INITIAL = re.compile(r"[^\W\d_]\.")
_NOT_PROSE = ("@", "/", "www", "http", "\\")
# What continues a sentence after "。！？": commas, colons, closing punctuation.
_CJK_CONTINUE = "，、,;；:：)）]」』】》〉”’\"'"
_DASHES = "-–—"


def _lookup(core: str, words: frozenset[str]) -> bool:
    """``core`` in ``words``, also as the capitalised form of an all-lower-case entry."""
    return core in words or (core[:1].isupper() and core[1:].islower() and core.lower() in words)


def _with_lower(words: frozenset[str]) -> frozenset[str]:
    """``words`` and the lower-case form of each capitalised entry (``Dott`` → ``dott``)."""
    return words | {w.lower() for w in words if w[:1].isupper() and w[1:].islower()}


class RuleSplitter(LineSplitter):
    """A splitter built from one language's :class:`~pipeline.languages.segmentation.SplitData`;
    ``name`` is the versioned identity recorded in provenance."""

    def __init__(self, data: SplitData) -> None:
        self.data = data
        self.name = data.name
        term = re.escape(data.terminators)
        space = r"[ \u00a0\u202f]?" if data.spaced_closers else ""
        close = rf"(?:{space}[{re.escape(data.closers)}]|\[\d{{1,3}}\]|[¹²³⁰⁴-⁹]+)*"
        # terminators first (see LineSplitter._candidates): a run that no terminator precedes
        spaced = rf"([{term}](?<![{term}].)[{term}]*+)({close})(?=\s)"
        if data.unspaced_terminators:
            uterm = re.escape(data.unspaced_terminators)
            spaced += rf"|([{uterm}][{uterm}{term}]*+)([{re.escape(data.closers)}]*)"
        self.terminator = re.compile(spaced)
        self.token_stops = data.unspaced_terminators
        self.any_candidate = re.compile(f"[{term}{re.escape(data.unspaced_terminators)}]")
        # what follows a candidate: whitespace, opening quotes/brackets, the next token (capped:
        # a CJK line is one long token)
        self.next_token = re.compile(rf"\s*((?:[{re.escape(data.openers)}])*)(\S{{0,64}})")
        self.trailing_symbol = _TRAILING_SYMBOL
        self.list_mark = _LIST_MARK
        self.boilerplate = data.boilerplate
        self.closers = data.closers
        self.final_punct = frozenset(data.terminators + data.unspaced_terminators + ":;")
        self._strip_open = data.openers
        self._strip_word = data.closers + ".,;:!?…"
        # a capitalised entry also matches in lower case ("Dott" / "dott"), as an all-lower-case
        # one does capitalised (see _lookup)
        self._words = {key: _with_lower(getattr(data, key))
                       for key in ("never", "final", "weak", "before_number")}
        abbreviations = data.never | data.weak | data.final | data.before_number
        self._never = self._words["never"] - self._words["weak"] - self._words["final"]
        self._lower_abbreviations = frozenset(w.lower() for w in abbreviations)

    def __repr__(self) -> str:
        return f"RuleSplitter({self.name!r})"

    # ------------------------------------------------------------------ boundaries

    def _boundary(self, line: str, seg_start: int, m: re.Match[str], nxt: re.Match[str]) -> bool:
        opener, word = nxt.group(1), nxt.group(2)
        if m.lastindex is not None and m.lastindex >= 4:
            return self._unspaced_boundary(m, opener, word)
        tok, term, closers = m.group(1), m.group(2), m.group(3)
        if not word:
            if not opener:
                return False
            word = opener
        first = word[0]
        if opener and first in ".,;:!?":
            return False  # a closing quote after an ellipsis: 'brengt... ".'
        if not opener and first.islower() and not (len(word) > 1 and word[1].isupper()):
            return False  # a sentence does not go on in lower case
        cap_next = (bool(opener) or first.isupper() or first.isdigit()
                    or (first.isalpha() and not first.islower()) or (len(word) > 1 and word[1].isupper()))
        if not cap_next:
            if first in _DASHES and word.strip(_DASHES) == "":
                after = self.next_token.match(line, nxt.end())
                if after is not None and after.group(2)[:1].islower():
                    return False  # a speaker's words: "відносності? — запитаєте ви"
            # a dash, bullet, hashtag or mention after a full stop or !/? starts a new unit
            return first in "#@•▪►▶–—" and (
                term[-1] != "." or self._period_kind(line, seg_start, m, word) == "strong")
        if term[0] != "." or len(term) > 1:
            # "!", "?", "…", "...", "؟" and mixtures: a boundary, except a bracketed aside "(!)"
            return not tok.endswith(("(", "["))
        if closers and closers.lstrip()[0] not in ")]}":
            return True  # a quotation closed after its period: "parti. » Puis"
        if not opener and first.isdigit() and word.rstrip(".,;:").endswith(")") and "(" not in word:
            return False  # a bracket still open: "(мал. 8)", "(Art. 5)"
        kind = self._period_kind(line, seg_start, m, word)
        if kind == "weak" and _INITIAL.fullmatch(word):
            return False  # initials in a row: "George H. W. Bush"
        if kind == "strong" or kind == "final":
            return True
        if kind == "never":
            return False
        w = word.strip(self._strip_word)
        if kind == "weak":
            return w in self.data.starters or (bool(opener) and opener[0] not in "([{")
        return w in self.data.starters or bool(opener)  # "ordinal"

    def _unspaced_boundary(self, m: re.Match[str], opener: str, word: str) -> bool:
        """After ``。！？`` (with closing quotes): a boundary unless the sentence goes on."""
        following = opener or word
        if not following:
            return False
        if following[0] in _CJK_CONTINUE:
            return False
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
        if "'" in core or "’" in core:
            core = _ELISION.sub("", core)  # "l'art. 6", "dall'art. 1002", "d'env. 5"
        if not core:
            return "strong"
        next_digit = word[0].isdigit()
        first = core[0]
        if (first in "-–—/" or first.isdigit()) and not core.isdigit():
            rng = RANGE.fullmatch(core)
            if rng is not None:  # the second number of a range: "1.–3. ledna"
                core = rng.group(1)
                first = core[0]
        if first.isdigit():
            if core.isdigit():
                tok_start = m.start(1) + (len(tok) - len(core))
                if BULLETS_ONLY.match(line, seg_start, tok_start):
                    return "never"  # an enumeration label: "1. Úvod", "• 3. Punkt"
                if not data.ordinal_period:
                    return "strong"
                if next_digit and len(core) <= 2:
                    return "never"  # "1. 1. 2026"
                if word.rstrip(self._strip_word) in data.ordinal_nouns:
                    return "never"  # "13. března", "1. Dünya Savaşı"
                return "ordinal" if len(core) <= 3 else "strong"
            if data.ordinal_period and DATE_PART.fullmatch(core):
                return "ordinal"  # "do 24.09. roku"
            return "strong"  # "12.000.", "12.03.2023.", "3:1."
        if len(core) <= 5 and "." in core or (len(core) <= 4 and first.isalpha()):
            kind = self._multi_kind(line, m, core)
            if kind:
                return kind
        words = self._words
        if _lookup(core, words["before_number"]):
            if next_digit:
                return "never"
            return "weak" if _lookup(core, self._never) or len(core) == 1 else "strong"
        if _lookup(core, self._never):
            return "never"
        if _lookup(core, words["final"]):
            return "final"
        if _lookup(core, words["weak"]):
            return "weak"
        if len(core) == 1 and first.isalpha():
            return "weak"  # an initial: "J. Chirac", "В. Путин"
        if ROMAN.fullmatch(core):
            return "weak"  # "Luis XIV.", "II. Dünya"
        if "." in core:
            parts = core.replace("-", ".").split(".")
            if "@" not in core and "/" not in core and all(len(p) <= 4 and p.isalpha() for p in parts if p):
                return "weak"  # an unknown dotted abbreviation ("EE.UU", "c.-à-d")
        return "strong"

    def _multi_kind(self, line: str, m: re.Match[str], core: str) -> str:
        """``never``/``weak`` for a multi-part abbreviation (``p. ex.``, ``m.in.``), else ""."""
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
        if key in data.multi_never or key.lower() in data.multi_never:
            return "never"
        if key in data.multi_final or key.lower() in data.multi_final:
            return "weak"
        return ""

    # ------------------------------------------------------------------ glued sentences

    def _glued_cuts(self, line: str) -> list[tuple[int, bool]]:
        """Offsets where a sentence starts glued to a lower-case word's terminator
        (``vendredi.Le``), each with True (a terminator precedes it)."""
        if not self.data.cased:
            return []
        found: list[tuple[int, bool]] = []
        for h in _GLUED_HINT.finditer(line):
            cut = h.end()
            i = h.start()
            while i > 0 and line[i - 1].isalpha():
                i -= 1
            word = line[i:h.start()]
            if len(word) < 2 or not word[1:].islower() or (i > 0 and line[i - 1] == "."):
                continue
            j = cut + 1
            while j < len(line) and line[j].isalpha():
                j += 1
            after = line[cut:j]
            if len(after) < 2 or not after[0].isupper() or not after[1:].islower():
                continue
            if j < len(line) and not (line[j].isspace() or line[j] in ",;:.!?\"'“”»«)"):
                continue
            token_start = line.rfind(" ", 0, i) + 1
            token_end = line.find(" ", j)
            token = line[token_start:token_end if token_end >= 0 else len(line)]
            if any(mark in token for mark in _NOT_PROSE) or any(c.isdigit() for c in token):
                continue
            if h.group().startswith(".") and word.lower() in self._lower_abbreviations:
                continue  # "Dr.Novák", "np.Polska"
            found.append((cut, True))
        return found


_CACHE: dict[str, RuleSplitter] = {}


def rule_splitter(lang: str) -> RuleSplitter:
    """The splitter of ``lang`` built from its data file, or the generic fallback for a
    language code without one (built once per code)."""
    got = _CACHE.get(lang)
    if got is None:
        from ..languages.segmentation import available, check_code

        check_code(lang) if lang != GENERIC else None
        got = RuleSplitter(load(lang if lang in available() else GENERIC))
        _CACHE[lang] = got
    return got
