"""Language identification for ``source=auto`` and ``POST /detect``.

The identifier is :func:`pipeline.detect_language` (one ISO 639-1 code per text), imported
when first needed. LibreTranslate also reports a confidence (0-100); ours is how much of the
text agrees: the share of its characters, over its non-blank lines identified one by one,
whose line is identified as the whole text is (100 for a one-line text).
"""

from __future__ import annotations

from collections.abc import Sequence

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
    language = identify(text, candidates=candidates)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if len(line) >= MIN_LINE_CHARS] or lines
    if len(lines) <= 1:
        return language, 100.0
    agree = sum(len(line) for line in lines if identify(line, candidates=candidates) == language)
    return language, round(100.0 * agree / sum(len(line) for line in lines), 1)
