"""The 考评组's review of the year (``data/review/<year>.yaml``) and its application to the results.

What the submitted numbers cannot know: 督查 findings (第二十条), the duties beyond the numbers
(第十、十一、十二条), 加分/扣分/一票否决 items, and corrections (改正) of a computed result. Each
entry carries points, reason and 文号 within the bounds of ``config/assessment.yaml`` (``review``);
the 考核 stage applies it before grades decide 约谈, 表扬 and funds, and every consequence is listed
(:class:`ReviewChange`); nothing is applied silently. The stage (征求意见稿 → 审定) is recorded here too;
what 审定 means for the documents is in :mod:`pipeline.documents.approval`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, ValidationInfo, field_validator, model_validator

from pipeline import REVIEW_DIR
from pipeline.annual.exact import exact, signed
from pipeline.annual.exact import points as rounded_points
from pipeline.annual.scoring import (
    SCORE_COLUMNS,
    Suggestion,
    fund_table,
    ranked,
    score_counties,
)
from pipeline.config.assessment_rules import AssessmentRules, load_rules
from pipeline.config.regions import counties, resolve_region
from pipeline.config.schema import ConfigError, _Strict
from pipeline.config.yamlfile import load_validated

DRAFT, APPROVED = "征求意见稿", "审定"
VETO, CORRECTION = "一票否决", "改正"


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


def review_path(year: int, review_dir: Path = REVIEW_DIR) -> Path:
    return review_dir / f"{year}.yaml"


def _rules(info: ValidationInfo) -> AssessmentRules:
    """The rules (and review bounds) an entry is checked against (the project's own unless given)."""
    return (info.context or {}).get("rules") or load_rules()


class Stage(_Strict):
    status: Literal["征求意见稿", "审定"] = DRAFT
    date: dt.date | None = None
    document_number: str = ""

    @model_validator(mode="after")
    def _approval_is_dated(self) -> Stage:
        if self.status == APPROVED and (self.date is None or not self.document_number.strip()):
            raise ValueError("status 为 审定 时须填写 date（审定日期）和 document_number（文号）")
        return self


class Entry(_Strict):
    region: str
    kind: Literal["督查", "职责", "加分", "扣分", "一票否决", "改正"]
    article: str = ""
    points: float = 0.0
    reason: str = Field(min_length=1)
    document_number: str = Field(min_length=1)
    # 改正 only: which computed result is corrected, and to what
    field: Literal["score", "grade"] | None = None
    value: float | str | None = None

    @field_validator("region")
    @classmethod
    def _a_county(cls, value: str) -> str:
        codes = {c.code for c in counties()}
        try:
            region = resolve_region(value)
        except (KeyError, ValueError) as error:
            raise ValueError(f"不认识的地区 {value!r}（应为县（市、区）的名称或代码）") from error
        if region.code not in codes:
            raise ValueError(f"{value!r} 不是被考核的县（市、区）")
        return region.code

    @model_validator(mode="after")
    def _within_bounds(self, info: ValidationInfo) -> Entry:
        rules = _rules(info)
        if self.kind == CORRECTION:
            if self.field is None or self.value is None:
                raise ValueError("改正 须写明 field（score 或 grade）和 value（改正后的值）")
            if self.field == "score" and not (
                isinstance(self.value, int | float) and 0 <= self.value <= 100
            ):
                raise ValueError(
                    f"@value 改正得分的 value 应为 0–100 的数字（收到 {self.value!r}）"
                )
            grades = [g.name for g in rules.grades]
            if self.field == "grade" and self.value not in grades:
                raise ValueError(
                    f"改正等次的 value 应为 {'、'.join(grades)} 之一（收到 {self.value!r}）"
                )
            return self
        if self.field is not None or self.value is not None:
            raise ValueError("field 与 value 只用于 改正")
        low, high = rules.review.bounds[self.kind]
        if not low <= self.points <= high:
            raise ValueError(
                f"@points {self.kind} 的 points 应在 {low:g} 至 {high:g} 分之间（收到 {self.points:g}；"
                "界限见 config/assessment.yaml 的 review.bounds）"
            )
        return self


class Review(_Strict):
    year: int
    stage: Stage = Stage()
    entries: tuple[Entry, ...] = ()

    @model_validator(mode="after")
    def _county_totals(self, info: ValidationInfo) -> Review:
        low, high = _rules(info).review.county_total
        totals: dict[str, float] = {}
        for entry in self.entries:
            totals[entry.region] = totals.get(entry.region, 0.0) + entry.points
        for code, total in totals.items():
            if not low <= total <= high:
                raise ValueError(
                    f"{code} 的复核加减分合计 {total:g} 分超出 {low:g} 至 {high:g} 分"
                    "（review.county_total，config/assessment.yaml）"
                )
        return self


def load_review(
    year: int, review_dir: Path = REVIEW_DIR, rules: AssessmentRules | None = None
) -> Review:
    """The year's review; a year without a review file is a 征求意见稿 with no entries."""
    path = review_path(year, review_dir)
    if not path.exists():
        return Review(year=year)
    context = {"rules": rules or load_rules()}
    review = load_validated(Review, path, context=context)
    if review.year != year:
        raise ConfigError(f"{path} 第 1 行，键 year：应为 {year}（收到 {review.year}）")
    return review


def apply_review(
    scores: pd.DataFrame, review: Review, rules: AssessmentRules | None = None
) -> tuple[pd.DataFrame, list[ReviewChange]]:
    """The score table after the review, and every change it made (score, rank, grade).

    Points are added to the computed score (kept within 0–100); 改正 of a score replaces it; rank
    and grade are recomputed with the scorer's own ranking (:func:`ranked`);
    一票否决 and 改正 of a grade are applied last. Columns added: ``computed_score`` (before the
    review), ``review_points`` and ``review_notes``."""
    rules = rules or load_rules()
    table = scores.copy()
    table["computed_score"] = table["score"]
    by_code = {
        code: [e for e in review.entries if e.region == code] for code in table["region_code"]
    }
    new_scores, points, notes = [], [], []
    for code, score in zip(table["region_code"], table["score"], strict=True):
        entries = by_code[code]
        # exact arithmetic, as the scorer: points and scores are printed to 0.01
        total = sum((exact(e.points) for e in entries if e.kind != CORRECTION), Fraction(0))
        corrected = [e for e in entries if e.kind == CORRECTION and e.field == "score"]
        base = exact(corrected[-1].value) if corrected else exact(score)
        new_scores.append(rounded_points(min(max(base + total, Fraction(0)), Fraction(100))))
        points.append(float(rounded_points(total)))
        notes.append("；".join(_note(e) for e in entries))
    table["score"], table["exact_score"] = [float(s) for s in new_scores], new_scores
    table["review_points"], table["review_notes"] = points, notes
    before = scores.set_index("region_code")
    # rank and grade exactly as the scorer makes them, from the reviewed scores
    table = ranked(table, rules).drop(columns="exact_score")
    grades = list(table["grade"])
    for i, code in enumerate(table["region_code"]):
        for entry in by_code[code]:
            if entry.kind == VETO:
                grades[i] = rules.grades[-1].name
            elif entry.kind == CORRECTION and entry.field == "grade":
                grades[i] = str(entry.value)
    table["grade"] = grades
    changes = []
    for row in table.itertuples():
        old = before.loc[row.region_code]
        why = row.review_notes or "其他县（市、区）复核后名次变化"
        number = "、".join(e.document_number for e in by_code[row.region_code])
        for item, was, now in (
            ("得分", f"{old['score']:.2f}", f"{row.score:.2f}"),
            ("排名", f"第{old['rank']}名", f"第{row.rank}名"),
            ("等次", str(old["grade"]), str(row.grade)),
        ):
            if was != now:
                changes.append(
                    ReviewChange(row.region_code, row.region, item, was, now, why, number)
                )
    return table, changes


def final_scores(
    annual: pd.DataFrame, review: Review | None, rules: AssessmentRules | None = None
) -> pd.DataFrame:
    """A year's score table as that year's 考核 published it: scored, then its review applied (the
    previous year's for 比上年, every plan year's for the five-year results)."""
    rules = rules or load_rules()
    scores = score_counties(annual, rules)
    if review is None or not review.entries:
        return scores
    return apply_review(scores, review, rules)[0][SCORE_COLUMNS]


def _note(entry: Entry) -> str:
    article = f"（{entry.article}）" if entry.article else ""
    if entry.kind == CORRECTION:
        what = "得分" if entry.field == "score" else "等次"
        return f"改正{what}为{entry.value}：{entry.reason}（{entry.document_number}）"
    if entry.kind == VETO:
        return f"一票否决{article}：{entry.reason}（{entry.document_number}）"
    return f"{entry.kind}{article}{signed(entry.points, 'g')}分：{entry.reason}（{entry.document_number}）"


def reviewed(
    scores: pd.DataFrame, interviews: list[Suggestion], commendations: list[Suggestion],
    funds: pd.DataFrame, funds_are_sample: bool, review: Review,
    rules: AssessmentRules | None = None,
) -> tuple[pd.DataFrame, list[Suggestion], list[Suggestion], pd.DataFrame, bool, list[ReviewChange]]:  # fmt: skip
    """The results after the review: scores (:func:`apply_review`), 约谈/表扬 suggestions following
    the new grades, funds recomputed with the scorer's :func:`fund_table`, and every change listed.
    Without entries the results stand as computed (``computed_score`` = ``score``)."""
    rules = rules or load_rules()
    if not review.entries:
        unchanged = scores.assign(
            computed_score=scores["score"], review_points=0.0, review_notes=""
        )
        return unchanged, list(interviews), list(commendations), funds, funds_are_sample, []
    new_scores, changes = apply_review(scores, review, rules)
    # Only a grade the review changed moves a suggestion; the others stand as the scorer made them.
    old_grade = dict(zip(scores["region_code"], scores["grade"], strict=True))
    moved = [row for row in new_scores.itertuples() if row.grade != old_grade[row.region_code]]
    config = rules.accountability
    interviews = list(interviews)
    demoted = {r.region_code for r in moved if r.grade not in config.commend_grades}
    commended = {s.region_code for s in commendations}
    commendations = [s for s in commendations if s.region_code not in demoted]
    interviewed = {s.region_code for s in interviews}
    for row in moved:
        note = f"考评组复核后等次为{row.grade}：{row.review_notes}"
        if row.grade in config.interview_if_grade and row.region_code not in interviewed:
            interviews.append(Suggestion(row.region_code, row.region, (note,)))
            changes.append(
                ReviewChange(row.region_code, row.region, "约谈", "未建议", "建议约谈", note)
            )
        if row.region_code in commended and row.grade not in config.commend_grades:
            changes.append(
                ReviewChange(row.region_code, row.region, "表扬", "建议通报表扬", "不再建议", note)
            )
        if row.grade in config.commend_grades and row.region_code not in commended:
            commendations.append(Suggestion(row.region_code, row.region, (note,)))
            changes.append(
                ReviewChange(row.region_code, row.region, "表扬", "未建议", "建议通报表扬", note)
            )
    notes = dict(zip(new_scores["region_code"], new_scores["review_notes"], strict=True))
    new_funds, is_sample = fund_table(new_scores, {s.region_code for s in interviews}, rules)
    old_funds = funds.set_index("region_code")["change"]
    for row in new_funds.itertuples():
        if abs(row.change - old_funds[row.region_code]) >= 0.005:
            why = notes[row.region_code] or "预算中性：其他县（市、区）得分变化后的重新分配"
            changes.append(ReviewChange(row.region_code, row.region, "资金增减（万元）",
                                        f"{old_funds[row.region_code]:+,.2f}", f"{row.change:+,.2f}", why))  # fmt: skip
    return new_scores, interviews, commendations, new_funds, is_sample, changes
