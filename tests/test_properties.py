"""Property-based tests (hypothesis) of small pure functions."""

from hypothesis import given
from hypothesis import strategies as st

from pipeline.ingest import parse_number
from pipeline.reference import allocate_by_share


@given(
    total=st.integers(min_value=1, max_value=10_000_000).map(lambda n: n * 100),
    weights=st.dictionaries(
        st.text(min_size=1, max_size=4), st.floats(0.1, 1000), min_size=1, max_size=12
    ),
)
def test_allocation_always_sums_to_the_total(total, weights):
    largest = max(weights, key=weights.get)
    parts = allocate_by_share(total, weights, 100, largest)
    assert sum(parts.values()) == total
    assert set(parts) == set(weights)


@given(st.integers(min_value=0, max_value=10**9))
def test_thousands_separators_and_full_width_commas_do_not_change_a_number(number):
    assert parse_number(f"{number:,}") == number
    assert parse_number(f"{number:,}".replace(",", "，")) == number
    assert parse_number(str(number)) == number
