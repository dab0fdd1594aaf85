"""Each stage of a year, declared once: its notebook, its function, whether it runs once or once per
county, the run options it takes, and what it reads and writes — by dataset name
(:data:`pipeline.store.catalog.DATASETS`), never by file name. The runner (order, fingerprints,
parallel runs, atomic publication), the in-process path (the runner's ``execute_in_process``,
through :func:`call`) and ``python -m pipeline stages`` all derive from :data:`STAGES` (as a
Kedro ``Node(func, inputs, outputs)`` or a ``tar_target``).

A dataset reference is a name of the catalog, with the regions it covers for per-region data:
``name`` (a year-level dataset), ``name@own`` (the stage's own county), ``name@city``,
``name@counties`` or ``name@all`` (the city and the counties).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.config.regions import all_regions, by_code, city, counties, tier_words
from pipeline.store import catalog

Scope = Literal["once", "county"]
# Inputs outside the build folder, hashed into a stage's key (see :func:`extra_input_paths`).
ExtraInput = Literal["raw", "reference", "backtest", "review", "people", "departments", "towns"]


@dataclass(frozen=True)
class StageSpec:
    name: str  # the stage's id; a county stage's id is "<name>-<code>"
    label: str  # for people; {year} and {region} are filled in
    notebook: str
    # The name of its function in pipeline.stages.steps, imported when the function is wanted:
    # steps imports the forecast engine (statsmodels, ~2 CPU-s), which planning a run and the
    # no-op check never need (issue 17: no-op under 2 s).
    function_name: str
    per: Scope
    parameters: tuple[str, ...]  # the run options the function and the notebook take
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    extra_inputs: tuple[ExtraInput, ...] = ()

    @property
    def function(self) -> Callable[..., object]:
        return getattr(importlib.import_module("pipeline.stages.steps"), self.function_name)

    def instances(self) -> list[str | None]:
        """The region code of each instance (None for a stage run once)."""
        return [c.code for c in counties()] if self.per == "county" else [None]

    def stage_id(self, region_code: str | None) -> str:
        return f"{self.name}-{region_code}" if region_code else self.name

    def label_for(self, year: int, region_code: str | None, region: str | None = None) -> str:
        """The label for people; ``region`` overrides the region's name (e.g. 各县（市、区）)."""
        name = region or (by_code(region_code).name if region_code else city().name)
        words = tier_words()  # 县区/全市, or a county's 镇办/全区
        return self.label.format(year=year, region=name, members=words.members_short, top=words.top)


# What every forecast of the year shares: the calibration and the pooled parameters.
_SHARED = ("calibration", "model_weights", "indicator_parameters")
# (plan_years and plan_results are empty before the plan's last year)
RESULTS = (
    "annual_facts", "scores", "score_items", "suggestions", "funds", "review_changes",
    "plan_years", "plan_results",
)  # fmt: skip
DEPARTMENT_RESULTS = (
    "department_tasks", "department_scores", "department_suggestions", "department_qa_log",
)  # fmt: skip

STAGES: tuple[StageSpec, ...] = (
    StageSpec(
        "year", "{year}年度阶段（读取、校验、校准）", "10_year.ipynb", "year_stage", "once",
        ("raw_dir", "processed_dir", "year"),
        writes=("tidy", "qa_log", *_SHARED, "region_tidy@all", "region_qa_log@all"),
        extra_inputs=("raw",),
    ),
    StageSpec(
        "county", "{region} {members}阶段", "20_county.ipynb", "county_stage", "county",
        ("processed_dir", "year", "region_code"),
        reads=("region_tidy@own", "region_qa_log@own", *_SHARED),
        writes=(
            "simulation@own", "region_assessment@own", "region_forecast_paths@own",
            "region_panel@own",
        ),
    ),
    StageSpec(
        "city", "{region} {top}阶段（汇总）", "30_city.ipynb", "city_stage", "once",
        ("processed_dir", "year"),
        reads=(
            "tidy", "region_tidy@city", "region_qa_log@city", *_SHARED, "simulation@counties",
            "region_assessment@counties", "region_forecast_paths@counties",
        ),
        writes=(
            "region_assessment@city", "region_forecast_paths@city", "region_panel@city",
            "assessment", "forecast_paths", "status_matrix",
        ),
    ),
    StageSpec(
        "assessment", "{year}年度考核（得分、等次、约谈、表扬、资金）", "40_assessment.ipynb",
        "assessment_stage", "once", ("processed_dir", "year", "review_dir"),
        reads=("tidy", "qa_log", "assessment"),
        writes=RESULTS,
        extra_inputs=("reference", "review"),
    ),
    StageSpec(
        "departments", "{year}年度成员单位考核（任务清单）", "45_departments.ipynb",
        "departments_stage", "once", ("raw_dir", "processed_dir", "year"),
        writes=DEPARTMENT_RESULTS,
        extra_inputs=("departments",),
    ),
    StageSpec(
        "report", "{year}年度报告（发布）", "50_report.ipynb", "report_stage", "once",
        ("processed_dir", "year", "report_dir", "use_quarto"),
        reads=(
            "tidy", "qa_log", "assessment", "forecast_paths", "region_panel@all", "status_matrix",
            *RESULTS, *DEPARTMENT_RESULTS,
        ),
        writes=("report",),
        extra_inputs=("reference", "backtest", "towns"),
    ),
    StageSpec(
        "documents", "{year}年度公文（通报、告知书、约谈、表扬）", "60_documents.ipynb",
        "documents_stage", "once",
        ("processed_dir", "year", "report_dir", "review_dir", "use_quarto", "accept_changes"),
        reads=("tidy", *RESULTS),
        writes=("documents",),
        extra_inputs=("review", "people"),
    ),
)  # fmt: skip


def dataset_paths(reference: str, year: int, own: str | None = None) -> list[str]:
    """The files of a dataset reference, relative to a build folder (``processed/<year>/...``, or
    ``report`` for the published report folder)."""
    name, _, regions = reference.partition("@")
    location = catalog.DATASETS[name]
    if location in (catalog.REPORT_DATASET, catalog.DOCUMENTS_DATASET):
        return [location]
    folder = f"processed/{year}"
    if not regions:
        return [f"{folder}/{location}"]
    codes = {
        "own": [own],
        "city": [city().code],
        "counties": [c.code for c in counties()],
        "all": [r.code for r in all_regions()],
    }[regions]
    return [f"{folder}/{catalog.REGIONS_DIR}/{code}/{location}" for code in codes]


def _paths(spec: StageSpec, references: tuple[str, ...], year: int) -> set[str]:
    return {
        path
        for code in spec.instances()
        for reference in references
        for path in dataset_paths(reference, year, code)
    }


def producers(year: int = 0) -> dict[str, StageSpec]:
    """Which stage writes each file (each is written by exactly one)."""
    out: dict[str, StageSpec] = {}
    for spec in STAGES:
        for path in _paths(spec, spec.writes, year):
            if path in out:
                raise ValueError(f"{path} 由两个阶段写入：{out[path].name}、{spec.name}")
            out[path] = spec
    return out


def upstream(spec: StageSpec) -> list[StageSpec]:
    """The stages whose outputs ``spec`` reads, in declaration order."""
    writers = producers()
    needed = {writers[path].name for path in _paths(spec, spec.reads, 0)}
    return [s for s in STAGES if s.name in needed]


def extra_input_paths(
    kind: ExtraInput, year: int, raw_dir: Path, review_dir: Path, project_root: Path
) -> list[Path]:
    if kind == "raw":
        return raw_year_folders(raw_dir, year)
    if kind == "review":  # the year's and the earlier ones the 考核 reads (their final scores)
        from pipeline.annual.results import review_years

        return [review_dir / f"{y}.yaml" for y in review_years(year)]
    if kind == "departments":  # the member departments' task lists of the year
        from pipeline.intake.departments import departments_folder

        return [departments_folder(raw_dir, year)]
    if kind == "towns":  # the units' published results the county pages summarise
        from pipeline.report.chapters.towns import input_paths

        return input_paths(year)
    if kind == "people":  # who the 约谈通知 is addressed to, who the 表扬通报 names
        from pipeline.documents.people import contacts_path, nominations_path

        return [contacts_path(review_dir), nominations_path(review_dir, year)]
    return [project_root / {"reference": "data/reference", "backtest": "docs/backtest"}[kind]]


def raw_year_folders(raw_dir: Path, year: int) -> list[Path]:
    """The raw folders the intake reads for ``year``: every year folder up to it."""
    if not raw_dir.is_dir():
        return []
    from pipeline.intake.ingest import is_year_folder

    return sorted(p for p in raw_dir.iterdir() if is_year_folder(p) and int(p.name) <= year)


def call(spec: StageSpec, options: dict) -> object:
    """Run a stage's function with the run options it declares (folders as paths)."""
    arguments = {
        name: Path(options[name]) if name.endswith("_dir") else options[name]
        for name in spec.parameters
    }
    return spec.function(**arguments)


def by_name(name: str) -> StageSpec:
    return next(spec for spec in STAGES if spec.name == name)


def run_upstream(name: str, processed_dir: Path, year: int) -> None:
    """Every stage whose outputs ``name`` needs, directly or not, in this process and in declaration
    order, on the project's own submissions and review (a notebook run by hand on an empty scratch
    folder needs what they write)."""
    from pipeline import RAW_DIR
    from pipeline.annual.review import REVIEW_DIR

    options = {"raw_dir": RAW_DIR, "processed_dir": processed_dir, "year": year,
               "review_dir": REVIEW_DIR}  # fmt: skip
    needed: set[str] = set()
    pending = [by_name(name)]
    while pending:
        for spec in upstream(pending.pop()):
            if spec.name not in needed:
                needed.add(spec.name)
                pending.append(spec)
    for spec in STAGES:
        if spec.name in needed:
            for code in spec.instances():
                call(spec, options | {"region_code": code})
