"""One consistent verdict per row: the arithmetic pace check for cumulative targets, the facts of
yearly limits, the final-year verdict, and the rule that keeps the probability-based status and
the deterministic check from contradicting each other.

Pure functions, each pinned to a worked example in ``tests/plan_targets/test_verdict.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from pipeline.annual.exact import exact

Values = TypeVar("Values", float, np.ndarray)

# Deterministic pace categories of a cumulative target (what is still needed per remaining year
# compared with the recent pace and with the best year on record).
PACE_DONE = "已完成"
PACE_ENOUGH = "当前速度可完成"
PACE_FASTER = "需要加快"
PACE_BEYOND_BEST = "需超历史最好水平"
# Verdicts in the plan's last year.
FINAL_MET = "完成"
FINAL_MISSED = "未完成"
NO_DATA = "无数据"
# Probability-based statuses (config/targets.yaml status_thresholds), best first.
DONE, ON_TRACK, AT_RISK, DIFFICULT = "已完成", "进度正常", "存在风险", "难以完成"
# Facts, not forecasts: a yearly requirement already missed in a plan year cannot be met any
# more; one kept so far that is not forecast (第十二条 meetings) is only "kept so far".
FAILED, KEPT_SO_FAR = "已无法完成", "至今达标"
# For each pace category, the statuses it allows; a probability status outside them is moved to
# the nearest allowed one (and the row's note says so).
ALLOWED_STATUSES = {
    PACE_DONE: (DONE,),
    PACE_ENOUGH: (ON_TRACK, AT_RISK),
    PACE_FASTER: (AT_RISK, DIFFICULT),
    PACE_BEYOND_BEST: (AT_RISK, DIFFICULT),
}
_ORDER = (DONE, ON_TRACK, AT_RISK, DIFFICULT)


def required_per_year(done: float, goal: float, remaining_years: int) -> float:
    """What is still needed per remaining plan year: (10,900 − 7,897) / 1 = 3,003."""
    if remaining_years <= 0:
        return math.inf if done < goal else 0.0
    return max(goal - done, 0.0) / remaining_years


def recent_pace(values: Sequence[float], years: int = 2) -> float:
    """Mean of the last ``years`` observed yearly values: (1,958 + 1,948) / 2 = 1,953."""
    observed = [v for v in values if math.isfinite(v)]
    if not observed:
        return math.nan
    tail = observed[-years:]
    return sum(tail) / len(tail)


def pace_category(done: float, goal: float, required: float, pace: float, best: float) -> str:
    """已完成 when the target is reached; else compare the yearly need with the recent pace and
    with the best year on record. 白河县 needs 1,535 a year, recent pace 1,390, best 1,462 →
    需超历史最好水平."""
    if done >= goal:
        return PACE_DONE
    if math.isfinite(pace) and pace >= required:
        return PACE_ENOUGH
    if math.isfinite(best) and required <= best:
        return PACE_FASTER
    return PACE_BEYOND_BEST


def consistent_status(probability_status: str, pace: str) -> str:
    """The probability status moved to the nearest status the pace check allows."""
    allowed = ALLOWED_STATUSES[pace]
    if probability_status in allowed:
        return probability_status
    rank = _ORDER.index(probability_status)
    return min(allowed, key=lambda status: abs(_ORDER.index(status) - rank))


def bound_word(kind: str) -> str:
    """How a yearly limit reads: 不高于 (a ceiling) or 不低于 (a floor)."""
    return "不高于" if kind == "ceiling_each_year" else "不低于"


def limit_kept(values: Values, limit: float, kind: str) -> Values:
    """Whether a yearly ceiling (value ≤ limit) or floor (value ≥ limit) is kept — for one observed
    value exactly (``pipeline.annual.exact``: 4.00% against 4% is kept), or elementwise for an array of
    simulated paths (forecasts, which decide nothing)."""
    if not isinstance(values, np.ndarray):
        values, limit = exact(values), exact(limit)
    return values <= limit if kind == "ceiling_each_year" else values >= limit


def years_missed_text(years: Sequence[int]) -> str:
    """'2022、2024年' (or '' when none)."""
    return f"{'、'.join(map(str, years))}年" if years else ""


def limit_fact(
    years_missed: Sequence[int], years_observed: int, final: bool = False,
    years_unreported: Sequence[int] = (),
) -> str:  # fmt: skip
    """The deterministic check of a yearly limit: the facts so far (or of the whole plan); a plan
    year without a value is named, never counted as kept."""
    if years_observed == 0:
        return NO_DATA
    gap = f"（{years_missed_text(years_unreported)}无数据）" if years_unreported else ""
    if not years_missed:
        return ("规划期逐年达标" if final else "至今逐年达标") + gap
    return f"{years_missed_text(years_missed)}未达标" + gap


def final_verdict(met: bool | None) -> str:
    """The plan's last year: 完成 / 未完成 (None: not enough data to decide)."""
    if met is None:
        return NO_DATA
    return FINAL_MET if met else FINAL_MISSED
