"""The member departments' chapter of the city report and their sheet of the workbook (第十七至
十九条), from :class:`pipeline.annual.departments.DepartmentResults`. Every text that came from a
submission (evidence, names) goes through ``markup.text`` in the report and ``write_cell`` in the
workbook: it stays text."""

from __future__ import annotations

import pandas as pd

from pipeline.annual.departments import DepartmentResults
from pipeline.annual.exact import percent_floor, ratio
from pipeline.config.departments import load_departments
from pipeline.report import markup
from pipeline.report.formatting import points
from pipeline.report.workbook.writer import DECIMAL2, INTEGER, PERCENT1, Column, Sheet

SAMPLE_NOTE = (
    "样例数据：成员单位名单、任务清单和完成情况都是演示用的样例，不是市政府下达的任务，不得用于考核"
)
SHEET_TITLE = "成员单位考核"
SCORE_HEADERS = {
    "rank": "排名",
    "region": "单位",
    "grade": "等次",
    "deductions": "扣分情况",
    "grade_note": "等次说明",
}
KIND_WORDS = {"quantitative": "定量", "qualitative": "定性"}


def _task_table(results: DepartmentResults) -> pd.DataFrame:
    tasks = results.tasks
    return pd.DataFrame(
        {
            "单位": tasks["department"],
            "任务": tasks["task"],
            "类型": tasks["kind"].map(KIND_WORDS),
            "目标任务": [
                f"{t:,.0f}{u}" if pd.notna(t) else "—"
                for t, u in zip(tasks["target"], tasks["unit"], strict=True)
            ],
            "完成": [
                f"{d:,.0f}{u}" if k == "quantitative" else s
                for d, u, k, s in zip(
                    tasks["done"], tasks["unit"], tasks["kind"], tasks["status"], strict=True
                )
            ],
            "完成率": [  # one decimal, never rounded up (the scorer's rule)
                percent_floor(ratio(d, t)) if k == "quantitative" else "—"
                for d, t, k in zip(tasks["done"], tasks["target"], tasks["kind"], strict=True)
            ],
            "佐证材料": tasks["evidence"].replace("", "—"),
        }
    )


def chapter(results: DepartmentResults, year: int, number: str = "八") -> str:
    """The chapter's Markdown (``templates/chapters/departments.qmd.j2``): the task list and what
    each department did, the scores, grades and ranks, and the 约谈/表扬 suggestions with their
    quantified reasons."""
    registry = load_departments()
    scores = results.scores.assign(得分=[points(v) for v in results.scores["score"]])
    scores_table = (
        scores[["rank", "region", "得分", "grade", "deductions", "grade_note"]]
        .rename(columns=SCORE_HEADERS)
        .replace("", "—")
    )
    sample = markup.callout("warning", "样例数据，非真实填报", SAMPLE_NOTE + "。")
    return markup.render(
        "chapters/departments.qmd.j2",
        {
            "number": number,
            "sample_callout": sample if results.is_sample else "",
            "n_departments": str(len(registry.departments)),
            "partial_share": f"{registry.partial_share * 100:g}",
            "scores_table": markup.table(
                scores_table,
                label="tbl-departments",
                caption=f"{year}年成员单位考核得分与排名",
                widths=[2, 5, 2, 2, 10, 6],
            ),
            "tasks_table": markup.table(
                _task_table(results),
                label="tbl-department-tasks",
                caption=f"{year}年成员单位任务完成情况",
                widths=[4, 5, 2, 3, 3, 2, 6],
            ),
            "interviews": markup.suggestion_blocks(results.interviews),
            "commendations": markup.suggestion_blocks(results.commendations),
        },
    )


def sheet(results: DepartmentResults) -> Sheet:
    """The workbook's sheet: one row per department × task, with the department's score, rank
    and grade beside its tasks."""
    scores = results.scores.set_index("region_code")
    tasks = results.tasks
    frame = tasks.assign(
        score=tasks["department_id"].map(scores["score"]),
        rank=tasks["department_id"].map(scores["rank"]),
        grade=tasks["department_id"].map(scores["grade"]),
        rate=tasks["done"] / tasks["target"],
        kind_text=tasks["kind"].map(KIND_WORDS),
    )
    columns = (
        Column("department", "单位", 22),
        Column("score", "得分", 8, DECIMAL2),
        Column("rank", "排名", 6),
        Column("grade", "等次", 8),
        Column("task", "任务", 24),
        Column("kind_text", "类型", 6),
        Column("unit", "计量单位", 8),
        Column("target", "目标任务", 10, INTEGER),
        Column("done", "完成数", 10, INTEGER),
        Column("rate", "完成率", 8, PERCENT1),
        Column("status", "完成情况", 10),
        Column("evidence", "佐证材料", 40),
        Column("source_file", "来源文件", 22),
        Column("source_row", "行", 6),
    )
    return Sheet(SHEET_TITLE, frame, columns, note=SAMPLE_NOTE if results.is_sample else "")
