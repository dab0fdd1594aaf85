"""Checks on the tidy table after intake. Each is a named rule that adds PASS/WARN/FAIL records."""

from __future__ import annotations

import pandas as pd

from pipeline.indicators import indicators
from pipeline.qa import QaLog
from pipeline.regions import city, counties

STAGE = "校验"


def _where(row: pd.Series) -> dict:
    return {
        "file": row["source_file"],
        "sheet": row["source_sheet"],
        "row": int(row["source_row"]),
        "column": row["source_column"],
    }


def check_counties_present(tidy: pd.DataFrame, log: QaLog) -> None:
    """Every county appears in every year's submission."""
    for year, rows in tidy.groupby("year"):
        present = set(rows["region_code"])
        missing = [c.name for c in counties() if c.code not in present]
        if missing:
            log.add("县区齐全", STAGE, "FAIL", f"{year}年缺少：{'、'.join(missing)}")
        else:
            log.add("县区齐全", STAGE, "PASS", f"{year}年十个县区均已填报")


def check_ranges(tidy: pd.DataFrame, log: QaLog) -> None:
    """Values within each indicator's valid range; counts are non-negative whole numbers;
    rates outside the plausible range are a WARN."""
    for item in indicators():
        rows = tidy[tidy["indicator"] == item.id]
        low, high = item.valid_range
        bad = rows[(rows["value"] < low) | (rows["value"] > high)]
        for _, row in bad.iterrows():
            log.add(
                "取值范围",
                STAGE,
                "FAIL",
                f"{row['region']} {item.name} = {row['value']:g}，应在 {low:g}–{high:g}{item.unit} 之间",
                **_where(row),
            )
        if item.unit in ("人", "次"):
            fractional = rows[(rows["value"] - rows["value"].round()).abs() > 1e-6]
            for _, row in fractional.iterrows():
                log.add(
                    "整数",
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
                    "合理区间",
                    STAGE,
                    "WARN",
                    f"{row['region']} {item.name} = {row['value']:g}%，超出常见区间 {p_low:g}–{p_high:g}%，请核实",
                    **_where(row),
                )
        if bad.empty:
            log.add(
                "取值范围", STAGE, "PASS", f"{item.name}：全部在 {low:g}–{high:g}{item.unit} 之间"
            )


def check_city_total(tidy: pd.DataFrame, log: QaLog) -> None:
    """The 全市 row of a count equals the sum of the ten counties (WARN with the difference)."""
    actual = tidy[tidy["measure"] == "actual"]
    for item in indicators():
        if item.kind != "cumulative":
            continue
        rows = actual[actual["indicator"] == item.id]
        for year, year_rows in rows.groupby("year"):
            city_rows = year_rows[year_rows["region_code"] == city().code]
            county_rows = year_rows[year_rows["region_code"].isin([c.code for c in counties()])]
            if city_rows.empty or len(county_rows) < len(counties()):
                continue
            difference = float(city_rows["value"].iloc[0] - county_rows["value"].sum())
            status = "PASS" if abs(difference) < 0.5 else "WARN"
            log.add(
                "全市合计",
                STAGE,
                status,
                f"{year}年 {item.name}：全市 {city_rows['value'].iloc[0]:g}，县区合计 {county_rows['value'].sum():g}，差 {difference:g}",
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
                    log.add(
                        "空白单元格",
                        STAGE,
                        "WARN",
                        f"{year}年 {region.name} {item.name} 完成数为空：按缺失处理（不是0）",
                    )


def validate(tidy: pd.DataFrame) -> QaLog:
    log = QaLog()
    check_counties_present(tidy, log)
    check_ranges(tidy, log)
    check_city_total(tidy, log)
    actual = tidy[tidy["measure"] == "actual"]
    first_years = actual.groupby("indicator")["year"].min().to_dict()
    check_missing_cells(tidy, first_years, log)
    return log
