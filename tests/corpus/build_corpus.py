"""Build the intake test corpus: malformed or unusual county submissions, one file (or folder)
per case, each named for what it exercises. Every case states what the intake must produce:
the base values, or a QA record (rule, status, words in the message).

Run ``python tests/corpus/build_corpus.py tests/corpus/files`` to write them for inspection; the
tests build them afresh into a temporary folder.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

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
        import xlwt

        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("完成情况")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        book.save(str(path))
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


def build_all(root: Path) -> None:
    for case in CASES:
        case.build(root / case.name / str(YEAR))


if __name__ == "__main__":
    build_all(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/corpus/files"))
    print(f"{len(CASES)} cases")
