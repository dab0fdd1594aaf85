"""Calibration on synthetic series with known truth: do stated probabilities and intervals hold?"""

import numpy as np
import pandas as pd
import pytest

from pipeline.config.schema import load_targets_config
from pipeline.forecast.calibration import (
    BacktestCase,
    conformal_quantile,
    interval_scales,
    model_weights,
)
from pipeline.forecast.engine import Shocks, simulate, stable_seed
from pipeline.forecast.series_file import calibrate

N_SERIES = 160
HISTORY = 12
HORIZON = 2


@pytest.fixture(scope="module")
def synthetic():
    """Log random walks with drift (a known process): 12 observed years and 2 future years."""
    rng = np.random.default_rng(2024)
    drift = rng.normal(0.03, 0.02, N_SERIES)
    steps = rng.normal(drift[:, None], 0.08, (N_SERIES, HISTORY + HORIZON))
    levels = 1000 * np.exp(np.cumsum(steps, axis=1))
    histories = {f"s{i}": levels[i, :HISTORY] for i in range(N_SERIES)}
    futures = {f"s{i}": levels[i, HISTORY:] for i in range(N_SERIES)}
    # A target per series around its expected two-year total, so that probabilities spread out.
    targets = {
        k: v[-1] * (np.exp(0.03) + np.exp(0.06)) * rng.uniform(0.85, 1.15)
        for k, v in histories.items()
    }
    calibration = calibrate(histories, HORIZON)
    settings = load_targets_config().forecast
    rows = []
    for key, history in histories.items():
        shocks = Shocks.draw(1000, HORIZON, 0.0, stable_seed(key, "c"), stable_seed(key))
        paths, _ = simulate(
            history, HORIZON, "log", shocks,
            interval_scale=calibration.scale_for("all", HORIZON), weights=calibration.weights_for("all"),
        )  # fmt: skip
        lo, hi = np.quantile(paths, [0.1, 0.9], axis=0)
        truth = futures[key]
        rows.append({
            "p": float(np.mean(paths.sum(axis=1) >= targets[key])),
            "met": float(truth.sum() >= targets[key]),
            "covered_h1": lo[0] <= truth[0] <= hi[0], "covered_h2": lo[1] <= truth[1] <= hi[1],
        })  # fmt: skip
    assert settings.n_paths >= 1000
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_80_percent_intervals_cover_75_to_85_percent(synthetic):
    coverage = synthetic[["covered_h1", "covered_h2"]].to_numpy().mean()
    assert 0.75 <= coverage <= 0.85


@pytest.mark.slow
def test_probabilities_match_observed_frequencies_by_decile(synthetic):
    deciles = pd.cut(synthetic["p"], np.linspace(0, 1, 11), include_lowest=True)
    table = synthetic.groupby(deciles, observed=True).agg(
        n=("met", "size"), p=("p", "mean"), met=("met", "mean")
    )
    table = table[table["n"] >= 10]
    standard_error = np.sqrt(table["p"] * (1 - table["p"]) / table["n"]).clip(lower=0.02)
    # Within three standard errors of sampling in every well-populated decile.
    assert (np.abs(table["met"] - table["p"]) <= 3 * standard_error + 0.02).all(), table
    assert len(table) >= 6


def test_conformal_quantile_is_the_ceil_n_plus_one_rank():
    scores = np.arange(1, 10, dtype=float)  # n = 9: rank ⌈10 × 0.8⌉ = 8
    assert conformal_quantile(scores) == 8.0


def test_interval_scales_fall_back_to_pooled_then_to_one():
    many = pd.DataFrame(
        {"group": "g", "series": "s", "origin": 0, "h": 1, "score": np.linspace(0, 2, 30)}
    )
    few = pd.DataFrame({"group": "g", "series": "s", "origin": 0, "h": 2, "score": [5.0] * 3})
    scales = interval_scales(pd.concat([many, few]), 3).set_index("h")
    assert scales.loc[1, "basis"] == "horizon" and scales.loc[2, "basis"] == "pooled"
    lonely = interval_scales(few.assign(group="x"), 2)
    assert (lonely["scale"] == 1.0).all() and (lonely["basis"] == "none").all()


def test_weights_favour_the_model_with_smaller_errors():
    errors = pd.DataFrame({
        "group": "g", "series": "s", "origin": 0, "h": 1, "model": ["naive", "linear"] * 50,
        "scaled_error": [1.0, 2.0] * 50, "forecast_z": 0.0, "actual_z": 0.0,
    })  # fmt: skip
    weights = model_weights(errors).set_index("model")["weight"]
    assert weights["naive"] == pytest.approx(0.8) and weights["linear"] == pytest.approx(0.2)


def test_backtest_case_keeps_what_was_known_apart_from_what_followed():
    case = BacktestCase("g", "s", 2020, np.array([1.0, 2.0]), np.array([3.0]), "log")
    assert case.history.tolist() == [1.0, 2.0] and case.future.tolist() == [3.0]
