"""Guards against known failure modes of neural MT on news text.

* Segments with no letters (``-``, ``***``, numbers, URLs) pass through untranslated: opus-mt
  turns " " into "I don't know." and "-" into "- No, no, no…" (transformers issue 14337).
* A sentence longer than the model accepts is split at clause boundaries, never truncated.
* Repeated n-gram loops in an output are detected so the record can be flagged.

Flags report; they never rewrite a translation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_PUNCT = ".,;:!?…\"'„“”«»‚‘’()[]{}-–—"
_WORD = re.compile(r"[^\W\d_]{2,}")

#: Split points tried in order: after ; then : then , then dashes, then any whitespace.
_CLAUSE_CLASSES = (r";", r":", r",", r"\s[–—-](?=\s)", r"(?<=\S)(?=\s)")


def needs_translation(text: str) -> bool:
    """False for segments without a word of two or more letters once URLs and e-mail
    addresses are removed (``-``, ``***``, ``12.000``, ``https://…``, ``1:0``)."""
    return bool(_WORD.search(_URL.sub(" ", text)))


def repeated_ngram(text: str, *, min_repeats: int = 4, max_n: int = 6) -> str | None:
    """The first n-gram (n ≤ ``max_n`` words, compared in lower case without surrounding
    punctuation) repeated back to back ``min_repeats`` or more times, e.g. "No, no, no, no.";
    None when there is no such loop."""
    words = [w for w in (t.strip(_PUNCT).lower() for t in text.split()) if w]
    for n in range(1, max_n + 1):
        need = n * min_repeats
        for i in range(0, len(words) - need + 1):
            gram = words[i : i + n]
            if all(words[i + k * n : i + (k + 1) * n] == gram for k in range(1, min_repeats)):
                return " ".join(gram)
    return None


def split_long(text: str, count: Callable[[Sequence[str]], list[int]], limit: int) -> list[tuple[int, int]]:
    """Split ``text`` into pieces of at most ``limit`` tokens (as ``count`` measures them,
    including the end-of-sentence token) at the best clause boundaries available.

    Returns half-open spans into ``text``, in order, covering every non-whitespace character
    and without leading or trailing whitespace. A text that already fits is one span."""
    spans = [_strip(text, 0, len(text))]
    if count([text])[0] <= limit:
        return spans
    return _split(text, spans[0], count, limit, 0)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split(text: str, span: tuple[int, int], count, limit: int, level: int) -> list[tuple[int, int]]:
    start, end = span
    if level >= len(_CLAUSE_CLASSES):
        return _split_chars(text, span, count, limit)
    cuts = [m.end() for m in re.finditer(_CLAUSE_CLASSES[level], text[start:end])]
    atoms = []
    prev = 0
    for c in cuts + [end - start]:
        a = _strip(text, start + prev, start + c)
        if a[0] < a[1]:
            atoms.append(a)
        prev = c
    if len(atoms) < 2:
        return _split(text, span, count, limit, level + 1)
    sizes = [n - 1 for n in count([text[a:b] for a, b in atoms])]  # without the </s> each adds
    pieces: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    cur_size = 0
    for (a, b), n in zip(atoms, sizes):
        if cur is not None and cur_size + n + 1 <= limit:
            cur, cur_size = (cur[0], b), cur_size + n
        else:
            if cur is not None:
                pieces.append(cur)
            cur, cur_size = (a, b), n
    pieces.append(cur)
    real = count([text[a:b] for a, b in pieces])
    out: list[tuple[int, int]] = []
    for piece, n in zip(pieces, real):
        out.extend([piece] if n <= limit else _split(text, piece, count, limit, level + 1))
    return out


def _split_chars(text: str, span: tuple[int, int], count, limit: int) -> list[tuple[int, int]]:
    """Last resort for a run without any whitespace: the longest prefixes that fit."""
    out = []
    start, end = span
    while start < end:
        lo, hi = start + 1, end
        while lo < hi:  # largest e with count(text[start:e]) <= limit
            mid = (lo + hi + 1) // 2
            if count([text[start:mid]])[0] <= limit:
                lo = mid
            else:
                hi = mid - 1
        out.append((start, lo))
        start = lo
    return out
