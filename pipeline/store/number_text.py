"""How each number of a published CSV is written: exact decimals as exact text, never as the binary
float that carries them (3.27 − 3.29 is −0.020000000000000018 in floats; 121.16 − 12.12 once came
out as 109.03999999999999 in funds.csv, clerk finding C6). The numbers are not changed, only their
text: a reader gets back the decimal the method meant.

Three kinds, declared here by file and column (a column not declared — a model parameter, a
probability counted over the simulated paths, a weight — is written in full, as Python's shortest
round-trip text, and read back bit for bit by the stages that use it):

- ``CENTS``: amounts the method rounds half up to 0.01 (scores and points, fund amounts in 万元:
  :func:`pipeline.annual.exact.points`), always written with exactly two decimals ("109.04",
  "100.00");
- ``FIGURES``: the counties' reported figures and configured targets, and their sums and
  differences (persons, rates in %, meetings): exact decimals with as many places as the figures
  they come from, written as the shortest text at :data:`FIGURE_PLACES` places — more than any
  figure is reported with (rates to 0.01, persons whole), fewer than where the float noise of a
  sum or difference begins (below 10⁻⁸ for any figure under a billion; 869401.8 − 869401.7 is
  0.09999999997671694). ``tidy.csv`` keeps every figure exactly as it was read and is not
  declared;
- ``RATIOS``: quantities computed from a few divisions or interpolations of figures (completion
  rates, shares, the gap to the time progress, forecast quantiles), written to
  :data:`RATIO_DIGITS` significant digits: their rounding error is at the 16th digit
  (0.79822 − 0.8 = −0.0017800000000000038; a quantile 23036.800000000003), their meaning in the
  first few; a ratio is changed by at most 5 × 10⁻¹³ of itself, never in sign.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from pipeline.store import names

CENT_PLACES = 2
FIGURE_PLACES = 6
RATIO_DIGITS = 12
_CENT = Decimal(1).scaleb(-CENT_PLACES)

CENTS: dict[str, frozenset[str]] = {
    names.FUNDS_FILE: frozenset({"score", "base", "change", "next_year"}),
    names.SCORES_FILE: frozenset({"score", "computed_score", "review_points"}),
    names.SCORE_ITEMS_FILE: frozenset({"points"}),
    names.PLAN_YEARS_FILE: frozenset({"score"}),
    names.PLAN_RESULTS_FILE: frozenset({"score"}),
    names.DEPARTMENT_SCORES_FILE: frozenset({"score"}),
}
FIGURES: dict[str, frozenset[str]] = {
    names.ANNUAL_FACTS_FILE: frozenset(
        {
            "task",
            "done",
            "shortfall",
            "previous_done",
            "change",
            "limit",
            "margin",
            "plan_target",
            "plan_done",
        }
    ),  # fmt: skip
    names.ASSESSMENT_FILE: frozenset(
        {"target", "actual_to_date", "years_met", "required_per_year", "recent_pace", "best_year"}
    ),  # fmt: skip
    names.SCORE_ITEMS_FILE: frozenset({"weight"}),
    names.DEPARTMENT_TASKS_FILE: frozenset({"target", "done"}),
}
_FORECAST = frozenset({"forecast_end", "forecast_end_lo80", "forecast_end_hi80"})
RATIOS: dict[str, frozenset[str]] = {
    names.ANNUAL_FACTS_FILE: frozenset(
        {"completion_rate", "change_rate", "plan_share", "time_progress_gap"}
    ),
    names.ASSESSMENT_FILE: _FORECAST | {"time_progress_gap", "eurostat_ratio", "unsd_ratio"},
    names.PATHS_FILE: frozenset({"mean", "median", "lo50", "hi50", "lo80", "hi80", "lo95", "hi95"}),
    names.FUNDS_FILE: frozenset({"change_share"}),
    names.SCORES_FILE: frozenset({"tie_break"}),
}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cents_text(value: float) -> str:
    """An amount rounded half up to 0.01, with two decimals: 109.03999999999999 → '109.04',
    100 → '100.00', −0.001 → '0.00' (never '-0.00'); '' for a missing value."""
    if _missing(value):
        return ""
    return str(Decimal(repr(float(value))).quantize(_CENT, rounding=ROUND_HALF_UP) + 0)


def figure_text(value: float) -> str:
    """A reported figure or a sum/difference of such, as the shortest decimal text at
    FIGURE_PLACES places: −0.020000000000000018 → '-0.02', 20206.0 → '20206.0'; '' for a missing
    value."""
    if _missing(value):
        return ""
    return repr(round(float(value), FIGURE_PLACES) + 0.0)  # + 0.0: −0.0 is written 0.0


def ratio_text(value: float) -> str:
    """A computed ratio or quantile to RATIO_DIGITS significant digits, shortest:
    −0.0017800000000000038 → '-0.00178', 23036.800000000003 → '23036.8', 1/3 → '0.333333333333';
    '' for a missing value."""
    if _missing(value):
        return ""
    return repr(float(f"{float(value):.{RATIO_DIGITS}g}") + 0.0)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def with_number_text(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """The frame to be written as ``file_name`` with the numbers of its declared columns as their
    text; any other cell (a text, an empty cell) as it is."""
    out = frame
    for kinds, text in ((CENTS, cents_text), (FIGURES, figure_text), (RATIOS, ratio_text)):
        for column in kinds.get(file_name, ()):
            if column in frame.columns:
                out = out.copy() if out is frame else out
                out[column] = [text(v) if _is_number(v) else v for v in frame[column]]
    return out
