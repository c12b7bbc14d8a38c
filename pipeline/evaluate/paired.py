"""Paired significance tests of systems against a baseline, with sacrebleu's own
``PairedTest`` (paired bootstrap resampling, approximate randomization)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import EvaluationError
from .scores import DEFAULT_METRICS, check_streams, metric_key, sacrebleu_metrics

#: sacrebleu's defaults for the paired tests (``--paired-bs-n``, ``--paired-ar-n``).
DEFAULT_PAIRED_SAMPLES = {"bs": 1000, "ar": 10000}
PAIRED_TESTS = {"bs": "paired bootstrap resampling", "ar": "paired approximate randomization"}


@dataclass(frozen=True)
class PairedScore:
    """One system's result for one metric in a paired test. The baseline has no p-value;
    ``mean`` and ``ci`` come from bootstrap resampling (paired bootstrap only)."""

    system: str
    metric: str
    score: float
    p_value: float | None
    mean: float | None
    ci: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"system": self.system, "metric": self.metric, "score": self.score,
                "p_value": self.p_value, "mean": self.mean, "ci": self.ci}


@dataclass(frozen=True)
class PairedResult:
    """A paired significance test of systems against the first one (the baseline), as
    ``sacrebleu --paired-bs`` / ``--paired-ar`` runs it."""

    test: str
    samples: int
    systems: tuple[str, ...]
    metrics: tuple[str, ...]
    signatures: tuple[str, ...]
    scores: tuple[PairedScore, ...]

    def get(self, system: str, metric: str) -> PairedScore:
        for s in self.scores:
            if s.system == system and (s.metric == metric or metric_key(s.metric) == metric):
                return s
        raise KeyError((system, metric))

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "samples": self.samples, "baseline": self.systems[0],
                "systems": list(self.systems),
                "signatures": dict(zip(self.metrics, self.signatures)),
                "scores": [s.to_dict() for s in self.scores]}

    def lines(self, width: int = 1) -> list[str]:
        """A table: one row per system, one column per metric, p-values under the scores."""
        head = f"{PAIRED_TESTS[self.test]} ({self.samples} {'resamples' if self.test == 'bs' else 'trials'}), " \
               f"baseline: {self.systems[0]}"
        out = [head]
        name_w = max(len(n) for n in self.metrics)
        out += [f"  {m:<{name_w}}  {sig}" for m, sig in zip(self.metrics, self.signatures)]
        cells = [["system", *(f"{m} (μ ± 95% CI)" if self.test == "bs" else m for m in self.metrics)]]
        for system in self.systems:
            row = [system]
            for m in self.metrics:
                s = self.get(system, m)
                cell = f"{s.score:.{width}f}"
                if s.mean is not None and s.ci is not None:
                    cell += f" ({s.mean:.{width}f} ± {s.ci:.{width}f})"
                if s.p_value is not None:
                    cell += f" p = {s.p_value:.4f}{'*' if s.p_value < 0.05 else ''}"
                row.append(cell)
            cells.append(row)
        widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
        out += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
        out.append("  * p < 0.05: the difference to the baseline is unlikely to be chance "
                   "(it says nothing about which is better)")
        return out


def compare(systems: Sequence[tuple[str, Sequence[str]]], references: Sequence[Sequence[str]],
            metrics: Sequence[str] = DEFAULT_METRICS, test: str = "bs",
            samples: int | None = None,
            metric_args: Mapping[str, Mapping[str, Any]] | None = None) -> PairedResult:
    """Paired significance test of each system against the first (the baseline), with
    sacrebleu's own implementation: ``test="bs"`` paired bootstrap resampling (also gives
    each system's 95% CI), ``test="ar"`` approximate randomization. ``samples`` defaults to
    sacrebleu's (1000 resamples, 10000 trials)."""
    from sacrebleu.significance import PairedTest

    if test not in PAIRED_TESTS:
        raise EvaluationError(f"unknown paired test {test!r}; choose bs or ar")
    if len(systems) < 2:
        raise EvaluationError("a paired test needs a baseline and at least one other system")
    names = [name for name, _ in systems]
    if len(set(names)) != len(names):
        raise EvaluationError("two systems have the same name: " +
                              next(n for n in names if names.count(n) > 1))
    n = samples if samples is not None else DEFAULT_PAIRED_SAMPLES[test]
    if n < 1:
        raise EvaluationError(f"a paired test needs at least 1 sample, got {n}")
    hyps_by_system = [(name, check_streams(hyps, references)[0]) for name, hyps in systems]
    refs = check_streams(hyps_by_system[0][1], references)[1]
    # As the sacrebleu CLI does: metrics cache the references, the test gets references=None.
    sb_metrics = sacrebleu_metrics(metrics, refs, metric_args)
    signatures, table = PairedTest(hyps_by_system, sb_metrics, references=None, test_type=test,
                                   n_samples=n)()
    metric_names = tuple(k for k in table if k != "System")
    scores = []
    for i, system in enumerate(names):
        for m in metric_names:
            r = table[m][i]
            scores.append(PairedScore(system, m, float(r.score), _float(r.p_value),
                                      _float(r.mean), _float(r.ci)))
    return PairedResult(test, n, tuple(names), metric_names,
                        tuple(signatures[m].format() for m in metric_names), tuple(scores))


def _float(value: Any) -> float | None:
    """sacrebleu returns numpy float32 for some bootstrap estimates: keep the value, as a float."""
    return None if value is None else float(value)
