"""The flag vocabulary: one definition, shown the same way everywhere."""

import pytest

from pipeline import flags


@pytest.mark.parametrize("stored, score, shown", [
    ((), -1.6, ["low_score"]),
    ((), -1.5, []),  # the threshold itself is not low
    ((), None, []),
    (("output_cap",), -2.0, ["output_cap", "low_score"]),
    (("brand_new_flag",), -0.1, ["brand_new_flag"]),
])
def test_low_score_is_shown_below_the_threshold_only(stored, score, shown):
    assert flags.display_flags(stored, score) == shown


def test_labels_for_known_and_unknown_flags():
    assert flags.label("output_cap") == "cap hit" and flags.label("new_thing") == "new thing"
    assert "cut off" in flags.explanation("output_cap")
    assert flags.explanation("new_thing") == "flag 'new_thing'"
    assert flags.LOW_SCORE_FLAG not in flags.STORED  # derived from the score, never stored
