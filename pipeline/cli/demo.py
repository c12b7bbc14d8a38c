"""``pipeline demo``: the whole pipeline offline on a tiny random model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import app, say
from .translate import run_translation


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("data/demo"),
    inputs: Annotated[Path, typer.Option("--input", "-i", help="Articles to run on.")] = Path("data/raw"),
) -> None:
    """Run the whole pipeline offline with a tiny random model built locally.

    Its English is random tokens, NOT a translation: it shows the pipeline working where the
    real model cannot be downloaded."""
    from ..tiny import demo_model

    model = demo_model(inputs, report=lambda msg: say(msg, err=True))
    say("DEMO: the English below comes from a tiny RANDOM model. It is NOT a translation.",
        err=True)
    run_translation([inputs], output, quiet=False, model_dir=model)
