"""Forecast short annual series by simulation: a weighted combination of five simple models.

Each series is forecast on a transformed scale that keeps values in range — log(1 + x) for counts
(never negative), logit(x / 100) for rates (always within 0–100). Five models give a mean path:
random walk (naive), random walk with drift, linear trend, Theta and damped additive Holt (the
estimators of statsmodels' ThetaModel and ExponentialSmoothing, fitted to many series at once in
``pipeline.forecast.models``). Paths are simulated by choosing one model per path — with probabilities from
the models' rolling-origin backtest errors (``pipeline.forecast.calibration``), equal when none are given —
and adding a random walk of shocks whose step size is the standard deviation of the series'
year-on-year changes. Shocks have a common part shared by all counties (the same draws for every
county) and an own part, so that summing county paths gives a coherent city total.

Minimum lengths (documented in docs/methodology.md):
- at least FULL_MODEL_MIN_POINTS observations: all five models;
- TREND_MIN_POINTS up to that: naive, drift and linear trend only;
- fewer: naive only, with the step size pooled from other regions.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from pipeline.forecast import models

Transform = Literal["log", "logit"]
# What the models need, not policy: Theta and damped Holt are not fitted on fewer than six points,
# a drift or a trend on fewer than three (docs/methodology.md).
FULL_MODEL_MIN_POINTS = 6
TREND_MIN_POINTS = 3
# Step size on the transformed scale used when a series has too few points and no pooled value.
DEFAULT_STEP_SD = 0.10
_RATE_EPS = 1e-4


def stable_seed(*parts: object) -> int:
    """A seed that depends only on its parts (Python's hash() changes between runs)."""
    return zlib.crc32("|".join(map(str, parts)).encode("utf-8"))


def to_model_scale(values: np.ndarray, transform: Transform) -> np.ndarray:
    if transform == "log":
        return np.log1p(np.clip(values, 0, None))
    share = np.clip(values / 100.0, _RATE_EPS, 1 - _RATE_EPS)
    return np.log(share / (1 - share))


def from_model_scale(values: np.ndarray, transform: Transform) -> np.ndarray:
    if transform == "log":
        return np.expm1(values).clip(min=0)
    return 100.0 / (1.0 + np.exp(-values))


MODELS = models.MODELS
MODEL_NAMES_ZH = {
    "naive": "随机游走", "rw_drift": "带漂移随机游走", "linear": "线性趋势",
    "theta": "Theta", "damped_holt": "阻尼Holt",
}  # fmt: skip
# Which models a series of a given length gets (see the module docstring).
FULL_MODELS = tuple(MODELS)
TREND_MODELS = ("naive", "rw_drift", "linear")


def models_for(length: int) -> tuple[str, ...]:
    if length < TREND_MIN_POINTS:
        return ("naive",)
    return FULL_MODELS if length >= FULL_MODEL_MIN_POINTS else TREND_MODELS


def model_means_many(
    histories: Sequence[np.ndarray], horizons: Sequence[int]
) -> list[dict[str, np.ndarray]]:
    """Mean paths of every model each series is long enough for, ``horizons[i]`` steps ahead of
    ``histories[i]`` (model scale), fitted to all the series at once (``pipeline.forecast.models``).

    A model that explodes (non-finite, or further from the last value than ten times the series'
    range per step) is left out of that series' paths."""
    means: list[dict[str, np.ndarray]] = [{} for _ in histories]
    lengths = np.array([len(z) for z in histories])
    for names in {models_for(n) for n in lengths}:
        rows = [i for i, n in enumerate(lengths) if models_for(n) == names]
        stack = models.Stack.of([histories[i] for i in rows])
        longest = max(horizons[i] for i in rows)
        for name in names:
            with np.errstate(all="ignore"):
                paths = MODELS[name](stack, longest)
            for row, path in zip(rows, paths, strict=True):
                z, path = histories[row], path[: horizons[row]]
                spread = max(float(np.ptp(z)), 1e-6)
                limit = 10 * spread * horizons[row]
                if np.all(np.isfinite(path)) and np.max(np.abs(path - z[-1])) <= limit:
                    means[row][name] = path
    return means


def model_means(z: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """``model_means_many`` for one series."""
    return model_means_many([z], [horizon])[0]


def step_sd(z: np.ndarray) -> float | None:
    """Standard deviation of year-on-year changes on the model scale; None if too short."""
    if len(z) < TREND_MIN_POINTS:
        return None
    return float(np.std(np.diff(z), ddof=1))


@dataclass(frozen=True)
class Shocks:
    """Standard-normal step shocks: `common` is shared by every series of one indicator and year."""

    common: np.ndarray  # (n_paths, horizon)
    own: np.ndarray  # (n_paths, horizon)
    common_share: float  # share of shock variance that is common, in [0, 1)
    model_pick: np.ndarray  # (n_paths,) uniform draws in [0, 1) that choose each path's model

    @classmethod
    def draw(
        cls, n_paths: int, horizon: int, common_share: float, common_seed: int, own_seed: int
    ) -> Shocks:
        common_rng = np.random.default_rng(common_seed)
        own_rng = np.random.default_rng(own_seed)
        return cls(
            common=common_rng.standard_normal((n_paths, horizon)),
            own=own_rng.standard_normal((n_paths, horizon)),
            common_share=common_share,
            model_pick=own_rng.random(n_paths),
        )


def simulate_from_means(
    means: dict[str, np.ndarray],
    sd: float,
    shocks: Shocks,
    weights: dict[str, float] | None = None,
    interval_scale: np.ndarray | None = None,
) -> np.ndarray:
    """Paths on the model scale: each path follows one model's mean path, chosen with probability
    proportional to ``weights`` (equal when None), plus a random walk of shocks of step ``sd``.

    ``interval_scale`` (one factor per horizon, from ``pipeline.forecast.calibration``) stretches each
    horizon's spread around its median so that the intervals cover what they claim."""
    horizon = shocks.own.shape[1]
    names = list(means)
    if weights:
        # A model the backtests never saw (the series has grown long enough for it since) gets
        # the average weight of those they did.
        average = float(np.mean(list(weights.values())))
        raw = np.array([weights.get(n, average) for n in names])
    else:
        raw = np.ones(len(names))
    probabilities = raw / raw.sum() if raw.sum() > 0 else np.full(len(names), 1 / len(names))
    edges = np.cumsum(probabilities)
    edges[-1] = 1.0
    stacked = np.stack([means[n] for n in names])  # (models, horizon)
    chosen = stacked[np.searchsorted(edges, shocks.model_pick, side="right")]
    steps = (
        np.sqrt(shocks.common_share) * shocks.common + np.sqrt(1 - shocks.common_share) * shocks.own
    )
    paths_z = chosen + sd * np.cumsum(steps, axis=1)
    if interval_scale is not None:
        median = np.median(paths_z, axis=0)
        paths_z = median + np.asarray(interval_scale[:horizon]) * (paths_z - median)
    return paths_z


def effective_step_sd(z: np.ndarray, pooled_step_sd: float | None) -> float:
    """The series' own step size, else the pooled one, else DEFAULT_STEP_SD."""
    sd = step_sd(z)
    if sd is None or sd == 0:
        sd = pooled_step_sd if pooled_step_sd is not None else DEFAULT_STEP_SD
    return sd


def simulate_model_scale(
    values: np.ndarray,
    horizon: int,
    transform: Transform,
    shocks: Shocks,
    pooled_step_sd: float | None = None,
    interval_scale: np.ndarray | None = None,
    weights: dict[str, float] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Simulated paths (n_paths × horizon) on the model scale, and the models used."""
    if shocks.own.shape[1] != horizon:
        raise ValueError(f"shocks were drawn for horizon {shocks.own.shape[1]}, not {horizon}")
    z = to_model_scale(np.asarray(values, dtype=float), transform)
    means = model_means(z, horizon)
    sd = effective_step_sd(z, pooled_step_sd)
    return simulate_from_means(means, sd, shocks, weights, interval_scale), list(means)


def simulate(
    values: np.ndarray,
    horizon: int,
    transform: Transform,
    shocks: Shocks,
    pooled_step_sd: float | None = None,
    integer: bool = False,
    interval_scale: np.ndarray | None = None,
    weights: dict[str, float] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Simulated future paths (n_paths × horizon) on the original scale, and the models used.

    ``integer`` rounds the paths, for counts such as meetings held where 1.6 is not an outcome."""
    paths_z, names = simulate_model_scale(
        values, horizon, transform, shocks, pooled_step_sd, interval_scale, weights
    )
    paths = from_model_scale(paths_z, transform)
    return (np.round(paths) if integer else paths), names


def common_shock_share(panel: dict[str, np.ndarray], transform: Transform) -> float:
    """Mean pairwise correlation of counties' year-on-year changes (demeaned), clipped to [0, 0.9].

    ``panel`` maps each county to its values over the same years (NaN where missing)."""
    changes = []
    for values in panel.values():
        z = to_model_scale(np.asarray(values, dtype=float), transform)
        change = np.diff(z)
        changes.append(change - np.nanmean(change) if np.isfinite(change).sum() >= 2 else change)
    matrix = np.array(changes)
    usable = np.all(np.isfinite(matrix), axis=0)
    if usable.sum() < 3 or len(matrix) < 2:
        return 0.0
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant series has no correlation
        corr = np.corrcoef(matrix[:, usable])
    upper = corr[np.triu_indices_from(corr, k=1)]
    upper = upper[np.isfinite(upper)]
    return float(np.clip(upper.mean(), 0.0, 0.9)) if upper.size else 0.0


SUMMARY_COLUMNS = ["mean", "median", "lo50", "hi50", "lo80", "hi80", "lo95", "hi95"]


def quantile_summary(paths: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, median and central 50/80/95% intervals per horizon."""
    q = np.quantile(paths, [0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975], axis=0)
    return {
        "mean": paths.mean(axis=0), "median": q[3], "lo95": q[0], "lo80": q[1], "lo50": q[2],
        "hi50": q[4], "hi80": q[5], "hi95": q[6],
    }  # fmt: skip
