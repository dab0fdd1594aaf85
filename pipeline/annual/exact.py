"""The one arithmetic convention of the assessment (第十九至二十二条): every threshold is compared
exactly, so that a county can check its result by hand and a rule never misfires at its edge.

- A submitted value or a configured threshold is the decimal number its text shows: the shortest
  text of the value (``repr``), read by :class:`decimal.Decimal` and held as a
  :class:`fractions.Fraction` — 660 → 660, 4.21 → 421/100, 0.05 → 1/20. Never the binary float.
- 完成率 is the exact fraction 完成数 / 目标任务: 627/660 = 19/20 = 95% exactly, so it is 5% short
  and falls in the "低5%以内" tier (boundaries are inclusive on the lenient side).
- Points add up exactly; the score is then rounded half up to 0.01 point, and that printed score
  decides the grade, the rank and the 优秀 quota, so what is printed is what was compared.
- Floats are used only to display a value.

Worked examples in ``tests/annual/test_exact.py``.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction
from numbers import Integral

CENT = Decimal("0.01")


def exact(value: float | int | str | Fraction) -> Fraction:
    """The decimal number ``value`` reads as, exactly: 0.05 → 1/20, 4.21 → 421/100, '95.0' → 95."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Integral):
        return Fraction(int(value))
    if isinstance(value, str):
        return Fraction(Decimal(value))
    number = float(value)  # numpy floats too; their repr is not plain decimal text
    if not math.isfinite(number):
        raise ValueError(f"不是有限数：{value!r}")
    return Fraction(Decimal(repr(number)))


def ratio(done: float, task: float) -> Fraction:
    """完成率 as an exact fraction: ratio(627, 660) == Fraction(19, 20)."""
    return exact(done) / exact(task)


def points(value: Fraction) -> Decimal:
    """A score as printed: rounded half up to 0.01 point (93.555 → 93.56, 15 → 15.00); also a
    fund change to 0.01 万元."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def floor_count(share: float, units: int) -> int:
    """How many of ``units`` a share allows, rounded down: 30% of 10 → 3, 30% of 9 → 2."""
    return math.floor(exact(share) * units)


def percent_floor(value: Fraction, digits: int = 1) -> str:
    """A completion rate shown without ever rounding up to a threshold it did not reach:
    599/600 → '99.8%' (not '99.9%' or '100.0%')."""
    scaled = Decimal(value.numerator * 100) / Decimal(value.denominator)
    return f"{scaled.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_FLOOR)}%"


def rate_text(done: float, task: float) -> str:
    """完成率 as every report, workbook text and document prints it: exact and never rounded up
    (227/240 = 94.58…% → '94.5%'); '—' without a count or a positive task."""
    if done is None or task is None or not math.isfinite(done) or not math.isfinite(task):
        return "—"
    return percent_floor(ratio(done, task)) if task > 0 else "—"


def share_text(share: float) -> str:
    """A completion share already computed (a median of 完成率, say), printed like :func:`rate_text`."""
    if share is None or not math.isfinite(share):
        return "—"
    return percent_floor(exact(share))


def signed(value: float, spec: str) -> str:
    """A signed number with the one minus sign of reports, workbooks and documents (U+2212):
    signed(-33.61, ",.2f") → '−33.61', signed(4, ".2f") → '+4.00', signed(-3, "g") → '−3'."""
    return format(value, "+" + spec).replace("-", "−")


def percent_text(share: Fraction) -> str:
    """A configured share as the rules word it: 1/20 → '5%', 3/10 → '30%', 1/40 → '2.5%'."""
    scaled = Decimal(share.numerator * 100) / Decimal(share.denominator)
    return f"{format(scaled.normalize(), 'f')}%"
