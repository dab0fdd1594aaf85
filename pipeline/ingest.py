"""Read the yearly county submissions (bureau layout, see ``raw_layout``) into one tidy table.

Every problem becomes a QA record naming file, sheet, row and column; nothing is dropped or
changed silently. Blank cells and the dashes bureaus write for "not applicable" are missing, never 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipeline import raw_layout
from pipeline.config import Indicator
from pipeline.indicators import indicators
from pipeline.qa import QaLog
from pipeline.regions import FunctionalZone, UnknownRegionError, normalise_name, resolve

STAGE = "读取"
TIDY_COLUMNS = [
    "region_code", "region", "year", "indicator", "indicator_name", "measure", "value", "unit",
    "source_file", "source_sheet", "source_row", "source_column",
]  # fmt: skip
MEASURES = {raw_layout.TASK_LABEL: "task", raw_layout.DONE_LABEL: "actual"}
MISSING_MARKERS = {"", "—", "——", "-", "--", "/", "无", "－", "–"}
_HEADER_WITH_UNIT = re.compile(r"^(?P<name>.+?)[（(](?P<unit>[^（）()]+)[）)]$")
_YEAR_IN_TITLE = re.compile(r"(20\d{2})年")


class IntakeError(ValueError):
    """A file that cannot be read as a submission at all."""


@dataclass(frozen=True)
class ValueColumn:
    index: int
    indicator: Indicator
    measure: str
    sheet_unit: str
    label: str


def parse_number(raw: object) -> float | None:
    """A cell as a number: None for blank and dash-like markers; ValueError for anything else."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"不是数字：{raw!r}")
    if isinstance(raw, int | float):
        return None if pd.isna(raw) else float(raw)
    text = normalise_name(str(raw)).replace(",", "").replace("，", "").rstrip("%％")
    if text in MISSING_MARKERS:
        return None
    return float(text)


def _header_rows(rows: list[tuple]) -> int:
    region_header = normalise_name(raw_layout.REGION_HEADER)
    for number, row in enumerate(rows):
        if any(cell is not None and normalise_name(str(cell)) == region_header for cell in row):
            return number
    raise IntakeError(f"找不到表头：没有一列的标题是“{raw_layout.REGION_HEADER}”")


def _value_columns(top: tuple, sub: tuple, log: QaLog, where: dict) -> list[ValueColumn]:
    columns: list[ValueColumn] = []
    current = None
    by_header = {normalise_name(i.raw_header): i for i in indicators()}
    by_header.update({normalise_name(i.name): i for i in indicators()})
    for index, (upper, lower) in enumerate(zip(top, sub, strict=True)):
        if upper is not None:
            current = normalise_name(str(upper))
        measure = MEASURES.get(normalise_name(str(lower))) if lower is not None else None
        if measure is None or current is None:
            continue
        label = f"{get_column_letter(index + 1)}（{current}·{lower}）"
        match = _HEADER_WITH_UNIT.match(current)
        if match is None:
            log.add(
                "表头单位",
                STAGE,
                "FAIL",
                f"表头“{current}”没有写明单位，应形如“城镇新增就业（人）”",
                column=label,
                **where,
            )
            continue
        item = by_header.get(match["name"])
        unit = match["unit"]
        if item is None:
            log.add(
                "表头指标",
                STAGE,
                "WARN",
                f"未识别的指标“{match['name']}”，该列未读取",
                column=label,
                **where,
            )
            continue
        if not (unit == item.unit or (unit == "万人" and item.unit == "人")):
            log.add(
                "表头单位",
                STAGE,
                "FAIL",
                f"{item.name} 的单位“{unit}”无法换算为“{item.unit}”",
                column=label,
                **where,
            )
            continue
        columns.append(ValueColumn(index, item, measure, unit, label))
    found = {c.indicator.id for c in columns}
    for item in indicators():
        status = "PASS" if item.id in found else "WARN"
        log.add(
            "必需列",
            STAGE,
            status,
            f"{item.name}：{'已找到' if status == 'PASS' else '缺少此列'}",
            **where,
        )
    return columns


def read_submission(path: Path, year: int) -> tuple[pd.DataFrame, QaLog]:
    """Read one bureau-layout workbook for ``year`` into tidy rows plus its QA log."""
    log = QaLog()
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # any reason a file cannot be opened is a FAIL, not a crash
        log.add("文件可读", STAGE, "FAIL", f"无法打开：{error}", file=path.name)
        return pd.DataFrame(columns=TIDY_COLUMNS), log
    sheet = (
        book[raw_layout.SHEET_NAME]
        if raw_layout.SHEET_NAME in book.sheetnames
        else book.worksheets[0]
    )
    where = {"file": path.name, "sheet": sheet.title}
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    try:
        header = _header_rows(rows)
    except IntakeError as error:
        log.add("表头", STAGE, "FAIL", str(error), **where)
        return pd.DataFrame(columns=TIDY_COLUMNS), log
    _check_title_year(rows[:header], year, log, where)
    width = max(len(r) for r in rows)
    pad = lambda r: tuple(r) + (None,) * (width - len(r))  # noqa: E731
    top, sub = pad(rows[header]), pad(rows[header + 1])
    region_col = [normalise_name(str(c)) for c in top].index(
        normalise_name(raw_layout.REGION_HEADER)
    )
    columns = _value_columns(top, sub, log, where)
    records: list[dict] = []
    seen: dict[str, int] = {}
    for offset, raw_row in enumerate(rows[header + 2 :]):
        row = pad(raw_row)
        excel_row = header + 3 + offset
        label = row[region_col]
        first_text = next((normalise_name(str(c)) for c in row if c is not None), "")
        if label is None:
            if first_text.startswith(("注", "填报", "说明", "制表")):
                log.add(
                    "说明行",
                    STAGE,
                    "PASS",
                    f"说明行，未作为数据读取：{first_text[:40]}",
                    row=excel_row,
                    **where,
                )
            elif first_text:
                log.add(
                    "地区名称",
                    STAGE,
                    "FAIL",
                    f"该行有数据但没有地区名称（首个内容：{first_text[:20]}）",
                    row=excel_row,
                    **where,
                )
            continue
        try:
            region = resolve(str(label))
        except UnknownRegionError as error:
            log.add(
                "地区名称",
                STAGE,
                "FAIL",
                str(error),
                row=excel_row,
                column=raw_layout.REGION_HEADER,
                **where,
            )
            continue
        code = region.id if isinstance(region, FunctionalZone) else region.code
        if isinstance(region, FunctionalZone):
            log.add(
                "功能区",
                STAGE,
                "WARN",
                f"功能区“{region.name}”单独填报：已保留在整洁表中（代码 {region.id}），不计入所属县区考核",
                row=excel_row,
                **where,
            )
        if code in seen:
            log.add(
                "地区唯一",
                STAGE,
                "FAIL",
                f"“{region.name}”重复出现（第{seen[code]}行与第{excel_row}行）",
                row=excel_row,
                **where,
            )
            continue
        seen[code] = excel_row
        for column in columns:
            raw = row[column.index]
            try:
                value = parse_number(raw)
            except ValueError:
                log.add(
                    "数值格式",
                    STAGE,
                    "FAIL",
                    f"无法识别的数值“{raw}”，应为数字或空白",
                    row=excel_row,
                    column=column.label,
                    **where,
                )
                continue
            if value is None:
                continue
            records.append({
                "region_code": code, "region": region.name, "year": year,
                "indicator": column.indicator.id, "indicator_name": column.indicator.name,
                "measure": column.measure,
                "value": round(value * raw_layout.UNIT_FACTORS[column.sheet_unit], 6),
                "unit": column.indicator.unit, "source_file": path.name, "source_sheet": sheet.title,
                "source_row": excel_row, "source_column": column.label,
            })  # fmt: skip
    for column in columns:
        if column.sheet_unit != column.indicator.unit:
            factor = raw_layout.UNIT_FACTORS[column.sheet_unit]
            log.add(
                "单位换算",
                STAGE,
                "PASS",
                f"{column.sheet_unit} → {column.indicator.unit}，乘以 {factor:g}",
                column=column.label,
                **where,
            )
    return pd.DataFrame(records, columns=TIDY_COLUMNS), log


def _check_title_year(title_rows: list[tuple], year: int, log: QaLog, where: dict) -> None:
    for row in title_rows:
        for cell in row:
            match = _YEAR_IN_TITLE.search(str(cell)) if cell is not None else None
            if match:
                status = "PASS" if int(match[1]) == year else "FAIL"
                log.add(
                    "年份一致",
                    STAGE,
                    status,
                    f"表题年份 {match[1]}，所在文件夹年份 {year}",
                    **where,
                )
                return


def read_raw_dir(raw_dir: Path, last_year: int) -> tuple[pd.DataFrame, QaLog]:
    """Read every ``<raw_dir>/<year>/*.xlsx`` with year <= last_year."""
    log = QaLog()
    frames = []
    if not raw_dir.is_dir():
        raise IntakeError(f"原始数据文件夹不存在：{raw_dir}")
    for folder in sorted(p for p in raw_dir.iterdir() if p.is_dir() and p.name.isdigit()):
        year = int(folder.name)
        if year > last_year:
            continue
        files = sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$"))
        if len(files) != 1:
            names = "、".join(p.name for p in files) or "（无）"
            log.add(
                "每年一个文件", STAGE, "FAIL", f"{folder} 应有且只有一个 .xlsx 报表，现有：{names}"
            )
            continue
        tidy, file_log = read_submission(files[0], year)
        frames.append(tidy)
        log.extend(file_log)
    if not frames:
        raise IntakeError(f"{raw_dir} 中没有 {last_year} 年及以前的报表（应为 <年份>/<文件>.xlsx）")
    return pd.concat(frames, ignore_index=True), log
