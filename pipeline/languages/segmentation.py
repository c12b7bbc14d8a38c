"""The sentence-splitting data of a language, read from ``data/<code>.toml``.

A data file says what the script looks like (sentence-final punctuation, whether sentences are
separated by spaces, whether letters have case, quotation marks) and lists the words the
splitter must know (abbreviations by how they behave, sentence openers, nouns after ordinals,
boilerplate line prefixes). Word lists are whitespace-separated strings; every file names the
sources of its lists in ``sources``. ``generic.toml`` is the script-aware fallback used for a
language without a file of its own.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from ..errors import LanguageError

DATA = Path(__file__).with_name("data")
GENERIC = "generic"
_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")


@dataclass(frozen=True)
class SplitData:
    """One language's splitting data (see the module docstring and ``data/README.md``)."""

    code: str
    #: Versioned identity of the splitter built from this file, recorded in provenance.
    name: str
    #: Sentence-final punctuation that needs whitespace after it to end a sentence.
    terminators: str
    #: Sentence-final punctuation that ends a sentence with or without a space after it (。！？).
    unspaced_terminators: str = ""
    #: Opening and closing quotation marks and brackets.
    openers: str = "\"'“‘«‹([{"
    closers: str = "\"'”’»›)]}"
    #: Closing quotes may stand after a space (French ``parti. »``).
    spaced_closers: bool = False
    #: A straight quote standing alone after a terminator (``theorema. " Omdat``) closes the
    #: quotation before it when an odd number of straight quotes precedes it, else opens the
    #: next sentence.
    lone_quotes: bool = True
    #: The lower- and upper-case letters of the alphabet (regular-expression class contents,
    #: ``a-zäöüß``): sentences glued without a space (``handeln.Die``) are found with these;
    #: empty for a script without case.
    lower: str = ""
    upper: str = ""
    #: A headline or list item glued to a sentence opener (``PoliticoEin …``) is cut too.
    glued_starters: bool = False
    #: Elided words before an abbreviation (``l'art. 5``, ``dall'art. 1002``).
    elision: bool = False
    #: A number with a period may be an ordinal (``13. Februar``, ``1. miejsce``).
    ordinal_period: bool = False
    #: Abbreviations that never end a sentence (titles, ``e.g.``-like words).
    never: frozenset[str] = frozenset()
    #: Abbreviations that usually end a sentence when a capital follows (``etc.``).
    final: frozenset[str] = frozenset()
    #: Abbreviations that end a sentence only before a sentence opener (``Mio.``, ``r.``).
    weak: frozenset[str] = frozenset()
    #: Abbreviations standing before a number (``Nr. 5``): never a boundary before a digit.
    before_number: frozenset[str] = frozenset()
    #: Multi-part abbreviations (``p. ex.``, ``т. е.``) keyed without dots and spaces.
    multi_never: frozenset[str] = frozenset()
    multi_final: frozenset[str] = frozenset()
    #: Words that open sentences (pronouns, articles, conjunctions, adverbs).
    starters: frozenset[str] = frozenset()
    #: Nouns after an ordinal number (months, ``Jahrhundert``): the period is not an end.
    ordinal_nouns: frozenset[str] = frozenset()
    #: Endings of words abbreviated with a period (``Goethestr.``): no end before a number,
    #: otherwise only before a sentence opener.
    abbreviation_suffixes: tuple[str, ...] = ()
    #: Words before a number that make it a quantity, not an ordinal (Turkish ``yüzde 38.``).
    quantity_words: frozenset[str] = frozenset()
    #: Words that, ending a segment before a colon, end a sentence there when a capital follows
    #: (Turkish reporting: ``şunları söyledi: Belirsizlikler …``).
    colon_enders: frozenset[str] = frozenset()
    #: Words that continue a sentence after a closing quotation (Japanese ``と``).
    quote_continuations: tuple[str, ...] = ()
    #: Prefixes of navigation and site furniture lines.
    boilerplate: tuple[str, ...] = ()
    #: Where the lists come from.
    sources: str = ""


_SETS = {f.name for f in fields(SplitData) if f.type == "frozenset[str]"}
_TUPLES = {"quote_continuations", "boilerplate", "abbreviation_suffixes"}
_STRINGS = {"code", "name", "terminators", "unspaced_terminators", "openers", "closers", "sources",
            "lower", "upper"}
_BOOLS = {"spaced_closers", "ordinal_period", "glued_starters", "elision", "lone_quotes"}


def check_code(lang: str) -> str:
    """``lang`` if it looks like a language code (``fr``, ``yue``, ``pt-BR``); raises
    :class:`LanguageError` otherwise."""
    if not isinstance(lang, str) or not _CODE.fullmatch(lang):
        raise LanguageError(f"{lang!r} is not a language code; use an ISO 639 code such as "
                            f"'fr' or 'ja'")
    return lang


def available() -> tuple[str, ...]:
    """Codes of the languages with a data file of their own, sorted."""
    return tuple(sorted(p.stem for p in DATA.glob("*.toml") if p.stem != GENERIC))


@lru_cache(maxsize=None)
def load(code: str) -> SplitData:
    """The splitting data of ``code`` (``generic`` for the fallback); raises
    :class:`LanguageError` when there is no such file or it is malformed."""
    path = DATA / f"{code}.toml"
    if code != GENERIC:
        check_code(code)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LanguageError(f"no splitting data for language {code!r} ({path})") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LanguageError(f"{path}: cannot read the language data: {exc}") from None
    return _parse(raw, code, path)


def _parse(raw: dict, code: str, path: Path) -> SplitData:
    values: dict[str, object] = {"code": code}
    lists = raw.pop("words", {})
    if not isinstance(lists, dict):
        raise LanguageError(f"{path}: [words] must be a table of word lists")
    for key, value in list(raw.items()) + list(lists.items()):
        if key in _SETS:
            if not isinstance(value, str):
                raise LanguageError(f"{path}: {key} must be a string of words separated by spaces")
            values[key] = frozenset(value.split())
        elif key in _TUPLES:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise LanguageError(f"{path}: {key} must be a list of strings")
            values[key] = tuple(value)
        elif key in _STRINGS and key != "code":
            if not isinstance(value, str):
                raise LanguageError(f"{path}: {key} must be a string")
            values[key] = value
        elif key in _BOOLS:
            if not isinstance(value, bool):
                raise LanguageError(f"{path}: {key} must be true or false")
            values[key] = value
        else:
            raise LanguageError(f"{path}: unknown key {key!r}")
    for key in ("name", "terminators"):
        if key not in values:
            raise LanguageError(f"{path}: {key} is missing")
    return SplitData(**values)
