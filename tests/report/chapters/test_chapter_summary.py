"""一、总体情况 (pipeline/report/chapters/summary.py) and the county pages' 考核结果 block
(regions.py), from small frames."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from pipeline.annual.scoring import Suggestion
from pipeline.config.indicators import plan_for_year
from pipeline.plan_targets.assess import DIFFICULT, FAILED, ON_TRACK
from pipeline.plan_targets.verdict import FINAL_MET, FINAL_MISSED
from pipeline.report.chapters.regions import outcome
from pipeline.report.chapters.summary import _plan_cell, allocation_callout


def test_the_glance_tables_plan_cell_counts_the_verdict_or_the_targets_at_risk():
    final = pd.DataFrame({"status": [FINAL_MET, FINAL_MET, FINAL_MISSED]})
    assert _plan_cell(final, final=True) == "完成2/3"
    ahead = pd.DataFrame({"status": [DIFFICULT, DIFFICULT, FAILED, ON_TRACK]})
    assert _plan_cell(ahead, final=False) == "难以完成2项，已无法完成1项"
    assert _plan_cell(pd.DataFrame({"status": [ON_TRACK]}), final=False) == "—"


def test_the_estimate_notice_shows_until_the_targets_are_issued():
    plan = plan_for_year(2024)
    estimated = allocation_callout(plan.model_copy(update={"allocation_status": "estimate"}), False)
    assert "五年目标为测算数" in estimated and "累计进度和预测只作参考" in estimated
    final = allocation_callout(plan.model_copy(update={"allocation_status": "estimate"}), True)
    assert "规划期结果只作参考" in final
    assert allocation_callout(plan.model_copy(update={"allocation_status": "issued"}), False) == ""


def test_the_estimate_notice_states_the_rule_as_a_sentence_not_in_parentheses():
    """A county's rule has parentheses and sentences of its own (a clerk found them nested in the
    notice): it follows as 测算方法：… after the notice's own sentence."""
    rule = "汉滨区五年任务为全市分解数（config/targets.yaml）。镇（办）的测算数按镇（办）个数均分。"
    plan = plan_for_year(2024).model_copy(
        update={"allocation_status": "estimate", "allocation_rule": rule}
    )
    text = allocation_callout(plan, False)
    assert "测算的分解数，不是" in text
    assert (
        "测算方法：汉滨区五年任务为全市分解数（config/targets.yaml）。镇（办）的测算数按镇（办）个数均分。"
        in text
    )


def test_a_county_pages_result_block_names_score_suggestions_and_funds():
    scores = pd.DataFrame(
        {
            "region_code": ["610923"],
            "score": [58.25],
            "rank": [10],
            "grade": ["不达标"],
            "deductions": ["城镇新增就业扣5分"],
            "review_notes": [""],
            "review_points": [0.0],
            "computed_score": [58.25],
        }
    )
    funds = pd.DataFrame({"region_code": ["610923"], "change": [-12.5], "change_share": [-0.02]})
    results = SimpleNamespace(
        scores=scores,
        funds=funds,
        funds_are_sample=True,
        interviews=[Suggestion("610923", "宁陕县", ("等次为不达标",))],
        commendations=[],
        warnings=[],
        commendation_note=lambda code: "",
    )
    block = outcome("610923", results)
    assert "考核得分58.25分，第10名，等次：不达标。" in block
    assert "建议约谈" in block and "次年就业资金建议−12.50万元（−2.0%），基数为样例。" in block
    assert outcome("610900", results) == ""  # the city is not scored
