"""Intake of a year's submissions (read every workbook up to the year, then validate).

The stage that calls it once a year is ``pipeline.stages.steps.year_stage``; file names and loaders of
the processed data live in ``pipeline.store.catalog``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config.regions import functional_zones
from pipeline.intake.ingest import read_raw_dir
from pipeline.intake.qa import QaLog
from pipeline.intake.validate import validate


def intake(raw_dir: Path, year: int) -> tuple[pd.DataFrame, QaLog]:
    """Read and validate every submission for years up to ``year``."""
    tidy, log = read_raw_dir(raw_dir, year)
    log.extend(validate(tidy))
    return tidy, log


def region_rows(tidy: pd.DataFrame, region_code: str) -> pd.DataFrame:
    """The region's rows, plus those of functional zones that lie in it (kept, never dropped)."""
    zone_ids = [z.id for z in functional_zones() if z.parent_code == region_code]
    return tidy[tidy["region_code"].isin([region_code, *zone_ids])]
