"""A submission file as a person sees it: every sheet's cells, with what Excel shows about them —
hidden sheets, rows and columns, merged ranges, formulas saved without a computed value, and the
percent number format. .xlsx/.xlsm are read with openpyxl (which alone sees number formats and
formulas); .xls, .ods and .xlsb with python-calamine; .csv with its encoding and delimiter sniffed.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipeline.intake.qa import READ_STAGE as STAGE
from pipeline.intake.qa import QaLog, Rule

OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")
CALAMINE_SUFFIXES = (".xls", ".ods", ".xlsb")
SUPPORTED_SUFFIXES = (*OPENPYXL_SUFFIXES, *CALAMINE_SUFFIXES, ".csv")
DELIMITERS = {",": "逗号", "\t": "制表符", ";": "分号", "|": "竖线"}
_BOM = b"\xef\xbb\xbf"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


class IntakeError(ValueError):
    """A file that cannot be read as a submission at all."""


@dataclass(frozen=True)
class Merge:
    label: str  # "C5:C6"
    min_row: int  # 1-based, as Excel numbers rows and columns
    min_col: int
    max_row: int
    max_col: int

    def covers(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col


@dataclass(frozen=True)
class Grid:
    """One sheet: ``rows[i][j]`` is the cell at Excel row i+1, column j+1. Coordinates in the sets
    are 1-based (row, column)."""

    sheet: str
    rows: list[tuple]
    hidden: bool = False
    merged: tuple[Merge, ...] = ()
    uncomputed: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    percent: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    hidden_rows: frozenset[int] = field(default_factory=frozenset)
    hidden_columns: frozenset[int] = field(default_factory=frozenset)

    @property
    def has_content(self) -> bool:
        return any(c is not None and str(c).strip() for r in self.rows for c in r)


_LITERAL = re.compile(r'"[^"]*"|\\.')


def is_percent_format(number_format: str) -> bool:
    """Excel shows the stored value × 100 with a % sign: a "%" in the format that is not quoted
    text ("0.00\"%\"" only prints a % after the stored number) nor escaped (\\%)."""
    return "%" in _LITERAL.sub("", str(number_format))


def cell_name(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


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


def _csv_rows(text: str, delimiter: str) -> list[tuple]:
    return [
        tuple(None if cell.strip() == "" else cell for cell in row)
        for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]


def sniff_delimiter(text: str, is_header: object) -> str:
    """The delimiter under which some row has a header cell (``is_header(cell)``); else the one
    that splits the most lines into several fields; a comma when nothing tells them apart."""
    for delimiter in DELIMITERS:
        if any(is_header(c) for row in _csv_rows(text, delimiter)[:30] for c in row if c):
            return delimiter
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    return max(DELIMITERS, key=lambda d: sum(line.count(d) > 0 for line in lines))


def _read_csv(path: Path, log: QaLog, is_header: object) -> list[Grid]:
    text, encoding = decode(path.read_bytes())
    log.add(Rule.FILE_ENCODING, STAGE, "PASS", f"按 {encoding} 读取", file=path.name)
    delimiter = sniff_delimiter(text, is_header)
    log.add(Rule.CSV_DELIMITER, STAGE, "PASS", f"按{DELIMITERS[delimiter]}分隔读取", file=path.name)
    return [Grid("", _csv_rows(text, delimiter))]


# A table is one block: content more than this many empty rows (columns) away from the rest is a
# stray cell — named in the log, not read — so that one value at XFD1048576 does not make the
# intake walk 17 billion cells. Reading is bounded by the data present, never by the declared
# dimension of the sheet.
STRAY_GAP_ROWS = 200
STRAY_GAP_COLUMNS = 50


def _block_end(indexes: set[int], gap: int) -> int:
    """The last index of the block that starts at the first one, allowing gaps up to ``gap``."""
    end = 0
    for index in sorted(indexes):
        if end and index - end > gap:
            break
        end = index
    return end


def _read_openpyxl(path: Path, log: QaLog) -> list[Grid]:
    values = load_workbook(path, data_only=True)
    formulas = load_workbook(
        path, read_only=True, data_only=False
    )  # only to see which are formulas
    grids = []
    for sheet in values.worksheets:
        present = [
            (row, col)
            for (row, col), cell in sheet._cells.items()  # only the cells the file holds
            if cell.value is not None
        ]
        last_row = _block_end({r for r, _ in present}, STRAY_GAP_ROWS)
        last_col = _block_end({c for _, c in present}, STRAY_GAP_COLUMNS)
        for row, col in sorted(present):
            if row > last_row or col > last_col:
                log.add(
                    Rule.UNREAD_CELL,
                    STAGE,
                    "WARN",
                    f"单元格 {cell_name(row, col)} 有内容“{str(sheet.cell(row, col).value)[:20]}”，远离表格（表格止于 {cell_name(last_row, last_col)}），未读取：请删除",
                    file=path.name,
                    sheet=sheet.title,
                    row=row,
                    column=get_column_letter(col),
                )
        cells = [[sheet.cell(r, c) for c in range(1, last_col + 1)] for r in range(1, last_row + 1)]
        formula_sheet = formulas[sheet.title]
        formula_sheet.reset_dimensions()  # the declared dimension may be the whole grid
        uncomputed = frozenset(
            (c.row, c.column)
            for row in formula_sheet.iter_rows(max_row=last_row, max_col=last_col)
            for c in row
            if getattr(c, "data_type", None) == "f" and sheet.cell(c.row, c.column).value is None
        )
        percent = frozenset(
            (c.row, c.column)
            for row in cells
            for c in row
            if isinstance(c.value, int | float)
            and not isinstance(c.value, bool)
            and is_percent_format(c.number_format)
        )
        hidden_columns = frozenset(
            index
            for dim in sheet.column_dimensions.values()
            if dim.hidden and dim.min is not None
            for index in range(dim.min, (dim.max or dim.min) + 1)
        )
        grids.append(
            Grid(
                sheet.title,
                [tuple(c.value for c in row) for row in cells],
                hidden=sheet.sheet_state != "visible",
                merged=tuple(
                    Merge(str(m.coord), m.min_row, m.min_col, m.max_row, m.max_col)
                    for m in sheet.merged_cells.ranges
                ),
                uncomputed=uncomputed,
                percent=percent,
                hidden_rows=frozenset(r for r, d in sheet.row_dimensions.items() if d.hidden),
                hidden_columns=hidden_columns,
            )
        )
    values.close()
    formulas.close()
    return grids


def _read_calamine(path: Path) -> list[Grid]:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetVisibleEnum

    try:  # from a file object, calamine tells the format by content, not by the name's suffix
        with path.open("rb") as handle:
            book = CalamineWorkbook.from_filelike(handle)
    except PasswordError as error:
        raise IntakeError("文件设有打开密码（已加密）：请取消密码后重新报送") from error
    except CalamineError as error:
        raise IntakeError(
            f"不是有效的 {path.suffix} 文件，或文件已损坏（{error}）：请在 Excel 中打开并另存为 .xlsx 后重新报送"
        ) from error
    grids = []
    for meta in book.sheets_metadata:
        sheet = book.get_sheet_by_name(meta.name)
        rows = [
            tuple(None if c == "" else c for c in r) for r in sheet.to_python(skip_empty_area=False)
        ]
        merged = tuple(
            Merge(
                f"{cell_name(a[0] + 1, a[1] + 1)}:{cell_name(b[0] + 1, b[1] + 1)}",
                a[0] + 1,
                a[1] + 1,
                b[0] + 1,
                b[1] + 1,
            )
            for a, b in (sheet.merged_cell_ranges or [])
        )
        grids.append(
            Grid(meta.name, rows, hidden=meta.visible != SheetVisibleEnum.Visible, merged=merged)
        )
    book.close()
    return grids


def read_grids(path: Path, log: QaLog, is_header: object = lambda cell: False) -> list[Grid]:
    """Every sheet of a workbook, or the one table of a CSV. The content decides how a workbook
    is read (an .xls renamed .xlsx is still read); an encrypted workbook is named as such."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, log, is_header)
    if suffix not in SUPPORTED_SUFFIXES:
        raise IntakeError(
            f"不支持的文件类型“{path.suffix}”（支持 {'、'.join(SUPPORTED_SUFFIXES)}）"
        )
    head = path.read_bytes()
    if head.startswith(_OLE) and _ENCRYPTED in head:
        raise IntakeError(
            "文件设有打开密码（已加密）：请在 Excel 中取消密码（文件→信息→保护工作簿）后重新报送"
        )
    if suffix in OPENPYXL_SUFFIXES and head.startswith(_ZIP):
        try:
            return _read_openpyxl(path, log)
        except (zipfile.BadZipFile, KeyError, OSError) as error:
            raise IntakeError(
                f"文件已损坏，不是完整的 .xlsx（{error}），请重新保存后报送"
            ) from error
    if suffix in OPENPYXL_SUFFIXES and not head.startswith(_OLE):
        raise IntakeError("不是有效的 Excel 文件（内容既不是 .xlsx 也不是 .xls），请重新导出")
    return _read_calamine(path)
