"""What the documents are written from: the year's results as plain data (:class:`DocumentInputs`).

The documents never compute a score, a grade or a fund change: they read them from here. Today
the results come from ``report.YearResults`` (:func:`inputs_from_published`); when the annual 考核
becomes a stage of its own, only that adapter changes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.annual.scoring import Suggestion

# The per-indicator facts the 告知书 and the 汇总表 print (one row per county × indicator).
FACT_COLUMNS = [
    "region_code", "region", "indicator", "short_name", "unit", "kind", "article", "task",
    "task_source", "done", "completion_rate", "limit", "met", "reported", "questioned", "wording",
]  # fmt: skip


@dataclass(frozen=True)
class ReviewChange:
    """One visible consequence of the 考评组's review: what changed, from what to what, and why."""

    region_code: str
    region: str
    item: str  # 得分 / 排名 / 等次 / 资金增减 / 约谈 / 表扬
    before: str
    after: str
    reason: str
    document_number: str = ""


@dataclass(frozen=True)
class DocumentInputs:
    year: int
    scores: pd.DataFrame  # rank, region_code, region, score, grade, points, deductions (+ more)
    funds: (
        pd.DataFrame
    )  # rank, region_code, region, score, grade, base, change, change_share, next_year
    funds_are_sample: bool
    facts: pd.DataFrame  # FACT_COLUMNS, counties only
    interviews: tuple[Suggestion, ...]
    commendations: tuple[Suggestion, ...]
    warnings: tuple[Suggestion, ...]
    is_sample: bool
    changes: tuple[ReviewChange, ...] = field(default=())

    def fingerprint(self) -> dict[str, dict[str, str] | str]:
        """Hashes of what the documents say, per part and per county, so that a rebuild after 审定
        can say exactly what changed."""

        def rows(frame: pd.DataFrame) -> dict[str, str]:
            if "region_code" not in frame:  # no facts (a constructed example)
                return {}
            return {
                str(code): digest(group.drop(columns=["rank"], errors="ignore").to_csv(index=False))
                for code, group in frame.groupby("region_code", sort=True)
            }

        return {
            "得分": rows(self.scores),
            "资金": rows(self.funds),
            "年度任务": rows(self.facts),
            "约谈建议": digest(self.interviews),
            "表扬建议": digest(self.commendations),
            "样例数据": str(self.is_sample),
        }


def digest(value: object) -> str:
    """A short, stable hash of a value's repr (for the approval record)."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def points_by_indicator(score_row: pd.Series) -> dict[str, float]:
    """Points per indicator (by 简称) as the scorer wrote them in ``points``: '城镇新增就业 25.00；…'.

    Seam: when the scorer exposes per-indicator points as data (columns or rows), read them here."""
    result = {}
    for part in str(score_row["points"]).split("；"):
        match = re.fullmatch(r"\s*(.+?)\s+(-?\d+(?:\.\d+)?)\s*", part)
        if match:
            result[match.group(1)] = float(match.group(2))
    return result


def inputs_from_published(processed_dir: Path, year: int) -> DocumentInputs:
    """The inputs from a published year (``data/processed/<year>``), via ``report.YearResults``."""
    from pipeline.config.regions import counties
    from pipeline.report.content import ReportInputs, YearResults

    report_inputs = ReportInputs.load(processed_dir, year)
    results = YearResults.compute(report_inputs)
    county_codes = {c.code for c in counties()}
    facts = results.annual[results.annual["region_code"].isin(county_codes)]
    return DocumentInputs(
        year=year,
        scores=results.scores.copy(),
        funds=results.funds.copy(),
        funds_are_sample=results.funds_are_sample,
        facts=facts[FACT_COLUMNS].reset_index(drop=True),
        interviews=tuple(results.interviews),
        commendations=tuple(results.commendations),
        warnings=tuple(results.warnings),
        is_sample=report_inputs.is_sample,
    )
