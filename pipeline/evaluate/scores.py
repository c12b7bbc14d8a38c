"""Corpus and per-document scores, computed by sacrebleu itself and carrying its signatures."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import EvaluationError
from .hypotheses import DocumentSpan

#: Metric names accepted by :func:`evaluate` (``chrf++`` is chrF with word bigrams, ``nw:2``).
METRICS = ("bleu", "chrf", "chrf++", "ter")
DEFAULT_METRICS = ("bleu", "chrf", "ter")

_SACREBLEU_CLASS = {"bleu": ("BLEU", {}), "chrf": ("CHRF", {}), "chrf++": ("CHRF", {"word_order": 2}),
                    "ter": ("TER", {})}


@dataclass(frozen=True)
class MetricScore:
    """One corpus score as sacrebleu computed it. ``mean`` and ``ci`` (half-width of the 95%
    interval) are set when bootstrapped; ``verbose`` is sacrebleu's detail (BLEU's n-gram
    precisions and brevity penalty)."""

    name: str
    score: float
    signature: str
    verbose: str = ""
    mean: float | None = None
    ci: float | None = None

    def line(self, width: int = 1) -> str:
        """The line the sacrebleu command line prints (``-f text``) for this score."""
        out = f"{self.name}|{self.signature} = {self.score:.{width}f}"
        if self.mean is not None and self.ci is not None:
            out += f" (μ = {self.mean:.{width}f} ± {self.ci:.{width}f})"
        return f"{out} {self.verbose}" if self.verbose else out

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": self.score, "signature": self.signature,
                "verbose": self.verbose, "mean": self.mean, "ci": self.ci}


@dataclass(frozen=True)
class EvalResult:
    """Corpus scores of one system, one per metric, in the order asked for."""

    scores: tuple[MetricScore, ...]
    segments: int
    references: int

    def score(self, name: str) -> MetricScore:
        """The score whose sacrebleu name (``BLEU``, ``chrF2``, ``TER``) or metric key
        (``bleu``, ``chrf``, ``ter``) is ``name``."""
        for s in self.scores:
            if s.name == name or metric_key(s.name) == name:
                return s
        raise KeyError(name)

    def lines(self, width: int = 1) -> list[str]:
        """The scores as sacrebleu prints them, aligned at ``=`` as it does."""
        lines = [s.line(width) for s in self.scores]
        w = max((line.index(" = ") for line in lines), default=0)
        return [line.rjust(len(line) + w - line.index(" = ")) for line in lines]

    def to_dict(self) -> dict[str, Any]:
        return {"segments": self.segments, "references": self.references,
                "scores": [s.to_dict() for s in self.scores]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def metric_key(name: str) -> str:
    lower = name.lower()
    if lower.startswith("chrf"):
        return "chrf++" if lower.endswith("++") else "chrf"
    return lower


def sacrebleu_metrics(names: Sequence[str], references: Sequence[Sequence[str]] | None,
             metric_args: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    """Fresh sacrebleu metric objects keyed by our names (a fresh object per call: sacrebleu
    keeps bootstrap settings on the object, and they enter its signature)."""
    from sacrebleu.metrics import METRICS as SACREBLEU_METRICS

    if not names:
        raise EvaluationError("no metric asked for; choose from " + ", ".join(METRICS))
    out: dict[str, Any] = {}
    for name in names:
        key = name.strip().lower()
        if key not in _SACREBLEU_CLASS:
            raise EvaluationError(f"unknown metric {name!r}; choose from {', '.join(METRICS)}")
        if key in out:
            raise EvaluationError(f"metric {name!r} asked for twice")
        cls, defaults = _SACREBLEU_CLASS[key]
        kwargs = {**defaults, **dict((metric_args or {}).get(key, {}))}
        if references is not None:
            kwargs["references"] = references
        try:
            out[key] = SACREBLEU_METRICS[cls](**kwargs)
        except (TypeError, ValueError, KeyError, ImportError) as exc:
            shown = {k: v for k, v in kwargs.items() if k != "references"}
            raise EvaluationError(f"{key}: sacrebleu refuses the options {shown}: {exc!r}") from None
    return out


def check_streams(hypotheses: Sequence[str], references: Sequence[Sequence[str]]
             ) -> tuple[list[str], list[list[str]]]:
    hyps = list(hypotheses)
    if not hyps:
        raise EvaluationError("nothing to score: no hypotheses")
    if not references or isinstance(references[0], str):
        raise EvaluationError("references must be a list of reference streams, each a list "
                              "of segments parallel to the hypotheses ([[ref1, ref2, ...]])")
    refs = [list(r) for r in references]
    for k, r in enumerate(refs, 1):
        if len(r) != len(hyps):
            raise EvaluationError(f"{len(hyps)} hypotheses but reference stream {k} has "
                                  f"{len(r)} segments")
    return hyps, refs


def _score(sb_score: Any, metric: Any) -> MetricScore:
    # sacrebleu keeps the bootstrap estimate in Score._mean/_ci (-1 when not computed) and
    # BLEU's details in Score._verbose; it has no public accessor for them.
    bootstrapped = metric.n_bootstrap is not None
    return MetricScore(name=sb_score.name, score=float(sb_score.score),
                       signature=metric.get_signature().format(),
                       verbose=getattr(sb_score, "_verbose", ""),
                       mean=float(sb_score._mean) if bootstrapped else None,
                       ci=float(sb_score._ci) if bootstrapped else None)


def evaluate(hypotheses: Sequence[str], references: Sequence[Sequence[str]],
             metrics: Sequence[str] = DEFAULT_METRICS, bootstrap: int | None = None,
             metric_args: Mapping[str, Mapping[str, Any]] | None = None) -> EvalResult:
    """Corpus scores of ``hypotheses`` against one or more reference streams
    (``references[k][i]`` is reference ``k`` of segment ``i``).

    ``bootstrap=N`` adds sacrebleu's 95% confidence interval from ``N`` resamples (``-ci
    -cin N``). ``metric_args`` passes options to a sacrebleu metric, e.g. ``{"bleu":
    {"tokenize": "intl"}}``; they appear in its signature."""
    hyps, refs = check_streams(hypotheses, references)
    if bootstrap is not None and bootstrap < 2:
        raise EvaluationError(f"bootstrap needs at least 2 resamples, got {bootstrap}")
    out = []
    for metric in sacrebleu_metrics(metrics, None, metric_args).values():
        sb = metric.corpus_score(hyps, refs, n_bootstrap=bootstrap or 1)
        out.append(_score(sb, metric))
    return EvalResult(tuple(out), len(hyps), len(refs))


@dataclass(frozen=True)
class DocumentResult:
    """Scores of one document: segments ``[start, end)`` of the corpus."""

    name: str
    start: int
    end: int
    result: EvalResult | None  # None for a document without segments

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "start": self.start, "end": self.end,
                "scores": [] if self.result is None else [s.to_dict() for s in self.result.scores]}


def score_documents(hypotheses: Sequence[str], references: Sequence[Sequence[str]],
                    documents: Sequence[DocumentSpan], metrics: Sequence[str] = DEFAULT_METRICS,
                    metric_args: Mapping[str, Mapping[str, Any]] | None = None
                    ) -> tuple[DocumentResult, ...]:
    """Corpus scores of each document alone (the same as scoring its lines as a file)."""
    hyps, refs = check_streams(hypotheses, references)
    out = []
    for doc in documents:
        if not 0 <= doc.start <= doc.end <= len(hyps):
            raise EvaluationError(f"{doc.name}: segments [{doc.start}, {doc.end}) lie outside "
                                  f"the {len(hyps)} hypotheses")
        result = None
        if doc.end > doc.start:
            result = evaluate(hyps[doc.start:doc.end], [r[doc.start:doc.end] for r in refs],
                              metrics, metric_args=metric_args)
        out.append(DocumentResult(doc.name, doc.start, doc.end, result))
    return tuple(out)
