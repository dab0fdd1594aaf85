"""The 考评组's review of the year (``data/review/<year>.yaml``) and its application to the results.

What the submitted numbers cannot know: 督查 findings (第二十条), the duties beyond the numbers
(第十、十一、十二条), 加分/扣分/一票否决 items, and corrections (改正) of a computed result. Each
entry carries points, reason and 文号 within the bounds of ``config/documents.yaml``; every
consequence is listed (:class:`~pipeline.documents.inputs.ReviewChange`), nothing is applied
silently. The stage (征求意见稿 → 审定) is recorded here too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from fractions import Fraction
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, ValidationInfo, field_validator, model_validator

from pipeline import DATA_DIR
from pipeline.annual.exact import exact
from pipeline.annual.exact import points as rounded_points
from pipeline.annual.scoring import Suggestion, fund_table, ranked
from pipeline.config.assessment_rules import AssessmentRules, load_rules
from pipeline.config.regions import counties, resolve_region
from pipeline.config.schema import ConfigError, _Strict
from pipeline.documents.inputs import DocumentInputs, ReviewChange
from pipeline.documents.settings import DocumentsConfig, load_documents_config
from pipeline.documents.yamlfile import load_validated

REVIEW_DIR = DATA_DIR / "review"
DRAFT, APPROVED = "征求意见稿", "审定"
VETO, CORRECTION = "一票否决", "改正"


def review_path(year: int, review_dir: Path = REVIEW_DIR) -> Path:
    return review_dir / f"{year}.yaml"


def approval_path(year: int, review_dir: Path = REVIEW_DIR) -> Path:
    """Beside the review: the fingerprint of what was approved (written at the first build after 审定)."""
    return review_dir / f"{year}.approved.json"


def _context(info: ValidationInfo) -> tuple[DocumentsConfig, AssessmentRules]:
    """The bounds and rules an entry is checked against (the project's own unless given)."""
    context = info.context or {}
    return context.get("config") or load_documents_config(), context.get("rules") or load_rules()


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
        config, rules = _context(info)
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
        low, high = config.review.bounds[self.kind]
        if not low <= self.points <= high:
            raise ValueError(
                f"@points {self.kind} 的 points 应在 {low:g} 至 {high:g} 分之间（收到 {self.points:g}；"
                "界限见 config/documents.yaml 的 review.bounds）"
            )
        return self


class Review(_Strict):
    year: int
    stage: Stage = Stage()
    entries: tuple[Entry, ...] = ()

    @model_validator(mode="after")
    def _county_totals(self, info: ValidationInfo) -> Review:
        low, high = _context(info)[0].review.county_total
        totals: dict[str, float] = {}
        for entry in self.entries:
            totals[entry.region] = totals.get(entry.region, 0.0) + entry.points
        for code, total in totals.items():
            if not low <= total <= high:
                raise ValueError(
                    f"{code} 的复核加减分合计 {total:g} 分超出 {low:g} 至 {high:g} 分"
                    "（review.county_total，config/documents.yaml）"
                )
        return self


def load_review(
    year: int, review_dir: Path = REVIEW_DIR, rules: AssessmentRules | None = None,
    config: DocumentsConfig | None = None,
) -> Review:  # fmt: skip
    """The year's review; a year without a review file is a 征求意见稿 with no entries."""
    path = review_path(year, review_dir)
    if not path.exists():
        return Review(year=year)
    context = {"config": config or load_documents_config(), "rules": rules or load_rules()}
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


def _note(entry: Entry) -> str:
    article = f"（{entry.article}）" if entry.article else ""
    if entry.kind == CORRECTION:
        what = "得分" if entry.field == "score" else "等次"
        return f"改正{what}为{entry.value}：{entry.reason}（{entry.document_number}）"
    if entry.kind == VETO:
        return f"一票否决{article}：{entry.reason}（{entry.document_number}）"
    return f"{entry.kind}{article}{entry.points:+g}分：{entry.reason}（{entry.document_number}）"


def reviewed(
    inputs: DocumentInputs, review: Review, rules: AssessmentRules | None = None
) -> DocumentInputs:
    """The inputs after the review: scores (:func:`apply_review`), funds recomputed with the scorer's
    :func:`fund_table`, 约谈/表扬 suggestions following the new grades, and every change listed."""
    rules = rules or load_rules()
    if not review.entries:
        return inputs
    scores, changes = apply_review(inputs.scores, review, rules)
    # Only a grade the review changed moves a suggestion; the others stand as the scorer made them.
    old_grade = dict(zip(inputs.scores["region_code"], inputs.scores["grade"], strict=True))
    moved = [row for row in scores.itertuples() if row.grade != old_grade[row.region_code]]
    config = rules.accountability
    interviews = list(inputs.interviews)
    commendations = [
        s for s in inputs.commendations
        if s.region_code not in {r.region_code for r in moved if r.grade not in config.commend_grades}
    ]  # fmt: skip
    interviewed = {s.region_code for s in interviews}
    commended = {s.region_code for s in inputs.commendations}
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
    notes = dict(zip(scores["region_code"], scores["review_notes"], strict=True))
    funds, is_sample = fund_table(scores, {s.region_code for s in interviews}, rules)
    old_funds = inputs.funds.set_index("region_code")["change"]
    for row in funds.itertuples():
        if abs(row.change - old_funds[row.region_code]) >= 0.005:
            why = notes[row.region_code] or "预算中性：其他县（市、区）得分变化后的重新分配"
            changes.append(ReviewChange(row.region_code, row.region, "资金增减（万元）",
                                        f"{old_funds[row.region_code]:+,.2f}", f"{row.change:+,.2f}", why))  # fmt: skip
    return dataclasses.replace(
        inputs, scores=scores, funds=funds, funds_are_sample=is_sample,
        interviews=tuple(interviews), commendations=tuple(commendations), changes=tuple(changes),
    )  # fmt: skip


class StageError(RuntimeError):
    """A rebuild of an approved (审定) year whose inputs changed since approval."""


def stage_label(review: Review) -> str:
    if review.stage.status == APPROVED:
        return f"审定稿（{review.stage.document_number}，{review.stage.date:%Y年%m月%d日}审定）"
    return DRAFT


def check_approval(
    year: int, review: Review, fingerprint: dict, review_dir: Path = REVIEW_DIR,
    accept_changes: bool = False,
) -> str:  # fmt: skip
    """After 审定, the documents may only be rebuilt from the approved inputs. The first build after
    审定 records the fingerprint beside the review; a later build whose fingerprint differs
    refuses (StageError, naming what changed) unless ``accept_changes``, which records the new one."""
    if review.stage.status != APPROVED:
        return ""
    path = approval_path(year, review_dir)
    record = {
        "审定日期": review.stage.date.isoformat(), "文号": review.stage.document_number,
        "entries": [e.model_dump(mode="json") for e in review.entries], "fingerprint": fingerprint,
    }  # fmt: skip
    if path.exists():
        approved = json.loads(path.read_text(encoding="utf-8"))
        changed = _differences(approved, record)
        if not changed:
            return ""
        if not accept_changes:
            raise StageError(
                f"{year}年已于{review.stage.date}审定（{review.stage.document_number}），但此后输入有变化：\n"
                + "\n".join(f"- {c}" for c in changed)
                + f"\n如确需按新数据重新生成审定稿，请加 --accept-changes（将更新 {path}）。"
            )
        message = "已按新输入更新审定记录：" + "；".join(changed)
    else:
        message = f"已记录审定时的输入指纹：{path}"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return message


def _differences(approved: dict, current: dict) -> list[str]:
    names = {c.code: c.name for c in counties()}
    changed = []
    for key in ("审定日期", "文号"):
        if approved.get(key) != current[key]:
            changed.append(f"{key}：{approved.get(key)} → {current[key]}")
    if approved.get("entries") != current["entries"]:
        changed.append("复核事项（entries）有增删或修改")
    for part, value in current["fingerprint"].items():
        old = approved.get("fingerprint", {}).get(part)
        if isinstance(value, dict) and isinstance(old, dict):
            regions = [
                names.get(c, c) for c in sorted(set(value) | set(old)) if value.get(c) != old.get(c)
            ]
            if regions:
                changed.append(f"{part}：{'、'.join(regions)}的数据变了")
        elif value != old:
            changed.append(f"{part}有变化")
    return changed
