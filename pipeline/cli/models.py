"""``pipeline models lock|fetch|verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PipelineError
from . import LockOpt, fail, models_app


@models_app.command("lock")
def models_lock(
    lock: LockOpt = None,
    revision: Annotated[str, typer.Option(help="Branch, tag or commit to pin.")] = "main",
    if_unpinned: Annotated[bool, typer.Option(
        "--if-unpinned", help="Do nothing when the lock is already fully pinned.")] = False,
) -> None:
    """Resolve the model's revision and file digests from the hub (needs network); rewrite the lock."""
    from ..lock import default_lock_path, read_lock, write_lock
    from ..model import lock_from_hub

    lock = lock if lock is not None else default_lock_path()

    try:
        current = read_lock(lock)
        if if_unpinned and current.pinned:
            typer.echo(f"{lock}: {current.repo}@{current.revision} already pinned")
            return
        new = lock_from_hub(current.repo, revision, current.license)
        write_lock(new, lock)
    except PipelineError as exc:
        fail(exc)
    typer.echo(f"{lock}: pinned {new.repo}@{new.revision} ({len(new.files)} files)")


@models_app.command("fetch")
def models_fetch(lock: LockOpt = None) -> None:
    """Download exactly the pinned files into the Hugging Face cache and check them."""
    from ..lock import default_lock_path, read_lock
    from ..model import fetch

    lock = lock if lock is not None else default_lock_path()

    try:
        path = fetch(read_lock(lock))
    except PipelineError as exc:
        fail(exc)
    typer.echo(f"ok: {path}")


@models_app.command("verify")
def models_verify(
    lock: LockOpt = None,
    model_dir: Annotated[Optional[Path], typer.Option(help="Check this directory instead.")] = None,
) -> None:
    """Check offline that the cached model files match the lock (or list a directory's digests)."""
    from ..lock import default_lock_path

    lock = lock if lock is not None else default_lock_path()
    from ..lock import read_lock
    from ..model import from_directory, from_lock

    try:
        if model_dir is not None:
            source = from_directory(model_dir)
            for name, digest in sorted(source.files.items()):
                typer.echo(f"{digest}  {name}")
            return
        current = read_lock(lock)
        if not current.pinned:
            typer.echo(f"{lock}: {current.repo}: {', '.join(current.missing())} not pinned: run "
                       "`make lock` (or `pipeline models lock`) with network", err=True)
            raise typer.Exit(2)
        source = from_lock(current, download=False, rehash=True)
    except PipelineError as exc:
        fail(exc)
    typer.echo(f"ok: {source.repo}@{source.revision}: {len(source.files)} files match {lock}")
