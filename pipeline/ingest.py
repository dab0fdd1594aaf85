"""Read county submissions — however they arrive — into one tidy table, with a QA log.

Accepted: .xlsx (openpyxl), .xls (python-calamine), .csv in UTF-8, UTF-8 with BOM or GB18030/GBK
(the encoding used is recorded); the bureau layout with one- or two-row headers, title rows above,
note rows below, a 合计/全市 row, blank spacer rows and columns, 序号 columns; or the long format
(region, year, indicator, value, unit). Every problem becomes a QA record naming file, sheet, row
and column; nothing is dropped or changed silently. Blank cells and dashes are missing, never 0.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipeline import raw_layout
from pipeline.config import Indicator
from pipeline.indicators import UnknownIndicatorError, indicator, indicators
from pipeline.qa import QaLog
from pipeline.regions import FunctionalZone, Region, UnknownRegionError, resolve

STAGE = "读取"
TIDY_COLUMNS = [
    "region_code", "region", "year", "indicator", "indicator_name", "measure", "value", "unit",
    "source_file", "source_sheet", "source_row", "source_column",
]  # fmt: skip
SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
MISSING_MARKERS = {"", "—", "——", "-", "--", "/", "无", "–", "…", "NA", "N/A"}
_UNIT = re.compile(r"\(([^()]+)\)")
_YEAR_IN_TITLE = re.compile(r"(20\d{2})年")
_BOM = b"\xef\xbb\xbf"


class IntakeError(ValueError):
    """A file that cannot be read as a submission at all."""


def normalise(text: object) -> str:
    """NFKC (full-width digits, brackets and % become ASCII) without any white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def parse_number(raw: object) -> float | None:
    """A cell as a number: None for blank and dash-like markers; ValueError for anything else."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"不是数字：{raw!r}")
    if isinstance(raw, int | float):
        return None if pd.isna(raw) else float(raw)
    text = normalise(raw).replace(",", "").rstrip("%")
    if text in MISSING_MARKERS or text.upper() in MISSING_MARKERS:
        return None
    return float(text)


@dataclass(frozen=True)
class Grid:
    sheet: str
    rows: list[tuple]


def decode(data: bytes) -> tuple[str, str]:
    """Text of a CSV and the encoding it was read with: UTF-8 (with or without BOM), else GB18030
    (a superset of GBK and GB2312). Anything else is an IntakeError."""
    if data.startswith(_BOM):
        return data[len(_BOM) :].decode("utf-8"), "UTF-8（带BOM）"
    for encoding, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030/GBK")):
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    raise IntakeError(
        "无法识别文件编码：既不是 UTF-8 也不是 GB18030/GBK，请另存为 UTF-8 CSV 或 .xlsx"
    )


def read_grids(path: Path, log: QaLog) -> list[Grid]:
    """Every sheet of a workbook, or the one table of a CSV, as rows of cell values."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        book = load_workbook(path, read_only=True, data_only=True)
        grids = [
            Grid(s.title, [tuple(r) for r in s.iter_rows(values_only=True)])
            for s in book.worksheets
        ]
        book.close()
        return grids
    if suffix == ".xls":
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        return [
            Grid(
                name,
                [
                    tuple(None if c == "" else c for c in r)
                    for r in book.get_sheet_by_name(name).to_python()
                ],
            )
            for name in book.sheet_names
        ]
    if suffix == ".csv":
        text, encoding = decode(path.read_bytes())
        log.add("文件编码", STAGE, "PASS", f"按 {encoding} 读取", file=path.name)
        rows = [
            tuple(None if cell.strip() == "" else cell for cell in row)
            for row in csv.reader(io.StringIO(text))
        ]
        return [Grid("", rows)]
    raise IntakeError(f"不支持的文件类型“{path.suffix}”（支持 .xlsx、.xls、.csv）")


# ---------------------------------------------------------------- bureau layout


@dataclass(frozen=True)
class ValueColumn:
    index: int
    indicator: Indicator
    measure: str
    sheet_unit: str
    label: str


def _is_region_header(cell: object) -> bool:
    text = normalise(cell) if cell is not None else ""
    return text in {
        normalise(a) for a in (raw_layout.REGION_HEADER, *raw_layout.REGION_HEADER_ALIASES)
    }


def _measure_of(text: str) -> str | None:
    for measure, words in raw_layout.MEASURE_WORDS.items():
        if any(text == normalise(w) for w in words):
            return measure
    return None


def _strip_measure(name: str) -> tuple[str, str | None]:
    """'城镇新增就业完成数' → ('城镇新增就业', 'actual'); a name without a measure word is unchanged."""
    for measure, words in raw_layout.MEASURE_WORDS.items():
        for word in sorted(words, key=len, reverse=True):
            word = normalise(word)
            if name.endswith(word) and len(name) > len(word):
                return name[: -len(word)], measure
            if name.startswith(word) and len(name) > len(word):
                return name[len(word) :], measure
    return name, None


def _match_indicator(name: str) -> Indicator | None:
    for item in indicators():
        if name in {
            normalise(item.raw_header),
            normalise(item.name),
            normalise(item.short_name),
            item.id,
        }:
            return item
    return None


def parse_indicator_header(text: str, measure: str | None) -> tuple[Indicator, str, str]:
    """Indicator, unit and measure from a header such as '城镇新增就业（万人）' over '完成数', or the
    one-row '城镇新增就业完成数（人）'. ValueError says what is wrong."""
    normalised = normalise(text)
    units = _UNIT.findall(normalised)
    if not units:
        raise ValueError(f"表头“{text}”没有写明单位，应形如“城镇新增就业（人）”")
    unit = units[-1]
    last = list(_UNIT.finditer(normalised))[
        -1
    ]  # the unit is the last bracket; earlier ones are part of the name
    name = normalised[: last.start()] + normalised[last.end() :]
    name, measure_in_name = _strip_measure(name)
    item = _match_indicator(name)
    if item is None:
        raise LookupError(f"未识别的指标“{name}”")
    resolved_measure = measure or measure_in_name or "actual"
    if not (unit == item.unit or (unit == "万人" and item.unit == "人")):
        raise ValueError(f"{item.name} 的单位“{unit}”无法换算为“{item.unit}”")
    return item, unit, resolved_measure


def _value_columns(header: list[tuple], log: QaLog, where: dict) -> list[ValueColumn]:
    top = header[0]
    sub = header[1] if len(header) > 1 else (None,) * len(top)
    columns: list[ValueColumn] = []
    current = None
    for index, (upper, lower) in enumerate(zip(top, sub, strict=True)):
        if (
            upper is not None
            and not _is_region_header(upper)
            and normalise(upper) != normalise(raw_layout.SEQUENCE_HEADER)
        ):
            current = upper
        elif upper is not None:
            current = None
        measure = _measure_of(normalise(lower)) if lower is not None else None
        if current is None or (upper is None and (len(header) == 1 or measure is None)):
            continue
        label = f"{get_column_letter(index + 1)}（{normalise(current)}{'·' + normalise(lower) if lower else ''}）"
        try:
            item, unit, resolved = parse_indicator_header(str(current), measure)
        except LookupError as error:
            log.add("表头指标", STAGE, "WARN", f"{error}，该列未读取", column=label, **where)
            continue
        except ValueError as error:
            log.add("表头单位", STAGE, "FAIL", str(error), column=label, **where)
            continue
        columns.append(ValueColumn(index, item, resolved, unit, label))
    return columns


def _check_columns(columns: list[ValueColumn], log: QaLog, where: dict) -> None:
    found = {c.indicator.id for c in columns}
    for item in indicators():
        present = item.id in found
        status = "PASS" if present else "WARN"
        log.add(
            "必需列", STAGE, status, f"{item.name}：{'已找到' if present else '缺少此列'}", **where
        )
    if not columns:
        log.add("必需列", STAGE, "FAIL", "没有找到任何指标列", **where)


def _check_title_year(title_rows: list[tuple], year: int, log: QaLog, where: dict) -> None:
    for row in title_rows:
        for cell in row:
            match = _YEAR_IN_TITLE.search(normalise(cell)) if cell is not None else None
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


def _record(
    region: Region | FunctionalZone,
    year: int,
    item: Indicator,
    measure: str,
    value: float,
    unit: str,
    source: dict,
) -> dict:
    code = region.id if isinstance(region, FunctionalZone) else region.code
    return {
        "region_code": code, "region": region.name, "year": year, "indicator": item.id,
        "indicator_name": item.name, "measure": measure,
        "value": round(value * raw_layout.UNIT_FACTORS[unit], 6), "unit": item.unit,
    } | source  # fmt: skip


def _resolve_region(
    label: object, log: QaLog, where: dict, row: int
) -> Region | FunctionalZone | None:
    try:
        region = resolve(str(label))
    except UnknownRegionError as error:
        log.add(
            "地区名称", STAGE, "FAIL", str(error), row=row, column=raw_layout.REGION_HEADER, **where
        )
        return None
    if isinstance(region, FunctionalZone):
        log.add(
            "功能区",
            STAGE,
            "WARN",
            f"功能区“{region.name}”单独填报：已保留在整洁表中（代码 {region.id}），不计入所属县区考核",
            row=row,
            **where,
        )
    return region


def parse_layout(grid: Grid, file: str, year: int, log: QaLog) -> pd.DataFrame:
    where = {"file": file, "sheet": grid.sheet}
    rows = grid.rows
    width = max((len(r) for r in rows), default=0)
    rows = [tuple(r) + (None,) * (width - len(r)) for r in rows]
    header_at = next((i for i, r in enumerate(rows) if any(_is_region_header(c) for c in r)), None)
    if header_at is None:
        raise IntakeError(
            f"找不到表头：没有一列的标题是“{raw_layout.REGION_HEADER}”（或 地区、县区、单位）"
        )
    _check_title_year(rows[:header_at], year, log, where)
    two_rows = header_at + 1 < len(rows) and any(
        _measure_of(normalise(c)) for c in rows[header_at + 1] if c is not None
    )
    header = rows[header_at : header_at + (2 if two_rows else 1)]
    region_col = next(i for i, c in enumerate(rows[header_at]) if _is_region_header(c))
    columns = _value_columns(header, log, where)
    _check_columns(columns, log, where)
    records: list[dict] = []
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows[header_at + len(header) :]):
        excel_row = header_at + len(header) + offset + 1
        label = row[region_col]
        first_text = next((normalise(c) for c in row if c is not None and normalise(c)), "")
        if label is None or not normalise(label):
            if first_text.startswith(raw_layout.NOTE_PREFIXES):
                log.add(
                    "说明行",
                    STAGE,
                    "PASS",
                    f"说明行，未作为数据读取：{first_text[:60]}",
                    row=excel_row,
                    **where,
                )
            elif first_text and not all(
                parse_number_or_none(c) is not None for c in row if c is not None
            ):
                log.add(
                    "说明行",
                    STAGE,
                    "WARN",
                    f"没有地区名称的行，未作为数据读取：{first_text[:40]}",
                    row=excel_row,
                    **where,
                )
            elif first_text:
                log.add(
                    "地区名称", STAGE, "FAIL", "该行有数值但没有地区名称", row=excel_row, **where
                )
            continue
        if normalise(label).startswith(raw_layout.NOTE_PREFIXES):
            log.add(
                "说明行",
                STAGE,
                "PASS",
                f"说明行，未作为数据读取：{normalise(label)[:60]}",
                row=excel_row,
                **where,
            )
            continue
        region = _resolve_region(label, log, where, excel_row)
        if region is None:
            continue
        code = region.id if isinstance(region, FunctionalZone) else region.code
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
            if value is not None:
                source = {
                    "source_file": file,
                    "source_sheet": grid.sheet,
                    "source_row": excel_row,
                    "source_column": column.label,
                }
                records.append(
                    _record(
                        region,
                        year,
                        column.indicator,
                        column.measure,
                        value,
                        column.sheet_unit,
                        source,
                    )
                )
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
    return pd.DataFrame(records, columns=TIDY_COLUMNS)


def parse_number_or_none(cell: object) -> float | None:
    try:
        return parse_number(cell)
    except ValueError:
        return None


# ---------------------------------------------------------------- long format


def _long_columns(header: tuple) -> dict[str, int] | None:
    names = [normalise(c).lower() if c is not None else "" for c in header]
    found = {}
    for key, aliases in raw_layout.LONG_COLUMNS.items():
        for alias in aliases:
            if normalise(alias).lower() in names:
                found[key] = names.index(normalise(alias).lower())
                break
    return found if {"region", "year", "indicator", "value"} <= set(found) else None


def parse_long(grid: Grid, file: str, folder_year: int | None, log: QaLog) -> pd.DataFrame:
    where = {"file": file, "sheet": grid.sheet}
    columns = _long_columns(grid.rows[0])
    assert columns is not None
    records = []
    for offset, row in enumerate(grid.rows[1:]):
        line = offset + 2
        if all(c is None for c in row):
            continue
        fields = {key: row[i] if i < len(row) else None for key, i in columns.items()}
        cell = fields.get
        region = _resolve_region(cell("region"), log, where, line)
        try:
            item = indicator(normalise(cell("indicator")))
        except UnknownIndicatorError as error:
            log.add("指标名称", STAGE, "FAIL", str(error), row=line, column="indicator", **where)
            continue
        try:
            year = int(parse_number(cell("year")) or 0)
            value = parse_number(cell("value"))
        except ValueError:
            log.add(
                "数值格式",
                STAGE,
                "FAIL",
                f"无法识别的年份或数值（year={cell('year')}，value={cell('value')}）",
                row=line,
                **where,
            )
            continue
        unit = normalise(cell("unit")) if cell("unit") is not None else item.unit
        if not (unit == item.unit or (unit == "万人" and item.unit == "人")):
            log.add(
                "表头单位",
                STAGE,
                "FAIL",
                f"{item.name} 的单位“{unit}”无法换算为“{item.unit}”",
                row=line,
                column="unit",
                **where,
            )
            continue
        if folder_year is not None and year != folder_year:
            log.add(
                "年份一致",
                STAGE,
                "FAIL",
                f"该行年份 {year}，所在文件夹年份 {folder_year}",
                row=line,
                column="year",
                **where,
            )
            continue
        measure = (
            _measure_of(normalise(cell("measure"))) if cell("measure") is not None else "actual"
        )
        if measure is None:
            measure = str(cell("measure")) if str(cell("measure")) in ("task", "actual") else None
        if measure is None:
            log.add(
                "数值格式",
                STAGE,
                "FAIL",
                f"measure 应为 actual/task 或 完成数/目标任务，而不是“{cell('measure')}”",
                row=line,
                **where,
            )
            continue
        if region is None or value is None:
            continue
        if unit != item.unit:
            log.add(
                "单位换算",
                STAGE,
                "PASS",
                f"{unit} → {item.unit}，乘以 {raw_layout.UNIT_FACTORS[unit]:g}",
                row=line,
                column="value",
                **where,
            )
        source = {
            "source_file": file,
            "source_sheet": grid.sheet or "长表",
            "source_row": line,
            "source_column": "value",
        }
        records.append(_record(region, year, item, measure, value, unit, source))
    return pd.DataFrame(records, columns=TIDY_COLUMNS)


# ---------------------------------------------------------------- files and folders


def read_submission(path: Path, year: int | None) -> tuple[pd.DataFrame, QaLog]:
    """Read one file (any accepted format) for ``year`` into tidy rows plus its QA log.
    ``year`` None is allowed for long-format files, which carry their own years."""
    log = QaLog()
    try:
        grids = read_grids(path, log)
    except Exception as error:  # any reason a file cannot be opened is a FAIL, not a crash
        log.add("文件可读", STAGE, "FAIL", f"无法读取：{error}", file=path.name)
        return pd.DataFrame(columns=TIDY_COLUMNS), log
    grids = [g for g in grids if any(any(c is not None for c in r) for r in g.rows)]
    if not grids:
        log.add("文件可读", STAGE, "FAIL", "文件是空的", file=path.name)
        return pd.DataFrame(columns=TIDY_COLUMNS), log
    first = next(r for r in grids[0].rows if any(c is not None for c in r))
    if _long_columns(first) is not None:
        rows = [r for r in grids[0].rows if any(c is not None for c in r)]
        return parse_long(Grid(grids[0].sheet, rows), path.name, year, log), log
    if year is None:
        log.add(
            "年份一致",
            STAGE,
            "FAIL",
            "按县区报表格式读取时，文件应放在以年份命名的文件夹中",
            file=path.name,
        )
        return pd.DataFrame(columns=TIDY_COLUMNS), log
    preferred = [g for g in grids if g.sheet == raw_layout.SHEET_NAME] + [
        g for g in grids if g.sheet != raw_layout.SHEET_NAME
    ]
    errors = []
    for grid in preferred:
        try:
            return parse_layout(grid, path.name, year, log), log
        except IntakeError as error:
            errors.append(f"工作表“{grid.sheet}”：{error}" if grid.sheet else str(error))
    log.add("表头", STAGE, "FAIL", "；".join(errors), file=path.name)
    return pd.DataFrame(columns=TIDY_COLUMNS), log


def _revision(path: Path) -> tuple[str, int]:
    """(base name, revision): 'x.r2.xlsx' → ('x', 2); 'x.xlsx' → ('x', 1)."""
    stem = path.name[: -len(path.suffix)]
    match = re.search(raw_layout.REVISION_PATTERN, stem)
    return (stem[: match.start()], int(match[1])) if match else (stem, 1)


def submission_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith(("~$", "."))
    )


def _changes(
    old: pd.DataFrame, new: pd.DataFrame, old_name: str, new_name: str, log: QaLog
) -> None:
    keys = ["region_code", "indicator", "measure"]
    merged = old.merge(new, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
    changed = merged[(merged["_merge"] != "both") | (merged["value_old"] != merged["value_new"])]
    for _, row in changed.iterrows():
        region = row["region_new"] if isinstance(row["region_new"], str) else row["region_old"]
        name = (
            row["indicator_name_new"]
            if isinstance(row["indicator_name_new"], str)
            else row["indicator_name_old"]
        )
        before = "空" if pd.isna(row["value_old"]) else f"{row['value_old']:g}"
        after = "空" if pd.isna(row["value_new"]) else f"{row['value_new']:g}"
        where_row = None if pd.isna(row["source_row_new"]) else int(row["source_row_new"])
        log.add(
            "更正",
            STAGE,
            "WARN",
            f"{region} {name}（{'完成数' if row['measure'] == 'actual' else '目标任务'}）：{before} → {after}（{old_name} → {new_name}）",
            file=new_name,
            row=where_row,
        )
    if changed.empty:
        log.add("更正", STAGE, "PASS", f"{new_name} 与 {old_name} 的数值相同", file=new_name)


def read_year_folder(folder: Path, year: int) -> tuple[pd.DataFrame, QaLog]:
    """One year's submission. Several files are allowed only as revisions of one base name
    (raw_layout.REVISION_PATTERN): the highest revision is used, and every changed cell is logged."""
    log = QaLog()
    files = submission_files(folder)
    if not files:
        log.add("每年一个文件", STAGE, "FAIL", f"{folder} 中没有报表文件（.xlsx、.xls、.csv）")
        return pd.DataFrame(columns=TIDY_COLUMNS), log
    revisions = {p: _revision(p) for p in files}
    bases = {base for base, _ in revisions.values()}
    numbers = [n for _, n in revisions.values()]
    if len(files) > 1 and (len(bases) > 1 or len(set(numbers)) != len(numbers)):
        names = "、".join(p.name for p in files)
        log.add(
            "每年一个文件",
            STAGE,
            "FAIL",
            f"{folder} 有多个报表文件：{names}。同一年只能有一份报表；更正后的报表请在原文件名后加修订号（如 {files[0].stem}.r2{files[0].suffix}），以最高修订号为准",
        )
        return pd.DataFrame(columns=TIDY_COLUMNS), log
    ordered = sorted(files, key=lambda p: revisions[p][1])
    final = ordered[-1]
    tidy, file_log = read_submission(final, year)
    log.extend(file_log)
    if len(ordered) > 1:
        previous, _ = read_submission(ordered[-2], year)
        log.add(
            "修订版本",
            STAGE,
            "PASS",
            f"采用 {final.name}（第{revisions[final][1]}版），取代 {'、'.join(p.name for p in ordered[:-1])}",
            file=final.name,
        )
        _changes(previous, tidy, ordered[-2].name, final.name, log)
    return tidy, log


def read_raw_dir(raw_dir: Path, last_year: int) -> tuple[pd.DataFrame, QaLog]:
    """Read every ``<raw_dir>/<year>/`` with year <= last_year."""
    log = QaLog()
    frames = []
    if not raw_dir.is_dir():
        raise IntakeError(f"原始数据文件夹不存在：{raw_dir}")
    for folder in sorted(p for p in raw_dir.iterdir() if p.is_dir() and p.name.isdigit()):
        year = int(folder.name)
        if year > last_year:
            continue
        tidy, year_log = read_year_folder(folder, year)
        frames.append(tidy)
        log.extend(year_log)
    if not frames:
        raise IntakeError(f"{raw_dir} 中没有 {last_year} 年及以前的报表（应为 <年份>/<文件>）")
    return pd.concat(frames, ignore_index=True), log
