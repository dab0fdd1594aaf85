"""Worked examples of the one arithmetic convention (pipeline/annual/exact.py) at each boundary."""

from decimal import Decimal
from fractions import Fraction

import numpy as np

from pipeline.annual.exact import exact, floor_count, percent_floor, percent_text, points, ratio


def test_values_are_the_decimals_their_text_shows():
    assert exact(0.05) == Fraction(1, 20)
    assert exact(np.float64(4.21)) == Fraction(421, 100)
    assert exact(np.int64(660)) == 660
    assert exact("95.0") == 95
    assert 1 - 0.95 != 0.05  # the binary float misses the 5% line …
    assert 1 - ratio(627, 660) == exact(0.05)  # … the exact ratio sits on it
    assert ratio(437, 460) == Fraction(19, 20)  # 2023 宁陕县


def test_scores_round_half_up_to_the_cent_and_quotas_round_down():
    assert points(Fraction(93555, 1000)) == Decimal("93.56")
    assert points(Fraction(15)) == Decimal("15.00")
    assert floor_count(0.3, 10) == 3 and floor_count(0.3, 9) == 2


def test_rates_never_display_as_reaching_a_line_they_missed():
    assert percent_floor(Fraction(599, 600)) == "99.8%"
    assert percent_floor(Fraction(19, 20)) == "95.0%"
    assert percent_floor(Fraction(1899, 2000)) == "94.9%"
    assert percent_text(Fraction(1, 40)) == "2.5%" and percent_text(Fraction(3, 10)) == "30%"
