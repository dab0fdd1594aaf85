"""The member departments' task lists: read under the intake's trust rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline import RAW_DIR
from pipeline.intake.departments import departments_folder, read_departments

YEAR = 2024


def test_the_shipped_sample_reads_without_failures():
    tasks, log = read_departments(RAW_DIR, YEAR)
    assert not log.has_failures
    assert len(tasks) == 16 and tasks["is_sample"].all()
    assert set(tasks["kind"]) == {"quantitative", "qualitative"}
    qualitative = tasks[tasks["kind"] == "qualitative"]
    assert set(qualitative["status"]) <= {"完成", "部分完成", "未完成"}


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    shutil.copytree(departments_folder(RAW_DIR, YEAR), departments_folder(tmp_path, YEAR))
    return tmp_path


def _edit(raw: Path, cells: dict[str, object], delete_row: int | None = None) -> None:
    path = next(departments_folder(raw, YEAR).glob("*.xlsx"))
    book = load_workbook(path)
    sheet = book["任务清单"]
    for name, value in cells.items():
        sheet[name] = value
    if delete_row:
        sheet.delete_rows(delete_row)
    book.save(path)


def _failures(raw: Path) -> list:
    _, log = read_departments(raw, YEAR)
    return [r for r in log.records if r.status == "FAIL"]


# Row 3 is 市人力资源和社会保障局 补贴性职业技能培训 (quantitative), row 4 its 零工市场建设 (qualitative).
@pytest.mark.parametrize(
    ("cells", "rule", "words", "column"),
    [
        ({"A3": "市体育局"}, "成员单位名称", "未知成员单位“市体育局”", "A"),
        ({"B3": "技能培训"}, "任务名称", "没有任务“技能培训”", "B"),
        ({"D3": "1,23,4"}, "数值格式", "补贴性职业技能培训", "D"),
        ({"D3": None}, "空白单元格", "完成数为空", "D"),
        ({"D3": -5}, "取值范围", "不能为负", "D"),
        ({"E4": "基本完成"}, "完成情况", "应为 完成、部分完成、未完成 之一", "E"),
        ({"D3": "=C3*1.1"}, "公式未计算", "公式没有保存计算结果", "D"),
    ],
)
def test_a_bad_cell_fails_naming_file_sheet_row_and_column(raw, cells, rule, words, column):
    _edit(raw, cells)
    mine = [f for f in _failures(raw) if f.rule == rule]
    assert mine and words in mine[0].message
    assert (mine[0].file, mine[0].sheet, mine[0].row, mine[0].column) == (
        f"departments-{YEAR}.xlsx", "任务清单", 3 if "3" in next(iter(cells)) else 4, column,
    )  # fmt: skip


def test_a_missing_or_repeated_task_fails(raw):
    _edit(raw, {}, delete_row=4)
    assert any(f.rule == "任务齐全" and "零工市场建设" in f.message for f in _failures(raw))
    _edit(raw, {"B4": "补贴性职业技能培训"})  # row 4 is now 创业担保贷款扶持创业
    assert any(f.rule == "数值唯一" and "填了2次" in f.message for f in _failures(raw))


def test_a_target_other_than_the_registrys_is_a_warn_and_the_registry_counts(raw):
    _edit(raw, {"C3": 25000})
    tasks, log = read_departments(raw, YEAR)
    (warn,) = [r for r in log.records if r.rule == "目标一致"]
    assert "按任务清单计分" in warn.message and warn.status == "WARN"
    assert tasks.loc[tasks["task_id"] == "skills_training", "target"].item() == 30000


def test_completed_without_evidence_is_a_warn(raw):
    _edit(raw, {"F4": None, "E4": "完成"})
    _, log = read_departments(raw, YEAR)
    assert any(r.rule == "佐证材料" and r.status == "WARN" and r.row == 4 for r in log.records)


def test_no_task_list_is_a_failure_that_says_where_it_belongs(tmp_path):
    _, log = read_departments(tmp_path, YEAR)
    assert log.has_failures and "departments/2024" in log.records[0].message
