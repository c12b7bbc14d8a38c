"""Language identification for ``source=auto`` and ``POST /detect``.

The identifier is :func:`pipeline.detect_language` (one ISO 639-1 code per text), looked up
when first needed. LibreTranslate also reports a confidence (0-100); ours is how much of the
text agrees: the share of its characters, over its non-blank lines identified one by one,
in lines identified as the whole text is (100 for a one-line text). A text the identifier
refuses (no letters, say) is a 400.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import PipelineError
from .params import ApiError

#: Lines shorter than this are too little to identify on their own (unless all are).
MIN_LINE_CHARS = 20


def identifier():
    """:func:`pipeline.detect_language`, or a 500 :class:`ApiError` when this build lacks it."""
    import pipeline

    try:
        return pipeline.detect_language
    except AttributeError:
        raise ApiError(500, "language identification is not available in this version of "
                       "pipeline; give the source language") from None


def detect(text: str, candidates: Sequence[str] | None = None) -> tuple[str, float]:
    """The language of ``text`` and the confidence (0-100) LibreTranslate reports with it."""
    identify = identifier()
    try:
        language = identify(text, candidates=candidates)
    except PipelineError as exc:
        raise ApiError(400, f"Invalid request: {exc}") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if len(line) >= MIN_LINE_CHARS] or lines
    if len(lines) <= 1:
        return language, 100.0
    agree = 0
    for line in lines:
        try:
            agree += len(line) if identify(line, candidates=candidates) == language else 0
        except PipelineError:  # a line the identifier cannot decide does not agree
            pass
    return language, round(100.0 * agree / sum(len(line) for line in lines), 1)
