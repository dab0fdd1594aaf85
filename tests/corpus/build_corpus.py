"""Build the intake test corpus: malformed or unusual county submissions, one file (or folder)
per case, each named for what it exercises. Every case states what the intake must produce:
the base values, or a QA record (rule, status, words in the message).

Run ``python tests/corpus/build_corpus.py tests/corpus/files`` to write them for inspection; the
tests build them afresh into a temporary folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import column_index_from_string
from openpyxl.workbook.workbook import Workbook as Book

YEAR = 2024
COUNTIES = [
    ("610902", "汉滨区", "汉滨"), ("610921", "汉阴县", "汉阴"), ("610922", "石泉县", "石泉"),
    ("610923", "宁陕县", "宁陕"), ("610924", "紫阳县", "紫阳"), ("610925", "岚皋县", "岚皋"),
    ("610926", "平利县", "平利"), ("610927", "镇坪县", "镇坪"), ("610981", "旬阳市", "旬阳"),
    ("610929", "白河县", "白河"),
]  # fmt: skip
# Base values: (indicator header, unit, id) and per county (task, actual); the city row sums counts.
URBAN = [(6800 - 40 * i, 6900 - 35 * i + 7 * i * i) for i in range(10)]
RATE = [(4.0, round(3.0 + 0.1 * i, 2)) for i in range(10)]
MEETINGS = [(2, 2 + i % 3) for i in range(10)]


def base_values() -> dict[tuple[str, str, str], float]:
    """(region code, indicator id, measure) → value in the registry unit."""
    values = {}
    for (code, _, _), urban, rate, meetings in zip(COUNTIES, URBAN, RATE, MEETINGS, strict=True):
        for indicator, (task, actual) in (
            ("urban_new_jobs", urban),
            ("registered_unemployment_rate", rate),
            ("exec_meetings_on_employment", meetings),
        ):
            values[(code, indicator, "task")] = float(task)
            values[(code, indicator, "actual")] = float(actual)
    values[("610900", "urban_new_jobs", "task")] = float(sum(t for t, _ in URBAN))
    values[("610900", "urban_new_jobs", "actual")] = float(sum(a for _, a in URBAN))
    values[("610900", "registered_unemployment_rate", "task")] = 4.0
    values[("610900", "registered_unemployment_rate", "actual")] = 3.4
    values[("610900", "exec_meetings_on_employment", "task")] = 2.0
    values[("610900", "exec_meetings_on_employment", "actual")] = 3.0
    return values


@dataclass
class Layout:
    """The bureau layout with knobs for every variant the corpus exercises."""

    header: str = "two"  # "two" rows, or "one" row with the measure in each header
    title: list[str] = field(default_factory=lambda: [f"安康市{YEAR}年就业工作目标任务完成情况表"])
    notes: list[str] = field(
        default_factory=lambda: ["注：本表为测试语料。", "填报单位：安康市人社局"]
    )
    region_header: str = "县（市、区）"
    sequence: bool = True
    labels: list[str] = field(default_factory=lambda: [name for _, name, _ in COUNTIES])
    city_label: str = "全市"
    urban_unit: str = "人"
    rate_unit: str = "%"
    headers: dict[str, str] = field(
        default_factory=lambda: {
            "urban": "城镇新增就业",
            "rate": "城镇登记失业率",
            "meetings": "政府常务会研究就业工作",
        }
    )
    # (kind: urban/rate/meetings, value, region code, measure: task/actual) → what the cell holds
    cell: Callable[[str, object, str, str], object] = lambda kind, value, code, measure: value
    spacer_row: bool = False
    spacer_column: bool = False
    extra_rows: list[list] = field(default_factory=list)
    drop_county: str | None = None

    def rows(self) -> list[list]:
        lead = ["序号"] if self.sequence else []
        blank = [None] if self.sequence else []
        spacer = [None] if self.spacer_column else []
        groups = [("urban", self.urban_unit), ("rate", self.rate_unit), ("meetings", "次")]
        if self.header == "two":
            top = [*lead, self.region_header, *spacer]
            sub = [*blank, None, *spacer]
            for kind, unit in groups:
                top += [f"{self.headers[kind]}（{unit}）", None]
                sub += ["目标任务", "完成数"]
            header = [top, sub]
        else:
            top = [*lead, self.region_header, *spacer]
            for kind, unit in groups:
                top += [
                    f"{self.headers[kind]}目标任务（{unit}）",
                    f"{self.headers[kind]}完成数（{unit}）",
                ]
            header = [top]
        factor = 10_000 if self.urban_unit == "万人" else 1
        body = []
        data = base_values()
        for position, ((code, _, _), label) in enumerate(zip(COUNTIES, self.labels, strict=True)):
            if code == self.drop_county:
                continue
            body.append(self._row(position + 1, label, code, data, factor, spacer))
            if self.spacer_row and position == 4:
                body.append([None] * len(header[0]))
        body.append(self._row(None, self.city_label, "610900", data, factor, spacer))
        body += self.extra_rows
        titles = [[t] for t in self.title]
        notes = [[n] for n in self.notes]
        return [*titles, *header, *body, *notes]

    def _row(self, sequence, label, code, data, factor, spacer) -> list:
        row = ([sequence] if self.sequence else []) + [label, *spacer]
        for kind, indicator in (
            ("urban", "urban_new_jobs"),
            ("rate", "registered_unemployment_rate"),
            ("meetings", "exec_meetings_on_employment"),
        ):
            for measure in ("task", "actual"):
                value = data[(code, indicator, measure)]
                value = value / factor if kind == "urban" else value
                value = int(value) if float(value).is_integer() else value
                row.append(self.cell(kind, value, code, measure))
        return row


def write(rows: list[list], path: Path, encoding: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".xls":
        book = Workbook()
        book.active.title = "完成情况"
        for row in rows:
            book.active.append(row)
        save_as_xls(book, path)
        return
    if path.suffix == ".xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "完成情况"
        for row in rows:
            sheet.append(row)
        book.save(path)
        return
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [["" if c is None else c for c in r] for r in rows]
    )
    text = buffer.getvalue()
    if encoding == "utf-8-sig":
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    else:
        path.write_bytes(text.encode(encoding or "utf-8"))


def long_rows(
    indicator_label: Callable[[str, str], str],
    regions: list[tuple[str, str, str]],
    unit_for: Callable[[str], str] = lambda i: {
        "urban_new_jobs": "人",
        "registered_unemployment_rate": "%",
        "exec_meetings_on_employment": "次",
    }[i],
) -> list[list]:
    data = base_values()
    rows = [["region", "year", "indicator", "value", "unit", "measure"]]
    for code, name, _ in regions:
        for indicator in (
            "urban_new_jobs",
            "registered_unemployment_rate",
            "exec_meetings_on_employment",
        ):
            for measure in ("task", "actual"):
                value = data[(code, indicator, measure)]
                unit = unit_for(indicator)
                value = value / 10_000 if unit == "万人" else value
                rows.append([name, YEAR, indicator_label(indicator, name), value, unit, measure])
    return rows


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], None]  # writes into the case's folder (<root>/<name>/<YEAR>/...)
    values: bool = True  # the tidy values must equal the base values (for the regions present)
    expect: tuple[tuple[str, str, str], ...] = ()  # (rule, status, words in the message)
    validate: bool = False  # run the post-intake checks too
    missing: tuple[
        tuple[str, str, str], ...
    ] = ()  # base values that must be absent (missing, not 0)
    loose: bool = False  # each file is read on its own, as if not in a year folder (year unknown)
    assessed: bool = False  # read as the year under assessment (every required 完成数 filled)
    departments: bool = False  # a member department's task list, not a county submission
    # (year, indicator, measure, value): what the county reported to the city, checked against
    # the table's top row as a county's run over its towns does (validate.check_against_county_figures)
    figures: tuple[tuple[int, str, str, float], ...] = ()


def _file(
    name: str, rows_or_layout, suffix: str = ".xlsx", encoding: str | None = None
) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        rows = rows_or_layout.rows() if isinstance(rows_or_layout, Layout) else rows_or_layout
        write(rows, folder / f"{name}{suffix}", encoding)

    return build


def _raw(name: str, data: bytes, suffix: str) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}{suffix}").write_bytes(data)

    return build


def _with(**changes) -> Layout:
    layout = Layout()
    for key, value in changes.items():
        setattr(layout, key, value)
    return layout


def _revision(folder: Path) -> None:
    write(Layout().rows(), folder / "submission.xlsx")
    revised = Layout(
        cell=lambda k, v, c, m: 7777 if (k, c, m) == ("urban", "610902", "actual") else v
    )
    write(revised.rows(), folder / "submission.r2.xlsx")


def _stray_far_cell(folder: Path) -> None:
    path = folder / "stray_cell_at_the_last_cell_of_the_grid.xlsx"
    write(Layout().rows(), path)
    from openpyxl import load_workbook

    book = load_workbook(path)
    book.active["XFD1048576"] = "x"
    book.save(path)


def save_as_xls(book: Book, path: Path) -> None:
    """``book`` as a legacy .xls (xlwt), keeping what "Excel 97-2003 工作簿" keeps and the intake
    looks at: values, number formats (percent, dates), merged ranges, hidden rows, columns and
    sheets. Only the cells the sheet holds are visited, so a far cell costs nothing."""
    import xlwt

    out = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, object] = {}
    for ws in book.worksheets:
        sheet = out.add_sheet(ws.title)
        merges = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
        for (row, col), cell in sorted(ws._cells.items()):
            if cell.value is None and (row, col) not in merges:
                continue
            fmt = cell.number_format
            style = styles.setdefault(fmt, xlwt.easyxf(num_format_str=fmt))
            # a formula is written without a saved value, as a program writes it (never computed)
            value = xlwt.Formula(cell.value[1:]) if cell.data_type == "f" else cell.value
            if (row, col) in merges:
                m = merges[(row, col)]
                sheet.write_merge(row - 1, m.max_row - 1, col - 1, m.max_col - 1, value, style)
            elif not any(m.min_row <= row <= m.max_row and m.min_col <= col <= m.max_col
                         for m in merges.values()):  # fmt: skip
                sheet.write(row - 1, col - 1, value, style)
        for index, dim in ws.row_dimensions.items():
            if dim.hidden:
                sheet.row(index - 1).hidden = True
        for letter, dim in ws.column_dimensions.items():
            first = dim.min or column_index_from_string(letter)  # min is set when a file is read
            for index in range(first, (dim.max or first) + 1) if dim.hidden else ():
                sheet.col(index - 1).hidden = True
        sheet.visibility = 0 if ws.sheet_state == "visible" else 1
    out.save(str(path))


def _formula_in_an_xls(name: str, saved: bool) -> Callable[[Path], None]:
    """汉滨区's 城镇新增就业 完成数 (D4) as a formula; ``saved``: with the value Excel saves beside it
    (written into the FORMULA record's result, as Excel does on saving; xlwt leaves it empty)."""

    def build(folder: Path) -> None:
        _xlsx(name, edit=lambda book: book.active.cell(4, 4, f"={book.active['D4'].value}*1"),
              suffix=".xls")(folder)  # fmt: skip
        if saved:
            path = folder / f"{name}.xls"
            data = bytearray(path.read_bytes())
            value = base_values()[("610902", "urban_new_jobs", "actual")]
            for start in (m.start() for m in re.finditer(re.escape(b"\x06\x00"), data)):
                if struct.unpack_from("<HH", data, start + 4) == (3, 3):  # 0-based D4
                    struct.pack_into("<d", data, start + 10, value)
            path.write_bytes(bytes(data))

    return build


def _far_cell(row: int, col: int) -> Callable[[Book], None]:
    def edit(book: Book) -> None:
        book.active.cell(row, col, "x")

    return edit


_XLSB_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.bin", "xl/worksheets/sheet1.bin")


def _xlsb(name: str, suffix: str) -> Callable[[Path], None]:
    """A zip with the parts of an Excel binary workbook (no tool here writes real BIFF12
    records; the intake refuses an .xlsb by its parts, before reading any record)."""

    def build(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(folder / f"{name}{suffix}", "w") as archive:
            for part in _XLSB_PARTS:
                archive.writestr(zipfile.ZipInfo(part, (2024, 1, 1, 0, 0, 0)), b"")

    return build


def _stray_far_cell_ods(folder: Path) -> None:
    """An .ods with one value at XFD1048576, written as LibreOffice does: repeated empty rows and
    cells (calamine alone would build the 17-billion-cell rectangle, and refuse it)."""
    _ods("stray_cell_at_the_last_cell_of_an_ods", Layout())(folder)
    path = folder / "stray_cell_at_the_last_cell_of_an_ods.ods"
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    far = (
        f'<table:table-row table:number-rows-repeated="{1048575 - len(Layout().rows())}">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
        '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
        "</table:table-row>"
    )
    parts["content.xml"] = parts["content.xml"].replace(
        b"</table:table>", far.encode() + b"</table:table>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), parts.pop("mimetype"))
        for name, data in parts.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)


def _glued(name: str, at: tuple[str, str], written: Callable, words: str) -> Case:
    """One 完成数 cell (indicator kind, region code) written with a mark glued to the number."""

    def cell(kind, value, code, measure):
        return written(value) if (kind, code, measure) == (*at, "actual") else value

    return Case(
        name, _file(name, _with(cell=cell)), values=False, expect=(("数值格式", "FAIL", words),)
    )


def _symlink_loop(folder: Path) -> None:
    write(Layout().rows(), folder / "submission.xlsx")
    (folder / "loop.xlsx").symlink_to("loop.xlsx")  # points at itself


def _remark(remark: str) -> Callable[[Path], None]:
    """汉滨区's 城镇新增就业 完成数 (D4) left blank, a 备注 column (I) saying ``remark`` in its row."""

    def edit(rows: list[list]) -> list[list]:
        hanbin = [*rows[3][:3], None, *rows[3][4:], remark]
        return [rows[0], [*rows[1], "备注"], [*rows[2], None], hanbin, *rows[4:]]

    return _layout_rows(edit)


def _symlink_loops(folder: Path) -> None:
    """A link to a folder and two files linked to each other. (A folder linked back to the year
    folder, ``again -> .``, is tested in tests/intake/test_ingest.py on a temporary folder: in
    the committed corpus pytest's collection would walk it for ever.)"""
    write(Layout().rows(), folder / "submission.xlsx")
    (folder / "archive").mkdir()
    (folder / "archive" / "说明.txt").write_text("上一年的报表\n", encoding="utf-8")
    (folder / "archive-link").symlink_to("archive")
    (folder / "a.xlsx").symlink_to("b.xlsx")  # two links pointing at each other
    (folder / "b.xlsx").symlink_to("a.xlsx")


def _department_list(
    cells: dict[str, object], delete_row: int | None = None
) -> Callable[[Path], None]:
    """The shipped sample's department task list (data/raw/departments/) with cells replaced.
    Rows 3–5 are 市人力资源和社会保障局's 补贴性职业技能培训, 零工市场建设 (qualitative, 完成) and
    创业担保贷款扶持创业."""

    def build(folder: Path) -> None:
        from openpyxl import load_workbook

        source = Path(__file__).parents[2] / "data" / "raw" / "departments" / str(YEAR)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"departments-{YEAR}.xlsx"
        book = load_workbook(source / name)
        sheet = book["任务清单"]
        for cell, value in cells.items():
            sheet[cell] = value
        if delete_row:
            sheet.delete_rows(delete_row)
        book.save(folder / name)

    return build


def _two_files(folder: Path) -> None:
    write(Layout().rows(), folder / "hanbin.xlsx")
    write(Layout().rows(), folder / "hanyin.xlsx")


DASHES = {"610902": "—", "610921": "-", "610922": "/", "610923": "无"}
ALL = [(c, n, a) for c, n, a in COUNTIES] + [("610900", "全市", "全市")]
CASES: list[Case] = [
    Case("canonical_two_row_header", _file("canonical_two_row_header", Layout())),
    Case("legacy_xls_workbook", _file("legacy_xls_workbook", Layout(), ".xls")),
    Case(
        "csv_utf8",
        _file("csv_utf8", Layout(), ".csv", "utf-8"),
        expect=(("文件编码", "PASS", "UTF-8"),),
    ),
    Case(
        "csv_utf8_with_bom",
        _file("csv_utf8_with_bom", Layout(), ".csv", "utf-8-sig"),
        expect=(("文件编码", "PASS", "UTF-8（带BOM）"),),
    ),
    Case(
        "csv_gb18030",
        _file("csv_gb18030", Layout(), ".csv", "gb18030"),
        expect=(("文件编码", "PASS", "GB18030"),),
    ),
    Case(
        "csv_gbk",
        _file("csv_gbk", Layout(), ".csv", "gbk"),
        expect=(("文件编码", "PASS", "GB18030"),),
    ),
    Case(
        "one_row_header_with_measure_words",
        _file("one_row_header_with_measure_words", _with(header="one")),
    ),
    Case("no_title_row", _file("no_title_row", _with(title=[]))),
    Case(
        "several_title_rows",
        _file(
            "several_title_rows",
            _with(
                title=[
                    f"安康市{YEAR}年就业工作目标任务完成情况表",
                    "填报单位：安康市人力资源和社会保障局",
                    "",
                ]
            ),
        ),
    ),
    Case(
        "note_rows_below_table",
        _file(
            "note_rows_below_table",
            _with(notes=["注：1.本表数据截至12月31日。", "备注：无", "制表人：张三"]),
        ),
        expect=(("说明行", "PASS", "本表数据截至"),),
    ),
    Case("total_row_labelled_heji", _file("total_row_labelled_heji", _with(city_label="合计"))),
    Case("blank_spacer_row", _file("blank_spacer_row", _with(spacer_row=True))),
    Case("blank_spacer_column", _file("blank_spacer_column", _with(spacer_column=True))),
    Case("no_sequence_column", _file("no_sequence_column", _with(sequence=False))),
    Case(
        "headers_with_spaces_and_line_breaks",
        _file(
            "headers_with_spaces_and_line_breaks",
            _with(
                region_header="县 （市、区）",
                headers={
                    "urban": "城镇新增\n就业 ",
                    "rate": "城镇登记 失业率",
                    "meetings": "政府常务会研究就业工作",
                },
            ),
        ),
    ),
    Case(
        "half_width_brackets_in_headers",
        _file("half_width_brackets_in_headers", _with(region_header="县(市、区)")),
    ),
    Case("region_header_says_diqu", _file("region_header_says_diqu", _with(region_header="地区"))),
    Case(
        "urban_jobs_in_wan_ren",
        _file("urban_jobs_in_wan_ren", _with(urban_unit="万人")),
        expect=(("单位换算", "PASS", "万人 → 人"),),
    ),
    Case(
        "thousands_separators",
        _file(
            "thousands_separators",
            _with(cell=lambda k, v, c, m: f"{v:,}" if k == "urban" else v),
            ".csv",
        ),
    ),
    Case(
        "full_width_digits",
        _file(
            "full_width_digits",
            _with(
                cell=lambda k, v, c, m: str(v).translate(
                    str.maketrans("0123456789.", "０１２３４５６７８９．")
                )
            ),
            ".csv",
        ),
    ),
    Case(
        "rates_with_percent_sign",
        _file(
            "rates_with_percent_sign", _with(cell=lambda k, v, c, m: f"{v}%" if k == "rate" else v)
        ),
    ),
    Case(
        "numbers_stored_as_text",
        _file("numbers_stored_as_text", _with(cell=lambda k, v, c, m: str(v))),
    ),
    Case(
        "dashes_and_wu_are_missing_not_zero",
        _file(
            "dashes_and_wu_are_missing_not_zero",
            _with(cell=lambda k, v, c, m: DASHES.get(c, v) if (k, m) == ("urban", "actual") else v),
        ),
        missing=tuple((c, "urban_new_jobs", "actual") for c in DASHES),
    ),
    Case(
        "region_names_without_suffix",
        _file("region_names_without_suffix", _with(labels=[a for _, _, a in COUNTIES])),
    ),
    Case(
        "old_name_xunyang_county",
        _file(
            "old_name_xunyang_county",
            _with(labels=[("旬阳县" if c == "610981" else n) for c, n, _ in COUNTIES]),
        ),
    ),
    Case(
        "region_codes_instead_of_names",
        _file("region_codes_instead_of_names", _with(labels=[c for c, _, _ in COUNTIES])),
    ),
    Case(
        "functional_zone_reports_separately",
        _file(
            "functional_zone_reports_separately",
            _with(extra_rows=[[None, "安康高新区", 100, 120, 4.0, 2.5, 2, 2]]),
        ),
        expect=(("功能区", "WARN", "安康高新区"),),
    ),
    Case(
        "unknown_region_name",
        _file(
            "unknown_region_name",
            _with(labels=["商州区" if c == "610921" else n for c, n, _ in COUNTIES]),
        ),
        values=False,
        expect=(("地区名称", "FAIL", "商州区"),),
    ),
    Case(
        "duplicate_county_row",
        _file(
            "duplicate_county_row",
            _with(labels=["汉滨区" if c == "610921" else n for c, n, _ in COUNTIES]),
        ),
        values=False,
        expect=(("地区唯一", "FAIL", "重复出现"),),
    ),
    Case(
        "title_year_differs_from_folder",
        _file(
            "title_year_differs_from_folder",
            _with(title=["安康市2023年就业工作目标任务完成情况表"]),
        ),
        values=False,
        expect=(("年份一致", "FAIL", "表题年份 2023"),),
    ),
    Case(
        "text_in_a_number_cell",
        _file(
            "text_in_a_number_cell",
            _with(
                cell=lambda k, v, c, m: (
                    "约七千" if (k, c, m) == ("urban", "610902", "actual") else v
                )
            ),
        ),
        values=False,
        expect=(("数值格式", "FAIL", "约七千"),),
    ),
    Case(
        "header_without_unit",
        _file(
            "header_without_unit",
            [["县（市、区）", "城镇新增就业"], [None, "完成数"], ["汉滨区", 6900]],
        ),
        values=False,
        expect=(("表头单位", "FAIL", "没有写明单位"),),
    ),
    Case(
        "rate_given_in_wan_ren",
        _file("rate_given_in_wan_ren", _with(rate_unit="万人")),
        values=False,
        expect=(("表头单位", "FAIL", "无法换算"),),
    ),
    Case(
        "unknown_indicator_column",
        _file(
            "unknown_indicator_column",
            [
                ["县（市、区）", "城镇新增就业（人）", None, "公益性岗位（人）"],
                [None, "目标任务", "完成数", "完成数"],
                *[[n, t, a, 5] for (c, n, _), (t, a) in zip(COUNTIES, URBAN, strict=True)],
            ],
        ),
        values=False,
        expect=(("表头指标", "WARN", "公益性岗位"),),
    ),
    Case(
        "empty_file",
        _raw("empty_file", b"", ".csv"),
        values=False,
        expect=(("文件可读", "FAIL", "空"),),
    ),
    Case(
        "not_really_a_workbook",
        _raw("not_really_a_workbook", b"PK\x03\x04 this is not a zip", ".xlsx"),
        values=False,
        expect=(("文件可读", "FAIL", "无法读取"),),
    ),
    Case(
        "utf16_csv_is_refused_with_reason",
        _raw(
            "utf16_csv_is_refused_with_reason",
            "县（市、区）,城镇新增就业（人）\n".encode("utf-16"),
            ".csv",
        ),
        values=False,
        expect=(("文件可读", "FAIL", "无法识别文件编码"),),
    ),
    Case(
        "long_format_with_ids",
        _file("long_format_with_ids", long_rows(lambda i, n: i, ALL), ".csv"),
    ),
    Case(
        "long_format_chinese_names_subset",
        _file(
            "long_format_chinese_names_subset",
            long_rows(
                lambda i, n: {
                    "urban_new_jobs": "城镇新增就业",
                    "registered_unemployment_rate": "城镇登记失业率",
                    "exec_meetings_on_employment": "政府常务会研究就业工作次数",
                }[i],
                ALL[:3],
            ),
            ".csv",
        ),
        validate=True,
        expect=(("县区齐全", "WARN", "缺少"),),
    ),
    Case(
        "long_format_in_wan_ren",
        _file(
            "long_format_in_wan_ren",
            long_rows(
                lambda i, n: i,
                ALL,
                lambda i: {
                    "urban_new_jobs": "万人",
                    "registered_unemployment_rate": "%",
                    "exec_meetings_on_employment": "次",
                }[i],
            ),
            ".csv",
        ),
        expect=(("单位换算", "PASS", "万人 → 人"),),
    ),
    Case(
        "long_format_unknown_indicator",
        _file(
            "long_format_unknown_indicator",
            [
                ["region", "year", "indicator", "value", "unit"],
                ["汉滨区", YEAR, "公益性岗位", 5, "人"],
            ],
            ".csv",
        ),
        values=False,
        expect=(("指标名称", "FAIL", "公益性岗位"),),
    ),
    Case(
        "resubmission_r2_supersedes",
        _revision,
        values=False,
        expect=(("修订版本", "PASS", "submission.r2.xlsx"), ("更正", "WARN", "6900 → 7777")),
    ),
    Case(
        "two_unrelated_files_same_year",
        _two_files,
        values=False,
        expect=(("地区唯一", "FAIL", "同时出现在 hanbin.xlsx 与 hanyin.xlsx"),),
    ),
    Case(
        "missing_county_row",
        _file("missing_county_row", _with(drop_county="610927")),
        values=False,
        validate=True,
        expect=(("县区齐全", "FAIL", "镇坪县"),),
    ),
    Case(
        "negative_count",
        _file(
            "negative_count",
            _with(cell=lambda k, v, c, m: -5 if (k, c, m) == ("urban", "610902", "actual") else v),
        ),
        values=False,
        validate=True,
        expect=(("取值范围", "FAIL", "-5"),),
    ),
    Case(
        "implausible_unemployment_rate",
        _file(
            "implausible_unemployment_rate",
            _with(cell=lambda k, v, c, m: 18.5 if (k, c, m) == ("rate", "610902", "actual") else v),
        ),
        values=False,
        validate=True,
        expect=(("合理区间", "WARN", "18.5"),),
    ),
    Case(
        "city_total_differs_from_counties",
        _file(
            "city_total_differs_from_counties",
            _with(
                cell=lambda k, v, c, m: v + 100 if (k, c, m) == ("urban", "610900", "actual") else v
            ),
        ),
        values=False,
        validate=True,
        expect=(("全市合计", "WARN", "差 100"),),
    ),
]


# ---------------------------------------------------------------- cases added for the intake issue
# Rows of the canonical layout: title 1, header 2–3, counties 4–13 (汉滨 4 … 白河 13), 全市 14,
# notes 15–16; columns A 序号, B 县（市、区）, C/D urban task/actual, E/F rate, G/H meetings.


def _xlsx(
    name: str,
    layout: Layout | None = None,
    edit: Callable[[Book], None] | None = None,
    suffix: str = ".xlsx",
) -> Callable[[Path], None]:
    """The layout in a workbook, edited (formats, merges, hidden parts); saved as .xlsx, or as
    .xls (``suffix``), where the same edit must give the same outcome."""

    def build(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        book = Workbook()
        sheet = book.active
        sheet.title = "完成情况"
        for row in (layout or Layout()).rows():
            sheet.append(row)
        if edit is not None:
            edit(book)
        if suffix == ".xls":
            save_as_xls(book, folder / f"{name}.xls")
        else:
            book.save(folder / f"{name}.xlsx")

    return build


def _set(kind: str, code: str, measure: str, new: object) -> Callable:
    return lambda k, v, c, m: new if (k, c, m) == (kind, code, measure) else v


def _hidden_duplicate_columns(book: Book) -> None:
    sheet = book.active
    sheet["I2"], sheet["I3"], sheet["J3"] = "城镇新增就业（人）", "目标任务", "完成数"
    for row in range(4, 15):
        sheet.cell(row, 9, sheet.cell(row, 3).value)
        sheet.cell(row, 10, sheet.cell(row, 4).value + 1)
    sheet.column_dimensions["I"].hidden = True
    sheet.column_dimensions["J"].hidden = True


def _percent_format(book: Book) -> None:
    sheet = book.active
    for row in range(4, 15):
        for col in (5, 6):
            cell = sheet.cell(row, col)
            cell.value = cell.value / 100
            cell.number_format = "0.00%"


def _literal_percent_format(book: Book) -> None:
    """Shows 3.29 as "3.29%" without scaling: the % is quoted text in the format."""
    sheet = book.active
    for row in range(4, 15):
        for col in (5, 6):
            sheet.cell(row, col).number_format = '0.00"%"'


def _formulas(book: Book) -> None:
    sheet = book.active
    sheet["D14"] = "=SUM(D4:D13)"  # openpyxl saves formulas without a computed value
    sheet["C4"] = "=6000+800"


def _merged(book: Book) -> None:
    book.active.merge_cells("G4:G5")  # both counties' meeting task is 2; the merge hides G5


def _protected(book: Book) -> None:
    book.active.protection.sheet = True
    book.active.protection.password = "1234"


def _hidden_row(book: Book) -> None:
    book.active.row_dimensions[6].hidden = True


def _second_sheet(title: str, rows: list[list] | None, hidden: bool) -> Callable[[Book], None]:
    def edit(book: Book) -> None:
        sheet = book.create_sheet(title)
        for row in rows or []:
            sheet.append(row)
        if hidden:
            sheet.sheet_state = "hidden"

    return edit


def _hidden_expected_sheet_beside_visible(book: Book) -> None:
    book.active.title = "Sheet1"
    wrong = Layout(cell=_set("urban", "610902", "actual", 9999)).rows()
    _second_sheet("完成情况", wrong, hidden=True)(book)


def _only_hidden_sheet(book: Book) -> None:
    book.active.sheet_state = "hidden"
    book.create_sheet("Sheet1", 0)
    book.active = 0


def _delimited(name: str, layout: Layout, delimiter: str) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(
            [["" if c is None else c for c in r] for r in layout.rows()]
        )
        (folder / f"{name}.csv").write_text(buffer.getvalue(), encoding="utf-8")

    return build


def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, int | float):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return (
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    )


def _ods(name: str, layout: Layout) -> Callable[[Path], None]:
    """A minimal OpenDocument spreadsheet, written by hand (no ODS writer is a dependency)."""

    def build(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        rows = "".join(
            "<table:table-row>" + "".join(_ods_cell(c) for c in row) + "</table:table-row>"
            for row in layout.rows()
        )
        content = (
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            f'<office:body><office:spreadsheet><table:table table:name="完成情况">{rows}'
            "</table:table></office:spreadsheet></office:body></office:document-content>"
        )
        manifest = (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>"
        )
        with zipfile.ZipFile(folder / f"{name}.ods", "w") as archive:
            archive.writestr(
                zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
            )
            archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
            archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)

    return build


# An Excel file with an open password is an OLE2 container holding an "EncryptedPackage" stream;
# this stand-in has just the markers the intake looks for (no encryption library is a dependency).
ENCRYPTED = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + bytes(504)
    + "EncryptedPackage".encode("utf-16-le")
    + bytes(64)
)


def _xls_named_xlsx(folder: Path) -> None:
    write(Layout().rows(), folder / "saved_as_xls.xls")
    (folder / "saved_as_xls.xls").rename(folder / "saved_as_xls.xlsx")


def _beside(extra: str, data: bytes) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        write(Layout().rows(), folder / "submission.xlsx")
        (folder / extra).write_bytes(data)

    return build


def _only(name: str, data: bytes) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)

    return build


def _hidden_name_only(folder: Path) -> None:
    write(Layout().rows(), folder / ".submission.xlsx")


def _one_region(rows: list[list], labels: set[str]) -> list[list]:
    """Title, header, the rows of ``labels`` and the notes of a canonical layout."""
    return rows[:3] + [r for r in rows[3:14] if r[1] in labels] + rows[14:]


PINYIN = {
    "610902": "hanbin", "610921": "hanyin", "610922": "shiquan", "610923": "ningshan",
    "610924": "ziyang", "610925": "langao", "610926": "pingli", "610927": "zhenping",
    "610981": "xunyang", "610929": "baihe", "610900": "quanshi",
}  # fmt: skip


def _county_files(folder: Path) -> None:
    rows = Layout().rows()
    for code, name, _ in ALL:
        write(_one_region(rows, {name}), folder / f"{PINYIN[code]}.xlsx")


def _county_files_region_twice(folder: Path) -> None:
    rows = Layout().rows()
    write(_one_region(rows, {"汉滨区"}), folder / "hanbin.xlsx")
    write(_one_region(rows, {"汉阴县", "汉滨区"}), folder / "hanyin.xlsx")


def _layout_rows(transform: Callable[[list[list]], list[list]]) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        write(transform(Layout().rows()), folder / "submission.xlsx")

    return build


def _long_plus(extra: list[list], rows: list[list] | None = None) -> list[list]:
    return (rows or long_rows(lambda i, n: i, ALL)) + extra


def _long_year(year: object) -> list[list]:
    rows = long_rows(lambda i, n: i, ALL)
    return [rows[0]] + [[*r[:1], year, *r[2:]] for r in rows[1:]]


HANBIN_URBAN_ACTUAL = ["汉滨区", YEAR, "urban_new_jobs", 6900, "人", "actual"]
SAMPLE_NOTE = "注：本表为样例数据（SAMPLE，非真实填报），仅用于测试。"
SPACES_ROW = [" ", "  ", " ", "\u3000", " ", " ", " ", " "]

CASES += [
    # A yearly task of 0 (within the indicator's valid range) would leave no 完成率 to compute.
    Case(
        "yearly_task_of_zero",
        _file(
            "yearly_task_of_zero",
            _with(cell=lambda k, v, c, m: 0 if (k, c, m) == ("urban", "610902", "task") else v),
        ),
        values=False,
        validate=True,
        expect=(("目标一致", "FAIL", "年度目标任务须大于0"),),
    ),  # fmt: skip
]
CASES += [
    # Duplicates: rows, columns, names, aliases and codes
    Case(
        "long_duplicate_with_conflicting_values",
        _file(
            "long_duplicate_with_conflicting_values",
            _long_plus([[*HANBIN_URBAN_ACTUAL[:3], 9999, "人", "actual"]]),
            ".csv",
        ),
        values=False,
        expect=(("数值唯一", "FAIL", "数值不同（6900 与 9999）"),),
    ),
    Case(
        "long_same_value_under_name_and_code",
        _file(
            "long_same_value_under_name_and_code",
            _long_plus([["610902", *HANBIN_URBAN_ACTUAL[1:]]]),
            ".csv",
        ),
        expect=(("数值唯一", "WARN", "数值相同（6900）"),),
    ),
    Case(
        "long_exact_repeated_line",
        _file("long_exact_repeated_line", _long_plus([HANBIN_URBAN_ACTUAL]), ".csv"),
        expect=(("数值唯一", "WARN", "已只保留一个"),),
    ),
    Case(
        "layout_exact_repeated_county_row",
        _layout_rows(lambda rows: rows[:5] + [rows[3]] + rows[5:]),
        expect=(("地区唯一", "WARN", "第4行与第6行"),),
    ),
    Case(
        "hidden_duplicate_column_pair",
        _xlsx("hidden_duplicate_column_pair", edit=_hidden_duplicate_columns),
        values=False,
        expect=(("列唯一", "FAIL", "与列 I（城镇新增就业(人)·目标任务，隐藏列）"),),
    ),
    Case(
        "county_named_by_a_neighbours_old_code",
        _file(
            "county_named_by_a_neighbours_old_code",
            _with(labels=["610928" if c == "610929" else n for c, n, _ in COUNTIES]),
        ),
        values=False,
        expect=(("地区唯一", "FAIL", "“旬阳市”重复出现（第12行与第13行）"),),
    ),
    Case(
        "city_row_twice_as_quanshi_and_heji_differing",
        _layout_rows(
            lambda rows: (
                rows[:14]
                + [[None, "合计", *[v + 1 if isinstance(v, int) else v for v in rows[13][2:]]]]
                + rows[14:]
            )
        ),
        values=False,
        expect=(("地区唯一", "FAIL", "“安康市”重复出现（第14行与第15行）"),),
    ),
    # Numbers by a strict grammar per indicator kind
    Case(
        "text_nan_in_a_count_cell",
        _file("text_nan_in_a_count_cell", _with(cell=_set("urban", "610902", "actual", "nan"))),
        values=False,
        expect=(("数值格式", "FAIL", "“nan”"),),
    ),
    Case(
        "text_inf_in_a_rate_cell",
        _file("text_inf_in_a_rate_cell", _with(cell=_set("rate", "610921", "actual", "inf"))),
        values=False,
        expect=(("数值格式", "FAIL", "“inf”"),),
    ),
    Case(
        "percent_sign_in_a_count_column",
        _file(
            "percent_sign_in_a_count_column", _with(cell=_set("urban", "610902", "actual", "7056%"))
        ),
        values=False,
        expect=(("数值格式", "FAIL", "% 只能用于比率指标"),),
    ),
    Case(
        "badly_grouped_thousands",
        _file("badly_grouped_thousands", _with(cell=_set("urban", "610902", "actual", "1,23,4"))),
        values=False,
        expect=(("数值格式", "FAIL", "每三位一组"),),
    ),
    Case(
        "wan_ren_in_one_cell_of_a_ren_column",
        _file(
            "wan_ren_in_one_cell_of_a_ren_column",
            _with(cell=_set("urban", "610902", "actual", "0.69万人")),
        ),
        values=False,
        expect=(("数值格式", "FAIL", "“万人”与本列单位“人”不同"),),
    ),
    Case(
        "trailing_ren_in_count_cells",
        _file(
            "trailing_ren_in_count_cells",
            _with(cell=lambda k, v, c, m: f"{v:,}人" if k == "urban" else v),
        ),
        expect=(("单元格单位", "WARN", "已去掉单位"),),
    ),
    Case(
        "full_width_digits_as_text_in_xlsx",
        _file(
            "full_width_digits_as_text_in_xlsx",
            _with(
                cell=lambda k, v, c, m: (
                    str(v).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
                    if k == "urban"
                    else v
                )
            ),
        ),
    ),
    Case(
        "date_in_a_number_cell",
        _file(
            "date_in_a_number_cell",
            _with(cell=_set("meetings", "610902", "actual", dt.datetime(2024, 3, 2))),
        ),
        values=False,
        expect=(("数值格式", "FAIL", "日期"),),
    ),
    Case(
        "rate_stored_as_fraction_with_percent_format",
        _xlsx("rate_stored_as_fraction_with_percent_format", edit=_percent_format),
        expect=(("百分比格式", "WARN", "显示为 3%，按 3 读取"),),
    ),
    Case(
        "rate_with_a_quoted_percent_sign_in_its_format",
        _xlsx("rate_with_a_quoted_percent_sign_in_its_format", edit=_literal_percent_format),
    ),
    # Years
    Case(
        "long_year_with_a_fraction",
        _file("long_year_with_a_fraction", _long_year(2024.7), ".xlsx"),
        values=False,
        expect=(("年份格式", "FAIL", "不是整数"),),
    ),
    Case(
        "long_blank_year",
        _file("long_blank_year", _long_year(None), ".xlsx"),
        values=False,
        expect=(("年份格式", "FAIL", "年份为空"),),
    ),
    Case(
        "long_future_year_outside_every_plan",
        _file("long_future_year_outside_every_plan", _long_year(2031), ".csv"),
        values=False,
        loose=True,
        expect=(("年份格式", "FAIL", "2031 不在 2000–2025 之间"),),
    ),
    # Sheets
    Case(
        "hidden_expected_sheet_beside_a_visible_one",
        _xlsx(
            "hidden_expected_sheet_beside_a_visible_one", edit=_hidden_expected_sheet_beside_visible
        ),
        values=False,
        expect=(("工作表选择", "FAIL", "隐藏的工作表“完成情况”（隐藏，有表头）也有报表"),),
    ),
    Case(
        "two_visible_sheets_with_tables",
        _xlsx(
            "two_visible_sheets_with_tables",
            edit=_second_sheet("完成情况(2)", Layout().rows(), False),
        ),
        values=False,
        expect=(("工作表选择", "FAIL", "有多个可见工作表都有报表"),),
    ),
    Case(
        "the_only_table_is_on_a_hidden_sheet",
        _xlsx("the_only_table_is_on_a_hidden_sheet", edit=_only_hidden_sheet),
        values=False,
        expect=(("工作表选择", "FAIL", "报表所在的工作表是隐藏的"),),
    ),
    Case(
        "instructions_sheet_beside_the_table",
        _xlsx(
            "instructions_sheet_beside_the_table",
            edit=_second_sheet("填报说明", [["请于1月10日前报送"]], False),
        ),
        expect=(("工作表选择", "WARN", "“填报说明”（可见，无表头）有内容，未读取"),),
    ),
    Case("protected_sheet", _xlsx("protected_sheet", edit=_protected)),
    Case(
        "hidden_county_row",
        _xlsx("hidden_county_row", edit=_hidden_row),
        expect=(("隐藏行列", "WARN", "被隐藏"),),
    ),
    # Formulas and merged cells
    Case(
        "formulas_saved_without_computed_values",
        _xlsx("formulas_saved_without_computed_values", edit=_formulas),
        values=False,
        expect=(
            ("公式未计算", "FAIL", "单元格 D14 是公式"),
            ("公式未计算", "FAIL", "单元格 C4 是公式"),
        ),
    ),
    Case(
        "merged_cells_in_the_data",
        _xlsx("merged_cells_in_the_data", edit=_merged),
        values=False,
        expect=(("合并单元格", "FAIL", "G4:G5"),),
    ),
    # Files and formats
    Case(
        "tab_separated_csv",
        _delimited("tab_separated_csv", Layout(), "\t"),
        expect=(("分隔符", "PASS", "制表符"),),
    ),
    Case(
        "semicolon_separated_csv_with_thousands_commas",
        _delimited(
            "semicolon_separated_csv_with_thousands_commas",
            _with(cell=lambda k, v, c, m: f"{v:,}" if k == "urban" else v),
            ";",
        ),
        expect=(("分隔符", "PASS", "分号"),),
    ),
    Case(
        "encrypted_workbook",
        _raw("encrypted_workbook", ENCRYPTED, ".xlsx"),
        values=False,
        expect=(("文件可读", "FAIL", "已加密"),),
    ),
    Case("ods_workbook", _ods("ods_workbook", Layout())),
    Case(
        "text_saved_with_an_ods_name",
        _raw("text_saved_with_an_ods_name", "县（市、区）,城镇新增就业（人）".encode(), ".ods"),
        values=False,
        expect=(("文件可读", "FAIL", "不是有效的 .ods 文件"),),
    ),
    Case("xls_saved_with_an_xlsx_name", _xls_named_xlsx),
    Case(
        "excel_lock_file_beside_the_submission",
        _beside("~$submission.xlsx", b"\x00" * 165),
        expect=(("跳过文件", "WARN", "锁定文件"),),
    ),
    Case(
        "scanned_pdf_beside_the_submission",
        _beside("盖章扫描件.pdf", b"%PDF-1.4"),
        expect=(("跳过文件", "WARN", "“.pdf”"),),
    ),
    Case(
        "the_only_submission_has_a_hidden_name",
        _hidden_name_only,
        values=False,
        expect=(("跳过文件", "WARN", "隐藏文件"), ("每年一个文件", "FAIL", "没有报表文件")),
    ),
    Case(
        "year_folder_with_only_a_text_file",
        _only("说明.txt", "报表稍后补报".encode()),
        values=False,
        expect=(("跳过文件", "WARN", "“.txt”"), ("每年一个文件", "FAIL", "没有报表文件")),
    ),
    Case(
        "zero_width_space_in_a_county_name",
        _file(
            "zero_width_space_in_a_county_name",
            _with(labels=[("汉阴\u200b县" if c == "610921" else n) for c, n, _ in COUNTIES]),
        ),
        expect=(("不可见字符", "WARN", "U+200B"),),
    ),
    Case(
        "zero_width_joiner_in_a_header",
        _file(
            "zero_width_joiner_in_a_header",
            _with(
                headers={
                    "urban": "城镇新增\u200d就业",
                    "rate": "城镇登记失业率",
                    "meetings": "政府常务会研究就业工作",
                }
            ),
        ),
        expect=(("不可见字符", "WARN", "U+200D"),),
    ),
    # Empty is not fine
    Case(
        "header_but_no_county_rows",
        _layout_rows(lambda rows: rows[:3] + rows[14:]),
        values=False,
        expect=(("有数据", "FAIL", "没有读取到任何数值"),),
    ),
    Case(
        "only_dashes_under_the_header",
        _file("only_dashes_under_the_header", _with(cell=lambda k, v, c, m: "—")),
        values=False,
        expect=(("有数据", "FAIL", "没有读取到任何数值"),),
    ),
    # One file per county
    Case(
        "one_file_per_county",
        _county_files,
        expect=(("每年一个文件", "PASS", "按每县一个文件读取"),),
    ),
    Case(
        "county_files_with_a_region_twice",
        _county_files_region_twice,
        values=False,
        expect=(("地区唯一", "FAIL", "“汉滨区”同时出现在 hanbin.xlsx 与 hanyin.xlsx 中"),),
    ),
    # What a clerk under deadline does
    Case("row_of_spaces_mid_table", _layout_rows(lambda rows: rows[:8] + [SPACES_ROW] + rows[8:])),
    Case(
        "heji_row_placed_mid_table",
        _layout_rows(
            lambda rows: rows[:8] + [[None, "合计", *rows[13][2:]]] + rows[8:13] + rows[14:]
        ),
    ),
    Case(
        "heji_written_in_the_sequence_column",
        _layout_rows(lambda rows: rows[:13] + [["合计", None, *rows[13][2:]]] + rows[14:]),
        values=False,
        expect=(("地区名称", "FAIL", "该行有数值但没有地区名称"),),
    ),
    Case(
        "sequence_numbers_on_an_empty_row",
        _layout_rows(lambda rows: rows[:14] + [[12, None]] + rows[14:]),
        expect=(("说明行", "WARN", "没有地区名称的行"),),
    ),
    Case(
        "remarks_column_without_unit",
        _layout_rows(
            lambda rows: [rows[0], rows[1] + ["备注"], rows[2], rows[3] + ["已核实"], *rows[4:]]
        ),
        expect=(("表头指标", "PASS", "“备注”列不是指标列"),),
    ),
    Case(
        "content_in_a_column_without_header",
        _layout_rows(lambda rows: rows[:3] + [rows[3] + ["见附件"]] + rows[4:]),
        expect=(("未读取单元格", "WARN", "单元格 I4 有内容“见附件”"),),
    ),
    # Issue 18: a header wording, footnote mark or space never changes or drops a value unnoticed.
    Case(
        "sub_header_says_shiji_wancheng_shu",
        _layout_rows(
            lambda rows: [
                *rows[:2],
                [c if c != "完成数" else "实际完成数" for c in rows[2]],
                *rows[3:],
            ]
        ),
    ),
    Case(
        "sub_header_says_bennian_wancheng_over_one_column",
        _layout_rows(lambda rows: [*rows[:2], [*rows[2][:3], "本年完成", *rows[2][4:]], *rows[3:]]),
    ),
    Case(
        "sub_header_word_unknown_fails",
        _layout_rows(lambda rows: [*rows[:2], [*rows[2][:3], "累计", *rows[2][4:]], *rows[3:]]),
        values=False,
        expect=(("表头", "FAIL", "子表头“累计”"),),
    ),
    Case(
        "indicator_header_with_one_word_more_fails",
        _file(
            "indicator_header_with_one_word_more_fails",
            _with(
                headers={
                    "urban": "城镇新增就业人数",
                    "rate": "城镇登记失业率",
                    "meetings": "政府常务会研究就业工作",
                }
            ),
        ),
        values=False,
        expect=(("表头指标", "FAIL", "含指标“城镇新增就业”"),),
    ),
    Case(
        "year_prefix_in_the_header",
        _file(
            "year_prefix_in_the_header",
            _with(
                headers={
                    "urban": f"{YEAR}年城镇新增就业",
                    "rate": "城镇登记失业率",
                    "meetings": "政府常务会研究就业工作",
                }
            ),
        ),
    ),
    Case(
        "year_prefix_of_another_year_fails",
        _file(
            "year_prefix_of_another_year_fails",
            _with(
                headers={
                    "urban": f"{YEAR - 1}年城镇新增就业",
                    "rate": "城镇登记失业率",
                    "meetings": "政府常务会研究就业工作",
                }
            ),
        ),
        values=False,
        expect=(("年份一致", "FAIL", f"写的是 {YEAR - 1} 年"),),
    ),
    _glued(
        "footnote_mark_glued_to_a_number",
        ("urban", "610902"),
        lambda v: f"{v}¹",
        "脚注或上标符号（¹）",
    ),
    _glued(
        "circled_number_after_meetings",
        ("meetings", "610921"),
        lambda v: f"{v}①",
        "脚注或上标符号（①）",
    ),
    _glued(
        "space_inside_a_number",
        ("urban", "610902"),
        lambda v: f"{str(v)[:1]} {str(v)[1:]}",
        "数字之间有空格",
    ),
    Case(
        "shibenji_row_is_not_the_city_total",
        _file("shibenji_row_is_not_the_city_total", _with(city_label="市本级")),
        values=False,
        expect=(("地区名称", "FAIL", "不是全市合计"),),
    ),
    Case(
        "stray_cell_at_the_last_cell_of_the_grid",
        _stray_far_cell,
        expect=(("未读取单元格", "WARN", "单元格 XFD1048576 有内容"),),
    ),
    Case(
        "stray_cell_far_away_in_an_xls",
        _xlsx("stray_cell_far_away_in_an_xls", edit=_far_cell(5000, 100), suffix=".xls"),  # CV5000
        expect=(("未读取单元格", "WARN", "单元格 CV5000 有内容“x”"),),
    ),
    Case(
        "stray_cell_at_the_last_cell_of_an_ods",
        _stray_far_cell_ods,
        expect=(("未读取单元格", "WARN", "单元格 XFD1048576 有内容“x”"),),
    ),
    Case(
        "note_says_not_sample_data",
        _file("note_says_not_sample_data", _with(notes=["注：本表不是样例数据，为正式报送。"])),
        expect=(("说明行", "PASS", "不是样例数据"),),
    ),
    Case(
        "header_below_row_30",
        _file(
            "header_below_row_30",
            _with(
                title=[f"安康市{YEAR}年就业工作目标任务完成情况表"]
                + [f"填报说明第{i}条" for i in range(34)]
            ),
        ),
    ),
    Case(
        "city_row_labelled_ankangshi_heji",
        _file("city_row_labelled_ankangshi_heji", _with(city_label="安康市合计")),
    ),
    Case(
        "symlink_loop_in_the_year_folder",
        _symlink_loop,
        expect=(("跳过文件", "WARN", "符号链接"),),
    ),
    Case(  # the 未报送 reason written in the row's 备注 column, not in the blank cell (issue 18)
        "blank_done_with_its_reason_in_the_remarks_column",
        _remark("未报送：县统计系统升级，数据待12月补报"),
        values=False,
        assessed=True,
        expect=(
            ("空白单元格", "WARN", "在备注（单元格 I4）中说明的原因：未报送：县统计系统升级"),
            ("表头指标", "PASS", "“备注”列不是指标列"),
        ),
    ),
    Case(  # a 备注 that does not say 未报送 excuses nothing
        "blank_done_with_an_unrelated_remark_fails",
        _remark("数据已核实"),
        values=False,
        assessed=True,
        expect=(("空白单元格", "FAIL", "汉滨区 城镇新增就业 完成数为空（单元格 D4）"),),
    ),
    Case(  # a 备注 naming another indicator does not excuse this one
        "blank_done_with_a_remark_naming_another_indicator_fails",
        _remark("政府常务会研究就业工作未报送：会议纪要待印发"),
        values=False,
        assessed=True,
        expect=(("空白单元格", "FAIL", "汉滨区 城镇新增就业 完成数为空（单元格 D4）"),),
    ),
    Case(
        "symlinks_to_a_folder_and_between_files_in_the_year_folder",
        _symlink_loops,
        expect=(
            ("跳过文件", "WARN", "符号链接指向文件夹（archive），不读取"),
            ("跳过文件", "WARN", "子文件夹不读取"),
            ("跳过文件", "WARN", "指回自身（循环）"),
        ),
    ),
    Case(
        "fraction_of_a_meeting",
        _file(
            "fraction_of_a_meeting",
            _with(
                cell=lambda k, v, c, m: 2.5 if (k, c, m) == ("meetings", "610902", "actual") else v
            ),
        ),
        values=False,
        validate=True,
        expect=(("整数", "FAIL", "汉滨区 政府常务会研究就业工作次数 = 2.5次，应为整数"),),
    ),
    Case(  # seven years in one long-format file, 2024 five times the others
        "value_far_from_the_regions_history",
        _file(
            "value_far_from_the_regions_history",
            [["region", "year", "indicator", "value", "unit", "measure"]]
            + [
                ["汉滨区", year, "urban_new_jobs", value, "人", "actual"]
                for year, value in zip(
                    range(2018, 2025), (6000, 6100, 6050, 6200, 6150, 6100, 30000), strict=True
                )
            ],
            ".csv",
        ),
        values=False,
        validate=True,
        loose=True,
        expect=(("历史异常值", "WARN", "汉滨区 2024年 城镇新增就业 = 30000"),),
    ),
    Case(
        "department_list_with_unknown_names_and_status",
        _department_list({"A3": "市体育局", "B5": "技能培训", "E4": "基本完成"}),
        values=False,
        departments=True,
        expect=(
            ("成员单位名称", "FAIL", "未知成员单位“市体育局”"),
            ("任务名称", "FAIL", "没有任务“技能培训”"),
            ("完成情况", "FAIL", "应为 完成、部分完成、未完成 之一"),
        ),
    ),
    Case(
        "department_list_missing_a_task_and_evidence",
        _department_list({"F4": None}, delete_row=5),
        values=False,
        departments=True,
        expect=(("任务齐全", "FAIL", "创业担保贷款扶持创业"), ("佐证材料", "WARN", "")),
    ),
    Case(  # as a county's run over its towns: its top row against what it reported upward
        "top_row_differs_from_the_figures_reported_upward",
        _file("top_row_differs_from_the_figures_reported_upward", Layout()),
        values=False,
        figures=(
            (YEAR, "urban_new_jobs", "actual", sum(a for _, a in URBAN) - 100.0),
            (YEAR, "urban_new_jobs", "task", float(sum(t for t, _ in URBAN))),
        ),
        expect=(("与报市数一致", "WARN", "差 100"), ("与报市数一致", "PASS", "有 1 个数")),
    ),
    Case(
        "units_written_in_the_sub_header",
        _layout_rows(
            lambda rows: [
                rows[0],
                [*rows[1][:2], *(c if c is None else c.split("（")[0] for c in rows[1][2:])],
                [
                    None if c is None else f"{c}（{unit}）"
                    for c, unit in zip(
                        rows[2], [None, None, "人", "人", "%", "%", "次", "次"], strict=True
                    )
                ],
                *rows[3:],
            ]
        ),
    ),
    Case(
        "sample_note_row",
        _file("sample_note_row", _with(notes=[SAMPLE_NOTE])),
        expect=(("说明行", "PASS", "样例数据"),),
    ),
    Case(  # last year's file in this year's folder, its title naming no year
        "file_name_names_another_year",
        _file(f"ankang-employment-{YEAR - 1}", _with(title=["安康市就业工作目标任务完成情况表"])),
        values=False,
        expect=(("年份一致", "FAIL", f"文件名写的是 {YEAR - 1} 年，所在文件夹是 {YEAR} 年"),),
    ),
    Case(
        "file_name_names_the_folder_year",
        _file(f"ankang-employment-{YEAR}.r2", _with(title=["安康市就业工作目标任务完成情况表"])),
        expect=(("年份一致", "PASS", f"文件名年份 {YEAR}"),),
    ),
]


# The same edits saved as .xls (read with xlrd, by the cells present) give the same outcome; a
# stray cell at the last cell of an .xls; .xlsb refused (issue 18)
XLS_TWINS = {
    "rate_stored_as_fraction_with_percent_format": _percent_format,
    "hidden_county_row": _hidden_row,
    "hidden_duplicate_column_pair": _hidden_duplicate_columns,
    "merged_cells_in_the_data": _merged,
    "hidden_expected_sheet_beside_a_visible_one": _hidden_expected_sheet_beside_visible,
}
CASES += [
    replace(
        case,
        name=f"xls_{case.name}",
        build=_xlsx(f"xls_{case.name}", edit=XLS_TWINS[case.name], suffix=".xls"),
    )
    for case in CASES
    if case.name in XLS_TWINS
]
CASES += [
    Case(
        "stray_cell_at_the_last_cell_of_an_xls",
        _xlsx(
            "stray_cell_at_the_last_cell_of_an_xls", edit=_far_cell(65536, 256), suffix=".xls"
        ),  # IV65536
        expect=(("未读取单元格", "WARN", "单元格 IV65536 有内容“x”"),),
    ),
    Case(
        "xls_formula_with_its_saved_value",
        _formula_in_an_xls("xls_formula_with_its_saved_value", saved=True),
    ),
    Case(  # xlrd cannot tell a formula from a value: never computed, it reads as blank, never 0
        "xls_formula_saved_without_its_value",
        _formula_in_an_xls("xls_formula_saved_without_its_value", saved=False),
        missing=(("610902", "urban_new_jobs", "actual"),),
    ),
    Case(
        "xls_date_in_a_number_cell",
        _file(
            "xls_date_in_a_number_cell",
            _with(cell=_set("meetings", "610902", "actual", dt.datetime(2024, 3, 2))),
            ".xls",
        ),
        values=False,
        expect=(("数值格式", "FAIL", "日期"),),
    ),
    Case(
        "xls_numbers_stored_as_text",
        _file("xls_numbers_stored_as_text", _with(cell=lambda k, v, c, m: str(v)), ".xls"),
    ),
    Case(
        "xlsb_workbook_is_refused",
        _xlsb("xlsb_workbook_is_refused", ".xlsb"),
        values=False,
        expect=(("文件可读", "FAIL", "另存为”选择“Excel 工作簿（*.xlsx）”"),),
    ),
    Case(
        "xlsb_saved_with_an_xlsx_name",
        _xlsb("xlsb_saved_with_an_xlsx_name", ".xlsx"),
        values=False,
        expect=(("文件可读", "FAIL", "Excel 二进制工作簿（.xlsb）"),),
    ),
]


def read_case(case: Case, folder: Path):
    """What the intake makes of one case's folder: the tidy table and the QA log, read as the
    case says (a year folder, loose files, department lists; then the post-intake checks)."""
    import pandas as pd

    from pipeline.intake.departments import read_department_folder
    from pipeline.intake.ingest import read_submission, read_year_folder
    from pipeline.intake.qa import QaLog
    from pipeline.intake.tidy import concat
    from pipeline.intake.validate import FIGURE_COLUMNS, check_against_county_figures, validate

    if case.departments:
        return read_department_folder(folder)
    if case.loose:
        log, frames = QaLog(), []
        for path in sorted(folder.iterdir()):
            tidy, file_log = read_submission(path, None)
            frames.append(tidy)
            log.extend(file_log)
        tidy = concat(frames)
    else:
        tidy, log = read_year_folder(folder, YEAR, case.assessed)
    if case.validate and not tidy.empty:
        log.extend(validate(tidy))
    if case.figures:
        figures = pd.DataFrame(
            [(*f, "报市报表.xlsx", 14, "D") for f in case.figures],
            columns=list(FIGURE_COLUMNS),
        )
        check_against_county_figures(tidy, figures, log)
    return tidy, log


def build_all(root: Path) -> None:
    for case in CASES:
        case.build(root / case.name / str(YEAR))


def read_all(root: Path) -> dict:
    """Every case built under ``root`` (:func:`build_all`), read: case name → (tidy, QA log)."""
    return {case.name: read_case(case, root / case.name / str(YEAR)) for case in CASES}


def read_corpus(root: Path) -> dict:
    """Every case built under ``root`` and read (:func:`read_all`)."""
    build_all(root)
    return read_all(root)


if __name__ == "__main__":
    build_all(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/corpus/files"))
    print(f"{len(CASES)} cases")
