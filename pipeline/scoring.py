"""考核得分、等次、排名 (第十九条), 约谈与表扬建议 (第二十、二十一条) and the budget-neutral fund
adjustment (第二十二条), from the year's facts (``pipeline.annual``) under ``config/assessment.yaml``.

Each formula is a small pure function pinned to a worked example in ``tests/test_scoring.py``.
Everything this module returns is a suggestion for the bureau to decide, and the report says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline.config import ConfigError
from pipeline.indicators import indicator, plan_for_year
from pipeline.reference import county_population
from pipeline.regions import counties
from pipeline.rules import AssessmentRules, Grade, load_rules
from pipeline.verdict import DIFFICULT, FINAL_MET, FINAL_MISSED

SCORE_COLUMNS = [
    "rank", "region_code", "region", "score", "tie_break", "grade", "points", "deductions",
]  # fmt: skip


def flow_points(
    weight: float, completion_rate: float, cap: float,
    deductions: tuple[tuple[float, float], ...] = (),
) -> float:  # fmt: skip
    """Points for an annual task: weight × min(完成率, cap), less the graduated deduction of the
    tier its shortfall falls in (``deductions``: (shortfall below, share of the weight)), never
    below 0; nothing when not reported.

    25 points, 89.4% done (10.6% short; tiers 5%→0.1, 10%→0.3, above→0.5), cap 100%:
    25 × 0.894 − 25 × 0.5 = 9.85 points. 107.6% done → 25 points (超额完成任务不加分)."""
    if not math.isfinite(completion_rate):
        return 0.0
    points = weight * min(max(completion_rate, 0.0), cap)
    shortfall = 1.0 - completion_rate
    if shortfall > 0:
        share = next((s for below, s in deductions if shortfall < below), 0.0)
        points -= weight * share
    return max(points, 0.0)


def limit_points(weight: float, met: bool, reported: bool, deduction: float) -> float:
    """Points for a yearly limit: all when kept; when breached, ``deduction`` × weight is taken off.

    15 points, 登记失业率 4.21% > 4%, deduction 1.0 → 0 points; not reported → 0 points."""
    if not reported:
        return 0.0
    return weight if met else weight * (1.0 - deduction)


def grade_for(score: float, grades: tuple[Grade, ...]) -> str:
    """The first grade whose cut-off the score reaches (grades run from best to worst)."""
    for grade in grades:
        if score >= grade.min_score:
            return grade.name
    return grades[-1].name


def apply_excellent_quota(
    ranked_grades: list[str], ranks: list[int], grades: tuple[Grade, ...], share: float
) -> list[str]:
    """At most ``share`` of the units (rounded down) keep the top grade, by rank; the others move
    down one grade. Ten counties, 30%: ranks 1–3 may be 优秀. Equal scores share a rank and a grade."""
    top, second = grades[0].name, grades[1].name
    allowed = math.floor(len(ranked_grades) * share + 1e-9)
    return [
        second if grade == top and rank > allowed else grade
        for grade, rank in zip(ranked_grades, ranks, strict=True)
    ]


def tie_break(facts: pd.DataFrame) -> float:
    """Mean uncapped 完成率 of a county's annual tasks (a task not reported counts as 0)."""
    rates = facts[facts["kind"] == "cumulative"]["completion_rate"].fillna(0.0)
    return float(rates.mean()) if len(rates) else 0.0


def _points_row(row: pd.Series, rules: AssessmentRules) -> tuple[float, str]:
    weight = rules.scoring.weights.get(row["indicator"], 0.0)
    if row["kind"] == "cumulative":
        points = flow_points(
            weight, row["completion_rate"], rules.scoring.completion_cap,
            tuple((t.shortfall_below, t.share) for t in rules.scoring.shortfall_deductions),
        )  # fmt: skip
    else:
        points = limit_points(
            weight, bool(row["met"]), bool(row["reported"]), rules.scoring.limit_breach_deduction
        )
    lost = weight - points
    reason = ""
    if lost > 0.005:
        if not row["reported"]:
            reason = f"{row['short_name']}未报送（−{lost:.2f}分）"
        elif row["kind"] == "cumulative":
            reason = (
                f"{row['short_name']}完成率{row['completion_rate'] * 100:.1f}%（−{lost:.2f}分）"
            )
        else:
            reason = f"{row['short_name']}未达到年度要求（−{lost:.2f}分）"
    return points, reason


def score_counties(annual: pd.DataFrame, rules: AssessmentRules | None = None) -> pd.DataFrame:
    """A 100-point score per county, its grade (with the 优秀 quota) and rank (1 = best; equal
    scores ranked by :func:`tie_break`). ``points`` lists the points per indicator, ``deductions``
    where points were lost."""
    rules = rules or load_rules()
    for indicator_id in rules.scoring.weights:
        indicator(indicator_id)  # an unknown id in config/assessment.yaml is an error, named
    county_codes = [c.code for c in counties()]
    rows = []
    for code in county_codes:
        facts = annual[annual["region_code"] == code]
        if facts.empty:
            raise ConfigError(f"没有 {code} 的年度任务数据，无法计分")
        scored = [(_points_row(row, rules), row) for _, row in facts.iterrows()]
        score = sum(points for (points, _), _ in scored)
        rows.append({
            "region_code": code, "region": facts["region"].iloc[0], "score": round(score, 2),
            "points": "；".join(f"{row['short_name']} {points:.2f}" for (points, _), row in scored
                                if row["indicator"] in rules.scoring.weights),
            "deductions": "；".join(reason for (_, reason), _ in scored if reason),
        })  # fmt: skip
    table = pd.DataFrame(rows)
    # Equal scores are ordered by the mean uncapped 完成率 of the annual tasks (超额完成 does not
    # add points, but it decides between equal scores); still equal → equal rank.
    table["tie_break"] = [
        tie_break(annual[annual["region_code"] == c]) for c in table["region_code"]
    ]
    table = table.sort_values(["score", "tie_break"], ascending=False, kind="stable")
    keys = list(zip(table["score"], table["tie_break"], strict=True))
    table["rank"] = [keys.index(key) + 1 for key in keys]
    raw = [grade_for(s, rules.grades) for s in table["score"]]
    table["grade"] = apply_excellent_quota(
        raw, list(table["rank"]), rules.grades, rules.excellent_max_share
    )
    return table[SCORE_COLUMNS].reset_index(drop=True)


def base_allocations(rules: AssessmentRules | None = None) -> tuple[dict[str, float], bool]:
    """Each county's base employment-fund allocation (万元) and whether it is sample data.

    Sample: the notional total split by real 2021 户籍人口, rounded to 0.01 万元."""
    funds = (rules or load_rules()).funds
    if funds.base_allocations_status == "issued":
        return dict(funds.base_allocations), False
    population = county_population(2021)
    total = sum(population.values())
    return {
        code: round(funds.sample_notional_total * population[code] / total, 2)
        for code in population
    }, True


def fund_adjustment(
    scores: dict[str, float], base: dict[str, float], percent_per_point: float
) -> dict[str, float]:
    """Budget-neutral change per county (万元): base × rate × (score − base-weighted mean score).

    Two counties, bases 100 and 300, scores 90 and 80, 1%/point: weighted mean 82.5, changes
    +7.5 and −7.5 (they add up to zero)."""
    total = sum(base[code] for code in scores)
    mean = sum(base[code] * score for code, score in scores.items()) / total
    return {
        code: base[code] * percent_per_point / 100 * (score - mean)
        for code, score in scores.items()
    }


def bounded_changes(
    change: dict[str, float], base: dict[str, float], max_share: float, no_increase: set[str]
) -> dict[str, float]:
    """Clip each change to ±``max_share`` of its base and to at most 0 for ``no_increase``
    (counties suggested for 约谈), then scale the larger side down so the sum is zero again
    (scaling down never breaks a bound).

    Bases 100/100/100, changes +15/+5/−20, max 10%, none barred: +10/+5/−10 → sum +5 → the
    increases are scaled by 10/15: +6.67/+3.33/−10."""
    clipped = {}
    for code, value in change.items():
        upper = 0.0 if code in no_increase else max_share * base[code]
        clipped[code] = min(max(value, -max_share * base[code]), upper)
    gains = sum(v for v in clipped.values() if v > 0)
    losses = -sum(v for v in clipped.values() if v < 0)
    if gains > losses and gains > 0:
        return {c: v * losses / gains if v > 0 else v for c, v in clipped.items()}
    if losses > gains and losses > 0:
        return {c: v * gains / losses if v < 0 else v for c, v in clipped.items()}
    return clipped


def fund_table(
    scores: pd.DataFrame, interviewed: set[str], rules: AssessmentRules | None = None
) -> tuple[pd.DataFrame, bool]:
    """The suggested fund adjustment per county, in rank order, and whether the bases are sample.
    Counties in ``interviewed`` (suggested for 约谈) get no increase."""
    rules = rules or load_rules()
    base, is_sample = base_allocations(rules)
    by_code = dict(zip(scores["region_code"], scores["score"], strict=True))
    change = bounded_changes(
        fund_adjustment(by_code, base, rules.funds.percent_per_point),
        base, rules.funds.max_change_share, interviewed,
    )  # fmt: skip
    table = scores[["rank", "region_code", "region", "score", "grade"]].copy()
    table["base"] = [base[c] for c in table["region_code"]]
    rounded = {code: round(value, 2) for code, value in change.items()}
    # Rounding to 0.01 万元 must not break budget neutrality: the remainder goes to the largest base.
    largest = max(rounded, key=lambda code: base[code])
    rounded[largest] = round(rounded[largest] - sum(rounded.values()), 2)
    table["change"] = [rounded[c] for c in table["region_code"]]
    table["change_share"] = table["change"] / table["base"]
    table["next_year"] = table["base"] + table["change"]
    return table, is_sample


@dataclass(frozen=True)
class Suggestion:
    region_code: str
    region: str
    reasons: tuple[str, ...]  # facts first, then forecasts


def interview_suggestions(
    annual: pd.DataFrame,
    scores: pd.DataFrame,
    assessment: pd.DataFrame,
    final: bool,
    rules: AssessmentRules | None = None,
) -> list[Suggestion]:
    """第二十条 约谈 suggestions. Facts of the year first (grade, tasks missed, limits breached), then
    forecasts as context only (they never trigger a 约谈: see :func:`early_warnings`) — or, in
    the plan's last year (``final``), the plan targets missed, which are facts and do trigger."""
    rules = rules or load_rules()
    config = rules.accountability
    plan_name = (
        str(annual["year"].iloc[0])
        if annual.empty
        else plan_for_year(int(annual["year"].iloc[0])).name
    )
    suggestions = []
    for _, county in scores.iterrows():
        facts = annual[annual["region_code"] == county["region_code"]]
        reasons: list[str] = []
        triggered = False
        if county["grade"] in config.interview_if_grade:
            triggered = True
            reasons.append(f"考核得分{county['score']:.2f}分，等次为{county['grade']}")
        missed = facts[(facts["kind"] == "cumulative") & ~facts["met"].astype(bool)]
        serious = missed[
            ~missed["reported"].astype(bool)
            | (missed["completion_rate"] < 1 - config.interview_task_shortfall_min)
        ]
        if len(serious) >= config.interview_min_tasks_missed:
            triggered = True
        for _, row in missed.iterrows():
            reasons.append(
                f"{row['short_name']}{row['wording']}" + (f"，差{row['shortfall']:,.0f}{row['unit']}" if row["reported"] else "")
            )  # fmt: skip
        breached = facts[(facts["kind"] != "cumulative") & ~facts["met"].astype(bool)]
        if config.interview_if_limit_breached and not breached.empty:
            triggered = True
        for _, row in breached.iterrows():
            reasons.append(f"{row['short_name']}{row['wording']}")
        earlier = facts[(facts["kind"] != "cumulative") & facts["met"].astype(bool)]
        for _, row in earlier[earlier["years_missed"] != ""].iterrows():
            reasons.append(f"{row['short_name']}本年达标，但{row['years_missed']}年未达到年度要求")
        own = assessment[assessment["region_code"] == county["region_code"]]
        if final:  # the plan's result is a fact
            missed_plan = own[own["status"] == FINAL_MISSED]
            if len(missed_plan) >= config.interview_min_plan_targets_missed:
                triggered = True
            for _, row in missed_plan.iterrows():
                reasons.append(
                    f"{plan_name}规划目标未完成：{row['indicator_name']}（{row['note']}）"
                )
        else:  # forecasts are context here, never a reason on their own (see early_warnings)
            difficult = own[(own["status"] == DIFFICULT) & (own["kind"] == "cumulative")]
            for _, row in difficult.iterrows():
                reasons.append(
                    f"（预测，仅供参考）{row['indicator_name']}：{_forecast_reason(row)}"
                )
        if triggered:
            suggestions.append(Suggestion(county["region_code"], county["region"], tuple(reasons)))
    return suggestions


def early_warnings(
    assessment: pd.DataFrame, interviewed: set[str], rules: AssessmentRules | None = None
) -> list[Suggestion]:
    """预警提醒 (not 约谈): counties not suggested for 约谈 whose forecasts show at least
    ``warning_min_forecast_difficult`` plan targets 难以完成. Forecasts warn; they do not assess."""
    config = (rules or load_rules()).accountability
    result = []
    for county in counties():
        if county.code in interviewed:
            continue
        own = assessment[assessment["region_code"] == county.code]
        difficult = own[(own["status"] == DIFFICULT) & (own["kind"] == "cumulative")]
        if len(difficult) >= config.warning_min_forecast_difficult:
            reasons = tuple(
                f"（预测）{row['indicator_name']}：{_forecast_reason(row)}"
                for _, row in difficult.iterrows()
            )
            result.append(Suggestion(county.code, county.name, reasons))
    return result


def _forecast_reason(row: pd.Series) -> str:
    return (
        f"截至本年累计完成{row['actual_to_date']:,.0f}人，占规划目标{row['target']:,.0f}人的"
        f"{row['actual_to_date'] / row['target'] * 100:.1f}%，到期末达标概率约{row['probability'] * 100:.0f}%"
    )


def commendation_suggestions(
    annual: pd.DataFrame,
    scores: pd.DataFrame,
    assessment: pd.DataFrame,
    final: bool,
    rules: AssessmentRules | None = None,
) -> list[Suggestion]:
    """第二十一条 通报表扬 suggestions: counties whose grade is listed in ``commend_grades`` —
    in the plan's last year (``final``) only those that also met every plan target."""
    rules = rules or load_rules()
    result = []
    for _, county in scores.iterrows():
        if county["grade"] not in rules.accountability.commend_grades:
            continue
        own = assessment[assessment["region_code"] == county["region_code"]]
        if final and (own["status"] != FINAL_MET).any():
            continue
        facts = annual[annual["region_code"] == county["region_code"]]
        flows = facts[facts["kind"] == "cumulative"]
        limits = facts[facts["kind"] != "cumulative"]
        reasons = [
            f"考核得分{county['score']:.2f}分，排名第{county['rank']}，等次{county['grade']}",
            f"年度任务完成{int(flows['met'].sum())}/{len(flows)}项"
            + (f"（{'、'.join(f'{r.short_name}{r.completion_rate * 100:.1f}%' for r in flows.itertuples())}）" if len(flows) else ""),
            f"逐年控制指标达标{int(limits['met'].sum())}/{len(limits)}项",
        ] + ([f"{plan_for_year(int(annual['year'].iloc[0])).name}规划目标{len(own)}项全部完成"] if final else [])  # fmt: skip
        result.append(Suggestion(county["region_code"], county["region"], tuple(reasons)))
    return result
