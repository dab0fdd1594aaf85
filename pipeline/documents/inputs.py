"""What the documents are written from: the year's results as plain data (:class:`DocumentInputs`).

The documents never compute a score, a grade or a fund change: they read the files of the 考核
stage (:class:`pipeline.annual.results.YearResults`, after the 考评组's review) through
:func:`inputs_from_results`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.annual.results import YearResults
from pipeline.annual.review import ReviewChange
from pipeline.annual.scoring import Suggestion
from pipeline.config.schema import TierWording

# The per-indicator facts the 告知书 and the 汇总表 print (one row per county × indicator).
FACT_COLUMNS = [
    "region_code", "region", "indicator", "short_name", "unit", "kind", "article", "task",
    "task_source", "done", "completion_rate", "limit", "met", "reported", "questioned", "wording",
]  # fmt: skip


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
    # the points of each county × scored indicator (score_items.csv): region_code, short_name, points
    items: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the tier's words: the city's to its counties, or a county's to its 镇(办) (config/units/)
    tier: TierWording = field(default_factory=TierWording)

    def points(self, region_code: str) -> dict[str, float]:
        """A county's points per scored indicator, by 简称, as the scorer wrote them."""
        rows = self.items[self.items["region_code"] == region_code]
        return dict(zip(rows["short_name"], rows["points"], strict=True))

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


def inputs_from_results(results: YearResults, is_sample: bool) -> DocumentInputs:
    """The documents' inputs from the 考核 stage's results (counties only)."""
    from pipeline.config.regions import counties, tier_words

    county_codes = {c.code for c in counties()}
    facts = results.annual[results.annual["region_code"].isin(county_codes)]
    return DocumentInputs(
        year=results.year,
        scores=results.scores.copy(),
        funds=results.funds.copy(),
        funds_are_sample=results.funds_are_sample,
        facts=facts[FACT_COLUMNS].reset_index(drop=True),
        interviews=tuple(results.interviews),
        commendations=tuple(results.commendations),
        warnings=tuple(results.warnings),
        is_sample=is_sample,
        changes=tuple(results.changes),
        items=results.score_items.copy(),
        tier=tier_words(),
    )


def inputs_from_published(processed_dir: Path, year: int) -> DocumentInputs:
    """The inputs from a processed year folder (``data/processed/<year>``)."""
    from pipeline.store.catalog import holds_sample, load_processed_tidy

    tidy = load_processed_tidy(processed_dir, year)
    return inputs_from_results(YearResults.read(processed_dir, year), holds_sample(tidy))
