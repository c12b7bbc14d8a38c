"""The pair registry: which translation pairs have an OPUS-MT model, and in which repository.

``pairs.toml`` (next to this module) lists, per model family, the targets of each source
language (its header names where the list comes from). A :class:`Pair` is a source and a
target code; :func:`repo_for` names its repository, :func:`route` the models a translation
goes through: one when a direct model exists, else two through a pivot language (English).
A pin (revision, file digests) is never here: that is models.lock's (:mod:`pipeline.lock`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import LanguageError, ModelUnavailableError

PAIRS_FILE = Path(__file__).with_name("pairs.toml")
#: Model families: the name used with --big / in lock keys, and the repository pattern.
FAMILIES = {"opus-mt": "Helsinki-NLP/opus-mt-{src}-{tgt}",
            "tc-big": "Helsinki-NLP/opus-mt-tc-big-{src}-{tgt}"}
DEFAULT_FAMILY = "opus-mt"
DEFAULT_PAIR = "de-en"
PIVOT = "en"
_CODE = re.compile(r"[a-z]{2,3}")
_REPO = re.compile(r"Helsinki-NLP/opus-mt-(tc-big-)?([a-z]{2,3})-([a-z]{2,3})")


@dataclass(frozen=True, order=True)
class Pair:
    """A translation direction, ``src`` into ``tgt`` (ISO 639-1 codes)."""

    src: str
    tgt: str

    @classmethod
    def parse(cls, text: str) -> Pair:
        """``"fr-en"`` -> Pair("fr", "en"); anything else is a :class:`LanguageError`."""
        parts = text.strip().lower().split("-") if isinstance(text, str) else []
        if len(parts) != 2 or not all(_CODE.fullmatch(p) for p in parts):
            raise LanguageError(f"{text!r} is not a language pair; write SRC-TGT with ISO 639-1 "
                                "codes, e.g. fr-en")
        if parts[0] == parts[1]:
            raise LanguageError(f"{text!r}: source and target are the same language")
        return cls(parts[0], parts[1])

    @property
    def name(self) -> str:
        return f"{self.src}-{self.tgt}"

    def __str__(self) -> str:
        return self.name


def lock_key(pair: Pair, family: str = DEFAULT_FAMILY) -> str:
    """The name of a pair's pin in models.lock: ``fr-en``, or ``tc-big-fr-en``."""
    return pair.name if family == DEFAULT_FAMILY else f"{family}-{pair.name}"


@lru_cache(maxsize=1)
def _registry() -> dict[str, frozenset[tuple[str, str]]]:
    raw = tomllib.loads(PAIRS_FILE.read_text(encoding="utf-8"))
    return {family: frozenset((src, tgt) for src, targets in raw.get(family, {}).items()
                              for tgt in targets)
            for family in FAMILIES}


def has_model(pair: Pair, family: str = DEFAULT_FAMILY) -> bool:
    """True when the registry lists a model of ``family`` for ``pair``."""
    return (pair.src, pair.tgt) in _registry()[_family(family)]


def pairs(family: str = DEFAULT_FAMILY) -> list[Pair]:
    """Every pair of ``family`` in the registry, sorted."""
    return sorted(Pair(s, t) for s, t in _registry()[_family(family)])


def repo_for(pair: Pair, family: str = DEFAULT_FAMILY) -> str:
    """The hub repository of ``pair``'s model; a pair the registry does not list is a
    :class:`ModelUnavailableError` naming the ways on."""
    if not has_model(pair, family):
        raise ModelUnavailableError(no_model_message(pair, family))
    return FAMILIES[family].format(src=pair.src, tgt=pair.tgt)


def pair_of_repo(repo: str) -> tuple[Pair, str] | None:
    """(pair, family) of an OPUS-MT repository name, or None for any other repository."""
    m = _REPO.fullmatch(repo or "")
    if m is None or m.group(2) == m.group(3):
        return None
    return Pair(m.group(2), m.group(3)), "tc-big" if m.group(1) else DEFAULT_FAMILY


def family_for(pair: Pair, big: bool = False) -> str:
    """The model family used for ``pair``: tc-big when asked for and listed, else opus-mt."""
    return "tc-big" if big and has_model(pair, "tc-big") else DEFAULT_FAMILY


def route(pair: Pair, *, pivot: str | None = None, direct: frozenset[Pair] = frozenset(),
          forced: bool = False) -> list[Pair]:
    """The hops of a translation: ``[pair]`` when a direct model is at hand (``direct``: a
    local directory or a pin) or, unless the pivot is ``forced`` (asked for), listed in the
    registry; else ``[src-pivot, pivot-tgt]`` when both hops have a model. Raises
    :class:`ModelUnavailableError` naming the ways on."""
    def known(p: Pair) -> bool:
        return p in direct or any(has_model(p, f) for f in FAMILIES)

    if pair in direct or (known(pair) and not forced):
        return [pair]
    if pivot is not None and pivot not in (pair.src, pair.tgt):
        hops = [Pair(pair.src, pivot), Pair(pivot, pair.tgt)]
        if all(known(h) for h in hops):
            return hops
    if known(pair):
        return [pair]
    raise ModelUnavailableError(no_model_message(pair, pivot=pivot))


def no_model_message(pair: Pair, family: str = DEFAULT_FAMILY, pivot: str | None = None) -> str:
    """Why ``pair`` cannot be translated, and the ways on."""
    tried = f" (nor through {pivot})" if pivot else ""
    ways = [f"--model-dir {pair.name}=DIR with a local MarianMT model of that pair"]
    if pivot is None and PIVOT not in (pair.src, pair.tgt):
        ways.append(f"--pivot {PIVOT} (through English, two models)")
    return (f"no OPUS-MT model for {pair.name} in the pair registry{tried} "
            f"({PAIRS_FILE.name}); use " + ", or ".join(ways))


def _family(family: str) -> str:
    if family not in FAMILIES:
        raise LanguageError(f"unknown model family {family!r}; choose one of "
                            f"{', '.join(FAMILIES)}")
    return family


__all__ = ["Pair", "FAMILIES", "DEFAULT_FAMILY", "DEFAULT_PAIR", "PIVOT", "has_model", "pairs",
           "repo_for", "pair_of_repo", "route", "family_for", "lock_key", "no_model_message"]
