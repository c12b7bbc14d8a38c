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

import numpy as np

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


def estimate(pairs: Sequence[tuple[int, int]], prior: LengthModel,
             strength: float) -> LengthModel:
    """The length model of ``pairs`` of (source, target) character lengths of one-to-one
    links: the ratio of their total lengths, and the maximum-likelihood variance per
    character of their deviations from it (``mean((y - c x)^2 / ((c x + y) / 2))``, Gale &
    Church's model), averaged with ``prior.variance`` weighing ``strength`` links. The mean,
    not a robust median, on purpose: the search needs the spread of all links, tails
    included (a median-based estimate, about a quarter of Gale & Church's 6.8 for German,
    made the length term too sharp on long documents). With fewer than :data:`MIN_LINKS`
    usable pairs the prior is returned unchanged."""
    x = np.array([p[0] for p in pairs if p[0] > 0 and p[1] > 0], dtype=float)
    y = np.array([p[1] for p in pairs if p[0] > 0 and p[1] > 0], dtype=float)
    if len(x) < MIN_LINKS:
        return prior
    ratio = float(y.sum() / x.sum())
    measured = float(np.mean((y - ratio * x) ** 2 / ((ratio * x + y) / 2)))
    variance = (len(x) * measured + strength * prior.variance) / (len(x) + strength)
    return LengthModel(ratio, max(variance, 1e-3), len(x))
