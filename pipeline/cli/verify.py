"""``pipeline verify``: check records against their sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import PipelineError
from . import LockOpt, _fail, app


@app.command()
def verify(
    records: Annotated[list[Path], typer.Argument(help="Record files (<stem>.jsonl).")],
    lock: LockOpt = None,
) -> None:
    """Check records against their source files, themselves and the model they name."""
    from ..lock import default_lock_path

    lock = lock if lock is not None else default_lock_path()
    from ..verify import verify_records

    for path in records:
        try:
            n = verify_records(path, lock)
        except PipelineError as exc:
            _fail(exc)
        typer.echo(f"ok: {path} ({n} records)")
