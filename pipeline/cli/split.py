"""``pipeline split``: sentences with offsets."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated

import typer

from ..errors import PipelineError
from . import app, fail, read_document


class SplitFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"


@app.command()
def split(
    input: Annotated[str, typer.Argument(help="A UTF-8 text file, or - for standard input.")],
    format: Annotated[SplitFormat, typer.Option("--format", "-f")] = SplitFormat.text,
    encoding: Annotated[str, typer.Option(help="Input encoding.")] = "utf-8",
    lang: Annotated[str, typer.Option(
        "--lang", help="Language of the text (ISO 639 code). With their own rules: de, en, fr, es, "
                       "it, nl, pl, cs, ru, uk, tr, zh, ja, ar; any other code is split by the "
                       "generic, script-aware splitter.")] = "de",
) -> None:
    """Split an article into sentences (one per line, or JSON objects with offsets)."""
    from ..segment import splitter

    try:
        split_text = splitter(lang).split
        doc = read_document(input, encoding)
    except PipelineError as exc:
        fail(exc)
    for s in split_text(doc.text):
        if format is SplitFormat.jsonl:
            typer.echo(json.dumps({"index": s.index, "paragraph": s.paragraph, "kind": s.kind,
                                   "start": s.start, "end": s.end, "text": doc.slice(s)},
                                  ensure_ascii=False))
        else:
            typer.echo(doc.slice(s).replace("\n", " "))
