"""Worked examples for the score, grades, ranking, the fund rule and the 约谈/表扬 suggestions."""

from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest

from pipeline.annual.facts import annual_tasks
from pipeline.annual.scoring import (
    apply_excellent_quota,
    bounded_changes,
    commendation_suggestions,
    deduct_share,
    early_warnings,
    fund_adjustment,
    fund_table,
    grade_for,
    interview_suggestions,
    limit_points,
    ranks_of,
    rounded_changes,
    score_counties,
    short_of_interview_line,
    task_points,
    tier_label,
    withheld_rules,
)
from pipeline.config.assessment_rules import Grade, Quota, load_rules

GRADES = (Grade(name="优秀", min_score=90), Grade(name="良好", min_score=80),
          Grade(name="达标", min_score=75), Grade(name="不达标", min_score=0))  # fmt: skip
NAMES = [f"县{i}" for i in range(10)]


def _scoring(rule: str = "tiered"):
    return load_rules().scoring.model_copy(update={"task_rule": rule})


def test_tiered_rule_deducts_once_from_the_full_points_inclusive_at_each_line():
    tiered = _scoring()
    assert task_points(25, 660, 660, tiered) == 25
    assert task_points(25, 700, 660, tiered) == 25  # 超额完成任务不加分
    assert task_points(25, 627, 660, tiered) == 15  # 95.0% exactly: "低5%以内" (40%)
    assert task_points(25, 437, 460, tiered) == 15  # 2023 宁陕县 就地就近转移就业
    assert task_points(25, 626, 660, tiered) == 5  # 94.8%: 5–10% (80%)
    assert task_points(25, 594, 660, tiered) == 5  # 90.0% exactly: still 5–10%
    assert task_points(25, 593, 660, tiered) == 0  # more than 10% short: all of it
    assert task_points(5, 1948, 2180, tiered) == 0
    assert task_points(10, 627, 660, tiered) == 6
    assert task_points(25, float("nan"), 660, tiered) == 0  # not reported
    # The float shortfall 1 − 0.95 is 0.05000000000000004 and missed the tier before.
    assert deduct_share(1 - Fraction(627, 660), tiered) == Fraction(2, 5)
    assert tier_label(Fraction(1, 20), tiered) == "低5%以内"
    assert tier_label(Fraction(1, 10), tiered) == "低5%–10%"
    assert tier_label(Fraction(11, 100), tiered) == "低10%以上"


def test_proportional_rule_scales_by_completion_without_tiers():
    proportional = _scoring("proportional")
    assert task_points(25, 627, 660, proportional) == Fraction(95, 4)  # 23.75
    assert task_points(25, 1948, 2180, proportional) == Fraction(25 * 1948, 2180)
    assert task_points(25, 700, 660, proportional) == 25


def test_a_breached_limit_costs_its_share_of_the_points():
    assert limit_points(15, met=False, reported=True, deduction=1.0) == 0
    assert limit_points(15, met=False, reported=True, deduction=0.5) == Fraction(15, 2)
    assert limit_points(15, met=True, reported=True, deduction=1.0) == 15
    assert limit_points(15, met=True, reported=False, deduction=1.0) == 0


def test_grades_are_compared_exactly_and_equal_scores_share_a_rank():
    assert [grade_for(Decimal(s), GRADES) for s in ("100", "90.00", "89.99", "80", "75", "74.99")] == [
        "优秀", "优秀", "良好", "良好", "达标", "不达标",
    ]  # fmt: skip
    assert ranks_of([Decimal(v) for v in ("95", "95", "90", "80")]) == [1, 1, 3, 4]


def _quota(scores: list[str], tie: str) -> tuple[list[str], list[str]]:
    values = [Decimal(s) for s in scores]
    raw = [grade_for(v, GRADES) for v in values]
    return apply_excellent_quota(
        values, NAMES[: len(values)], raw, GRADES, Quota(max_share=0.3, tie=tie)
    )


def test_the_excellent_quota_by_score_order():
    # Ten counties, at most 30% 优秀 (3): the fourth and fifth scores ≥ 90 become 良好, and say why.
    grades, notes = _quota(
        ["99", "98", "97", "96", "95", "85", "78", "76", "60", "50"], "exclude_group"
    )
    assert grades[:6] == ["优秀"] * 3 + ["良好"] * 3
    assert notes[:3] == ["", "", ""]
    assert (
        notes[3]
        == "得分96分达到优秀线90分，名次第4在优秀名额3个（10个县区×30%，向下取整）之外，定为良好"
    )


def test_a_tie_straddling_the_quota_line_is_treated_alike():
    scores = ["100", "100", "100", "100", "96", "80", "80", "42", "36", "32"]
    excluded, notes = _quota(scores, "exclude_group")
    assert excluded[:5] == ["良好"] * 5  # four tied at 100 for three places: none of them
    assert (
        "与县1、县2、县3同分并列第1名" in notes[0]
        and "剩余3个，容不下并列的4个县区，并列者同等对待，均定为良好" in notes[0]
    )
    assert "名次第5" in notes[4]
    included, notes = _quota(scores, "include_group")
    assert included[:5] == ["优秀"] * 4 + ["良好"]
    assert "超过优秀名额3个" in notes[0]
    # A tie that fits keeps 优秀; the next score is beyond the quota.
    fits, _ = _quota(["99", "95", "95", "93", "85", "80", "80", "70", "70", "70"], "exclude_group")
    assert fits[:4] == ["优秀", "优秀", "优秀", "良好"]


def test_the_interview_line_is_exact():
    line = load_rules().accountability.interview_task_shortfall_min
    assert not short_of_interview_line(
        pd.Series({"reported": True, "done": 627, "task": 660}), line
    )
    assert short_of_interview_line(pd.Series({"reported": True, "done": 626, "task": 660}), line)
    assert short_of_interview_line(
        pd.Series({"reported": False, "done": float("nan"), "task": 660}), line
    )


def test_fund_adjustment_is_budget_neutral_exactly():
    change = fund_adjustment({"a": 90, "b": 80}, {"a": 100, "b": 300}, 1.0)
    assert change == {"a": Fraction(15, 2), "b": Fraction(-15, 2)}  # weighted mean score 82.5
    assert sum(change.values()) == 0
    # scores and bases as the decimals they print, not binary floats: mean (8.01 + 16.04) ÷ 0.3
    assert fund_adjustment({"a": 80.1, "b": 80.2}, {"a": 0.1, "b": 0.2}, 1.0) == {
        "a": Fraction(-1, 15000), "b": Fraction(1, 15000),
    }  # fmt: skip


@pytest.fixture(scope="module")
def facts_2024(sample_intake):
    tidy, _ = sample_intake
    return annual_tasks(tidy, 2024)


def test_sample_scores_add_up_and_rank(facts_2024):
    scores = score_counties(facts_2024)
    assert len(scores) == 10 and scores["score"].between(0, 100).all()
    assert list(scores["score"]) == sorted(scores["score"], reverse=True)
    assert (scores["grade"] == "优秀").sum() <= 3
    zi_yang = scores.set_index("region").loc["紫阳县"]
    assert "城镇新增就业完成率89.3%（低10%以上，−25.00分）" in zi_yang["deductions"]
    barred = {"610925"}
    table, is_sample = fund_table(scores, barred)
    changes = [Decimal(repr(v)) for v in table["change"]]
    assert (
        is_sample and sum(changes) == 0 and all(c == c.quantize(Decimal("0.01")) for c in changes)
    )
    assert (table["change"].abs() <= 0.10 * table["base"] + 0.011).all()
    assert table.set_index("region_code").loc["610925", "change"] <= 0
    mean = (table["base"] * table["score"]).sum() / table["base"].sum()
    above = table["score"] > mean
    assert (table.loc[above, "change"] >= 0).all() and (table.loc[~above, "change"] <= 0).all()


def test_bounded_changes_keep_the_budget_neutral():
    changes = bounded_changes(
        {"a": 15, "b": 5, "c": -20}, {"a": 100, "b": 100, "c": 100}, 0.1, set()
    )
    assert changes == {"a": Fraction(20, 3), "b": Fraction(10, 3), "c": -10}
    barred = bounded_changes(
        {"a": 15, "b": 5, "c": -20}, {"a": 100, "b": 100, "c": 100}, 0.1, {"a"}
    )
    assert barred == {"a": 0, "b": 5, "c": -5} and sum(barred.values()) == 0


def test_fund_bounds_are_exact_at_each_edge():
    base = {"a": 1234.55, "b": 1234.55}
    limit = Fraction("123.455")  # 10% of 1,234.55 exactly (0.1 × 1234.55 is 123.455 in floats …
    at = bounded_changes({"a": limit, "b": -limit}, base, 0.10, set())
    assert at == {"a": limit, "b": -limit}  # a change exactly at the bound stays
    beyond = bounded_changes({"a": limit + Fraction(1, 1000), "b": -limit - 1}, base, 0.10, set())
    assert beyond == {"a": limit, "b": -limit}  # beyond it: clipped to the bound, on both sides
    # … and round(123.455, 2) gives 123.45 there; half up, exactly: 123.46)
    assert rounded_changes(beyond, base) == {"a": Decimal("123.46"), "b": Decimal("-123.46")}
    # a county suggested for 约谈 gets no increase (bound 0), a decrease it keeps
    assert bounded_changes({"a": 5, "b": -5}, base, 0.10, {"a"}) == {"a": 0, "b": 0}
    assert bounded_changes({"a": -5, "b": 5}, base, 0.10, {"a"}) == {"a": -5, "b": 5}


def test_rounded_changes_round_half_up_and_still_add_up_to_zero():
    even = {"a": 100, "b": 100}
    assert rounded_changes({"a": Fraction(1, 8), "b": Fraction(-1, 8)}, even) == {
        "a": Decimal("0.13"), "b": Decimal("-0.13"),
    }  # fmt: skip
    # 0.33 + 0.33 − 0.67 = −0.01: the remainder goes to the largest base (c)
    thirds = {"a": Fraction(1, 3), "b": Fraction(1, 3), "c": Fraction(-2, 3)}
    rounded = rounded_changes(thirds, {"a": 100, "b": 200, "c": 300})
    assert rounded == {"a": Decimal("0.33"), "b": Decimal("0.33"), "c": Decimal("-0.66")}
    assert sum(rounded.values()) == 0


def test_interview_reasons_are_only_this_years_triggers(facts_2024):
    scores = score_counties(facts_2024)
    assessment = pd.DataFrame(
        [{"region_code": "610925", "kind": "cumulative", "status": "难以完成", "note": "",
          "indicator_name": name, "actual_to_date": 3800.0, "target": 5400.0, "probability": 0.0}
         for name in ("城镇新增就业", "农民就地就近转移就业")]
    )  # fmt: skip
    suggestions = {
        s.region: s for s in interview_suggestions(facts_2024, scores, assessment, final=False)
    }
    lan_gao = suggestions["岚皋县"].reasons
    assert lan_gao[0] == "考核得分32.00分，等次为不达标"
    assert any(r.startswith("登记失业率4.14%，比年目标4%高0.14个百分点") for r in lan_gao)
    assert not any("预测" in r for s in suggestions.values() for r in s.reasons)
    # 就地就近转移就业 90.9% and 返乡创业（毕业生等）90.0% are below 95%: both trigger and are named.
    assert any(r.startswith("就地就近转移就业完成") for r in lan_gao)
    # Earlier years' breaches are history, apart from the reasons.
    for suggestion in suggestions.values():
        assert all("已在当年计分" in h for h in suggestion.history)
        assert not any("已在当年计分" in r for r in suggestion.reasons)
    commended = {
        s.region for s in commendation_suggestions(facts_2024, scores, assessment, final=False)
    }
    assert commended == set(scores[scores["grade"] == "优秀"]["region"])
    assert commended.isdisjoint(suggestions)


def test_rules_load_with_weights_that_make_100():
    assert sum(load_rules().scoring.weights.values()) == 100


def test_in_the_last_year_estimated_county_targets_decide_nothing(facts_2024):
    # The sample's county plan targets are estimates (config/targets.yaml allocation_status).
    scores = score_counties(facts_2024)
    verdicts = pd.DataFrame(
        [{"region_code": "610929", "kind": "cumulative", "status": "未完成", "indicator_name": name,
          "note": note} for name, note in (("城镇新增就业", "差13人，完成规划目标的99.8%"),
                                            ("农民就地就近转移就业", "差313人，完成规划目标的95.5%"))]
    )  # fmt: skip
    interviewed = {
        s.region for s in interview_suggestions(facts_2024, scores, verdicts, final=True)
    }
    assert "白河县" not in interviewed  # 2024 facts alone do not trigger for 白河县
    withheld = {s.region: s for s in withheld_rules(facts_2024, scores, verdicts, final=True)}
    text = "".join(withheld["白河县"].reasons)
    assert "城镇新增就业（差13人，完成规划目标的99.8%）" in text and "约谈" in text
    assert "本规则未适用" in text
    assert withheld_rules(facts_2024, scores, verdicts, final=False) == []


def test_forecasts_alone_give_an_early_warning_not_an_interview(facts_2024):
    scores = score_counties(facts_2024)
    forecasts = pd.DataFrame(
        [{"region_code": "610922", "kind": "cumulative", "status": "难以完成", "note": "",
          "indicator_name": name, "actual_to_date": 4000.0, "target": 6000.0, "probability": 0.1}
         for name in ("城镇新增就业", "农民就地就近转移就业")]
    )  # fmt: skip
    interviewed = {
        s.region_code for s in interview_suggestions(facts_2024, scores, forecasts, False)
    }
    assert "610922" not in interviewed  # 石泉县: every task of 2024 done
    warned = {s.region_code: s for s in early_warnings(forecasts)}
    assert warned["610922"].reasons[0].startswith("（预测）城镇新增就业")


def test_in_the_last_year_issued_county_targets_missed_do_trigger(facts_2024, monkeypatch):
    from pipeline.annual import scoring

    monkeypatch.setattr(scoring, "allocation_estimated", lambda annual: False)
    scores = score_counties(facts_2024)
    verdicts = pd.DataFrame(
        [{"region_code": "610929", "kind": "cumulative", "status": "未完成", "indicator_name": name,
          "note": note} for name, note in (("城镇新增就业", "差13人，完成规划目标的99.8%"),
                                            ("农民就地就近转移就业", "差313人，完成规划目标的95.5%"))]
    )  # fmt: skip
    bai_he = {s.region: s for s in interview_suggestions(facts_2024, scores, verdicts, final=True)}
    assert (
        "十四五规划目标未完成：城镇新增就业（差13人，完成规划目标的99.8%）"
        in bai_he["白河县"].reasons
    )
    assert withheld_rules(facts_2024, scores, verdicts, final=True) == []
