"""Where the model files come from, and proof that they are the ones pinned.

Both sources end in the same place: a local directory of verified MarianMT files that the
engines load with ``from_pretrained``. The pinned hub model is looked up in the Hugging Face
cache (downloaded there only when allowed); a ``--model-dir`` is hashed and recorded as is.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LockError, ModelUnavailableError
from .lock import NOT_PINNED_HINT, ModelLock, check_files, directory_digests


@dataclass(frozen=True)
class ModelSource:
    """A verified local copy of a MarianMT checkpoint and what it is."""

    path: Path
    files: dict[str, str] = field(default_factory=dict)
    repo: str | None = None
    revision: str | None = None

    @property
    def digest(self) -> str:
        """One sha256 over the file digests: the model's identity in cache keys."""
        text = "\n".join(f"{name}:{sha}" for name, sha in sorted(self.files.items()))
        return hashlib.sha256(text.encode()).hexdigest()

    def provenance(self) -> dict:
        """The ``model`` object of each record."""
        if self.repo:
            return {"repo": self.repo, "revision": self.revision, "files": dict(self.files)}
        return {"dir": str(self.path), "files": dict(self.files)}

    @property
    def short(self) -> str:
        """A short label for signatures: repo@revision[:12] or dir:digest[:12]."""
        if self.repo:
            return f"{self.repo}@{(self.revision or '')[:12]}"
        return f"dir:{self.digest[:12]}"


def _digest_cache() -> Path | None:
    """Where file digests are remembered between runs; PIPELINE_REHASH=1 turns it off."""
    if os.environ.get("PIPELINE_REHASH", "").strip() in ("1", "true", "yes"):
        return None
    from .paths import cache_dir

    return cache_dir()


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, honouring HF_HUB_CACHE and HF_HOME at call time."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface")
    return Path(home) / "hub"


def hub_offline() -> bool:
    """True when the user asked for no network (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE)."""
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
               for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def from_directory(directory: str | Path) -> ModelSource:
    """A ``--model-dir``: any directory written by ``save_pretrained``; its digests are recorded."""
    d = Path(directory)
    if not d.is_dir():
        raise ModelUnavailableError(f"{d}: --model-dir is not a directory")
    return ModelSource(path=d.resolve(), files=directory_digests(d, _digest_cache()))


def from_lock(lock: ModelLock, download: bool = True, rehash: bool = False) -> ModelSource:
    """The pinned model from the HF cache, downloading missing files if allowed and possible.

    Every file is checked against the lock before it is used; a mismatch refuses to run.
    ``rehash`` ignores remembered digests and reads every byte again.
    """
    if not lock.pinned:
        raise LockError(
            f"models.lock does not pin {lock.repo} yet (missing: {', '.join(lock.missing())}): "
            f"{NOT_PINNED_HINT}, or translate with a local model via --model-dir DIR")
    cache = hf_cache_dir()
    directory = _cached_snapshot(lock, cache)
    if directory is None:
        if not download or hub_offline():
            raise _unavailable(lock, cache, "offline mode is on" if hub_offline() else None)
        directory = fetch(lock)
    check_files(directory, {n: p.sha256 for n, p in lock.files.items()}, "models.lock",
                None if rehash else _digest_cache())
    return ModelSource(path=directory, files={n: p.sha256 for n, p in lock.files.items()},
                       repo=lock.repo, revision=lock.revision)


def _cached_snapshot(lock: ModelLock, cache: Path) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    found = []
    for name in lock.files:
        path = try_to_load_from_cache(lock.repo, name, cache_dir=cache, revision=lock.revision)
        if not isinstance(path, str):
            return None
        found.append(Path(path).parent)
    return found[0] if found and all(p == found[0] for p in found) else None


def fetch(lock: ModelLock) -> Path:
    """Download exactly the pinned files at the pinned revision into the HF cache."""
    from huggingface_hub import hf_hub_download

    if not lock.pinned:
        raise LockError(f"models.lock does not pin {lock.repo} yet: {NOT_PINNED_HINT}")
    cache = hf_cache_dir()
    paths = []
    for name in sorted(lock.files):
        try:
            paths.append(Path(hf_hub_download(lock.repo, name, revision=lock.revision,
                                              cache_dir=cache, etag_timeout=10)))
        except Exception as exc:  # network, auth, missing file: all mean "cannot fetch"
            raise _unavailable(lock, cache, f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
                               if str(exc) else type(exc).__name__) from None
    directory = paths[0].parent
    check_files(directory, {n: p.sha256 for n, p in lock.files.items()}, "models.lock")
    return directory


def _unavailable(lock: ModelLock, cache: Path, why: str | None) -> ModelUnavailableError:
    reason = f" ({why})" if why else ""
    return ModelUnavailableError(
        f"model {lock.repo}@{lock.revision} is not in the Hugging Face cache ({cache}) and cannot "
        f"be downloaded{reason}: run `pipeline models fetch` on a machine with network (copy the "
        "cache over if needed), or translate with a local model via --model-dir DIR")


def lock_from_hub(repo: str, revision: str = "main", license: str = "") -> ModelLock:
    """Resolve ``revision`` to a commit, download the checkpoint files into the HF cache, and
    return a lock with each file's size and sha256 (cross-checked with the hub's LFS digest)."""
    from huggingface_hub import HfApi, hf_hub_download

    from .document import sha256_file
    from .lock import CONFIG_FILES, TOKENIZER_FILES, WEIGHT_FILES, FilePin

    if hub_offline():
        raise ModelUnavailableError(f"cannot pin {repo}: offline mode is on (HF_HUB_OFFLINE); "
                                    "run `pipeline models lock` on a machine with network")
    cache = hf_cache_dir()
    try:
        info = HfApi().model_info(repo, revision=revision, files_metadata=True)
        siblings = {s.rfilename: s for s in info.siblings or []}
        names = [n for n in CONFIG_FILES + TOKENIZER_FILES if n in siblings]
        names += [w for w in WEIGHT_FILES if w in siblings][:1]
        files = {}
        for name in names:
            path = Path(hf_hub_download(repo, name, revision=info.sha, cache_dir=cache))
            digest = sha256_file(path)
            lfs = getattr(siblings[name], "lfs", None)
            lfs_sha = getattr(lfs, "sha256", None) if lfs is not None else None
            if lfs_sha and lfs_sha != digest:
                raise ModelUnavailableError(f"{path}: downloaded file has sha256 {digest}, the "
                                            f"hub says {lfs_sha}; try again")
            files[name] = FilePin(path.stat().st_size, digest)
    except ModelUnavailableError:
        raise
    except Exception as exc:  # network, auth, unknown repo: all mean "cannot pin now"
        first = (str(exc).splitlines() or [""])[0][:160]
        raise ModelUnavailableError(f"cannot pin {repo}@{revision} from the Hugging Face hub "
                                    f"({type(exc).__name__}: {first}); the lock was left as it "
                                    "was. Run it again with network") from None
    return ModelLock(repo=repo, license=license, revision=info.sha, files=files)


def resolve(model_dir: str | Path | None, lock_path: str | Path, download: bool = True) -> ModelSource:
    """The model for a run: ``--model-dir`` if given, else the pin in ``lock_path``."""
    if model_dir is not None:
        return from_directory(model_dir)
    from .lock import read_lock

    return from_lock(read_lock(lock_path), download=download)
