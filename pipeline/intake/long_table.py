"""The long format for analysts: one value per row (region, year, indicator, value[, unit, measure]),
column names in English or Chinese (submission_format.LONG_COLUMNS)."""

from __future__ import annotations

import pandas as pd

from pipeline.config.indicators import UnknownIndicatorError, indicator
from pipeline.config.schema import load_targets_config
from pipeline.intake import qa, submission_format
from pipeline.intake.bureau_table import measure_of
from pipeline.intake.numbers import NumberError, normalise, parse_cell, parse_year
from pipeline.intake.qa import READ_STAGE as STAGE
from pipeline.intake.qa import QaLog, Rule
from pipeline.intake.spreadsheet import Grid
from pipeline.intake.submission_format import LONG_SHEET
from pipeline.intake.tidy import (
    Source,
    check_invisible_characters,
    frame,
    record,
    resolve_region,
)


def long_columns(header: tuple) -> dict[str, int] | None:
    names = [normalise(c).lower() if c is not None else "" for c in header]
    found = {}
    for key, aliases in submission_format.LONG_COLUMNS.items():
        for alias in aliases:
            if normalise(alias).lower() in names:
                found[key] = names.index(normalise(alias).lower())
                break
    return found if {"region", "year", "indicator", "value"} <= set(found) else None


def latest_year() -> int:
    """The last year of any configured plan: a later year cannot be a submission yet."""
    return max(plan.end for plan in load_targets_config().plans)


def _measure(raw: object) -> str | None:
    if raw is None:
        return "actual"
    text = normalise(raw)
    return text if text in ("task", "actual") else measure_of(text)


def _unread_columns(header: tuple, columns: dict[str, int], log: QaLog, where: dict) -> None:
    for index, name in enumerate(header):
        if index not in columns.values() and name is not None and normalise(name):
            qa.unread_cell(
                log,
                STAGE,
                "WARN",
                f"列“{normalise(name)}”不是长表的列（region、year、indicator、value、unit、measure），未读取",
                column=normalise(name),
                **where,
            )


def parse_long(grid: Grid, file: str, folder_year: int | None, log: QaLog) -> pd.DataFrame:
    where = {"file": file, "sheet": grid.sheet or LONG_SHEET}
    start = next(i for i, r in enumerate(grid.rows) if any(c is not None for c in r))
    columns = long_columns(grid.rows[start])
    assert columns is not None
    _unread_columns(grid.rows[start], columns, log, where)
    latest = latest_year()
    records = []
    for offset, row in enumerate(grid.rows[start + 1 :]):
        line = start + offset + 2
        if all(c is None or not normalise(c) for c in row):
            continue
        fields = {key: row[i] if i < len(row) else None for key, i in columns.items()}
        cell = fields.get
        at = {"row": line, **where}
        region = resolve_region(cell("region"), log, column="region", **at)
        check_invisible_characters(cell("indicator"), log, "指标名称", column="indicator", **at)
        try:
            item = indicator(normalise(cell("indicator")))
        except UnknownIndicatorError as error:
            log.add(Rule.INDICATOR_NAME, STAGE, "FAIL", str(error), column="indicator", **at)
            continue
        try:
            year = parse_year(cell("year"), latest)
        except NumberError as error:
            qa.year_format(log, STAGE, "FAIL", str(error), column="year", **at)
            continue
        if folder_year is not None and year != folder_year:
            qa.year_match(
                log,
                STAGE,
                "FAIL",
                f"该行年份 {year}，所在文件夹年份 {folder_year}",
                column="year",
                **at,
            )
            continue
        unit = normalise(cell("unit")) if cell("unit") is not None else item.unit
        if not (unit == item.unit or (unit == "万人" and item.unit == "人")):
            qa.header_unit(
                log,
                STAGE,
                "FAIL",
                f"{item.name} 的单位“{unit}”无法换算为“{item.unit}”",
                column="unit",
                **at,
            )
            continue
        measure = _measure(cell("measure"))
        if measure is None:
            qa.number_format(
                log,
                STAGE,
                "FAIL",
                f"measure 应为 actual/task 或 完成数/目标任务，而不是“{cell('measure')}”",
                column="measure",
                **at,
            )
            continue
        try:
            parsed = parse_cell(cell("value"), unit)
        except NumberError as error:
            qa.number_format(log, STAGE, "FAIL", str(error), column="value", **at)
            continue
        if parsed.note:
            qa.unit_in_cell(log, STAGE, "WARN", parsed.note, column="value", **at)
        if region is None:
            continue
        if parsed.value is None:
            qa.blank_cell(
                log,
                STAGE,
                "PASS",
                "数值为空，按缺失读取（不是0）",
                column="value",
                **at,
            )
            continue
        if unit != item.unit:
            qa.unit_conversion(
                log,
                STAGE,
                "PASS",
                f"{unit} → {item.unit}，乘以 {submission_format.UNIT_FACTORS[unit]:g}",
                column="value",
                **at,
            )
        source = Source(file, where["sheet"], line, "value")
        records.append(record(region, year, item, measure, parsed.value, unit, source))
    return frame(records)
