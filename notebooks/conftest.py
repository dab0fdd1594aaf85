"""``pytest --nbval-lax notebooks/`` runs the notebooks with their default parameters: they write
to a scratch folder, here a temporary one (never data/processed, never the repository)."""

import os
import shutil
import tempfile

# The kernels inherit this process's environment: the one-BLAS-thread setting (pipeline/__init__.py).
import pipeline  # noqa: F401

_created: list[str] = []


def pytest_configure(config):
    if not os.environ.get("ANKANG_SCRATCH_DIR"):
        _created.append(tempfile.mkdtemp(prefix="ankang-scratch-"))
        os.environ["ANKANG_SCRATCH_DIR"] = _created[-1]


def pytest_unconfigure(config):
    for folder in _created:
        shutil.rmtree(folder, ignore_errors=True)
