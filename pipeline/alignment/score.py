"""The score of a link: how likely it is that German sentences ``[i, i + a)`` and English
sentences ``[j, j + b)`` are translations of each other, as a sum of log-odds-like terms.

``score = log prior(a, b) + length_weight * log P(length difference) + content``

* **Prior** of the link type: Gale & Church (1993), table 5, measured on the Union Bank of
  Switzerland reports (German/French/English), as nltk lists them: 1-1 0.89, 1-0 and 0-1
  0.0099, 2-1 and 1-2 0.089, 2-2 0.011; Gale & Church had no 3-1 or 1-3 links, which get
  0.0099, as likely as a deletion; normalised to sum to 1 (:data:`PRIORS`). The aligner
  re-estimates them per document (:mod:`pipeline.alignment.aligner`).
* **Length** (Gale & Church; the aligner re-estimates ``c`` and ``s2`` on the document,
  :mod:`pipeline.alignment.lengths`): with ``c`` the ratio of English to German characters,
  ``delta = (l_en - c * l_de) / sqrt(s2 * (c * l_de + l_en) / 2)`` and
  ``P = 2 * (1 - Phi(|delta|))``; ``s2 = 6.8`` is their variance per character. The German
  side is measured, not the MT, so a missing or truncated MT line does not move it. When the
  source is written in another script than the English, only its letters of that script are
  scaled by ``c``; digits, punctuation and Latin names are carried over one for one
  (:func:`pipeline.alignment.lengths.split_length`). A small
  share ``length_outliers`` of links is allowed lengths that follow no model (the log
  probability is that of the mixture ``(1 - eps) * P + eps``), so one translator's omission
  inside a long unit costs at most ``-log eps`` instead of growing with the square of delta.
* **Content** (only for links with sentences on both sides): ``content_weight * (sim - base)``,
  where ``sim`` is the Dice coefficient of the multisets of character trigrams (taken inside
  words, case- and accent-folded) of the English sentences and of the source side. The source
  side is the machine translation of the German sentences when one is given (Bleualign's idea:
  compare English with English), otherwise the German itself, whose trigrams still meet the
  English in names, numbers, cognates and URLs (the model-free anchors). A source in another
  script is romanised first, and every side adds its punctuation marks
  (:func:`pipeline.alignment.signals.features`) and its numbers by value
  (:func:`pipeline.alignment.quantities.quantities`: ``3万`` is ``30,000``); ``src_lang`` and ``tgt_lang`` name the
  languages (any pair; German and English are only the names used here). ``base`` is the
  document's typical similarity of *unrelated* sentence pairs (the median over sampled pairs,
  each German sentence's best match left out), so ``sim - base`` is the evidence above chance,
  calibrated per document, per MT system and per language pair without fitting anything.
  Without MT, a source language with a word list into the target (:mod:`.lexicon`: Chinese,
  Japanese into English) also adds the trigrams of the target words its words gloss as; a
  target language with a list into the source (English into Chinese), the target sentences
  (when no sentence has MT).
  A link whose source or English side has no trigram at all gets no content evidence.
  A 2-2 link may also be read as a *crossing* (source ``[x+y, z]``, target ``[x, y+z]``):
  three translated pieces, three content terms, pooled by their harmonic mean
  (:meth:`NgramScorer._crossing`); its own Dice could never beat the two half-right 1-1
  links on its diagonal.

Deletions (1-0, 0-1) score their prior only. Scores are "higher is better"; the search
(:mod:`pipeline.alignment.search`) maximises their sum. Everything but the prior is remembered, so
the aligner can search again with priors re-estimated from the document at little cost.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .ends import EndsModel, ends
from .lengths import LengthModel, split_length
from .lexicon import lexicon as lexicon_of
from .quantities import quantities
from .signals import SKELETON_SCRIPTS, dominant_script, features

#: Link-type frequencies from Gale & Church (1993) as nltk's implementation lists them per type
#: (the paper gives 0.0099 for "1-0 or 0-1" and 0.089 for "2-1 or 1-2" together), plus 3-1 and
#: 1-3, which Gale & Church did not have, at the deletion value.
_GALE_CHURCH = {(1, 1): 0.89, (1, 0): 0.0099, (0, 1): 0.0099, (2, 1): 0.089, (1, 2): 0.089,
                (2, 2): 0.011, (3, 1): 0.0099, (1, 3): 0.0099}
#: Prior probability of each link type: those frequencies, normalised to sum to 1.
PRIORS: dict[tuple[int, int], float] = {
    t: round(v / sum(_GALE_CHURCH.values()), 6) for t, v in _GALE_CHURCH.items()}

_SAMPLE_ROWS = 64
_SAMPLE_COLS = 64


def trigrams(text: str, n: int = 3) -> Counter[str]:
    """Character ``n``-grams of the folded, romanised words of ``text``, each word padded
    with ``<`` and ``>`` (``"Mai 2019"`` -> ``<ma mai ai> <20 201 019 19>``), without the
    punctuation marks that :func:`~pipeline.alignment.signals.features` adds."""
    return features(text, None, n, punctuation=False)


def log_tail(x: np.ndarray) -> np.ndarray:
    """``log(2 * (1 - Phi(|x|)))`` = ``log erfc(|x| / sqrt 2)``, computed without underflow
    (Abramowitz & Stegun 7.1.26: absolute error of erfc below 1.5e-7, and the same relative
    accuracy in the far tail because the ``exp(-z^2)`` factor is kept in log form)."""
    z = np.abs(np.asarray(x, dtype=float)) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (
        -1.453152027 + t * 1.061405429))))
    return np.log(poly) - z * z


@dataclass(frozen=True)
class Estimates:
    """What the scorer measured on the document (recorded for provenance)."""

    #: English characters per German character over the whole document.
    length_ratio: float
    #: Typical similarity of unrelated sentence pairs (the content threshold).
    base: float
    #: Number of sentence pairs the base was taken from.
    base_pairs: int
    #: German sentences whose source side is the machine translation (the rest use German).
    mt_sentences: int
    #: Variance per character of the length model.
    length_variance: float = 6.8
    #: One-to-one links the length model was re-estimated from (0: not re-estimated).
    length_links: int = 0
    #: Log-likelihood ratios of a link whose sentence ends agree / differ
    #: (:mod:`pipeline.alignment.ends`; 0 and 0: not learned).
    ends_agree: float = 0.0
    ends_differ: float = 0.0
    #: The word list that glossed source sentences without MT (:mod:`.lexicon`;
    #: ``"ja-en/<sha256 prefix>"``), and how many it found a word in ("" and 0: none).
    lexicon: str = ""
    glossed: int = 0

    def as_dict(self) -> dict[str, float | int]:
        """The estimates as a plain dict, rounded for provenance records."""
        return {"length_ratio": round(self.length_ratio, 4),
                "length_variance": round(self.length_variance, 4),
                "length_links": self.length_links, "base": round(self.base, 4),
                "ends_agree": round(self.ends_agree, 4), "ends_differ": round(self.ends_differ, 4),
                "base_pairs": self.base_pairs, "mt_sentences": self.mt_sentences,
                **({"lexicon": self.lexicon, "glossed": self.glossed} if self.lexicon else {})}


class NgramScorer:
    """Scores links between German and English sentences (see the module docstring).

    ``mt`` holds one machine translation per German sentence, or is ``None``; a missing
    (``None``), empty or blank translation falls back to the German sentence itself, which
    still shares names and numbers with the English (measured: better than no evidence).
    ``length_ratio`` and ``base`` override the document's own estimates.
    """

    def __init__(self, de: Sequence[str], en: Sequence[str],
                 mt: Sequence[str | None] | None = None, *,
                 content_weight: float = 30.0, length_weight: float = 1.0,
                 length_variance: float = 6.8, priors: dict[tuple[int, int], float] | None = None,
                 ngram: int = 3, length_ratio: float | None = None,
                 base: float | None = None, length_outliers: float = 0.0,
                 src_lang: str | None = None, tgt_lang: str | None = None,
                 crossing: bool = True, values: bool = True, lexicon: bool = True) -> None:
        self.n, self.m = len(de), len(en)
        self.crossing = crossing
        self.content_weight = content_weight
        self.length_weight = length_weight
        self.length_variance = length_variance
        self.length_outliers = length_outliers
        self.set_priors(priors or PRIORS)
        self._evidence_cache: dict[tuple[int, int, int, int, int], np.ndarray] = {}
        self._content_cache: dict[tuple[int, int, int, int, int], np.ndarray] = {}
        use_mt = [mt is not None and bool(mt[i] and mt[i].strip()) for i in range(self.n)]
        source = [mt[i] if use_mt[i] else de[i] for i in range(self.n)]  # type: ignore[index]
        skel = not all(use_mt) and dominant_script(de) in SKELETON_SCRIPTS
        src = [features(s, tgt_lang if use_mt[k] else src_lang, ngram,
                        skeletons=skel and use_mt[k]) for k, s in enumerate(source)]
        tgt = [features(s, tgt_lang, ngram, skeletons=skel) for s in en]
        # a word list from the source into the target glosses the source sentences without
        # MT; one from the target into the source, the target sentences (no MT at all)
        words = lexicon_of(src_lang, tgt_lang) if lexicon and not all(use_mt) else None
        side = (source, src, tgt_lang, use_mt)
        if words is None and lexicon and not any(use_mt):
            words = lexicon_of(tgt_lang, src_lang)
            side = (en, tgt, src_lang, [False] * self.m)
        glossed = 0
        if words is not None:
            texts, counts, into, skip = side
            for k, text in enumerate(texts):
                if not skip[k]:
                    found = words.words(text)
                    glossed += bool(found)
                    counts[k].update(features(" ".join(found), into, ngram, punctuation=False))
        if values:
            for counts, text in (*zip(src, source), *zip(tgt, en)):
                counts.update(quantities(text))
        shared = sorted(set().union(*src) & set().union(*tgt)) if src and tgt else []
        ids = {g: k for k, g in enumerate(shared)}
        self.x = _count_matrix(src, ids)
        self.y = _count_matrix(tgt, ids)
        self._x_spans: dict[int, np.ndarray] = {1: self.x}
        self._y_spans: dict[int, np.ndarray] = {1: self.y}
        self.gx = _prefix([sum(c.values()) for c in src])
        self.gy = _prefix([sum(c.values()) for c in tgt])
        chars_en = [len(" ".join(s.split())) for s in en]
        tgt_script = dominant_script(en)
        if dominant_script(de) == tgt_script:
            scaled, kept = [len(" ".join(s.split())) for s in de], [0] * self.n
        else:
            scaled, kept = map(list, zip(*(split_length(s, tgt_script) for s in de))) \
                if de else ([], [])
        self.ends_src = _prefix([ends(s) for s in de])
        self.ends_tgt = _prefix([ends(s) for s in en])
        self.ends_model = EndsModel()
        self.ld = _prefix(scaled)
        self.lk = _prefix(kept)
        self.le = _prefix(chars_en)
        if length_ratio is None:
            total_de, total_en = sum(scaled), sum(chars_en) - sum(kept)
            length_ratio = total_en / total_de if total_de > 0 and total_en > 0 else 1.0
        self.ratio = float(length_ratio)
        pairs = 0
        if base is None:
            base, pairs = self._estimate_base()
        self.base = float(base)
        self.estimates = Estimates(self.ratio, self.base, pairs, sum(use_mt),
                                   self.length_variance, lexicon=words.provenance if words else "",
                                   glossed=glossed)

    # ------------------------------------------------------------------ the three terms

    def similarity(self, i: int, a: int, b: int, j: np.ndarray) -> np.ndarray:
        """Dice similarity in [0, 1] of the trigrams of source ``[i, i + a)`` and English
        ``[j_k, j_k + b)`` for each ``j_k``; 0 where either side is empty or has no trigram."""
        j = np.asarray(j, dtype=np.intp)
        if a == 0 or b == 0:
            return np.zeros(len(j))
        total = self._grams(i, a, j, b)
        return np.divide(2.0 * self._overlap(i, a, j, b), total, out=np.zeros(len(j)),
                         where=total > 0)

    def length_log_prob(self, i: int, a: int, b: int, j: np.ndarray) -> np.ndarray:
        """Gale-Church log probability of the links' character lengths."""
        j = np.asarray(j, dtype=np.intp)
        l_de = self.ratio * (self.ld[i + a] - self.ld[i]) + (self.lk[i + a] - self.lk[i])
        l_en = (self.le[j + b] - self.le[j]).astype(float)
        mean = (l_de + l_en) / 2.0
        delta = np.divide(l_en - l_de, np.sqrt(self.length_variance * mean),
                          out=np.zeros(len(j)), where=mean > 0)
        if self.length_outliers:
            return np.logaddexp(math.log1p(-self.length_outliers) + log_tail(delta),
                                math.log(self.length_outliers))
        return log_tail(delta)

    def set_length_model(self, model: LengthModel) -> None:
        """Use this length model (ratio and variance per character) from now on."""
        self.ratio, self.length_variance = float(model.ratio), float(model.variance)
        self.estimates = replace(self.estimates, length_ratio=self.ratio,
                                 length_variance=self.length_variance, length_links=model.links)
        self._evidence_cache.clear()

    def set_ends_model(self, model: EndsModel) -> None:
        """Use this sentence-end model from now on (:mod:`pipeline.alignment.ends`)."""
        self.ends_model = model
        self.estimates = replace(self.estimates, ends_agree=model.agree,
                                 ends_differ=model.differ)
        self._evidence_cache.clear()

    def ends_pairs(self, path: Sequence[tuple[int, int, int, int]]) -> list[tuple[int, int]]:
        """(source, target) sentence ends of the links of ``path`` with both sides."""
        return [(int(self.ends_src[i + a] - self.ends_src[i]),
                 int(self.ends_tgt[j + b] - self.ends_tgt[j])) for i, j, a, b in path if a and b]

    def ends_log_ratio(self, i: int, a: int, b: int, j: np.ndarray) -> np.ndarray:
        """The sentence-end term of the links: the model's ``agree`` where both sides hold
        as many sentence ends, else its ``differ``."""
        model = self.ends_model
        if not model.links:
            return np.zeros(len(j))
        same = (self.ends_tgt[j + b] - self.ends_tgt[j]) == (self.ends_src[i + a] - self.ends_src[i])
        return np.where(same, model.agree, model.differ)

    def one_to_one_lengths(self, path: Sequence[tuple[int, int, int, int]]
                           ) -> list[tuple[int, int, int]]:
        """(source characters scaled, target characters, source characters kept) of the 1-1
        links of ``path`` (:func:`~pipeline.alignment.lengths.split_length`)."""
        return [(int(self.ld[i + 1] - self.ld[i]), int(self.le[j + 1] - self.le[j]),
                 int(self.lk[i + 1] - self.lk[i])) for i, j, a, b in path if (a, b) == (1, 1)]

    def set_priors(self, priors: dict[tuple[int, int], float]) -> None:
        """Use these link-type probabilities from now on (types left out are forbidden)."""
        self.log_prior = {t: math.log(p) for t, p in priors.items()}

    def scores(self, i: int, a: int, b: int, j: np.ndarray) -> np.ndarray:
        """Link scores for the search (see the module docstring)."""
        j = np.asarray(j, dtype=np.intp)
        prior = self.log_prior.get((a, b))
        if prior is None:
            return np.full(len(j), -np.inf)
        if a == 0 or b == 0:
            return np.full(len(j), prior)
        return prior + self.evidence(i, a, b, j)

    def evidence(self, i: int, a: int, b: int, j: np.ndarray) -> np.ndarray:
        """The length and content terms of :meth:`scores` (everything but the prior),
        remembered per run of columns because repeated searches ask for them again (the
        content term survives a new length model; the returned array is shared: do not
        modify it)."""
        j = np.asarray(j, dtype=np.intp)
        run = len(j) > 0 and j[-1] - j[0] == len(j) - 1
        key = (i, a, b, int(j[0]), len(j)) if run else None
        if key is not None and key in self._evidence_cache:
            return self._evidence_cache[key]
        content = self._content_cache.get(key) if key is not None else None
        if content is None:
            content = self.content(i, a, b, j)
            if key is not None:
                self._content_cache[key] = content
        out = self.length_weight * self.length_log_prob(i, a, b, j) + content
        if self.ends_model.links:
            out = out + self.ends_log_ratio(i, a, b, j)
        if key is not None:
            self._evidence_cache[key] = out
        return out

    def content(self, i: int, a: int, b: int, j: np.ndarray) -> np.ndarray:
        """The content term: ``content_weight * (similarity - base)`` where both sides have
        features, else 0; for a 2-2 link (with ``crossing``) the better of that and its
        content read as a crossing (:meth:`_crossing`)."""
        if not self.content_weight:
            return np.zeros(len(j))
        informative = (self.gx[i + a] > self.gx[i]) & (self.gy[j + b] > self.gy[j])
        sim = self.similarity(i, a, b, j)
        out = np.where(informative, self.content_weight * (sim - self.base), 0.0)
        if (a, b) == (2, 2) and self.crossing:
            out = np.maximum(out, self._crossing(i, j))
        return out

    def _crossing(self, i: int, j: np.ndarray) -> np.ndarray:
        """The content of a 2-2 link read as a crossing: source ``[x+y, z]`` and target
        ``[x, y+z]``, three translated pieces in two sentences on each side. The 2-2 link's
        own Dice cannot beat its two diagonal 1-1 links (each half right, and each earning a
        content term), so the crossing is scored as the three pieces it stands for, each
        with one content term: ``x`` by the Dice of the first diagonal 1-1 link, ``z`` by
        that of the second, and ``y`` by the Dice of what those two leave unmatched, compared
        across the diagonal (the moved piece, present on both sides). The three are pooled
        by their harmonic mean, which follows the weakest: when two true 1-1 links stand
        there, their left-over grams meet by chance only (``y`` near ``base``); when a 2-1
        link and an unrelated pair stand there, one diagonal is near ``base``. Either way the
        crossing then gains nothing and loses on its prior and length."""
        first = self._overlap(i, 1, j, 1)
        second = self._overlap(i + 1, 1, j + 1, 1)
        moved = self._overlap(i, 2, j, 2) - first - second
        left = self._grams(i, 2, j, 2) - 2.0 * (first + second)
        pieces = np.stack([self.similarity(i, 1, 1, j), self.similarity(i + 1, 1, 1, j + 1),
                           np.divide(2.0 * moved, left, out=np.zeros(len(j)), where=left > 0)])
        pooled = len(pieces) / (1.0 / np.maximum(pieces, 1e-9)).sum(axis=0)
        return np.where(left > 0, len(pieces) * self.content_weight * (pooled - self.base),
                        -np.inf)

    # ------------------------------------------------------------------ internals

    def _grams(self, i: int, a: int, j: np.ndarray, b: int) -> np.ndarray:
        return (self.gx[i + a] - self.gx[i]) + (self.gy[j + b] - self.gy[j]).astype(float)

    def _overlap(self, i: int, a: int, j: np.ndarray, b: int) -> np.ndarray:
        if self.x.shape[1] == 0:
            return np.zeros(len(j))
        xs = self._spans(self.x, self._x_spans, a)[i]
        ys_all = self._spans(self.y, self._y_spans, b)
        if len(j) and j[-1] - j[0] == len(j) - 1:  # a run of columns: a view, no copy
            ys = ys_all[j[0]:j[-1] + 1]
        else:
            ys = ys_all[j]
        return np.minimum(xs, ys).sum(axis=1, dtype=np.int32).astype(float)

    @staticmethod
    def _spans(rows: np.ndarray, cache: dict[int, np.ndarray], size: int) -> np.ndarray:
        """Row ``k`` of the result: the gram counts of rows ``k .. k + size - 1`` summed."""
        out = cache.get(size)
        if out is None:
            out = rows[:len(rows) - size + 1].astype(np.uint16)
            for k in range(1, size):
                out += rows[k:len(rows) - size + 1 + k]
            cache[size] = out
        return out

    def _estimate_base(self) -> tuple[float, int]:
        """Median similarity of unrelated pairs: sampled German rows against sampled (or all)
        English columns; a row's best column is left out when all columns were compared."""
        if self.n == 0 or self.m == 0:
            return 0.0, 0
        rng = np.random.default_rng(0)
        rows = np.arange(self.n)
        if self.n > _SAMPLE_ROWS:
            rows = np.sort(rng.choice(self.n, _SAMPLE_ROWS, replace=False))
        values, everything = [], []
        for i in rows:
            if self.m > _SAMPLE_COLS:
                cols = np.sort(rng.choice(self.m, _SAMPLE_COLS, replace=False))
                sims = self.similarity(int(i), 1, 1, cols)
                values.extend(sims)
            else:
                sims = self.similarity(int(i), 1, 1, np.arange(self.m))
                everything.extend(sims)
                values.extend(np.delete(sims, int(np.argmax(sims))))
        if not values:  # one English sentence: nothing is known to be unrelated
            values = everything
        return float(np.median(values)), len(values)


def _prefix(values: Sequence[int]) -> np.ndarray:
    out = np.zeros(len(values) + 1, dtype=np.int64)
    out[1:] = np.cumsum(values, dtype=np.int64)
    return out


def _count_matrix(counts: Sequence[Counter[str]], ids: dict[str, int]) -> np.ndarray:
    """Rows of gram counts over the shared vocabulary ``ids`` (capped at 255: a gram that
    occurs more often in one sentence adds no more to its overlap)."""
    rows, cols, vals = [], [], []
    for r, c in enumerate(counts):
        for g, v in c.items():
            k = ids.get(g)
            if k is not None:
                rows.append(r)
                cols.append(k)
                vals.append(min(v, 255))
    out = np.zeros((len(counts), len(ids)), dtype=np.uint8)
    out[rows, cols] = vals
    return out
