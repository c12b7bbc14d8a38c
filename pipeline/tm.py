"""Translation memory: a SQLite store of finished translations.

Keyed by the translation key (model digest, engine, compute type, decoding settings) and the
exact source text, so a hit is exactly what the engine would be asked for again. WAL mode and a
busy timeout make it safe for several processes at once (``make -j``).
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCHEMA = 1  # bump and rename the file when columns change


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

    def __init__(self, path: str | Path, translation_key: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.translation_key = translation_key
        self.conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.conn.execute("PRAGMA busy_timeout=60000")
        # Switching to WAL needs a moment of exclusive access, and SQLite does not wait for it
        # through the busy timeout: when several processes open a new memory at once, retry.
        deadline = time.monotonic() + 60
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute(
                    "CREATE TABLE IF NOT EXISTS tm (key TEXT PRIMARY KEY, translation_key TEXT "
                    "NOT NULL, target TEXT NOT NULL, score REAL, source_tokens INTEGER NOT NULL, "
                    "target_tokens INTEGER NOT NULL, flags TEXT NOT NULL, pieces TEXT NOT NULL)")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05 + random.random() * 0.1)
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def get_many(self, sources: Iterable[str]) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        items = list(dict.fromkeys(sources))
        for i in range(0, len(items), 500):
            chunk = items[i : i + 500]
            keys = {_key(self.translation_key, s): s for s in chunk}
            rows = self.conn.execute(
                f"SELECT key, target, score, source_tokens, target_tokens, flags, pieces FROM tm "
                f"WHERE key IN ({','.join('?' * len(keys))})", list(keys)).fetchall()
            for key, target, score, st, tt, flags, pieces in rows:
                found[keys[key]] = Entry(target, score, st, tt, tuple(json.loads(flags)),
                                         tuple(tuple(p) for p in json.loads(pieces)))
        return found

    def put_many(self, entries: dict[str, Entry]) -> None:
        if not entries:
            return
        rows = [(_key(self.translation_key, s), self.translation_key, e.target, e.score,
                 e.source_tokens, e.target_tokens, json.dumps(list(e.flags)),
                 json.dumps([list(p) for p in e.pieces]))
                for s, e in entries.items()]
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("INSERT OR REPLACE INTO tm VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def __len__(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM tm").fetchone()[0]

    def close(self) -> None:
        self.conn.close()
