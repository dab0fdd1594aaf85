"""Checks on the tidy table after intake. Each is a named rule that adds PASS/WARN/FAIL records."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import CONFIG_DIR
from pipeline.config.indicators import NoPlanError, indicator, indicators, plan_for_year, target
from pipeline.config.regions import UnknownRegionError, by_code, city, counties, tier_words
from pipeline.intake import qa
from pipeline.intake.qa import CHECK_STAGE as STAGE
from pipeline.intake.qa import QaLog, Rule
from pipeline.intake.submission_format import LONG_SHEET
from pipeline.intake.tidy import check_value_unique
from pipeline.store.inert import read_csv


def _where(row: pd.Series) -> dict:
    return {
        "file": row["source_file"],
        "sheet": row["source_sheet"],
        "row": int(row["source_row"]),
        "column": row["source_column"],
    }


def _all_members() -> str:
    """十个县区 for the city; 28个镇办 for a county over its towns."""
    n = len(counties())
    return f"{'十' if n == 10 else n}个{tier_words().members_short}"


def check_counties_present(tidy: pd.DataFrame, log: QaLog) -> None:
    """Every county appears in every year's submission (a WARN for long-format files, which may
    carry any subset of regions)."""
    for year, rows in tidy.groupby("year"):
        present = set(rows["region_code"])
        missing = [c.name for c in counties() if c.code not in present]
        long_format = (rows["source_sheet"] == LONG_SHEET).all()
        if missing:
            log.add(
                Rule.COUNTIES_PRESENT,
                STAGE,
                "WARN" if long_format else "FAIL",
                f"{year}年缺少：{'、'.join(missing)}",
                file="、".join(sorted(set(rows["source_file"]))),
            )
        else:
            log.add(Rule.COUNTIES_PRESENT, STAGE, "PASS", f"{year}年{_all_members()}均已填报")


def check_ranges(tidy: pd.DataFrame, log: QaLog) -> None:
    """Values within each indicator's valid range; counts are non-negative whole numbers;
    rates outside the plausible range are a WARN."""
    for item in indicators():
        rows = tidy[tidy["indicator"] == item.id]
        low, high = item.valid_range
        bad = rows[(rows["value"] < low) | (rows["value"] > high)]
        for _, row in bad.iterrows():
            qa.value_range(
                log,
                STAGE,
                "FAIL",
                f"{row['region']} {item.name} = {row['value']:g}，应在 {low:g}–{high:g}{item.unit} 之间",
                **_where(row),
            )
        if item.integer:
            fractional = rows[(rows["value"] - rows["value"].round()).abs() > 1e-6]
            for _, row in fractional.iterrows():
                log.add(
                    Rule.WHOLE_NUMBER,
                    STAGE,
                    "FAIL",
                    f"{row['region']} {item.name} = {row['value']:g}{item.unit}，应为整数",
                    **_where(row),
                )
        if item.plausible_range is not None:
            p_low, p_high = item.plausible_range
            odd = rows[
                (rows["measure"] == "actual") & ((rows["value"] < p_low) | (rows["value"] > p_high))
            ]
            for _, row in odd.iterrows():
                log.add(
                    Rule.PLAUSIBLE_RANGE,
                    STAGE,
                    "WARN",
                    f"{row['region']} {item.name} = {row['value']:g}%，超出常见区间 {p_low:g}–{p_high:g}%，请核实",
                    **_where(row),
                )
        if bad.empty:
            qa.value_range(
                log,
                STAGE,
                "PASS",
                f"{item.name}：全部在 {low:g}–{high:g}{item.unit} 之间",
            )


def _reported(rows: pd.DataFrame) -> str:
    """Why a region's value is missing, as the log says it: 未报送 with the county's reason."""
    return "、".join(
        f"{r.region}（未报送：{r.missing_reason}）" if r.missing_reason else f"{r.region}（空白）"
        for r in rows.itertuples()
    )


def check_city_total(tidy: pd.DataFrame, log: QaLog) -> None:
    """The 全市 row of a count equals the sum of the ten counties (WARN with the difference).
    When a value is missing the check cannot run: a WARN says which region and why."""
    actual = tidy[tidy["measure"] == "actual"]
    for item in indicators():
        if item.kind != "cumulative":
            continue
        rows = actual[actual["indicator"] == item.id]
        for year, year_rows in rows.groupby("year"):
            city_rows = year_rows[year_rows["region_code"] == city().code]
            county_rows = year_rows[year_rows["region_code"].isin([c.code for c in counties()])]
            files = {"file": "、".join(sorted(set(year_rows["source_file"])))}
            absent = [c.name for c in counties() if c.code not in set(county_rows["region_code"])]
            gaps = year_rows[year_rows["value"].isna()]
            if city_rows.empty or absent or not gaps.empty:
                why = "；".join(
                    part
                    for part in (
                        city_rows.empty and f"没有{tier_words().top}行",
                        absent and f"缺少 {'、'.join(absent)}",
                        not gaps.empty and f"数值缺失：{_reported(gaps)}",
                    )
                    if part
                )
                log.add(
                    Rule.CITY_TOTAL,
                    STAGE,
                    "WARN",
                    f"{year}年 {item.name}：无法核对{tier_words().top}与{tier_words().members_short}合计（{why}）",
                    **files,
                )
                continue
            difference = float(city_rows["value"].iloc[0] - county_rows["value"].sum())
            status = "PASS" if abs(difference) < 0.5 else "WARN"
            log.add(
                Rule.CITY_TOTAL,
                STAGE,
                status,
                f"{year}年 {item.name}：{tier_words().top} {city_rows['value'].iloc[0]:g}，{tier_words().members_short}合计 {county_rows['value'].sum():g}，差 {difference:g}",
                **_where(city_rows.iloc[0]),
            )


def check_missing_cells(
    tidy: pd.DataFrame, first_year_by_indicator: dict[str, int], log: QaLog
) -> None:
    """A blank 完成数 after an indicator's series has begun is a WARN (missing, not zero)."""
    actual = tidy[tidy["measure"] == "actual"]
    years = sorted(actual["year"].unique())
    for item in indicators():
        start = first_year_by_indicator.get(item.id)
        if start is None:
            continue
        regions = [city()] if item.city_only else [city(), *counties()]
        have = set(
            zip(
                actual.loc[actual["indicator"] == item.id, "region_code"],
                actual.loc[actual["indicator"] == item.id, "year"],
                strict=True,
            )
        )
        for year in (y for y in years if y >= start):
            for region in regions:
                if (region.code, year) not in have:
                    qa.blank_cell(
                        log,
                        STAGE,
                        "WARN",
                        f"{year}年 {region.name} {item.name} 完成数为空：按缺失处理（不是0）",
                    )


ROBUST_Z_LIMIT = 3.5
ROBUST_Z_MIN_HISTORY = 5
# and the value differs from the median by more than this share of it (tiny spreads inflate z)
ROBUST_Z_MATERIALITY = 0.10


def check_history_outliers(tidy: pd.DataFrame, log: QaLog) -> None:
    """A value far outside the region's own history is a WARN: robust z = 0.6745·(x − median)/MAD
    over the region's other years, |z| > 3.5 (Iglewicz–Hoaglin) and more than 10% from the median,
    with at least 5 other years."""
    actual = tidy[tidy["measure"] == "actual"]
    for _, rows in actual.groupby(["region_code", "indicator"]):
        values = rows["value"].to_numpy(float)
        for position, (_, row) in enumerate(rows.iterrows()):
            others = np.delete(values, position)
            if len(others) < ROBUST_Z_MIN_HISTORY:
                continue
            median = float(np.median(others))
            mad = float(np.median(np.abs(others - median)))
            if mad == 0:
                continue
            z = 0.6745 * (row["value"] - median) / mad
            material = abs(row["value"] - median) > ROBUST_Z_MATERIALITY * abs(median)
            if abs(z) > ROBUST_Z_LIMIT and material:
                log.add(
                    Rule.HISTORY_OUTLIER,
                    STAGE,
                    "WARN",
                    f"{row['region']} {row['year']}年 {row['indicator_name']} = {row['value']:g}，远离该地区其他年份（中位数 {median:g}，稳健z = {z:.1f}），请核实",
                    **_where(row),
                )


TASK_TOLERANCE = 0.05


def check_tasks_against_targets(tidy: pd.DataFrame, log: QaLog) -> None:
    """The 目标任务 column agrees with config/targets.yaml (WARN on mismatch): ceilings and floors
    equal the target; a cumulative target's yearly task × plan years is within 5% of the region's
    allocation. A yearly task of 0 or less is a FAIL: no 完成率 can be computed against it."""
    tasks = tidy[tidy["measure"] == "task"]
    for _, row in tasks.iterrows():
        try:
            plan = plan_for_year(int(row["year"]))
            region = by_code(row["region_code"])
        except (NoPlanError, UnknownRegionError):
            continue
        item = indicator(row["indicator"])
        goal = target(plan, item, region)
        expected = goal / len(plan.years) if item.kind == "cumulative" else goal
        if item.kind == "cumulative" and not row["value"] > 0:
            qa.target_match(
                log, STAGE, "FAIL",
                f"{row['region']} {row['year']}年 {item.name} 目标任务为 {row['value']:g}：年度目标任务须大于0，"
                f"否则无法计算完成率；请填写下达的任务数（按 config/targets.yaml 约为 {expected:g}）",
                **_where(row),
            )  # fmt: skip
            continue
        if abs(row["value"] - expected) > TASK_TOLERANCE * abs(expected):
            qa.target_match(
                log,
                STAGE,
                "WARN",
                f"{row['region']} {row['year']}年 {item.name} 目标任务 {row['value']:g}，按 config/targets.yaml 应为 {expected:g}",
                **_where(row),
            )


def check_year_has_values(tidy: pd.DataFrame, log: QaLog) -> None:
    """Nothing read at all (an empty folder, only unreadable files) is a FAIL, not a quiet pass."""
    if tidy.empty:
        qa.has_values(log, STAGE, "FAIL", "没有读取到任何数值：请检查文件夹中是否有报表文件")
    else:
        qa.has_values(log, STAGE, "PASS", f"共 {len(tidy)} 个数值")


# A unit's configuration folder (config/units.py) holds the county's own figures as the city's
# submissions give them; the county's run checks its 全区 row against them.
COUNTY_FIGURES_FILE = "county_figures.csv"
FIGURE_COLUMNS = (
    "year",
    "indicator",
    "measure",
    "value",
    "source_file",
    "source_row",
    "source_column",
)
MEASURE_WORDS = {"actual": "完成数", "task": "目标任务"}


def check_against_county_figures(tidy: pd.DataFrame, figures: pd.DataFrame, log: QaLog) -> None:
    """The top row of a county's town submissions (全区) equals, value by value, what the county
    reported to the city for the same years: a WARN names both cells and the difference; a value
    on one side only is a WARN too. ``figures`` has :data:`FIGURE_COLUMNS`."""
    top = tidy[tidy["region_code"] == city().code]
    figures = figures[figures["year"].isin(tidy["year"].unique())]  # the years being read
    keys = ["year", "indicator", "measure"]
    both = top.merge(figures, on=keys, how="outer", suffixes=("", "_city"))
    checked = 0
    for row in both.itertuples(index=False):
        own, reported = row.value, row.value_city
        if pd.isna(own) and pd.isna(reported):
            continue
        item = indicator(row.indicator)
        where = (
            f"{row.source_file_city} 第{int(row.source_row_city)}行 {row.source_column_city}"
            if not pd.isna(reported)
            else "报市的报表中没有这个数"
        )
        if (
            not pd.isna(own)
            and not pd.isna(reported)
            and abs(own - reported) < 0.5 * 10**-item.decimals
        ):
            checked += 1
            continue
        what = f"{row.year}年 {item.name}{MEASURE_WORDS[row.measure]}"
        shown = "（空白）" if pd.isna(own) else f"{own:g}"
        city_shown = "（空白）" if pd.isna(reported) else f"{reported:g}"
        difference = "" if pd.isna(own) or pd.isna(reported) else f"，差 {own - reported:g}"
        status_where = {} if pd.isna(row.source_file) else _where(pd.Series(row._asdict()))
        log.add(
            Rule.COUNTY_FIGURES,
            STAGE,
            "WARN",
            f"{what}：{tier_words().top}行 {shown}，{city().name}报送市里的数 {city_shown}（{where}）{difference}",
            **status_where,
        )
    if checked:
        log.add(
            Rule.COUNTY_FIGURES,
            STAGE,
            "PASS",
            f"{tier_words().top}行有 {checked} 个数与{city().name}报送市里的数一致",
        )


def validate(tidy: pd.DataFrame) -> QaLog:
    log = QaLog()
    check_year_has_values(tidy, log)
    if tidy.empty:
        return log
    check_value_unique(tidy, log, STAGE)
    check_counties_present(tidy, log)
    check_ranges(tidy, log)
    check_city_total(tidy, log)
    actual = tidy[tidy["measure"] == "actual"]
    first_years = actual.groupby("indicator")["year"].min().to_dict()
    check_missing_cells(tidy, first_years, log)
    check_history_outliers(tidy, log)
    check_tasks_against_targets(tidy, log)
    figures = CONFIG_DIR / COUNTY_FIGURES_FILE
    if figures.exists():
        check_against_county_figures(tidy, read_csv(figures), log)
    return log
