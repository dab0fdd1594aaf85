"""The blank 报表模板 (.xlsx) and its 填报说明 (Markdown) for the counties, generated from
configuration — indicators, units, regions, year — in exactly the layout the intake reads
(pipeline.intake.submission_format), so that a filled template reads back value for value (tests/intake/test_forms.py).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from pipeline.config.indicators import NoPlanError, indicators, plan_for_year
from pipeline.config.regions import city, counties
from pipeline.intake import submission_format
from pipeline.store.inert import write_cell

FIRST_VALUE_COLUMN = 3  # A 序号, B 县（市、区）, then 目标任务 / 完成数 per indicator


def template_name(year: int) -> str:
    return f"reporting-template-{year}.xlsx"


def instructions_name(year: int) -> str:
    return f"reporting-instructions-{year}.md"


def value_cell(region_row: int, indicator_index: int, measure: str) -> tuple[int, int]:
    """(row, column), 1-based, of a value in the template: ``region_row`` 0 is the first county."""
    column = FIRST_VALUE_COLUMN + 2 * indicator_index + (1 if measure == "actual" else 0)
    return 4 + region_row, column


def regions_in_order() -> list:
    return [*counties(), city()]


def write_template(year: int, path: Path) -> Path:
    """The bureau layout for ``year``: title, the two-row header (each indicator with its
    registry unit over 目标任务/完成数), one row per county and a 全市 row, and note rows."""
    book = Workbook()
    ws = book.active
    ws.title = submission_format.SHEET_NAME
    write_cell(ws, 1, 1, submission_format.title(year)).font = Font(bold=True, size=14)
    write_cell(ws, 2, 1, submission_format.SEQUENCE_HEADER)
    write_cell(ws, 2, 2, submission_format.REGION_HEADER)
    for index, item in enumerate(indicators()):
        _, task_column = value_cell(0, index, "task")
        write_cell(
            ws, 2, task_column, submission_format.indicator_header(item.raw_header, item.unit)
        )
        ws.merge_cells(start_row=2, start_column=task_column, end_row=2, end_column=task_column + 1)
        write_cell(ws, 3, task_column, submission_format.TASK_LABEL)
        write_cell(ws, 3, task_column + 1, submission_format.DONE_LABEL)
        for column in (task_column, task_column + 1):
            number_format = "0" if item.integer else "0.00"
            for row in range(4, 4 + len(regions_in_order())):
                ws.cell(row, column).number_format = number_format
    for row in (2, 3):
        for cell in ws[row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for position, region in enumerate(regions_in_order()):
        row = 4 + position
        if not region.is_city:
            write_cell(ws, row, 1, position + 1)
        write_cell(ws, row, 2, submission_format.CITY_ROW_LABEL if region.is_city else region.name)
    notes_at = 5 + len(regions_in_order())
    for offset, note in enumerate(notes(year)):
        write_cell(ws, notes_at + offset, 1, note)
    ws.column_dimensions["B"].width = 12
    ws.freeze_panes = ws.cell(4, 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def notes(year: int) -> list[str]:
    """The note rows under the table (they start with 注/填报, so the intake reads them as notes)."""
    return [
        f"注：1. 填写{year}年全年数；人数填整数，比率填百分数的数值（3.29% 填 3.29），不要改动表头、不要合并单元格。",
        f"注：2. 每个完成数都必须填写；确实无法报送的，在该单元格写“{submission_format.NOT_SUBMITTED_PREFIX}：原因”。",
        "注：3. 城镇调查失业率只填全市行；数字中不要加脚注符号、空格或单位。",
        "填报单位：            填报人：            联系电话：",
    ]


def instructions(year: int) -> str:
    """The 填报说明 as Markdown: what each column means, its unit, and which cells are required."""
    lines = [
        f"# {submission_format.title(year)} · 填报说明",
        "",
        f"报表模板：`{template_name(year)}`（工作表“{submission_format.SHEET_NAME}”）。每个县（市、区）填写自己的一行，"
        f"市人社局填写“{submission_format.CITY_ROW_LABEL}”行；也可以每县报送一个文件。更正时在文件名后加修订号"
        "（如 `xxx.r2.xlsx`）。",
        "",
        "| 指标（表头） | 单位 | 条款 | 谁填写 | 目标任务 | 完成数 |",
        "|---|---|---|---|---|---|",
    ]
    for item in indicators():
        who = "只填全市行" if item.city_only else "各县区与全市"
        lines.append(
            f"| {item.raw_header} | {item.unit} | {item.article} | {who} | 本年目标 | 必填 |"
        )
    lines += [
        "",
        "## 规则",
        "",
        f"- 完成数必须填写。确实无法报送时，在单元格中写“{submission_format.NOT_SUBMITTED_PREFIX}：原因”；"
        "空白、“—”“无”都会被退回。",
        "- 只填数字：不加单位、脚注符号（¹、①）、空格；千分位逗号可用（7,056）。比率填 3.29 或 3.29%。",
        "- 人数列可在表头写“（万人）”按万人填写，程序自动换算；同一列不要混用。",
        "- 不要合并数据区的单元格，不要隐藏工作表，不要在表格之外的远处单元格写内容。",
        "- “市本级”不是全市合计，不要单独成行。",
    ]
    return "\n".join(lines) + "\n"


def form_year(year: int) -> int:
    """The year the published forms are for: the next year when a configured plan covers it
    (what the counties fill next), else ``year`` itself."""
    try:
        plan_for_year(year + 1)
    except NoPlanError:
        return year
    return year + 1


def write_blank_forms(year: int, folder: Path) -> list[Path]:
    """The template and the instructions for ``form_year(year)``, written into ``folder``."""
    target = form_year(year)
    template = write_template(target, folder / template_name(target))
    notes_path = folder / instructions_name(target)
    notes_path.write_text(instructions(target), encoding="utf-8")
    return [template, notes_path]
