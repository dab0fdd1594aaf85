"""Exact decimals are published as exact text (clerk finding C6: "109.03999999999999" in funds.csv):
property tests of the two texts, and of every number of every CSV of the session's end-to-end run
(``published``) — no published number text has more than its declared places or shows float noise."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.store import catalog
from pipeline.store.inert import read_csv, write_csv
from pipeline.store.number_text import (
    CENTS,
    FIGURE_PLACES,
    FIGURES,
    RATIO_DIGITS,
    RATIOS,
    cents_text,
    figure_text,
    ratio_text,
)

YEAR = 2024
# a run of 7 or more 0s or 9s closing a number's decimals: the binary float, not the decimal
# (0.1 + 0.2 = 0.30000000000000004, 121.16 − 12.12 = 109.03999999999999)
NOISE = re.compile(r"\.\d*(0{7,}|9{7,})\d{0,3}$")
CENT_TEXT = re.compile(r"^-?\d+\.\d{2}$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")

amounts = st.integers(-(10**9), 10**9).map(lambda n: Decimal(n).scaleb(-2))  # 0.01 万元
figures = st.integers(-(10**9), 10**9).flatmap(
    lambda n: st.integers(0, 4).map(lambda places: Decimal(n).scaleb(-places))
)


@given(amounts, amounts)
def test_an_amount_and_a_float_sum_of_amounts_are_written_as_the_exact_cents(a, b):
    assert cents_text(float(a)) == str(a.quantize(Decimal("0.01")))
    assert cents_text(float(a) + float(b)) == str((a + b).quantize(Decimal("0.01")) + 0)


@given(figures, figures)
def test_sums_and_differences_of_figures_are_written_as_the_exact_decimal(a, b):
    for exact, computed in ((a - b, float(a) - float(b)), (a + b, float(a) + float(b))):
        text = figure_text(computed)
        assert Decimal(text) == exact and NOISE.search(text) is None


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
def test_a_figure_text_has_at_most_its_places_and_reads_back_as_the_rounded_value(x):
    text = figure_text(x)
    places = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    assert places <= FIGURE_PLACES and float(text) == round(x, FIGURE_PLACES)


@given(st.integers(1, 10**7), st.integers(1, 10**7), st.integers(0, 5))
def test_a_ratio_text_keeps_its_sign_and_twelve_digits(done, target, elapsed):
    """done/target − elapsed/5, as the gap to the time progress: the text reads back within
    5 × 10⁻¹³ of the value and never changes its sign (an exact zero stays zero)."""
    value = done / target - elapsed / 5
    back = float(ratio_text(value))
    assert abs(back - value) <= 5 * 10.0**-RATIO_DIGITS * abs(value)
    assert (back > 0) == (value > 0) and (back < 0) == (value < 0)


def test_the_worked_examples():
    assert [cents_text(v) for v in (109.03999999999999, 100, -0.001, 1234.555)] == [
        "109.04", "100.00", "0.00", "1234.56",
    ]  # fmt: skip
    assert [figure_text(v) for v in (3.27 - 3.29, 20206.0, -0.0)] == ["-0.02", "20206.0", "0.0"]
    assert [ratio_text(v) for v in (0.79822 - 0.8, 23036.800000000003, 1 / 3)] == [
        "-0.00178", "23036.8", "0.333333333333",
    ]  # fmt: skip
    assert cents_text(float("nan")) == figure_text(None) == ratio_text(float("nan")) == ""


def test_a_negative_number_is_not_neutralised_as_a_formula_but_a_text_is(tmp_path):
    import pandas as pd

    frame = pd.DataFrame(
        {"region": ["-汉滨区", "=1+1"], "change": [-12.12, 6.43], "next_year": [109.04, 127.6]}
    )
    path = tmp_path / catalog.FUNDS_FILE
    write_csv(frame, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1:] == ["'-汉滨区,-12.12,109.04", "'=1+1,6.43,127.60"]
    assert read_csv(path)["region"].tolist() == ["-汉滨区", "=1+1"]


def test_a_text_or_an_empty_cell_in_a_declared_column_is_kept(tmp_path):
    import pandas as pd

    path = tmp_path / catalog.FUNDS_FILE
    write_csv(pd.DataFrame({"score": [None, 96.0, "未评分", float("nan")]}), path)
    assert path.read_text(encoding="utf-8").splitlines() == ["score", '""', "96.00", "未评分", '""']


def _published_csvs(root):
    folder = catalog.year_dir(root / "processed", YEAR)
    return sorted(folder.rglob("*.csv"))


@pytest.mark.slow
def test_no_published_number_has_more_than_its_declared_places_or_float_noise(published):
    root, _ = published
    paths = _published_csvs(root)
    assert {catalog.FUNDS_FILE, catalog.ANNUAL_FACTS_FILE} <= {p.name for p in paths}
    checked = 0
    for path in paths:
        frame = read_csv(path, dtype=str, keep_default_na=False)
        for column in frame.columns:
            for row, text in enumerate(frame[column]):
                if not NUMBER.match(text):
                    continue
                where = f"{path.name} 第 {row + 2} 行 {column}：{text}"
                checked += 1
                assert NOISE.search(text) is None, where
                if column in CENTS.get(path.name, ()):
                    assert CENT_TEXT.match(text), where
                if column in FIGURES.get(path.name, ()) and "." in text:
                    assert len(text.split(".")[1]) <= FIGURE_PLACES, where
                if column in RATIOS.get(path.name, ()):
                    digits = re.sub(r"[-.]|e.*$", "", text.lower()).lstrip("0")
                    assert len(digits) <= RATIO_DIGITS, where
    assert checked > 1000


@pytest.mark.slow
def test_no_number_of_a_published_workbook_shows_float_noise(published):
    """The leaders' workbook reads its numbers from the published CSVs: none carries the noise."""
    from openpyxl import load_workbook

    root, _ = published
    books = sorted((root / "reports" / str(YEAR)).resolve().rglob("*.xlsx"))  # a link
    assert books
    for path in books:
        for sheet in load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, float):
                        text = repr(cell.value)
                        assert NOISE.search(text) is None, (
                            f"{path.name} {sheet.title} {cell.coordinate}：{text}"
                        )


@pytest.mark.slow
def test_funds_are_published_as_exact_cents_that_add_up(published):
    """The fund changes are budget-neutral: as published text they add up to exactly 0.00, and
    next year's amount is the base plus the change, to the cent."""
    root, _ = published
    funds = read_csv(catalog.year_dir(root / "processed", YEAR) / catalog.FUNDS_FILE, dtype=str)
    assert sum(Fraction(Decimal(t)) for t in funds["change"]) == 0
    for base, change, next_year in zip(
        funds["base"], funds["change"], funds["next_year"], strict=True
    ):
        assert Decimal(base) + Decimal(change) == Decimal(next_year)
