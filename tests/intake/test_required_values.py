"""A required value of the assessed year is never lost quietly (issue 13 point 2, issue 18): a blank
完成数 is a FAIL naming file, sheet, row, column and cell, unless the county writes why in the cell."""

import shutil
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipeline import PROJECT_ROOT
from pipeline.__main__ import main
from pipeline.intake import submission_format
from pipeline.intake.ingest import read_year_folder
from pipeline.intake.validate import validate

YEAR = 2024
SAMPLE = PROJECT_ROOT / "data" / "raw" / str(YEAR) / submission_format.file_name(YEAR)


def _edited(tmp_path: Path, edits: dict[str, object]) -> Path:
    """A copy of the 2024 sample year folder with some cells of its sheet replaced."""
    folder = tmp_path / str(YEAR)
    folder.mkdir()
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    book = load_workbook(folder / SAMPLE.name)
    sheet = book[submission_format.SHEET_NAME]
    for merged in list(sheet.merged_cells.ranges):  # the header groups; edits may touch them
        sheet.unmerge_cells(str(merged))
    for cell, value in edits.items():
        sheet[cell] = value
    book.save(folder / SAMPLE.name)
    return folder


def test_the_sample_cell_f5_is_hanyin_transfer_done():
    sheet = load_workbook(SAMPLE)[submission_format.SHEET_NAME]
    assert sheet["B5"].value == "汉阴县"
    assert (
        sheet["E2"].value.startswith("引导农民就地就近转移就业") and sheet["F3"].value == "完成数"
    )


def test_blank_hanyin_transfer_done_fails_naming_file_sheet_row_column_and_cell(tmp_path, capsys):
    folder = _edited(tmp_path, {"F5": None})
    assert main(["validate", str(folder)]) == 1
    fails = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[FAIL]")]
    assert len(fails) == 1, fails
    line = fails[0]
    for words in (SAMPLE.name, "工作表 完成情况", "第5行", "列“F（", "F5", "汉阴县", "完成数"):
        assert words in line, (words, line)


@pytest.mark.parametrize("written", ["—", "无", "  "])
def test_a_dash_or_spaces_in_a_required_cell_fail_too(tmp_path, written):
    tidy, log = read_year_folder(_edited(tmp_path, {"F5": written}), YEAR, assessed=True)
    fails = [r for r in log.records if r.status == "FAIL"]
    assert len(fails) == 1 and fails[0].row == 5 and "F5" in fails[0].message


def test_the_same_blank_in_an_earlier_year_is_history_not_a_fail(tmp_path):
    _, log = read_year_folder(_edited(tmp_path, {"F5": None}), YEAR, assessed=False)
    assert not log.has_failures


def test_a_reason_written_in_the_cell_is_a_warn_and_the_row_carries_it(tmp_path, capsys):
    reason = "县统计系统升级，数据待12月补报"
    folder = _edited(tmp_path, {"F5": f"未报送：{reason}"})
    tidy, log = read_year_folder(folder, YEAR, assessed=True)
    log.extend(validate(tidy))
    assert not log.has_failures, log.format()
    row = tidy.query(
        "region_code == '610921' and indicator == 'rural_labour_local_transfer' and measure == 'actual'"
    )
    assert len(row) == 1 and np.isnan(row["value"].item())
    assert row["missing_reason"].item() == reason
    assert (tidy.drop(row.index)["missing_reason"] == "").all()
    assert tidy["missing_reason"].dtype == "str"
    warned = [r for r in log.records if r.rule == "空白单元格" and r.status == "WARN"]
    assert len(warned) == 1 and reason in warned[0].message and "F5" in warned[0].message
    # The 全市合计 check of that indicator says why it could not run; it is not silently skipped.
    total = [r for r in log.records if r.rule == "全市合计" and "农民就地就近转移就业" in r.message]
    assert len(total) == 1 and total[0].status == "WARN"
    assert "无法核对" in total[0].message and reason in total[0].message
    assert main(["validate", str(folder)]) == 0


def test_a_reason_in_the_rows_remarks_column_is_read_booked_and_shown_beside_the_deduction(
    tmp_path,
):
    from pipeline.annual.facts import annual_tasks
    from pipeline.annual.scoring import points_row
    from pipeline.config.assessment_rules import load_rules

    reason = "未报送：县统计系统升级，数据待12月补报"
    sheet = load_workbook(SAMPLE)[submission_format.SHEET_NAME]
    remarks = get_column_letter(sheet.max_column + 1)
    folder = _edited(tmp_path, {"F5": None, f"{remarks}2": "备注", f"{remarks}5": reason})
    tidy, log = read_year_folder(folder, YEAR, assessed=True)
    assert not log.has_failures, log.format()
    booked = tidy.query(
        "region_code == '610921' and indicator == 'rural_labour_local_transfer' and measure == 'actual'"
    )
    assert np.isnan(booked["value"].item()) and booked["missing_reason"].item() == reason
    warned = [r for r in log.records if r.rule == "空白单元格" and r.status == "WARN"]
    assert len(warned) == 1 and f"备注（单元格 {remarks}5）" in warned[0].message
    fact = (
        annual_tasks(tidy, YEAR)
        .query("region_code == '610921' and indicator == 'rural_labour_local_transfer'")
        .iloc[0]
    )
    assert not fact["reported"] and fact["missing_reason"] == reason
    _, deduction = points_row(fact, load_rules())
    assert f"未报送（原因：{reason}）" in deduction, deduction


def test_an_indicator_column_missing_from_the_assessed_year_fails(tmp_path):
    # Clear the 返乡创业（人才） header and its two sub-headers: the whole indicator is gone.
    folder = _edited(tmp_path, {"M2": None, "M3": None, "N3": None})
    _, log = read_year_folder(folder, YEAR, assessed=True)
    fails = [r for r in log.records if r.status == "FAIL" and r.rule == "必需列"]
    assert len(fails) == 1 and "返乡入乡创业就业（在外中高层管理" in fails[0].message


def test_a_stray_cell_at_the_last_cell_of_the_grid_is_named_and_reading_stays_bounded(tmp_path):
    """One value at XFD1048576 once made the intake walk the whole grid (2.3 GB after 120 s)."""
    folder = _edited(tmp_path, {"XFD1048576": "x"})
    tidy, log = read_year_folder(folder, YEAR, assessed=True)
    stray = [r for r in log.records if r.rule == "未读取单元格" and "XFD1048576" in r.message]
    assert len(stray) == 1 and stray[0].status == "WARN" and stray[0].sheet == "完成情况"
    assert not log.has_failures and len(tidy) > 100


def test_duplicate_year_folders_in_other_digits_are_named_not_read_as_a_second_2024(tmp_path):
    from pipeline.intake.ingest import read_raw_dir

    raw = tmp_path / "raw"
    raw.mkdir()
    _edited(raw, {})
    for name in ("２０２４", "02024"):
        shutil.copytree(raw / str(YEAR), raw / name)
    tidy, log = read_raw_dir(raw, YEAR)
    skipped = {
        r.file for r in log.records if r.rule == "跳过文件" and "不是年份文件夹" in r.message
    }
    assert skipped == {"２０２４", "02024"}
    assert not log.has_failures and set(tidy["year"]) == {YEAR}


def test_the_returnee_indicators_are_found_as_written_in_indicators_yaml():
    from pipeline.config.indicators import indicator, indicators
    from pipeline.intake.numbers import normalise

    for item in indicators():
        for written in (item.name, item.raw_header, item.short_name, item.id):
            assert indicator(written) == item and indicator(normalise(written)) == item
