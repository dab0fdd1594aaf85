"""The report's shared formatting (pipeline/report/formatting.py), by worked examples."""

from __future__ import annotations

import math

import pandas as pd

from pipeline.report.formatting import (
    chinese_number,
    final_or_progress,
    names,
    pct,
    points,
    signed_value,
    whole,
    whole_percent,
    years_missed_cells,
)


def test_shares_scores_and_whole_numbers():
    assert pct(0.875) == "87.5%" and pct(0.5, 0) == "50%" and pct(math.nan) == "—"
    assert whole_percent(0.2) == "20"  # 0.2 × 100 is 20.000000000000004 in floating point
    assert whole(60.0) == "60" and whole(89.6) == "90"
    assert points(95.5) == "95.50" and points(100) == "100.00"


def test_signed_differences_carry_the_reports_minus_sign_and_unit():
    assert signed_value(1.234, "%") == "+1.23个百分点"  # a difference of two rates
    assert signed_value(-1200, "人") == "−1,200人"  # U+2212, not a hyphen
    assert signed_value(0, "") == "+0" and signed_value(math.nan, "人") == "—"


def test_lists_of_names_and_counts_in_words():
    assert names(["汉滨区", "汉阴县"]) == "汉滨区、汉阴县" and names([]) == "无"
    assert chinese_number(10) == "十" and chinese_number(2) == "两" and chinese_number(12) == "12"
    assert final_or_progress(True) == "最终完成情况"
    assert final_or_progress(False) == "完成进度与预测"


def test_years_missed_name_the_plan_years_without_a_value():
    rows = pd.DataFrame({"years_missed": ["2022", "", ""], "years_unreported": ["", "2023", ""]})
    assert years_missed_cells(rows) == ["2022年", "无（2023年无数据）", "无"]
