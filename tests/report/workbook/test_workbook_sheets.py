"""The content of the officials' workbook (pipeline/report/workbook/sheets.py), by worked
examples; every sheet of the published workbook is checked in tests/report/test_report_content.py."""

from __future__ import annotations

from pipeline.annual.scoring import Suggestion
from pipeline.report.workbook.sheets import _suggestion_frame, value_format, workbook_name
from pipeline.report.workbook.writer import INTEGER


def test_file_names_and_number_formats():
    assert workbook_name(2024) == "assessment-2024.xlsx"
    assert value_format("%") == '0.00;"−"0.00' and value_format("人") == INTEGER


def test_a_suggestion_sheet_lists_each_reason_then_the_history():
    items = [
        Suggestion("610923", "宁陕县", ("等次为不达标", "两项任务未完成"), ("2022年未达标",)),
        Suggestion("610981", "旬阳市", ("等次为不达标",)),
    ]
    frame = _suggestion_frame(items)
    assert frame.values.tolist() == [
        ["宁陕县", "等次为不达标"],
        ["宁陕县", "两项任务未完成"],
        ["旬阳市", "等次为不达标"],
        ["宁陕县", "历史情况：2022年未达标"],
    ]
    assert list(_suggestion_frame([]).columns) == ["region", "reason"]
