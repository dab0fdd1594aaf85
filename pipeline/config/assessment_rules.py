"""The assessment rules of 第十九条至第二十二条 (scores, grades, 约谈, 表扬, funds), read from
``config/assessment.yaml`` and validated on load."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipeline import CONFIG_DIR
from pipeline.config.schema import _Strict, _validated, check_indicator_ids


class Tier(_Strict):
    """A shortfall up to ``shortfall_up_to`` (inclusive) of the task costs ``deduct_share`` of the
    indicator's points."""

    shortfall_up_to: float = Field(gt=0, lt=1)
    deduct_share: float = Field(ge=0, le=1)


class Scoring(_Strict):
    weights: dict[str, float]
    task_rule: Literal["tiered", "proportional"]
    tiers: tuple[Tier, ...] = ()
    deduct_share_beyond_tiers: float = Field(ge=0, le=1)
    limit_breach_deduction: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _weights_make_100(self) -> Scoring:
        total = sum(self.weights.values())
        if abs(total - 100) > 1e-9:
            raise ValueError(f"scoring.weights 合计应为100分，现为 {total:g} 分")
        bounds = [tier.shortfall_up_to for tier in self.tiers]
        shares = [tier.deduct_share for tier in self.tiers] + [self.deduct_share_beyond_tiers]
        if bounds != sorted(set(bounds)) or shares != sorted(shares):
            raise ValueError(
                "scoring.tiers 须按差距从小到大排列（不重复），扣分比例随差距不减，"
                "deduct_share_beyond_tiers 不小于最后一档"
            )
        if self.task_rule == "tiered" and not self.tiers:
            raise ValueError("scoring.task_rule 为 tiered 时须填写 scoring.tiers")
        return self


class Grade(_Strict):
    name: str
    min_score: float = Field(ge=0, le=100)


class Quota(_Strict):
    """At most ``max_share`` of the counties (rounded down) are 优秀. ``tie``: when a group of equal
    scores straddles the quota line, ``exclude_group`` gives none of them 优秀, ``include_group``
    gives all of them 优秀 (the quota is then exceeded, and the report says so)."""

    max_share: float = Field(gt=0, le=1)
    tie: Literal["exclude_group", "include_group"]


class Accountability(_Strict):
    interview_if_grade: tuple[str, ...]
    interview_task_shortfall_min: float = Field(ge=0, lt=1)
    interview_min_tasks_missed: int = Field(ge=1)
    interview_if_limit_breached: bool
    warning_min_forecast_difficult: int = Field(ge=1)
    interview_min_plan_targets_missed: int = Field(ge=1)
    commend_grades: tuple[str, ...]


class Funds(_Strict):
    percent_per_point: float = Field(ge=0)
    max_change_share: float = Field(gt=0, le=1)
    base_allocations_status: Literal["sample", "issued"]
    sample_notional_total: float = Field(gt=0)
    base_allocations: dict[str, float] = {}

    @model_validator(mode="after")
    def _issued_needs_numbers(self) -> Funds:
        if self.base_allocations_status == "issued" and not self.base_allocations:
            raise ValueError("funds.base_allocations_status 为 issued 时须填写 base_allocations")
        return self


REVIEW_KINDS = ("督查", "职责", "加分", "扣分", "一票否决")


class ReviewBounds(_Strict):
    bounds: dict[str, tuple[float, float]]
    county_total: tuple[float, float]

    @model_validator(mode="after")
    def _every_kind_bounded(self) -> ReviewBounds:
        missing = set(REVIEW_KINDS) - set(self.bounds)
        if missing:
            raise ValueError(
                f"review.bounds 须为每类复核事项给出上下限，缺少：{'、'.join(sorted(missing))}"
            )
        for kind, (low, high) in {**self.bounds, "county_total": self.county_total}.items():
            if low > high:
                raise ValueError(f"review 的 {kind} 下限 {low:g} 大于上限 {high:g}")
        return self


class PlanResultsRules(_Strict):
    """The plan's five-year result per county, in its last year (十四五终期): the five-year score
    by ``score_rule`` (``mean`` of the plan years' final scores, or ``weighted`` by
    ``year_weights``, one per plan year in order, adding up to 1), graded and ranked as a year is;
    先进单位 suggested for ``commend_grades`` (and, with ``require_all_plan_targets``, every plan
    target that decides 完成)."""

    score_rule: Literal["mean", "weighted"]
    year_weights: tuple[float, ...] = ()
    commend_grades: tuple[str, ...]
    require_all_plan_targets: bool

    @model_validator(mode="after")
    def _weights_fit_the_rule(self) -> PlanResultsRules:
        if self.score_rule == "mean" and self.year_weights:
            raise ValueError("score_rule 为 mean 时 year_weights 须为空（各年权数相同）")
        if self.score_rule == "weighted":
            if not self.year_weights or min(self.year_weights) <= 0:
                raise ValueError("score_rule 为 weighted 时须为规划期每一年填写大于0的权数")
            total = sum(Decimal(repr(w)) for w in self.year_weights)
            if total != 1:
                raise ValueError(f"year_weights 合计应为1，现为 {total}")
        return self


class AssessmentRules(_Strict):
    scoring: Scoring
    grades: tuple[Grade, ...]
    excellent_quota: Quota
    accountability: Accountability
    funds: Funds
    review: ReviewBounds
    plan_results: PlanResultsRules

    @model_validator(mode="after")
    def _grades_descend_to_zero(self) -> AssessmentRules:
        cut_offs = [g.min_score for g in self.grades]
        if cut_offs != sorted(cut_offs, reverse=True) or cut_offs[-1] != 0:
            raise ValueError("grades 须按分数线从高到低排列，最后一档的 min_score 为 0")
        names = {g.name for g in self.grades}
        for key, named in (
            ("accountability", {*self.accountability.interview_if_grade, *self.accountability.commend_grades}),
            ("plan_results", set(self.plan_results.commend_grades)),
        ):  # fmt: skip
            if named - names:
                raise ValueError(f"{key} 中的等次 {sorted(named - names)} 不在 grades 中")
        return self


@cache
def load_rules(config_dir: Path = CONFIG_DIR) -> AssessmentRules:
    rules = _validated(AssessmentRules, config_dir / "assessment.yaml")
    check_indicator_ids(
        config_dir / "assessment.yaml", "scoring.weights", rules.scoring.weights, config_dir
    )
    return rules
