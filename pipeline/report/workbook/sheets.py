"""The content of the officials' workbook ``assessment-<year>.xlsx``: which sheets, in which
order, with which columns, headers, widths and number formats (``writer.py`` writes them). The
摘要 and 考核一览 sheets hold the report's own summary and glance table (chapters/summary.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.report.chapters import departments, final_term
from pipeline.report.chapters.quality import in_tier_words
from pipeline.report.formatting import QA_STATUS_WORDS, SAMPLE_STATUS
from pipeline.report.inputs import ReportInputs
from pipeline.report.workbook.writer import (
    DECIMAL2,
    INTEGER,
    PERCENT1,
    POINTS,
    TIMES,
    Column,
    Sheet,
    write_workbook,
)

GLANCE_WIDTHS = {"地区": 10, "得分": 8, "等次与表扬说明": 60}  # the other columns: 12


def workbook_name(year: int) -> str:
    return f"assessment-{year}.xlsx"


def value_format(unit: str) -> str:
    """A value's number format by its unit: persons and meetings whole, rates two decimals."""
    return '0.00;"−"0.00' if unit == "%" else INTEGER


def _annual_sheet(annual: pd.DataFrame, note: str) -> Sheet:
    frame = annual.assign(
        met_text=[
            ("完成" if m else "未完成") if k == "cumulative" else ("达标" if m else "未达标")
            for m, k in zip(annual["met"], annual["kind"], strict=True)
        ],
        value_format=[value_format(u) for u in annual["unit"]],
        margin_format=[POINTS if u == "%" else TIMES for u in annual["unit"]],
    )
    values = "value_format"  # each row's own format, by its unit
    return Sheet(
        "年度任务",
        frame,
        (
            Column("region", "地区", 10),
            Column("indicator_name", "指标", 30),
            Column("article", "条款", 8),
            Column("task", "年目标任务", 12, INTEGER),
            Column("task_source", "目标任务来源", 10),
            Column("done", "完成数/本年数值", 14, format_source=values),
            Column("completion_rate", "完成率", 10, PERCENT1),
            Column("change", "同比增减", 12, format_source=values),
            Column("limit", "要求（上限/下限）", 12, format_source=values),
            Column("margin", "与要求相差", 16, format_source="margin_format"),
            Column("met_text", "本年", 8),
            Column("years_missed", "规划期内未达标年份", 18),
            Column("plan_target", "规划目标", 12, format_source=values),
            Column("plan_done", "规划期累计完成", 14, INTEGER),
            Column("plan_share", "占规划目标", 12, PERCENT1),
            Column("time_progress_gap", "时序进度差", 12, PERCENT1),
            Column("wording", "表述", 60),
        ),
        note,
    )


def _plan_sheet(assessment: pd.DataFrame, final: bool, note: str) -> Sheet:
    values = "value_format"
    forecast = (
        Column("forecast_end", "期末预测", 14, format_source=values),
        Column("forecast_end_lo80", "预测区间下限（80%）", 14, format_source=values),
        Column("forecast_end_hi80", "预测区间上限（80%）", 14, format_source=values),
        Column("probability", "达标概率", 10, PERCENT1),
        Column("history_years", "数据年数", 10),
    )
    return Sheet(
        "规划进度",
        assessment.assign(value_format=[value_format(u) for u in assessment["unit"]]),
        (
            Column("region", "地区", 10),
            Column("indicator_name", "指标", 30),
            Column("target", "规划目标", 12, format_source=values),
            Column("actual_to_date", "截至本年", 12, format_source=values),
            Column("check", "进度核算", 22),
            *(() if final else forecast),  # the plan's last year is a verdict: nothing is forecast
            Column("status", "状态", 12),
            Column("note", "说明", 60),
        ),
        note,
    )


def _qa_sheet(inputs: ReportInputs, note: str) -> Sheet:
    # the 考评组's review is part of the record of the year's data: one row per county it touched
    scores = inputs.results.scores
    reviewed_rows = scores[scores["review_notes"].astype(bool)]
    review_rows = pd.DataFrame(
        {
            "rule": "考评组复核",
            "stage": "考核",
            "status": "已计入",
            "file": f"data/review/{inputs.year}.yaml",
            "sheet": "",
            "row": "",
            "column": "",
            "message": [f"{r.region}：{r.review_notes}" for r in reviewed_rows.itertuples()],
        }
    )
    qa_log = pd.concat(
        [
            in_tier_words(inputs.qa_log).assign(
                status=inputs.qa_log["status"].map(QA_STATUS_WORDS)
            ),
            review_rows,
        ],
        ignore_index=True,
    )
    return Sheet(
        "数据质量",
        qa_log,
        (
            Column("rule", "规则", 16),
            Column("stage", "阶段", 8),
            Column("status", "结果", 8),
            Column("file", "文件", 28),
            Column("sheet", "工作表", 10),
            Column("row", "行", 6),
            Column("column", "列", 24),
            Column("message", "说明", 80),
        ),
        note,
    )


def _suggestion_frame(items: list) -> pd.DataFrame:
    """One row per reason of each suggested county, then its history (历史情况)."""
    return pd.DataFrame(
        [{"region": s.region, "reason": r} for s in items for r in s.reasons]
        + [{"region": s.region, "reason": f"历史情况：{h}"} for s in items for h in s.history],
        columns=["region", "reason"],
    )


def workbook_sheets(inputs: ReportInputs, summary: str, glance: pd.DataFrame) -> list[Sheet]:
    """The sheets of ``assessment-<year>.xlsx``, in order."""
    results = inputs.results
    note = SAMPLE_STATUS if inputs.is_sample else ""
    base_header = "基数（万元）" + ("（样例）" if results.funds_are_sample else "")
    sheets = [
        Sheet(
            "摘要",
            pd.DataFrame({"text": summary.split("\n\n")}),
            (Column("text", "摘要（由数据生成）", 120),),
            note,
        ),
        Sheet(
            "考核一览",
            glance,
            tuple(
                Column(c, c, GLANCE_WIDTHS.get(c, 12), DECIMAL2 if c == "得分" else None)
                for c in glance.columns
            ),
            note,
        ),
        _annual_sheet(results.annual, note),
        _plan_sheet(inputs.assessment, inputs.final, note),
        Sheet(
            "得分排名",
            results.scores,
            (
                Column("rank", "排名", 6),
                Column("region", "地区", 10),
                Column("score", "得分", 8, DECIMAL2),
                Column("grade", "等次", 8),
                Column("computed_score", "其中按年度任务计分", 10, DECIMAL2),
                Column("review_points", "其中考评组复核加减", 10, DECIMAL2),
                Column("points", "各项得分", 60),
                Column("deductions", "扣分情况", 60),
                Column("grade_note", "等次说明", 60),
                Column("review_notes", "考评组复核事项（理由、文号）", 60),
            ),
            note,
        ),
        Sheet(
            "约谈建议",
            _suggestion_frame(results.interviews),
            (
                Column("region", "地区", 10),
                Column("reason", "理由（本年触发规则的事实；历史情况另列）", 100),
            ),
            note,
        ),
        Sheet(
            "表扬建议",
            _suggestion_frame(results.commendations),
            (Column("region", "地区", 10), Column("reason", "理由", 100)),
            note,
        ),
        Sheet(
            "资金调整",
            results.funds,
            (
                Column("rank", "排名", 6),
                Column("region", "地区", 10),
                Column("score", "得分", 8, DECIMAL2),
                Column("base", base_header, 14, DECIMAL2),
                Column("change", "建议增减（万元）", 14, DECIMAL2),
                Column("change_share", "增减幅度", 10, PERCENT1),
                Column("next_year", "建议次年（万元）", 14, DECIMAL2),
            ),
            note,
        ),
        _qa_sheet(inputs, note),
        *final_term.sheet(results.plan, note),
    ]
    if inputs.departments is not None:
        sheets.append(departments.sheet(inputs.departments))
    return sheets


def write(inputs: ReportInputs, summary: str, glance: pd.DataFrame, out_dir: Path) -> Path:
    """Write ``out_dir/assessment-<year>.xlsx`` and return its path."""
    path = out_dir / workbook_name(inputs.year)
    write_workbook(workbook_sheets(inputs, summary, glance), path)
    return path
