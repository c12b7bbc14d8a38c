"""What the flags of a record mean to a reader, shared by every human-facing format.

Flags are plain strings in ``record["flags"]``; any name is shown, the known ones with a
label and an explanation. A score below :data:`LOW_SCORE` (mean token log-probability) is
shown as the pseudo-flag ``low_score``.
"""

from __future__ import annotations

#: Mean token log-probability below which a translation is shown as "low score". OPUS-MT
#: models typically give fluent output a mean log-probability above about -1; below -1.5 the
#: output is usually worth a second look.
LOW_SCORE = -1.5
LOW_SCORE_FLAG = "low_score"

#: flag -> (short label, what it means)
FLAG_LABELS: dict[str, tuple[str, str]] = {
    "output_cap": ("cap hit", "the translation reached the output length cap and may be cut off"),
    "split_for_length": ("split", "the sentence was too long for the model and was translated "
                                  "in pieces"),
    "passed_through": ("passed through", "not translated: copied from the source (numbers, "
                                         "URLs, names)"),
    "from_cache": ("from cache", "taken from the translation memory of an earlier run"),
    "repeated_ngram": ("repetition", "the translation repeats itself; the model may be looping"),
    LOW_SCORE_FLAG: ("low score", f"mean token log-probability below {LOW_SCORE}"),
}


def is_low_score(record: dict) -> bool:
    score = record.get("score")
    return isinstance(score, (int, float)) and score < LOW_SCORE


def display_flags(record: dict) -> list[str]:
    """The record's flags plus ``low_score`` when its score is below :data:`LOW_SCORE`."""
    flags = [str(f) for f in record.get("flags") or []]
    if is_low_score(record) and LOW_SCORE_FLAG not in flags:
        flags.append(LOW_SCORE_FLAG)
    return flags


def label(flag: str) -> str:
    return FLAG_LABELS.get(flag, (flag.replace("_", " "), ""))[0]


def explanation(flag: str) -> str:
    return FLAG_LABELS.get(flag, ("", f"flag {flag!r}"))[1] or f"flag {flag!r}"
