"""Aligning a document with an existing translation, sentence by sentence, for any pair of
languages (German and English by default).

:func:`align` scores links with :class:`~pipeline.alignment.score.NgramScorer` and finds the best
path with :func:`~pipeline.alignment.search.best_path`.

* Short documents (up to ``full_search_cells`` lattice cells) are searched whole. Long ones are
  searched twice, as in Bertalign: a first pass with 1-1, 1-0 and 0-1 links only, inside a
  diagonal band, finds the rough path; the full search then looks only within ``band``
  sentences of it. If a path runs along an inner edge of its band, the band is doubled and the
  pass repeated, so the band limits time, not the result.
* The length model is then learned from the path's one-to-one links (the pair's and
  document's own ratio and variance, :mod:`pipeline.alignment.lengths`), with how often a
  link's two sides hold as many sentence ends (:mod:`pipeline.alignment.ends`), and the
  search repeated.
* The link-type priors are then re-estimated from the document's own path (hard EM, the
  published priors counting as ``prior_strength`` links) and the search repeated
  ``prior_updates`` times: a document with many unaligned or merged sentences gets priors that
  fit it instead of Gale and Church's 1% deletions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np

from ..errors import InputError
from .ends import estimate as estimate_ends
from .lengths import GALE_CHURCH_VARIANCE, LengthModel, estimate
from .score import PRIORS, Estimates, NgramScorer
from .search import Band, Step, band_around, best_path, check_types, diagonal_band, full_band

#: Name and version of the aligner (bump when the same input may give different links).
ALIGNER = "pipeline-align/1.4"

_FIRST_PASS = ((1, 1), (1, 0), (0, 1))


@dataclass(frozen=True)
class AlignParams:
    """Every setting of the aligner. The defaults are published values (Gale & Church's priors
    and variance), values measured on each document (``length_ratio``, ``base``) or round
    values set by reasoning (``length_outliers``, ``prior_strength``). Only ``content_weight``
    was chosen by measurement: on the NTREX set without MT, then used unchanged with MT (see
    ``bench/alignment.py --sweep``)."""

    #: Prior probability of each allowed link type (the types searched, ties broken in order).
    priors: Mapping[tuple[int, int], float] = field(default_factory=lambda: dict(PRIORS))
    #: Weight of the content evidence (per unit of Dice similarity above the base).
    content_weight: float = 30.0
    #: Weight of the Gale-Church length log probability.
    length_weight: float = 1.0
    #: Gale-Church variance per character (the prior of the document's own estimate).
    length_variance: float = GALE_CHURCH_VARIANCE
    #: Re-estimate the length ratio and variance from the first path's 1-1 links
    #: (:mod:`pipeline.alignment.lengths`) and search again.
    learn_length: bool = True
    #: Weight of ``length_variance`` in that estimate, in links.
    length_strength: float = 10.0
    #: Also score each 2-2 link as a crossing (source ``[x+y, z]``, target ``[x, y+z]``)
    #: made of three translated pieces (:meth:`~pipeline.alignment.score.NgramScorer.content`).
    crossings: bool = True
    #: Also compare numbers by value, however written (``3万`` = ``30,000``,
    #: :mod:`pipeline.alignment.quantities`).
    values: bool = True
    #: Learn from the first path how often a link's two sides hold as many sentence ends,
    #: and score that (:mod:`pipeline.alignment.ends`), with the length model.
    learn_ends: bool = True
    #: Without MT, give the source the target words of its words where the pair has a word
    #: list (:mod:`pipeline.alignment.lexicon`: Chinese and Japanese into English), or the
    #: target the source words of its words where the reverse pair has one.
    lexicon: bool = True
    #: Character n-gram order of the similarity.
    ngram: int = 3
    #: Share of links whose lengths do not follow the length model (a floor under it).
    length_outliers: float = 0.001
    #: English/German character ratio; ``None`` measures it on the document.
    length_ratio: float | None = None
    #: Similarity of unrelated pairs; ``None`` measures it on the document.
    base: float | None = None
    #: Re-estimations of the priors from the document's own alignment (hard EM).
    prior_updates: int = 2
    #: Weight of the published priors in that re-estimation, in links.
    prior_strength: float = 10.0
    #: Half-width (sentences) of the full search around the first-pass path.
    band: int = 8
    #: Half-width of the first pass's diagonal band, as a fraction of the longer side ...
    first_band_fraction: float = 0.1
    #: ... but at least this many sentences.
    first_band_min: int = 30
    #: Lattices with at most this many cells are searched whole, in one pass.
    full_search_cells: int = 40_000

    def as_dict(self) -> dict[str, object]:
        """The parameters as a JSON-ready dict (priors keyed ``"a-b"``)."""
        out = asdict(self)
        out["priors"] = {f"{a}-{b}": p for (a, b), p in self.priors.items()}
        return out


def resolve_params(**params: object) -> AlignParams:
    """Defaults overridden by ``params``; raises :class:`~pipeline.errors.InputError` for an
    unknown name or an unusable value."""
    names = [f.name for f in fields(AlignParams)]
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise InputError(f"unknown alignment parameter(s) {', '.join(unknown)}; "
                         f"known: {', '.join(names)}")
    try:
        p = AlignParams(**params)  # type: ignore[arg-type]
        priors = {(int(a), int(b)): float(v) for (a, b), v in dict(p.priors).items()}
        check_types(tuple(priors))
        problems = [
            (not all(0 < v <= 1 for v in priors.values())
             or not {(1, 0), (0, 1)} <= set(priors),
             "priors must be probabilities in (0, 1] and include (1, 0) and (0, 1)"),
            (p.content_weight < 0 or p.length_weight < 0,
             "content_weight and length_weight must be >= 0"),
            (p.length_variance <= 0, "length_variance must be > 0"),
            (p.ngram < 1, "ngram must be >= 1"),
            (not 0 <= p.length_outliers < 1, "length_outliers must be in [0, 1)"),
            (p.length_ratio is not None and not p.length_ratio > 0,
             "length_ratio must be > 0 (or None to measure it)"),
            (p.base is not None and not 0 <= p.base <= 1,
             "base must be in [0, 1] (or None to measure it)"),
            (p.prior_updates < 0 or p.prior_strength <= 0 or p.length_strength < 0,
             "prior_updates must be >= 0, prior_strength > 0 and length_strength >= 0"),
            (p.band < 1 or p.first_band_min < 1 or p.first_band_fraction < 0
             or p.full_search_cells < 0,
             "band and first_band_min must be >= 1, first_band_fraction and "
             "full_search_cells >= 0"),
        ]
    except (TypeError, ValueError) as exc:
        raise InputError(f"unusable alignment parameters {params}: {exc}") from exc
    for bad, message in problems:
        if bad:
            raise InputError(f"{message}; got {params}")
    return replace(p, priors=priors)


@dataclass(frozen=True)
class Link:
    """German sentences ``de`` aligned with English sentences ``en`` (0-based indices, each
    tuple consecutive; either may be empty for a sentence without counterpart)."""

    de: tuple[int, ...]
    en: tuple[int, ...]
    #: Dice similarity in [0, 1] of the character trigrams of the source side (the MT of the
    #: German sentences, or the German itself without MT) and of the English sentences; 0 for
    #: 1-0 and 0-1 links. Without MT it only measures shared names, numbers and cognates, so
    #: it is much lower than with MT: compare it within one mode only.
    similarity: float
    #: The link's score in the search (log prior + length + content evidence); higher is better.
    score: float

    @property
    def kind(self) -> str:
        """The link type, e.g. ``"2-1"`` (two German sentences, one English)."""
        return f"{len(self.de)}-{len(self.en)}"


@dataclass(frozen=True)
class Alignment:
    """The links of one document with what produced them."""

    links: tuple[Link, ...]
    params: AlignParams
    estimates: Estimates
    #: The link-type priors of the final search (re-estimated from the document).
    priors: dict[str, float]
    #: Lattice cells scored by the final search (a measure of the work done).
    cells: int

    @property
    def aligner(self) -> str:
        """The aligner's versioned name."""
        return ALIGNER

    def provenance(self) -> dict[str, object]:
        """Aligner name, parameters and document estimates as one JSON-ready dict."""
        return {"aligner": ALIGNER, "params": self.params.as_dict(),
                "estimates": {**self.estimates.as_dict(), "priors": self.priors}}


def align_document(de_sentences: Sequence[str], en_sentences: Sequence[str],
                   mt: Sequence[str | None] | None = None, src_lang: str = "de",
                   tgt_lang: str = "en", **params: object) -> Alignment:
    """Align source sentences with their translation; see :func:`align`."""
    p = resolve_params(**params)
    for name, code in (("src_lang", src_lang), ("tgt_lang", tgt_lang)):
        if not isinstance(code, str) or not code.isalpha() or not 2 <= len(code) <= 3:
            raise InputError(f"{name}={code!r} is not a language code; give an ISO 639-1 code "
                             "such as 'de', 'ru' or 'zh'")
    de, en = list(de_sentences), list(en_sentences)
    if mt is not None:
        mt = list(mt)
        if len(mt) != len(de):
            raise InputError(f"mt has {len(mt)} translations for {len(de)} German sentences; "
                             "give exactly one per German sentence (an empty string where "
                             "there is none) or mt=None")
    for name, seq, ok in (("de_sentences", de, str), ("en_sentences", en, str),
                          ("mt", mt or [], (str, type(None)))):
        bad = next((k for k, s in enumerate(seq) if not isinstance(s, ok)), None)
        if bad is not None:
            raise InputError(f"{name}[{bad}] is a {type(seq[bad]).__name__}, not a str; "
                             "pass one string per sentence")
    scorer = NgramScorer(de, en, mt, content_weight=p.content_weight,
                         length_weight=p.length_weight, length_variance=p.length_variance,
                         priors=dict(p.priors), ngram=p.ngram, length_ratio=p.length_ratio,
                         base=p.base, length_outliers=p.length_outliers,
                         src_lang=src_lang, tgt_lang=tgt_lang, crossing=p.crossings,
                         values=p.values, lexicon=p.lexicon)
    path, band = _search(scorer, len(de), len(en), p)
    links = []
    for i, j, a, b in path:
        cols = np.array([j])
        links.append(Link(tuple(range(i, i + a)), tuple(range(j, j + b)),
                          similarity=round(float(scorer.similarity(i, a, b, cols)[0]), 6),
                          score=round(float(scorer.scores(i, a, b, cols)[0]), 6)))
    priors = {f"{a}-{b}": round(math.exp(v), 6) for (a, b), v in scorer.log_prior.items()}
    return Alignment(tuple(links), p, scorer.estimates, priors, band.cells)


def align(de_sentences: Sequence[str], en_sentences: Sequence[str],
          mt: Sequence[str | None] | None = None, src_lang: str = "de", tgt_lang: str = "en",
          **params: object) -> list[Link]:
    """Align German sentences with an existing English translation of them.

    ``mt`` optionally holds one machine translation per German sentence (``None`` or blank
    where there is none): the English is then compared with the MT, which makes the
    alignment much surer. Without it the alignment rests on sentence lengths and on what
    German and English share (names, numbers, cognates). ``params`` override fields of
    :class:`AlignParams`.

    Returns the links in document order: every German and every English sentence appears in
    exactly one link, links are monotone, and each is one of the types in ``priors`` (by
    default 1-1, 1-0, 0-1, 2-1, 1-2, 2-2, 3-1, 1-3). For provenance, use
    :func:`align_document`, which also returns the parameters and document estimates used.

    ``src_lang`` and ``tgt_lang`` (ISO 639-1 codes) name the languages of the two sides: the
    source is compared with the target through :mod:`pipeline.alignment.signals` (romanised
    Cyrillic, Greek, Hebrew, Arabic and kana; digits of every script; punctuation marks), and
    the MT, when given, is read as text in ``tgt_lang``. Any pair works; the default is
    German to English.
    """
    return list(align_document(de_sentences, en_sentences, mt, src_lang, tgt_lang,
                               **params).links)


def _search(scorer: NgramScorer, n: int, m: int, p: AlignParams) -> tuple[list[Step], Band]:
    """The best path under ``p``'s priors, then re-searched ``p.prior_updates`` times with
    priors re-estimated from the path (the published priors weighing ``p.prior_strength``
    links), so a document with many unaligned or merged sentences gets priors that fit it."""
    types = tuple(p.priors)
    if (n + 1) * (m + 1) <= p.full_search_cells:
        def make(_width: int) -> Band:
            return full_band(n, m)
        width = 0
    else:
        first = [t for t in types if t in _FIRST_PASS] or list(types)
        wide = max(p.first_band_min, math.ceil(p.first_band_fraction * max(n, m)))
        rough = _widening(lambda w: diagonal_band(n, m, w), scorer, first, wide)[0]

        def make(w: int) -> Band:
            return band_around(rough, n, m, w)
        width = p.band
    path, band, width = _widening(make, scorer, types, width)
    learned = p.learn_length and _learn_length(scorer, path, p)
    if p.learn_ends:
        model = estimate_ends(scorer.ends_pairs(path))
        scorer.set_ends_model(model)
        learned = learned or model.links > 0
    if learned:
        path, band, width = _widening(make, scorer, types, width)
    for _ in range(p.prior_updates):
        counts = dict.fromkeys(types, 0)
        for _i, _j, a, b in path:
            counts[(a, b)] += 1
        total = len(path) + p.prior_strength
        scorer.set_priors({t: (counts[t] + p.prior_strength * p.priors[t]) / total
                           for t in types})
        path, band, width = _widening(make, scorer, types, width)
    return path, band


def _learn_length(scorer: NgramScorer, path: list[Step], p: AlignParams) -> bool:
    """Give ``scorer`` the length model of ``path``'s 1-1 links (:mod:`.lengths`); whether
    there were enough of them (otherwise the model is left as it was)."""
    prior = LengthModel(scorer.ratio, scorer.length_variance)
    learned = estimate(scorer.one_to_one_lengths(path), prior, p.length_strength)
    if learned is prior:
        return False
    if p.length_ratio is not None:  # a ratio given by the caller stays
        learned = replace(learned, ratio=p.length_ratio)
    scorer.set_length_model(learned)
    return True


def _widening(make: Callable[[int], Band], scorer: NgramScorer,
              types: Sequence[tuple[int, int]], width: int) -> tuple[list[Step], Band, int]:
    """Search in ``make(width)``, doubling the width while the path runs along an inner
    edge of the band (at worst the band grows to the whole lattice)."""
    while True:
        band = make(width)
        path = best_path(scorer, band, types)
        if not band.touches(path):
            return path, band, width
        width = max(1, 2 * width)
