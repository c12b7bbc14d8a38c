"""``pipeline detect``: the language of a text (``pipeline.detect_language``)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from ..errors import PipelineError
from . import app, fail, read_document
from .split import SplitFormat as DetectFormat  # the same two: a plain line, or a JSON object


@app.command()
def detect(
    input: Annotated[str, typer.Argument(help="A text file, or - for standard input.")],
    format: Annotated[DetectFormat, typer.Option(
        "--format", "-f", help="text: the ISO 639-1 code; jsonl: code, confidence and method."
    )] = DetectFormat.text,
    candidates: Annotated[Optional[str], typer.Option(
        "--candidates", help="Comma-separated ISO 639-1 codes to choose from (default: the "
        "languages of pipeline.languages.identify.DEFAULT_LANGUAGES).", show_default=False)] = None,
    encoding: Annotated[str, typer.Option(help="Input encoding.")] = "utf-8",
) -> None:
    """Print the language of a text as an ISO 639-1 code (e.g. uk)."""
    from ..languages.identify import identify

    try:
        doc = read_document(input, encoding)
    except PipelineError as exc:
        fail(exc)  # it names the file
    try:
        found = identify(doc.text, candidates=candidates.split(",") if candidates else None)
    except PipelineError as exc:
        fail(type(exc)(f"{doc.path}: {exc}"))
    if format is DetectFormat.jsonl:
        typer.echo(json.dumps({"language": found.language,
                               "confidence": round(found.confidence, 4),
                               "method": found.method}))
    else:
        typer.echo(found.language)

