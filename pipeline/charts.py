"""Charts and display tables for the notebooks and the report (matplotlib, Chinese labels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from pipeline.config import Indicator
from pipeline.fonts import configure_matplotlib
from pipeline.indicators import indicator, indicators, indicators_for, plan_for_year, target
from pipeline.regions import Region, all_regions

configure_matplotlib()

STATUS_COLOURS = {
    "已完成": "#1b7837", "进度正常": "#7fbf7b", "存在风险": "#f1a340", "难以完成": "#d73027", "无数据": "#bbbbbb",
}  # fmt: skip
DISPLAY_COLUMNS = [
    "地区", "指标", "规划目标", "截至本年", "时序进度差（百分点）", "确定性判断", "期末预测", "80%预测区间",
    "达标概率", "状态", "说明",
]  # fmt: skip


def assessment_table(assessment: pd.DataFrame) -> pd.DataFrame:
    """The assessment with Chinese column names and readable number formats."""
    units = assessment["unit"]
    items = [indicator(i) for i in assessment["indicator"]]

    def formatted(column: str) -> list[str]:
        return [format_value(v, item) for v, item in zip(assessment[column], items, strict=True)]

    table = pd.DataFrame({
        "地区": assessment["region"],
        "指标": [f"{indicator(i).short_name}（{u}）" for i, u in zip(assessment["indicator"], units, strict=True)],
        "规划目标": formatted("target"),
        "截至本年": formatted("actual_to_date"),
        "时序进度差（百分点）": [f"{g * 100:+.1f}" if np.isfinite(g) else "—" for g in assessment["time_progress_gap"]],
        "确定性判断": [
            e if isinstance(e, str) and e else (d if isinstance(d, str) else "—")
            for e, d in zip(assessment["eurostat_category"], assessment["destatis_category"], strict=True)
        ],
        "期末预测": formatted("forecast_end"),
        "80%预测区间": [f"{lo}–{hi}" for lo, hi in zip(formatted("forecast_end_lo80"), formatted("forecast_end_hi80"), strict=True)],
        "达标概率": [f"{p * 100:.0f}%" if np.isfinite(p) else "—" for p in assessment["probability"]],
        "状态": assessment["status"],
        "说明": assessment["note"].fillna(""),
    })  # fmt: skip
    return table[DISPLAY_COLUMNS]


def format_value(value: float, item: Indicator | str) -> str:
    """A value with the indicator's configured decimals (thousands separated when whole).

    ``item`` may still be a unit symbol (older callers): then the decimals are those configured
    for the indicators in that unit, which must agree."""
    if not np.isfinite(value):
        return "—"
    if isinstance(item, str):
        decimals = {i.decimals for i in indicators() if i.unit == item}
        if len(decimals) != 1:
            raise ValueError(
                f"单位“{item}”的指标配置了不同的小数位数 {sorted(decimals)}：请传入指标"
            )
        places = decimals.pop()
    else:
        places = item.decimals
    return f"{value:,.0f}" if places == 0 else f"{value:.{places}f}"


def region_panel(tidy: pd.DataFrame, paths: pd.DataFrame, region: Region, year: int) -> Figure:
    """Small multiples, one per indicator: history, annual task, 80% forecast band and target."""
    plan = plan_for_year(year)
    items = indicators_for(region)
    columns = 4
    rows = int(np.ceil(len(items) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(13, 3.1 * rows), squeeze=False)
    actual = tidy[
        (tidy["region_code"] == region.code)
        & (tidy["measure"] == "actual")
        & (tidy["year"] <= year)
    ]
    for axis, item in zip(axes.flat, items, strict=False):
        history = actual[actual["indicator"] == item.id].sort_values("year")
        axis.plot(history["year"], history["value"], marker="o", color="#2166ac", label="完成数")
        future = paths[(paths["region_code"] == region.code) & (paths["indicator"] == item.id)]
        if not future.empty and not history.empty:
            # Start the band at the last observation so that a one-year forecast is visible too.
            last_year, last_value = int(history["year"].iloc[-1]), float(history["value"].iloc[-1])
            band_years = [last_year, *future["year"]]
            axis.fill_between(
                band_years,
                [last_value, *future["lo80"]],
                [last_value, *future["hi80"]],
                color="#92c5de",
                alpha=0.6,
                label="80%预测区间",
            )
            axis.plot(
                band_years,
                [last_value, *future["mean"]],
                linestyle="--",
                marker="s",
                markevery=list(range(1, len(band_years))),
                color="#2166ac",
                label="预测均值",
            )
        goal = target(plan, item, region)
        level = goal / len(plan.years) if item.kind == "cumulative" else goal
        axis.axhline(
            level,
            color="#b2182b",
            linestyle=":",
            label="年均目标" if item.kind == "cumulative" else "目标线",
        )
        axis.axvspan(plan.start - 0.5, plan.end + 0.5, color="#f0f0f0", zorder=0)
        axis.set_title(f"{item.short_name}（{item.unit}）", fontsize=10)
        axis.tick_params(labelsize=8)
        axis.set_xlim(2015.5, plan.end + 0.5)
    for axis in list(axes.flat)[len(items) :]:
        axis.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=4, fontsize=9, frameon=False)
    figure.suptitle(f"{region.name}：历年完成数与{plan.name}期末预测（灰底为规划期）", fontsize=12)
    figure.tight_layout(rect=(0, 0.05, 1, 0.96))
    return figure


def status_matrix(assessment: pd.DataFrame) -> Figure:
    """Regions × indicators, coloured by status, with the probability of meeting each target."""
    regions = [r for r in all_regions() if r.code in set(assessment["region_code"])]
    items = list(indicators())
    statuses = list(STATUS_COLOURS)
    grid = np.full((len(regions), len(items)), np.nan)
    figure, axis = plt.subplots(figsize=(12, 0.5 * len(regions) + 2))
    for i, region in enumerate(regions):
        for j, item in enumerate(items):
            match = assessment[
                (assessment["region_code"] == region.code) & (assessment["indicator"] == item.id)
            ]
            if match.empty:
                axis.text(j, i, "不适用", ha="center", va="center", fontsize=8, color="#666666")
                continue
            row = match.iloc[0]
            grid[i, j] = statuses.index(row["status"])
            probability = row["probability"]
            label = (
                f"{row['status']}\n{probability * 100:.0f}%"
                if np.isfinite(probability)
                else row["status"]
            )
            axis.text(j, i, label, ha="center", va="center", fontsize=8)
    axis.imshow(
        np.ma.masked_invalid(grid),
        cmap=ListedColormap(list(STATUS_COLOURS.values())),
        vmin=-0.5,
        vmax=len(statuses) - 0.5,
        aspect="auto",
    )
    axis.set_xticks(
        range(len(items)), [item.short_name for item in items], rotation=30, ha="right", fontsize=9
    )
    axis.set_yticks(range(len(regions)), [r.name for r in regions], fontsize=9)
    axis.set_title("各地区目标完成状态与达标概率", fontsize=12)
    figure.tight_layout()
    return figure


def progress_bars(assessment: pd.DataFrame, indicator_id: str, year: int) -> Figure:
    """Completed share of a cumulative target by region, against the elapsed share (时序进度)."""
    item = indicator(indicator_id)
    plan = plan_for_year(year)
    rows = assessment[assessment["indicator"] == indicator_id].iloc[::-1]
    share = rows["actual_to_date"] / rows["target"] * 100
    elapsed = (year - plan.start + 1) / len(plan.years) * 100
    figure, axis = plt.subplots(figsize=(8, 0.38 * len(rows) + 1.4))
    colours = [STATUS_COLOURS.get(s, "#bbbbbb") for s in rows["status"]]
    axis.barh(rows["region"], share, color=colours)
    axis.axvline(elapsed, color="#333333", linestyle="--")
    axis.text(elapsed, len(rows) - 0.4, f" 时序进度 {elapsed:.0f}%", fontsize=8, va="bottom")
    for position, value in enumerate(share):
        axis.text(value + 0.5, position, f"{value:.1f}%", va="center", fontsize=8)
    axis.set_xlabel(f"截至{year}年完成{plan.name}目标的比例（%）")
    axis.set_xlim(0, max(105, float(share.max()) + 8))
    axis.set_title(f"{item.name}：完成进度", fontsize=11)
    figure.tight_layout()
    return figure
