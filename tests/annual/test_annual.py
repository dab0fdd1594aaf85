"""Worked examples for the year's facts: 完成率, 同比, limit margins, meetings, years missed."""

import numpy as np
import pandas as pd
import pytest

from pipeline.annual.facts import (
    TASK_FROM_PLAN,
    annual_tasks,
    limit_wording,
    number,
    reported_value,
    task_wording,
)
from pipeline.config.indicators import indicator
from pipeline.config.regions import by_code


def _tidy(rows: list[tuple[str, str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["region_code", "indicator", "year", "measure", "value"]
    ).astype({"year": int})


def test_bureau_wording():
    rate, meetings = (
        indicator("registered_unemployment_rate"),
        indicator("exec_meetings_on_employment"),
    )
    share = indicator("new_labour_local_share")
    assert task_wording(12314, 12500, "人") == "完成12,314人，完成年目标任务12,500人的98.5%"
    assert limit_wording(3.37, 4.0, rate) == "3.37%，比年目标4%低0.63个百分点（要求不高于4%）"
    assert limit_wording(4.21, 4.0, rate) == "4.21%，比年目标4%高0.21个百分点（要求不高于4%）"
    # a value reported with one decimal reads as its neighbours do (3.20% beside 3.61%: a clerk)
    assert limit_wording(3.2, 4.0, rate) == "3.20%，比年目标4%低0.80个百分点（要求不高于4%）"
    assert reported_value(59, share) == "59.00%" and reported_value(56.3, share) == "56.30%"
    assert limit_wording(1, 2, meetings) == "1次，比每年不少于2次的要求少1次"
    assert limit_wording(2, 2, meetings) == "2次，达到每年不少于2次的要求"
    assert number(5.5, "%") == "5.5%" and number(20000, "人") == "20,000人"
    assert reported_value(20206, indicator("urban_new_jobs")) == "20,206人"


def test_annual_task_completion_and_change_on_the_previous_year():
    # 紫阳县 2024 (sample): task 2,180, done 1,948 → 89.4%; 2023 done 1,958 → −10.
    tidy = _tidy([
        ("610924", "urban_new_jobs", 2021, "actual", 1999), ("610924", "urban_new_jobs", 2022, "actual", 1992),
        ("610924", "urban_new_jobs", 2023, "actual", 1958), ("610924", "urban_new_jobs", 2024, "actual", 1948),
        ("610924", "urban_new_jobs", 2024, "task", 2180),
    ])  # fmt: skip
    row = (
        annual_tasks(tidy, 2024, (by_code("610924"),)).set_index("indicator").loc["urban_new_jobs"]
    )
    assert row["completion_rate"] == pytest.approx(1948 / 2180)
    assert row["shortfall"] == 232 and row["change"] == -10 and not row["met"]
    assert row["plan_done"] == 1999 + 1992 + 1958 + 1948
    assert row["plan_share"] == pytest.approx(7897 / 10900)
    assert row["time_progress_gap"] == pytest.approx(7897 / 10900 - 0.8)
    # 89.36% shown rounded down (pipeline/annual/exact.py), so no rate reads as reaching a line it missed
    assert row["wording"] == "完成1,948人，完成年目标任务2,180人的89.3%"


def test_a_missing_task_falls_back_to_the_plan_average_and_says_so():
    tidy = _tidy([("610924", "urban_new_jobs", 2024, "actual", 2000)])
    row = (
        annual_tasks(tidy, 2024, (by_code("610924"),)).set_index("indicator").loc["urban_new_jobs"]
    )
    assert row["task_source"] == TASK_FROM_PLAN and row["task"] == 10900 / 5
    assert "报表未填目标任务" in row["wording"]


def test_limits_and_meetings_are_facts_with_the_years_missed():
    tidy = _tidy([
        ("610925", "registered_unemployment_rate", 2022, "actual", 4.3),
        ("610925", "registered_unemployment_rate", 2023, "actual", 3.9),
        ("610925", "registered_unemployment_rate", 2024, "actual", 4.14),
        ("610925", "exec_meetings_on_employment", 2023, "actual", 1),
        ("610925", "exec_meetings_on_employment", 2024, "actual", 2),
    ])  # fmt: skip
    rows = annual_tasks(tidy, 2024, (by_code("610925"),)).set_index("indicator")
    rate = rows.loc["registered_unemployment_rate"]
    assert not rate["met"] and rate["margin"] == pytest.approx(0.14)
    assert rate["years_missed"] == "2022、2024"
    meetings = rows.loc["exec_meetings_on_employment"]
    assert meetings["met"] and meetings["years_missed"] == "2023"
    unreported = rows.loc["new_labour_local_share"]
    assert not unreported["reported"] and not unreported["met"] and np.isnan(unreported["done"])


def test_a_value_the_qa_log_questioned_says_so():
    tidy = _tidy([("610923", "urban_new_jobs", 2024, "actual", 538)]).assign(
        source_file="f.xlsx", source_row=7, source_column="D（城镇新增就业(人)·完成数）"
    )
    qa = pd.DataFrame(
        [{"file": "f.xlsx", "row": "7", "column": "D（城镇新增就业(人)·完成数）", "status": "WARN"}]
    )
    row = annual_tasks(tidy, 2024, (by_code("610923"),), qa_log=qa).iloc[0]
    assert row["questioned"] and row["wording"].endswith("请核实）")
    unflagged = annual_tasks(tidy, 2024, (by_code("610923"),), qa_log=qa.assign(status="PASS"))
    assert not unflagged.iloc[0]["questioned"]
