"""The report's document (pipeline/report/document.py) and its workbook's content
(pipeline/report/workbook/sheets.py): the title block and the small helpers, by worked examples.
The whole document is tested on the session's run in test_report_content.py."""

from __future__ import annotations

import json
from types import SimpleNamespace

from pipeline.annual.scoring import Suggestion
from pipeline.config.indicators import plan_for_year
from pipeline.report.document import front_matter, report_stem
from pipeline.report.formatting import SAMPLE_STATUS
from pipeline.report.workbook.sheets import _suggestion_frame, value_format, workbook_name
from pipeline.report.workbook.writer import INTEGER


def test_the_title_block_is_json_with_markup_characters_escaped():
    plan = plan_for_year(2024)
    inputs = SimpleNamespace(
        year=2024, plan=plan.model_copy(update={"source": "<b>文件</b>"}), is_sample=True
    )
    text = front_matter(inputs)
    assert "<" not in text and "\\u003c" in text  # inert in every renderer
    block = json.loads(text)
    assert list(block) == sorted(block)  # as Jinja's tojson wrote it
    assert block["title"].endswith("2024年度就业工作目标责任制考核分析报告")
    assert f"**规划期：**{plan.name}（{plan.start}–{plan.end}年）" in block["subtitle"]
    assert block["data-as-of"] == "2024年末" and block["sample-status"] == SAMPLE_STATUS
    assert (
        json.loads(front_matter(SimpleNamespace(**{**vars(inputs), "is_sample": False})))[
            "sample-status"
        ]
        == ""
    )


def test_file_names_and_number_formats():
    assert report_stem(2024) == "annual-assessment-2024"
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
