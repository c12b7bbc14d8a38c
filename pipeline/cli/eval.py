"""``pipeline eval``: sacrebleu scores, with their signatures, of records or plain text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PipelineError
from .common import app, fail, say


@app.command("eval")
def eval_(
    runs: Annotated[list[Path], typer.Argument(
        help="Hypotheses: record files (*.jsonl), directories of them, or plain-text files "
        "(one segment per line). One system, concatenated in the order given; with --paired, "
        "each is a system and the first is the baseline.", show_default=False)] = None,
    ref: Annotated[list[Path], typer.Option(
        "--ref", help="Reference file, one segment per line (repeat for several references).",
        show_default=False)] = None,
    hyp: Annotated[Optional[list[Path]], typer.Option(
        "--hyp", help="Plain-text hypotheses, even if named *.jsonl (repeatable: concatenated).",
        show_default=False)] = None,
    metrics: Annotated[str, typer.Option(
        help="Comma-separated: bleu, chrf, chrf++, ter.")] = "bleu,chrf,ter",
    bootstrap: Annotated[Optional[int], typer.Option(
        help="Bootstrap resamples for 95% confidence intervals (sacrebleu -ci -cin N); with "
        "--paired, for the paired bootstrap test (default 1000, 0 skips it).", min=0,
        show_default=False)] = None,
    paired: Annotated[bool, typer.Option(
        "--paired", help="Compare the systems given against the first: paired bootstrap "
        "resampling and approximate randomization, as sacrebleu --paired-bs / --paired-ar.")] = False,
    trials: Annotated[Optional[int], typer.Option(
        help="Approximate randomization trials with --paired (default 10000, 0 skips it).",
        min=0, show_default=False)] = None,
    per_doc: Annotated[bool, typer.Option("--per-doc", help="Also score each document.")] = False,
    test_set: Annotated[Optional[str], typer.Option(
        help="The test set the reference is (e.g. newstest2019), to print its published "
        "figure next to ours.", show_default=False)] = None,
    write_hyp: Annotated[Optional[Path], typer.Option(
        help="Write the hypotheses scored, one per line, to reproduce with sacrebleu.",
        show_default=False)] = None,
    width: Annotated[int, typer.Option(help="Decimals printed (as sacrebleu -w).", min=0)] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (full precision).")] = False,
) -> None:
    """Score translations with sacrebleu (BLEU, chrF, TER); every score with its signature.

    Records give one hypothesis per source line (the sentences of a line joined), to match a
    reference with one segment per line. Resampling is seeded as in sacrebleu
    ($SACREBLEU_SEED, default 12345), so every number is reproducible."""
    from ..evaluate import evaluate_files

    given = list(runs or [])
    if hyp and given:
        raise typer.BadParameter("give hypotheses either as arguments or with --hyp", param_hint="--hyp")
    if not ref:
        raise typer.BadParameter("a reference file is needed", param_hint="--ref")
    if not (hyp or given):
        raise typer.BadParameter("give record files, directories or --hyp FILE", param_hint="RUNS")
    plain_text = bool(hyp)
    paths = list(hyp or given)
    run_list = [[p] for p in paths] if paired else [paths]
    if paired and len(run_list) < 2:
        raise typer.BadParameter("--paired needs a baseline and at least one more system",
                                 param_hint="--paired")
    if trials is not None and not paired:
        raise typer.BadParameter("--trials applies to --paired", param_hint="--trials")
    try:
        report = evaluate_files(run_list, ref, plain_text=plain_text,
                                metrics=[m for m in metrics.split(",") if m.strip()],
                                bootstrap=bootstrap, trials=trials, per_document=per_doc,
                                test_set=test_set, write_hypotheses=write_hyp)
    except PipelineError as exc:
        fail(exc)
    if as_json:
        typer.echo(report.to_json())  # JSON escapes control characters itself
    else:
        for line in report.lines(width):
            say(line)
