"""``pipeline verify``: check records against their sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PipelineError
from .common import LockOpt, app, fail, say


@app.command()
def verify(
    records: Annotated[list[Path], typer.Argument(help="Record files (<stem>.jsonl).")],
    lock: LockOpt = None,
    source_root: Annotated[Optional[Path], typer.Option(
        help="Find each source by its file name in this directory (the sources moved).")] = None,
) -> None:
    """Check records against their source files, themselves and the model they name."""
    from ..verify import verify_file

    for path in records:
        try:
            done = verify_file(path, lock=lock, source_root=source_root)
        except PipelineError as exc:
            fail(exc)
        docs = f"{done.documents} documents, " if done.documents > 1 else ""
        say(f"ok: {path} ({docs}{done.records} records)")
