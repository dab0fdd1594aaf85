"""A submission file as a person sees it: every sheet's cells, with what Excel shows about them —
hidden sheets, rows and columns, merged ranges, formulas saved without a computed value, and the
percent number format. .xlsx/.xlsm are read with openpyxl (which alone sees formulas without a
value); .xls with xlrd, only the cells the file holds; .ods with python-calamine after the file is
cut to its tables; .csv with its encoding and delimiter sniffed. The content, not the name, decides
(an .xls renamed .xlsx is read as an .xls). .xlsb is refused: no reader bounds it by the cells it
holds (python-calamine builds the whole rectangle up to the farthest cell) nor sees its hidden rows
and formats.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import xlrd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipeline.intake import IntakeError, qa
from pipeline.intake.qa import READ_STAGE as STAGE
from pipeline.intake.qa import QaLog, Rule

OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")
READABLE_SUFFIXES = (*OPENPYXL_SUFFIXES, ".xls", ".ods", ".csv")
# Taken as a county's submission but refused with a FAIL that says what to do (never skipped with
# a WARN only: the county's values would be lost while validate exits 0).
REFUSED_SUFFIXES = (".xlsb",)
SUPPORTED_SUFFIXES = (*READABLE_SUFFIXES, *REFUSED_SUFFIXES)
XLSB_REFUSED = (
    "是 Excel 二进制工作簿（.xlsb），本程序不读取：无法只按实际有内容的单元格读取，也看不到隐藏行列和数字格式。"
    "请在 Excel 中打开，“文件→另存为”选择“Excel 工作簿（*.xlsx）”后重新报送"
)
DELIMITERS = {",": "逗号", "\t": "制表符", ";": "分号", "|": "竖线"}
_BOM = b"\xef\xbb\xbf"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


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


def table_block(
    present: dict[tuple[int, int], object], file: str, sheet: str, log: QaLog
) -> tuple[int, int]:
    """The last row and column of the table among the cells a sheet holds (``present``: 1-based
    (row, column) → content); every cell beyond them is a stray, named in a WARN and not read."""
    last_row = _block_end({r for r, _ in present}, STRAY_GAP_ROWS)
    last_col = _block_end({c for _, c in present}, STRAY_GAP_COLUMNS)
    for (row, col), value in sorted(present.items()):
        if row > last_row or col > last_col:
            qa.unread_cell(
                log,
                STAGE,
                "WARN",
                f"单元格 {cell_name(row, col)} 有内容“{str(value)[:20]}”，远离表格（表格止于 {cell_name(last_row, last_col)}），未读取：请删除",
                file=file,
                sheet=sheet,
                row=row,
                column=get_column_letter(col),
            )
    return last_row, last_col


def _read_openpyxl(path: Path, log: QaLog, data: bytes) -> list[Grid]:
    # from a file object: openpyxl refuses a file name not ending in .xlsx (an .xlsx named .xls)
    values = load_workbook(io.BytesIO(data), data_only=True)
    formulas = load_workbook(
        io.BytesIO(data), read_only=True, data_only=False
    )  # only to see which are formulas
    grids = []
    for sheet in values.worksheets:
        present = {
            (row, col): cell.value
            for (row, col), cell in sheet._cells.items()  # only the cells the file holds
            if cell.value is not None
        }
        last_row, last_col = table_block(present, path.name, sheet.title, log)
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


# The cells an .ods holds, found without python-calamine, which builds every sheet as the dense
# rectangle up to its farthest cell and refuses an .ods sheet of more than 100 million ("Cell limit
# exceeded", read as a damaged file). This scan reads only what the file holds.
_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _xls_value(book, cell) -> object:
    """A cell's value as the intake reads every workbook: text (None for an empty one), a number
    (an integer when it is whole, as openpyxl gives it), a bool, a date (a datetime when it has a
    time of day, a time when it is one), the error's text ("#DIV/0!"); for a formula, the value
    Excel saved with it."""
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return int(cell.value) if float(cell.value).is_integer() else cell.value
    if cell.ctype == xlrd.XL_CELL_DATE:
        moment = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
        if cell.value < 1:
            return moment.time()
        return moment.date() if moment.time() == dt.time() else moment
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#错误")
    return cell.value or None


def _xls_percent(book, cell) -> bool:
    """A number shown as a percent: its cell format's number format (the XF's FORMAT record)."""
    number_format = book.format_map.get(book.xf_list[cell.xf_index].format_key)
    return number_format is not None and is_percent_format(number_format.format_str)


def _read_xls(path: Path, log: QaLog, data: bytes) -> list[Grid]:
    """An .xls (BIFF in an OLE2 file) read with xlrd: ``ragged_rows`` keeps each row only as long
    as its last cell, so one value at IV65536 costs one row of 256 cells, not the 16.7 million
    cells of the rectangle (python-calamine builds that: 1.1 GB, against 0.1 GB). ``formatting_info``
    also gives what calamine cannot see: merged ranges, hidden rows and columns, and the percent
    number format. A formula's value is the one Excel saved with it."""
    try:
        book = xlrd.open_workbook(
            file_contents=data, on_demand=True, ragged_rows=True, formatting_info=True
        )
    except Exception as error:  # xlrd's errors for a damaged file: XLRDError, CompDocError, …
        if "encrypted" in str(error).lower():
            raise IntakeError("文件设有打开密码（已加密）：请取消密码后重新报送") from error
        raise _damaged(path, error) from error
    grids = []
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        held = {
            (r + 1, c + 1): sheet.cell(r, c)
            for r in range(sheet.nrows)
            for c, kind in enumerate(sheet.row_types(r))
            if kind not in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
        }
        values = {key: _xls_value(book, cell) for key, cell in held.items()}
        last_row, last_col = table_block(values, path.name, sheet.name, log)
        inside = {k: c for k, c in held.items() if k[0] <= last_row and k[1] <= last_col}
        grids.append(
            Grid(
                sheet.name,
                [
                    tuple(values.get((r, c)) for c in range(1, last_col + 1))
                    for r in range(1, last_row + 1)
                ],
                hidden=sheet.visibility != 0,
                merged=tuple(
                    Merge(
                        f"{cell_name(r0 + 1, c0 + 1)}:{cell_name(r1, c1)}", r0 + 1, c0 + 1, r1, c1
                    )
                    for r0, r1, c0, c1 in sheet.merged_cells  # 0-based, ends exclusive
                ),
                percent=frozenset(
                    k
                    for k, cell in inside.items()
                    if cell.ctype == xlrd.XL_CELL_NUMBER and _xls_percent(book, cell)
                ),
                hidden_rows=frozenset(
                    r + 1 for r, info in sheet.rowinfo_map.items() if info.hidden
                ),
                hidden_columns=frozenset(
                    c + 1 for c, info in sheet.colinfo_map.items() if info.hidden
                ),
            )
        )
        book.unload_sheet(index)
    book.release_resources()
    return grids


def _ods_cells(path: Path) -> dict[str, dict[tuple[int, int], object]]:
    """1-based (row, column) of every cell with a value or text, counting the repeat attributes
    (a run of 16,383 empty cells is one element) instead of expanding them."""
    from xml.etree.ElementTree import iterparse

    held: dict[str, dict[tuple[int, int], object]] = {}
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
        cells: dict[tuple[int, int], object] = {}
        row = col = 0
        for event, element in iterparse(content, events=("start", "end")):
            tag = element.tag
            if event == "start" and tag == f"{_ODS_TABLE}table":
                cells, row = {}, 0
                held[element.get(f"{_ODS_TABLE}name", "")] = cells
            elif event == "start" and tag == f"{_ODS_TABLE}table-row":
                col = 0
            elif event == "end" and tag in (
                f"{_ODS_TABLE}table-cell",
                f"{_ODS_TABLE}covered-table-cell",
            ):
                repeat = int(element.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
                shown = element.get(f"{_ODS_OFFICE}value") or "".join(element.itertext()).strip()
                if shown or element.get(f"{_ODS_OFFICE}value-type"):
                    cells[(row + 1, col + 1)] = shown
                    if repeat > 1:  # the same content repeated: its last copy bounds the block
                        cells[(row + 1, col + repeat)] = shown
                col += repeat
                element.clear()
            elif event == "end" and tag == f"{_ODS_TABLE}table-row":
                repeat = int(element.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
                if repeat > 1:  # a row with content repeated: its last copy bounds the block
                    for (r, c), shown in [(k, v) for k, v in cells.items() if k[0] == row + 1]:
                        cells[(r + repeat - 1, c)] = shown
                row += repeat
                element.clear()
    return held


def _cut(parent, children: list, start: int, last: int, repeat_key: str) -> int:
    """Drop the ``children`` of ``parent`` that begin after 1-based index ``last`` (the table's
    end) and shorten a repeat that runs past it; return the index after the children."""
    for child in children:
        repeat = int(child.get(repeat_key, "1"))
        if start >= last:
            parent.remove(child)
        elif start + repeat > last:
            child.set(repeat_key, str(last - start))
        start += repeat
    return start


def _cut_rows(parent, start: int, blocks: tuple[int, int]) -> int:
    """The rows of a table (also inside row groups and header rows) cut to its block."""
    last_row, last_col = blocks
    for child in list(parent):
        if child.tag == f"{_ODS_TABLE}table-row":
            if start < last_row:
                _cut(child, list(child), 0, last_col, f"{_ODS_TABLE}number-columns-repeated")
            start = _cut(parent, [child], start, last_row, f"{_ODS_TABLE}number-rows-repeated")
        elif child.tag in (
            f"{_ODS_TABLE}{t}" for t in ("table-row-group", "table-header-rows", "table-rows")
        ):
            start = _cut_rows(child, start, blocks)
    return start


def _without_stray_cells(data: bytes, blocks: dict[str, tuple[int, int]]) -> bytes:
    """The .ods as calamine should read it: every row and cell beyond each table's block removed
    (the strays were named by :func:`table_block`)."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml")
        for _, (prefix, uri) in ElementTree.iterparse(io.BytesIO(content), events=("start-ns",)):
            ElementTree.register_namespace(prefix, uri)  # calamine reads the prefixes as written
        root = ElementTree.fromstring(content)
        for table in root.iter(f"{_ODS_TABLE}table"):
            _cut_rows(table, 0, blocks[table.get(f"{_ODS_TABLE}name", "")])
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as cut:
            for item in archive.infolist():
                part = archive.read(item)
                if item.filename == "content.xml":
                    part = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
                cut.writestr(item, part)
    return out.getvalue()


def _damaged(path: Path, error: object) -> IntakeError:
    return IntakeError(
        f"不是有效的 {path.suffix} 文件，或文件已损坏（{error}）：请在 Excel 中打开并另存为 .xlsx 后重新报送"
    )


def _read_ods(path: Path, log: QaLog, data: bytes) -> list[Grid]:
    """An .ods: its cells scanned first (:func:`_ods_cells`), then read by python-calamine from a
    copy cut to each sheet's table when a stray cell lies beyond it."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetVisibleEnum

    try:
        held = _ods_cells(path)
    except Exception as error:  # a damaged content.xml: say so in words, never read unbounded
        raise _damaged(path, error) from error
    blocks = {name: table_block(cells, path.name, name, log) for name, cells in held.items()}
    if any(
        max((r for r, _ in held[name]), default=0) > rows
        or max((c for _, c in held[name]), default=0) > cols
        for name, (rows, cols) in blocks.items()
    ):
        # a stray cell far from the table: calamine would build the whole rectangle up to it
        data = _without_stray_cells(data, blocks)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError as error:
        raise IntakeError("文件设有打开密码（已加密）：请取消密码后重新报送") from error
    except CalamineError as error:
        raise _damaged(path, error) from error
    grids = []
    for meta in book.sheets_metadata:
        sheet = book.get_sheet_by_name(meta.name)
        last_row, last_col = blocks[meta.name]
        rows = [
            tuple(None if c == "" else c for c in r[:last_col])
            for r in ([] if last_row == 0 else sheet.to_python(False, last_row))
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


def _zip_kind(data: bytes) -> str:
    """What a zip file holds, by its parts: "xlsb" (xl/workbook.bin), "ods" (content.xml),
    "xlsx" (anything else: openpyxl names what is missing), "" when it is no zip at all."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return ""
    if "xl/workbook.bin" in names:
        return "xlsb"
    return "ods" if "content.xml" in names else "xlsx"


def read_grids(path: Path, log: QaLog, is_header: object = lambda cell: False) -> list[Grid]:
    """Every sheet of a workbook, or the one table of a CSV. The content decides how a workbook
    is read (an .xls renamed .xlsx is still read); an encrypted workbook and an .xlsb are named
    as such."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, log, is_header)
    if suffix not in SUPPORTED_SUFFIXES:
        raise IntakeError(f"不支持的文件类型“{path.suffix}”（支持 {'、'.join(READABLE_SUFFIXES)}）")
    data = path.read_bytes()
    if data.startswith(_OLE) and _ENCRYPTED in data:
        raise IntakeError(
            "文件设有打开密码（已加密）：请在 Excel 中取消密码（文件→信息→保护工作簿）后重新报送"
        )
    if data.startswith(_OLE):
        return _read_xls(path, log, data)
    kind = _zip_kind(data) if data.startswith(_ZIP) else ""
    if kind == "xlsb" or suffix == ".xlsb":
        raise IntakeError(XLSB_REFUSED)
    if kind == "ods":
        return _read_ods(path, log, data)
    if kind == "xlsx" or (data.startswith(_ZIP) and suffix in OPENPYXL_SUFFIXES):
        try:
            return _read_openpyxl(path, log, data)
        except (zipfile.BadZipFile, KeyError, OSError) as error:
            raise IntakeError(
                f"文件已损坏，不是完整的 .xlsx（{error}），请重新保存后报送"
            ) from error
    raise _damaged(path, "内容既不是 .xlsx、.xls 也不是 .ods")
