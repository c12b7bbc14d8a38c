"""Aligning an existing translation with its original, sentence by sentence, for any pair
(``src_lang`` / ``tgt_lang``; German and English by default).

    >>> from pipeline.alignment import align
    >>> [link.kind for link in align(["Guten Tag.", "Wie geht es Anna?"],
    ...                              ["Good day.", "How is Anna?"])]
    ['1-1', '1-1']

Two parts that can be replaced and tested alone (Vecalign's split):

* :mod:`pipeline.alignment.score` — the score of one link: Gale-Church prior and length model
  plus character-trigram similarity of the English with the machine translation of the German
  (or, without MT, with the German itself: names, numbers, cognates).
* :mod:`pipeline.alignment.search` — the best monotone path of 0-1, 1-0, 1-1, 1-2, 2-1, 2-2, 1-3
  and 3-1 links through a band of the lattice, for any scorer.

Beside them, :mod:`pipeline.alignment.signals` (what any two scripts share: romanised letters,
digits, punctuation), :mod:`pipeline.alignment.quantities` (numbers by value, however written),
:mod:`pipeline.alignment.lengths` (the pair's length model) and :mod:`pipeline.alignment.ends`
(how surely a link keeps its sentence ends), both learned from the document. Pure Python and numpy; no model is loaded here (MT, when used, is passed
in).
"""

from __future__ import annotations

from .aligner import ALIGNER, Alignment, AlignParams, Link, align, align_document, resolve_params
from .score import PRIORS, Estimates, NgramScorer
from .search import LINK_TYPES, Band, band_around, best_path, diagonal_band, full_band

__all__ = [
    "ALIGNER", "LINK_TYPES", "PRIORS", "AlignParams", "Alignment", "Band", "Estimates", "Link",
    "NgramScorer", "align", "align_document", "band_around", "best_path", "diagonal_band",
    "full_band", "resolve_params",
]
