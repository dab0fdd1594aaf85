"""The report's document (pipeline/report/document.py): the title block, by worked examples. The
whole document is tested on the session's run in test_report_content.py."""

from __future__ import annotations

import json
from types import SimpleNamespace

from pipeline.config.indicators import plan_for_year
from pipeline.report.document import front_matter, report_stem
from pipeline.report.formatting import SAMPLE_STATUS


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
    plain = json.loads(front_matter(SimpleNamespace(year=2024, plan=plan, is_sample=False)))
    assert plain["sample-status"] == ""


def test_the_reports_file_name():
    assert report_stem(2024) == "annual-assessment-2024"
