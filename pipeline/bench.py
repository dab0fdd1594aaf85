"""``make bench``: speed and peak-memory measurements against stated targets.

Targets live here, not in the tests: a slow machine should not fail the suite, but a regression
should be visible. Exit status 1 when a target is missed."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable

import pandas as pd

from pipeline import RAW_DIR, REFERENCE_DIR
from pipeline.assess import assess
from pipeline.clean import intake
from pipeline.forecast_cli import forecast_series
from pipeline.regions import all_regions

BENCH_YEAR = 2024
# (name, target seconds)
TARGETS = {
    "intake 2016–2024 (9 workbooks)": 5.0,
    "assess 11 regions × 8 indicators": 30.0,
    "forecast 317 M3 yearly series, h=6": 120.0,
}
PEAK_MEMORY_TARGET_MB = 1500.0


def _timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def run_benchmarks() -> None:
    names = list(TARGETS)
    timings: dict[str, float] = {}
    timings[names[0]], (tidy, _) = _timed(lambda: intake(RAW_DIR, BENCH_YEAR))
    actual = tidy[tidy["measure"] == "actual"]
    timings[names[1]], _ = _timed(lambda: assess(actual, BENCH_YEAR, list(all_regions())))
    m3 = pd.read_csv(REFERENCE_DIR / "benchmarks" / "m3_yearly_dev.csv", dtype={"series_id": str})
    timings[names[2]], _ = _timed(lambda: forecast_series(m3[["series_id", "t", "value"]], 6))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    missed = 0
    print(f"{'benchmark':45s} {'seconds':>9s} {'target':>8s}")
    for name, seconds in timings.items():
        ok = seconds <= TARGETS[name]
        missed += not ok
        print(f"{name:45s} {seconds:9.2f} {TARGETS[name]:8.1f}  {'OK' if ok else 'SLOW'}")
    memory_ok = peak_mb <= PEAK_MEMORY_TARGET_MB
    missed += not memory_ok
    print(
        f"{'peak resident memory (MB)':45s} {peak_mb:9.0f} {PEAK_MEMORY_TARGET_MB:8.0f}  {'OK' if memory_ok else 'HIGH'}"
    )
    if missed:
        sys.exit(1)
