"""The officials' workbook ``assessment-<year>.xlsx``: the year's assessment as sheets an official
can sort, filter and print — Chinese headers, frozen header rows, column widths, number and
percent formats. Values are numbers, not text, so that Excel can compute with them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.store.atomic import write_atomically
from pipeline.store.inert import write_cell

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
# Negative numbers carry the report's one minus sign (U+2212), not Excel's hyphen.
INTEGER, DECIMAL2, PERCENT1 = '#,##0;"−"#,##0', '#,##0.00;"−"#,##0.00', '0.0%;"−"0.0%'
POINTS = '+0.00"个百分点";"−"0.00"个百分点";0.00"个百分点"'  # a difference of two rates
TIMES = '+0"次";"−"0"次";0"次"'  # a difference of meetings


@dataclass(frozen=True)
class Column:
    source: str  # column of the frame
    header: str  # Chinese header
    width: float = 12
    number_format: str | None = None
    format_source: str | None = None  # a frame column holding each row's own number format


@dataclass(frozen=True)
class Sheet:
    title: str
    frame: pd.DataFrame
    columns: tuple[Column, ...]
    note: str = ""  # a line above the header (e.g. "SAMPLE"), or nothing


def _write_sheet(book: Workbook, sheet: Sheet) -> None:
    ws = book.create_sheet(sheet.title)
    header_row = 1
    if sheet.note:
        write_cell(ws, 1, 1, sheet.note).font = Font(bold=True, color="C00000")
        header_row = 2
    for index, column in enumerate(sheet.columns, start=1):
        cell = write_cell(ws, header_row, index, column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = column.width
    formats = [
        list(sheet.frame[c.format_source]) if c.format_source else None for c in sheet.columns
    ]
    for offset, values in enumerate(
        sheet.frame[[c.source for c in sheet.columns]].itertuples(index=False)
    ):
        row_index = header_row + 1 + offset
        for index, (column, value) in enumerate(zip(sheet.columns, values, strict=True), start=1):
            if isinstance(value, float) and pd.isna(value):
                value = None
            elif hasattr(value, "item"):  # numpy scalar → Python
                value = value.item()
            cell = write_cell(ws, row_index, index, value)
            number_format = (
                formats[index - 1][offset] if formats[index - 1] else column.number_format
            )
            if number_format:
                cell.number_format = number_format
            if isinstance(value, str) and len(value) > column.width:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = (
        f"A{header_row}:{get_column_letter(len(sheet.columns))}{header_row + len(sheet.frame)}"
    )


def write_workbook(sheets: list[Sheet], path: Path) -> None:
    """Write the sheets to ``path`` (via a temporary file beside it, renamed when complete)."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        _write_sheet(book, sheet)
    write_atomically(path, book.save)
