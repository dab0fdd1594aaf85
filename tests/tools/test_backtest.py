import numpy as np
import pandas as pd
import pytest

from pipeline.tools.backtest import (
    PanelSeries,
    brier_table,
    point_metrics,
    probability_forecasts,
    rolling_origin,
    smape,
)


def test_smape_worked_example():
    assert smape(np.array([110.0]), np.array([100.0]))[0] == pytest.approx(200 * 10 / 210)


def test_point_metrics_are_relative_to_naive():
    frame = pd.DataFrame(
        {
            "actual": [100.0, 100.0],
            "naive": [90.0, 110.0],
            "ours": [95.0, 105.0],
            "scale": [10.0, 10.0],
        }
    )
    table = point_metrics(frame, ["ours", "naive"]).set_index("method")
    assert table.loc["naive", "MASE"] == pytest.approx(1.0)
    assert table.loc["ours", "MASE_vs_naive"] == pytest.approx(0.5)


def test_rolling_origin_never_forecasts_beyond_the_data_and_records_probabilities():
    years = np.arange(2012, 2025)
    panel = [
        PanelSeries(
            "g", f"s{i}", years, 1000 * np.exp(0.03 * np.arange(len(years)) + 0.01 * i), "log"
        )
        for i in range(3)
    ]
    thresholds = {("s0", 2019): (1.0, True), ("s1", 2019): (1e9, True)}
    rows = rolling_origin(panel, 2018, 2024, thresholds)
    assert (rows["origin"] + rows["h"] <= 2024).all()
    assert set(rows["origin"]) == set(range(2018, 2024))
    p = rows.dropna(subset=["p_ours"]).set_index("series")["p_ours"]
    assert p["s0"] == 1.0 and p["s1"] == 0.0  # a trivially met and an impossible task


def test_brier_scores_of_perfect_and_useless_forecasts():
    rows = pd.DataFrame({
        "h": 1, "group": "g", "origin": [2018, 2019, 2020, 2021], "actual": [5.0, 1.0, 5.0, 1.0],
        "task": 3.0, "higher_is_better": True, "naive": [5.0, 5.0, 1.0, 1.0],
        "p_ours": [1.0, 0.0, 1.0, 0.0],
    })  # fmt: skip
    table = brier_table(probability_forecasts(rows)).set_index("method")["brier"]
    assert table["模拟概率（本方法）"] == 0.0
    assert table["持平法（上年值）"] == pytest.approx(0.5)
