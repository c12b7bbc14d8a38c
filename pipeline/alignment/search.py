"""The search: the best monotone path of links through a band of the alignment lattice.

The search knows nothing about sentences. A *cell* ``(i, j)`` of the lattice means "the first
``i`` German and the first ``j`` English sentences are aligned"; a *link* of type ``(a, b)``
steps from cell ``(i, j)`` to cell ``(i + a, j + b)`` and covers German ``[i, i + a)`` and English
``[j, j + b)``. A scorer (any object with :meth:`LinkScorer.scores`) gives each link a score;
:func:`best_path` returns the path from ``(0, 0)`` to ``(n, m)`` whose summed score is highest,
looking only at cells inside a :class:`Band`. Keeping the cost of a link apart from the search
over links is Vecalign's ``dp_core`` idea: either side can be replaced and tested alone.

The dynamic programme runs row by row (one German prefix length at a time) with numpy: every
link type that consumes German sentences reads finished rows, and the one type that does not,
``(0, 1)``, is a running maximum along the row (``np.maximum.accumulate``). A band of width
``w`` therefore costs ``O(n * w * len(types))`` score evaluations, done in ``O(n * len(types))``
vectorised calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import InputError

#: Link types searched by default: (German sentences, English sentences) per link.
LINK_TYPES: tuple[tuple[int, int], ...] = (
    (1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3))

#: A link on a path: ``(i, j, a, b)`` covers German ``[i, i + a)`` and English ``[j, j + b)``.
Step = tuple[int, int, int, int]


class LinkScorer(Protocol):
    """Scores of links; higher is better. ``-inf`` forbids a link."""

    def scores(self, i: int, a: int, b: int, j: np.ndarray) -> np.ndarray:
        """Scores of the links covering German ``[i, i + a)`` and English ``[j_k, j_k + b)``
        for every start ``j_k`` in ``j`` (a 1-d integer array); a float array of ``len(j)``."""


@dataclass(frozen=True)
class Band:
    """The cells the search may visit: in row ``i`` (``i`` German sentences consumed) the
    columns ``lo[i] .. hi[i]`` inclusive. Both bounds are non-decreasing, ``lo[0] == 0`` and
    ``hi[-1] == m``, and consecutive rows overlap (``lo[i + 1] <= hi[i]``), so a path from
    ``(0, 0)`` to ``(n, m)`` always exists when ``(0, 1)`` and ``(1, 0)`` links are allowed."""

    lo: tuple[int, ...]
    hi: tuple[int, ...]

    def __post_init__(self) -> None:
        lo, hi = self.lo, self.hi
        if not lo or len(lo) != len(hi):
            raise InputError(f"a band needs one (lo, hi) pair per row; got {len(lo)} lo and "
                             f"{len(hi)} hi bounds")
        if lo[0] != 0 or any(a > b for a, b in zip(lo, hi)) or any(
                lo[k] > lo[k + 1] or hi[k] > hi[k + 1] or lo[k + 1] > hi[k]
                for k in range(len(lo) - 1)):
            raise InputError("a band's rows must start at column 0, have lo <= hi, be "
                             "non-decreasing and overlap their successor; build it with "
                             "full_band, diagonal_band or band_around")

    @property
    def n(self) -> int:
        """Number of German sentences (rows are ``0 .. n``)."""
        return len(self.lo) - 1

    @property
    def m(self) -> int:
        """Number of English sentences (the last row ends at column ``m``)."""
        return self.hi[-1]

    @property
    def cells(self) -> int:
        """Number of lattice cells inside the band."""
        return sum(h - l + 1 for l, h in zip(self.lo, self.hi))

    def contains(self, i: int, j: int) -> bool:
        """Whether cell ``(i, j)`` lies inside the band."""
        return 0 <= i <= self.n and self.lo[i] <= j <= self.hi[i]

    def touches(self, path: Iterable[Step]) -> bool:
        """Whether a path runs along an edge of the band that is not an edge of the lattice
        (a sign that the band was too narrow there and the best path may lie outside it)."""
        for i, j, a, b in path:
            for r, c in ((i, j), (i + a, j + b)):
                if (c == self.lo[r] and c > 0) or (c == self.hi[r] and c < self.m):
                    return True
        return False


def full_band(n: int, m: int) -> Band:
    """Every cell of the ``(n + 1) x (m + 1)`` lattice."""
    return Band((0,) * (n + 1), (m,) * (n + 1))


def diagonal_band(n: int, m: int, width: int) -> Band:
    """Cells within ``width`` columns of the straight line from ``(0, 0)`` to ``(n, m)``."""
    if n == 0:
        return full_band(0, m)
    width = max(width, -(-m // n) + 1)  # wide enough for rows to overlap
    lo, hi = [], []
    for i in range(n + 1):
        centre = i * m / n
        lo.append(max(0, min(m, int(np.floor(centre - width)))))
        hi.append(max(0, min(m, int(np.ceil(centre + width)))))
    lo[0], hi[-1] = 0, m
    return Band(tuple(lo), tuple(hi))


def band_around(path: Sequence[Step], n: int, m: int, width: int) -> Band:
    """Cells within ``width`` columns of a path (a list of steps from ``(0, 0)`` to
    ``(n, m)``). Rows that a link jumps over get the columns that link spans."""
    first = [m] * (n + 1)
    last = [0] * (n + 1)
    first[0] = last[0] = 0
    for i, j, a, b in path:
        for r in range(i, i + a + 1):
            first[r] = min(first[r], j)
            last[r] = max(last[r], j + b)
    lo, hi = [], []
    for r in range(n + 1):
        lo.append(max(0, first[r] - width))
        hi.append(min(m, last[r] + width))
    for r in range(1, n + 1):  # keep the bounds monotone
        lo[r] = max(lo[r], lo[r - 1])
        hi[r] = max(hi[r], hi[r - 1])
    for r in range(n - 1, -1, -1):
        lo[r] = min(lo[r], lo[r + 1])
    lo[0], hi[-1] = 0, m
    for r in range(n):  # and overlapping
        if lo[r + 1] > hi[r]:
            hi[r] = lo[r + 1]
    return Band(tuple(lo), tuple(hi))


def check_types(types: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Validate link types for :func:`best_path` and return them as a tuple."""
    out = tuple((int(a), int(b)) for a, b in types)
    bad = [t for t in out if min(t) < 0 or max(t) < 1 or (t[0] == 0 and t[1] != 1)]
    if bad or len(set(out)) != len(out):
        raise InputError(f"link types {bad or out} are not allowed: each must be (a, b) with "
                         "a, b >= 0, not (0, 0), listed once; the only type without German "
                         "sentences may be (0, 1)")
    return out


def best_path(scorer: LinkScorer, band: Band,
              types: Sequence[tuple[int, int]] = LINK_TYPES) -> list[Step]:
    """The highest-scoring monotone path from ``(0, 0)`` to ``(n, m)`` inside ``band``, as a
    list of steps ``(i, j, a, b)`` in document order.

    Ties between link types are broken towards the type listed first in ``types`` (so
    ``(1, 1)`` before merges when listed first); a ``(0, 1)`` link wins only when strictly
    better.
    Raises :class:`~pipeline.errors.InputError` when no path exists (possible only with types
    that omit ``(0, 1)`` or ``(1, 0)``).
    """
    types = check_types(types)
    n, m = band.n, band.m
    lo, hi = band.lo, band.hi
    down = [(t, a, b) for t, (a, b) in enumerate(types) if a > 0]
    right = next((t for t, (a, _) in enumerate(types) if a == 0), None)
    neg = -np.inf
    cost: list[np.ndarray] = []
    back: list[np.ndarray] = []
    for i in range(n + 1):
        cols = np.arange(lo[i], hi[i] + 1)
        best = np.full(len(cols), neg)
        arg = np.full(len(cols), -1, dtype=np.int8)
        if i == 0:
            best[0] = 0.0  # the origin (lo[0] == 0)
        for t, a, b in down:
            p = i - a
            if p < 0:
                continue
            start = cols - b
            keep = (start >= lo[p]) & (start <= hi[p])
            if not keep.any():
                continue
            k0 = int(np.argmax(keep))
            k1 = len(keep) - int(np.argmax(keep[::-1]))  # keep is one contiguous run
            s = start[k0:k1]
            cand = cost[p][s - lo[p]] + scorer.scores(p, a, b, s)
            better = cand > best[k0:k1]
            best[k0:k1][better] = cand[better]
            arg[k0:k1][better] = t
        if right is not None and len(cols) > 1:
            best = _along_row(best, arg, scorer.scores(i, 0, 1, cols[:-1]), right)
        cost.append(best)
        back.append(arg)
    if not np.isfinite(cost[n][m - lo[n]]):
        raise InputError(f"no path of links {types} joins (0, 0) to ({n}, {m}) inside the band; "
                         "allow (0, 1) and (1, 0) links or widen the band")
    path: list[Step] = []
    i, j = n, m
    while i or j:
        a, b = types[int(back[i][j - lo[i]])]
        i, j = i - a, j - b
        path.append((i, j, a, b))
    path.reverse()
    return path


def _along_row(best: np.ndarray, arg: np.ndarray, d: np.ndarray, right: int) -> np.ndarray:
    """Complete one row with ``(0, 1)`` links: ``C[k] = max(best[k], C[k-1] + d[k-1])``,
    marking in ``arg`` (in place) the cells reached from the left. With finite ``d`` this is a
    running maximum once the prefix sums of ``d`` are taken out; otherwise a plain loop."""
    if np.isfinite(d).all():
        run = np.zeros(len(best))
        run[1:] = np.cumsum(d)
        g = best - run
        acc = np.maximum.accumulate(g)
        from_left = np.zeros(len(best), dtype=bool)
        from_left[1:] = g[1:] < acc[:-1]
        arg[from_left] = right
        return np.where(from_left, acc + run, best)
    out = best.copy()
    for k in range(1, len(out)):
        cand = out[k - 1] + d[k - 1]
        if cand > out[k]:
            out[k] = cand
            arg[k] = right
    return out


def path_score(scorer: LinkScorer, path: Iterable[Step]) -> float:
    """The summed score of a path (what :func:`best_path` maximises)."""
    return float(sum(scorer.scores(i, a, b, np.array([j]))[0] for i, j, a, b in path))
