"""Deterministic progress assessments that people already know, one small pure function each.

They sit beside the simulated probability in the report and serve as benchmarks in the backtest.
Thresholds are configuration (``progress_thresholds`` in config/targets.yaml, with their sources);
each function takes them as an argument, by default the configured ones.
"""

from __future__ import annotations

from pipeline.config.schema import ProgressThresholds, load_targets_config


def configured_thresholds() -> ProgressThresholds:
    return load_targets_config().progress_thresholds


# Eurostat SDG monitoring report (also Statistics Canada / Open SDG): ratio of observed to required
# growth. ≥95% on track; 60–95% acceleration needed; 0–60% limited progress; <0 deterioration.
EUROSTAT_CATEGORIES = ("进度正常", "需要加快", "进展有限", "倒退")
# UNSD SDG Progress Chart: ratio of projected to required change by the target year.
UNSD_CATEGORIES = ("可达成", "需要加快", "进展甚微")
# Destatis (German Sustainable Development Strategy) weather scale: a target met, or missed by
# less than 5%, 5–20%, or more than 20% of the distance to it. Applied here to targets kept every
# year by comparing the latest year with the yearly target.
DESTATIS_CATEGORIES = ("达标", "略有差距", "差距较大", "严重偏离")


def time_progress_gap(done: float, target: float, elapsed_years: int, plan_years: int) -> float:
    """时序进度: completed share of the target minus elapsed share of the plan.

    45,000 of 100,000 after 2 of 5 years → 0.45 − 0.40 = +0.05 (ahead of schedule)."""
    return done / target - elapsed_years / plan_years


def eurostat_ratio(observed_rate: float, required_rate: float) -> float:
    """Ratio of the observed to the required rate of progress (annual growth, or annual flow)."""
    return observed_rate / required_rate


def eurostat_cumulative_ratio(
    done: float, target: float, elapsed_years: int, plan_years: int
) -> float:
    """For a cumulative target from zero: average yearly flow so far over the flow needed per year.

    45,000 after 2 of 5 years toward 100,000: 22,500 / 20,000 = 1.125."""
    return eurostat_ratio(done / elapsed_years, target / plan_years)


def eurostat_category(ratio: float, thresholds: tuple[float, float, float] | None = None) -> str:
    on_track, acceleration, limited = thresholds or configured_thresholds().eurostat
    if ratio >= on_track:
        return EUROSTAT_CATEGORIES[0]
    if ratio >= acceleration:
        return EUROSTAT_CATEGORIES[1]
    if ratio >= limited:
        return EUROSTAT_CATEGORIES[2]
    return EUROSTAT_CATEGORIES[3]


def unsd_ratio(projected: float, baseline: float, target: float) -> float:
    """(projected − baseline) / (target − baseline): the share of the required change that the
    current trend would deliver by the target year."""
    return (projected - baseline) / (target - baseline)


def unsd_cumulative_ratio(done: float, target: float, elapsed_years: int, plan_years: int) -> float:
    """Linear projection of a cumulative total to the plan's end, over the target (baseline 0).

    45,000 after 2 of 5 years projects to 112,500: ratio 1.125."""
    return unsd_ratio(done / elapsed_years * plan_years, 0.0, target)


def unsd_category(ratio: float, thresholds: tuple[float, float] | None = None) -> str:
    on_track, fair = thresholds or configured_thresholds().unsd
    if ratio >= on_track:
        return UNSD_CATEGORIES[0]
    if ratio >= fair:
        return UNSD_CATEGORIES[1]
    return UNSD_CATEGORIES[2]


def destatis_annual_category(
    latest: float,
    target: float,
    higher_is_better: bool,
    thresholds: tuple[float, float] | None = None,
) -> str:
    """A target kept every year: met, or the latest year's shortfall as a share of the target.

    Unemployment 4.3% against a 4% ceiling: shortfall 0.3 / 4 = 7.5% → 差距较大."""
    shortfall = (target - latest) if higher_is_better else (latest - target)
    if shortfall <= 0:
        return DESTATIS_CATEGORIES[0]
    share = shortfall / abs(target)
    small, large = thresholds or configured_thresholds().destatis
    if share < small:
        return DESTATIS_CATEGORIES[1]
    if share <= large:
        return DESTATIS_CATEGORIES[2]
    return DESTATIS_CATEGORIES[3]
