from __future__ import annotations

# First, before numpy: the pipeline's one-BLAS-thread setting (pipeline/__init__.py) must precede it.
import pipeline  # noqa: F401  # isort: skip

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import RAW_DIR
from pipeline.intake.collect import intake

YEAR = 2024


@pytest.fixture(scope="session", autouse=True)
def _scratch_outside_the_repository(tmp_path_factory):
    """Anything run with default folders (notebooks by hand) writes to a temporary scratch folder."""
    os.environ["ANKANG_SCRATCH_DIR"] = str(tmp_path_factory.mktemp("scratch"))
    # and the units' results the city report summarises are the session's own (none unless a
    # test makes them), not whatever make towns left in data/processed/units/
    os.environ["ANKANG_OUTPUT_ROOT"] = str(tmp_path_factory.mktemp("outputs"))


@pytest.fixture(scope="session")
def sample_intake():
    """The shipped sample submissions 2016–2024, read and validated once per session."""
    return intake(RAW_DIR, 2024)


@pytest.fixture(scope="session")
def sample_actual(sample_intake) -> pd.DataFrame:
    tidy, _ = sample_intake
    return tidy[tidy["measure"] == "actual"]


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """The one end-to-end run of the session, reused by every test that reads its results: every
    stage notebook executed by papermill into temporary processed/, reports/ and builds/ folders,
    published through the fallback renderer (about a minute and a half)."""
    from pipeline.runner.run import RunOptions, run_report

    root = tmp_path_factory.mktemp("run")
    folder = run_report(
        RunOptions(
            YEAR,
            RAW_DIR,
            workers=2,
            use_quarto=False,
            processed_root=root / "processed",
            reports_root=root / "reports",
            builds_root=root / "builds",
            progress=False,
        )
    )
    return root, folder


@pytest.fixture(scope="session")
def sample_calibration(sample_actual):
    from pipeline.plan_targets.assess import build_calibration

    return build_calibration(sample_actual, 2024)


@pytest.fixture()
def raw_copy(tmp_path: Path) -> Path:
    """A writable copy of data/raw to break on purpose."""
    destination = tmp_path / "raw"
    shutil.copytree(RAW_DIR, destination)
    return destination
