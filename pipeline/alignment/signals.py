"""Script-independent evidence that two sentences translate each other, for aligning without MT.

Without a machine translation the aligner compares the source sentence with the target sentence
directly. Between two Latin-script languages their character trigrams meet in names, numbers and
cognates; between scripts they meet in nothing unless the source is brought into the target's
script first. :func:`romanize` does that, letter by letter and without a dictionary:

* **Cyrillic** (ru, uk, be, bg, sr, mk) and **Greek**: a transliteration close to the English
  conventions for names (``Зеленский`` -> ``zelenskiy``, ``Харків`` -> ``kharkiv`` for
  Ukrainian, whose ``г`` is ``h``).
* **Hebrew** and **Arabic** (abjads) and **Japanese kana**: a transliteration whose vowels are
  then dropped, on both sides (:func:`skeleton`), because the source writes few or different
  vowels: ``טראמפ`` and ``Trump`` both become ``trmp``, ``バイデン`` and ``Biden`` ``bdn``.
* **Han** characters (Chinese, Japanese kanji) carry no sound that a table could give; they are
  dropped from the evidence (they could only ever be grams that match nothing).

Text in other scripts is first brought to Unicode's compatibility forms (NFKC), so that the
full-width Latin letters of CJK text (``ＮＨＫ``) are Latin letters and half-width kana are kana.
Every script also shares **numbers** (any Unicode decimal digit is read as its value:
``٢٠٢٢``, ``２０２２`` and ``2022`` are one token; thousands and decimal separators of any
convention split a number into the same digit groups), **punctuation that carries meaning**
(``?``, ``!``, ``%``, quotation marks, brackets, commas and sentence stops of every
script; :func:`marks`) and Latin-script
words inside non-Latin text (names, acronyms, URLs), which pass through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

#: Languages written in a consonantal script or syllabary, whose words are compared as
#: consonant skeletons (:func:`skeleton`) when aligning without MT.
SKELETON_SCRIPTS = frozenset({"Hebrew", "Arabic", "Kana"})

_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўђјљњћџѓќѕ",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi",
     "ye", "g", "w", "dj", "j", "lj", "nj", "c", "dz", "g", "k", "dz"]))
#: Per-language differences from the common Cyrillic table (Ukrainian and Belarusian г is h,
#: Ukrainian и is y; Bulgarian ъ is a vowel and щ is sht).
_CYRILLIC_LANG = {"uk": {"г": "h", "и": "y"}, "be": {"г": "h"}, "bg": {"ъ": "a", "щ": "sht"}}
_GREEK = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω",
                  ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o",
                   "p", "r", "s", "s", "t", "y", "f", "ch", "ps", "o"]))
_HEBREW = dict(zip("אבגדהוזחטיךכלםמןנסעףפץצקרשת",
                   ["", "b", "g", "d", "h", "w", "z", "kh", "t", "y", "kh", "k", "l", "m", "m",
                    "n", "n", "s", "", "f", "p", "ts", "ts", "k", "r", "sh", "t"]))
_ARABIC = dict(zip("ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي",
                   ["", "a", "a", "", "i", "", "a", "b", "h", "t", "th", "j", "h", "kh", "d", "dh",
                    "r", "z", "s", "sh", "s", "d", "t", "z", "", "gh", "f", "q", "k", "l", "m",
                    "n", "h", "w", "a", "y"]))
_KANA_ROWS = {
    "": "aiueo", "k": "かきくけこ", "s": "さしすせそ", "t": "たちつてと", "n": "なにぬねの",
    "h": "はひふへほ", "m": "まみむめも", "y": "や ゆ よ", "r": "らりるれろ", "w": "わゐ ゑを",
    "g": "がぎぐげご", "z": "ざじずぜぞ", "d": "だぢづでど", "b": "ばびぶべぼ", "p": "ぱぴぷぺぽ"}
_VOWELS = "aiueo"


def _kana_table() -> dict[str, str]:
    table = dict(zip("あいうえお", _VOWELS))
    for consonant, row in _KANA_ROWS.items():
        if consonant:
            table.update({ch: consonant + v for ch, v in zip(row, _VOWELS) if ch != " "})
    table.update({"し": "shi", "ち": "chi", "つ": "tsu", "ふ": "fu", "じ": "ji", "ぢ": "ji",
                  "づ": "zu", "を": "o", "ん": "n", "ゔ": "vu",
                  "ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o", "ゃ": "ya", "ゅ": "yu",
                  "ょ": "yo", "ゎ": "wa"})
    # katakana are hiragana shifted by 0x60 in Unicode
    table.update({chr(ord(k) + 0x60): v for k, v in list(table.items())})
    table.update({"ヴ": "vu", "ー": "", "・": " ", "っ": "", "ッ": ""})
    return table


_KANA = _kana_table()
#: Cyrillic adjective endings -ий / -ый, written -y in English names (Зеленский -> Zelensky).
_ENDING = re.compile(r"(?<=\w)(?:iy|yy)\b")
_TABLES = [_CYRILLIC, _GREEK, _HEBREW, _ARABIC, _KANA]
_SCRIPT_OF = {**dict.fromkeys(_CYRILLIC, "Cyrillic"), **dict.fromkeys(_GREEK, "Greek"),
              **dict.fromkeys(_HEBREW, "Hebrew"), **dict.fromkeys(_ARABIC, "Arabic"),
              **dict.fromkeys(_KANA, "Kana")}
_SMALL_Y = {"ゃ": "ya", "ゅ": "yu", "ょ": "yo", "ャ": "ya", "ュ": "yu", "ョ": "yo"}

#: Meaningful punctuation of every script, each mapped to one class token.
_MARKS = {**dict.fromkeys("?？؟\u037e", "?"), **dict.fromkeys("!！", "!"),
          **dict.fromkeys("%％‰٪", "%"),
          **dict.fromkeys("\"“”„‟«»「」『』〝〞‹›״", "\""),
          **dict.fromkeys("(（[［【〔", "("), **dict.fromkeys(":：", ":")}
_MARK_RE = re.compile("[" + re.escape("".join(_MARKS)) + "]")
#: Commas of every script (a comma between digits belongs to a number, not counted).
_COMMA = re.compile(r"[，、،]|,(?!\d)|(?<!\d),")
#: Sentence stops: the full stops of CJK, Urdu and Devanagari, and a Latin full stop that
#: ends a word of two or more letters, a number, a bracket or a quotation (not ``U.S.``,
#: not ``3.5``), before a space or the end.
STOP = re.compile(r"[。．۔।](?!\d)|(?:(?<=[^\W\d_]{2})|(?<=[\d)\]\"”'»]))\.(?=\s|$)")
_WORD = re.compile(r"\w+")
#: Hebrew gershayim (``״``, often typed ``"``) between two Hebrew letters marks an acronym
#: (``ארה״ב`` U.S., ``צה"ל`` IDF) or a number, not a quotation.
_GERSHAYIM = re.compile("(?<=[\u05d0-\u05ea])[\"\u05f4](?=[\u05d0-\u05ea])")


def _letter(ch: str) -> str:
    """The lower-case letter, without accents unless that makes a letter of another (й, ё
    and ї stay themselves: the tables have them)."""
    low = ch.lower()
    if low in _SCRIPT_OF or low.isascii():
        return low
    return unicodedata.normalize("NFD", low)[0]


def script(ch: str) -> str:
    """The script of one letter as this module groups them: ``"Latin"``, ``"Cyrillic"``,
    ``"Greek"``, ``"Hebrew"``, ``"Arabic"``, ``"Kana"``, ``"Han"``, or ``"Other"``."""
    if ch < "\u0250":  # ASCII, Latin-1 and Latin Extended-A/B: the common case, fast
        return "Latin" if ch.isalpha() else "Other"
    low = _letter(ch)
    if low in _SCRIPT_OF and not ("a" <= low <= "z"):
        return _SCRIPT_OF[low]
    name = unicodedata.name(ch, "")
    if name.startswith("LATIN") or ("a" <= low <= "z"):
        return "Latin"
    if name.startswith(("CJK", "IDEOGRAPHIC")) or "HANGUL" in name:
        return "Han"
    return "Other"


def dominant_script(texts: list[str] | tuple[str, ...], limit: int = 2000) -> str:
    """The script of most letters among the first ``limit`` letters of ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        for ch in text:
            if ch.isalpha():
                counts[script(ch)] += 1
                if sum(counts.values()) >= limit:
                    return counts.most_common(1)[0][0]
    return counts.most_common(1)[0][0] if counts else "Latin"


def digits(text: str) -> str:
    """``text`` with every Unicode decimal digit replaced by its ASCII digit."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii()
                   else ch for ch in text)


def romanize(text: str, lang: str | None = None) -> str:
    """``text`` in lower-case Latin letters (see the module docstring): Cyrillic, Greek,
    Hebrew, Arabic and kana transliterated, digits made ASCII, Han characters replaced by a
    space, Latin letters, digits and everything else kept."""
    special = _CYRILLIC_LANG.get(lang or "", {})
    out: list[str] = []
    cyrillic = False
    text = digits(text)
    for k, ch in enumerate(text):
        low = _letter(ch)
        if low in special:
            out.append(special[low])
        elif ch in _SMALL_Y and out and out[-1][-1:] == "i":
            out[-1] = out[-1][:-1] + _SMALL_Y[ch][1:] if len(out[-1]) > 1 else _SMALL_Y[ch]
        elif ch in ("っ", "ッ") and k + 1 < len(text) and text[k + 1] in _KANA:
            out.append(_KANA[text[k + 1]][:1])  # a doubled consonant
        elif ch in ("ん", "ン") and k + 1 < len(text) and _KANA.get(text[k + 1], "")[:1] in "bmp":
            out.append("m")  # Hepburn: n before b, m, p is m (トランプ -> torampu)
        elif low in _SCRIPT_OF and not low.isascii():
            out.append(next(t[low] for t in _TABLES if low in t))
            cyrillic = cyrillic or low in _CYRILLIC
        elif ch.isalpha() and script(ch) == "Han":
            out.append(" ")
        else:
            out.append(ch)
    text = "".join(out)
    if cyrillic:
        text = _ENDING.sub("y", text)
    return text


def skeleton(word: str) -> str:
    """The consonants of a romanised word (``"trump"`` -> ``"trmp"``); a word of vowels only
    keeps its first letter, so that it is not lost."""
    bare = "".join(ch for ch in word if ch not in "aeiouyw'h")
    return bare or word[:1]


def marks(text: str) -> Counter[str]:
    """The meaningful punctuation of ``text`` as class tokens (``"¿Qué?"`` has one ``?``):
    also its commas (``,``) and sentence stops (``.``), of any script: their number follows
    the clauses and sentences of a unit, which a merged or split translation keeps.
    Hebrew gershayim inside a word (``ארה״ב``) are not quotation marks."""
    if "\u05d0" <= max(text, default=" "):
        text = _GERSHAYIM.sub("", text)
    out = Counter(_MARKS[ch] for ch in _MARK_RE.findall(text))
    out[","] = len(_COMMA.findall(text))
    out["."] = len(STOP.findall(text))
    return +out


def _runs(word: str) -> list[tuple[str, str]]:
    """A word cut where its script changes (``"2022年5月"`` -> 2022 / 年 / 5 / 月), each piece
    with its script; digits and marks count as Latin, hiragana as Han (particles and endings,
    not names)."""
    out: list[tuple[str, str]] = []
    for ch in word:
        kind = script(ch) if ch.isalpha() else "Latin"
        if kind == "Kana" and "\u3040" <= ch <= "\u309f":
            kind = "Han"
        if out and out[-1][1] == kind:
            out[-1] = (out[-1][0] + ch, kind)
        else:
            out.append((ch, kind))
    return out


def _grams(word: str, n: int, prefix: str = "") -> list[str]:
    w = f"<{word}>"
    if len(w) <= n:
        return [prefix + w]
    return [prefix + w[k:k + n] for k in range(len(w) - n + 1)]


def fold(text: str) -> str:
    """Case- and accent-folded text: ``"Größe Ćuk"`` -> ``"grosse cuk"``."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def features(text: str, lang: str | None = None, n: int = 3, *, skeletons: bool = False,
             punctuation: bool = True) -> Counter[str]:
    """The evidence of one side of a link: character ``n``-grams of its folded, romanised
    words (grams never cross words, so the features of a span of sentences are the sum of
    its sentences'), plus, with ``punctuation``, its :func:`marks`.

    Words of a consonantal script or syllabary give the ``n``-grams of their
    :func:`skeleton`, marked with ``~``; with ``skeletons`` Latin words give those too (the
    target side when the source is written in such a script). Han characters give nothing.
    """
    out: Counter[str] = Counter()
    if not text or max(text) < "\u0250":  # Latin script only: no word needs cutting
        for word in _WORD.findall(fold(text)):
            out.update(_grams(word, n))
            if skeletons and not word.isdigit():
                out.update(_grams(skeleton(word), n, "~"))
        if punctuation:
            out.update(marks(text))
        return out
    text = unicodedata.normalize("NFKC", text)  # full-width Latin (ＮＨＫ), half-width kana
    for word in _WORD.findall(digits(text)):
        runs = _runs(word) if not word.isascii() else [(word, "Latin")]
        for piece, kind in runs:
            if kind == "Han" or kind == "Other":
                continue
            if kind in SKELETON_SCRIPTS:
                out.update(_grams(skeleton(romanize(piece, lang).lower()), n, "~"))
                continue
            if kind != "Latin":
                piece = romanize(piece, lang)
            folded = fold(piece)
            out.update(_grams(folded, n))
            if skeletons and kind == "Latin" and not folded.isdigit():
                out.update(_grams(skeleton(folded), n, "~"))
    if punctuation:
        out.update(marks(text))
    return out
