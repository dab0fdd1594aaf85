from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline import RAW_DIR
from pipeline.intake import submission_format
from pipeline.intake.ingest import (
    TIDY_COLUMNS,
    parse_number,
    read_raw_dir,
    read_submission,
    read_year_folder,
)
from pipeline.intake.numbers import NumberError, parse_cell, parse_year
from pipeline.intake.spreadsheet import is_percent_format


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        (12345, "人", 12345.0),
        ("12,345", "人", 12345.0),
        ("１２，３４５", "人", 12345.0),
        ("3.2%", "%", 3.2),
        (" 3.2 ", "%", 3.2),
        ("-5", "人", -5.0),
        (None, "人", None),
        ("", "人", None),
        ("   ", "人", None),
        ("—", "人", None),
        ("-", "人", None),
        ("/", "人", None),
        ("无", "人", None),
    ],
)
def test_parse_number(raw, unit, expected):
    assert parse_number(raw, unit) == expected


@pytest.mark.parametrize(
    ("raw", "unit", "words"),
    [
        ("十二", "人", "无法识别"),
        ("abc", "人", "无法识别"),
        (True, "人", "逻辑值"),
        ("nan", "人", "无法识别"),
        ("NaN", "%", "无法识别"),
        ("inf", "人", "无法识别"),
        (float("nan"), "人", "有限"),
        (float("inf"), "%", "有限"),
        ("7056%", "人", "% 只能用于比率指标"),
        ("1,23,4", "人", "每三位一组"),
        ("12,34", "人", "每三位一组"),
        ("1e5", "人", "无法识别"),
        ("0.7万人", "人", "与本列单位“人”不同"),
        ("3.2", None, None),
    ],
)
def test_parse_number_rejects_what_the_grammar_does_not_allow(raw, unit, words):
    if words is None:  # control: the same call accepts a plain number
        assert parse_number(raw, unit) == 3.2
        return
    with pytest.raises(NumberError) as error:
        parse_number(raw, unit)
    assert words in str(error.value)


def test_a_trailing_unit_of_the_column_is_removed_and_said():
    parsed = parse_cell("7,056人", "人")
    assert parsed.value == 7056.0 and "去掉单位" in parsed.note


def test_excel_percent_format_is_read_as_the_percentage_shown():
    parsed = parse_cell(0.0329, "%", percent_format=True)
    assert parsed.value == pytest.approx(3.29) and "显示为 3.29%" in parsed.note
    with pytest.raises(NumberError, match="百分比格式"):
        parse_cell(0.0329, "人", percent_format=True)


@pytest.mark.parametrize(
    ("raw", "expected"), [(2024, 2024), (2024.0, 2024), ("2024", 2024), ("２０２４", 2024)]
)
def test_parse_year_accepts_whole_years(raw, expected):
    assert parse_year(raw, 2025) == expected


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (2024.7, "不是整数"),
        (None, "为空"),
        ("", "为空"),
        (2031, "不在"),
        (1999, "不在"),
        ("24", "四位"),
    ],
)
def test_parse_year_refuses_fractions_blanks_and_years_outside_the_plans(raw, words):
    with pytest.raises(NumberError, match=words):
        parse_year(raw, 2025)


def _sheet_cell(year: int, region_label: str, header_prefix: str, measure: str):
    """Read a cell straight from the workbook, independently of the intake code."""
    sheet = load_workbook(RAW_DIR / str(year) / submission_format.file_name(year))[
        submission_format.SHEET_NAME
    ]
    rows = list(sheet.iter_rows(values_only=True))
    column = next(i for i, v in enumerate(rows[1]) if v and str(v).startswith(header_prefix))
    column += 0 if measure == submission_format.TASK_LABEL else 1
    row = next(r for r in rows if r[1] == region_label)
    return row[column]


def test_values_equal_the_cells_of_the_submission(sample_intake):
    tidy, _ = sample_intake
    value = tidy.query(
        "year == 2024 and region_code == '610902' and indicator == 'urban_new_jobs' and measure == 'actual'"
    )["value"]
    assert value.tolist() == [_sheet_cell(2024, "汉滨区", "城镇新增就业", "完成数")]
    assert list(tidy.columns) == TIDY_COLUMNS


def test_wan_ren_is_converted_to_persons_and_the_conversion_is_logged(sample_intake):
    tidy, log = sample_intake
    in_wan = _sheet_cell(2023, "石泉县", "引导农民就地就近转移就业", "完成数")
    value = tidy.query(
        "year == 2023 and region_code == '610922' and indicator == 'rural_labour_local_transfer' and measure == 'actual'"
    )["value"].item()
    assert value == pytest.approx(in_wan * 10_000)
    assert any(r.rule == "单位换算" and "万人 → 人" in r.message for r in log.records)


def test_blank_cells_are_missing_not_zero(sample_intake):
    tidy, log = sample_intake
    assert _sheet_cell(2022, "镇坪县", "城镇登记失业率", "完成数") is None
    selected = tidy.query(
        "year == 2022 and region_code == '610927' and indicator == 'registered_unemployment_rate' and measure == 'actual'"
    )
    assert selected.empty
    assert any(
        r.rule == "空白单元格" and "2022年 镇坪县 城镇登记失业率" in r.message for r in log.records
    )


def test_every_value_names_its_source_cell(sample_intake):
    tidy, _ = sample_intake
    assert tidy[["source_file", "source_sheet", "source_row", "source_column"]].notna().all().all()


def test_file_in_the_wrong_year_folder_fails_with_file_and_years(raw_copy: Path):
    source = raw_copy / "2024" / submission_format.file_name(2024)
    _, log = read_submission(source, 2023)
    failures = [r for r in log.records if r.status == "FAIL"]
    # both the file name and the title say 2024
    assert [(r.rule, r.file) for r in failures] == [("年份一致", source.name)] * 2
    assert all("2024" in r.message and "2023" in r.message for r in failures)
    assert failures[0].message.startswith("文件名写的是 2024 年")


def test_unknown_region_row_is_a_fail_naming_the_row(raw_copy: Path):
    path = raw_copy / "2024" / submission_format.file_name(2024)
    book = load_workbook(path)
    sheet = book[submission_format.SHEET_NAME]
    sheet.cell(6, 2, "商州区")
    book.save(path)
    _, log = read_submission(path, 2024)
    failure = next(r for r in log.records if r.status == "FAIL")
    assert (failure.rule, failure.row, failure.sheet) == (
        "地区名称",
        6,
        submission_format.SHEET_NAME,
    )
    assert "商州区" in failure.message and "汉阴县" in failure.message


def test_text_in_a_number_cell_is_a_fail_naming_the_cell(raw_copy: Path):
    path = raw_copy / "2024" / submission_format.file_name(2024)
    book = load_workbook(path)
    book[submission_format.SHEET_NAME].cell(5, 4, "约一万")
    book.save(path)
    _, log = read_submission(path, 2024)
    failure = next(r for r in log.records if r.status == "FAIL")
    assert failure.rule == "数值格式" and failure.row == 5 and failure.column.startswith("D（")
    assert "约一万" in failure.message


def test_unreadable_file_is_a_fail_not_a_crash(tmp_path: Path):
    broken = tmp_path / "2024" / "broken.xlsx"
    broken.parent.mkdir()
    broken.write_bytes(b"not a workbook")
    tidy, log = read_submission(broken, 2024)
    assert tidy.empty
    assert [(r.rule, r.status) for r in log.records] == [("文件可读", "FAIL")]


def test_two_files_for_one_year_fail_and_name_both(raw_copy: Path):
    (raw_copy / "2024" / "second.xlsx").write_bytes(
        (raw_copy / "2024" / submission_format.file_name(2024)).read_bytes()
    )
    _, log = read_raw_dir(raw_copy, 2024)
    failures = [r for r in log.records if r.status == "FAIL"]
    assert {r.rule for r in failures} == {"地区唯一"} and len(failures) == 11
    assert all(submission_format.file_name(2024) in r.message for r in failures)
    assert all("second.xlsx" in r.message for r in failures)


def test_a_year_folder_outside_every_plan_is_a_fail_not_a_submission(raw_copy: Path):
    future = raw_copy / "2031"
    future.mkdir()
    (future / "x.xlsx").write_bytes(
        (raw_copy / "2024" / submission_format.file_name(2024)).read_bytes()
    )
    tidy, log = read_year_folder(future, 2031)
    assert tidy.empty
    assert [(r.rule, r.status, r.file) for r in log.records] == [("年份格式", "FAIL", "2031")]
    assert "2000–2025" in log.records[0].message


@pytest.mark.parametrize(
    ("number_format", "percent"),
    [("0.00%", True), ("0%", True), ('0.00"%"', False), ("0.00\\%", False), ("General", False)],
)
def test_only_a_real_percent_format_scales_the_stored_value(number_format, percent):
    assert is_percent_format(number_format) is percent


def test_a_folder_that_is_not_a_year_and_a_stray_workbook_are_named(raw_copy: Path):
    (raw_copy / "2025年").mkdir()
    (raw_copy / "汉滨区2025.xlsx").write_bytes(b"")
    _, log = read_raw_dir(raw_copy, 2024)
    skipped = [(r.file, r.status) for r in log.records if r.rule == "跳过文件"]
    assert skipped == [("2025年", "WARN"), ("汉滨区2025.xlsx", "WARN")]


def test_symlink_loops_in_the_raw_folder_are_named_and_nothing_hangs(tmp_path):
    """A year folder linked to itself, a folder inside the year pointing back up, two files
    pointing at each other: each a WARN naming it; reading and the run's input hash finish."""
    from pipeline.runner.fingerprint import tree_sha

    raw = tmp_path / "raw"
    year = raw / "2024"
    year.mkdir(parents=True)
    (year / "again").symlink_to(".")
    (year / "up").symlink_to("..")
    (year / "a.xlsx").symlink_to("b.xlsx")
    (year / "b.xlsx").symlink_to("a.xlsx")
    (raw / "2023").symlink_to("2023")
    _, log = read_raw_dir(raw, 2024)
    skipped = {r.file: r.message for r in log.records if r.rule == "跳过文件"}
    assert set(skipped) == {"again", "up", "a.xlsx", "b.xlsx", "2023"}
    assert all(r.status == "WARN" for r in log.records if r.rule == "跳过文件")
    assert "循环" in skipped["2023"] and "符号链接指向文件夹" in skipped["up"]
    assert len(tree_sha([raw])) == 64


def test_the_ods_scan_counts_repeated_rows_and_cells_without_expanding_them(tmp_path):
    """LibreOffice writes runs of empty (or equal) cells and rows as one element with a repeat
    count; the scan reads the positions from the counts (the last copy of a repeated row with
    content bounds the table) and never expands the million empty rows."""
    import zipfile

    from pipeline.intake.spreadsheet import _ods_cells

    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    content = (
        f'<office:document-content xmlns:office="{office}" xmlns:table="{table}" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        '<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string">'
        "<text:p>a</text:p></table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="3"><table:table-cell '
        'table:number-columns-repeated="2"/><table:table-cell office:value-type="float" '
        'office:value="5"/></table:table-row><table:table-row table:number-rows-repeated="1048570">'
        "<table:table-cell/></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    path = tmp_path / "repeats.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", content)
    assert _ods_cells(path) == {"S": {(1, 1): "a", (2, 3): "5", (4, 3): "5"}}
