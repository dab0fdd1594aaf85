"""What the report reads: the processed files of one year, loaded once, and the plan it is judged
against. The chapters (``pipeline/report/chapters/``) present these; none computes a result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.annual.departments import DepartmentResults
from pipeline.annual.departments import read_results as read_departments
from pipeline.annual.results import YearResults
from pipeline.config.indicators import plan_for_year
from pipeline.config.schema import Plan
from pipeline.store.catalog import (
    holds_sample,
    load_assessment,
    load_department_qa_log,
    load_forecast_paths,
    load_processed_tidy,
    load_qa_log,
)


@dataclass
class ReportInputs:
    year: int
    assessment: pd.DataFrame
    paths: pd.DataFrame
    tidy: pd.DataFrame
    qa_log: pd.DataFrame
    results: YearResults  # the 考核 stage's files: the report presents them, never computes them
    departments: DepartmentResults | None = None  # the departments stage's (None: no task lists)
    processed_dir: Path | None = None  # where they were read: the charts the stages drew are there

    @classmethod
    def load(cls, processed_dir: Path, year: int) -> ReportInputs:
        return cls(
            year=year,
            assessment=load_assessment(processed_dir, year),
            paths=load_forecast_paths(processed_dir, year),
            tidy=load_processed_tidy(processed_dir, year),
            # the submissions' log and the departments' task lists' log: one record of the year's data
            qa_log=pd.concat(
                [load_qa_log(processed_dir, year), load_department_qa_log(processed_dir, year)],
                ignore_index=True,
            ),
            results=YearResults.read(processed_dir, year),
            departments=read_departments(processed_dir, year),
            processed_dir=processed_dir,
        )

    @property
    def is_sample(self) -> bool:
        """True when any value comes from a file carrying the sample note row."""
        return holds_sample(self.tidy)

    @property
    def plan(self) -> Plan:
        """The plan the year belongs to (十四五 for 2021–2025)."""
        return plan_for_year(self.year)

    @property
    def final(self) -> bool:
        """The plan's last year: its targets get a verdict, nothing is forecast."""
        return self.year == self.plan.end
