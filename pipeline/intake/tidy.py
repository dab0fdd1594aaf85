"""The tidy table the intake produces, and the helpers both submission formats share: one row per
value, each naming the cell it was read from."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.config.regions import FunctionalZone, Region, UnknownRegionError, resolve
from pipeline.config.schema import Indicator
from pipeline.intake import qa, submission_format
from pipeline.intake.numbers import invisible_characters, normalise
from pipeline.intake.qa import READ_STAGE as STAGE
from pipeline.intake.qa import QaLog, Rule

TIDY_COLUMNS = [
    "region_code", "region", "year", "indicator", "indicator_name", "measure", "value", "unit",
    "source_file", "source_sheet", "source_row", "source_column", "is_sample", "missing_reason",
]  # fmt: skip
KEY = ["region_code", "year", "indicator", "measure"]


@dataclass(frozen=True)
class Source:
    file: str
    sheet: str
    row: int
    column: str

    def where(self) -> dict:
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column}


def region_code(region: Region | FunctionalZone) -> str:
    return region.id if isinstance(region, FunctionalZone) else region.code


def record(
    region: Region | FunctionalZone,
    year: int,
    item: Indicator,
    measure: str,
    value: float,
    unit: str,
    source: Source,
    missing_reason: str = "",
) -> dict:
    """One tidy row. ``value`` NaN only with the submission's own ``missing_reason`` (a county's
    "未报送：<原因>" in the cell), so a reported gap is never mistaken for a lost value."""
    return {
        "region_code": region_code(region), "region": region.name, "year": year,
        "indicator": item.id, "indicator_name": item.name, "measure": measure,
        "value": round(value * submission_format.UNIT_FACTORS[unit], 6), "unit": item.unit,
        "source_file": source.file, "source_sheet": source.sheet, "source_row": source.row,
        "source_column": source.column, "is_sample": False, "missing_reason": missing_reason,
    }  # fmt: skip


def frame(records: list[dict]) -> pd.DataFrame:
    return _typed(pd.DataFrame(records, columns=TIDY_COLUMNS))


_DTYPES = {"is_sample": bool, "source_row": "int64", "year": "int64", "missing_reason": "str"}


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    if all(table[c].dtype == t for c, t in _DTYPES.items()):
        return table
    return table.astype(_DTYPES)


def empty() -> pd.DataFrame:
    return frame([])


def concat(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Tidy tables one after another (empty ones contribute nothing, and change no dtype)."""
    filled = [t for t in tables if not t.empty]
    if not filled:
        return empty()
    return _typed(pd.concat(filled, ignore_index=True)[TIDY_COLUMNS])


def check_invisible_characters(text: object, log: QaLog, what: str, **where: object) -> None:
    """Zero-width spaces and other invisible characters are removed from names; say so."""
    found = invisible_characters(str(text))
    if found:
        log.add(
            Rule.INVISIBLE_CHARACTERS,
            STAGE,
            "WARN",
            f"{what}“{normalise(text)}”中含不可见字符（{'、'.join(found)}），已去除后识别",
            **where,
        )


def resolve_region(label: object, log: QaLog, **where: object) -> Region | FunctionalZone | None:
    """The region a label names (after removing invisible characters), or None with a FAIL."""
    check_invisible_characters(label, log, "地区名称", **where)
    if normalise(label) == submission_format.CITY_OWN_LABEL:
        message = f"“{submission_format.CITY_OWN_LABEL}”是市级部门自身的数，不是全市合计：全市合计请写“{submission_format.CITY_ROW_LABEL}”；市本级的数不参加县区考核，请删除该行"
        qa.region_name(log, STAGE, "FAIL", message, **where)
        return None
    try:
        region = resolve(normalise(label))
    except UnknownRegionError as error:
        qa.region_name(log, STAGE, "FAIL", str(error), **where)
        return None
    if isinstance(region, FunctionalZone):
        log.add(
            Rule.FUNCTIONAL_ZONE,
            STAGE,
            "WARN",
            f"功能区“{region.name}”单独填报：已保留在整洁表中（代码 {region.id}），不计入所属县区考核",
            **where,
        )
    return region


def _place(row: pd.Series) -> str:
    sheet = f"工作表 {row['source_sheet']} " if row["source_sheet"] else ""
    return f"{row['source_file']} {sheet}第{row['source_row']}行“{row['source_column']}”"


def check_value_unique(tidy: pd.DataFrame, log: QaLog, stage: str = STAGE) -> pd.DataFrame:
    """One value per region × year × indicator × measure. An exact repeat is collapsed (WARN);
    differing values are a FAIL and only the first is kept. Both places are named either way."""
    repeated = tidy.duplicated(KEY, keep="first")
    for _, later in tidy[repeated].iterrows():
        same = tidy[(tidy[KEY] == later[KEY]).all(axis=1)]
        first = same.iloc[0]
        measure = "完成数" if later["measure"] == "actual" else "目标任务"
        what = f"{later['region']} {later['year']}年 {later['indicator_name']}（{measure}）"
        places = f"{_place(first)} 与 {_place(later)}"
        if first["value"] == later["value"]:
            status, message = (
                "WARN",
                f"{what} 重复填报且数值相同（{later['value']:g}）：{places}，已只保留一个",
            )
        else:
            status = "FAIL"
            message = (
                f"{what} 重复填报且数值不同（{first['value']:g} 与 {later['value']:g}）：{places}"
            )
        qa.value_unique(
            log,
            stage,
            status,
            message,
            file=later["source_file"],
            sheet=later["source_sheet"],
            row=int(later["source_row"]),
            column=later["source_column"],
        )
    if not repeated.any():
        qa.value_unique(log, stage, "PASS", "每个地区、年份、指标、类型只有一个数值")
    return tidy[~repeated].reset_index(drop=True)
