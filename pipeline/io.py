"""Atomic file writing: a reader never sees a half-written output, and after a crash of the
machine a renamed file holds all of its bytes."""

from __future__ import annotations

import functools
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import NotRegularFile


@contextmanager
def atomic_writer(path: Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success fsync and ``os.replace`` it into place,
    on any exception remove it and leave ``path`` untouched."""
    with _temporary(path, mode, encoding) as (f, tmp):
        yield f
    try:
        _make_durable([tmp])
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


@contextmanager
def _temporary(path: Path, mode: str = "w",
               encoding: str | None = "utf-8") -> Iterator[tuple[IO, str]]:
    """A new temporary file beside ``path``, named as :func:`sweep_stale_temps` expects;
    flushed, closed and given the umask's mode when the block ends, removed if it raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{TEMP_TAG}-{_host()}-{os.getpid()}.",
                               suffix=".tmp", dir=path.parent)
    try:
        kwargs = {"encoding": encoding, "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f, tmp
            f.flush()
            os.fchmod(f.fileno(), 0o666 & ~_umask())  # mkstemp's 0600 is for the temporary only
    except BaseException:
        _unlink(tmp)
        raise


class AtomicBatch:
    """Several files written atomically, made durable together, renamed into place in order.

    Each file is written to a temporary beside its target. :meth:`commit` first makes every
    temporary durable and only then renames them, in the order they were added, so a file that
    comes later (a document's JSONL) never reaches the disk before the files added before it.
    Durability costs one ``syncfs`` per filesystem on Linux instead of one ``fsync`` per file
    (dpkg's "write all, sync once, rename all"); elsewhere each file is fsynced.

    Files belong to a *unit* (one document): a unit whose file cannot be written or renamed
    loses its remaining temporaries and its later files, and the other units go on.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[str, Path, object]] = []

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, path: Path, text: str | Iterable[str], unit: object = None) -> str:
        """Write ``text`` (UTF-8, newlines as given; a string or its pieces, written as they
        come) to a temporary for ``path``; return its sha256. On failure the temporary is
        removed and the error raised; nothing else changes."""
        import hashlib

        if path.is_dir():  # os.replace would fail only at commit
            raise IsADirectoryError(21, "Is a directory", str(path))
        digest = hashlib.sha256()
        with _temporary(path) as (f, tmp):
            for piece in ([text] if isinstance(text, str) else text):
                f.write(piece)
                digest.update(piece.encode("utf-8"))
        self._pending.append((tmp, path, unit))
        return digest.hexdigest()

    def commit(self) -> dict[object, OSError]:
        """Make every temporary durable, then rename each into place. Returns the units that
        failed to rename, with the error (their later files are not renamed). A failure to make
        the files durable removes every temporary and is raised."""
        pending, self._pending = self._pending, []
        try:
            _make_durable([tmp for tmp, _, _ in pending])
        except BaseException:
            for tmp, _, _ in pending:
                _unlink(tmp)
            raise
        failed: dict[object, OSError] = {}
        try:
            for tmp, path, unit in pending:
                if unit in failed:
                    _unlink(tmp)
                    continue
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    _unlink(tmp)
                    failed[unit] = exc
        except BaseException:
            for tmp, _, _ in pending:
                _unlink(tmp)
            raise
        for directory in dict.fromkeys(path.parent for _, path, _ in pending):
            _fsync_directory(directory)  # the renames themselves
        return failed

    def abort(self, mark: int = 0) -> None:
        """Remove the temporaries added since ``mark`` (a ``len()`` taken earlier; default:
        all), e.g. those of one document that could not be written completely."""
        for tmp, _, _ in self._pending[mark:]:
            _unlink(tmp)
        del self._pending[mark:]


@contextmanager
def atomic_files() -> Iterator[AtomicBatch]:
    """A batch committed when the block ends (the first unit's rename error is raised), or
    aborted, leaving no temporary, when the block raises."""
    batch = AtomicBatch()
    try:
        yield batch
        failed = batch.commit()
    except BaseException:
        batch.abort()
        raise
    for exc in failed.values():
        raise exc


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


@functools.lru_cache(maxsize=1)
def _syncfs():
    """libc's ``syncfs`` (Linux), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syncfs
    except (OSError, AttributeError):
        return None


def _make_durable(paths: list[str]) -> None:
    if not paths:
        return
    syncfs = _syncfs() if len(paths) > 1 else None
    if syncfs is not None:
        seen = set()
        for p in paths:
            dev = os.stat(p).st_dev
            if dev in seen:
                continue
            seen.add(dev)
            fd = os.open(p, os.O_RDONLY)
            try:
                if syncfs(fd) != 0:
                    import ctypes

                    err = ctypes.get_errno()
                    raise OSError(err, os.strerror(err), p)
            finally:
                os.close(fd)
        return
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8, newlines as given)."""
    with atomic_writer(path) as f:
        f.write(text)


#: ``.<target>.pipeline-<host>-<pid>.<8 random>.tmp``: a temporary of :func:`atomic_writer`.
#: The host is there because output directories may be shared between machines (a Ray
#: cluster): a process id means something only on the machine that wrote it. A name without a
#: host (written by earlier versions) counts as this machine's.
TEMP_TAG = "pipeline"
_TEMP = re.compile(rf"^\.(?P<target>.+)\.{TEMP_TAG}-(?:(?P<host>[a-z0-9-]{{1,24}})-)?"
                   rf"(?P<pid>\d+)\.[a-z0-9_]{{8}}\.tmp$")


@functools.cache
def _host() -> str:
    """This machine's short host name as it appears in temporary names: lower case letters,
    digits and ``-``, at most 24 characters (``host`` when nothing is left)."""
    import socket

    name = re.sub(r"[^a-z0-9-]+", "-", socket.gethostname().split(".")[0].lower()).strip("-")
    return name[:24].strip("-") or "host"


def prepare_output_dir(out: Path, option: str = "-o") -> None:
    """Create the output directory ``out`` if needed and check it can be written to; a path
    that is a file, lies below one, loops through symbolic links or is not writable is a
    :class:`pipeline.errors.OutputError` naming it and ``option``."""
    from .errors import OutputError

    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{out}: exists and is not a directory; choose another output "
                          f"directory with {option}") from None
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output directory ({exc.strerror or exc}); "
                          f"choose another one with {option}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: the output directory is not writable; fix its permissions "
                          f"or choose another one with {option}")


def write_output_text(path: Path, text: str, option: str) -> None:
    """:func:`atomic_write_text` for a file the user named with ``option``: a directory, a
    path below a file, a loop or any write failure is a :class:`pipeline.errors.OutputError`
    naming it, and the file is left as it was."""
    from .errors import OutputError

    if path.is_dir():
        raise OutputError(f"{path}: is a directory; {option} names the file to write")
    try:
        atomic_write_text(path, text)
    except (FileExistsError, NotADirectoryError):  # mkdir of the parents met a file
        raise OutputError(f"{path}: cannot be written (a directory above it is a file); "
                          f"choose another file with {option}") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc}); choose another "
                          f"file with {option}") from None


def open_regular(path: str | Path) -> tuple[IO[bytes], os.stat_result]:
    """``path`` opened for reading in binary, and its stat, if it is a regular file (also
    through a symbolic link). Opening never blocks: a FIFO would wait for a writer forever.
    Raises ``FileNotFoundError``, :class:`NotRegularFile` (with the kind of file) or another
    ``OSError``."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotRegularFile(NotRegularFile.kind_of(st.st_mode))
    return os.fdopen(fd, "rb"), st


def host_tag() -> str:
    """This machine's name as temporaries and run journals carry it."""
    return _host()


def process_running(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a zombie counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_temps(directory: Path, targets: Callable[[str], bool] | None = None) -> list[Path]:
    """Remove temporary files that :func:`atomic_writer` left behind in a process of this
    machine that no longer runs (killed mid-write). Only what the tool can prove it made goes:
    a regular file of this user, named exactly as its temporaries are, for a ``target`` name it
    writes (``targets``, default: any); temporaries of live processes are kept."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name)
        if not m or (targets is not None and not targets(m.group("target"))):
            continue
        pid = int(m.group("pid"))
        if m.group("host") not in (None, _host()):
            continue  # another machine's process: whether it runs cannot be known here
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or pid == os.getpid()
                or process_running(pid)):
            continue
        try:
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except FileNotFoundError:
            pass
    return removed
