"""The 考核 stage's files: what the report, the workbook and the documents read is exactly what the
stage computed (numbers, flags, empty texts, the order of suggestions and their reasons)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.annual.results import YearResults
from pipeline.store import catalog

YEAR = 2024


@pytest.mark.slow
def test_the_files_read_back_as_computed(published):
    root, _ = published
    processed = root / "processed"
    computed = YearResults.compute(
        catalog.load_processed_tidy(processed, YEAR),
        catalog.load_qa_log(processed, YEAR),
        catalog.load_assessment(processed, YEAR),
        YEAR,
    )
    read = YearResults.read(processed, YEAR)
    for name in ("annual", "previous_annual", "scores", "previous_scores", "score_items", "funds"):
        pd.testing.assert_frame_equal(
            getattr(read, name).reset_index(drop=True),
            getattr(computed, name).reset_index(drop=True),
            check_dtype=False,  # text columns: str either way; the values must be equal
            obj=name,
        )
    assert read.suggestion_lists() == computed.suggestion_lists()
    assert read.funds_are_sample == computed.funds_are_sample and read.changes == computed.changes
    assert read.interviews, "the sample year has 约谈 suggestions to round-trip"


@pytest.mark.slow
def test_score_items_add_up_to_each_score(published):
    root, _ = published
    results = YearResults.read(root / "processed", YEAR)
    totals = results.score_items.groupby("region_code")["points"].sum().round(2)
    scores = results.scores.set_index("region_code")["computed_score"]
    assert (totals.reindex(scores.index) == scores).all()
    assert results.score_items["formula"].str.len().min() > 0
