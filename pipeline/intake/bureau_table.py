"""The bureau layout (raw_layout): a title, a one- or two-row header naming each indicator with its
unit, one row per region, note rows. Every cell with content under the header ends as one tidy
value or as a QA record naming its row and column."""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import nan as NAN
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from pipeline.config.indicators import indicators
from pipeline.config.regions import FunctionalZone, Region
from pipeline.config.schema import Indicator
from pipeline.intake import qa, submission_format
from pipeline.intake.numbers import NumberError, normalise, parse_cell
from pipeline.intake.qa import READ_STAGE as STAGE
from pipeline.intake.qa import QaLog, Rule
from pipeline.intake.spreadsheet import Grid, IntakeError, cell_name
from pipeline.intake.tidy import (
    Source,
    check_invisible_characters,
    frame,
    record,
    region_code,
    resolve_region,
)

_UNIT = re.compile(r"\(([^()]+)\)")
_YEAR_IN_TITLE = re.compile(r"(20\d{2})年")
# a year in a file name: 20xx not inside a longer number ("ankang-employment-2024.r2.xlsx")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


class HeaderError(ValueError):
    """A header the intake refuses (FAIL), with the emitter of the rule it breaks (qa.py)."""

    def __init__(self, emit: qa.Emitter, message: str) -> None:
        super().__init__(message)
        self.emit = emit


@dataclass(frozen=True)
class ValueColumn:
    index: int  # 0-based
    indicator: Indicator
    measure: str
    sheet_unit: str
    label: str


def is_region_header(cell: object) -> bool:
    text = normalise(cell) if cell is not None else ""
    return text in {
        normalise(a)
        for a in (submission_format.REGION_HEADER, *submission_format.REGION_HEADER_ALIASES)
    }


def header_row(rows: list[tuple]) -> int | None:
    """Index of the row holding the region header, if any (any row: reading is bounded by the
    data present, so a header below a long preamble is still found)."""
    return next((i for i, r in enumerate(rows) if any(is_region_header(c) for c in r)), None)


def _measure_and_unit(text: str) -> tuple[str | None, str | None]:
    """The measure of a sub-header, and a unit written in it ("完成数(人)" → actual, 人)."""
    if not text:
        return None, None
    match = re.fullmatch(r"(.+)\(([^()]+)\)", text)
    if match and measure_of(match[1]) is not None and match[2] in submission_format.UNIT_FACTORS:
        return measure_of(match[1]), match[2]
    return measure_of(text), None


def measure_of(text: str) -> str | None:
    for measure, words in submission_format.MEASURE_WORDS.items():
        if any(text == normalise(w) for w in words):
            return measure
    return None


def _strip_measure(name: str) -> tuple[str, str | None]:
    """'城镇新增就业完成数' → ('城镇新增就业', 'actual'); a name without a measure word is unchanged."""
    for measure, words in submission_format.MEASURE_WORDS.items():
        for word in sorted(words, key=len, reverse=True):
            word = normalise(word)
            if name.endswith(word) and len(name) > len(word):
                return name[: -len(word)], measure
            if name.startswith(word) and len(name) > len(word):
                return name[len(word) :], measure
    return name, None


_YEAR_PREFIX = re.compile(r"^(\d{4})年度?")


def _named_within(name: str) -> Indicator | None:
    """The indicator whose wording appears inside a longer header ('城镇新增就业人数'), if any."""
    found = [
        item
        for item in indicators()
        if any(normalise(w) in name for w in (item.raw_header, item.name, item.short_name))
    ]
    return found[0] if len(found) == 1 else None


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


def parse_indicator_header(
    text: str, measure: str | None, year: int | None = None
) -> tuple[Indicator, str, str]:
    """Indicator, unit and measure from a header such as '城镇新增就业（万人）' over '完成数', or the
    one-row '城镇新增就业完成数（人）'. HeaderError says what is wrong; LookupError when the header
    names no indicator at all (a 备注 column)."""
    normalised = normalise(text)
    units = list(_UNIT.finditer(normalised))
    if not units:
        if _match_indicator(_strip_measure(normalised)[0]) is None:
            raise LookupError(f"未识别的指标“{normalised}”")
        raise HeaderError(qa.header_unit, f"表头“{text}”没有写明单位，应形如“城镇新增就业（人）”")
    last = units[-1]  # the unit is the last bracket; earlier ones are part of the name
    unit = last[1]
    name, measure_in_name = _strip_measure(normalised[: last.start()] + normalised[last.end() :])
    prefix = _YEAR_PREFIX.match(name)
    if prefix and year is not None and int(prefix[1]) != year:
        raise HeaderError(
            qa.year_match, f"表头“{text}”写的是 {prefix[1]} 年，所在文件夹是 {year} 年"
        )
    name = name[prefix.end() :] if prefix else name  # "2024年城镇新增就业" names the indicator
    item = _match_indicator(name)
    if item is None:
        within = _named_within(name)
        if within is not None:  # a wording the intake does not know must not drop the indicator
            raise HeaderError(
                qa.header_indicator,
                f"表头“{text}”含指标“{within.name}”，但写法不是已知的写法：请改为“{submission_format.indicator_header(within.raw_header, within.unit)}”",
            )
        raise LookupError(f"未识别的指标“{name}”")
    if not (unit == item.unit or (unit == "万人" and item.unit == "人")):
        raise HeaderError(qa.header_unit, f"{item.name} 的单位“{unit}”无法换算为“{item.unit}”")
    return item, unit, measure or measure_in_name or "actual"


def _value_columns(
    header: list[tuple], grid: Grid, year: int, log: QaLog, where: dict
) -> tuple[list[ValueColumn], set[int]]:
    """The indicator columns, and the indexes of header columns that are not read (each with its
    own record: unknown indicator, bad unit, a repeat of an earlier column)."""
    top = header[0]
    sub = header[1] if len(header) > 1 else (None,) * len(top)
    columns: list[ValueColumn] = []
    unread: set[int] = set()
    seen: dict[tuple[str, str], ValueColumn] = {}
    current = None
    for index, (upper, lower) in enumerate(zip(top, sub, strict=True)):
        if (
            upper is not None
            and not is_region_header(upper)
            and normalise(upper) != normalise(submission_format.SEQUENCE_HEADER)
        ):
            current = upper
        elif upper is not None:
            current = None
        lower_text = normalise(lower) if lower is not None else ""
        measure, sub_unit = _measure_and_unit(lower_text)
        if current is None or (upper is None and (len(header) == 1 or not lower_text)):
            continue
        hidden = "，隐藏列" if index + 1 in grid.hidden_columns else ""
        label = f"{get_column_letter(index + 1)}（{normalise(current)}{'·' + normalise(lower) if lower else ''}{hidden}）"
        if is_remark_header(current):
            qa.header_indicator(log, STAGE, "PASS",
                f"“{normalise(current)}”列不是指标列：其中写明“{submission_format.NOT_SUBMITTED_PREFIX}：原因”的，作为该行空白完成数的原因读取",
                column=label, **where,
            )  # fmt: skip
            unread.add(index)
            continue
        check_invisible_characters(current, log, "表头", column=label, **where)
        try:
            if lower_text and measure is None:
                raise HeaderError(
                    qa.header,
                    f"子表头“{lower_text}”不是“{submission_format.TASK_LABEL}”或“{submission_format.DONE_LABEL}”的已知写法，该列未读取：请改为“{submission_format.TASK_LABEL}”或“{submission_format.DONE_LABEL}”",
                )
            written = str(current)
            if sub_unit is not None:  # "完成数（人）" under "城镇新增就业": the unit is below
                if _UNIT.search(normalise(written)):
                    raise HeaderError(
                        qa.header_unit,
                        f"表头“{normalise(written)}”和子表头“{lower_text}”都写了单位：请只在表头写一次",
                    )
                written = f"{written}({sub_unit})"
            item, unit, resolved = parse_indicator_header(written, measure, year)
        except LookupError as error:
            qa.header_indicator(log, STAGE, "WARN", f"{error}，该列未读取", column=label, **where)
            unread.add(index)
            continue
        except HeaderError as error:
            error.emit(log, STAGE, "FAIL", str(error), column=label, **where)
            unread.add(index)
            continue
        column = ValueColumn(index, item, resolved, unit, label)
        earlier = seen.get((item.id, resolved))
        if earlier is not None:
            log.add(
                Rule.DUPLICATE_COLUMN,
                STAGE,
                "FAIL",
                f"{item.name}（{'完成数' if resolved == 'actual' else '目标任务'}）出现两次：列 {earlier.label} 与列 {label}。请删除多余的一列（包括隐藏列）",
                column=label,
                **where,
            )
            unread.add(index)
            continue
        seen[(item.id, resolved)] = column
        if hidden:
            qa.hidden(
                log,
                STAGE,
                "WARN",
                "该列在 Excel 中被隐藏，仍作为数据读取",
                column=label,
                **where,
            )
        columns.append(column)
    return columns, unread


def check_required_columns(
    columns: list[ValueColumn], assessed: bool, log: QaLog, where: dict
) -> None:
    """Every indicator has a column; in the assessed year a missing one is a FAIL (its values
    would otherwise count as not reported), in earlier years a WARN (series begin later)."""
    found = {c.indicator.id for c in columns}
    for item in indicators():
        present = item.id in found
        status = "PASS" if present else ("FAIL" if assessed else "WARN")
        qa.required_columns(
            log,
            STAGE,
            status,
            f"{item.name}：{'已找到' if present else '缺少此列'}"
            + ("" if present or not assessed else "（考核年度每项指标都须报送）"),
            **where,
        )
    if not columns:
        qa.required_columns(log, STAGE, "FAIL", "没有找到任何指标列", **where)


def check_file_name_year(file: str, year: int, log: QaLog, where: dict) -> None:
    """A year written in the file name that is not the folder's: last year's file put in this
    year's folder would otherwise be read as this year whenever its title names no year."""
    years = {int(y) for y in _YEAR_IN_NAME.findall(normalise(Path(file).stem))}
    if not years:
        return
    if year in years:
        qa.year_match(log, STAGE, "PASS", f"文件名年份 {year}，与所在文件夹一致", **where)
        return
    named = "、".join(str(y) for y in sorted(years))
    qa.year_match(log, STAGE, "FAIL",
        f"文件名写的是 {named} 年，所在文件夹是 {year} 年：可能是其他年份的报表放错了文件夹。"
        f"请核对：确是 {year} 年的报表就改正文件名，否则移到 {named} 年的文件夹",
        **where,
    )  # fmt: skip


def check_title_year(title_rows: list[tuple], year: int, log: QaLog, where: dict) -> None:
    check_file_name_year(str(where.get("file", "")), year, log, where)
    for row in title_rows:
        for cell in row:
            match = _YEAR_IN_TITLE.search(normalise(cell)) if cell is not None else None
            if match:
                status = "PASS" if int(match[1]) == year else "FAIL"
                qa.year_match(
                    log,
                    STAGE,
                    status,
                    f"表题年份 {match[1]}，所在文件夹年份 {year}",
                    **where,
                )
                return


def check_formulas(grid: Grid, log: QaLog, where: dict) -> None:
    """A formula saved without its computed value reads as blank: a FAIL, never a silent gap."""
    for row, col in sorted(grid.uncomputed):
        qa.formula(
            log,
            STAGE,
            "FAIL",
            f"单元格 {cell_name(row, col)} 是公式，但文件中没有保存计算结果（程序生成、未在 Excel 中保存过的文件常见）：请县区用 Excel 打开此文件、保存后重新报送",
            row=row,
            column=get_column_letter(col),
            **where,
        )
    if not grid.uncomputed:
        qa.formula(log, STAGE, "PASS", "没有缺少计算结果的公式", **where)


def check_merged_cells(
    grid: Grid, body_start: int, labelled_rows: set[int], data_cols: set[int], log, where
) -> None:
    """A merged range in the data area keeps only its top-left value: a FAIL naming the range."""
    bad = [
        m
        for m in grid.merged
        if m.max_row >= body_start
        and (m.max_row > m.min_row or m.max_col > m.min_col)
        and any(r in labelled_rows for r in range(max(m.min_row, body_start), m.max_row + 1))
        and any(m.min_col <= c <= m.max_col for c in data_cols)
    ]
    for m in bad:
        log.add(
            Rule.MERGED_CELLS,
            STAGE,
            "FAIL",
            f"数据区有合并单元格 {m.label}：合并后只有左上角单元格有值，其余单元格的数值会丢失。请取消合并并逐格填写",
            row=m.min_row,
            column=m.label,
            **where,
        )
    if not bad:
        log.add(Rule.MERGED_CELLS, STAGE, "PASS", "数据区没有合并单元格", **where)


def _note_or_unlabelled(
    row: tuple, value_indexes: set[int], excel_row: int, log: QaLog, where: dict
) -> str:
    """A row without a region name: a note (PASS), other text (WARN), or — when any indicator
    column has content — a FAIL, since those values would otherwise be lost. Returns a note's text."""
    first_text = next((normalise(c) for c in row if c is not None and normalise(c)), "")
    if not first_text:
        return ""
    if any(row[i] is not None and normalise(row[i]) for i in value_indexes):
        qa.region_name(
            log,
            STAGE,
            "FAIL",
            f"该行有数值但没有地区名称（地区名称应写在“{submission_format.REGION_HEADER}”列；该行首个内容：{first_text[:20]}）",
            row=excel_row,
            **where,
        )
        return ""
    if first_text.startswith(submission_format.NOTE_PREFIXES):
        log.add(
            Rule.NOTE_ROW,
            STAGE,
            "PASS",
            f"说明行，未作为数据读取：{first_text[:60]}",
            row=excel_row,
            **where,
        )
        return first_text
    log.add(
        Rule.NOTE_ROW,
        STAGE,
        "WARN",
        f"没有地区名称的行，未作为数据读取：{first_text[:40]}",
        row=excel_row,
        **where,
    )
    return ""


def is_remark_header(cell: object) -> bool:
    return cell is not None and normalise(cell) in submission_format.REMARK_HEADERS


def remark_reason(remark: object, item: Indicator) -> str | None:
    """The reason a row's 备注 gives for a blank 完成数 of ``item``: the 备注 as written when it
    says 未报送 and names ``item`` or no indicator at all; else None."""
    if not isinstance(remark, str) or submission_format.NOT_SUBMITTED_PREFIX not in remark:
        return None
    text = normalise(remark)
    named = {
        i.id for i in indicators() if normalise(i.short_name) in text or normalise(i.name) in text
    }
    return remark.strip() if not named or item.id in named else None


def not_submitted_reason(raw: object) -> str | None:
    """The reason in a cell written "未报送：<原因>", or None for any other cell."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    prefix = submission_format.NOT_SUBMITTED_PREFIX
    if not text.startswith(prefix):
        return None
    reason = text[len(prefix) :].lstrip(":：").strip()  # kept as the county wrote it
    return reason or None


def _read_value(
    raw: object, column: ValueColumn, grid: Grid, excel_row: int, log: QaLog, where: dict
) -> float | None:
    at = {"row": excel_row, "column": column.label, **where}
    try:
        parsed = parse_cell(raw, column.sheet_unit, (excel_row, column.index + 1) in grid.percent)
    except NumberError as error:
        qa.number_format(log, STAGE, "FAIL", str(error), **at)
        return None
    if parsed.note:
        if "百分比" in parsed.note:
            log.add(Rule.PERCENT_FORMAT, STAGE, "WARN", parsed.note, **at)
        else:
            qa.unit_in_cell(log, STAGE, "WARN", parsed.note, **at)
    if parsed.value is None and raw is not None and normalise(raw):
        qa.blank_cell(log, STAGE, "PASS", f"“{normalise(raw)}”按缺失读取（不是0）", **at)
    return parsed.value


def is_required(item: Indicator, region: Region | FunctionalZone, column: ValueColumn) -> bool:
    """A 完成数 the assessment needs: every region's, except a city-only indicator's for counties.
    Functional zones report on their own and are not assessed."""
    if column.measure != "actual" or not isinstance(region, Region):
        return False
    return region.is_city or not item.city_only


def _blank_required(
    raw: object,
    column: ValueColumn,
    region: Region,
    year: int,
    excel_row: int,
    log: QaLog,
    where: dict,
    remark: tuple[int, object] | None = None,
) -> str | None:
    """A required 完成数 of the assessed year that is blank (or a dash): the county's recorded
    reason — in the cell, or in the row's 备注 (``remark``: its column index and content) — (WARN,
    the value stays missing with the reason), or a FAIL naming the cell."""
    at = {"row": excel_row, "column": column.label, **where}
    cell = cell_name(excel_row, column.index + 1)
    what = f"{year}年 {region.name} {column.indicator.name} 完成数"
    reason, said = not_submitted_reason(raw), ""
    if reason is None and remark is not None:
        reason = remark_reason(remark[1], column.indicator)
        said = f"在备注（单元格 {cell_name(excel_row, remark[0] + 1)}）中"
    if reason is not None:
        qa.blank_cell(
            log,
            STAGE,
            "WARN",
            f"{what}未报送（单元格 {cell}），报送单位{said}说明的原因：{reason}。按缺失处理（不是0），原因记在整洁表的 missing_reason 列",
            **at,
        )
        return reason
    shown = f"写的是“{normalise(raw)}”" if raw is not None and normalise(raw) else "为空"
    qa.blank_cell(
        log,
        STAGE,
        "FAIL",
        f"{what}{shown}（单元格 {cell}）：考核年度的完成数必须填写。请填写数值；确实无法报送时，在该单元格写明“{submission_format.NOT_SUBMITTED_PREFIX}：原因”",
        **at,
    )
    return None


def check_unread_cells(row: tuple, read: set[int], excel_row: int, log: QaLog, where: dict) -> None:
    """Content in a data row outside every read column (no header above it) is named, not lost."""
    for index, cell in enumerate(row):
        if index not in read and cell is not None and normalise(cell):
            qa.unread_cell(
                log,
                STAGE,
                "WARN",
                f"单元格 {cell_name(excel_row, index + 1)} 有内容“{normalise(cell)[:20]}”，但所在列没有可识别的指标表头，未读取",
                row=excel_row,
                column=get_column_letter(index + 1),
                **where,
            )


def _is_blank(raw: object) -> bool:
    """Blank, a dash-like marker, or a "未报送：…" note: no number in the cell."""
    if raw is None or not_submitted_reason(raw) is not None:
        return True
    try:
        return parse_cell(raw).value is None
    except NumberError:
        return False


def parse_layout(
    grid: Grid, file: str, year: int, log: QaLog, assessed: bool = False
) -> pd.DataFrame:
    """The tidy rows of one sheet in the bureau layout for ``year``. ``assessed``: ``year`` is the
    year being assessed, so every indicator's column and every required 完成数 must be there
    (a blank one is a FAIL unless the cell says "未报送：<原因>")."""
    where = {"file": file, "sheet": grid.sheet}
    width = max((len(r) for r in grid.rows), default=0)
    rows = [tuple(r) + (None,) * (width - len(r)) for r in grid.rows]
    header_at = header_row(rows)
    if header_at is None:
        raise IntakeError(
            f"找不到表头：没有一列的标题是“{submission_format.REGION_HEADER}”（或 地区、县区、单位）"
        )
    check_title_year(rows[:header_at], year, log, where)
    two_rows = header_at + 1 < len(rows) and any(
        _measure_and_unit(normalise(c))[0] for c in rows[header_at + 1] if c is not None
    )
    header = rows[header_at : header_at + (2 if two_rows else 1)]
    region_col = next(i for i, c in enumerate(rows[header_at]) if is_region_header(c))
    sequence_cols = {
        i
        for i, c in enumerate(rows[header_at])
        if c is not None and normalise(c) == normalise(submission_format.SEQUENCE_HEADER)
    }
    columns, unread = _value_columns(header, grid, year, log, where)
    remark_col = next((i for i, c in enumerate(rows[header_at]) if is_remark_header(c)), None)
    check_required_columns(columns, assessed, log, where)
    check_formulas(grid, log, where)
    body_start = header_at + len(header)  # 0-based index of the first body row
    value_indexes = {c.index for c in columns}
    records: list[dict] = []
    notes: list[str] = []
    seen: dict[str, tuple[int, tuple]] = {}
    labelled: set[int] = set()
    for offset, row in enumerate(rows[body_start:]):
        excel_row = body_start + offset + 1
        label = row[region_col]
        label_text = normalise(label) if label is not None else ""
        if not label_text or label_text.startswith(submission_format.NOTE_PREFIXES):
            notes.append(_note_or_unlabelled(row, value_indexes, excel_row, log, where))
            continue
        labelled.add(excel_row)
        at = {"row": excel_row, **where}
        region = resolve_region(label, log, column=submission_format.REGION_HEADER, **at)
        if region is None:
            continue
        if excel_row in grid.hidden_rows:
            qa.hidden(log, STAGE, "WARN", "该行在 Excel 中被隐藏，仍作为数据读取", **at)
        code = region_code(region)
        cells = tuple(row[c.index] for c in columns)
        if code in seen:
            earlier, earlier_cells = seen[code]
            if cells == earlier_cells:
                status, detail = "WARN", "两行数值完全相同，只保留第一行"
            else:
                status, detail = "FAIL", "两行数值不同，请删除错误的一行"
            qa.region_unique(
                log,
                STAGE,
                status,
                f"“{region.name}”重复出现（第{earlier}行与第{excel_row}行）：{detail}",
                **at,
            )
            continue
        seen[code] = (excel_row, cells)
        for column in columns:
            raw = row[column.index]
            item, measure, unit = column.indicator, column.measure, column.sheet_unit
            source = Source(file, grid.sheet, excel_row, column.label)
            if assessed and is_required(item, region, column) and _is_blank(raw):
                remark = None if remark_col is None else (remark_col, row[remark_col])
                reason = _blank_required(raw, column, region, year, excel_row, log, where, remark)
                if reason is not None:
                    records.append(record(region, year, item, measure, NAN, unit, source, reason))
                continue
            value = _read_value(raw, column, grid, excel_row, log, where)
            if value is not None:
                records.append(record(region, year, item, measure, value, unit, source))
        read = {region_col, *sequence_cols, *unread, *value_indexes}
        check_unread_cells(row, read, excel_row, log, where)
    data_cols = {region_col + 1, *(c.index + 1 for c in columns)}
    check_merged_cells(grid, body_start + 1, labelled, data_cols, log, where)
    for column in columns:
        if column.sheet_unit != column.indicator.unit:
            factor = submission_format.UNIT_FACTORS[column.sheet_unit]
            qa.unit_conversion(
                log,
                STAGE,
                "PASS",
                f"{column.sheet_unit} → {column.indicator.unit}，乘以 {factor:g}",
                column=column.label,
                **where,
            )
    tidy = frame(records)
    if any(submission_format.is_sample_note(note) for note in notes):
        tidy["is_sample"] = True
    return tidy
