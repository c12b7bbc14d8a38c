"""Which language a text is written in, as an ISO 639-1 code.

Two libraries whose models ship inside their wheels (nothing is downloaded), each where it was
measured best (``bench/langid.py``, docs/benchmarks.md), both restricted to the candidate
languages:

* **py3langid** (langid.py's naive Bayes classifier over byte n-grams, modernised) for texts of
  :data:`SHORT` characters or more: as accurate as any library measured on sentences and
  paragraphs, and among the fastest.
* **langidentify** (character n-grams plus the frequencies of whole words) for shorter texts
  (headlines, fragments): in a text of a few words, knowing its words is what decides, and
  there it was the most accurate library measured.
  Its answer is checked twice: where it is unsure (its two best languages score alike) and
  py3langid is sure, py3langid's answer is taken; and where the text holds letters that the
  answer's alphabet lacks but a close language's has (``ы``, ``ї``, ``ř``, ``ã``, ``ø``:
  :mod:`.letters`), the most probable close language that writes them is.

Before either model, the script decides where it alone can (facts of the writing systems, not
of any data set): Korean is written in Hangul, Greek, Hebrew and Thai in their own scripts.
Japanese running text is 30–60 % kana, which Chinese never uses; a Han-only text is Chinese
unless it has a character form that only Japanese uses (shinjitai such as 戦, 駅, 円, which
Chinese writes 战/戰, 驿/驛, 圆/圓). The script that holds most of the letters decides, so a
quotation in another script does not.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..errors import LanguageNotIdentifiedError, UnknownLanguageError
from .letters import consistent

#: Languages considered when no ``candidates`` are given: the languages of European news and
#: the most widely published languages of the rest of the world, each a source language of
#: OPUS-MT (some only of its multilingual models). Every language a caller cannot use costs
#: accuracy (Norwegian takes Danish and Swedish fragments): pass ``candidates``.
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "ar", "be", "bg", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr",
    "he", "hi", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "mk", "nl", "no", "pl", "pt",
    "ro", "ru", "sk", "sl", "sq", "sr", "sv", "th", "tr", "uk", "ur", "vi", "zh")

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
#: Hiragana, katakana (with its middle dot and prolonged-sound mark), half-width katakana
_KANA = re.compile("[\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9d]")
#: Scripts that one language of the candidates owns: the letters' majority decides.
_OWN_SCRIPTS = (
    ("ko", re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")),
    ("el", re.compile("[\u0370-\u03ff\u1f00-\u1fff]")),
    ("he", re.compile("[\u0590-\u05ff]")),
    ("th", re.compile("[\u0e00-\u0e7f]")),
)
#: Kanji forms used only in Japanese: Chinese writes each differently in both its simplified
#: and its traditional script (戦: 战/戰, 駅: 驿/驛), and kokuji made in Japan (込, 働, 畑).
_JAPANESE_ONLY_HAN = frozenset(
    "戦円駅発気対図県広楽読売験関経済総歳桜様辺権鉄転児変価険査沢浜塩営労検拠挙薬歩団弾択続実"
    "帰圧応黒壊乗徳聴伝軽両隠込畑働峠枠")
#: Running Japanese text is mostly kana; a text with less is Chinese with a Japanese quotation.
_KANA_SHARE = 0.2
#: Below this many CJK characters (a headline) any kana is Japanese.
_SHORT_CJK = 40

#: Below this many characters a text is decided by langidentify (its word frequencies),
#: from here on by py3langid. Not sensitive: from 40 to 150 the shared set's figures differ
#: by one sentence.
SHORT = 60
#: langidentify is unsure of a short text when its two best languages score within this
#: relative gap (its ``Results.gap``: 0 alike, 1 decisive) ...
UNSURE_GAP = 0.05
#: ... and py3langid is sure when it gives one language more than this probability.
SURE_PROBABILITY = 0.6


@dataclass(frozen=True)
class Identification:
    """A text's language (ISO 639-1), the method that decided it (``"script"``,
    ``"langidentify"`` or ``"py3langid"``) and a confidence: py3langid's probability of that
    language among the candidates, whichever method decided (1.0 where the script did), so
    that a low figure also flags a short text on which the two models disagree."""

    language: str
    confidence: float
    method: str


def detect_language(text: str, *, candidates: Iterable[str] | None = None) -> str:
    """The ISO 639-1 code of the language ``text`` is written in, e.g. ``"uk"``.

    ``candidates`` restricts the answer to those codes (an iterable, or one comma-separated
    string; default :data:`DEFAULT_LANGUAGES`): restricting to the languages a caller can use
    is the most effective way to be right.
    Raises :class:`~pipeline.errors.LanguageNotIdentifiedError` for a text without letters and
    :class:`~pipeline.errors.UnknownLanguageError` for a candidate the models do not know.
    The models are loaded on first use: py3langid's in under a second, langidentify's in
    about 2 s once the cache holds its copy; building langidentify's for a new set of
    candidates takes up to ~30 s, once (:mod:`.short_model`).
    """
    return _decide(text, _candidates(candidates))[0]


def identify(text: str, *, candidates: Iterable[str] | None = None) -> Identification:
    """:func:`detect_language` with the method that decided and the confidence of the answer."""
    langs = _candidates(candidates)
    language, method = _decide(text, langs)
    if method == "script":
        return Identification(language, 1.0, method)
    probability = dict(_model(langs).rank(text)).get(language, 0.0)
    return Identification(language, float(probability), method)


def _decide(text: str, langs: tuple[str, ...]) -> tuple[str, str]:
    """The language of ``text`` among ``langs`` and the method that decided it."""
    letters = sum(map(str.isalpha, text))
    if not letters:
        raise LanguageNotIdentifiedError(
            f"cannot identify the language of a text without letters: {text[:40]!r}")
    by_script = _by_script(text, letters, langs)
    if by_script is not None:
        return by_script, "script"
    if len(text) < SHORT:
        short = _short_model(langs)
        found, gap = short.detect(text) if short is not None else (None, 0.0)
        if found is not None:
            return _short_answer(text, found, gap, langs), "langidentify"
    return _model(langs).classify(text)[0], "py3langid"


def _short_answer(text: str, found: str, gap: float, langs: tuple[str, ...]) -> str:
    """langidentify's answer for a short text, checked by two other kinds of evidence: where
    it is unsure (the two best languages within :data:`UNSURE_GAP`) and py3langid gives one
    language a clear majority (:data:`SURE_PROBABILITY`), py3langid's answer; and where the
    text holds letters the answer's alphabet lacks but a close language's has
    (:mod:`.letters`), the most probable of the close languages that fit."""
    ranked = None
    if gap < UNSURE_GAP:
        ranked = _model(langs).rank(text)
        if ranked[0][1] >= SURE_PROBABILITY:
            found = ranked[0][0]
    fitting = consistent(text, found, langs)
    if fitting != (found,):
        probability = dict(ranked if ranked is not None else _model(langs).rank(text))
        found = max(fitting, key=lambda lang: probability.get(lang, 0.0))
    return found


def probabilities(text: str, candidates: tuple[str, ...]) -> list[tuple[str, float]]:
    """py3langid's probability of each candidate (a sorted tuple of known codes) for
    ``text``, most probable first, normalised over the candidates."""
    return [(lang, float(p)) for lang, p in _model(candidates).rank(text)]


@lru_cache(maxsize=1)
def supported_languages() -> frozenset[str]:
    """Every ISO 639-1 code that can be a candidate (py3langid's; loads its model)."""
    return frozenset(lang for lang in _base_model().labels if len(lang) == 2)


@lru_cache(maxsize=64)
def _checked(langs: tuple[str, ...]) -> tuple[str, ...]:
    if not langs:
        raise UnknownLanguageError("no candidate languages given; name at least one "
                                   "ISO 639-1 code, or pass none for the default set")
    unknown = sorted(set(langs) - supported_languages())
    if unknown:
        raise UnknownLanguageError(
            f"the language identifier does not know {', '.join(map(repr, unknown))}; known "
            f"codes: {' '.join(sorted(supported_languages()))}")
    return langs


def _candidates(candidates: Iterable[str] | None) -> tuple[str, ...]:
    if candidates is None:
        return DEFAULT_LANGUAGES
    if isinstance(candidates, str):
        candidates = candidates.split(",")
    return _checked(tuple(sorted({str(c).strip().lower() for c in candidates} - {""})))


def _by_script(text: str, letters: int, langs: tuple[str, ...]) -> str | None:
    """The language the script decides, or None where a model must."""
    han = len(_HAN.findall(text))
    kana = len(_KANA.findall(text))
    cjk = han + kana
    if 2 * cjk > letters and ("ja" in langs or "zh" in langs):
        if kana:
            japanese = cjk < _SHORT_CJK or kana >= _KANA_SHARE * cjk
        else:
            japanese = not _JAPANESE_ONLY_HAN.isdisjoint(text)
        choice = "ja" if japanese else "zh"
        return choice if choice in langs else None
    for lang, script in _OWN_SCRIPTS:
        if lang in langs and 2 * len(script.findall(text)) > letters:
            return lang
    return None


@lru_cache(maxsize=1)
def _base_model():
    """py3langid's model with every language, normalised probabilities (loaded once)."""
    from .stored_model import load

    return load()


@lru_cache(maxsize=16)
def _model(langs: tuple[str, ...]):
    """py3langid restricted to ``langs`` (a copy sharing the base model's arrays)."""
    model = copy.copy(_base_model())
    model.set_languages(langs)
    return model


class _ShortModel:
    """langidentify restricted to the candidates it knows (all of the default set). Its
    detector keeps scores between calls, so calls are serialised."""

    def __init__(self, langs: tuple[str, ...]):
        from langidentify import Detector, Language

        from . import short_model

        chosen = [lang for lang in Language if _iso(lang) in langs]
        self._unknown = Language.UNKNOWN
        # The lite model of the wheel, with Model.load_lite's thresholds: the same answers
        # whether or not the optional full model is installed. (load_lite itself looks for
        # the first language's file and falls back to the full model when that language is
        # Chinese, which the lite model leaves to its CJ classifier.) Read from the cache's
        # copy after the first build (:mod:`.short_model`).
        self._detector = Detector(short_model.load(chosen))
        self._langs = frozenset(langs)
        self._lock = threading.Lock()

    def detect(self, text: str) -> tuple[str | None, float]:
        """The language, or None where langidentify cannot tell among the candidates, and
        its confidence gap (0: the two best languages scored alike, 1: decisive)."""
        with self._lock:
            found = self._detector.detect(text)
            gap = float(self._detector.results.gap)
        if found is None or found == self._unknown or _iso(found) not in self._langs:
            return None, 0.0  # its CJ classifier can answer ja for zh-only candidates
        return _iso(found), gap


@lru_cache(maxsize=16)
def _short_model(langs: tuple[str, ...]) -> _ShortModel | None:
    """The short-text model for ``langs``, or None when langidentify knows fewer than two."""
    from langidentify import Language

    known = {_iso(lang) for lang in Language} & set(langs)
    return _ShortModel(langs) if len(known) >= 2 else None


def _iso(lang) -> str:
    """A langidentify language's ISO 639-1 code (zh-hans and zh-hant are both zh)."""
    return lang.value[0].split("-")[0]
