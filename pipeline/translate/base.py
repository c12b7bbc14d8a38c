"""The engine protocol and what an engine returns per sentence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


def output_cap(source_tokens: int) -> int:
    """Most new tokens a translation may have: ceil(1.5 × source tokens) + 10.

    Random or degenerate models never emit end-of-sentence by themselves; the cap makes every
    run finish and the record says when it was hit."""
    return math.ceil(1.5 * source_tokens) + 10


CAP_RULE = "ceil(1.5*src_tokens)+10"


@dataclass(frozen=True)
class Translation:
    """One engine output: the text, token counts, whether the cap cut it, mean token log-prob."""

    text: str
    source_tokens: int
    target_tokens: int
    cap_hit: bool
    score: float | None = None


class Engine(Protocol):
    """What the pipeline needs from an engine."""

    name: str

    def settings(self) -> dict:
        """Engine name, library versions and every decoding setting, for provenance."""
        ...

    max_source_tokens: int

    def count_tokens(self, sentences: Sequence[str]) -> list[int]:
        """Source tokens per sentence, counted as the model counts them (with </s>)."""
        ...

    def translate(self, sentences: Sequence[str]) -> list[Translation]:
        """Translate each sentence independently; the result is in input order."""
        ...
