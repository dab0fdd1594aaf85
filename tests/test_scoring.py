"""Worked examples for the score, grades, ranking, the fund rule and the 约谈/表扬 suggestions."""

import pandas as pd
import pytest

from pipeline.annual import annual_tasks
from pipeline.rules import Grade, load_rules
from pipeline.scoring import (
    apply_excellent_quota,
    bounded_changes,
    commendation_suggestions,
    early_warnings,
    flow_points,
    fund_adjustment,
    fund_table,
    grade_for,
    interview_suggestions,
    limit_points,
    score_counties,
)

GRADES = (Grade(name="优秀", min_score=90), Grade(name="良好", min_score=80),
          Grade(name="达标", min_score=75), Grade(name="不达标", min_score=0))  # fmt: skip


TIERS = ((0.05, 0.1), (0.10, 0.3), (1.01, 0.5))


def test_a_missed_task_loses_a_graduated_share_of_its_points():
    # 紫阳县 2024: 1,948 of 2,180 = 89.36%, 10.6% short → the top tier.
    assert flow_points(25, 1948 / 2180, 1.0, TIERS) == pytest.approx(25 * 1948 / 2180 - 12.5)
    assert flow_points(25, 0.983, 1.0, TIERS) == pytest.approx(25 * 0.983 - 2.5)  # <5% short
    assert flow_points(25, 0.93, 1.0, TIERS) == pytest.approx(25 * 0.93 - 7.5)  # 5–10% short
    assert flow_points(25, 0.3, 1.0, TIERS) == 0  # never below zero
    assert flow_points(25, 1.02, 1.0, TIERS) == 25


def test_points_from_completion_are_capped_and_a_breach_costs_its_points():
    assert flow_points(25, 1948 / 2180, 1.0) == pytest.approx(22.339, abs=1e-3)
    assert flow_points(25, 1.076, 1.0) == 25  # 超额完成任务不加分
    assert flow_points(25, 1.076, 1.05) == pytest.approx(26.25)
    assert flow_points(25, float("nan"), 1.0) == 0
    assert limit_points(15, met=False, reported=True, deduction=1.0) == 0
    assert limit_points(15, met=False, reported=True, deduction=0.5) == 7.5
    assert limit_points(15, met=True, reported=True, deduction=1.0) == 15
    assert limit_points(15, met=True, reported=False, deduction=1.0) == 0


def test_grades_and_the_excellent_quota():
    assert [grade_for(s, GRADES) for s in (100, 90, 89.99, 80, 75, 74.99)] == [
        "优秀", "优秀", "良好", "良好", "达标", "不达标",
    ]  # fmt: skip
    # Ten counties, at most 30% 优秀: the fourth and fifth 优秀 by rank become 良好.
    ranked = ["优秀"] * 5 + ["良好", "达标", "达标", "不达标", "不达标"]
    ranks = list(range(1, 11))
    assert apply_excellent_quota(ranked, ranks, GRADES, 0.3) == ["优秀"] * 3 + ["良好"] * 3 + [
        "达标", "达标", "不达标", "不达标",
    ]  # fmt: skip
    # Equal scores share a rank and keep the same grade.
    tied = apply_excellent_quota(["优秀"] * 4, [1, 1, 3, 4], GRADES[:2] + GRADES[2:], 0.75)
    assert tied == ["优秀", "优秀", "优秀", "良好"]


def test_fund_adjustment_is_budget_neutral():
    change = fund_adjustment({"a": 90, "b": 80}, {"a": 100, "b": 300}, 1.0)
    assert change == pytest.approx({"a": 7.5, "b": -7.5})  # weighted mean score 82.5
    assert sum(change.values()) == pytest.approx(0)


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
    assert "城镇新增就业完成率89.4%（−15.16分）" in zi_yang["deductions"]
    barred = {"610925"}
    table, is_sample = fund_table(scores, barred)
    assert is_sample and table["change"].sum() == pytest.approx(0, abs=1e-9)
    assert (table["change"].abs() <= 0.10 * table["base"] + 0.011).all()
    assert table.set_index("region_code").loc["610925", "change"] <= 0
    mean = (table["base"] * table["score"]).sum() / table["base"].sum()
    above = table["score"] > mean
    assert (table.loc[above, "change"] >= 0).all() and (table.loc[~above, "change"] <= 0).all()


def test_bounded_changes_keep_the_budget_neutral():
    changes = bounded_changes(
        {"a": 15, "b": 5, "c": -20}, {"a": 100, "b": 100, "c": 100}, 0.1, set()
    )
    assert changes == pytest.approx({"a": 10 * 10 / 15, "b": 5 * 10 / 15, "c": -10})
    barred = bounded_changes(
        {"a": 15, "b": 5, "c": -20}, {"a": 100, "b": 100, "c": 100}, 0.1, {"a"}
    )
    assert barred == pytest.approx({"a": 0, "b": 5, "c": -5})
    assert sum(barred.values()) == pytest.approx(0)


def test_interviews_name_facts_first_then_forecasts(facts_2024):
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
    assert any(r.startswith("登记失业率4.14%，比年目标4%高0.14个百分点") for r in lan_gao)
    first_forecast = next(i for i, r in enumerate(lan_gao) if r.startswith("（预测"))
    assert all(not r.startswith("（预测") for r in lan_gao[:first_forecast])
    assert "石泉县" not in suggestions or "优秀" not in suggestions["石泉县"].reasons[0]
    commended = {
        s.region for s in commendation_suggestions(facts_2024, scores, assessment, final=False)
    }
    assert commended == set(scores[scores["grade"] == "优秀"]["region"])
    assert commended.isdisjoint(suggestions)


def test_rules_load_with_weights_that_make_100():
    assert sum(load_rules().scoring.weights.values()) == 100


def test_in_the_last_year_missed_plan_targets_are_facts(facts_2024):
    scores = score_counties(facts_2024)
    verdicts = pd.DataFrame(
        [{"region_code": "610929", "kind": "cumulative", "status": "未完成", "indicator_name": name,
          "note": note} for name, note in (("城镇新增就业", "差13人，完成规划目标的99.8%"),
                                            ("农民就地就近转移就业", "差313人，完成规划目标的95.5%"))]
    )  # fmt: skip
    bai_he = {s.region: s for s in interview_suggestions(facts_2024, scores, verdicts, final=True)}
    reasons = bai_he["白河县"].reasons
    assert "十四五规划目标未完成：城镇新增就业（差13人，完成规划目标的99.8%）" in reasons
    assert not any(r.startswith("（预测") for r in reasons)


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
    warned = {s.region_code: s for s in early_warnings(forecasts, interviewed)}
    assert warned["610922"].reasons[0].startswith("（预测）城镇新增就业")
