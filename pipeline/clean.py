"""The cleaning stage for one region and year: intake of every submission up to the year,
validation, and the region's slice of the tidy table written to ``<processed>/<year>/<code>/``."""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd

from pipeline import PROJECT_ROOT
from pipeline.ingest import TIDY_COLUMNS, read_raw_dir
from pipeline.qa import QaLog
from pipeline.regions import by_code, functional_zones
from pipeline.validate import validate

TIDY_FILE = "tidy.csv"
QA_FILE = "qa_log.csv"


def project_path(path: str | Path) -> Path:
    """A path as given, or relative to the project root (so notebooks run from any folder)."""
    path = Path(path)
    return path if path.is_absolute() else PROJECT_ROOT / path


def intake(raw_dir: Path, year: int) -> tuple[pd.DataFrame, QaLog]:
    """Read and validate every submission for years up to ``year``."""
    tidy, log = read_raw_dir(raw_dir, year)
    log.extend(validate(tidy))
    return tidy, log


def region_rows(tidy: pd.DataFrame, region_code: str) -> pd.DataFrame:
    """The region's rows, plus those of functional zones that lie in it (kept, never dropped)."""
    zone_ids = [z.id for z in functional_zones() if z.parent_code == region_code]
    return tidy[tidy["region_code"].isin([region_code, *zone_ids])]


def write_csv_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Write to a uniquely named file beside ``path``, then rename: readers never see half a file,
    and notebooks running in parallel that write the same file do not trip over each other."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    frame.to_csv(partial, index=False, encoding="utf-8")
    partial.replace(path)


def clean_region(
    raw_dir: Path, processed_dir: Path, year: int, region_code: str
) -> tuple[pd.DataFrame, QaLog]:
    """Run intake; write the whole tidy table and QA log for the year (the forecast of a region
    needs its neighbours: the city sums county paths) and the region's own slice."""
    region = by_code(region_code)
    tidy, log = intake(raw_dir, year)
    year_dir = processed_dir / str(year)
    write_csv_atomically(tidy, year_dir / TIDY_FILE)
    write_csv_atomically(log.to_frame(), year_dir / QA_FILE)
    write_csv_atomically(region_rows(tidy, region.code), year_dir / region.code / TIDY_FILE)
    return region_rows(tidy, region.code), log


def load_processed_tidy(processed_dir: Path, year: int) -> pd.DataFrame:
    """All regions' tidy rows written by the cleaning stage for ``year``."""
    path = processed_dir / str(year) / TIDY_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"找不到清洗结果 {path}：请先运行 notebooks/10_clean.ipynb 或 make report YEAR={year}"
        )
    return pd.read_csv(path, dtype={"region_code": str})[TIDY_COLUMNS]


def load_processed_actual(processed_dir: Path, year: int) -> pd.DataFrame:
    """The 完成数 rows of the cleaned table."""
    tidy = load_processed_tidy(processed_dir, year)
    return tidy[tidy["measure"] == "actual"]


def load_qa_log(processed_dir: Path, year: int) -> pd.DataFrame:
    return pd.read_csv(processed_dir / str(year) / QA_FILE, dtype=str, keep_default_na=False)
