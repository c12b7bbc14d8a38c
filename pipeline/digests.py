"""File digests, in one place: the sha256 of a regular file, read in chunks (a FIFO or a
device is refused, never waited on), and the same remembered per file identity in a cache."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .io import atomic_write_text, open_regular


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a regular file's bytes, read in chunks; anything else is an ``OSError``
    (:class:`pipeline.io.NotRegularFile`)."""
    h = hashlib.sha256()
    f, _ = open_regular(path)  # a FIFO or device is refused, never waited on or read forever
    with f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_file_cached(path: str | Path, cache_dir: Path | None) -> str:
    """:func:`sha256_file`, remembered per file identity (device, inode, size, mtime and ctime
    in nanoseconds, as git's index does) under ``cache_dir/digests``. Any write to the file
    changes its ctime, so a changed file is always hashed again. ``cache_dir=None`` hashes."""
    if cache_dir is None:
        return sha256_file(path)
    p = Path(path).resolve()
    st = p.stat()
    ident = f"{p}\0{st.st_dev}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}"
    entry = Path(cache_dir) / "digests" / hashlib.sha256(ident.encode("utf-8", "surrogateescape")).hexdigest()
    try:
        digest = entry.read_text(encoding="ascii").strip()
        if len(digest) == 64:
            return digest
    except (OSError, UnicodeDecodeError):
        pass
    digest = sha256_file(p)
    try:
        atomic_write_text(entry, digest + "\n")
    except OSError:
        pass  # a read-only cache only costs time
    return digest
