"""A set of names kept as their hashes: where a run must remember something of every article
(a record file's journal line, an archive's ids, the output names taken) without keeping the
names themselves.

:class:`HashIndex` maps the hash of a string to a few non-negative integers (a line number, a
byte offset) in one flat ``array`` (open addressing, at most two thirds full): 8 bytes per
integer and per hash, about 36 to 72 bytes an entry for a hash and two integers, where a
``dict`` of the names would hold a string, a tuple and integers of 50 to 100 bytes each. The
name is not kept, so two names of the same hash both come back from :meth:`candidates`: the
caller reads what the integers point at (a journal line, an archive line) to tell them apart.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator


class HashIndex:
    """String hash -> ``width`` non-negative integers (see the module notes)."""

    def __init__(self, width: int = 1) -> None:
        self._width = width
        self._stride = width + 1  # the hash, then the integers; -1 first marks an empty slot
        self._slots = 16
        self._table = self._empty(self._slots)
        self._size = 0

    def _empty(self, slots: int) -> array:
        return array("q", [0] + [-1] * self._width) * slots

    def __len__(self) -> int:
        return self._size

    def add(self, name: str, *values: int) -> None:
        """Remember ``values`` (each ≥ 0) under ``name``'s hash (a name added twice is there
        twice)."""
        if len(values) != self._width or min(values) < 0:
            raise ValueError(f"expected {self._width} non-negative integers, got {values}")
        if 3 * (self._size + 1) > 2 * self._slots:
            self._grow()
        self._put(hash(name), values)
        self._size += 1

    def _grow(self) -> None:
        old, stride = self._table, self._stride
        self._slots *= 2
        self._table = self._empty(self._slots)
        for i in range(0, len(old), stride):
            if old[i + 1] >= 0:
                self._put(old[i], old[i + 1:i + stride])

    def _put(self, h: int, values) -> None:
        table, stride, mask = self._table, self._stride, self._slots - 1
        i = h & mask
        while table[i * stride + 1] >= 0:
            i = (i + 1) & mask
        at = i * stride
        table[at] = h
        for k, value in enumerate(values, at + 1):
            table[k] = value

    def candidates(self, name: str) -> Iterator[tuple[int, ...]]:
        """The integers of every entry whose hash is ``name``'s (in no particular order)."""
        table, stride, mask = self._table, self._stride, self._slots - 1
        h = hash(name)
        i = h & mask
        found = []
        while table[i * stride + 1] >= 0:
            at = i * stride
            if table[at] == h:
                found.append(tuple(table[at + 1:at + stride]))
            i = (i + 1) & mask
        return iter(found)


__all__ = ["HashIndex"]
