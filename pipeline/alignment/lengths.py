"""The length model of a language pair, learned from the document being aligned.

Gale & Church model the target length of a link as ``c`` times its source length with a
variance of ``s2`` per character. Both depend on the pair and on the text: German and English
have about the same number of characters per sentence, Chinese and Japanese 3-4 times fewer
than English, and the fewer characters a script needs, the more a sentence's length varies
around the mean ratio. Nothing here is a constant per language: :func:`estimate` measures
``c`` and ``s2`` on the one-to-one links of a first alignment of the same
document, and :class:`LengthModel` keeps the published values only as a prior of a few links'
weight, so a short document cannot move far from them on little evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .signals import script

#: Gale & Church's variance per character (1993), the prior of the estimate.
GALE_CHURCH_VARIANCE = 6.8
#: Fewest one-to-one links from which a document's own length model is estimated.
MIN_LINKS = 3


@dataclass(frozen=True)
class LengthModel:
    """Target characters per source character (``ratio``) and variance per character."""

    ratio: float
    variance: float
    #: One-to-one links the model was measured on (0: the prior).
    links: int = 0


def estimate(pairs: Sequence[tuple[int, ...]], prior: LengthModel,
             strength: float) -> LengthModel:
    """The length model of ``pairs`` of (source, target) character lengths of one-to-one
    links: the ratio of their total lengths, and the maximum-likelihood variance per
    character of their deviations from it (``mean((y - c x)^2 / ((c x + y) / 2))``, Gale &
    Church's model), averaged with ``prior.variance`` weighing ``strength`` links. The mean,
    not a robust median, on purpose: the search needs the spread of all links, tails
    included (a median-based estimate, about a quarter of Gale & Church's 6.8 for German,
    made the length term too sharp on long documents). With fewer than :data:`MIN_LINKS`
    usable pairs the prior is returned unchanged.

    A pair may carry a third length, source characters *kept* as they are (digits, Latin
    names and punctuation inside a text of another script, :func:`split_length`): the
    target is then predicted as ``c x + kept`` and only ``c`` is measured, as
    ``(sum y - sum kept) / sum x``."""
    rows = [(p[0], p[1], p[2] if len(p) > 2 else 0) for p in pairs]
    rows = [r for r in rows if r[0] > 0 and r[1] > 0]
    if len(rows) < MIN_LINKS:
        return prior
    x, y, kept = (np.array(col, dtype=float) for col in zip(*rows))
    ratio = float((y.sum() - kept.sum()) / x.sum())
    if not ratio > 0:  # the kept characters alone are longer than the target: no model
        return prior
    predicted = ratio * x + kept
    measured = float(np.mean((y - predicted) ** 2 / ((predicted + y) / 2)))
    variance = (len(x) * measured + strength * prior.variance) / (len(x) + strength)
    return LengthModel(ratio, max(variance, 1e-3), len(x))


def split_length(text: str, tgt_script: str) -> tuple[int, int]:
    """The length of ``text`` (whitespace runs counted as one space) as (characters to
    scale, characters kept): letters of a script other than ``tgt_script`` are translated
    into the target's script at the pair's ratio, everything else (digits, punctuation,
    spaces, names already in the target's script, URLs) is carried over about one for one.
    A Chinese sentence with ``LP700`` in it is longer in English by the ratio for its Han
    characters only, not for those five."""
    text = " ".join(text.split())
    if not text or max(text) < "\u0250":  # Latin letters only: none to scale for Latin
        scaled = 0 if tgt_script == "Latin" else sum(1 for ch in text if ch.isalpha())
    else:
        scaled = sum(_foreign(ch, tgt_script) for ch in text)
    return scaled, len(text) - scaled


@lru_cache(maxsize=65536)
def _foreign(ch: str, tgt_script: str) -> bool:
    """Whether ``ch`` is a letter of another script than ``tgt_script``."""
    return ch.isalpha() and script(ch) != tgt_script
