"""The Hugging Face cache as :mod:`pipeline.model` uses it: a repository's files laid out as
huggingface_hub lays them out (``blobs/<etag>`` and ``snapshots/<revision>/<name>`` links), the
snapshot of a pinned revision found there, and the pinned view, a directory of links to exactly
the pinned files that the engines load.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from .errors import ModelUnavailableError
from .lock import WEIGHT_FILES, ModelLock


def git_blob_sha1(path: Path) -> str:
    """The git object id of a file: the hub's ETag for a file not stored with LFS."""
    from .io import open_regular

    f, st = open_regular(path)
    h = hashlib.sha1(f"blob {st.st_size}\0".encode())
    with f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def install(lock: ModelLock, sources: dict[str, Path], cache: Path) -> Path:
    """Lay ``sources`` out as huggingface_hub does: ``blobs/<etag>`` (the LFS sha256 for
    weights, the git blob id for the rest) and ``snapshots/<revision>/<name>`` linking to it."""
    base = cache / ("models--" + lock.repo.replace("/", "--"))
    snapshot = base / "snapshots" / str(lock.revision)
    (base / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    for name, src in sorted(sources.items()):
        etag = lock.files[name].sha256 if name in WEIGHT_FILES else git_blob_sha1(src)
        blob = base / "blobs" / etag
        if not blob.is_file() or blob.stat().st_size != src.stat().st_size:
            tmp = blob.with_name(f".{etag}.{os.getpid()}.incomplete")
            shutil.copyfile(src, tmp)
            os.replace(tmp, blob)
        replace_link(snapshot / name, os.path.join("..", "..", "blobs", etag), fallback=blob)
    return snapshot


def replace_link(link: Path, target: str, fallback: Path | None = None) -> None:
    """Point ``link`` at ``target`` atomically; copy ``fallback`` where links are not allowed."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    if os.path.lexists(tmp):
        os.unlink(tmp)
    try:
        os.symlink(target, tmp)
    except OSError:
        if fallback is None:
            raise
        shutil.copyfile(fallback, tmp)
    os.replace(tmp, link)


def pinned_view(lock: ModelLock, snapshot: Path) -> Path:
    """A directory (in the pipeline cache) of links to exactly the pinned files of ``snapshot``.

    transformers loads whatever a directory holds (model.safetensors before pytorch_model.bin,
    any tokenizer file); a snapshot may hold files another tool downloaded at the same
    revision. Loading from this view, an engine sees the pinned files and nothing else."""
    from .paths import cache_dir

    text = f"{lock.repo}@{lock.revision}\n" + "\n".join(
        f"{n}:{p.sha256}" for n, p in sorted(lock.files.items()))
    view = cache_dir() / "models" / hashlib.sha256(text.encode()).hexdigest()[:24]
    try:
        view.mkdir(parents=True, exist_ok=True)
        for name in sorted(lock.files):
            target = str(snapshot / name)
            if not (os.path.islink(view / name) and os.readlink(view / name) == target):
                replace_link(view / name, target)
        for entry in view.iterdir():
            if entry.name not in lock.files and not entry.name.startswith("."):
                entry.unlink()
    except OSError as exc:
        raise ModelUnavailableError(f"{view}: cannot link the pinned model files there ({exc}); "
                                    "set PIPELINE_CACHE to a writable directory") from None
    return view


def cached_snapshot(lock: ModelLock, cache: Path) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    found = []
    for name in lock.files:
        path = try_to_load_from_cache(lock.repo, name, cache_dir=cache, revision=lock.revision)
        if not isinstance(path, str):
            return None
        found.append(Path(path).parent)
    return found[0] if found and all(p == found[0] for p in found) else None


__all__ = ["git_blob_sha1", "install", "replace_link", "pinned_view", "cached_snapshot"]
