"""Rules of the English splitter (:mod:`.en`) for informal web text: reviews, e-mails, forum
posts, where writers often start a sentence in lower case, paste URLs and leave e-mail headers
(``Kay Mann 04/26/2001 07:17 AM Will you …``) flattened into running text.

Lower-case sentence starts
    News never goes on in lower case after a sentence end, so the news rules treat a lower-case
    next word as a continuation (``"Why?" he asked``, ``at 9 a.m. tomorrow``). Web text does start
    sentences in lower case. After a clear end a lower-case word starts a new sentence:

    * after ``?`` or ``!`` (also ``...?``, ``!!!``), unless a quotation closes on it
      (``"Why?" he asked``) or the word before is a name spelt with ``!`` (``Yahoo! and``);
    * after a single period that closes an ordinary word (not an abbreviation, initial, acronym,
      label or a word listed in :data:`.en_data.LOWER_ABBREVIATIONS`) of at least two
      characters, when the next token is a plain lower-case word (``cats. they``), not a
      lower-case abbreviation or symbol;
    * before a URL (``http://``, ``https://``, ``www.``) after any of these ends or an ellipsis.

    A bare ellipsis before lower case (``Nice people... I hear``, ``so... we``) stays inside the
    sentence.

E-mail headers and addresses
    A date and clock time (``08/16/2000 03:14:14 PM``, ``04/25/01 12:42``) is a unit of its
    own: the sender line, the stamp and the message are separate units. After a lower-case word
    (``Posted by Nook at 3/9/2005 11:16 PM``, ``on 04/25/01 12:42 We have``) the stamp closes
    the unit it is in, and only before a capital.
    An e-mail address or URL followed by a capitalised word or another URL ends its unit
    (``<les@hnks.com> All: It is``, a list of links, a signature's address): no sentence goes on
    from an address to a capital without punctuation. A separator rule (``***``, ``=====``,
    ``______``) is a unit of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .en_data import EXCLAIMING_NAMES, LOWER_ABBREVIATIONS, SPEECH_VERBS

# A plain lower-case word as the next token (optional trailing punctuation).
_LOWER_WORD = re.compile(r"[a-z][a-z'’-]*[,;:!?.]*\Z")
_URL_START = ("http://", "https://", "www.")
# Conjunctions that, after a period, more often continue a run-on sentence past a stray period
# ("if they are at risk. because the sooner") than open one: no new sentence before them.
_CONTINUING = frozenset("and but or nor because which whereas than that whom".split())
# An ordinary word before a period: letters (a digit may close it: "303-832-8160", "mp3").
_PLAIN_BEFORE = re.compile(r"[\"'“‘(]*[A-Za-z][A-Za-z'’-]*[A-Za-z\d]|[\"'“‘(]*[\d][\d-]*\d")
# An e-mail stamp: a date (m/d/y, as mail clients print it) and a clock time with optional
# seconds and AM/PM. It must stand after whitespace: checked after the match, so that the search
# can skip ahead to digits.
_STAMP = re.compile(
    r"\d{1,2}/\d{1,2}/(?:\d{4}|\d{2}),?\s+"
    r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?(?!\S)"
)

# An e-mail address or URL token (optionally in <>) followed by whitespace and a capitalised
# word or another URL (group 1: the address).
_ADDRESS_THEN = re.compile(
    r"(?<!\S)(\S*(?:[\w.-]@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}|(?:https?://|www\.)[^\s<>]+)>?)"
    r"\s+(?=[A-Z][A-Za-z]|https?://|www\.)"
)

# A separator rule standing as a token: "***", "=====", "______", "----==" (not "--", a dash).
_SEPARATOR = re.compile(r"(?<!\S)(?:[*_=~#-]{3,}\S*[*_=~#-]{3,}|[*_=~#]{3,}|-{4,})(?!\S)")


def is_url(word: str) -> bool:
    """Does ``word`` start a web address?"""
    return word.startswith(_URL_START)


def lower_start(tok: str, term: str, closers: str, word: str, period_kind: Callable[[], str]) -> bool:
    """Does a lower-case ``word`` (or URL) start a new sentence after the candidate ``tok`` +
    ``term`` + ``closers``? ``period_kind()`` is the English splitter's classification of
    ``tok`` before a single period (asked last: it is the costly test)."""
    url = is_url(word)
    after = word.rstrip(",;:")
    if term[-1] in "!?‼⁇⁈⁉":
        if closers and not url:
            return False  # '"Why?" he asked', "(oops!) or": a quotation or aside goes on
        if after in SPEECH_VERBS:
            return False  # 'what is it that it "can bring"? asks Ms Plamondon'

        if term[0] == "!" and tok.lstrip("\"'“‘(") in EXCLAIMING_NAMES:
            return False  # "Yahoo! and Google"
        return not tok.endswith(("(", "["))
    if term != ".":
        return url  # "cool... http://…"; a bare ellipsis before lower case goes on
    if not _PLAIN_BEFORE.fullmatch(tok):
        return False
    if not url:
        bare = word.rstrip(",;:!?.")
        if (_LOWER_WORD.match(word) is None or bare in LOWER_ABBREVIATIONS or bare in _CONTINUING
                or tok.lstrip("\"'“‘(").lower() in LOWER_ABBREVIATIONS):
            return False
    return period_kind() == "strong"


def header_cuts(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cut the units ``spans`` of ``line`` around e-mail date-time stamps and separator rules
    and after addresses that a capital or URL follows (``spans`` itself when there is none).
    Substring tests on the whole line come first: most lines hold none of these."""
    address = "@" in line or ("/" in line and "://" in line) or "www." in line
    # (a character is found far faster than a string: each string is tested after its first one)
    rule = (("*" in line and "***" in line) or ("=" in line and "===" in line) or "----" in line
            or ("_" in line and "___" in line) or ("~" in line and "~~~" in line)
            or ("#" in line and "###" in line))
    clock = "/" in line and ":" in line
    if not (address or rule or clock):
        return spans
    out: list[tuple[int, int]] = []
    for start, end in spans:
        out.extend(_cut_unit(line, start, end, address, rule, clock))
    return out


def _cut_unit(line: str, start: int, end: int, address: bool, rule: bool, clock: bool) -> list[tuple[int, int]]:
    cuts: set[int] = set()
    for m in _STAMP.finditer(line, start, end) if clock else ():
        a, b = m.span()
        if a > 0 and not line[a - 1].isspace():
            continue  # inside a token ("112/3/2001")
        before = line.rfind(" ", start, a - 1) + 1 or start
        alone = a == start or not line[before:a].lstrip()[:1].islower()
        if alone:
            cuts.add(a)
        nxt = b
        while nxt < end and line[nxt].isspace():
            nxt += 1
        if alone or line[nxt:nxt + 1].isupper():
            cuts.add(b)
    for m in _SEPARATOR.finditer(line, start, end) if rule else ():
        cuts.update(m.span())
    for m in _ADDRESS_THEN.finditer(line, start, end) if address else ():
        cuts.add(m.end(1))
    if not cuts:
        return [(start, end)]
    spans: list[tuple[int, int]] = []
    for cut in sorted(cuts):
        stop = cut
        while stop > start and line[stop - 1].isspace():
            stop -= 1
        if stop > start:
            spans.append((start, stop))
            start = cut
        while start < end and line[start].isspace():
            start += 1
    if start < end:
        spans.append((start, end))
    return spans
