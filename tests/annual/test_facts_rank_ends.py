"""The first and last three places, ties kept whole (the report's 总体情况 and the 领导摘要 share it)."""

from __future__ import annotations

import pandas as pd

from pipeline.annual.facts import rank_ends


def _scores(ranks: list[int], scores: list[float]) -> pd.DataFrame:
    return pd.DataFrame({
        "rank": ranks, "region": [f"地{k}" for k in range(len(ranks))], "score": scores,
    })  # fmt: skip


def test_three_distinct_places_are_listed_plainly():
    frame = _scores([1, 2, 3, 4, 5, 6], [99, 98, 97, 96, 95, 94])
    assert rank_ends(frame, first=True) == "地0（99.00分）、地1（98.00分）、地2（97.00分）"
    assert rank_ends(frame, first=False) == "地3（96.00分）、地4（95.00分）、地5（94.00分）"


def test_a_tie_across_the_third_place_is_named_whole():
    """Four tied at first: all four, as tied; two tied at the last place with one above them."""
    frame = _scores([1, 1, 1, 1, 5, 6, 6], [100, 100, 100, 100, 90, 80, 80])
    assert rank_ends(frame, first=True) == (
        "并列第1名的4个：地0（100.00分）、地1（100.00分）、地2（100.00分）、地3（100.00分）"
    )
    assert (
        rank_ends(frame, first=False)
        == "地4（90.00分）；并列第6名的2个：地5（80.00分）、地6（80.00分）"
    )
