"""Published scores of a model on a test set, and whether ours can be put next to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .hypotheses import ModelUsed
from .scores import EvalResult


@dataclass(frozen=True)
class PublishedFigure:
    """A score published for a model on a test set, to print next to ours; ``scores`` are
    on sacrebleu's 0-100 scale, keyed by sacrebleu's metric names."""

    model: str
    test_set: str
    langpair: str
    segments: int
    scores: tuple[tuple[str, float], ...]
    source: str
    aliases: tuple[str, ...] = ()
    #: sha256 of reference files known to be this test set, to recognise it unnamed
    reference_sha256: tuple[str, ...] = ()


PUBLISHED = (
    PublishedFigure(
        model="Helsinki-NLP/opus-mt-de-en", test_set="newstest2019", langpair="de-en",
        segments=2000, scores=(("BLEU", 40.1), ("chrF2", 64.2)),
        source="model card of Helsinki-NLP/opus-mt-de-en (release opus-2020-02-26, beam 4; "
               "chrF given there as 0.642); computed by its authors, signature not published",
        aliases=("wmt19", "newstest2019-deen", "wmt19-de-en"),
        reference_sha256=("95152920451528b9e167d42def3fd7d0ea0d9a4f12e88bdf63b4adba4975cb1d",)),
)


def find_published(test_set: str | None = None, reference_sha256: str | None = None
                   ) -> PublishedFigure | None:
    """The published figure for a test set named ``test_set`` (or an alias), else for a
    reference file whose sha256 is known to be one."""
    for fig in PUBLISHED:
        if test_set is not None:
            if test_set.strip().lower() in (fig.test_set, *fig.aliases):
                return fig
        elif reference_sha256 is not None and reference_sha256 in fig.reference_sha256:
            return fig
    return None


@dataclass(frozen=True)
class PublishedComparison:
    """Our scores next to a published figure, and whether the two can be compared at all."""

    figure: PublishedFigure
    rows: tuple[tuple[str, float, float], ...]  # (metric, ours, published)
    comparable: bool
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.figure.model, "test_set": self.figure.test_set,
                "source": self.figure.source, "comparable": self.comparable,
                "verdict": self.verdict,
                "scores": [{"metric": m, "ours": o, "published": p} for m, o, p in self.rows]}

    def lines(self, width: int = 1) -> list[str]:
        out = [f"published: {self.figure.model} on {self.figure.test_set} ({self.figure.source})"]
        ours = [f"{o:.{width}f}" for _, o, _ in self.rows]
        w = max(map(len, ours), default=0)
        out += [f"  {m:<6} ours {o:>{w}}  published {p:.1f}" for (m, _, p), o in zip(self.rows, ours)]
        out.append(f"  {self.verdict}")
        return out


def _is_demo_model(model: ModelUsed) -> bool:
    from ..paths import cache_dir

    return model.directory is not None and Path(model.directory) == cache_dir() / "demo-model"


def model_verdict(models: Sequence[ModelUsed]) -> str | None:
    """A plain warning when the hypotheses come from a local model directory (tests, the
    demo, a random shape twin): such a score describes that model only, and nothing at all
    if the model is random. None when every model is a hub model."""
    local = [m for m in models if m.directory is not None]
    if not local:
        return None
    if any(_is_demo_model(m) for m in local):
        return ("these translations come from `pipeline demo`'s tiny RANDOM model: "
                "the score means nothing")
    names = ", ".join(m.directory or "" for m in local)
    return (f"these translations come from a local model directory ({names}), not the pinned "
            "model: if it is a random model (the tests' tiny model, the demo, a shape twin), "
            "the score means nothing")


def compare_published(result: EvalResult, figure: PublishedFigure,
                      models: Sequence[ModelUsed]) -> PublishedComparison:
    """Put ``result`` next to ``figure`` and say whether the comparison holds: same model
    repository, the whole test set."""
    rows = []
    for name, published in figure.scores:
        try:
            rows.append((name, result.score(name).score, published))
        except KeyError:
            continue
    repos = {m.repo for m in models if m.repo}
    if not models:
        verdict, ok = (f"the hypotheses do not say which model made them; the figure is for "
                       f"{figure.model}"), False
    elif any(m.directory for m in models) or repos != {figure.model}:
        names = ", ".join(m.label for m in models)
        verdict, ok = f"NOT comparable: translated by {names}, not {figure.model}", False
    elif result.segments != figure.segments:
        verdict, ok = (f"NOT comparable: the figure covers all {figure.segments} segments of "
                       f"{figure.test_set}, {result.segments} were scored"), False
    else:
        verdict, ok = ("same model repository and test set; the published run may differ in "
                       "model revision, engine, compute type and beam"), True
    return PublishedComparison(figure, tuple(rows), ok, verdict)
