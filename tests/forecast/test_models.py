"""The batched models against their references: numpy's line, statsmodels' Theta and damped Holt.

Worked examples are real M3 yearly series (data/reference/benchmarks, log scale, as the engine
sees them) cut at 6, 9, 14 and 20 values, the lengths of the county series and of the backtests."""

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from pipeline import REFERENCE_DIR
from pipeline.forecast import models
from pipeline.forecast.engine import model_means, model_means_many

HORIZON = 4
LENGTHS = (6, 9, 14, 20)


def _m3(series_id: str) -> np.ndarray:
    data = pd.read_csv(REFERENCE_DIR / "benchmarks" / "m3_yearly_dev.csv", dtype={"series_id": str})
    return np.log1p(data.loc[data["series_id"] == series_id, "value"].to_numpy(float))


@pytest.fixture(scope="module")
def examples() -> list[np.ndarray]:
    return [_m3(f"N{i:>4}")[:n] for i in (1, 2, 3) for n in LENGTHS]


def _relative(ours: np.ndarray, reference: np.ndarray) -> float:
    return float(np.abs(ours - reference).max() / np.abs(reference).max())


def test_naive_drift_and_line_in_one_stack_of_different_lengths():
    series = [np.array([1.0, 2.5, 2.0]), np.array([3.0, 2.0, 4.0, 5.5, 5.0, 7.0])]
    stack = models.Stack.of(series)
    assert models.naive(stack, 2).tolist() == [[2.0, 2.0], [7.0, 7.0]]
    # Drift: (last − first) / (n − 1) per step: 0.5 and 0.8.
    assert models.rw_drift(stack, 2) == pytest.approx(np.array([[2.5, 3.0], [7.8, 8.6]]))
    for row, z in enumerate(series):
        slope, intercept = np.polyfit(np.arange(len(z)), z, 1)
        expected = intercept + slope * np.arange(len(z), len(z) + 2)
        assert models.linear(stack, 2)[row] == pytest.approx(expected, rel=1e-12)


def test_theta_matches_statsmodels(examples):
    stack = models.Stack.of(examples)
    ours = models.theta(stack, HORIZON)
    alphas = models.ses_alpha(stack)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = [ThetaModel(z, period=1, deseasonalize=False).fit() for z in examples]
    for row, fit in enumerate(fits):
        assert _relative(ours[row], np.asarray(fit.forecast(HORIZON))) < 1e-5
    # Where they differ at all, it is statsmodels stopping short of the least squares.
    theirs = np.array([fit.params["alpha"] for fit in fits])
    ours_sse = models.ses(stack, alphas[:, None])[0][:, 0]
    assert (ours_sse <= models.ses(stack, theirs[:, None])[0][:, 0] * (1 + 1e-12)).all()


def _statsmodels_holt(z: np.ndarray):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ExponentialSmoothing(
            z, trend="add", damped_trend=True, initialization_method="estimated"
        ).fit()


def test_damped_holt_matches_statsmodels(examples):
    ours = models.damped_holt(models.Stack.of(examples), HORIZON)
    for row, z in enumerate(examples):
        assert _relative(ours[row], np.asarray(_statsmodels_holt(z).forecast(HORIZON))) < 1e-5


def test_damped_holt_never_has_more_squared_error_than_statsmodels():
    """Series where the two optimisers stop in different places (N 4 and N 11 at 9 values, N 6 at
    6): the sum of squared one-step errors is then lower here (differences of 0.6–4%)."""
    series = [_m3("N   4")[:9], _m3("N  11")[:9], _m3("N   6")[:6]]
    _, sse, _, _ = models.fit_damped_holt(models.Stack.of(series))
    for row, z in enumerate(series):
        assert sse[row] <= _statsmodels_holt(z).sse * (1 + 1e-9)


def test_a_series_fitted_in_a_stack_is_fitted_as_alone(examples):
    """Padding is never read: each series' paths do not depend on what it is stacked with."""
    stack = models.Stack.of(examples)
    for name, fit in models.MODELS.items():
        together = fit(stack, HORIZON)
        for row in (0, 5, 11):
            alone = fit(models.Stack.of([examples[row]]), HORIZON)[0]
            assert together[row] == pytest.approx(alone, rel=1e-12), name


def test_many_series_at_once_gives_each_its_own_models_and_horizon():
    histories = [np.log1p(np.arange(1.0, n + 1) * 10) for n in (1, 2, 3, 5, 6, 12)]
    horizons = [3, 1, 2, 4, 5, 2]
    many = model_means_many(histories, horizons)
    for z, horizon, means in zip(histories, horizons, many, strict=True):
        one = model_means(z, horizon)
        assert set(means) == set(one)
        for name, path in means.items():
            assert len(path) == horizon
            assert path == pytest.approx(one[name], rel=1e-12)
    assert [len(m) for m in many] == [1, 1, 3, 3, 5, 5]
