"""The engine protocol and what an engine returns per sentence."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..errors import SourceTooLongError


def output_cap(source_tokens: int) -> int:
    """Most new tokens a translation may have: ceil(1.5 × source tokens) + 10.

    Random or degenerate models never emit end-of-sentence by themselves; the cap makes every
    run finish and the record says when it was hit."""
    return math.ceil(1.5 * source_tokens) + 10


CAP_RULE = "ceil(1.5*src_tokens)+10"


def refuse_over_long(lengths: Sequence[int], limit: int, sentences: Sequence[str]) -> None:
    """Raise :class:`SourceTooLongError` for the first sentence with more than ``limit``
    source tokens: an engine never truncates silently."""
    for i, n in enumerate(lengths):
        if n > limit:
            raise SourceTooLongError(
                f"sentence {i} has {n} source tokens, more than the model reads ({limit}); it "
                f"would be truncated. Split it before translating: {sentences[i][:80]!r}...")


def length_batches(lengths: Sequence[int], max_tokens: int, max_size: int,
                   key: Callable[[int], object] | None = None) -> list[list[int]]:
    """Indices grouped into length-sorted batches under a padded-token budget.

    With ``key``, a batch also never mixes indices whose ``key(length)`` differs (the
    CTranslate2 engine uses this to give every sentence of a beam batch the same length limit)."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        width = lengths[i]  # sorted ascending: the newest item is the widest
        if current and ((len(current) + 1) * width > max_tokens or len(current) >= max_size
                        or (key is not None and key(width) != key(lengths[current[-1]]))):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


@dataclass(frozen=True)
class Translation:
    """One engine output: the text, token counts, whether the cap cut it, mean token log-prob."""

    text: str
    source_tokens: int
    target_tokens: int
    cap_hit: bool
    score: float | None = None


class Engine(Protocol):
    """What the pipeline needs from an engine. Its settings are its
    :class:`~pipeline.translate.spec.EngineSpec`'s, known before it is built."""

    name: str
    max_source_tokens: int

    def prepare(self) -> None:
        """Start loading the model, if the engine can do that in the background; called when a
        translation is about to follow."""
        ...

    def tokenize(self, sentences: Sequence[str]) -> list[Sequence]:
        """Source tokens per sentence as the model sees them (ending with </s>): tokenized once,
        counted by ``len`` and passed to :meth:`translate_tokens` as they are."""
        ...

    def translate_tokens(self, tokenized: Sequence[Sequence]) -> list[Translation]:
        """Translate each tokenized sentence independently; the result is in input order."""
        ...


class TokenizingEngine:
    """The conveniences every engine offers on top of :class:`Engine`'s two methods."""

    def count_tokens(self, sentences: Sequence[str]) -> list[int]:
        """Source tokens per sentence, counted as the model counts them (with </s>)."""
        return [len(t) for t in self.tokenize(sentences)]

    def translate(self, sentences: Sequence[str]) -> list[Translation]:
        """Tokenize and translate each sentence independently; the result is in input order."""
        return self.translate_tokens(self.tokenize(sentences))
