"""``pipeline export``: re-render formats from records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PipelineError
from .common import app, fail, say
from .translate import formats_option


@app.command()
def export(
    output_format: Annotated[str, typer.Argument(
        metavar="FORMAT", help="jsonl, tsv, moses, tmx, html, a comma-separated list, or all.")],
    records: Annotated[list[Path], typer.Argument(help="Record files (<stem>.jsonl).")],
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Directory to write to (default: beside each record file).")] = None,
) -> None:
    """Re-render formats from existing records (never re-translates)."""
    from ..export import export as run_export

    selected = formats_option([output_format])
    try:
        written = run_export(selected, records, output)
    except PipelineError as exc:
        fail(exc)
    for path in written:
        say(f"wrote {path}")
