"""二、年度任务完成情况 (第七条、第九条): each flow indicator's 年度任务 for every region (task,
done, 完成率, 同比, plan progress) and each yearly limit against its 要求."""

from __future__ import annotations

import pandas as pd

from pipeline.annual.exact import rate_text, share_text, signed
from pipeline.annual.facts import TASK_FROM_PLAN, number, reported_value
from pipeline.config.indicators import indicator, indicators
from pipeline.config.regions import city
from pipeline.plan_targets.assess import elapsed_years
from pipeline.plan_targets.verdict import bound_word
from pipeline.report import markup
from pipeline.report.chapters.meetings import MEETINGS
from pipeline.report.formatting import signed_value, years_missed_cells
from pipeline.report.inputs import ReportInputs

FLOW_WIDTHS = [3, 3, 3, 3, 3, 3, 3, 4, 3]
LIMIT_WIDTHS = [3, 3, 3, 4, 4, 3, 5]


def flow_table(annual: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """年度任务 of one flow indicator for every region: task, done, 完成率, 同比, plan progress."""
    rows = annual[annual["indicator"] == indicator_id]
    return pd.DataFrame(
        {
            "地区": rows["region"],
            "年目标任务": [
                f"{v:,.0f}" + ("*" if s == TASK_FROM_PLAN else "")
                for v, s in zip(rows["task"], rows["task_source"], strict=True)
            ],
            "完成数": [
                (f"{v:,.0f}" + ("（待核实）" if q else "")) if pd.notna(v) else "未报送"
                for v, q in zip(rows["done"], rows["questioned"], strict=True)
            ],
            "完成率": [rate_text(d, t) for d, t in zip(rows["done"], rows["task"], strict=True)],
            "同比（人）": [signed_value(v, "") for v in rows["change"]],
            "规划期累计": [f"{v:,.0f}" for v in rows["plan_done"]],
            "占规划目标": [share_text(v) for v in rows["plan_share"]],
            "时序进度差": [f"{signed(v * 100, '.1f')}个百分点" for v in rows["time_progress_gap"]],
            "年度任务": ["完成" if m else "未完成" for m in rows["met"]],
        }
    )


def limit_table(annual: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """A yearly limit for every region: the year's value, the limit, the margin, years missed."""
    rows = annual[annual["indicator"] == indicator_id]
    unit, kind = rows["unit"].iloc[0], rows["kind"].iloc[0]
    item = indicator(indicator_id)
    return pd.DataFrame(
        {
            "地区": list(rows["region"]),
            "本年数值": [
                reported_value(v, item) if pd.notna(v) else "未报送" for v in rows["done"]
            ],
            "要求": [bound_word(kind) + number(v, unit) for v in rows["limit"]],
            "与要求相差": [signed_value(v, unit) for v in rows["margin"]],
            "同比": [signed_value(v, unit) for v in rows["change"]],
            "本年是否达标": [
                "达标" if m else ("未报送" if not r else "未达标")
                for m, r in zip(rows["met"], rows["reported"], strict=True)
            ],
            "规划期内未达标年份": years_missed_cells(rows),
        }
    )


def context(inputs: ReportInputs) -> dict:
    """The chapter's template entries (``templates/chapters/tasks.qmd.j2``): the city's facts,
    then one numbered section per flow indicator, then per yearly limit (常务会: 第三节)."""
    year, plan, annual = inputs.year, inputs.plan, inputs.results.annual
    flows, limits = [], []
    for item in indicators():
        if item.kind == "cumulative":
            flows.append((item, flow_table(annual, item.id), "年度任务完成情况（人）", FLOW_WIDTHS))
        elif item.id != MEETINGS:
            limits.append((item, limit_table(annual, item.id), "（逐年控制指标）", LIMIT_WIDTHS))
    sections = [
        {
            "number": index,
            "name": item.name,
            "article": item.article,
            "new_page": markup.starts_page(len(table)),
            "table": markup.table(
                table,
                label=f"tbl-annual-{item.id}",
                caption=f"{year}年{item.name}{caption}",
                widths=widths,
            ),
        }
        for index, (item, table, caption, widths) in enumerate([*flows, *limits], start=1)
    ]
    city_facts = annual[annual["region_code"] == city().code]
    return {
        "elapsed_share": f"{elapsed_years(year, plan) / len(plan.years) * 100:.0f}%",
        "city_facts": "\n".join(
            f"- {markup.text(r.short_name)}：{markup.text(r.wording)}"
            for r in city_facts.itertuples()
        ),
        "flows": sections[: len(flows)],
        "limits": sections[len(flows) :],
    }
