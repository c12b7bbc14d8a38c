"""``pipeline models lock|fetch|verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PipelineError
from .common import LockOpt, fail, models_app, say

FromDirOpt = Annotated[Optional[Path], typer.Option(
    "--from-dir", help="A copy of the model repository brought in by other means (no network): "
    "checked against the lock and installed in the Hugging Face cache.", show_default=False)]


PairOpt = Annotated[str, typer.Option(
    "--pair", help="The translation pair whose model is meant (SRC-TGT, e.g. fr-en).")]
BigOpt = Annotated[bool, typer.Option(
    "--big", help="The pair's opus-mt-tc-big model (where the pair registry lists one).")]


def _key(pair: str, big: bool) -> tuple[str, str]:
    """(lock key, repository) of ``pair``; a pair the registry does not list is a usage error."""
    from ..errors import PipelineError
    from ..languages.pairs import Pair, family_for, lock_key, repo_for

    try:
        p = Pair.parse(pair)
        family = family_for(p, big)
        if big and family != "tc-big":
            raise typer.BadParameter(f"the pair registry lists no tc-big model for {p}",
                                     param_hint="--big")
        return lock_key(p, family), repo_for(p, family)
    except PipelineError as exc:
        raise typer.BadParameter(str(exc), param_hint="--pair") from None


@models_app.command("lock")
def models_lock(
    lock: LockOpt = None,
    revision: Annotated[Optional[str], typer.Option(
        help="Branch, tag or commit to pin (default: the lock's own revision, else main); with "
        "--from-dir, the full commit the copy was taken from.", show_default=False)] = None,
    from_dir: FromDirOpt = None,
    if_unpinned: Annotated[bool, typer.Option(
        "--if-unpinned", help="Do nothing when the lock is already complete.")] = False,
    pair: PairOpt = "de-en",
    big: BigOpt = False,
) -> None:
    """Pin a pair's model: resolve the revision on the hub, download it, check every value the
    lock has and record the rest (needs network), or take the files from --from-dir."""
    from ..lock import DIRECTORY, ModelLock, default_lock_path, find_pin, write_lock
    from ..model import describe_change, install_from_dir, pin_from_hub

    key, repo = _key(pair, big)
    lock = lock if lock is not None else default_lock_path()
    try:
        current = find_pin(lock, key) or ModelLock(repo=repo, license="")
        if if_unpinned and current.pinned:
            say(f"{lock}: {current.repo}@{current.revision} already pinned")
            return
        if from_dir is not None:
            target = current
            if revision is not None:
                target = current.at_revision(_commit(revision), DIRECTORY, verified=False)
            done = install_from_dir(target, from_dir)
        else:
            done = pin_from_hub(current, revision)
        write_lock(done.lock, lock, key)
    except PipelineError as exc:
        fail(exc)
    say(f"{lock}: {describe_change(current, done.lock)} ({len(done.lock.files)} files)")


@models_app.command("fetch")
def models_fetch(lock: LockOpt = None, from_dir: FromDirOpt = None, pair: PairOpt = "de-en",
                 big: BigOpt = False) -> None:
    """Download exactly a pair's pinned revision into the Hugging Face cache (or install it
    from --from-dir), check it, and complete a partial pin in the lock. A pair not pinned yet
    is pinned first (needs the hub)."""
    from ..lock import ModelLock, default_lock_path, find_pin, write_lock
    from ..model import describe_change, fetch, install_from_dir, pin_from_hub

    key, repo = _key(pair, big)
    lock = lock if lock is not None else default_lock_path()
    try:
        current = find_pin(lock, key)
        if current is None and from_dir is None:
            current = ModelLock(repo=repo, license="")
            done = pin_from_hub(current)
        elif current is None:
            from ..lock import read_lock

            read_lock(lock, key)  # the LockError that names the ways on
        else:
            done = install_from_dir(current, from_dir) if from_dir is not None else fetch(current)
        if done.lock != current:
            write_lock(done.lock, lock, key)
            say(f"{lock}: {describe_change(current, done.lock)}")
    except PipelineError as exc:
        fail(exc)
    say(f"ok: {done.path}")


@models_app.command("verify")
def models_verify(
    lock: LockOpt = None,
    model_dir: Annotated[Optional[Path], typer.Option(help="Check this directory instead.")] = None,
    pair: PairOpt = "de-en",
    big: BigOpt = False,
) -> None:
    """Check offline that the cached model files match the lock (or list a directory's digests)."""
    from ..lock import default_lock_path, read_lock
    from ..model import from_directory, from_lock

    lock = lock if lock is not None else default_lock_path()
    try:
        if model_dir is not None:
            source = from_directory(model_dir)
            for name, digest in sorted(source.files.items()):
                say(f"{digest}  {name}")
            return
        source = from_lock(read_lock(lock, _key(pair, big)[0]), download=False, rehash=True)
    except PipelineError as exc:
        fail(exc)
    say(f"ok: {source.repo}@{source.revision}: {len(source.files)} files match {lock}")


def _commit(revision: str) -> str:
    from ..errors import LockError

    if len(revision) != 40 or any(c not in "0123456789abcdef" for c in revision):
        raise LockError(f"--revision with --from-dir must be the full 40-hex commit the copy was "
                        f"taken from (no hub to resolve {revision!r} here)")
    return revision
