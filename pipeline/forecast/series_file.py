"""``python -m pipeline forecast``: the pipeline's engine on any set of annual series.

Intervals are calibrated on the input itself: every series is cut at each of its last
``horizon`` points, forecast, and the conformity scores pooled across series by horizon
(``pipeline.forecast.calibration``). Only the input is used, so held-out data stays held out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config.schema import load_targets_config
from pipeline.forecast.calibration import BacktestCase, Calibration
from pipeline.forecast.calibration import calibrate as calibrate_cases
from pipeline.forecast.engine import (
    SUMMARY_COLUMNS,
    TREND_MIN_POINTS,
    Shocks,
    effective_step_sd,
    from_model_scale,
    model_means_many,
    quantile_summary,
    simulate_from_means,
    stable_seed,
    to_model_scale,
)
from pipeline.store.inert import write_csv

OUTPUT_COLUMNS = ["series_id", "h", *SUMMARY_COLUMNS]
GROUP = "all"


class ForecastInputError(ValueError):
    pass


def _ordered(series: pd.DataFrame) -> dict[str, np.ndarray]:
    missing = {"series_id", "t", "value"} - set(series.columns)
    if missing:
        raise ForecastInputError(
            f"输入缺少列：{'、'.join(sorted(missing))}（需要 series_id, t, value）"
        )
    if (series["value"] < 0).any():
        raise ForecastInputError("value 含负数：本引擎用于非负的年度序列")
    ordered = {}
    for series_id, group in series.groupby("series_id", sort=False):
        values = group.sort_values("t")["value"].dropna().to_numpy(dtype=float)
        if values.size == 0:
            raise ForecastInputError(f"序列 {series_id} 没有数值")
        ordered[str(series_id)] = values
    return ordered


def calibrate(ordered: dict[str, np.ndarray], horizon: int) -> Calibration:
    """Weights and interval factors from cutting every series at each of its last ``horizon`` points."""
    settings = load_targets_config().forecast
    cases = []
    for series_id, values in ordered.items():
        for cut in range(max(TREND_MIN_POINTS, len(values) - horizon), len(values)):
            future = values[cut : cut + horizon]
            cases.append(BacktestCase(GROUP, series_id, cut, values[:cut], future, "log"))
    return calibrate_cases(cases, horizon, settings.calibration_paths, settings.seed)


def forecast_series(series: pd.DataFrame, horizon: int, calibrated: bool = True) -> pd.DataFrame:
    """Forecast every series in a long table (series_id, t, value) ``horizon`` steps ahead.

    Series are simulated independently (no shared shock) on the log(1 + x) scale."""
    ordered = _ordered(series)
    settings = load_targets_config().forecast
    calibration = calibrate(ordered, horizon) if calibrated else None
    histories = {series_id: to_model_scale(values, "log") for series_id, values in ordered.items()}
    means = model_means_many(list(histories.values()), [horizon] * len(histories))
    rows = []
    for (series_id, z), series_means in zip(histories.items(), means, strict=True):
        shocks = Shocks.draw(
            settings.n_paths, horizon, 0.0,
            stable_seed(settings.seed, series_id, "common"), stable_seed(settings.seed, series_id),
        )  # fmt: skip
        paths_z = simulate_from_means(
            series_means, effective_step_sd(z, None), shocks,
            weights=calibration.weights_for(GROUP) if calibration else None,
            interval_scale=calibration.scale_for(GROUP, horizon) if calibration else None,
        )  # fmt: skip
        paths = from_model_scale(paths_z, "log")
        summary = quantile_summary(paths)
        for h in range(horizon):
            rows.append(
                {"series_id": series_id, "h": h + 1} | {k: float(v[h]) for k, v in summary.items()}
            )
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


def forecast_file(input_path: Path, horizon: int, output_path: Path) -> None:
    if horizon < 1:
        raise ForecastInputError("--horizon 必须是正整数")
    series = pd.read_csv(input_path, dtype={"series_id": str})
    write_csv(forecast_series(series, horizon), output_path, float_format="%.6g")
