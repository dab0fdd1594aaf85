"""考核得分、等次、排名 (第十九条), 约谈与表扬建议 (第二十、二十一条) and the budget-neutral fund
adjustment (第二十二条), from the year's facts (``pipeline.annual.facts``) under ``config/assessment.yaml``.

Each formula is a small pure function pinned to a worked example in ``tests/annual/test_scoring.py``.
Everything this module returns is a suggestion for the bureau to decide, and the report says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from pipeline.annual.exact import exact, floor_count, percent_floor, percent_text, ratio
from pipeline.annual.exact import points as rounded_points
from pipeline.config.assessment_rules import AssessmentRules, Grade, Quota, Scoring, load_rules
from pipeline.config.indicators import indicator, plan_for_year
from pipeline.config.reference import county_population
from pipeline.config.regions import counties, tier_words
from pipeline.config.schema import ConfigError
from pipeline.plan_targets.verdict import DIFFICULT, FINAL_MISSED

SCORE_COLUMNS = [
    "rank", "region_code", "region", "score", "tie_break", "grade", "points", "deductions",
    "grade_note",
]  # fmt: skip


def deduct_share(shortfall: Fraction, scoring: Scoring) -> Fraction:
    """The share of an indicator's points deducted for a shortfall (1 − 完成率 > 0): the first tier
    whose ``shortfall_up_to`` it does not exceed (inclusive), else ``deduct_share_beyond_tiers``.

    Tiers 5% → 40%, 10% → 80%, beyond → 100%: 5% short exactly → 40%; 5.1% → 80%; 10.6% → 100%."""
    for tier in scoring.tiers:
        if shortfall <= exact(tier.shortfall_up_to):
            return exact(tier.deduct_share)
    return exact(scoring.deduct_share_beyond_tiers)


def task_points(weight: float, done: float, task: float, scoring: Scoring) -> Fraction:
    """Points for an annual task, exactly; nothing when the 完成数 was not reported.

    ``tiered``: 完成率 ≥ 100% → all the points (超额完成任务不加分); otherwise the points less the
    tier's share of them, counted once. 25 points, 627 of 660 (95.0%, 5% short, "低5%以内") →
    25 × (1 − 40%) = 15. ``proportional``: weight × min(完成率, 100%): 627/660 → 23.75."""
    if not (math.isfinite(done) and math.isfinite(task)) or task <= 0:
        return Fraction(0)
    rate, full = ratio(done, task), exact(weight)
    if rate >= 1:
        return full
    if scoring.task_rule == "proportional":
        return full * max(rate, Fraction(0))
    return full * (1 - deduct_share(1 - rate, scoring))


def limit_points(weight: float, met: bool, reported: bool, deduction: float) -> Fraction:
    """Points for a yearly limit: all when kept; when breached, ``deduction`` × weight is taken off.

    15 points, 登记失业率 4.21% > 4%, deduction 1.0 → 0 points; not reported → 0 points."""
    if not reported:
        return Fraction(0)
    return exact(weight) * (1 if met else 1 - exact(deduction))


def tier_label(shortfall: Fraction, scoring: Scoring) -> str:
    """The tier a shortfall falls in, as the practice words it: '低5%以内', '低5%–10%', '低10%以上'."""
    bounds = [exact(t.shortfall_up_to) for t in scoring.tiers]
    previous = Fraction(0)
    for bound in bounds:
        if shortfall <= bound:
            return f"低{percent_text(bound)}以内" if previous == 0 else (
                f"低{percent_text(previous)}–{percent_text(bound)}"
            )  # fmt: skip
        previous = bound
    return f"低{percent_text(previous)}以上"


def grade_for(score: Decimal | float, grades: tuple[Grade, ...]) -> str:
    """The first grade whose cut-off the (printed) score reaches, compared exactly (grades run from
    best to worst): 90.00 → 优秀, 89.99 → 良好."""
    for grade in grades:
        if exact(score) >= exact(grade.min_score):
            return grade.name
    return grades[-1].name


def ranks_of(scores: list[Decimal]) -> list[int]:
    """Equal scores share a rank: 1 + the number of strictly higher scores. [95, 95, 90] → [1, 1, 3]."""
    return [1 + sum(other > score for other in scores) for score in scores]


def apply_excellent_quota(
    scores: list[Decimal], names: list[str], raw_grades: list[str], grades: tuple[Grade, ...],
    quota: Quota, members: str | None = None,
) -> tuple[list[str], list[str]]:  # fmt: skip
    """The 优秀 quota: at most floor(``max_share`` × n) units keep the top grade, in score order;
    the others reaching it move down one grade. Equal scores are treated alike: a group of equal
    scores that does not fit in the remaining places gets none of them (``exclude_group``) or all
    of them (``include_group``). Returns the grades and, per unit, why its grade is not the one its
    score reaches ('' when it is).

    Ten counties, 30% → 3 places; scores 96, 95, 93, 93 all ≥ 90: the two 93s share rank 3 for one
    place → exclude_group: both 良好; include_group: both 优秀 (4 优秀)."""
    top, second = grades[0].name, grades[1].name
    allowed = floor_count(quota.max_share, len(scores))
    ranks = ranks_of(scores)
    result, notes = list(raw_grades), [""] * len(scores)
    candidates = [i for i, grade in enumerate(raw_grades) if grade == top]
    if len(candidates) <= allowed:
        return result, notes
    members = members or tier_words().members_short
    line = f"优秀名额{allowed}个（{len(scores)}个{members}×{percent_text(exact(quota.max_share))}，向下取整）"
    kept, closed = 0, False
    for value in sorted({scores[i] for i in candidates}, reverse=True):
        group = [i for i in candidates if scores[i] == value]
        if not closed and kept + len(group) <= allowed:
            kept += len(group)
            continue
        straddles = not closed and kept < allowed
        tied = len(group) > 1
        for i in group:
            others = "、".join(names[j] for j in group if j != i)
            reached = f"得分{scores[i]}分达到{top}线{grades[0].min_score:g}分"
            if straddles and quota.tie == "include_group":
                notes[i] = (
                    f"{reached}，与{others}同分并列第{ranks[i]}名；按并列同等对待的规则一并定为{top}，"
                    f"{top}共{kept + len(group)}个，超过{line}"
                )
            elif straddles and tied:
                result[i] = second
                notes[i] = (
                    f"{reached}，与{others}同分并列第{ranks[i]}名；{line}剩余{allowed - kept}个，"
                    f"容不下并列的{len(group)}个{members}，并列者同等对待，均定为{second}"
                )
            else:
                result[i] = second
                notes[i] = f"{reached}，名次第{ranks[i]}在{line}之外，定为{second}"
        if straddles and quota.tie == "include_group":
            kept += len(group)
        closed = True
    return result, notes


def mean_completion(facts: pd.DataFrame) -> float:
    """Mean uncapped 完成率 of a county's annual tasks (a task not reported counts as 0). Shown for
    information only: it decides neither rank nor grade (超额完成任务不加分)."""
    rates = facts[facts["kind"] == "cumulative"]["completion_rate"].fillna(0.0)
    return float(rates.mean()) if len(rates) else 0.0


def missing_reason(row: pd.Series) -> str:
    """The reason a county gave for a value it did not submit ('' when none or not carried)."""
    reason = row.get("missing_reason", "")
    return str(reason) if isinstance(reason, str) else ""


def points_row(row: pd.Series, rules: AssessmentRules) -> tuple[Fraction, str]:
    scoring = rules.scoring
    weight = scoring.weights.get(row["indicator"], 0.0)
    if row["kind"] == "cumulative":
        points = task_points(weight, row["done"], row["task"], scoring)
    else:
        points = limit_points(
            weight, bool(row["met"]), bool(row["reported"]), scoring.limit_breach_deduction
        )
    lost = exact(weight) - points
    if lost <= 0:
        return points, ""
    cost = f"−{rounded_points(lost)}分"
    if not row["reported"]:
        why = missing_reason(row)
        return points, f"{row['short_name']}未报送" + (
            f"（原因：{why}）" if why else ""
        ) + f"（{cost}）"
    if row["kind"] != "cumulative":
        return points, f"{row['short_name']}未达到年度要求（{cost}）"
    rate = ratio(row["done"], row["task"])
    rule = tier_label(1 - rate, scoring) if scoring.task_rule == "tiered" else "按完成率计分"
    return points, f"{row['short_name']}完成率{percent_floor(rate)}（{rule}，{cost}）"


def points_formula(row: pd.Series, rules: AssessmentRules) -> str:
    """How one indicator's points came about, in numbers a county can check by hand, from the same
    rule objects :func:`task_points` and :func:`limit_points` use (the 告知书 prints it).

    Tiered, 25 points, 627 of 660: '完成率95.0%，比下达任务低5%以内，扣分值的40%：25×(1−40%)＝15.00分'."""
    scoring = rules.scoring
    weight = scoring.weights[row["indicator"]]
    points, _ = points_row(row, rules)
    got = f"{rounded_points(points)}分"
    if not row["reported"]:
        why = missing_reason(row)
        return f"未报送{f'（原因：{why}）' if why else ''}，得0分（分值{weight:g}分）"
    if row["kind"] != "cumulative":
        if row["met"]:
            return f"{row['wording']}；达到年度要求，得满分{got}"
        share = percent_text(exact(scoring.limit_breach_deduction))
        return f"{row['wording']}；未达到年度要求，扣分值的{share}，得{got}"
    rate = ratio(row["done"], row["task"])
    if rate >= 1:
        return f"完成率{percent_floor(rate)}，完成年度任务，得满分{got}（超额完成任务不加分）"
    if scoring.task_rule == "proportional":
        return f"{weight:g}×完成率{percent_floor(rate)}＝{got}"
    share = percent_text(deduct_share(1 - rate, scoring))
    return (
        f"完成率{percent_floor(rate)}，比下达任务{tier_label(1 - rate, scoring)}，扣分值的{share}："
        f"{weight:g}×(1−{share})＝{got}"
    )


def score_counties(annual: pd.DataFrame, rules: AssessmentRules | None = None) -> pd.DataFrame:
    """A 100-point score per county (exact points, printed to 0.01), its rank (equal scores share a
    rank) and grade (with the 优秀 quota and its tie rule; ``grade_note`` says why a grade differs
    from the one the score reaches). ``points`` lists the points per indicator, ``deductions``
    where points were lost and why."""
    rules = rules or load_rules()
    for indicator_id in rules.scoring.weights:
        indicator(indicator_id)  # an unknown id in config/assessment.yaml is an error, named
    rows = []
    for code in [c.code for c in counties()]:
        facts = annual[annual["region_code"] == code]
        if facts.empty:
            raise ConfigError(f"没有 {code} 的年度任务数据，无法计分")
        scored = [(points_row(row, rules), row) for _, row in facts.iterrows()]
        score = rounded_points(sum((points for (points, _), _ in scored), Fraction(0)))
        rows.append({
            "region_code": code, "region": facts["region"].iloc[0], "exact_score": score,
            "score": float(score), "tie_break": mean_completion(facts),
            "points": "；".join(f"{row['short_name']} {rounded_points(points)}" for (points, _), row in scored
                                if row["indicator"] in rules.scoring.weights),
            "deductions": "；".join(reason for (_, reason), _ in scored if reason),
        })  # fmt: skip
    # Equal scores stay in the registry's county order (which decides nothing).
    return ranked(pd.DataFrame(rows), rules)[SCORE_COLUMNS]


def ranked(table: pd.DataFrame, rules: AssessmentRules, members: str | None = None) -> pd.DataFrame:
    """The table in order of its exact ``exact_score`` (equal scores keep their order), with
    ``rank`` (equal scores share one), ``grade`` and ``grade_note`` (the 优秀 quota and its tie
    rule): the one ranking of the scorer, of the 考评组's review and of the departments
    (``members``: what the ranked are called in the notes; default the tier's 县区)."""
    table = table.sort_values("exact_score", ascending=False, kind="stable").reset_index(drop=True)
    exact_scores = list(table["exact_score"])
    table["rank"] = ranks_of(exact_scores)
    table["grade"], table["grade_note"] = apply_excellent_quota(
        exact_scores, list(table["region"]), [grade_for(s, rules.grades) for s in exact_scores],
        rules.grades, rules.excellent_quota, members,
    )  # fmt: skip
    return table


def base_allocations(rules: AssessmentRules | None = None) -> tuple[dict[str, float], bool]:
    """Each county's base employment-fund allocation (万元) and whether it is sample data.

    Sample: the notional total split by real 2021 户籍人口, rounded to 0.01 万元 — or, where the
    configuration gives sample bases itself (a county over its towns, which have no population
    figures: config/units.py), those."""
    funds = (rules or load_rules()).funds
    if funds.base_allocations:
        return dict(funds.base_allocations), funds.base_allocations_status == "sample"
    population = county_population(2021)
    total = sum(population.values())
    return {
        code: round(funds.sample_notional_total * population[code] / total, 2)
        for code in population
    }, True


def fund_adjustment(
    scores: dict[str, float], base: dict[str, float], percent_per_point: float
) -> dict[str, Fraction]:
    """Budget-neutral change per county (万元), exactly: base × rate × (score − base-weighted mean
    score), every number read as the decimal it prints (:mod:`pipeline.annual.exact`).

    Two counties, bases 100 and 300, scores 90 and 80, 1%/point: weighted mean 82.5, changes
    +7.5 and −7.5 (they add up to zero)."""
    bases = {code: exact(base[code]) for code in scores}
    mean = sum(bases[code] * exact(score) for code, score in scores.items()) / sum(bases.values())
    rate = exact(percent_per_point) / 100
    return {code: bases[code] * rate * (exact(score) - mean) for code, score in scores.items()}


def bounded_changes(
    change: dict[str, Fraction], base: dict[str, float], max_share: float, no_increase: set[str]
) -> dict[str, Fraction]:
    """Clip each change to ±``max_share`` of its base and to at most 0 for ``no_increase``
    (counties suggested for 约谈), then scale the larger side down so the sum is zero again
    (scaling down never breaks a bound). The bounds are exact: 10% of 1,234.5 is 123.45.

    Bases 100/100/100, changes +15/+5/−20, max 10%, none barred: +10/+5/−10 → sum +5 → the
    increases are scaled by 10/15: +20/3, +10/3, −10."""
    share = exact(max_share)
    clipped = {}
    for code, value in change.items():
        limit = share * exact(base[code])
        upper = Fraction(0) if code in no_increase else limit
        clipped[code] = min(max(exact(value), -limit), upper)
    gains = sum(v for v in clipped.values() if v > 0)
    losses = -sum(v for v in clipped.values() if v < 0)
    if gains > losses:
        return {c: v * losses / gains if v > 0 else v for c, v in clipped.items()}
    if losses > gains:
        return {c: v * gains / losses if v < 0 else v for c, v in clipped.items()}
    return clipped


def rounded_changes(change: dict[str, Fraction], base: dict[str, float]) -> dict[str, Decimal]:
    """The changes as suggested: each rounded half up to 0.01 万元, and what rounding leaves over
    (never more than a few 0.01) goes to the county with the largest base, so they still add up to
    exactly zero: +20/3, +10/3, −10 → +6.67, +3.33, −10.00; +0.125, −0.125 → +0.13, −0.13."""
    rounded = {code: rounded_points(value) for code, value in change.items()}
    largest = max(rounded, key=lambda code: exact(base[code]))
    rounded[largest] -= sum(rounded.values())
    return rounded


def fund_table(
    scores: pd.DataFrame, interviewed: set[str], rules: AssessmentRules | None = None
) -> tuple[pd.DataFrame, bool]:
    """The suggested fund adjustment per county, in rank order, and whether the bases are sample.
    Counties in ``interviewed`` (suggested for 约谈) get no increase."""
    rules = rules or load_rules()
    base, is_sample = base_allocations(rules)
    by_code = dict(zip(scores["region_code"], scores["score"], strict=True))
    change = rounded_changes(
        bounded_changes(
            fund_adjustment(by_code, base, rules.funds.percent_per_point),
            base, rules.funds.max_change_share, interviewed,
        ),
        base,
    )  # fmt: skip
    table = scores[["rank", "region_code", "region", "score", "grade"]].copy()
    table["base"] = [base[c] for c in table["region_code"]]
    table["change"] = [float(change[c]) for c in table["region_code"]]
    table["change_share"] = [
        float(Fraction(change[c]) / exact(base[c])) for c in table["region_code"]
    ]
    table["next_year"] = [float(exact(base[c]) + Fraction(change[c])) for c in table["region_code"]]
    return table, is_sample


@dataclass(frozen=True)
class Suggestion:
    region_code: str
    region: str
    reasons: tuple[str, ...]  # what triggered the rule this year (facts only)
    history: tuple[str, ...] = ()  # earlier plan years' breaches, already scored in their year


def allocation_estimated(annual: pd.DataFrame) -> bool:
    """Whether the county plan targets of the assessed year's plan are the pipeline's estimate (not
    issued). While they are, nothing that decides 约谈, 表扬 or funds rests on them."""
    return plan_for_year(int(annual["year"].iloc[0])).allocation_status != "issued"


def short_of_interview_line(row: pd.Series, min_shortfall: float) -> bool:
    """An annual task counts toward 约谈 when not reported or short by more than ``min_shortfall``,
    exactly: 627/660 (95.0%) with 5% → no; 626/660 (94.8%) → yes."""
    if not row["reported"]:
        return True
    return ratio(row["done"], row["task"]) < 1 - exact(min_shortfall)


def _missed_task_text(row: pd.Series) -> str:
    if not row["reported"]:
        why = missing_reason(row)
        return f"{row['short_name']}未报送完成数" + (f"（原因：{why}）" if why else "")
    return f"{row['short_name']}{row['wording']}，差{row['shortfall']:,.0f}{row['unit']}"


def _plan_missed(own: pd.DataFrame, estimated: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plan targets 未完成 in the plan's last year, split into those that decide (yearly limits,
    the same for every county; county plan targets once issued) and those withheld because the
    county plan target is an estimate."""
    missed = own[own["status"] == FINAL_MISSED]
    allocated = missed["kind"] == "cumulative"
    if not estimated:
        return missed, missed.iloc[0:0]
    return missed[~allocated], missed[allocated]


def interview_suggestions(
    annual: pd.DataFrame,
    scores: pd.DataFrame,
    assessment: pd.DataFrame,
    final: bool,
    rules: AssessmentRules | None = None,
) -> list[Suggestion]:
    """第二十条 约谈 suggestions. ``reasons`` are only what triggered the rule this year: the grade,
    the annual tasks short by more than ``interview_task_shortfall_min`` (when at least
    ``interview_min_tasks_missed`` of them), the yearly limits breached, and in the plan's last year
    (``final``) the plan targets 未完成. Limits breached in earlier plan years (scored in their own
    year) are ``history``. Forecasts never appear here (see :func:`early_warnings`), and county plan
    targets decide nothing while they are estimates (see :func:`withheld_rules`)."""
    rules = rules or load_rules()
    config = rules.accountability
    year = int(annual["year"].iloc[0])
    plan_name = plan_for_year(year).name
    estimated = allocation_estimated(annual)
    suggestions = []
    for _, county in scores.iterrows():
        facts = annual[annual["region_code"] == county["region_code"]]
        reasons: list[str] = []
        if county["grade"] in config.interview_if_grade:
            reasons.append(f"考核得分{county['score']:.2f}分，等次为{county['grade']}")
        tasks = facts[facts["kind"] == "cumulative"]
        serious = [
            row for _, row in tasks.iterrows()
            if short_of_interview_line(row, config.interview_task_shortfall_min)
        ]  # fmt: skip
        if len(serious) >= config.interview_min_tasks_missed:
            reasons += [_missed_task_text(row) for row in serious]
        limits = facts[facts["kind"] != "cumulative"]
        if config.interview_if_limit_breached:
            breached = limits[limits["reported"].astype(bool) & ~limits["met"].astype(bool)]
            reasons += [f"{row['short_name']}{row['wording']}" for _, row in breached.iterrows()]
        if final:  # the plan's result is a fact
            deciding, _ = _plan_missed(
                assessment[assessment["region_code"] == county["region_code"]], estimated
            )
            if len(deciding) >= config.interview_min_plan_targets_missed:
                reasons += [
                    f"{plan_name}规划目标未完成：{row['indicator_name']}（{row['note']}）"
                    for _, row in deciding.iterrows()
                ]
        if reasons:
            suggestions.append(
                Suggestion(county["region_code"], county["region"], tuple(reasons),
                           _limit_history(limits, year))
            )  # fmt: skip
    return suggestions


def _limit_history(limits: pd.DataFrame, year: int) -> tuple[str, ...]:
    """'登记失业率2022、2023年未达到年度要求（已在当年计分）' for each limit missed before ``year``."""
    history = []
    for _, row in limits.iterrows():
        earlier = [y for y in str(row["years_missed"]).split("、") if y and int(y) < year]
        if earlier:
            history.append(
                f"{row['short_name']}{'、'.join(earlier)}年未达到年度要求（已在当年计分）"
            )
    return tuple(history)


def withheld_rules(
    annual: pd.DataFrame,
    scores: pd.DataFrame,
    assessment: pd.DataFrame,
    final: bool,
    rules: AssessmentRules | None = None,
) -> list[Suggestion]:
    """Where a rule would have applied had the county plan targets been issued, and why it did not:
    in the plan's last year, 约谈 for at least ``interview_min_plan_targets_missed`` plan targets
    未完成, and 表扬 withheld for a plan target 未完成 — both against estimated county targets.
    Empty once the targets are issued (the rules then apply) and before the last year."""
    if not final or not allocation_estimated(annual):
        return []
    rules = rules or load_rules()
    config = rules.accountability
    plan_name = plan_for_year(int(annual["year"].iloc[0])).name
    result = []
    for _, county in scores.iterrows():
        own = assessment[assessment["region_code"] == county["region_code"]]
        deciding, withheld = _plan_missed(own, estimated=True)
        if withheld.empty:
            continue
        would = []
        if (
            len(deciding)
            < config.interview_min_plan_targets_missed
            <= len(deciding) + len(withheld)
        ):
            would.append("约谈（规划目标未完成项数达到条件）")
        if county["grade"] in config.commend_grades:
            would.append("不予表扬（规划目标未全部完成）")
        if not would:
            continue
        targets = "；".join(f"{r['indicator_name']}（{r['note']}）" for _, r in withheld.iterrows())
        result.append(Suggestion(county["region_code"], county["region"], (
            f"按测算的{tier_words().members_short}{plan_name}目标，{targets}",
            f"如分解数为正式下达，本条规则会得出：{'、'.join(would)}；"
            f"{tier_words().members_short}分解数是测算数，不是下达任务，因此本规则未适用",
        )))  # fmt: skip
    return result


def early_warnings(
    assessment: pd.DataFrame, rules: AssessmentRules | None = None
) -> list[Suggestion]:
    """预警提醒 (not 约谈): counties whose forecasts show at least ``warning_min_forecast_difficult``
    plan targets 难以完成 — also those suggested for 约谈, whose entries carry no forecasts.
    Forecasts warn; they do not assess."""
    config = (rules or load_rules()).accountability
    result = []
    for county in counties():
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
    """第二十一条 通报表扬 suggestions: counties whose grade is listed in ``commend_grades`` — in the
    plan's last year (``final``) only those that also met every plan target that decides (county
    plan targets decide only once issued; see :func:`withheld_rules`)."""
    rules = rules or load_rules()
    estimated = allocation_estimated(annual)
    result = []
    for _, county in scores.iterrows():
        if commendation_blocker(county, assessment, final, estimated, rules):
            continue
        facts = annual[annual["region_code"] == county["region_code"]]
        flows = facts[facts["kind"] == "cumulative"]
        limits = facts[facts["kind"] != "cumulative"]
        reasons = [
            f"考核得分{county['score']:.2f}分，排名第{county['rank']}，等次{county['grade']}",
            f"年度任务完成{int(flows['met'].sum())}/{len(flows)}项"
            + (f"（{'、'.join(f'{r.short_name}{r.completion_rate * 100:.1f}%' for r in flows.itertuples())}）" if len(flows) else ""),
            f"逐年控制指标达标{int(limits['met'].sum())}/{len(limits)}项",
        ] + ([f"{plan_for_year(int(annual['year'].iloc[0])).name}规划目标中作为依据的各项全部完成"] if final else [])  # fmt: skip
        result.append(Suggestion(county["region_code"], county["region"], tuple(reasons)))
    return result


def commendation_blocker(
    county: pd.Series, assessment: pd.DataFrame, final: bool, estimated: bool,
    rules: AssessmentRules,
) -> str:  # fmt: skip
    """Why a county is not suggested for 表扬 ('' when it is): its grade (with the quota note when
    its score reached 优秀), or in the plan's last year a deciding plan target 未完成."""
    commend = rules.accountability.commend_grades
    if county["grade"] not in commend:
        note = county.get("grade_note", "")
        return note or f"等次为{county['grade']}，表扬只针对{'、'.join(commend)}"
    if final:
        deciding, _ = _plan_missed(
            assessment[assessment["region_code"] == county["region_code"]], estimated
        )
        if not deciding.empty:
            names = "、".join(deciding["indicator_name"])
            return f"等次为{county['grade']}，但规划期目标未完成（{names}），规划末年表扬须完成全部规划目标"
    return ""
