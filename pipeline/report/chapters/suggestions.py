"""五、约谈、表扬与资金挂钩建议 (第二十条至第二十二条): the rules, worded from config/assessment.yaml,
the counties each rule suggests with its reasons, the 预警提醒 (not a ground for 约谈), and the
next year's fund changes."""

from __future__ import annotations

import pandas as pd

from pipeline.annual.exact import exact, percent_text, signed
from pipeline.annual.results import YearResults
from pipeline.config.assessment_rules import Funds, load_rules
from pipeline.report import markup
from pipeline.report.formatting import points, whole, whole_percent
from pipeline.report.inputs import ReportInputs

FUNDS_WIDTHS = [2, 3, 2, 3, 3, 3, 3]


def funds_table(results: YearResults) -> pd.DataFrame:
    """Each county's score, base, suggested change (万元, and as a share of its base), next year."""
    funds = results.funds
    return pd.DataFrame(
        {
            "排名": funds["rank"],
            "地区": funds["region"],
            "得分": [points(v) for v in funds["score"]],
            "基数（万元）": [f"{v:,.2f}" for v in funds["base"]],
            "建议增减（万元）": [signed(v, ",.2f") for v in funds["change"]],
            "增减幅度": [f"{signed(v * 100, '.1f')}%" for v in funds["change_share"]],
            "建议次年（万元）": [f"{v:,.2f}" for v in funds["next_year"]],
        }
    )


def funds_rule(funds: Funds) -> dict[str, str]:
    """The fund rule's numbers as the report words them (here and in 附录二)."""
    return {
        "percent_per_point": str(funds.percent_per_point),
        "max_change": whole_percent(funds.max_change_share),
        "sample_notional_total": whole(funds.sample_notional_total),
    }


def context(inputs: ReportInputs) -> dict:
    """The chapter's template entries (``templates/chapters/suggestions.qmd.j2``)."""
    results, rules = inputs.results, load_rules()
    rule = rules.accountability
    return {
        "interview_grades": "、".join(rule.interview_if_grade),
        "interview_min_tasks_missed": str(rule.interview_min_tasks_missed),
        "interview_line": percent_text(1 - exact(rule.interview_task_shortfall_min)),
        "interview_if_limit_breached": rule.interview_if_limit_breached,
        "interview_min_plan_targets_missed": str(rule.interview_min_plan_targets_missed),
        "warning_min_forecast_difficult": str(rule.warning_min_forecast_difficult),
        "commend_grades": "、".join(rule.commend_grades),
        "interviews": markup.suggestion_blocks(results.interviews),
        "warnings": markup.suggestion_blocks(results.warnings),
        "commendations": markup.suggestion_blocks(results.commendations),
        "withheld": markup.suggestion_blocks(results.withheld) if results.withheld else "",
        "funds": funds_rule(rules.funds),
        "funds_are_sample": results.funds_are_sample,
        "funds_table": markup.table(
            funds_table(results),
            label="tbl-funds",
            caption=f"{inputs.year + 1}年就业资金增减建议（预算中性）",
            widths=FUNDS_WIDTHS,
        ),
    }
