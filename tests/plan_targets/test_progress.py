"""Each deterministic formula pinned to a worked example."""

import pytest

from pipeline.plan_targets.progress import (
    destatis_annual_category,
    eurostat_category,
    eurostat_cumulative_ratio,
    time_progress_gap,
    unsd_category,
    unsd_cumulative_ratio,
    unsd_ratio,
)


def test_time_progress_worked_example():
    assert time_progress_gap(45_000, 100_000, 2, 5) == pytest.approx(0.05)
    assert time_progress_gap(70_000, 100_000, 4, 5) == pytest.approx(-0.10)


def test_eurostat_worked_example_and_categories():
    # 45,000 in 2 years is 22,500 a year; 100,000 in 5 years needs 20,000 a year.
    assert eurostat_cumulative_ratio(45_000, 100_000, 2, 5) == pytest.approx(1.125)
    assert [eurostat_category(r) for r in (1.125, 0.95, 0.8, 0.6, 0.3, 0.0, -0.2)] == [
        "进度正常", "进度正常", "需要加快", "需要加快", "进展有限", "进展有限", "倒退",
    ]  # fmt: skip


def test_unsd_worked_example_and_categories():
    assert unsd_cumulative_ratio(45_000, 100_000, 2, 5) == pytest.approx(1.125)
    # A rate from 5.0 toward 4.0 projected to 4.8: 20% of the required change.
    assert unsd_ratio(4.8, 5.0, 4.0) == pytest.approx(0.2)
    assert [unsd_category(r) for r in (1.0, 0.95, 0.5, 0.10, 0.05, -1)] == [
        "可达成", "可达成", "需要加快", "需要加快", "进展甚微", "进展甚微",
    ]  # fmt: skip


def test_destatis_annual_worked_examples():
    assert destatis_annual_category(3.9, 4.0, higher_is_better=False) == "达标"
    assert destatis_annual_category(4.1, 4.0, higher_is_better=False) == "略有差距"  # 2.5%
    assert destatis_annual_category(4.3, 4.0, higher_is_better=False) == "差距较大"  # 7.5%
    assert destatis_annual_category(1.0, 2.0, higher_is_better=True) == "严重偏离"  # 50%
