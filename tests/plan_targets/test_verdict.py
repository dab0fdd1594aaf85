"""Worked examples for the pace check, the consistency rule and the final-year verdict."""

import math

import pytest

from pipeline.plan_targets import verdict


def test_required_per_year_is_what_is_still_needed_over_the_remaining_years():
    assert verdict.required_per_year(7897, 10900, 1) == 3003
    assert verdict.required_per_year(40000, 100000, 2) == 30000
    assert verdict.required_per_year(12000, 10000, 1) == 0
    assert verdict.required_per_year(6973, 7000, 0) == math.inf


def test_recent_pace_is_the_mean_of_the_last_two_observed_years():
    assert verdict.recent_pace([1999, 1992, 1958, 1948]) == 1953
    assert verdict.recent_pace([1000, float("nan"), 1200]) == 1100
    assert math.isnan(verdict.recent_pace([float("nan")]))


@pytest.mark.parametrize(
    ("done", "goal", "required", "pace", "best", "category"),
    [
        (7100, 7000, 0, 1400, 1500, verdict.PACE_DONE),
        (5600, 7000, 1400, 1450, 1500, verdict.PACE_ENOUGH),
        (5600, 7000, 1400, 1300, 1500, verdict.PACE_FASTER),
        # 白河县 2024: needs 1,535 in 2025; recent pace 1,373; best year 1,462.
        (5465, 7000, 1535, 1373, 1462, verdict.PACE_BEYOND_BEST),
    ],
)
def test_pace_category(done, goal, required, pace, best, category):
    assert verdict.pace_category(done, goal, required, pace, best) == category


@pytest.mark.parametrize(
    ("probability_status", "pace", "status"),
    [
        ("难以完成", verdict.PACE_ENOUGH, "存在风险"),  # pace suffices: never 难以完成
        ("进度正常", verdict.PACE_FASTER, "存在风险"),  # pace short: never 进度正常
        ("进度正常", verdict.PACE_BEYOND_BEST, "存在风险"),
        ("存在风险", verdict.PACE_ENOUGH, "存在风险"),
        ("难以完成", verdict.PACE_BEYOND_BEST, "难以完成"),
        ("已完成", verdict.PACE_DONE, "已完成"),
    ],
)
def test_status_never_contradicts_the_pace_check(probability_status, pace, status):
    assert verdict.consistent_status(probability_status, pace) == status


def test_limit_facts_name_the_years_missed():
    assert verdict.limit_fact([2022, 2024], 4) == "2022、2024年未达标"
    assert verdict.limit_fact([], 4) == "至今逐年达标"
    assert verdict.limit_fact([], 5, final=True) == "规划期逐年达标"
    assert verdict.limit_fact([], 0) == "无数据"


def test_final_verdict():
    assert verdict.final_verdict(True) == "完成"
    assert verdict.final_verdict(False) == "未完成"
    assert verdict.final_verdict(None) == "无数据"
