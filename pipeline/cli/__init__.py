"""Command-line interface: thin typer commands over the library functions, one module each.

Heavy libraries (torch, transformers) are imported inside the commands that need them, so
``pipeline --help`` starts fast. Library errors become one ``error:`` line and an exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PipelineError
from ..paths import cache_dir  # noqa: F401  (re-exported: pipeline.cli.cache_dir)

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Translate German news articles to English, one traceable record per sentence.")
models_app = typer.Typer(no_args_is_help=True, help="Pin, fetch and verify the translation model.")
app.add_typer(models_app, name="models")

LockOpt = Annotated[Optional[Path], typer.Option(
    "--lock", help="models.lock to use (default: $PIPELINE_LOCK, else the one installed with "
    "pipeline).", show_default=False)]


def _fail(exc: PipelineError) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


# The commands register themselves on ``app`` when imported.
from . import split, translate, verify, export, demo, models, eval  # noqa: E402,F401


def main() -> None:
    app()
