"""七、各县（市、区）详情 (八 in the plan's last year, after its 终期 part): one page per region
with its 考核结果, the year's tasks and limits, its plan-target table, its history chart and
(for a county that assessed its towns) the towns' summary."""

from __future__ import annotations

from functools import partial

import pandas as pd

from pipeline.annual.exact import signed
from pipeline.annual.results import YearResults
from pipeline.config.assessment_rules import load_rules
from pipeline.config.regions import all_regions
from pipeline.report import charts, markup
from pipeline.report.chapters import towns
from pipeline.report.chapters.outlook import target_table
from pipeline.report.formatting import Figures, final_or_progress
from pipeline.report.inputs import ReportInputs
from pipeline.store import catalog


def outcome(region_code: str, results: YearResults) -> str:
    """A county's result in one block: score, rank, grade, deductions, suggestions, funds ('' for
    the city, which is not scored)."""
    scores = results.scores.set_index("region_code")
    if region_code not in scores.index:
        return ""
    score = scores.loc[region_code]
    fund = results.funds.set_index("region_code").loc[region_code]
    suggested = (
        ("建议约谈", results.interviews),
        ("建议通报表扬", results.commendations),
        ("预警提醒", results.warnings),
    )
    labels = [label for label, items in suggested if region_code in {s.region_code for s in items}]
    review = (
        [
            f"考评组复核{signed(score['review_points'], '.2f')}分"
            f"（按年度任务计分{score['computed_score']:.2f}分）：{score['review_notes']}。"
        ]
        if score["review_notes"]
        else []
    )
    note = results.commendation_note(region_code)
    lines = [
        f"考核得分{score['score']:.2f}分，第{score['rank']}名，等次：{score['grade']}。",
        f"扣分：{score['deductions'] or '无'}。",
        *review,
        *([f"等次与表扬说明：{note}。"] if note else []),
        f"建议：{'、'.join(labels) or '无'}；次年就业资金建议{signed(fund['change'], ',.2f')}万元"
        f"（{signed(fund['change_share'] * 100, '.1f')}%）"
        + ("，基数为样例" if results.funds_are_sample else "")
        + "。",
    ]
    return markup.callout("note", "考核结果", "\n\n".join(markup.text(line) for line in lines))


def _facts(facts: pd.DataFrame) -> str:
    """The region's tasks and limits this year, each with the plan years it missed."""
    return "\n".join(
        f"- {markup.text(r.short_name)}：{markup.text(r.wording)}"
        + (f"（规划期内{r.years_missed}年未达到要求）" if r.years_missed else "")
        for r in facts.itertuples()
    )


def context(inputs: ReportInputs, figures: Figures, number: str) -> dict:
    """The chapter's template entries (``templates/chapters/regions.qmd.j2``): its number (七, or
    八 after the plan's 终期 part) and one section per region."""
    year, plan, final, results = inputs.year, inputs.plan, inputs.final, inputs.results
    grades = [g.name for g in load_rules().grades]
    sections = []
    for region in all_regions():
        drawn = catalog.region_dir(inputs.processed_dir, year, region.code)
        sections.append(
            {
                "name": region.name,
                "code": region.code,
                "outcome": outcome(region.code, results),
                "facts": _facts(results.annual[results.annual["region_code"] == region.code]),
                "table": target_table(
                    inputs.assessment[inputs.assessment["region_code"] == region.code],
                    ["地区"],
                    label=f"tbl-region-{region.code}",
                    caption=f"{region.name}{plan.name}目标" + final_or_progress(final),
                    final=final,
                ),
                "image": figures.reuse(
                    catalog.require(drawn / catalog.REGION_PANEL_FILE, "make report", year),
                    f"region-{region.code}.png",
                    f"fig-region-{region.code}",
                    f"{region.name}历年完成数" + ("" if final else "与预测"),
                    partial(charts.region_panel, inputs.tidy, inputs.paths, region, year),
                ),
                "towns": towns.county_summary(region.code, year, grades),
            }
        )
    return {"number": number, "sections": sections}
