"""The 十四五终期 part of the plan's last report (and its workbook sheet): each county's five-year
results, the five-year ranking by the stated rule, 先进单位 suggestions (第二十一条) and the plan
targets 完成/未完成 with their shortfalls — presented from the 考核 stage's
:class:`pipeline.annual.plan_results.PlanResults`, never computed here."""

from __future__ import annotations

import pandas as pd

from pipeline.annual.plan_results import NO_DATA_GRADE, PlanResults, plan_method
from pipeline.config.assessment_rules import AssessmentRules
from pipeline.config.regions import tier_words
from pipeline.report import markup
from pipeline.report.formatting import points
from pipeline.report.workbook.writer import DECIMAL2, Column, Sheet

SHEET_TITLE = "十四五终期"  # the plan's name is in each header; the sheet title stays short
SECTION = (
    "七"  # the part's number in the report: after 六 (the plan targets), before the county pages
)


def _year_cells(plan: PlanResults) -> pd.DataFrame:
    """County × plan year: '95.50优秀', or 无数据 (no separator: at most 8 characters, which the
    report keeps on one line)."""
    years = plan.years.assign(
        cell=[
            f"{s:.2f}{g}" if has else NO_DATA_GRADE
            for s, g, has in zip(
                plan.years["score"], plan.years["grade"], plan.years["has_data"], strict=True
            )
        ]
    )
    return years.pivot(index="region_code", columns="year", values="cell")


def summary(plan: PlanResults | None) -> str:
    """The executive summary's sentence on the plan's five-year result ('' before the plan's last
    year): the five-year first place, the 先进单位 suggested and the counties' plan targets
    完成/未完成, all read from the 考核 stage's results."""
    if plan is None or plan.counties.empty:
        return ""
    w = tier_words()
    table = plan.counties
    first = table[table["rank"] == table["rank"].min()]
    suggested = list(plan.suggested["region"])
    total, met = int(table["targets_total"].sum()), int(table["targets_met"].sum())
    return (
        f"{plan.plan.name}终期考核（见第{SECTION}节）：五年得分第一名为"
        + "、".join(f"{r.region}（{r.score:.2f}分，{r.grade}）" for r in first.itertuples())
        + "；"
        + (
            f"建议表彰先进单位{len(suggested)}个（{'、'.join(suggested)}）"
            if suggested
            else "没有建议表彰的先进单位"
        )
        + f"；各{w.members_short}{plan.plan.name}规划目标共{total}项，完成{met}项，未完成{total - met}项"
        + (
            f"（{w.members_short}累计目标为测算数，不作为依据）"
            if plan.plan.allocation_status != "issued"
            else ""
        )
        + "。"
    )


def five_year_table(plan: PlanResults) -> pd.DataFrame:
    """One row per county in five-year rank order: each plan year's score and grade, the five-year
    score, grade, plan targets 完成 and the suggestion."""
    cells = _year_cells(plan)
    table = plan.counties
    frame = pd.DataFrame({"五年排名": table["rank"], "地区": table["region"]})
    for year in plan.plan.years:
        frame[f"{year}年"] = [cells.loc[code, year] for code in table["region_code"]]
    frame["五年得分"] = [points(v) for v in table["score"]]
    frame["五年等次"] = table["grade"]
    frame["规划目标完成"] = [
        f"{m}/{n}" for m, n in zip(table["targets_met"], table["targets_total"], strict=True)
    ]
    frame["建议"] = ["先进单位" if s else "—" for s in table["suggested"]]
    return frame


def targets_table(plan: PlanResults) -> pd.DataFrame:
    """The counties with a plan target not 完成: those that decide, and those that do not (estimates)."""
    table = plan.counties
    open_rows = table[(table["targets_missed"] != "") | (table["targets_withheld"] != "")]
    return pd.DataFrame(
        {
            "地区": open_rows["region"],
            "未完成（作为依据）": [t or "—" for t in open_rows["targets_missed"]],
            "未完成（县区目标为测算数，不作为依据）": [
                t or "—" for t in open_rows["targets_withheld"]
            ],
        }
    )


def _blocks(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "无。"
    return "\n".join(
        f"- **{markup.text(r.region)}**：{markup.text(r.note)}。" for r in rows.itertuples()
    )


def context(plan: PlanResults | None, rules: AssessmentRules) -> dict | None:
    """The template's ``final_term`` entries (None outside the plan's last year)."""
    if plan is None:
        return None
    table = plan.counties
    top_line = rules.grades[0].min_score
    # a county that leads or reaches the top grade's line and is not suggested says why
    passed_over = table[~table["suggested"] & ((table["rank"] == 1) | (table["score"] >= top_line))]
    targets = targets_table(plan)
    name = plan.plan.name
    return {
        "section": SECTION,
        "title": f"{name}终期考核：规划期五年结果与先进单位建议（第二十一条）",
        "method": plan_method(plan, rules),
        "table": markup.table(
            five_year_table(plan),
            label="tbl-final-term",
            caption=f"{name}规划期（{plan.plan.start}–{plan.plan.end}年）各县（市、区）五年考核结果",
        ),
        "suggested": _blocks(plan.suggested),
        "passed_over": _blocks(passed_over),
        "targets": markup.table(
            targets,
            label="tbl-final-term-targets",
            caption=f"{name}规划目标未完成的县（市、区）及差额",
        )
        if len(targets)
        else f"各县（市、区）的{name}规划目标全部完成。",
    }


def sheet(plan: PlanResults | None, note: str) -> list[Sheet]:
    """The workbook's 十四五终期 sheet (none outside the plan's last year): numbers stay numbers."""
    if plan is None:
        return []
    frame = plan.counties.assign(
        suggestion=["是" if s else "否" for s in plan.counties["suggested"]]
    ).set_index("region_code")
    year_columns = []
    for year in plan.plan.years:
        rows = plan.years[plan.years["year"] == year].set_index("region_code")
        frame[f"score_{year}"] = rows["score"]
        frame[f"grade_{year}"] = rows["grade"]
        year_columns += [
            Column(f"score_{year}", f"{year}年得分", 9, DECIMAL2),
            Column(f"grade_{year}", f"{year}年等次", 8),
        ]
    name = plan.plan.name
    return [
        Sheet(
            SHEET_TITLE,
            frame.reset_index(),
            (
                Column("rank", "五年排名", 6),
                Column("region", "地区", 10),
                *year_columns,
                Column("score", "五年得分", 9, DECIMAL2),
                Column("grade", "五年等次", 8),
                Column("grade_note", "等次说明", 40),
                Column("targets_met", f"{name}规划目标完成项数", 10),
                Column("targets_total", "规划目标项数", 8),
                Column("targets_missed", "未完成（作为依据）", 40),
                Column("targets_withheld", "未完成（县区目标为测算数，不作为依据）", 40),
                Column("suggestion", "建议先进单位", 8),
                Column("note", "理由或未建议的原因", 80),
            ),
            note,
        )
    ]
