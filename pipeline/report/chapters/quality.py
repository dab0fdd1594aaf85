"""附录一　数据质量说明: every QA rule with its counts of 通过/需关注/不通过, and the problems that need
a look (a 不通过 stops the run before the report)."""

from __future__ import annotations

import pandas as pd

from pipeline.config.regions import tier_words
from pipeline.report import markup
from pipeline.report.formatting import QA_STATUS_WORDS

PROBLEM_HEADERS = {
    "status": "结果",
    "rule": "规则",
    "file": "文件",
    "sheet": "工作表",
    "row": "行",
    "column": "列",
    "message": "说明",
}
PROBLEM_WIDTHS = [1, 2, 3, 2, 1, 1, 6]


def in_tier_words(qa_log: pd.DataFrame) -> pd.DataFrame:
    """The log with each rule named in the tier's words (a county's report says 全区合计)."""
    return qa_log.assign(rule=qa_log["rule"].map(tier_words().rule_name))


def rule_counts(qa_log: pd.DataFrame) -> pd.DataFrame:
    """One row per rule: how many checks passed, need a look, failed."""
    counts = (
        in_tier_words(qa_log)
        .groupby("rule")["status"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=["PASS", "WARN", "FAIL"], fill_value=0)
    )
    return counts.rename(columns=QA_STATUS_WORDS).reset_index().rename(columns={"rule": "规则"})


def problems(qa_log: pd.DataFrame) -> pd.DataFrame:
    """The records that did not pass, their status in words, Chinese headers."""
    rows = in_tier_words(qa_log[qa_log["status"] != "PASS"])[list(PROBLEM_HEADERS)]
    return rows.assign(status=rows["status"].map(QA_STATUS_WORDS)).rename(columns=PROBLEM_HEADERS)


def context(qa_log: pd.DataFrame) -> dict:
    """The appendix's template entries (``templates/chapters/quality.qmd.j2``)."""
    found = problems(qa_log)
    return {
        "summary": markup.table(
            rule_counts(qa_log), label="tbl-qa-summary", caption="数据质量检查规则与结果"
        ),
        "problems": markup.table(
            found, label="tbl-qa-problems", caption="需关注的数据质量问题", widths=PROBLEM_WIDTHS
        )
        if not found.empty
        else "",
    }
