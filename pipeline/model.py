"""Where the model files come from, and proof that they are the ones pinned.

Every source ends in the same place: a local directory of verified MarianMT files that the
engines load with ``from_pretrained``.

* The pinned hub model lives in the Hugging Face cache (standard layout, so other tools and
  ``HF_HUB_OFFLINE=1`` find it). :func:`fetch` downloads exactly the pinned revision, checks
  every value models.lock has, and records the rest; :func:`install_from_dir` does the same
  with a copy of the repository brought in by other means (an air-gapped newsroom).
  The engines then load a directory holding *only* the pinned files (:func:`from_lock`), so a
  file that someone else downloaded into the same snapshot is never loaded unpinned.
* A ``--model-dir`` is hashed and recorded as is.

``HF_ENDPOINT`` is read when a function runs (huggingface_hub itself reads it once, at import)
and passed on explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import LockError, ModelIntegrityError, ModelUnavailableError
from .lock import (COMPLETE_HINT, DIRECTORY, HUB, NOT_PINNED_HINT, ModelLock, check_files,
                   check_pin, directory_digests, files_to_pin)
from .snapshots import cached_snapshot, install, pinned_view

#: Seconds to wait for the hub to answer one metadata request (the listing, a file's HEAD):
#: an unreachable hub fails fast instead of hanging a batch.
HUB_TIMEOUT = 10.0
DEFAULT_ENDPOINT = "https://huggingface.co"
_LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"


@dataclass(frozen=True)
class ModelSource:
    """A verified local copy of a MarianMT checkpoint and what it is."""

    path: Path
    files: dict[str, str] = field(default_factory=dict)
    repo: str | None = None
    revision: str | None = None
    pair: str | None = None  # the pair it translates, when a translator says so

    @property
    def digest(self) -> str:
        """One sha256 over the file digests: the model's identity in cache keys."""
        from .provenance import files_digest

        return files_digest(self.files)

    def provenance(self) -> dict:
        """The ``model`` object of a document's provenance."""
        if self.repo:
            return {"repo": self.repo, "revision": self.revision, "files": dict(self.files)}
        return {"dir": str(self.path), "files": dict(self.files)}


@dataclass(frozen=True)
class Fetched:
    """A verified copy of a pin in the Hugging Face cache, and the pin after the check: every
    value it had marked verified, every file it lacked recorded."""

    lock: ModelLock
    path: Path


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


def hub_endpoint() -> str:
    """The hub to talk to: ``$HF_ENDPOINT`` at call time, else huggingface.co."""
    return os.environ.get("HF_ENDPOINT", "").strip().rstrip("/") or DEFAULT_ENDPOINT


def from_directory(directory: str | Path) -> ModelSource:
    """A ``--model-dir``: any directory written by ``save_pretrained``; its digests are recorded."""
    d = Path(directory)
    if not d.is_dir():
        raise ModelUnavailableError(f"{d}: --model-dir is not a directory")
    only_regular_files(d)
    return ModelSource(path=d.resolve(), files=directory_digests(d, _digest_cache()))


def only_regular_files(directory: Path) -> None:
    """Refuse a model directory holding a FIFO, socket or device (also through a symbolic
    link): the engines' loaders open whatever file they look for, and would wait on a FIFO
    forever or read a device without end. Sub-directories and broken links are left alone."""
    import stat

    from .io import NotRegularFile

    for entry in os.scandir(directory):
        try:
            mode = os.stat(entry.path).st_mode
        except OSError:
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            kind = NotRegularFile.kind_of(mode)
            raise ModelIntegrityError(f"{entry.path}: is {kind}, not a regular file; a model "
                                      "directory holds regular files only")


def from_lock(lock: ModelLock, download: bool = True, rehash: bool = False) -> ModelSource:
    """The pinned model from the HF cache, downloading missing files if allowed and possible.

    The pin must be complete. Every file is checked against the lock before it is used; a
    mismatch refuses to run. ``rehash`` ignores remembered digests and reads every byte again.
    The returned path holds the pinned files and nothing else.
    """
    if not lock.pinned:
        raise _incomplete(lock, "offline mode is on" if download and hub_offline() else None)
    cache = hf_cache_dir()
    directory = cached_snapshot(lock, cache)
    if directory is None:
        if not download or hub_offline():
            raise _unavailable(lock, cache, "offline mode is on" if hub_offline() else None)
        directory = fetch(lock).path
    expected = {n: p.sha256 for n, p in lock.files.items()}
    check_files(directory, expected, "models.lock", None if rehash else _digest_cache())
    return ModelSource(path=pinned_view(lock, directory), files=expected, repo=lock.repo,
                       revision=lock.revision)


def resolve(model_dir: str | Path | None, lock_path: str | Path, download: bool = True,
            report: Callable[[str], None] | None = None, pair: str = "de-en",
            repo: str | None = None) -> ModelSource:
    """The model for a run: ``--model-dir`` if given, else the pin of ``pair`` (a lock key) in
    ``lock_path``.

    A pair the lock does not pin yet is pinned on first use (``repo``, from the pair registry)
    when downloading is allowed and the hub answers, and written to ``lock_path``; a partial
    pin (a revision and some digests, e.g. from the public record) is completed the same way.
    ``report`` is told what changed. Offline, either is refused with one line that names the
    ways on."""
    if model_dir is not None:
        return from_directory(model_dir)
    from .lock import ModelLock, find_pin, unpinned_hint, write_lock

    lock = find_pin(lock_path, pair)
    if lock is None:
        if repo is None or not download or hub_offline():
            why = "offline mode is on; " if download and hub_offline() else ""
            raise ModelUnavailableError(f"{lock_path} pins no model for {pair} yet ({why}"
                                        f"{repo or 'no repository known'}): "
                                        f"{unpinned_hint(pair)}")
        try:
            done = pin_from_hub(ModelLock(repo=repo, license=""))
        except ModelUnavailableError as exc:
            raise ModelUnavailableError(f"{lock_path} pins no model for {pair} yet and {repo} "
                                        f"cannot be pinned now ({str(exc).split(': ')[0]}): "
                                        f"{unpinned_hint(pair)}") from None
        write_lock(done.lock, lock_path, pair)
        if report is not None:
            report(f"{lock_path}: {pair}: {describe_change(ModelLock(repo, ''), done.lock)}")
        lock = done.lock
    elif lock.partial and download and not hub_offline():
        done = fetch(lock)
        write_lock(done.lock, lock_path, pair)  # a LockError when it cannot be written
        if report is not None:
            report(f"{lock_path}: {describe_change(lock, done.lock)}")
        lock = done.lock
    return from_lock(lock, download=download)


def fetch(lock: ModelLock) -> Fetched:
    """Download exactly the pinned revision into the HF cache and check it against the lock.

    A complete pin already in the cache is only checked (no network). Otherwise the hub's file
    listing of the revision is read; a file whose listed LFS sha256 or size contradicts the
    lock is refused before any download. Each file is downloaded, checked against the lock's
    values (and against the hub's LFS sha256), and the files the lock does not name yet are
    recorded. Any mismatch raises :class:`ModelIntegrityError`, removes that download from the
    cache, and leaves the caller's lock as it was (nothing is returned)."""
    if not lock.revision:
        raise LockError(f"models.lock does not pin {lock.repo} yet: {NOT_PINNED_HINT}")
    cache = hf_cache_dir()
    if lock.pinned:
        directory = cached_snapshot(lock, cache)
        if directory is not None:
            check_files(directory, {n: p.sha256 for n, p in lock.files.items()}, "models.lock",
                        _digest_cache())
            return Fetched(lock, directory)
    if hub_offline():
        raise _unavailable(lock, cache, "offline mode is on")
    return _fetch_listed(lock, _model_info(lock.repo, lock.revision, lock), cache)


def pin_from_hub(lock: ModelLock, revision: str | None = None) -> Fetched:
    """Pin ``revision`` (a branch, tag or commit; default: the lock's own revision, else
    ``main``): resolve it to a commit on the hub, then :func:`fetch` it. Values the lock has
    for that same commit are checked; values of another commit are dropped."""
    if hub_offline():
        raise ModelUnavailableError(f"cannot pin {lock.repo}: offline mode is on (HF_HUB_OFFLINE); "
                                    "run `pipeline models lock` on a machine with network, or "
                                    "`pipeline models lock --from-dir DIR` with a copy of it")
    info = _model_info(lock.repo, revision or lock.revision or "main", lock)
    target = lock.at_revision(info.sha, HUB, verified=True)
    card = getattr(info, "card_data", None)
    if not target.license and isinstance(getattr(card, "license", None), str):
        target = replace(target, license=card.license)  # as the repository's card states it
    return _fetch_listed(target, info, hf_cache_dir())


def _fetch_listed(lock: ModelLock, info, cache: Path) -> Fetched:
    """:func:`fetch` once the hub's listing ``info`` of ``lock.revision`` is known."""
    where = f"{hub_endpoint()}/{lock.repo}@{lock.revision}"
    if info.sha != lock.revision:
        raise ModelIntegrityError(f"{where}: the hub answered with commit {info.sha}; refused")
    listed = {s.rfilename: s for s in info.siblings or []}
    names = files_to_pin(lock, listed, where)
    for name in names:  # refuse from the listing, before downloading hundreds of megabytes
        pin, entry = lock.files.get(name), listed[name]
        lfs_sha = entry.lfs.sha256 if entry.lfs is not None else None
        size = entry.lfs.size if entry.lfs is not None else entry.size
        if pin is not None and lfs_sha is not None and lfs_sha != pin.sha256:
            raise ModelIntegrityError(f"{where}: the hub lists sha256 {lfs_sha} for {name}, "
                                      f"models.lock pins {pin.sha256} ({pin.origin}): refused "
                                      "before downloading; models.lock was left as it was")
        if pin is not None and pin.size is not None and size is not None and size != pin.size:
            raise ModelIntegrityError(f"{where}: the hub lists {size} bytes for {name}, "
                                      f"models.lock pins {pin.size}: refused before downloading; "
                                      "models.lock was left as it was")
    files = {}
    for name in names:
        entry = listed[name]
        path = _download(lock, name, cache)
        try:
            if path.parent.name != lock.revision:
                raise ModelIntegrityError(f"{where}: the hub served {name} from commit "
                                          f"{path.parent.name}")
            files[name] = check_pin(lock, name, path, where, origin=HUB,
                                    listed_sha256=entry.lfs.sha256 if entry.lfs else None)
        except ModelIntegrityError as exc:
            _discard(path)
            raise ModelIntegrityError(f"{exc}: refused; the file was removed from the cache "
                                      "and models.lock was left as it was") from None
    return Fetched(replace(lock, files=files, revision_verified=True), path.parent)


def install_from_dir(lock: ModelLock, directory: str | Path) -> Fetched:
    """Check a copy of the repository at ``lock.revision`` (brought in by other means) against
    the lock and install it in the HF cache, in the hub's own layout, so that :func:`from_lock`
    finds it offline. Values the lock has must match; the files it does not name yet are
    recorded with origin "directory". The revision cannot be checked from files: it stays as
    the lock (or ``pipeline models lock --from-dir DIR --revision COMMIT``) states it."""
    d = Path(directory)
    if not d.is_dir():
        raise ModelUnavailableError(f"{d}: --from-dir is not a directory")
    if not lock.revision:
        raise LockError(f"--from-dir needs the commit the copy was taken from, and models.lock "
                        f"names none for {lock.repo}: pass it with `pipeline models lock "
                        "--from-dir DIR --revision COMMIT`")
    names = files_to_pin(lock, [p.name for p in d.iterdir() if p.is_file()], str(d))
    files = {}
    for name in names:
        _refuse_lfs_pointer(d / name)
        try:
            files[name] = check_pin(lock, name, d / name, str(d), origin=DIRECTORY)
        except ModelIntegrityError as exc:
            raise ModelIntegrityError(f"{exc}: refused; nothing was installed and models.lock "
                                      "was left as it was") from None
    done = replace(lock, files=files)
    snapshot = install(done, {n: d / n for n in names}, hf_cache_dir())
    check_files(snapshot, {n: p.sha256 for n, p in files.items()}, "models.lock")
    return Fetched(done, snapshot)


def describe_change(old: ModelLock, new: ModelLock) -> str:
    """One line saying what a fetch did to a lock: checked values, recorded files."""
    if old == new:
        return f"{new.repo}@{new.revision}: already complete and verified"
    checked = [n for n, p in sorted(new.files.items()) if n in old.files and not old.files[n].verified]
    added = [f"{n} ({p.origin})" for n, p in sorted(new.files.items()) if n not in old.files]
    parts = []
    if old.revision != new.revision:
        parts.append(f"pinned {new.repo}@{new.revision}")
    if checked:
        parts.append(f"{', '.join(checked)} matched models.lock (now verified)")
    if added:
        parts.append(f"recorded {', '.join(added)}")
    if new.revision_verified and not old.revision_verified and old.revision == new.revision:
        parts.append("the hub served the pinned revision")
    return "; ".join(parts) or "updated"


def _model_info(repo: str, revision: str, lock: ModelLock):
    """The hub's listing of ``repo`` at ``revision`` with file sizes and LFS digests."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    endpoint = hub_endpoint()
    try:
        return HfApi(endpoint=endpoint).model_info(repo, revision=revision, files_metadata=True,
                                                   timeout=HUB_TIMEOUT)
    except RevisionNotFoundError:
        raise LockError(f"{endpoint}: {repo} has no revision {revision}; check models.lock, or "
                        "pin another with `pipeline models lock --revision REV`") from None
    except RepositoryNotFoundError:
        raise LockError(f"{endpoint}: no repository {repo} (or it needs a login)") from None
    except Exception as exc:  # network, proxy, server errors: all mean "cannot reach it now"
        raise _unavailable(lock, hf_cache_dir(), _first_line(exc)) from None


def _download(lock: ModelLock, name: str, cache: Path) -> Path:
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(lock.repo, name, revision=lock.revision, cache_dir=cache,
                                    endpoint=hub_endpoint(), etag_timeout=HUB_TIMEOUT))
    except Exception as exc:  # network, auth, missing file: all mean "cannot fetch"
        raise _unavailable(lock, cache, _first_line(exc)) from None


def _first_line(exc: BaseException) -> str:
    text = (str(exc).splitlines() or [""])[0][:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _discard(path: Path) -> None:
    """Remove a refused download from the HF cache: the snapshot entry and its blob."""
    blob = path.resolve()
    for p in {path, blob}:
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass


def _refuse_lfs_pointer(path: Path) -> None:
    from .io import open_regular

    f, st = open_regular(path)
    with f:
        if st.st_size < 1024 and f.read(len(_LFS_POINTER)) == _LFS_POINTER:
                raise ModelIntegrityError(f"{path}: a Git LFS pointer, not the file itself: run "
                                          "`git lfs pull` in that copy, then try again")


def _incomplete(lock: ModelLock, why: str | None) -> LockError:
    if not lock.revision:
        return LockError(f"models.lock does not pin {lock.repo} yet (missing: "
                         f"{', '.join(lock.missing())}): {NOT_PINNED_HINT}, or translate with a "
                         "local model via --model-dir DIR")
    reason = f" and {why}" if why else ""
    return LockError(f"models.lock pins {lock.repo}@{lock.revision[:12]} only in part (missing: "
                     f"{', '.join(lock.missing())}){reason}: {COMPLETE_HINT}, or translate with "
                     "a local model via --model-dir DIR")


def _unavailable(lock: ModelLock, cache: Path, why: str | None) -> ModelUnavailableError:
    reason = f" ({why})" if why else ""
    if not lock.revision:
        return ModelUnavailableError(
            f"cannot pin {lock.repo}: the hub cannot be reached{reason}: run `pipeline models "
            "lock` where it can, or `pipeline models lock --from-dir DIR --revision COMMIT` with a "
            "copy of the repository, or translate with a local model via --model-dir DIR")
    return ModelUnavailableError(
        f"model {lock.repo}@{lock.revision} is not in the Hugging Face cache ({cache}) and cannot "
        f"be downloaded{reason}: run `pipeline models fetch` where the hub is reachable, or "
        "`pipeline models fetch --from-dir DIR` with a copy of the repository, or translate with "
        "a local model via --model-dir DIR")
