from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import RAW_DIR
from pipeline.clean import intake


@pytest.fixture(scope="session")
def sample_intake():
    """The shipped sample submissions 2016–2024, read and validated once per session."""
    return intake(RAW_DIR, 2024)


@pytest.fixture(scope="session")
def sample_actual(sample_intake) -> pd.DataFrame:
    tidy, _ = sample_intake
    return tidy[tidy["measure"] == "actual"]


@pytest.fixture(scope="session")
def sample_calibration(sample_actual):
    from pipeline.assess import build_calibration

    return build_calibration(sample_actual, 2024)


@pytest.fixture()
def raw_copy(tmp_path: Path) -> Path:
    """A writable copy of data/raw to break on purpose."""
    destination = tmp_path / "raw"
    shutil.copytree(RAW_DIR, destination)
    return destination
