"""Translation memory: a SQLite store of finished translations.

Keyed by the translation key (model digest, engine, compute type, decoding settings) and the
exact source text, so a hit is exactly what the engine would be asked for again. WAL mode and a
busy timeout make it safe for several processes at once (``make -j``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import CacheError

SCHEMA = 1  # bump and rename the file when columns change
#: How long a process waits for another one that holds the memory, in seconds.
BUSY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Entry:
    """What the memory keeps of one translation."""

    target: str
    score: float | None
    source_tokens: int
    target_tokens: int
    flags: tuple[str, ...]
    pieces: tuple[tuple[int, int], ...] = ()


def _key(translation_key: str, source: str) -> str:
    return hashlib.sha256(f"{translation_key}\x00{source}".encode("utf-8", "surrogatepass")).hexdigest()


class TranslationMemory:
    """``get_many`` / ``put_many`` over one SQLite file."""

    @classmethod
    def open(cls, path: str | Path, translation_key: str,
             report: Callable[[str], None]) -> TranslationMemory | None:
        """The memory at ``path``, or None (with one warning) when its directory cannot be
        used; a damaged file is moved aside and a new one made."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not os.access(path.parent, os.W_OK | os.X_OK):
                raise PermissionError(13, "Permission denied")
        except OSError as exc:
            report(f"warning: translation memory off: cannot use {path.parent} "
                   f"({exc.strerror or exc}); set PIPELINE_CACHE to a writable directory")
            return None
        try:
            return cls(path, translation_key, report)
        except sqlite3.DatabaseError as exc:
            if _locked(exc):
                raise _locked_error(path) from None
            _move_aside(path, exc, report)
            try:
                return cls(path, translation_key, report)
            except sqlite3.DatabaseError as again:
                report(f"warning: translation memory off: {path}: {again}")
                return None

    def __init__(self, path: str | Path, translation_key: str,
                 report: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.translation_key = translation_key
        self.report = report or (lambda message: None)
        self._bad_rows = 0
        self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        self.conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        # Switching to WAL needs a moment of exclusive access, and SQLite does not wait for it
        # through the busy timeout: when several processes open a new memory at once, retry.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute(
                    "CREATE TABLE IF NOT EXISTS tm (key TEXT PRIMARY KEY, translation_key TEXT "
                    "NOT NULL, target TEXT NOT NULL, score REAL, source_tokens INTEGER NOT NULL, "
                    "target_tokens INTEGER NOT NULL, flags TEXT NOT NULL, pieces TEXT NOT NULL)")
                self.conn.execute("SELECT key FROM tm LIMIT 1").fetchall()  # reads a page
                break
            except sqlite3.OperationalError as exc:
                if not _locked(exc) or time.monotonic() > deadline:
                    self.conn.close()
                    raise
                time.sleep(0.05 + random.random() * 0.1)
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def get_many(self, sources: Iterable[str]) -> dict[str, Entry]:
        """The entries found for ``sources``; a row that does not decode is a miss."""
        try:
            return self._get_many(list(dict.fromkeys(sources)))
        except sqlite3.DatabaseError as exc:
            if _locked(exc):
                raise _locked_error(self.path) from None
            self._restart(exc)
            return {}

    def _get_many(self, items: list[str]) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for i in range(0, len(items), 500):
            chunk = items[i : i + 500]
            keys = {_key(self.translation_key, s): s for s in chunk}
            rows = self.conn.execute(
                f"SELECT key, target, score, source_tokens, target_tokens, flags, pieces FROM tm "
                f"WHERE key IN ({','.join('?' * len(keys))})", list(keys)).fetchall()
            for row in rows:
                entry = _decode(row[1:], len(keys[row[0]]))
                if entry is None:
                    self._bad_rows += 1
                    if self._bad_rows == 1:
                        self.report(f"warning: {self.path}: a row of the translation memory does "
                                    "not decode; translating its sentence again")
                    continue
                found[keys[row[0]]] = entry
        return found

    def put_many(self, entries: dict[str, Entry]) -> None:
        if not entries:
            return
        rows = [(_key(self.translation_key, s), self.translation_key, e.target, e.score,
                 e.source_tokens, e.target_tokens, json.dumps(list(e.flags)),
                 json.dumps([list(p) for p in e.pieces]))
                for s, e in entries.items()]
        for attempt in (1, 2):
            try:
                with self.conn:
                    self.conn.execute("BEGIN IMMEDIATE")
                    self.conn.executemany("INSERT OR REPLACE INTO tm VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                          rows)
                return
            except sqlite3.DatabaseError as exc:
                if _locked(exc):
                    raise _locked_error(self.path) from None
                if attempt == 2:
                    raise CacheError(f"{self.path}: cannot write the translation memory ({exc}); "
                                     "run with --no-cache") from None
                self._restart(exc)

    def _restart(self, exc: Exception) -> None:
        """Move a memory found damaged while in use aside and go on with a new one."""
        self.conn.close()
        _move_aside(self.path, exc, self.report)
        fresh = TranslationMemory(self.path, self.translation_key, self.report)
        self.conn = fresh.conn

    def __len__(self) -> int:  # noqa: D105
        return self.conn.execute("SELECT COUNT(*) FROM tm").fetchone()[0]

    def close(self) -> None:
        self.conn.close()


def _locked(exc: Exception) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _locked_error(path: Path) -> CacheError:
    return CacheError(f"{path}: the translation memory is locked by another process for over "
                      f"{BUSY_TIMEOUT_S:g} s; retry, or run with --no-cache")


def _move_aside(path: Path, exc: Exception, report: Callable[[str], None]) -> None:
    """Rename a damaged memory (and its WAL files) out of the way, saying so once."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    for suffix in ("", "-wal", "-shm"):
        try:
            os.replace(f"{path}{suffix}", f"{aside}{suffix}")
        except FileNotFoundError:
            pass
        except OSError as err:
            raise CacheError(f"{path}: the translation memory is damaged ({exc}) and cannot be "
                             f"moved aside ({err.strerror or err}); delete it, or run with "
                             "--no-cache") from None
    report(f"warning: {path}: the translation memory is damaged ({exc}); moved it to "
           f"{aside.name} and started a new one")


def _decode(row: tuple, source_chars: int) -> Entry | None:
    """An entry from a stored row, or None when any value has the wrong type or shape."""
    try:
        target, score, st, tt, flags, pieces = row
        flags = tuple(json.loads(flags))
        pieces = tuple(tuple(p) for p in json.loads(pieces))
        ok = (isinstance(target, str) and (score is None or (isinstance(score, float)
              and math.isfinite(score) and score <= 0))
              and type(st) is int and type(tt) is int and st >= 0 and tt >= 0
              and all(isinstance(f, str) and f.replace("_", "").isalpha() and f.islower()
                      for f in flags)
              and all(len(p) == 2 and all(type(x) is int for x in p)
                      and 0 <= p[0] < p[1] <= source_chars for p in pieces))
    except (ValueError, TypeError, RecursionError):
        return None
    return Entry(target, score, st, tt, flags, pieces) if ok else None
