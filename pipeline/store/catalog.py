"""Every file name of the processed data and every loader of it, in one place (the names are
kept in :mod:`pipeline.store.names` and re-exported here).

A processed year folder ``<processed>/<year>/`` holds what the stages write:

- year stage: ``tidy.csv``, ``qa_log.csv``, ``calibration.csv``, ``model_weights.csv``,
  ``indicator_parameters.csv`` and, per region, ``regions/<code>/tidy.csv`` and ``qa_log.csv``
  (the slices a region's forecast reads, so that its inputs can be hashed on their own);
- county stage: ``regions/<code>/paths.npz`` (every simulated path), ``assessment.csv`` and
  ``forecast_paths.csv`` (quantile summaries), ``panel.png`` (its history-and-forecast chart,
  drawn once: the notebook shows it and the report copies it);
- city stage: the city's files in ``regions/<city>/`` and the year's ``assessment.csv`` and
  ``forecast_paths.csv`` for all regions, and ``status_matrix/1.png``, … (all
  regions' statuses, in parts that each fit a printed page);
- 考核 stage: ``annual_facts.csv``, ``scores.csv``, ``score_items.csv``, ``suggestions.csv``,
  ``funds.csv`` and ``review_changes.csv`` (see ``pipeline/annual/results.py``); in the plan's
  last year also ``plan_years.csv`` and ``plan_results.csv`` (the five-year results).

Published years are reached through ``data/processed/<year>`` and ``reports/<year>``, symlinks into
the current build (see ``pipeline/runner/builds.py`` and docs/running.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import DATA_DIR, PROJECT_ROOT
from pipeline.store.atomic import write_npz_atomically
from pipeline.store.inert import read_csv
from pipeline.store.names import (  # the file names, re-exported: catalog.FUNDS_FILE
    ANNUAL_FACTS_FILE,
    ASSESSMENT_FILE,
    CALIBRATION_SCALES_FILE,
    COMPLETE,
    DEPARTMENT_QA_FILE,
    DEPARTMENT_SCORES_FILE,
    DEPARTMENT_SUGGESTIONS_FILE,
    DEPARTMENT_TASKS_FILE,
    FUNDS_FILE,
    INDICATOR_PARAMETERS_FILE,
    MODEL_WEIGHTS_FILE,
    PATHS_FILE,
    PLAN_RESULTS_FILE,
    PLAN_YEARS_FILE,
    QA_FILE,
    REGION_PANEL_FILE,
    REVIEW_CHANGES_FILE,
    SCORE_ITEMS_FILE,
    SCORES_FILE,
    SIMULATION_FILE,
    STATUS_MATRIX_DIR,
    SUGGESTIONS_FILE,
    TIDY_FILE,
)

REGIONS_DIR = "regions"
# The published report folder of a build (the report stage's one output), and in it the record
# of which renderer made the HTML and PDF (make report prints it: the stage runs in a kernel).
REPORT_DATASET = "report"
RENDER_RECORD_FILE = "render.json"
# The documents stage writes into the report folder's documents/ (not part of the report stage's output).
DOCUMENTS_DATASET = "report/documents"

# Every dataset a stage reads or writes, by the name the stage declarations use
# (pipeline/stages/registry.py): a file of the processed year folder, the same file in each
# region's folder for the region_* names and ``simulation``, or the report folder.
DATASETS = {
    "tidy": TIDY_FILE,
    "qa_log": QA_FILE,
    "calibration": CALIBRATION_SCALES_FILE,
    "model_weights": MODEL_WEIGHTS_FILE,
    "indicator_parameters": INDICATOR_PARAMETERS_FILE,
    "region_tidy": TIDY_FILE,
    "region_qa_log": QA_FILE,
    "simulation": SIMULATION_FILE,
    "region_assessment": ASSESSMENT_FILE,
    "region_forecast_paths": PATHS_FILE,
    "region_panel": REGION_PANEL_FILE,
    "assessment": ASSESSMENT_FILE,
    "forecast_paths": PATHS_FILE,
    "status_matrix": STATUS_MATRIX_DIR,
    "annual_facts": ANNUAL_FACTS_FILE,
    "scores": SCORES_FILE,
    "score_items": SCORE_ITEMS_FILE,
    "suggestions": SUGGESTIONS_FILE,
    "funds": FUNDS_FILE,
    "review_changes": REVIEW_CHANGES_FILE,
    "plan_years": PLAN_YEARS_FILE,
    "plan_results": PLAN_RESULTS_FILE,
    "department_tasks": DEPARTMENT_TASKS_FILE,
    "department_scores": DEPARTMENT_SCORES_FILE,
    "department_suggestions": DEPARTMENT_SUGGESTIONS_FILE,
    "department_qa_log": DEPARTMENT_QA_FILE,
    "report": REPORT_DATASET,
    "documents": DOCUMENTS_DATASET,
}
# Notebooks run by hand (JupyterLab, defaults) write here, never over a published year.
SCRATCH_ENV = "ANKANG_SCRATCH_DIR"


class PublishedBuildError(PermissionError):
    """A stage was pointed at a published (complete) build; it refuses to rewrite its files."""


def refuse_published(folder: Path) -> None:
    """Raise :class:`PublishedBuildError` when ``folder`` is in, or is reached through a link into,
    a complete build (``data/builds/<year>/<id>/`` with its COMPLETE marker: ``data/processed/<year>``
    and ``reports/<year>`` lead there). The runner's own build has no marker until every stage ran,
    so its stages write as usual."""
    resolved = folder.resolve()
    for parent in (resolved, *resolved.parents):
        if (parent / COMPLETE).is_file():
            raise PublishedBuildError(
                f"{folder} 属于已发布的构建 {parent}（有 {COMPLETE} 标记），阶段不会改写已发布的文件。"
                f"手动运行笔记本时请把 processed_dir（以及 report_dir）留空，结果写入草稿文件夹 {scratch_dir()}，"
                "或指定另一个草稿文件夹；要更新已发布的年份，请运行 make report。"
            )


def project_path(path: str | Path) -> Path:
    """A path as given, or relative to the project root (so notebooks run from any folder)."""
    path = Path(path)
    return path if path.is_absolute() else PROJECT_ROOT / path


def scratch_dir() -> Path:
    """Where notebooks run with their default parameters write (``$ANKANG_SCRATCH_DIR`` or
    ``data/scratch``): a scratch folder, never ``data/processed``."""
    return Path(os.environ.get(SCRATCH_ENV) or DATA_DIR / "scratch")


def processed_dir_or_scratch(processed_dir: str | Path | None) -> Path:
    return scratch_dir() if processed_dir in (None, "") else project_path(processed_dir)


def year_dir(processed_dir: Path, year: int) -> Path:
    return processed_dir / str(year)


def region_dir(processed_dir: Path, year: int, region_code: str) -> Path:
    return year_dir(processed_dir, year) / REGIONS_DIR / region_code


def describe_os_error(error: OSError) -> str:
    """A file-system failure in plain words: the path, what happened, what to do. Published
    reports are swapped in only after a complete build, so they are never half-written."""
    import errno

    where = error.filename or "（未知路径）"
    if error.errno == errno.ENOSPC:
        what = "磁盘空间不足", "请清理磁盘（如 data/builds/ 中的旧构建）后重新运行"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = (
            "没有写入权限（文件夹只读）",
            "请让管理员开放该文件夹的写入权限，或用参数指定可写的位置",
        )
    else:
        what = f"读写失败（{error.strerror or error}）", "请检查该路径后重新运行"
    return f"{what[0]}：{where}。{what[1]}。已发布的报告与数据未改动。"


def renderer_line(record: dict) -> str:
    """'报告渲染器：备用渲染器（pandoc + WeasyPrint）；输出：a.html、a.pdf、a.qmd' from a render record."""
    return f"报告渲染器：{record['renderer']}；输出：{'、'.join(record['files'])}"


def read_render_record(report_dir: Path) -> dict | None:
    """The report stage's render record in ``report_dir`` (None before the first report)."""
    import json

    path = report_dir / RENDER_RECORD_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def require(path: Path, stage: str, year: int) -> Path:
    if not path.exists():
        raise FileNotFoundError(
            f"找不到 {path}：请先在同一个 processed_dir 上运行 {stage}。"
            "直接运行笔记本（processed_dir 留空）时，各阶段笔记本会先补算草稿文件夹中缺少的上游阶段；"
            f"make report YEAR={year} 只写已发布的 data/processed/{year}，不写草稿文件夹。"
        )
    return path


def _read_tidy(path: Path) -> pd.DataFrame:
    tidy = read_csv(path, dtype={"region_code": str, "missing_reason": str})
    if "missing_reason" in tidy:  # "" is written as an empty field, read back as NaN
        tidy["missing_reason"] = tidy["missing_reason"].fillna("")
    return tidy


def load_processed_tidy(processed_dir: Path, year: int) -> pd.DataFrame:
    """All regions' tidy rows written by the year stage."""
    path = require(year_dir(processed_dir, year) / TIDY_FILE, "notebooks/10_year.ipynb", year)
    return _read_tidy(path)


def holds_sample(tidy: pd.DataFrame) -> bool:
    """True when any value comes from a file carrying the sample note row (the tidy table's
    ``is_sample`` column, set by the intake)."""
    return bool(tidy["is_sample"].astype(bool).any())


def load_processed_actual(processed_dir: Path, year: int) -> pd.DataFrame:
    """The 完成数 rows of the cleaned table."""
    tidy = load_processed_tidy(processed_dir, year)
    return tidy[tidy["measure"] == "actual"]


def load_qa_log(processed_dir: Path, year: int) -> pd.DataFrame:
    path = require(year_dir(processed_dir, year) / QA_FILE, "notebooks/10_year.ipynb", year)
    return read_csv(path, dtype=str, keep_default_na=False)


def load_department_qa_log(processed_dir: Path, year: int) -> pd.DataFrame:
    """The log of the member departments' task lists (the departments stage)."""
    path = year_dir(processed_dir, year) / DEPARTMENT_QA_FILE
    return read_csv(
        require(path, "notebooks/45_departments.ipynb", year), dtype=str, keep_default_na=False
    )


def load_region_tidy(processed_dir: Path, year: int, region_code: str) -> pd.DataFrame:
    path = region_dir(processed_dir, year, region_code) / TIDY_FILE
    return _read_tidy(require(path, "notebooks/10_year.ipynb", year))


def load_region_qa(processed_dir: Path, year: int, region_code: str) -> pd.DataFrame:
    path = region_dir(processed_dir, year, region_code) / QA_FILE
    return read_csv(
        require(path, "notebooks/10_year.ipynb", year), dtype=str, keep_default_na=False
    )


def load_indicator_parameters(processed_dir: Path, year: int) -> dict[str, dict[str, float | None]]:
    """Per indicator: the pooled step size and the common-shock share (year stage)."""
    path = year_dir(processed_dir, year) / INDICATOR_PARAMETERS_FILE
    frame = read_csv(require(path, "notebooks/10_year.ipynb", year))
    return {
        row.indicator: {
            "pooled_step_sd": None if pd.isna(row.pooled_step_sd) else float(row.pooled_step_sd),
            "common_share": float(row.common_share),
        }
        for row in frame.itertuples()
    }


def write_simulation(
    processed_dir: Path, year: int, region_code: str, paths: dict[str, tuple[np.ndarray, list[str]]]
) -> None:
    """Every simulated path of a region (indicator → paths × years), for the city to sum."""
    arrays = {f"paths__{k}": v[0] for k, v in paths.items()}
    arrays |= {f"models__{k}": np.array(v[1], dtype=str) for k, v in paths.items()}
    write_npz_atomically(arrays, region_dir(processed_dir, year, region_code) / SIMULATION_FILE)


def load_simulation(
    processed_dir: Path, year: int, region_code: str
) -> dict[str, tuple[np.ndarray, list[str]]]:
    path = region_dir(processed_dir, year, region_code) / SIMULATION_FILE
    with np.load(require(path, "notebooks/20_county.ipynb", year)) as data:
        ids = [k.removeprefix("paths__") for k in data.files if k.startswith("paths__")]
        return {i: (data[f"paths__{i}"], [str(m) for m in data[f"models__{i}"]]) for i in ids}


def _year_or_region_dir(processed_dir: Path, year: int, region_code: str | None) -> Path:
    """The year's folder, or one region's folder in it."""
    if region_code is None:
        return year_dir(processed_dir, year)
    return region_dir(processed_dir, year, region_code)


ASSESSMENT_TEXT_COLUMNS = ("region_code", "note", "years_missed", "check")


def load_assessment(processed_dir: Path, year: int, region_code: str | None = None) -> pd.DataFrame:
    """The plan-target table (one row per region × indicator); its text columns as text."""
    folder = _year_or_region_dir(processed_dir, year, region_code)
    return read_csv(
        require(folder / ASSESSMENT_FILE, "make report", year),
        dtype=dict.fromkeys(ASSESSMENT_TEXT_COLUMNS, str),
    )


def load_forecast_paths(
    processed_dir: Path, year: int, region_code: str | None = None
) -> pd.DataFrame:
    folder = _year_or_region_dir(processed_dir, year, region_code)
    return read_csv(require(folder / PATHS_FILE, "make report", year), dtype={"region_code": str})


def status_matrix_file(processed_dir: Path, year: int, number: int) -> Path:
    """Where part ``number`` (from 1) of the year's status matrix is drawn."""
    return year_dir(processed_dir, year) / STATUS_MATRIX_DIR / f"{number}.png"


def status_matrix_files(processed_dir: Path, year: int) -> list[Path]:
    """The parts of the year's status matrix (``status_matrix/1.png``, …), in order."""
    folder = require(year_dir(processed_dir, year) / STATUS_MATRIX_DIR, "make report", year)
    return sorted(folder.glob("*.png"), key=lambda path: int(path.stem))


def load_model_weights(processed_dir: Path, year: int) -> pd.DataFrame:
    path = year_dir(processed_dir, year) / MODEL_WEIGHTS_FILE
    return read_csv(require(path, "notebooks/10_year.ipynb", year))
