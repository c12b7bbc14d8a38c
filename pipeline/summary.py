"""What a run did (:class:`RunSummary`), kept small for archives of a million articles.

The summary lists the documents translated and skipped. An archive's articles are named
``archive.jsonl:7``: :class:`Names` keeps such a name as the index of its prefix and its line
number (16 bytes in two arrays) instead of a string of 80 or more bytes, and gives the names
back as they were appended.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class Names(Sequence):
    """A list of input names (a path, or ``PREFIX:LINE`` for an archive line), compact: a
    name ``PREFIX:LINE`` is kept as its prefix's index and the line, any other name as it
    is. Compares equal to a list of the same names."""

    def __init__(self, names=()) -> None:
        self._prefixes: list[str] = []
        self._kinds = array("q")  # >= 0: the prefix's index; -1: a name kept as it is
        self._lines = array("q")  # the line, or the index in _others
        self._others: list[Path | str] = []
        for name in names:
            self.append(name)

    def append(self, name: Path | str) -> None:
        if isinstance(name, str):
            prefix, colon, line = name.rpartition(":")
            if colon and line.isascii() and line.isdigit() and str(int(line)) == line:
                if not self._prefixes or self._prefixes[-1] != prefix:
                    self._prefixes.append(prefix)
                self._kinds.append(len(self._prefixes) - 1)
                self._lines.append(int(line))
                return
        self._kinds.append(-1)
        self._lines.append(len(self._others))
        self._others.append(name)

    def __len__(self) -> int:
        return len(self._kinds)

    def _get(self, k: int) -> Path | str:
        kind, line = self._kinds[k], self._lines[k]
        return self._others[line] if kind < 0 else f"{self._prefixes[kind]}:{line}"

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self._get(i) for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError("name index out of range")
        return self._get(k)

    def __iter__(self) -> Iterator[Path | str]:
        return (self._get(k) for k in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Names, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"Names({list(self)!r})"


@dataclass
class RunSummary:
    """What a run did: documents per outcome, and where each sentence's translation came from."""

    translated: Names = field(default_factory=Names)  # str: an archive line
    skipped: Names = field(default_factory=Names)
    failed: list[tuple[Path | str, str]] = field(default_factory=list)
    sentences: int = 0  # records written for the translated documents
    engine: int = 0  # distinct sentences the engine translated
    memory: int = 0  # distinct sentences served by the translation memory
    passed_through: int = 0  # distinct sentences copied (no words to translate)
    manifest: Path | None = None
    cluster: dict | None = None  # a Ray run: actors, their peak memory, Ray's start-up

    @property
    def ok(self) -> bool:
        return not self.failed

    def line(self) -> str:
        return (f"{len(self.translated)} translated, {len(self.skipped)} skipped, "
                f"{len(self.failed)} failed ({self.sentences} sentences: {self.engine} by the "
                f"engine, {self.memory} from the translation memory, {self.passed_through} "
                "passed through, the rest repeats)")


__all__ = ["RunSummary", "Names"]
