"""What every command shares: the typer apps, the lock option, and how a message or a library
error is printed (one ``error:`` line and an exit code; control characters escaped)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from .._version import __version__
from ..errors import PipelineError
from ..progress import printable

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Translate German news articles to English, one traceable record per sentence.")
models_app = typer.Typer(no_args_is_help=True, help="Pin, fetch and verify the translation model.")
app.add_typer(models_app, name="models")

LockOpt = Annotated[Optional[Path], typer.Option(
    "--lock", help="models.lock to use (default: $PIPELINE_LOCK, else the one installed with "
    "pipeline).", show_default=False)]


def say(message: str, err: bool = False) -> None:
    """Print one line, control characters escaped."""
    typer.echo(printable(message), err=err)


def fail(exc: PipelineError) -> NoReturn:
    """One ``error:`` line and the error's exit code."""
    say(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


def read_document(input: str, encoding: str):
    """The :class:`~pipeline.document.Document` of a file, or of standard input for ``-``."""
    import sys

    from ..document import Document, read_stream

    if input == "-":
        return Document.from_bytes(read_stream(sys.stdin.buffer), "<stdin>", encoding)
    return Document.from_path(input, encoding)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pipeline {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
          ) -> None:
    """Translate German news articles to English, one traceable record per sentence."""


# The commands register themselves on ``app`` when imported.
