"""``make test`` runs the unit tests (tests/) and the notebook checks (notebooks/, nbval) in one
pytest session on two pytest-xdist workers (``--dist loadgroup``). Two kinds of tests must stay
together on one worker, in collection order:

- every test that reads the session's end-to-end run (``published`` in tests/conftest.py, directly
  or through another fixture), so that run, and what is built from it, is made once;
- every notebook cell (nbval): a notebook's cells run in order in one kernel, and the notebooks
  share one scratch folder (notebooks/conftest.py), each reading what the one before wrote.

A module can name a group of its own (``pytestmark = pytest.mark.xdist_group("corpus")``) for tests
that share an expensive session fixture.
"""

from __future__ import annotations

import pytest
from _pytest.nodeid import coerce_node_id


def _group(item) -> str | None:
    if (marker := item.get_closest_marker("xdist_group")) is not None:
        return marker.args[0] if marker.args else marker.kwargs["name"]
    if "published" in getattr(item, "fixturenames", ()):
        return "published"
    if item.path.suffix == ".ipynb":
        return "notebooks"
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    grouped = [(item, group) for item in items if (group := _group(item))]
    for item, group in grouped:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group))
    if getattr(config.option, "loadgroup", False):
        # xdist 3.8 groups by an "@group" suffix of the test id, which it writes to the
        # `_nodeid` that pytest 9.2 no longer reads (pytest-dev/pytest-xdist#1386): write it
        # where pytest 9.2 keeps the id, or every worker would make its own end-to-end run.
        for item, group in grouped:
            if not item.nodeid.endswith(f"@{group}"):
                item._id = coerce_node_id(f"{item.nodeid}@{group}")
