"""年度任务完成情况 (第七、九、十二条) for the assessed year, as facts from the submissions.

For every region and indicator: the year's 目标任务 and 完成数 with 完成率 and 同比 (flows), or the
year's value against its yearly limit with the margin in 个百分点 (rates) or 次 (meetings), plus
the plan years in which a yearly limit was missed and the cumulative plan progress. Nothing here is
forecast. Wording follows the bureaus' own ("完成年目标任务12,500人的98.5%",
"比年目标4%低0.63个百分点").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.annual.exact import percent_floor, ratio
from pipeline.config.indicators import indicators_for, plan_for_year, target
from pipeline.config.regions import Region, all_regions
from pipeline.config.schema import Indicator, Plan
from pipeline.plan_targets.progress import time_progress_gap
from pipeline.plan_targets.verdict import bound_word, limit_kept

TASK_FROM_SUBMISSION = "报表"
TASK_FROM_PLAN = "规划年均"
ANNUAL_COLUMNS = [
    "year", "region_code", "region", "indicator", "indicator_name", "short_name", "unit", "kind",
    "article", "task", "task_source", "done", "completion_rate", "shortfall", "previous_done",
    "change", "change_rate", "limit", "margin", "met", "reported", "years_missed", "years_unreported",
    "plan_target", "plan_done", "plan_share", "time_progress_gap", "questioned", "wording",
    "missing_reason",
]  # fmt: skip


def number(value: float, unit: str) -> str:
    """A value as the bureaus write it: persons with thousands separators, rates as '4%' or
    '3.37%', meetings as whole numbers."""
    if unit == "%":
        return f"{value:.2f}".rstrip("0").rstrip(".") + "%"
    return f"{value:,.0f}{unit}"


def reported_value(value: float, item: Indicator) -> str:
    """A region's reported value with the indicator's decimals (config/indicators.yaml), so that a
    column of them reads alike: 3.20% beside 3.61% (the targets keep the plan's '4%', :func:`number`)."""
    return f"{value:,.{item.decimals}f}{item.unit}"


def rank_ends(scores: pd.DataFrame, *, first: bool) -> str:
    """The first or the last three places by rank, ties kept whole: every region ranked 1–3 (or
    in the last three places), so that nine tied at first are named as tied, not the first three
    in code order: '并列第1名的3个：石泉县（100.00分）、平利县（100.00分）、旬阳市（100.00分）'."""
    ranks = scores["rank"].astype(int)
    if first:
        chosen = scores[ranks <= 3]
    else:
        third_last = sorted(ranks)[-3] if len(ranks) >= 3 else ranks.min()
        chosen = scores[ranks >= third_last]
    groups = []
    for rank, group in chosen.groupby("rank", sort=True):
        names = "、".join(f"{r.region}（{r.score:.2f}分）" for r in group.itertuples())
        groups.append(f"并列第{rank}名的{len(group)}个：{names}" if len(group) > 1 else names)
    return "；".join(groups) if any("并列" in g for g in groups) else "、".join(groups)


def task_wording(done: float, task: float, unit: str) -> str:
    """'完成12,314人，完成年目标任务12,500人的98.5%'."""
    return f"完成{number(done, unit)}，完成年目标任务{number(task, unit)}的{percent_floor(ratio(done, task))}"


def limit_wording(value: float, limit: float, item: Indicator) -> str:
    """'3.37%，比年目标4%低0.63个百分点' (ceiling) or '召开1次，比要求的每年不少于2次少1次' (floor)."""
    difference, unit, kind = value - limit, item.unit, item.kind
    if unit == "%":
        word = "低" if difference < 0 else "高"
        relation = f"比年目标{number(limit, unit)}{word}{abs(difference):.2f}个百分点"
        if difference == 0:
            relation = f"与年目标{number(limit, unit)}持平"
        return f"{reported_value(value, item)}，{relation}（要求{bound_word(kind)}{number(limit, unit)}）"
    if difference >= 0:
        return f"{reported_value(value, item)}，达到每年不少于{number(limit, unit)}的要求"
    return f"{reported_value(value, item)}，比每年不少于{number(limit, unit)}的要求少{number(-difference, unit)}"


class _Rows:
    """The tidy table's rows by (region code, indicator, measure), found once: looking each
    region's rows up in the whole table made the year's facts grow with the square of the
    number of regions (a town tier, a synthetic 200-region run)."""

    def __init__(self, tidy: pd.DataFrame) -> None:
        self.year = tidy["year"].to_numpy()
        self.value = tidy["value"].to_numpy()
        self.reason = tidy["missing_reason"].to_numpy() if "missing_reason" in tidy else None
        keys = ["region_code", "indicator", "measure"]
        self.positions = tidy.groupby(keys, sort=False).indices if len(tidy) else {}

    def _of(self, region: Region, item: Indicator, measure: str) -> np.ndarray:
        return self.positions.get((region.code, item.id, measure), np.array([], dtype=int))

    def values(self, region: Region, item: Indicator, measure: str) -> dict[int, float]:
        at = self._of(region, item, measure)
        return {int(y): float(v) for y, v in zip(self.year[at], self.value[at], strict=True)}

    def missing_reason(self, region: Region, item: Indicator, year: int) -> str:
        if self.reason is None:
            return ""
        at = self._of(region, item, "actual")
        reasons = self.reason[at][self.year[at] == year]
        return next((str(r) for r in reasons if isinstance(r, str) and r), "")


def _flow_row(
    item: Indicator, region: Region, plan: Plan, year: int, actual: dict[int, float],
    tasks: dict[int, float],
) -> dict:  # fmt: skip
    goal = target(plan, item, region)
    task = tasks.get(year, np.nan)
    source = TASK_FROM_SUBMISSION
    if not np.isfinite(task):
        task, source = goal / len(plan.years), TASK_FROM_PLAN
    done = actual.get(year, np.nan)
    previous = actual.get(year - 1, np.nan)
    plan_years = [y for y in plan.years if y <= year]
    plan_done = sum(actual[y] for y in plan_years if y in actual and np.isfinite(actual[y]))
    reported = bool(np.isfinite(done))
    rate = done / task if reported else np.nan
    wording = task_wording(done, task, item.unit) if reported else "未报送完成数"
    if reported and source == TASK_FROM_PLAN:
        wording += "（报表未填目标任务，按规划目标的年均数计）"
    return {
        "task": task, "task_source": source, "done": done, "completion_rate": rate,
        "shortfall": max(task - done, 0.0) if reported else np.nan,
        "previous_done": previous, "change": done - previous,
        "change_rate": (done - previous) / previous if previous else np.nan,
        "limit": np.nan, "margin": np.nan, "met": bool(reported and ratio(done, task) >= 1),
        "reported": reported, "years_missed": "", "years_unreported": "",
        "plan_target": goal, "plan_done": plan_done, "plan_share": plan_done / goal,
        "time_progress_gap": time_progress_gap(plan_done, goal, len(plan_years), len(plan.years)),
        "wording": wording,
    }  # fmt: skip


def _limit_row(
    item: Indicator, region: Region, plan: Plan, year: int, actual: dict[int, float]
) -> dict:
    limit = target(plan, item, region)
    value = actual.get(year, np.nan)
    previous = actual.get(year - 1, np.nan)
    reported = bool(np.isfinite(value))
    missed = [
        y
        for y in plan.years
        if y <= year
        and np.isfinite(actual.get(y, np.nan))
        and not limit_kept(actual[y], limit, item.kind)
    ]
    unreported = [y for y in plan.years if y <= year and not np.isfinite(actual.get(y, np.nan))]
    return {
        "task": np.nan, "task_source": "", "done": value, "completion_rate": np.nan,
        "shortfall": np.nan, "previous_done": previous, "change": value - previous,
        "change_rate": np.nan, "limit": limit, "margin": value - limit,
        "met": bool(reported and limit_kept(value, limit, item.kind)), "reported": reported,
        "years_missed": "、".join(map(str, missed)),
        "years_unreported": "、".join(map(str, unreported)),
        "plan_target": limit, "plan_done": np.nan, "plan_share": np.nan, "time_progress_gap": np.nan,
        "wording": limit_wording(value, limit, item) if reported else "未报送",
    }  # fmt: skip


QUESTIONED = "（该数值在数据质量检查中被标注，请核实）"


def _questioned_values(tidy: pd.DataFrame, qa_log: pd.DataFrame | None, year: int) -> set:
    """(region code, indicator) whose 完成数 of ``year`` sits in a cell the QA log warned about."""
    if qa_log is None or qa_log.empty:
        return set()
    warned = {
        (str(f), str(r), str(c))
        for f, r, c, status in zip(qa_log["file"], qa_log["row"], qa_log["column"], qa_log["status"], strict=True)
        if status == "WARN" and f and r
    }  # fmt: skip
    rows = tidy[(tidy["year"] == year) & (tidy["measure"] == "actual")]
    return {
        (code, indicator_id)
        for code, indicator_id, f, r, c in zip(
            rows["region_code"],
            rows["indicator"],
            rows["source_file"],
            rows["source_row"],
            rows["source_column"],
            strict=True,
        )  # fmt: skip
        if (str(f), str(int(r)) if pd.notna(r) else "", str(c)) in warned
    }


def annual_tasks(
    tidy: pd.DataFrame,
    year: int,
    regions: tuple[Region, ...] | None = None,
    qa_log: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per region × indicator for ``year``: the facts of the year (see module doc).
    A value whose cell the QA log warned about (``qa_log``) says so in its wording."""
    plan = plan_for_year(year)
    questioned = _questioned_values(tidy, qa_log, year)
    found = _Rows(tidy)
    rows = []
    for region in regions or all_regions():
        for item in indicators_for(region):
            actual = found.values(region, item, "actual")
            base = {
                "year": year, "region_code": region.code, "region": region.name,
                "indicator": item.id, "indicator_name": item.name, "short_name": item.short_name,
                "unit": item.unit, "kind": item.kind, "article": item.article,
            }  # fmt: skip
            if item.kind == "cumulative":
                tasks = found.values(region, item, "task")
                row = base | _flow_row(item, region, plan, year, actual, tasks)
            else:
                row = base | _limit_row(item, region, plan, year, actual)
            row["questioned"] = (region.code, item.id) in questioned
            # why the county did not submit the 完成数 (its 未报送：<原因>), shown beside the deduction
            row["missing_reason"] = found.missing_reason(region, item, year)
            if row["questioned"]:
                row["wording"] += QUESTIONED
            rows.append(row)
    return pd.DataFrame(rows, columns=ANNUAL_COLUMNS)
