"""Weigh the models and calibrate the intervals by rolling-origin backtests.

Every backtest case is a series cut at an origin and forecast ``h`` steps ahead with what was
known then. Two things are learnt from the cases of a group (an indicator across counties, or a
set of benchmark series), and only from them:

1. Model weights (Bates–Granger inverse squared error). Each model's error on a case is the
   absolute error on the model scale divided by the history's mean absolute year-on-year change
   (a MASE on the model scale); w_k ∝ 1 / (mean scaled error of model k)².
2. Interval scale factors (split-conformal). The conformity score of a case and horizon is
   s = |z_actual − median| / ((q90 − q10) / 2) of the weighted simulation; the factor k_h is the
   conformal quantile s_(⌈(n+1)·0.8⌉) of the scores at horizon h, so that stretching the simulated
   spread by k_h makes the 80% interval cover 80% of past outcomes. A horizon with fewer than
   MIN_SCORES scores takes the factor pooled over all horizons; with fewer still, 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.forecast.engine import (
    MODELS,
    Shocks,
    Transform,
    effective_step_sd,
    model_means_many,
    simulate_from_means,
    stable_seed,
    to_model_scale,
)
from pipeline.store.atomic import write_csv_atomically
from pipeline.store.catalog import CALIBRATION_SCALES_FILE, MODEL_WEIGHTS_FILE
from pipeline.store.inert import read_csv

# Not configuration: the 80% interval is the published one (the q10/q90 columns, *_lo80/*_hi80,
# "80%预测区间" in the report and the workbook); another level would need other columns and words.
CALIBRATION_LEVEL = 0.8
# A small-sample safeguard of the method, not a policy choice: below this many scores a horizon's
# conformal quantile is too noisy, and the factor pooled over the horizons is used instead.
MIN_SCORES = 20
SCORE_COLUMNS = ["group", "series", "origin", "h", "score"]
ERROR_COLUMNS = [
    "group",
    "series",
    "origin",
    "h",
    "model",
    "scaled_error",
    "forecast_z",
    "actual_z",
]


@dataclass(frozen=True)
class BacktestCase:
    """One series cut at an origin: what was known then, and what happened after."""

    group: str  # cases of one group share weights and scale factors
    series: str
    origin: int
    history: np.ndarray  # observed values up to and including the origin
    future: np.ndarray  # the next values (NaN where unknown)
    transform: Transform
    pooled_step_sd: float | None = None  # for histories too short to have their own


@dataclass(frozen=True)
class FittedCase:
    case: BacktestCase
    means: dict[str, np.ndarray]
    sd: float
    error_scale: float | None  # mean |Δz| of the history, the MASE denominator


@dataclass(frozen=True)
class Calibration:
    """What the backtests taught: model weights and interval scale factors, per group."""

    weights: pd.DataFrame  # group, model, weight, mean_scaled_error, n_errors
    scales: pd.DataFrame  # group, h, scale, n_scores, basis

    def weights_for(self, group: str) -> dict[str, float] | None:
        return group_weights(self.weights, group)

    def scale_for(self, group: str, horizon: int) -> np.ndarray | None:
        """The factors for h = 1…horizon of one group, or None when the group has none."""
        rows = self.scales[self.scales["group"] == group].set_index("h")["scale"]
        if rows.empty:
            return None
        return np.array([rows.get(h, rows.iloc[-1]) for h in range(1, horizon + 1)], dtype=float)

    def write(self, folder: Path) -> None:
        write_csv_atomically(self.weights, folder / MODEL_WEIGHTS_FILE)
        write_csv_atomically(self.scales, folder / CALIBRATION_SCALES_FILE)

    @classmethod
    def read(cls, folder: Path) -> Calibration | None:
        if (
            not (folder / MODEL_WEIGHTS_FILE).exists()
            or not (folder / CALIBRATION_SCALES_FILE).exists()
        ):
            return None
        return cls(
            read_csv(folder / MODEL_WEIGHTS_FILE), read_csv(folder / CALIBRATION_SCALES_FILE)
        )


def group_weights(weights: pd.DataFrame, group: str) -> dict[str, float] | None:
    """One group's model weights as a mapping, or None when the backtests gave it none."""
    rows = weights[weights["group"] == group]
    return dict(zip(rows["model"], rows["weight"], strict=True)) if not rows.empty else None


def conformal_quantile(scores: np.ndarray, level: float = CALIBRATION_LEVEL) -> float:
    """The split-conformal quantile: the ⌈(n+1)·level⌉-th smallest score."""
    ordered = np.sort(scores)
    rank = int(np.ceil((len(ordered) + 1) * level))
    return float(ordered[min(rank, len(ordered)) - 1])


def fit_cases(cases: Iterable[BacktestCase]) -> list[FittedCase]:
    """Every case's model means (all cases fitted at once), step size and error scale."""
    cases = list(cases)
    histories = [to_model_scale(case.history, case.transform) for case in cases]
    means = model_means_many(histories, [len(case.future) for case in cases])
    fitted = []
    for case, z, case_means in zip(cases, histories, means, strict=True):
        changes = np.abs(np.diff(z))
        error_scale = float(changes.mean()) if changes.size and changes.mean() > 0 else None
        fitted.append(
            FittedCase(case, case_means, effective_step_sd(z, case.pooled_step_sd), error_scale)
        )
    return fitted


def model_errors(fitted: list[FittedCase]) -> pd.DataFrame:
    """Each model's scaled error on every case and horizon."""
    rows = []
    for item in fitted:
        actual = to_model_scale(item.case.future, item.case.transform)
        for model, path in item.means.items():
            for h in range(len(path)):
                if np.isfinite(item.case.future[h]) and item.error_scale:
                    error = abs(actual[h] - path[h]) / item.error_scale
                    rows.append(
                        (
                            item.case.group,
                            item.case.series,
                            item.case.origin,
                            h + 1,
                            model,
                            error,
                            path[h],
                            actual[h],
                        )
                    )
    return pd.DataFrame(rows, columns=ERROR_COLUMNS)


def model_weights(errors: pd.DataFrame) -> pd.DataFrame:
    """w_k ∝ 1 / (mean scaled error)², normalised within each group."""
    table = errors.groupby(["group", "model"])["scaled_error"].agg(["mean", "size"]).reset_index()
    table.columns = ["group", "model", "mean_scaled_error", "n_errors"]
    inverse = 1.0 / np.maximum(table["mean_scaled_error"], 1e-6) ** 2
    table["weight"] = inverse / inverse.groupby(table["group"]).transform("sum")
    order = {name: i for i, name in enumerate(MODELS)}
    table = table.sort_values(
        ["group", "model"], key=lambda c: c.map(order) if c.name == "model" else c
    )
    return table[["group", "model", "weight", "mean_scaled_error", "n_errors"]].reset_index(
        drop=True
    )


def conformity_scores(
    fitted: list[FittedCase], weights: pd.DataFrame, n_paths: int, seed: int
) -> pd.DataFrame:
    by_group = {group: group_weights(weights, group) for group in {f.case.group for f in fitted}}
    rows = []
    for item in fitted:
        case = item.case
        shocks = Shocks.draw(
            n_paths,
            len(case.future),
            0.0,
            stable_seed(seed, case.series, case.origin, "c"),
            stable_seed(seed, case.series, case.origin),
        )
        paths_z = simulate_from_means(
            item.means,
            item.sd,
            shocks,
            by_group[case.group],
        )
        median = np.median(paths_z, axis=0)
        lo, hi = np.quantile(paths_z, [0.1, 0.9], axis=0)
        actual = to_model_scale(case.future, case.transform)
        for h in range(len(case.future)):
            half_width = (hi[h] - lo[h]) / 2
            if np.isfinite(case.future[h]) and half_width > 0:
                rows.append(
                    (
                        case.group,
                        case.series,
                        case.origin,
                        h + 1,
                        abs(actual[h] - median[h]) / half_width,
                    )
                )
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def interval_scales(scores: pd.DataFrame, max_horizon: int) -> pd.DataFrame:
    """One factor per group and horizon, with how many scores it rests on and where it came from."""
    rows = []
    for group, group_scores in scores.groupby("group"):
        pooled = group_scores["score"].to_numpy()
        for h in range(1, max_horizon + 1):
            at_h = group_scores.loc[group_scores["h"] == h, "score"].to_numpy()
            if len(at_h) >= MIN_SCORES:
                rows.append((group, h, conformal_quantile(at_h), len(at_h), "horizon"))
            elif len(pooled) >= MIN_SCORES:
                rows.append((group, h, conformal_quantile(pooled), len(pooled), "pooled"))
            else:
                rows.append((group, h, 1.0, len(at_h), "none"))
    return pd.DataFrame(rows, columns=["group", "h", "scale", "n_scores", "basis"])


def calibrate(
    cases: Iterable[BacktestCase], max_horizon: int, n_paths: int, seed: int
) -> Calibration:
    fitted = fit_cases(cases)
    weights = model_weights(model_errors(fitted))
    scores = conformity_scores(fitted, weights, n_paths, seed)
    return Calibration(weights, interval_scales(scores, max_horizon))


def panel_cases(
    actual: pd.DataFrame,
    last_year: int,
    first_origin: int,
    max_horizon: int,
    transforms: dict[str, Transform],
    regions: dict[str, list[str]],
    pooled_step_sd: Callable[[str, int], float | None],
) -> list[BacktestCase]:
    """Backtest cases from the tidy ``actual`` rows: every region of ``regions[indicator]`` and every
    origin year from ``first_origin`` to ``last_year − 1``, using only years up to ``last_year``.
    ``pooled_step_sd(indicator, origin)`` must itself use only years up to the origin."""
    cases = []
    for indicator_id, region_codes in regions.items():
        rows = actual[(actual["indicator"] == indicator_id) & (actual["year"] <= last_year)]
        by_region = dict(list(rows.groupby("region_code", sort=False)))
        for code in region_codes:
            if code not in by_region:
                continue
            years = by_region[code]["year"].to_numpy()
            values = by_region[code]["value"].to_numpy(dtype=float)
            by_year = dict(zip(years.tolist(), values.tolist(), strict=True))
            for origin in range(first_origin, last_year):
                history = values[years <= origin]
                if history.size == 0:
                    continue
                ahead = range(origin + 1, min(origin + max_horizon, last_year) + 1)
                future = np.array([by_year.get(y, np.nan) for y in ahead])
                if np.isfinite(future).any():
                    cases.append(
                        BacktestCase(
                            indicator_id, f"{code}:{indicator_id}", origin, history, future,
                            transforms[indicator_id], pooled_step_sd(indicator_id, origin),
                        )
                    )  # fmt: skip
    return cases
