"""Assess each region × indicator for an assessment year: target, actual to date, forecast for the
plan's end, probability of meeting the target, deterministic schedule check, and status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from pipeline.config.indicators import indicator, indicators, indicators_for, plan_for_year, target
from pipeline.config.regions import Region, city, counties, tier_words
from pipeline.config.schema import Indicator, Plan, load_targets_config
from pipeline.forecast.calibration import Calibration, calibrate, panel_cases
from pipeline.forecast.engine import (
    SUMMARY_COLUMNS,
    TREND_MIN_POINTS,
    Shocks,
    common_shock_share,
    quantile_summary,
    simulate,
    stable_seed,
    step_sd,
    to_model_scale,
)
from pipeline.plan_targets import verdict
from pipeline.plan_targets.progress import (
    destatis_annual_category,
    eurostat_category,
    eurostat_cumulative_ratio,
    time_progress_gap,
    unsd_category,
    unsd_cumulative_ratio,
)
from pipeline.plan_targets.verdict import AT_RISK, DIFFICULT, DONE, FAILED, KEPT_SO_FAR, ON_TRACK

STATUSES = (DONE, ON_TRACK, KEPT_SO_FAR, AT_RISK, DIFFICULT, FAILED)
FINAL_STATUSES = (verdict.FINAL_MET, verdict.FINAL_MISSED)
ASSESSMENT_COLUMNS = [
    "year", "plan", "region_code", "region", "indicator", "indicator_name", "unit", "kind", "article",
    "target", "actual_to_date", "years_observed", "history_years", "years_met", "years_missed",
    "required_per_year", "recent_pace", "best_year", "forecast_end", "forecast_end_lo80",
    "forecast_end_hi80", "probability", "probability_final_year", "time_progress_gap",
    "eurostat_ratio", "eurostat_category", "unsd_ratio", "unsd_category", "destatis_category",
    "check", "status", "models", "note",
]  # fmt: skip
PATH_COLUMNS = ["region_code", "indicator", "year", *SUMMARY_COLUMNS]


def calibration_first_origin(years: Iterable[int]) -> int:
    """The first origin of the calibration's backtests, from the years of the data: the first year
    at which a series that starts with the data has TREND_MIN_POINTS observations, so that its
    cases test the trend models as well as the naive one (2018 on the sample, which starts in
    2016). Derived, not configured: a later plan's data, or a tier whose data start later, moves it."""
    return int(min(years)) + TREND_MIN_POINTS - 1


def elapsed_years(year: int, plan: Plan) -> int:
    return year - plan.start + 1


def status_from_probability(probability: float, already_met: bool) -> str:
    if already_met:
        return DONE
    thresholds = load_targets_config().status_thresholds
    if probability >= thresholds.on_track_min_probability:
        return ON_TRACK
    if probability >= thresholds.at_risk_min_probability:
        return AT_RISK
    return DIFFICULT


def _transform(item: Indicator) -> str:
    return "logit" if item.measure == "rate" else "log"


@dataclass(frozen=True)
class SeriesData:
    years: np.ndarray
    values: np.ndarray  # NaN where missing

    def observed(self) -> np.ndarray:
        return self.values[np.isfinite(self.values)]


def series(actual: pd.DataFrame, region_code: str, indicator_id: str, last_year: int) -> SeriesData:
    rows = actual[
        (actual["region_code"] == region_code)
        & (actual["indicator"] == indicator_id)
        & (actual["year"] <= last_year)
    ]
    if rows.empty:
        return SeriesData(np.array([], dtype=int), np.array([], dtype=float))
    years = np.arange(int(rows["year"].min()), last_year + 1)
    by_year = dict(zip(rows["year"].astype(int), rows["value"].astype(float), strict=True))
    return SeriesData(years, np.array([by_year.get(y, np.nan) for y in years]))


def pooled_step_sd(actual: pd.DataFrame, item: Indicator, last_year: int) -> float | None:
    """Median step size of the indicator over all regions, using years up to ``last_year``: each
    region's observed values in year order, as :func:`series` gives them, from one pass over the
    rows (a filter per region made the calibration quadratic in the number of regions)."""
    rows = actual[(actual["indicator"] == item.id) & (actual["year"] <= last_year)]
    rows = rows.sort_values("year", kind="stable")
    by_region = {}
    for code, group in rows.groupby("region_code", sort=False):
        values = group["value"].to_numpy(dtype=float)
        by_region[code] = values[np.isfinite(values)]
    sds = []
    for region in (city(), *counties()):
        observed = by_region.get(region.code, np.array([], dtype=float))
        sd = step_sd(to_model_scale(observed, _transform(item))) if observed.size else None
        if sd:
            sds.append(sd)
    return float(np.median(sds)) if sds else None


def build_calibration(actual: pd.DataFrame, year: int) -> Calibration:
    """Model weights and interval scale factors per indicator from rolling-origin backtests on the
    counties (the city for city-only indicators), using only data up to ``year``."""
    settings = load_targets_config().forecast
    regions = {
        i.id: [city().code] if i.city_only else [c.code for c in counties()] for i in indicators()
    }
    # The pooled step size is cached: one per indicator and origin, not one per case (which made
    # the calibration cubic in the number of regions).
    cases = panel_cases(
        actual, year, calibration_first_origin(actual["year"]), settings.max_horizon,
        {i.id: _transform(i) for i in indicators()}, regions,
        cache(lambda indicator_id, origin: pooled_step_sd(actual, indicator(indicator_id), origin)),
    )  # fmt: skip
    return calibrate(cases, settings.max_horizon, settings.calibration_paths, settings.seed)


def _common_share(actual: pd.DataFrame, item: Indicator, year: int) -> float:
    # each county's series from its own rows, found in one pass (a filter of the whole table per
    # county made the year stage quadratic in the number of regions)
    rows = actual[actual["indicator"] == item.id]
    by_region = dict(tuple(rows.groupby("region_code", sort=False)))
    none = rows.iloc[:0]
    panel = {
        c.code: series(by_region.get(c.code, none), c.code, item.id, year).values
        for c in counties()
    }
    lengths = {len(v) for v in panel.values()}
    if len(lengths) != 1 or 0 in lengths:
        return 0.0
    return common_shock_share(panel, _transform(item))


def indicator_parameters(actual: pd.DataFrame, year: int) -> dict[str, dict[str, float | None]]:
    """Per indicator, from all regions: the pooled step size and the common-shock share."""
    return {
        i.id: {
            "pooled_step_sd": pooled_step_sd(actual, i, year),
            "common_share": _common_share(actual, i, year),
        }
        for i in indicators()
    }


class Simulator:
    """Simulates every county's remaining plan years with shared shocks, for one assessment year."""

    def __init__(
        self,
        actual: pd.DataFrame,
        year: int,
        calibration: Calibration | None = None,
        parameters: dict[str, dict[str, float | None]] | None = None,
        known_paths: dict[tuple[str, str], tuple[np.ndarray, list[str]] | None] | None = None,
    ) -> None:
        """``parameters`` (indicator → pooled_step_sd, common_share), computed once per year by the
        year stage, spare the pooled statistics over all regions (then ``actual`` need hold only
        the regions assessed); ``known_paths`` are paths already simulated, e.g. by county stages."""
        self.actual = actual
        self.year = year
        self.plan = plan_for_year(year)
        settings = load_targets_config().forecast
        self.n_paths = settings.n_paths
        self.seed = settings.seed
        self.horizon = self.plan.end - year
        self.calibration = build_calibration(actual, year) if calibration is None else calibration
        # Both depend only on the indicator: computed once, shared by every region.
        parameters = parameters or indicator_parameters(actual, year)
        self.pooled_step_sd = {k: v["pooled_step_sd"] for k, v in parameters.items()}
        self.common_share = {k: float(v["common_share"]) for k, v in parameters.items()}
        self._paths = dict(known_paths or {})

    def paths(self, region: Region, item: Indicator) -> tuple[np.ndarray, list[str]] | None:
        """Future paths for the years after the assessment year, or None if nothing is observed.

        Kept once computed: the city's cumulative indicators sum the same county paths."""
        key = (region.code, item.id)
        if key not in self._paths:
            self._paths[key] = self._simulate(region, item)
        return self._paths[key]

    def _simulate(self, region: Region, item: Indicator) -> tuple[np.ndarray, list[str]] | None:
        observed = series(self.actual, region.code, item.id, self.year).observed()
        if observed.size == 0 or self.horizon == 0:
            return None
        shocks = Shocks.draw(
            self.n_paths, self.horizon, self.common_share[item.id],
            common_seed=stable_seed(self.seed, self.year, item.id, "common"),
            own_seed=stable_seed(self.seed, self.year, item.id, region.code),
        )  # fmt: skip
        paths, models = simulate(
            observed, self.horizon, _transform(item), shocks, self.pooled_step_sd[item.id],
            integer=item.integer, interval_scale=self.calibration.scale_for(item.id, self.horizon),
            weights=self.calibration.weights_for(item.id),
        )  # fmt: skip
        # A widened interval must not leave what the indicator can be (e.g. 52 meetings a year).
        return np.clip(paths, *item.valid_range), models


def _imputed_flow(data: SeriesData, plan: Plan) -> tuple[float, list[int]]:
    """Sum of a flow over the plan years observed; a missing plan year is filled with the mean of
    its observed neighbours and named in the note (never silently treated as 0)."""
    total, filled = 0.0, []
    for index, year in enumerate(data.years):
        if year < plan.start:
            continue
        value = data.values[index]
        if not np.isfinite(value):
            neighbours = [
                data.values[i]
                for i in (index - 1, index + 1)
                if 0 <= i < len(data.values) and np.isfinite(data.values[i])
            ]
            value = float(np.mean(neighbours)) if neighbours else 0.0
            filled.append(int(year))
        total += value
    return total, filled


def _cumulative_fields(
    data: SeriesData, plan: Plan, year: int, goal: float, paths: np.ndarray | None, notes: list[str]
) -> dict:
    elapsed = elapsed_years(year, plan)
    done, filled = _imputed_flow(data, plan)
    if filled:
        notes.append(f"{'、'.join(map(str, filled))}年完成数缺失，按相邻年份均值插补")
    eurostat = eurostat_cumulative_ratio(done, goal, elapsed, len(plan.years))
    unsd = unsd_cumulative_ratio(done, goal, elapsed, len(plan.years))
    observed = data.observed()
    required = verdict.required_per_year(done, goal, plan.end - year)
    pace = verdict.recent_pace(list(data.values[data.years >= plan.start]))
    best = float(observed.max()) if observed.size else np.nan
    check = verdict.pace_category(done, goal, required, pace, best)
    fields = {
        "actual_to_date": done, "years_met": np.nan, "years_missed": "",
        "required_per_year": required if year < plan.end else np.nan,
        "recent_pace": pace, "best_year": best,
        "time_progress_gap": time_progress_gap(done, goal, elapsed, len(plan.years)),
        "eurostat_ratio": eurostat, "eurostat_category": eurostat_category(eurostat),
        "unsd_ratio": unsd, "unsd_category": unsd_category(unsd), "destatis_category": "",
    }  # fmt: skip
    if year == plan.end:  # the plan's last year: a verdict, not a forecast
        shortfall = goal - done
        if shortfall > 0:
            notes.append(f"差{shortfall:,.0f}人，完成规划目标的{done / goal * 100:.1f}%")
        return fields | {
            "check": verdict.final_verdict(done >= goal),
            "status": verdict.final_verdict(done >= goal),
        }
    final_totals = done + (paths.sum(axis=1) if paths is not None else 0.0)
    probability = (
        1.0
        if done >= goal
        else (float(np.mean(final_totals >= goal)) if paths is not None else 0.0)
    )
    probability_status = status_from_probability(probability, done >= goal)
    status = verdict.consistent_status(probability_status, check)
    if check != verdict.PACE_DONE:
        notes.append(
            f"剩余{plan.end - year}年每年需完成{required:,.0f}人，近两年年均{pace:,.0f}人，"
            f"历史最好{best:,.0f}人"
        )
    if status != probability_status:
        notes.append(f"按概率为“{probability_status}”，按进度核算调整为“{status}”")
    notes += _pace_and_forecast_agree(
        check, status, probability, float(np.median(final_totals)), goal
    )
    return fields | {
        "forecast_end": float(np.median(final_totals)),
        "forecast_end_lo80": float(np.quantile(final_totals, 0.1)),
        "forecast_end_hi80": float(np.quantile(final_totals, 0.9)),
        "probability": probability, "check": check, "status": status,
    }  # fmt: skip


def _pace_and_forecast_agree(
    check: str, status: str, probability: float, median: float, goal: float
) -> list[str]:
    """One message per row: where the pace check's words and the forecast point different ways,
    the note says how both hold (汉滨区: 近两年速度够用 but P = 49%; 宁陕县: 需超历史最好水平 but the
    median reaches the target on the recent trend)."""
    if check == verdict.PACE_ENOUGH and status != ON_TRACK:
        return [
            f"近两年的平均速度够用，但年际波动大，按预测达标概率{probability * 100:.0f}%，"
            f"因此为“{status}”"
        ]
    if check == verdict.PACE_BEYOND_BEST and median >= goal:
        return [
            "所需年均数超过历史最好年份，但按近年趋势的期末预测达到目标；"
            f"达标概率{probability * 100:.0f}%，因此为“{status}”"
        ]
    return []


def _limit_fields(
    item: Indicator, data: SeriesData, plan: Plan, year: int, goal: float,
    paths: np.ndarray | None, notes: list[str],
) -> dict:  # fmt: skip
    in_plan = (data.years >= plan.start) & np.isfinite(data.values)
    plan_years, plan_values = data.years[in_plan], data.values[in_plan]
    ok = verdict.limit_kept(plan_values, goal, item.kind)
    missed = [int(y) for y in plan_years[~ok]]
    unreported = sorted(set(range(plan.start, year + 1)) - {int(y) for y in plan_years})
    if missed:
        notes.append(
            f"{verdict.years_missed_text(missed)}未达到年度要求（{verdict.bound_word(item.kind)}{goal:g}{item.unit}）"
        )
    fields = {
        "actual_to_date": float(plan_values[-1]) if plan_values.size else np.nan,
        "years_met": int(ok.sum()), "years_missed": "、".join(map(str, missed)),
        "required_per_year": np.nan, "recent_pace": np.nan, "best_year": np.nan,
        "time_progress_gap": np.nan, "eurostat_ratio": np.nan, "eurostat_category": "",
        "unsd_ratio": np.nan, "unsd_category": "",
        "destatis_category": destatis_annual_category(
            float(plan_values[-1]), goal, item.direction == "higher_is_better"
        ) if plan_values.size else "",
        "check": verdict.limit_fact(
            missed, int(plan_values.size), final=year == plan.end, years_unreported=unreported
        ),
    }  # fmt: skip
    if plan_values.size == 0:
        notes.append("规划期内无观测值")
        return fields | {"status": verdict.NO_DATA}
    if unreported:
        # A plan year without a value is not counted as kept, so "every plan year" can no longer
        # be met: a fact, with probability 0 and the reason — never 进度正常 beside the gap.
        notes.append(
            f"{verdict.years_missed_text(unreported)}无数据，不计为达标，规划期逐年达标已无法实现"
        )
    if year == plan.end:
        return fields | {"status": verdict.final_verdict(not (missed or unreported))}
    if missed or unreported:  # the plan asks for every year: a missed year is a fact, not a risk
        return fields | {"probability": 0.0 if item.forecast else np.nan, "status": FAILED}
    if paths is None:  # not forecast (e.g. 第十二条 meetings: a count decided by the government)
        return fields | {"status": KEPT_SO_FAR}
    future_ok = verdict.limit_kept(paths, goal, item.kind)
    probability = float(np.mean(future_ok.all(axis=1)))
    end_values = paths[:, -1]
    return fields | {
        "forecast_end": float(np.median(end_values)),
        "forecast_end_lo80": float(np.quantile(end_values, 0.1)),
        "forecast_end_hi80": float(np.quantile(end_values, 0.9)),
        "probability": probability, "probability_final_year": float(np.mean(future_ok[:, -1])),
        "status": status_from_probability(probability, False),
    }  # fmt: skip


def assess_region(simulator: Simulator, region: Region) -> tuple[list[dict], list[dict]]:
    """Assessment rows and forecast-path summaries for one region (the city sums county paths).

    In the plan's last year there is nothing left to forecast: the row is a verdict."""
    plan, year = simulator.plan, simulator.year
    rows, path_rows = [], []
    for item in indicators_for(region):
        goal = target(plan, item, region)
        data = series(simulator.actual, region.code, item.id, year)
        notes: list[str] = []
        paths, models = None, []
        if item.forecast and year < plan.end:
            if item.kind == "cumulative" and region.is_city:
                county_paths = [simulator.paths(c, item) for c in counties()]
                if all(p is not None for p in county_paths):
                    paths = np.sum([p[0] for p in county_paths], axis=0)
                models = sorted({m for p in county_paths if p for m in p[1]})
                notes.append(
                    f"{tier_words().top}预测为{len(counties())}个{tier_words().members_short}的预测之和"
                )
            else:
                simulated = simulator.paths(region, item)
                paths, models = simulated if simulated else (None, [])
        row = {
            "year": year, "plan": plan.name, "region_code": region.code, "region": region.name,
            "indicator": item.id, "indicator_name": item.name, "unit": item.unit, "kind": item.kind,
            "article": item.article, "target": goal,
            "years_observed": int(np.isfinite(data.values[data.years >= plan.start]).sum()),
            "history_years": int(data.observed().size), "models": "、".join(models),
            "forecast_end": np.nan, "forecast_end_lo80": np.nan, "forecast_end_hi80": np.nan,
            "probability": np.nan, "probability_final_year": np.nan,
        }  # fmt: skip
        if item.kind == "cumulative":
            row |= _cumulative_fields(data, plan, year, goal, paths, notes)
        else:
            row |= _limit_fields(item, data, plan, year, goal, paths, notes)
        row["note"] = "；".join(notes)
        rows.append(row)
        if paths is not None:
            summary = quantile_summary(paths)
            for h in range(paths.shape[1]):
                path_rows.append(
                    {"region_code": region.code, "indicator": item.id, "year": year + h + 1}
                    | {k: float(v[h]) for k, v in summary.items()}
                )
    return rows, path_rows


def assess(
    actual: pd.DataFrame,
    year: int,
    regions: list[Region],
    calibration: Calibration | None = None,
    simulator: Simulator | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assessment table and forecast-path table for the given regions in one assessment year.

    ``calibration`` holds model weights and interval factors; None computes them from ``actual``.
    A ``simulator`` given (e.g. with the year's parameters and the counties' paths) is used as is."""
    simulator = simulator or Simulator(actual, year, calibration)
    rows, path_rows = [], []
    for region in regions:
        region_rows, region_paths = assess_region(simulator, region)
        rows += region_rows
        path_rows += region_paths
    return pd.DataFrame(rows, columns=ASSESSMENT_COLUMNS), pd.DataFrame(
        path_rows, columns=PATH_COLUMNS
    )
