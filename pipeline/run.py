"""Run the notebooks with papermill for every region, collect every failure, then publish.

Everything is built in staging folders and moved into ``data/processed/<year>`` and
``reports/<year>`` only when the whole run has succeeded, so a failed run never leaves a
half-written report where the last good one stood.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import papermill
from tqdm import tqdm

from pipeline import NOTEBOOKS_DIR, PROCESSED_DIR, PROJECT_ROOT, REPORTS_DIR
from pipeline.assess import ASSESSMENT_FILE, PATHS_FILE, load_or_build_calibration
from pipeline.clean import load_processed_actual, write_csv_atomically
from pipeline.indicators import plan_for_year
from pipeline.publish import publish
from pipeline.regions import Region, all_regions

CLEAN_NOTEBOOK = "10_clean.ipynb"
FORECAST_NOTEBOOK = "20_forecast.ipynb"


class RunFailed(RuntimeError):
    """One or more notebooks failed; the message lists every failure."""


@dataclass(frozen=True)
class NotebookJob:
    notebook: str
    region: Region
    parameters: dict

    def output_name(self) -> str:
        return f"{self.region.code}-{self.notebook}"


def execute(job: NotebookJob, output_dir: Path) -> None:
    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / job.notebook),
        str(output_dir / job.output_name()),
        parameters=job.parameters,
        cwd=str(PROJECT_ROOT),
        kernel_name="python3",
        progress_bar=False,
        # The kernel's own start-up warnings (transport, signals) are noise in the analyst's terminal;
        # errors in the notebook still reach us through papermill's exception.
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    )


def _failure_text(error: BaseException) -> str:
    if isinstance(error, papermill.PapermillExecutionError):
        return f"{error.ename}: {error.evalue}"
    return f"{type(error).__name__}: {error}"


def run_stage(
    jobs: list[NotebookJob],
    output_dir: Path,
    workers: int,
    runner: Callable[[NotebookJob, Path], None] = execute,
) -> None:
    """Execute every job (``workers`` at a time); raise RunFailed naming all that failed."""
    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(runner, job, output_dir): job for job in jobs}
        label = jobs[0].notebook if jobs else ""
        for future in tqdm(as_completed(futures), total=len(futures), desc=label, unit="地区"):
            job = futures[future]
            try:
                future.result()
            except Exception as error:  # collect every failure, report them all at once
                failures.append(
                    f"  - {job.region.name}（{job.region.code}）{job.notebook}：{_failure_text(error)}；执行记录 {job.output_name()}"
                )
    if failures:
        raise RunFailed(f"{len(failures)} 个笔记本运行失败：\n" + "\n".join(failures))


def combine(processed_year_dir: Path, regions: tuple[Region, ...]) -> None:
    """Concatenate each region's results into the year's assessment.csv and forecast_paths.csv."""
    for name in (ASSESSMENT_FILE, PATHS_FILE):
        frames = [
            pd.read_csv(processed_year_dir / r.code / name, dtype={"region_code": str})
            for r in regions
        ]
        write_csv_atomically(pd.concat(frames, ignore_index=True), processed_year_dir / name)


def replace_directory(new: Path, destination: Path) -> None:
    """Move ``new`` to ``destination``, replacing what was there only after the move is ready."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    previous = destination.with_name(f".previous-{destination.name}-{uuid.uuid4().hex[:8]}")
    if destination.exists():
        destination.rename(previous)
    new.rename(destination)
    shutil.rmtree(previous, ignore_errors=True)


def _point_notebooks_at(notebooks: Path, staging: Path, final: Path) -> None:
    """The executed notebooks ran on the staging folder; after the swap that folder is gone, so
    their injected parameters are rewritten to the final one, where the same data now stands."""
    for path in notebooks.glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace(str(staging.resolve()), str(final.resolve())), encoding="utf-8"
        )


def _jobs(notebook: str, common: dict) -> list[NotebookJob]:
    return [NotebookJob(notebook, r, common | {"region_code": r.code}) for r in all_regions()]


def run_report(
    year: int,
    raw_dir: Path,
    workers: int = 2,
    use_quarto: bool | None = None,
    processed_root: Path = PROCESSED_DIR,
    reports_root: Path = REPORTS_DIR,
) -> Path:
    """Clean, forecast and publish ``year``; return the published report folder."""
    plan_for_year(year)  # fail early, with the configured plans named, for a year outside them
    if not (raw_dir / str(year)).is_dir():
        raise FileNotFoundError(f"没有 {year} 年的报表文件夹：{raw_dir / str(year)}")
    token = uuid.uuid4().hex[:8]
    processed_staging = processed_root / f".staging-{year}-{token}"
    report_staging = reports_root / f".staging-{year}-{token}"
    notebooks_out = report_staging / "notebooks"
    notebooks_out.mkdir(parents=True)
    common = {
        "year": year,
        "raw_dir": str(raw_dir.resolve()),
        "processed_dir": str(processed_staging.resolve()),
    }
    try:
        run_stage(_jobs(CLEAN_NOTEBOOK, common), notebooks_out, workers)
        # Calibrated once for all regions before they are forecast (each notebook reads it).
        load_or_build_calibration(
            processed_staging, year, load_processed_actual(processed_staging, year)
        )
        run_stage(_jobs(FORECAST_NOTEBOOK, common), notebooks_out, workers)
        combine(processed_staging / str(year), all_regions())
        publish(processed_staging, year, report_staging, use_quarto=use_quarto)
    except BaseException:
        shutil.rmtree(processed_staging, ignore_errors=True)
        failed = reports_root / f"failed-{year}"
        shutil.rmtree(failed, ignore_errors=True)
        report_staging.rename(
            failed
        )  # keep the executed notebooks for diagnosis, apart from the good report
        raise
    replace_directory(processed_staging / str(year), processed_root / str(year))
    shutil.rmtree(processed_staging, ignore_errors=True)
    _point_notebooks_at(report_staging / "notebooks", processed_staging, processed_root)
    replace_directory(report_staging, reports_root / str(year))
    shutil.rmtree(reports_root / f"failed-{year}", ignore_errors=True)  # stale once a run succeeds
    return reports_root / str(year)
