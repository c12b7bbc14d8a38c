"""``pipeline demo``: the whole pipeline offline on a tiny random model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..run import DEFAULT_MAX_LINE_CHARS, DEFAULT_WINDOW
from . import app, cache_dir
from .translate import translate


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("data/demo"),
    inputs: Annotated[Path, typer.Option("--input", "-i", help="Articles to run on.")] = Path("data/raw"),
) -> None:
    """Run the whole pipeline offline with a tiny random model built locally.

    Its English is random tokens, NOT a translation: it shows the pipeline working where the
    real model cannot be downloaded."""
    from ..tiny import build_model

    model_path = cache_dir() / "demo-model"
    if not (model_path / "config.json").is_file():
        typer.echo(f"building a tiny random Marian model in {model_path} ...", err=True)
        texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(inputs.glob("*.txt"))]
        build_model(model_path, [line for t in texts for line in t.splitlines()])
    typer.echo("DEMO: the English below comes from a tiny RANDOM model. It is NOT a translation.",
               err=True)
    translate(inputs=[inputs], output=output, model_dir=model_path, beam=None,
              engine="ctranslate2", threads=None, compute_type="int8", inter_threads=None,
              intra_threads=None, encoding="utf-8", no_cache=False, force=False,
              max_source_tokens=None, max_line_chars=DEFAULT_MAX_LINE_CHARS, window=DEFAULT_WINDOW, quiet=False,
              output_formats=None, lock=None)
