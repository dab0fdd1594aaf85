"""The five models' mean paths, fitted to many series at once with numpy.

The calibration fits every model to every backtest case (each series cut at each origin): hundreds
to thousands of small fits, which statsmodels makes one series at a time through a general
optimiser (13–20 ms a fit). Here the same estimators run on a stack of series: the series are
padded to one length, the smoothing recursions run over time on whole columns, and one small
bounded Newton optimiser steps every series together.

- Theta: as statsmodels' ``ThetaModel(z, period=1, deseasonalize=False).fit()`` (its default two-step
  estimate, not MLE): b0 the OLS slope of z on time; simple exponential smoothing with the initial
  level known (z[0]) and α in [1e-4, 1 − 1e-4] minimising the sum of squared one-step errors
  (statsmodels maximises the concentrated Gaussian likelihood, whose maximum is that minimum),
  started at α = 0.1 as statsmodels starts; ŷ(h) = ℓ_n + ½·b0·(h − 1 + 1/α − (1 − α)^n/α).
- Damped Holt: as ``ExponentialSmoothing(z, trend="add", damped_trend=True,
  initialization_method="estimated").fit()``: α, β ≤ α, φ in [0.8, 0.995], ℓ0 and b0 minimising the
  sum of squared one-step errors, started where statsmodels starts (its grid over α and β at
  φ = 0.99, with ℓ0 and b0 from z[0] and z[1] − z[0], or from a line through the first ten values
  when there are ten). ℓ0 and b0 enter the errors linearly, so at each (α, β, φ) they are solved
  exactly by least squares and the optimiser searches three dimensions, not five.
  ŷ(h) = ℓ_n + b_n·(φ + … + φ^h).

statsmodels stops its optimiser at a loose tolerance; this one goes on to the minimum, so the
forecasts differ from statsmodels' by that tolerance (typically below 1e-6 relative). Where the sum
of squares has several local minima (a few percent of damped Holt fits, about one Theta fit in a
thousand), the two can stop in different ones: then the forecasts differ by up to a few percent,
and either may have the smaller sum. tests/forecast/test_models.py pins both against statsmodels
on worked examples; docs/backtest.md shows the accuracy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

# statsmodels' own bounds and starting points (see the module docstring).
THETA_ALPHA_BOUNDS = (1e-4, 1 - 1e-4)
THETA_ALPHA_START = 0.1
HOLT_ALPHA_BOUNDS = (np.sqrt(np.finfo(float).eps), 1 - np.sqrt(np.finfo(float).eps))
HOLT_PHI_BOUNDS = (0.8, 0.995)
HOLT_PHI_START = 0.99
HOLT_HEURISTIC_POINTS = 10  # statsmodels' "estimated" start uses a line through these many values
HOLT_GRID_POINTS = 43  # statsmodels: 87 // (number of smoothing parameters searched)
HOLT_GRID_MARGIN = 0.005
HOLT_BETA_OFF_ZERO = 1e-4  # statsmodels moves a grid start on a bound this far inside
# Finite-difference step of the optimiser, as a share of each parameter's range: small enough for
# second differences to be accurate, large enough to stay far above rounding in the sums of squares.
FD_STEP = 1e-4
MAX_ITERATIONS = 100
START_RADIUS = 0.05  # the optimiser's first steps, as a share of each parameter's range
SERIES_PER_CHUNK = 64  # bounds the memory of the grid search (chunk × 1 200 grid points × time)


@dataclass(frozen=True)
class Stack:
    """Series of different lengths, begin-aligned in one array (padded with each one's last value,
    which no computation reads: every sum and recursion stops at the series' own length)."""

    values: np.ndarray  # (series, longest)
    lengths: np.ndarray  # (series,)

    @classmethod
    def of(cls, series: Sequence[np.ndarray]) -> Stack:
        lengths = np.array([len(s) for s in series], dtype=int)
        values = np.empty((len(series), int(lengths.max())))
        for row, s in enumerate(series):
            values[row, : len(s)] = s
            values[row, len(s) :] = s[-1]
        return cls(values, lengths)

    def take(self, rows: np.ndarray) -> Stack:
        return Stack(self.values[rows], self.lengths[rows])

    @property
    def observed(self) -> np.ndarray:
        """(series, longest): True where a value is the series' own."""
        return np.arange(self.values.shape[1])[None, :] < self.lengths[:, None]

    @property
    def last(self) -> np.ndarray:
        return self.values[np.arange(len(self.lengths)), self.lengths - 1]


def _steps(horizon: int) -> np.ndarray:
    return np.arange(1, horizon + 1, dtype=float)[None, :]


def naive(stack: Stack, horizon: int) -> np.ndarray:
    return np.repeat(stack.last[:, None], horizon, axis=1)


def rw_drift(stack: Stack, horizon: int) -> np.ndarray:
    drift = (stack.last - stack.values[:, 0]) / (stack.lengths - 1)
    return stack.last[:, None] + drift[:, None] * _steps(horizon)


def _line(stack: Stack) -> tuple[np.ndarray, np.ndarray]:
    """OLS intercept (at t = 0) and slope of each series on t = 0, 1, …, n − 1."""
    observed = stack.observed
    t = np.where(observed, np.arange(stack.values.shape[1])[None, :], 0.0)
    n = stack.lengths.astype(float)
    t_mean = t.sum(axis=1) / n
    z_mean = np.where(observed, stack.values, 0.0).sum(axis=1) / n
    dt = np.where(observed, t - t_mean[:, None], 0.0)
    slope = (dt * (stack.values - z_mean[:, None])).sum(axis=1) / (dt**2).sum(axis=1)
    return z_mean - slope * t_mean, slope


def linear(stack: Stack, horizon: int) -> np.ndarray:
    intercept, slope = _line(stack)
    return intercept[:, None] + slope[:, None] * ((stack.lengths - 1)[:, None] + _steps(horizon))


def ses(stack: Stack, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of squared one-step errors and final level of simple exponential smoothing from
    ℓ0 = z[0], for candidates ``alpha`` (series, candidates)."""
    level = np.broadcast_to(stack.values[:, :1], alpha.shape).copy()
    sse = np.zeros(alpha.shape)
    observed = stack.observed
    shortest = int(stack.lengths.min())
    for t in range(stack.values.shape[1]):
        error = stack.values[:, t : t + 1] - level
        if t < shortest:  # every series still has values
            sse += error**2
            level = level + alpha * error
        else:
            active = observed[:, t : t + 1]
            sse += np.where(active, error**2, 0.0)
            level = np.where(active, level + alpha * error, level)
    return sse, level


def ses_alpha(stack: Stack) -> np.ndarray:
    """Theta's smoothing parameter per series: the α of least squared one-step errors, downhill
    from statsmodels' start."""
    return _minimize_box(
        lambda rows, x: ses(stack.take(rows), x[..., 0])[0],
        np.full((len(stack.lengths), 1), THETA_ALPHA_START),
        *map(np.array, zip(THETA_ALPHA_BOUNDS, strict=True)),
    )[:, 0]


def theta(stack: Stack, horizon: int) -> np.ndarray:
    _, slope = _line(stack)
    alpha = ses_alpha(stack)
    level = ses(stack, alpha[:, None])[1][:, 0]
    n = stack.lengths
    drift_steps = _steps(horizon) - 1 + (1 / alpha - (1 - alpha) ** n / alpha)[:, None]
    return level[:, None] + 0.5 * slope[:, None] * drift_steps


def _holt_start_states(stack: Stack) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels' "estimated" starting ℓ0 and b0: z[0] and z[1] − z[0] for fewer than ten
    values, else the intercept and slope of a line through the first ten at t = 1…10."""
    level, trend = stack.values[:, 0].copy(), stack.values[:, 1] - stack.values[:, 0]
    long = stack.lengths >= HOLT_HEURISTIC_POINTS
    if long.any():
        design = np.c_[np.ones(HOLT_HEURISTIC_POINTS), np.arange(1, HOLT_HEURISTIC_POINTS + 1)]
        fitted = np.linalg.pinv(design) @ stack.values[long, :HOLT_HEURISTIC_POINTS].T
        level[long], trend[long] = fitted
    return level, trend


def _holt_run(stack: Stack, alpha, beta, phi, level, trend, inputs: bool):
    """One pass of additive damped Holt over every series and candidate: the one-step predictions
    (time, series, candidates) and the final level and trend. With ``inputs`` False the values are
    not fed in: the response to the starting states alone, which the predictions are linear in."""
    shape = np.broadcast_shapes(np.shape(alpha), np.shape(beta), np.shape(phi), np.shape(level))
    level, trend = np.broadcast_to(level, shape).copy(), np.broadcast_to(trend, shape).copy()
    observed = stack.observed
    shortest = int(stack.lengths.min())
    keep, carry = 1 - alpha, (1 - beta) * phi
    predictions = np.empty((stack.values.shape[1], *shape))
    for t in range(stack.values.shape[1]):
        prediction = level + phi * trend
        predictions[t] = prediction
        new_level = keep * prediction
        if inputs:
            new_level += alpha * stack.values[:, t : t + 1]
        new_trend = beta * (new_level - level) + carry * trend
        if t < shortest:  # every series still has values: nothing to hold
            level, trend = new_level, new_trend
        else:
            active = observed[:, t : t + 1]
            level = np.where(active, new_level, level)
            trend = np.where(active, new_trend, trend)
    return predictions, level, trend


def _holt_profiled(stack: Stack, x: np.ndarray, start_level, start_trend):
    """For candidates x = (α, β/α, φ) of shape (series, candidates, 3): the least sum of squared
    one-step errors over ℓ0 and b0, and the final level and trend at those ℓ0, b0."""
    alpha, phi = x[..., 0], x[..., 2]
    beta = x[..., 1] * alpha
    base, level, trend = _holt_run(
        stack, alpha, beta, phi, start_level[:, None], start_trend[:, None], True
    )
    unit_level = _holt_run(stack, alpha, beta, phi, 1.0, 0.0, False)
    unit_trend = _holt_run(stack, alpha, beta, phi, 0.0, 1.0, False)
    observed = stack.observed.T[:, :, None]
    residual = np.where(observed, stack.values.T[:, :, None] - base, 0.0)
    a = np.where(observed, unit_level[0], 0.0)
    b = np.where(observed, unit_trend[0], 0.0)
    saa, sab, sbb = (a * a).sum(0), (a * b).sum(0), (b * b).sum(0)
    sra, srb = (residual * a).sum(0), (residual * b).sum(0)
    det = saa * sbb - sab**2
    # Collinear responses (a series this short cannot tell level from trend): the level alone.
    solvable = det > 1e-12 * saa * sbb
    safe = np.where(solvable, det, 1.0)
    d_level = np.where(solvable, (sbb * sra - sab * srb) / safe, sra / np.maximum(saa, 1e-300))
    d_trend = np.where(solvable, (saa * srb - sab * sra) / safe, 0.0)
    sse = ((residual - d_level * a - d_trend * b) ** 2).sum(0)
    final_level = level + d_level * unit_level[1] + d_trend * unit_trend[1]
    final_trend = trend + d_level * unit_level[2] + d_trend * unit_trend[2]
    return sse, final_level, final_trend


def _holt_grid() -> np.ndarray:
    """statsmodels' starting grid over (α, β) with β from 0 to α, as (points, 2)."""
    step = HOLT_GRID_MARGIN
    points = []
    for a in np.linspace(step, 1 - step, HOLT_GRID_POINTS):
        betas = np.linspace(0.0, a, int(np.ceil(HOLT_GRID_POINTS * np.sqrt(a))))
        points.append(np.c_[np.full(betas.size, a), betas])
    return np.vstack(points)


def _holt_grid_start(stack: Stack, level: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """The grid point with the least sum of squares at the starting ℓ0, b0 and φ = 0.99 (the
    first on a tie, as statsmodels takes it), as x = (α, β/α, φ)."""
    grid = _holt_grid()
    best = np.empty(len(stack.lengths), dtype=int)
    by_length = np.argsort(stack.lengths, kind="stable")  # chunks of like lengths hold little
    for first in range(0, len(stack.lengths), SERIES_PER_CHUNK):
        rows = by_length[first : first + SERIES_PER_CHUNK]
        part = stack.take(rows)
        predictions, _, _ = _holt_run(
            part, grid[None, :, 0], grid[None, :, 1], HOLT_PHI_START,
            level[rows, None], trend[rows, None], True,
        )  # fmt: skip
        errors = np.where(part.observed.T[:, :, None], part.values.T[:, :, None] - predictions, 0)
        best[rows] = np.argmin((errors**2).sum(axis=0), axis=1)
    alpha, beta = grid[best, 0], np.maximum(grid[best, 1], HOLT_BETA_OFF_ZERO)
    return np.c_[alpha, beta / alpha, np.full(alpha.size, HOLT_PHI_START)]


def fit_damped_holt(stack: Stack) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per series: the parameters (α, β/α, φ), the least sum of squared one-step errors, and the
    final level and trend."""
    level, trend = _holt_start_states(stack)

    def objective(rows: np.ndarray, x: np.ndarray) -> np.ndarray:
        return _holt_profiled(stack.take(rows), x, level[rows], trend[rows])[0]

    lower = np.array([HOLT_ALPHA_BOUNDS[0], 0.0, HOLT_PHI_BOUNDS[0]])
    upper = np.array([HOLT_ALPHA_BOUNDS[1], 1.0, HOLT_PHI_BOUNDS[1]])
    x = _minimize_box(objective, _holt_grid_start(stack, level, trend), lower, upper)
    sse, final_level, final_trend = _holt_profiled(stack, x[:, None, :], level, trend)
    return x, sse[:, 0], final_level[:, 0], final_trend[:, 0]


def damped_holt(stack: Stack, horizon: int) -> np.ndarray:
    x, _, level, trend = fit_damped_holt(stack)
    damping = np.cumsum(x[:, 2:3] ** _steps(horizon), axis=1)
    return level[:, None] + trend[:, None] * damping


def _stencil(dimensions: int) -> np.ndarray:
    """Offsets (in steps) for a gradient and Hessian by differences: 0, +e_i, −e_i, e_i + e_j."""
    eye = np.eye(dimensions)
    pairs = [eye[i] + eye[j] for i, j in combinations(range(dimensions), 2)]
    return np.vstack([np.zeros(dimensions), eye, -eye, *pairs])


def _minimize_box(
    objective: Callable[[np.ndarray, np.ndarray], np.ndarray],
    start: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
) -> np.ndarray:
    """Minimise ``objective(rows, x)`` — x of shape (len(rows), candidates, d), values (len(rows),
    candidates) — for every row at once inside the box [lower, upper], from ``start`` (rows, d).

    Damped Newton steps on a Hessian and gradient by central differences, variables on a bound
    whose gradient points out of the box held there, each step no longer than a trust region (a
    share of the box) that doubles after each step that lowers the objective. A row stops when a
    step no longer changes it."""
    x = np.clip(start.astype(float), lower, upper)
    fx = objective(np.arange(len(x)), x[:, None, :])[:, 0]
    d = x.shape[1]
    width = upper - lower
    h = FD_STEP * width
    offsets = _stencil(d)
    pairs = list(combinations(range(d), 2))
    radius = np.full(len(x), START_RADIUS)
    damping = np.full(len(x), 1e-3)
    running = np.isfinite(fx)
    for _ in range(MAX_ITERATIONS):
        rows = np.flatnonzero(running)
        if rows.size == 0:
            break
        here = x[rows]
        centre = np.clip(here, lower + h, upper - h)
        values = objective(rows, centre[:, None, :] + offsets[None] * h)
        f0, plus, minus = values[:, 0], values[:, 1 : 1 + d], values[:, 1 + d : 1 + 2 * d]
        hessian = np.zeros((rows.size, d, d))
        hessian[:, range(d), range(d)] = (plus - 2 * f0[:, None] + minus) / h**2
        for k, (i, j) in enumerate(pairs):
            both = values[:, 1 + 2 * d + k]
            hessian[:, i, j] = hessian[:, j, i] = (both - plus[:, i] - plus[:, j] + f0) / (
                h[i] * h[j]
            )
        gradient = (plus - minus) / (2 * h) + np.einsum("rij,rj->ri", hessian, here - centre)
        held = ((here <= lower) & (gradient > 0)) | ((here >= upper) & (gradient < 0))
        gradient = np.where(held, 0.0, gradient)
        hessian = np.where(held[:, :, None] | held[:, None, :], 0.0, hessian)
        hessian[:, range(d), range(d)] += held
        # Levenberg–Marquardt: the Hessian shifted until it is positive definite, and by a damping
        # that grows after each refused step (towards steepest descent, which a short enough step
        # always lowers) and shrinks after each accepted one (towards Newton).
        scale = np.maximum(np.abs(hessian[:, range(d), range(d)]).max(axis=1), 1e-300)
        shift = np.maximum(0.0, -np.linalg.eigvalsh(hessian)[:, 0]) + damping[rows] * scale
        system = hessian + shift[:, None, None] * np.eye(d)
        step = -np.linalg.solve(system, gradient[:, :, None])[:, :, 0]
        # A variable the step takes out of the box stops at its bound, and the others are solved
        # again given that (a clipped Newton step is often no descent at all).
        out = (here + step < lower) | (here + step > upper)
        to_bound = np.where(out, np.clip(here + step, lower, upper) - here, 0.0)
        rhs = np.where(out, 0.0, -gradient - np.einsum("rij,rj->ri", system, to_bound))
        system = np.where(out[:, :, None] | out[:, None, :], 0.0, system)
        system[:, range(d), range(d)] += out
        step = np.where(out, to_bound, np.linalg.solve(system, rhs[:, :, None])[:, :, 0])
        # A trust region keeps the search local, as statsmodels' line search is: the minimum
        # found is the one downhill from the start, not a better one elsewhere.
        length = np.abs(step / width).max(axis=1)
        step *= np.minimum(1.0, radius[rows] / np.maximum(length, 1e-300))[:, None]
        trial = np.clip(here + step, lower, upper)
        f_trial = objective(rows, trial[:, None, :])[:, 0]
        before = fx[rows]
        better = f_trial < before
        gain = (before - f_trial) / np.maximum(np.abs(before), 1e-300)
        moved = np.abs((trial - here) / width).max(axis=1)
        x[rows[better]], fx[rows[better]] = trial[better], f_trial[better]
        radius[rows] = np.where(better, np.minimum(2 * radius[rows], 1.0), radius[rows])
        damping[rows] = np.where(better, np.maximum(damping[rows] / 10, 1e-12), damping[rows] * 10)
        running[rows] = (
            np.isfinite(gradient).all(axis=1)
            & (moved > 1e-12)
            & (damping[rows] < 1e12)
            & ~(better & (gain < 1e-14))
        )
    return x


MODELS: dict[str, Callable[[Stack, int], np.ndarray]] = {
    "naive": naive,
    "rw_drift": rw_drift,
    "linear": linear,
    "theta": theta,
    "damped_holt": damped_holt,
}
