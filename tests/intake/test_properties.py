"""Property-based tests (hypothesis) of small pure functions."""

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config.reference import allocate_by_share
from pipeline.intake.ingest import parse_number


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


def _tidy_from_layout(tmp_path, layout, suffix):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "corpus"))
    from build_corpus import YEAR, write

    from pipeline.intake.ingest import read_year_folder

    folder = tmp_path / str(YEAR)
    write(layout.rows(), folder / f"submission{suffix}")
    tidy, log = read_year_folder(folder, YEAR)
    assert not log.has_failures, log.format()
    return tidy


_ORDERS = st.permutations(list(range(10)))
_ALIASES = st.lists(st.sampled_from(["name", "alias", "code"]), min_size=10, max_size=10)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=_ORDERS, aliases=_ALIASES, unit=st.sampled_from(["人", "万人"]))
def test_shuffling_rows_aliases_and_units_never_change_the_tidy_table(
    tmp_path_factory, order, aliases, unit
):
    """Rows in any order, regions by name, short alias or code, jobs in 人 or 万人: same values."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "corpus"))
    from build_corpus import COUNTIES, Layout

    reference = _tidy_from_layout(tmp_path_factory.mktemp("ref"), Layout(), ".csv")
    column = {"code": 0, "name": 1, "alias": 2}
    layout = Layout(labels=[COUNTIES[i][column[aliases[i]]] for i in range(10)], urban_unit=unit)
    in_registry_order = layout.rows

    def rows() -> list[list]:
        built = in_registry_order()
        header_end = 3  # the title row and the two header rows
        body = built[header_end : header_end + 10]
        return built[:header_end] + [body[i] for i in order] + built[header_end + 10 :]

    layout.rows = rows  # type: ignore[method-assign]
    tidy = _tidy_from_layout(tmp_path_factory.mktemp("shuffled"), layout, ".csv")
    keys = ["region_code", "indicator", "measure"]
    left = reference.sort_values(keys)[[*keys, "value"]].reset_index(drop=True)
    right = tidy.sort_values(keys)[[*keys, "value"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)
