"""The notebook checks (``--nbval-lax``, run with the unit tests by ``make test``) run the notebooks
with their default parameters: they write to a scratch folder of their own, a temporary one (never
data/processed, never the repository, never the unit tests' scratch folder).

A kernel inherits this process's environment when its notebook's first cell is set up, so the
scratch folder is put in the environment for each notebook cell and the previous values restored
after it: the unit tests that the same pytest-xdist worker runs keep their own folders
(tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

# The kernels inherit this process's environment: the one-BLAS-thread setting (pipeline/__init__.py).
import pipeline  # noqa: F401

SETTINGS = ("ANKANG_SCRATCH_DIR", "ANKANG_OUTPUT_ROOT")
_folders: dict[str, str] = {}
_saved: dict[str, str | None] = {}


def _notebook_environment() -> dict[str, str]:
    if not _folders:
        root = tempfile.mkdtemp(prefix="ankang-notebooks-")
        for name in SETTINGS:
            _folders[name] = os.path.join(root, name.removeprefix("ANKANG_").lower())
            os.mkdir(_folders[name])
    return _folders


@pytest.hookimpl(tryfirst=True)  # before the notebook's kernel is started
def pytest_runtest_setup(item):
    for name, folder in _notebook_environment().items():
        _saved[name] = os.environ.get(name)
        os.environ[name] = folder


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    for name, value in _saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def pytest_unconfigure(config):
    if _folders:
        shutil.rmtree(os.path.dirname(next(iter(_folders.values()))), ignore_errors=True)
