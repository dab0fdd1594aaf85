"""End-to-end: the runner executes every notebook with papermill and publishes through the fallback."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline import RAW_DIR, raw_layout
from pipeline.document import markdown_table
from pipeline.publish import publish
from pipeline.regions import all_regions
from pipeline.report import report_stem
from pipeline.run import NotebookJob, RunFailed, replace_directory, run_report, run_stage

YEAR = 2024


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One full run into temporary processed/ and reports/ folders (about two minutes)."""
    root = tmp_path_factory.mktemp("run")
    folder = run_report(
        YEAR,
        RAW_DIR,
        workers=2,
        use_quarto=False,
        processed_root=root / "processed",
        reports_root=root / "reports",
    )
    return root, folder


@pytest.mark.slow
def test_report_files_and_executed_notebooks_are_published(published):
    root, folder = published
    assert folder == root / "reports" / str(YEAR)
    stem = report_stem(YEAR)
    assert (folder / f"{stem}.html").stat().st_size > 100_000
    assert (folder / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    executed = sorted(p.name for p in (folder / "notebooks").iterdir())
    assert len(executed) == 22 and "610981-20_forecast.ipynb" in executed
    assert not [
        p for p in (root / "reports").iterdir() if p.name.startswith(".")
    ]  # staging is gone


@pytest.mark.slow
def test_html_is_self_contained_and_names_every_region_and_the_sample(published):
    _, folder = published
    html = (folder / f"{report_stem(YEAR)}.html").read_text(encoding="utf-8")
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)
    assert "<link" not in html and "<script" not in html
    assert all(region.name in html for region in all_regions())
    assert "样例数据，非真实填报" in html
    assert (
        html.count("data:image/png;base64,") == 1 + 4 + 11 + 1
    )  # matrix, 4 progress charts, 11 regions, the score map


@pytest.mark.slow
def test_pdf_embeds_the_cjk_font(published):
    _, folder = published
    pdffonts = shutil.which("pdffonts")
    if pdffonts is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    listing = subprocess.run(
        [pdffonts, str(folder / f"{report_stem(YEAR)}.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cjk = [line for line in listing.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk)  # the "emb" column


@pytest.mark.slow
def test_assessment_csv_has_one_row_per_region_and_indicator_traceable_to_tidy(published):
    root, _ = published
    processed = root / "processed" / str(YEAR)
    assessment = pd.read_csv(processed / "assessment.csv", dtype={"region_code": str})
    assert len(assessment) == 78 and not assessment.duplicated(["region_code", "indicator"]).any()
    for column in ("target", "actual_to_date", "forecast_end", "probability", "status"):
        assert column in assessment
    tidy = pd.read_csv(processed / "tidy.csv", dtype={"region_code": str})
    actual = tidy[(tidy["measure"] == "actual") & (tidy["year"] >= 2021)]
    urban = actual[actual["indicator"] == "urban_new_jobs"].groupby("region_code")["value"].sum()
    by_region = assessment[assessment["indicator"] == "urban_new_jobs"].set_index("region_code")[
        "actual_to_date"
    ]
    pd.testing.assert_series_equal(by_region.sort_index(), urban.sort_index(), check_names=False)


@pytest.mark.slow
def test_quarto_path_renders_the_same_markdown(published, tmp_path):
    root, _ = published
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    calls = tmp_path / "calls.txt"
    quarto = fake_bin / "quarto"
    # A stand-in for the Quarto CLI: records its arguments and writes the file Quarto would write.
    quarto.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$@" >> {calls}\n'
        'stem="${2%.qmd}"\n'
        'if [ "$4" = html ]; then echo "<html>$(head -c 200 "$2")</html>" > "$stem.html"; else printf "%%PDF-fake" > "$stem.pdf"; fi\n'
    )
    quarto.chmod(0o755)
    out = tmp_path / "out"
    out.mkdir()
    env_path = os.environ["PATH"]
    os.environ["PATH"] = f"{fake_bin}:{env_path}"
    try:
        paths = publish(root / "processed", YEAR, out)
    finally:
        os.environ["PATH"] = env_path
    stem = report_stem(YEAR)
    assert calls.read_text().splitlines() == [
        f"render {stem}.qmd --to html",
        f"render {stem}.qmd --to typst",
    ]
    qmd = (out / f"{stem}.qmd").read_text(encoding="utf-8")
    assert qmd.startswith("---\ntitle: 安康市2024年度就业工作目标责任制考核分析报告\n")
    assert "embed-resources: true" in qmd and "Noto Sans CJK SC" in qmd
    assert "## 一、总体情况" in qmd and "](figures/status-matrix.png)" in qmd
    assert [p.exists() for p in paths] == [True, True]


@pytest.mark.slow
def test_a_failing_county_is_reported_and_the_last_good_report_stays(tmp_path, raw_copy):
    reports = tmp_path / "reports"
    good = reports / str(YEAR)
    good.mkdir(parents=True)
    (good / "marker.txt").write_text("last good report")
    path = raw_copy / str(YEAR) / raw_layout.file_name(YEAR)
    book = load_workbook(path)
    book[raw_layout.SHEET_NAME].cell(5, 4, "约一万")
    book.save(path)
    with pytest.raises(RunFailed) as caught:
        run_report(
            YEAR,
            raw_copy,
            workers=2,
            use_quarto=False,
            processed_root=tmp_path / "processed",
            reports_root=reports,
        )
    message = str(caught.value)
    assert message.startswith("11 个笔记本运行失败")
    assert all(region.name in message for region in all_regions())
    assert (good / "marker.txt").read_text() == "last good report"
    assert (reports / f"failed-{YEAR}" / "notebooks" / "610900-10_clean.ipynb").exists()
    assert not (tmp_path / "processed" / str(YEAR)).exists()


def test_run_stage_collects_every_failure(tmp_path):
    regions = all_regions()[:3]

    def runner(job: NotebookJob, _: Path) -> None:
        if job.region.code != "610900":
            raise ValueError(f"bad data in {job.region.name}")

    with pytest.raises(RunFailed) as caught:
        run_stage([NotebookJob("10_clean.ipynb", r, {}) for r in regions], tmp_path, 2, runner)
    assert "2 个笔记本运行失败" in str(caught.value)
    assert "汉滨区" in str(caught.value) and "汉阴县" in str(caught.value)


def test_replace_directory_swaps_in_the_new_folder(tmp_path):
    old, new = tmp_path / "2024", tmp_path / "staging"
    old.mkdir()
    (old / "a.txt").write_text("old")
    new.mkdir()
    (new / "a.txt").write_text("new")
    replace_directory(new, old)
    assert (old / "a.txt").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["2024"]


def test_markdown_table_escapes_pipes():
    table = markdown_table(pd.DataFrame({"a": ["x|y"], "b": [1]}))
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 1 |"]
