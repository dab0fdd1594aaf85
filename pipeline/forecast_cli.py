"""``python -m pipeline forecast``: the pipeline's engine on any set of annual series."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import load_targets_config
from pipeline.forecast import Shocks, quantile_summary, simulate, stable_seed

OUTPUT_COLUMNS = ["series_id", "h", "mean", "lo50", "hi50", "lo80", "hi80", "lo95", "hi95"]


class ForecastInputError(ValueError):
    pass


def forecast_series(series: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Forecast every series in a long table (series_id, t, value) ``horizon`` steps ahead.

    Series are simulated independently (no shared shock) on the log(1 + x) scale."""
    missing = {"series_id", "t", "value"} - set(series.columns)
    if missing:
        raise ForecastInputError(
            f"输入缺少列：{'、'.join(sorted(missing))}（需要 series_id, t, value）"
        )
    if (series["value"] < 0).any():
        raise ForecastInputError("value 含负数：本引擎用于非负的年度序列")
    settings = load_targets_config().forecast
    rows = []
    for series_id, group in series.groupby("series_id", sort=False):
        values = group.sort_values("t")["value"].dropna().to_numpy(dtype=float)
        if values.size == 0:
            raise ForecastInputError(f"序列 {series_id} 没有数值")
        shocks = Shocks.draw(
            settings.n_paths,
            horizon,
            0.0,
            stable_seed(settings.seed, series_id, "common"),
            stable_seed(settings.seed, series_id),
        )
        paths, _ = simulate(values, horizon, "log", shocks)
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
    result = forecast_series(series, horizon)
    result.to_csv(output_path, index=False, float_format="%.6g")
