"""The flag vocabulary, defined once: what a record can say about itself.

Flags are plain strings in a record's ``flags``. They report what happened; they never rewrite
a translation. Every human-facing format shows them with the label and explanation below; a
flag not listed here (a record written by a newer version) is still shown, by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    """One flag: its name in records, a short label for badges, what it means."""

    name: str
    label: str
    explanation: str


#: Mean token log-probability below which a translation is shown as "low score". OPUS-MT
#: models typically give fluent output a mean log-probability above about -1; below -1.5 the
#: output is usually worth a second look. A display rule only: records keep the score itself.
LOW_SCORE = -1.5

OUTPUT_CAP = "output_cap"
SPLIT_FOR_LENGTH = "split_for_length"
PASSED_THROUGH = "passed_through"
FROM_CACHE = "from_cache"
REPEATED_NGRAM = "repeated_ngram"
OTHER_LANGUAGE = "other_language"
LOW_SCORE_FLAG = "low_score"  # shown for a score below LOW_SCORE; never stored in a record
LOW_SIMILARITY = "low_similarity"
UNALIGNED = "unaligned"

VOCABULARY: dict[str, Flag] = {f.name: f for f in (
    Flag(OUTPUT_CAP, "cap hit",
         "the translation reached the output length cap and may be cut off"),
    Flag(SPLIT_FOR_LENGTH, "split",
         "the sentence was too long for the model and was translated in pieces"),
    Flag(PASSED_THROUGH, "passed through",
         "not translated: copied from the source (numbers, URLs, names; a sentence already "
         "in the target language)"),
    Flag(OTHER_LANGUAGE, "other language",
         "the sentence is in another language than its document (its src_lang says which)"),
    Flag(FROM_CACHE, "from cache", "taken from the translation memory of an earlier run"),
    Flag(REPEATED_NGRAM, "repetition", "the translation repeats itself; the model may be looping"),
    Flag(LOW_SCORE_FLAG, "low score", f"mean token log-probability below {LOW_SCORE}"),
    Flag(LOW_SIMILARITY, "low similarity",
         "the aligned sentences look little alike; check the link"),
    Flag(UNALIGNED, "unaligned", "a sentence with no partner in the other language"),
)}

#: Flags a record may store (``low_score`` is derived from the score when shown).
STORED = tuple(name for name in VOCABULARY if name != LOW_SCORE_FLAG)


def display_flags(flags: Iterable[str], score: float | None = None) -> list[str]:
    """The flags to show: the stored ones plus ``low_score`` when ``score`` is below
    :data:`LOW_SCORE`."""
    shown = [str(f) for f in flags]
    if isinstance(score, (int, float)) and score < LOW_SCORE and LOW_SCORE_FLAG not in shown:
        shown.append(LOW_SCORE_FLAG)
    return shown


def label(name: str) -> str:
    """Badge text for ``name``; an unknown flag is shown by its name."""
    known = VOCABULARY.get(name)
    return known.label if known else name.replace("_", " ")


def explanation(name: str) -> str:
    """What ``name`` means, for tooltips and legends."""
    known = VOCABULARY.get(name)
    return known.explanation if known else f"flag {name!r}"
