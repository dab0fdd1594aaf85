"""The stages of a year's run, as plain functions: the notebooks call them, and so can anything
else (the benchmark's one-process run, the tests). File names and loaders are in ``pipeline.store.catalog``.

    year stage      once a year: intake and validation of every submission up to the year, the
                    calibration (model weights, interval factors) and the per-indicator parameters
                    pooled over all regions; per-region slices of the tidy table and QA log.
    county stage    once per county: simulate and assess the county; save every simulated path.
    city stage      the city's own indicators simulated, its cumulative ones summed from the
                    counties' saved paths; then the year's assessment.csv / forecast_paths.csv.
    考核 stage       the annual 考核 (第十九至二十二条): facts, scores, grades, 约谈/表扬, funds, after the
                    考评组's review (data/review/<year>.yaml); files in the processed year folder.
    report stage    publish the annual report from the processed year folder (it only reads).
    documents stage the bureau's documents (.docx, and PDF with LibreOffice) from the 考核 results,
                    into the report folder's documents/; refuses after 审定 if the inputs changed.

A stage never writes into a published build (:func:`pipeline.store.catalog.refuse_published`): a
notebook run by hand and pointed at ``data/processed`` or ``reports/<year>`` stops with a plain
message instead of rewriting published files behind the runner's back.

County→city coherence: every path is drawn from seeds fixed by (seed, year, indicator, region) and
the common shock by (seed, year, indicator), so the same paths result however the work is split.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.annual.results import YearResults, review_years
from pipeline.annual.review import REVIEW_DIR, load_review
from pipeline.config.indicators import indicators_for
from pipeline.config.regions import Region, all_regions, by_code, city, counties
from pipeline.forecast.calibration import Calibration
from pipeline.intake.collect import intake, region_rows
from pipeline.intake.qa import QaLog
from pipeline.plan_targets.assess import (
    PATH_COLUMNS,
    Simulator,
    assess,
    build_calibration,
    indicator_parameters,
)
from pipeline.store import catalog
from pipeline.store.atomic import write_csv_atomically


class DataFailed(RuntimeError):
    """The submissions have FAIL-level problems; the message lists each FAIL line."""


def stop_on_failures(log: QaLog, what: str) -> None:
    """Raise :class:`DataFailed` listing every FAIL line of ``log`` (``what``: the files it read)."""
    if log.has_failures:
        fails = "\n".join(line for line in log.format().splitlines() if line.startswith("[FAIL]"))
        raise DataFailed(f"{what}有 FAIL 级问题，未继续：\n{fails}")


@dataclass
class YearResult:
    tidy: pd.DataFrame
    qa_log: QaLog
    calibration: Calibration
    parameters: pd.DataFrame


def region_qa(qa: pd.DataFrame, region: Region) -> pd.DataFrame:
    """The QA rows that concern a region: those whose message names it (the city's include the
    city-wide checks, which name no county)."""
    names = qa["message"].astype(str)
    mine = names.str.contains(region.name, regex=False)
    if region.is_city:
        others = [c.name for c in counties()]
        mine |= ~names.apply(lambda text: any(name in text for name in others))
    return qa[mine]


def year_stage(raw_dir: Path, processed_dir: Path, year: int) -> YearResult:
    """Intake, validation, calibration and pooled parameters for ``year``; raise DataFailed (after
    writing the QA log, so it can be read) when a submission has a FAIL."""
    folder = catalog.year_dir(processed_dir, year)
    catalog.refuse_published(folder)
    tidy, log = intake(raw_dir, year)
    qa = log.to_frame()
    write_csv_atomically(qa, folder / catalog.QA_FILE)
    stop_on_failures(log, f"{year}年报表")
    write_csv_atomically(tidy, folder / catalog.TIDY_FILE)
    actual = tidy[tidy["measure"] == "actual"]
    calibration = build_calibration(actual, year)
    calibration.write(folder)
    parameters = pd.DataFrame(
        [{"indicator": k} | v for k, v in indicator_parameters(actual, year).items()],
        columns=["indicator", "pooled_step_sd", "common_share"],
    )
    write_csv_atomically(parameters, folder / catalog.INDICATOR_PARAMETERS_FILE)
    qa_read = qa.astype(str).replace("<NA>", "")
    for region in all_regions():
        out = catalog.region_dir(processed_dir, year, region.code)
        write_csv_atomically(region_rows(tidy, region.code), out / catalog.TIDY_FILE)
        write_csv_atomically(region_qa(qa_read, region), out / catalog.QA_FILE)
    return YearResult(tidy, log, calibration, parameters)


def _simulator(processed_dir: Path, year: int, actual: pd.DataFrame, known=None) -> Simulator:
    folder = catalog.year_dir(processed_dir, year)
    calibration = Calibration.read(folder)
    if calibration is None:
        raise FileNotFoundError(f"找不到 {folder} 中的校准结果：请先运行 notebooks/10_year.ipynb")
    parameters = catalog.load_indicator_parameters(processed_dir, year)
    return Simulator(actual, year, calibration, parameters, known)


def _write_region(processed_dir: Path, year: int, code: str, assessment, summary) -> None:
    out = catalog.region_dir(processed_dir, year, code)
    write_csv_atomically(assessment, out / catalog.ASSESSMENT_FILE)
    write_csv_atomically(summary, out / catalog.PATHS_FILE)


def county_stage(
    processed_dir: Path, year: int, region_code: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate and assess one county from its own slice and the year's calibration; save its
    paths for the city. Returns the assessment rows and the forecast-path summary."""
    region = by_code(region_code)
    if region.is_city:
        raise ValueError("全市用 city_stage（它汇总各县区的模拟路径）")
    catalog.refuse_published(catalog.year_dir(processed_dir, year))
    tidy = catalog.load_region_tidy(processed_dir, year, region.code)
    actual = tidy[tidy["measure"] == "actual"]
    simulator = _simulator(processed_dir, year, actual)
    assessment, summary = assess(actual, year, [region], simulator=simulator)
    simulated = {item.id: simulator.paths(region, item) for item in indicators_for(region)}
    catalog.write_simulation(
        processed_dir, year, region.code, {k: v for k, v in simulated.items() if v is not None}
    )
    _write_region(processed_dir, year, region.code, assessment, summary)
    save_region_chart(processed_dir, year, region, tidy)
    return assessment, summary


def save_region_chart(processed_dir: Path, year: int, region: Region, tidy: pd.DataFrame) -> None:
    """The region's history-and-forecast chart, drawn once: its notebook shows the file and the
    report copies it (pipeline/report/chapters/regions.py). Drawn from the paths as written, which
    the report reads too; stamped when the region's own rows are sample data."""
    from pipeline.report import charts
    from pipeline.report.formatting import SAMPLE_STATUS

    paths = catalog.load_forecast_paths(processed_dir, year, region.code)
    charts.save(
        charts.region_panel(tidy, paths, region, year),
        catalog.region_dir(processed_dir, year, region.code) / catalog.REGION_PANEL_FILE,
        SAMPLE_STATUS if catalog.holds_sample(tidy) else "",
    )


def save_status_matrix(processed_dir: Path, year: int) -> None:
    """Every region's statuses, drawn once for the city notebook and the report, from the year's
    files as written, in parts that each fit a printed page (``status_matrix/1.png``, …);
    stamped when any of the year's rows are sample data."""
    from pipeline.config.indicators import plan_for_year
    from pipeline.report import charts
    from pipeline.report.formatting import SAMPLE_STATUS

    sample = catalog.holds_sample(catalog.load_processed_tidy(processed_dir, year))
    assessment = catalog.load_assessment(processed_dir, year)
    folder = catalog.year_dir(processed_dir, year) / catalog.STATUS_MATRIX_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.png"):  # a scratch folder's earlier run may have had more parts
        stale.unlink()
    title = charts.status_matrix_title(plan_for_year(year), year)
    for number, (caption, rows) in enumerate(charts.status_matrix_parts(assessment, title), 1):
        charts.save(
            charts.status_matrix(rows, caption),
            catalog.status_matrix_file(processed_dir, year, number),
            SAMPLE_STATUS if sample else "",
        )


def city_stage(processed_dir: Path, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assess the city (its cumulative indicators from the counties' saved paths) and write the
    year's assessment and forecast paths for all regions."""
    catalog.refuse_published(catalog.year_dir(processed_dir, year))
    the_city = city()
    tidy = catalog.load_region_tidy(processed_dir, year, the_city.code)
    actual = tidy[tidy["measure"] == "actual"]
    known = {}
    for county in counties():
        saved = catalog.load_simulation(processed_dir, year, county.code)
        for item in indicators_for(county):
            known[(county.code, item.id)] = saved.get(item.id)
    simulator = _simulator(processed_dir, year, actual, known)
    assessment, summary = assess(actual, year, [the_city], simulator=simulator)
    _write_region(processed_dir, year, the_city.code, assessment, summary)
    regions = all_regions()
    combined = pd.concat(
        [catalog.load_assessment(processed_dir, year, r.code) for r in regions], ignore_index=True
    )
    combined_paths = pd.concat(
        [catalog.load_forecast_paths(processed_dir, year, r.code) for r in regions],
        ignore_index=True,
    )[PATH_COLUMNS]
    folder = catalog.year_dir(processed_dir, year)
    write_csv_atomically(combined, folder / catalog.ASSESSMENT_FILE)
    write_csv_atomically(combined_paths, folder / catalog.PATHS_FILE)
    save_region_chart(processed_dir, year, the_city, tidy)
    save_status_matrix(processed_dir, year)
    return assessment, summary


def assessment_stage(processed_dir: Path, year: int, review_dir: Path = REVIEW_DIR) -> YearResults:
    """The year's 考核 from the cleaned table, the QA log and the plan-target table, after the
    考评组's review (and the earlier years' reviews, for their final scores: :func:`review_years`);
    in the plan's last year also the five-year results; written to the processed year folder
    (``pipeline/annual/results.py``)."""
    catalog.refuse_published(catalog.year_dir(processed_dir, year))
    results = YearResults.compute(
        catalog.load_processed_tidy(processed_dir, year),
        catalog.load_qa_log(processed_dir, year),
        catalog.load_assessment(processed_dir, year),
        year,
        load_review(year, review_dir),
        earlier_reviews={y: load_review(y, review_dir) for y in review_years(year) if y != year},
    )
    results.write(catalog.year_dir(processed_dir, year))
    return results


def departments_stage(raw_dir: Path, processed_dir: Path, year: int) -> object:
    """The member departments' task lists of ``year`` (``data/raw/departments/<year>/``): read under
    the intake's rules, scored with the counties' rule objects, written beside the 考核 results.
    A FAIL stops the run (after writing the log); a year without task lists is said, not an error."""
    from pipeline.annual.departments import assess_departments, write_results
    from pipeline.intake.departments import departments_folder, read_departments

    folder = catalog.year_dir(processed_dir, year)
    catalog.refuse_published(folder)
    if not departments_folder(raw_dir, year).is_dir():
        write_results(None, QaLog().to_frame(), folder)
        return None
    tasks, log = read_departments(raw_dir, year)
    results = None if log.has_failures else assess_departments(tasks)
    write_results(results, log.to_frame(), folder)  # the log is written either way, to be read
    stop_on_failures(log, f"{year}年成员单位任务清单")
    return results


def report_stage(
    processed_dir: Path, year: int, report_dir: Path, use_quarto: bool | None = None
) -> list[Path]:
    from pipeline.report.publish import publish

    catalog.refuse_published(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    return publish(processed_dir, year, report_dir, use_quarto=use_quarto)


def documents_stage(
    processed_dir: Path, year: int, report_dir: Path, review_dir: Path = REVIEW_DIR,
    use_quarto: bool | None = None, accept_changes: bool = False,
) -> list[Path]:  # fmt: skip
    """The year's documents into ``report_dir/documents``: .docx always, PDF when LibreOffice is
    installed (the product installs it; without it the .docx are still written, and it is said)."""
    from pipeline.documents.build import make_documents
    from pipeline.documents.render import find_soffice

    out = report_dir / "documents"
    catalog.refuse_published(out)
    pdf = find_soffice() is not None
    built = make_documents(
        processed_dir, year, out, review_dir=review_dir, accept_changes=accept_changes,
        use_quarto=use_quarto, pdf=pdf,
    )  # fmt: skip
    if built.message:
        print(built.message)
    print(
        f"公文已生成（.docx 由 {built.renderer} 生成）：{len(built.docx)} 个 .docx、{len(built.pdf)} 个 PDF"
        + ("" if pdf else "（未安装 LibreOffice，未生成 PDF：apt-get install libreoffice-writer）")
    )
    return [*built.docx, *built.pdf]


def missing_counties(processed_dir: Path, year: int) -> list[str]:
    """Counties whose stage has not written its paths in ``processed_dir`` (for notebooks run by
    hand on a scratch folder; the runner always runs every county first)."""
    return [
        c.code
        for c in counties()
        if not (catalog.region_dir(processed_dir, year, c.code) / catalog.SIMULATION_FILE).exists()
    ]
