"""Sentence ends as evidence of a link's shape, learned from the document.

Without MT, the aligner of two scripts sees few shared words, and a link's shape (1-1, 2-1,
1-0 ...) rests mostly on lengths, which cannot tell a short sentence left untranslated from
one merged into its neighbour. The number of sentence ends can: a translation usually keeps
them, so two source sentences merged into one English sentence still hold two ends
(``"Gut. Danke."`` / ``"Good, thanks."`` is the exception), while a source sentence that was
left out, wrongly merged into its neighbour's link, adds an end the English lacks.

:func:`ends` counts them in any script (full stops, question and exclamation marks;
:func:`~pipeline.alignment.signals.marks`). :func:`estimate` learns from the links of a first
alignment of the same document how often both sides of a link hold the same number (``p``)
and how often they would by chance (``q``: the agreement of the two sides' counts paired at
random, as Cohen's kappa counts chance), and a link then scores the log-likelihood ratio
``log(p / q)`` when its counts agree and ``log((1 - p) / (1 - q))`` when they differ:
evidence above chance, as the content term is similarity above the document's base. A
document whose translation does not keep its sentence ends (``p`` not above ``q``), or whose
sentences all hold one end and links one sentence (nothing to tell apart), gets no such
evidence. Nothing is set per language.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .signals import STOP

_ASKS = re.compile("[?？؟\u037e!！]")

#: Fewest links (with both sides) from which the model is learned.
MIN_LINKS = 3


def ends(text: str) -> int:
    """The sentence ends of ``text``: full stops (of any script, not those of ``U.S.`` or
    ``3.5``), question and exclamation marks of every script, as
    :func:`~pipeline.alignment.signals.marks` counts them."""
    return len(STOP.findall(text)) + len(_ASKS.findall(text))


@dataclass(frozen=True)
class EndsModel:
    """Log-likelihood ratios of a link whose two sides hold the same number of sentence
    ends (``agree``) or not (``differ``); zero for both when nothing was learned."""

    agree: float = 0.0
    differ: float = 0.0
    #: Links the model was learned from (0: none).
    links: int = 0


def estimate(pairs: Sequence[tuple[int, int]]) -> EndsModel:
    """The model of ``pairs`` of (source, target) sentence-end counts of the links of a first
    alignment (see the module docstring); ``p`` and ``q`` are smoothed by one link each way
    (Laplace), so a short document cannot make either certain."""
    n = len(pairs)
    if n < MIN_LINKS:
        return EndsModel()
    p = (sum(x == y for x, y in pairs) + 1) / (n + 2)
    src, tgt = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    q = (sum(src[k] * tgt[k] for k in src) / n + 1) / (n + 2)
    if p <= q:
        return EndsModel(links=n)
    return EndsModel(math.log(p / q), math.log((1 - p) / (1 - q)), n)
