"""Numbers by value, however they are written: evidence that any two languages share.

Digit trigrams (:func:`pipeline.alignment.signals.features`) match ``2022`` with ``2022``, but
not the same quantity written in two conventions: ``30.000`` (German) and ``30,000``
(English) share only ``<30``; ``3万`` (Chinese and Japanese count in ten-thousands) and
``30,000`` share nothing; nor do ``三百万`` and ``3 million``, ``1,2 млрд`` and
``1.2 billion``. :func:`quantities` reads each number of a text as its value and gives one
token per number (``#30000``, ``#3e+06``), the same on both sides of a translation:

* digits of any script (NFKC and :func:`~pipeline.alignment.signals.digits` make them ASCII),
  in groups of three after one to three digits, separated by ``,`` ``.`` ``'`` or a space
  (no-break, thin or plain): thousands; then a decimal mark (``,`` or ``.``) and digits;
* a multiplier after the number: a word of the table :data:`MULTIPLIERS` (``million``,
  ``Mio.``, ``млн``, ``miliard``, ``מיליון`` ...; words that mean different amounts in
  different languages, such as ``mil`` or ``billion`` in the long scale, are left out) or
  the Chinese and Japanese units ``十 百 千 万 萬 亿 億``;
* Chinese and Japanese numerals (``三百万``, ``二〇二二``, ``一亿三千万``), when two or more
  numeral characters stand together and read as one number: a lone ``一`` or ``三`` is more
  often part of a word (``一起`` together, ``三星`` Samsung) than a number, and runs such as
  ``七八十`` (seventy or eighty) name no single value.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from .signals import digits

#: Number words that multiply the number before them, by their lower-case start (a word
#: matches the longest entry it begins with), in the scripts the aligner reads. Only words
#: that name one amount in every language that writes them.
MULTIPLIERS: dict[str, float] = {
    **dict.fromkeys(("thousand", "tausend", "тыс", "тис", "tis", "tys", "אלף", "ألف"), 1e3),
    **dict.fromkeys(("million", "mio", "mln", "млн", "миллион", "мільйон", "мiльйон",
                     "milion", "milión", "millón", "miljoen", "מיליון", "مليون"), 1e6),
    **dict.fromkeys(("mrd", "млрд", "миллиард", "мільярд", "miliard", "milliard",
                     "miljard", "מיליארד", "مليار"), 1e9),
    "billion": 1e9, "bn": 1e9,
    **dict.fromkeys(("трлн", "триллион", "трильйон", "trillion", "bilion", "טריליון"), 1e12),
}
_CJK_DIGITS = {**dict.fromkeys("〇零", 0), "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3,
               "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8}
_CJK = "".join((*_CJK_DIGITS, *_SMALL_UNITS, *_BIG_UNITS))
_WORDS = sorted(MULTIPLIERS, key=len, reverse=True)
_NUMBER = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:[,.'\u00a0\u202f\u2009 ]\d{3}(?!\d))+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?:\s?([^\W\d_]+\.?))?")
#: A Chinese or Japanese number: numerals, units and digits together (``1億2000万``).
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_ANY = re.compile(r"[\d" + "".join((*_CJK_DIGITS, *_SMALL_UNITS)) + "]")
_CJK_RUN = re.compile(r"(?:" + _DIGITS + r"|[" + _CJK + r"])+")

def _digits_value(number: str) -> float:
    """The value of digits with separators (see the module docstring): ``30.000`` and
    ``30 000`` are 30000, ``3,5`` is 3.5."""
    grouped = re.fullmatch(r"(\d{1,3}(?:\D\d{3})+)(?:[.,](\d+))?", number)
    if grouped:
        return float(re.sub(r"\D", "", grouped.group(1)) + "." + (grouped.group(2) or "0"))
    return float(number.replace(",", "."))


def cjk_value(text: str) -> float | None:
    """The value of a Chinese or Japanese number (``三百万`` -> 3000000, ``1.2亿`` ->
    120000000, ``二〇二二`` -> 2022), or ``None`` when ``text`` is not one number
    (``七八十``, ``万万``)."""
    total = section = 0.0
    current: float | None = None
    digit_run = ""
    for piece in re.findall(_DIGITS + "|.", text):
        if piece[0].isdigit() or piece in _CJK_DIGITS:
            if piece in _CJK_DIGITS and not any(u in text for u in (*_SMALL_UNITS, *_BIG_UNITS)):
                digit_run += str(_CJK_DIGITS[piece])  # 二〇二二: digits read one by one
                continue
            if current is not None:
                return None
            current = float(piece.replace(",", "")) if piece[0].isdigit() \
                else float(_CJK_DIGITS[piece])
        elif piece in _SMALL_UNITS:
            section += (1.0 if current is None else current) * _SMALL_UNITS[piece]
            current = None
        elif piece in _BIG_UNITS:
            section += current or 0.0
            if section == 0 and total == 0:
                return None
            total = total * _BIG_UNITS[piece] if section == 0 else \
                total + section * _BIG_UNITS[piece]
            section, current = 0.0, None
        else:
            return None
    if digit_run:
        return float(digit_run) if current is None and not section and not total else None
    return total + section + (current or 0.0)


def _multiplier(word: str) -> float | None:
    low = word.lower()
    return next((MULTIPLIERS[w] for w in _WORDS if low.startswith(w)), None)


def _token(value: float) -> str:
    return f"#{value:.6g}"


def quantities(text: str) -> Counter[str]:
    """One token per number of ``text``, naming its value (see the module docstring):
    ``quantities("3万人")`` == ``quantities("30,000 people")`` == ``{"#30000": 1}``."""
    if not _ANY.search(text):
        return Counter()
    text = digits(unicodedata.normalize("NFKC", text))
    out: Counter[str] = Counter()
    rest = []
    for piece in re.split(f"({_CJK_RUN.pattern})", text):
        cjk = sum(ch in _CJK for ch in piece)
        value = cjk_value(piece) if cjk and (cjk >= 2 or cjk < len(piece)) else None
        if value is None:
            rest.append(piece)
        else:
            out[_token(value)] += 1
            rest.append(" ")
    for match in _NUMBER.finditer("".join(rest)):
        number, word = match.groups()
        out[_token(_digits_value(number) * (_multiplier(word or "") or 1.0))] += 1
    return out
