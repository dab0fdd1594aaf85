"""The runner: stages, reuse of unchanged stages, atomic publish, the lock, failure reasons, and
one end-to-end run of every stage notebook (the session's ``published`` fixture)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from fake_stages import fake_runner
from openpyxl import load_workbook

from pipeline import RAW_DIR
from pipeline.config.regions import all_regions, counties
from pipeline.forecast.calibration import Calibration
from pipeline.intake import submission_format
from pipeline.plan_targets.assess import assess
from pipeline.report.document import report_stem
from pipeline.runner.builds import Layout, RunLocked, year_lock
from pipeline.runner.run import RunFailed, RunOptions, outlook, run_report, run_year
from pipeline.store.catalog import COMPLETE

YEAR = 2024
TESTS = Path(__file__).parent


def _roots(root: Path) -> dict:
    return {
        "processed_root": root / "processed",
        "reports_root": root / "reports",
        "builds_root": root / "builds",
    }


def _fake_run(root: Path, raw: Path = RAW_DIR, **kwargs):
    return run_year(
        RunOptions(
            YEAR, raw, workers=2, use_quarto=False, runner=fake_runner, progress=False,
            **_roots(root), **kwargs,
        )
    )  # fmt: skip


def _published_pair(root: Path) -> tuple[Path, Path]:
    return (
        (root / "processed" / str(YEAR)).resolve().parent.parent,
        (root / "reports" / str(YEAR)).resolve().parent,
    )


# ------------------------------------------------------------------------------------------
# the runner with stand-in stages (fast)


def test_unchanged_inputs_are_a_no_op_and_force_rebuilds(tmp_path, monkeypatch):
    first = _fake_run(tmp_path)
    assert first.changed and len(first.ran) == 16 and not first.reused
    again = _fake_run(tmp_path)
    assert not again.changed and not again.ran
    builds = [
        p for p in (tmp_path / "builds" / str(YEAR)).iterdir() if p.is_dir() and not p.is_symlink()
    ]
    assert len(builds) == 1  # a no-op creates no build
    forced = _fake_run(tmp_path, force=True)
    assert forced.changed and len(forced.ran) == 16


def test_a_change_in_one_county_reruns_only_what_depends_on_it(tmp_path, raw_copy, monkeypatch):
    _fake_run(tmp_path, raw_copy)
    # The submission changes (so the year stage runs again) and so does one county's slice only.
    with (raw_copy / str(YEAR) / submission_format.file_name(YEAR)).open("ab") as handle:
        handle.write(b"\0")
    monkeypatch.setenv("FAKE_CHANGED_REGION", "610921")
    result = _fake_run(tmp_path, raw_copy)
    # The 考核 and the documents read only the year-level files, which did not change; the report
    # also shows each county's chart, and that county's changed.
    assert sorted(result.ran) == ["city", "county-610921", "report", "year"]
    assert len(result.reused) == 12
    # The reused outputs are the earlier build's files, linked into the new build.
    processed = tmp_path / "processed" / str(YEAR)
    assert (processed / "regions" / "610902" / "paths.npz").read_text() == "same county-610902"


def test_stages_says_what_would_rerun_and_why(tmp_path, raw_copy):
    review = tmp_path / "review"
    review.mkdir()
    options = RunOptions(YEAR, raw_copy, review_dir=review, use_quarto=False, **_roots(tmp_path))
    assert all(o.reruns and o.reason == "尚无已发布的构建" for o in outlook(options))
    _fake_run(tmp_path, raw_copy, review_dir=review)
    assert not any(o.reruns for o in outlook(options))
    submission = raw_copy / str(YEAR) / submission_format.file_name(YEAR)
    original = submission.read_bytes()
    submission.write_bytes(original + b"\0")
    why = {o.stage.id: o.reason for o in outlook(options) if o.reruns}
    assert why["year"] == f"输入有变化：文件 {raw_copy / str(YEAR)}"
    assert why["county-610902"].startswith("上游阶段将重跑：year")
    assert len(why) == 15  # everything downstream of the year stage (not the departments)
    submission.write_bytes(original)
    (review / f"{YEAR}.yaml").write_text(f"year: {YEAR}\n", encoding="utf-8")
    why = {o.stage.id: o.reason for o in outlook(options) if o.reruns}
    assert why == {
        "assessment": f"输入有变化：文件 {review / f'{YEAR}.yaml'}",
        "report": "上游阶段将重跑：assessment（其输出变了才会重跑）",
        "documents": f"输入有变化：文件 {review / f'{YEAR}.yaml'}",
    }


def test_every_failure_is_listed_and_the_published_pair_stays(tmp_path, monkeypatch):
    _fake_run(tmp_path)
    before = _published_pair(tmp_path)
    monkeypatch.setenv("FAKE_FAIL", "county-610921,county-610929")
    with pytest.raises(RunFailed) as caught:
        _fake_run(tmp_path, force=True)
    message = str(caught.value)
    assert message.startswith("2 个阶段失败")
    assert "汉阴县 县区阶段" in message and "白河县 县区阶段" in message
    assert "第3行数据无法解析" in message
    assert (
        "未运行（所依赖的阶段失败）：安康市 全市阶段（汇总）、2024年度考核（得分、等次、约谈、表扬、资金）、"
        "2024年度报告（发布）、2024年度公文（通报、告知书、约谈、表扬）" in message
    )
    assert _published_pair(tmp_path) == before


def test_a_stage_that_does_not_write_what_it_declares_fails_and_nothing_is_published(
    tmp_path, monkeypatch
):
    _fake_run(tmp_path)
    before = _published_pair(tmp_path)
    monkeypatch.setenv("FAKE_SKIP_OUTPUT", f"city:processed/{YEAR}/assessment.csv")
    with pytest.raises(RunFailed) as caught:
        _fake_run(tmp_path, force=True)
    message = str(caught.value)
    assert message.startswith("1 个阶段失败") and "安康市 全市阶段（汇总）" in message
    assert f"没有写出它声明的输出：processed/{YEAR}/assessment.csv" in message
    assert (
        "未运行（所依赖的阶段失败）：2024年度考核（得分、等次、约谈、表扬、资金）、2024年度报告（发布）"
        in message
    )
    assert _published_pair(tmp_path) == before


def test_a_second_run_on_the_same_year_is_refused_with_the_holders_pid(tmp_path):
    layout = Layout(
        YEAR, **{k.removesuffix("_root") + "_root": v for k, v in _roots(tmp_path).items()}
    )
    with year_lock(layout):
        with pytest.raises(RunLocked, match=f"pid {os.getpid()}"):
            _fake_run(tmp_path)
    assert _fake_run(tmp_path).changed  # the lock is released with its holder


KILL_POINTS = [
    ("stage:year", "old"),
    ("stage:county-610902", "old"),
    ("stage:city", "old"),
    ("stage:report", "old"),
    ("checkpoint:before-swap", "old"),
    ("checkpoint:after-swap", "new"),
    ("checkpoint:after-links", "new"),
]
DRIVER = """
import os, signal, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from fake_stages import fake_runner
from pipeline.runner import builds, run
point = os.environ.get("FAKE_KILL_AT", "")
if point.startswith("checkpoint:"):
    name = point.split(":", 1)[1]
    builds.checkpoint = lambda at: os.kill(os.getpid(), signal.SIGKILL) if at == name else None
root = Path({root!r})
run.run_report(run.RunOptions(
    2024, Path({raw!r}), workers=2, use_quarto=False, processed_root=root / "processed",
    reports_root=root / "reports", builds_root=root / "builds", force=True,
    runner=fake_runner, progress=False,
))
"""


def _killed_run(root: Path, version: int, point: str) -> int:
    env = os.environ | {"FAKE_VERSION": str(version), "FAKE_VERSIONED": "1", "FAKE_KILL_AT": point}
    script = DRIVER.format(tests=str(TESTS), root=str(root), raw=str(RAW_DIR))
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True).returncode


def _published_version(root: Path) -> str:
    processed_build, report_build = _published_pair(root)
    assert processed_build == report_build, "data/processed and reports name different builds"
    assert (processed_build / COMPLETE).exists()
    html = (root / "reports" / str(YEAR) / f"{report_stem(YEAR)}.html").read_text()
    assessment = (root / "processed" / str(YEAR) / "assessment.csv").read_text()
    assert html.split()[0] == assessment.split()[0]
    return html.split()[0]


def test_kill_9_at_any_stage_leaves_a_consistent_published_pair_and_the_next_run_recovers(
    tmp_path,
):
    assert _killed_run(tmp_path, 1, "") == 0
    version = 1
    for number, (point, expected) in enumerate(KILL_POINTS, start=2):
        assert _killed_run(tmp_path, number, point) == -9, point
        published = _published_version(tmp_path)
        if expected == "new":
            version = number
        assert published == str(version), point
    assert _killed_run(tmp_path, 99, "") == 0
    assert _published_version(tmp_path) == "99"
    year_builds = tmp_path / "builds" / str(YEAR)
    leftovers = [
        p.name
        for p in year_builds.iterdir()
        if p.name not in (".lock", "current") and not (p / COMPLETE).exists()
    ]
    assert leftovers == []  # killed runs' builds and temporary links are gone
    kept = [p for p in year_builds.iterdir() if not p.is_symlink() and (p / COMPLETE).exists()]
    assert len(kept) <= 3 and (year_builds / "current").resolve() in [p.resolve() for p in kept]


def test_published_folders_that_predate_builds_are_replaced(tmp_path):
    old = tmp_path / "processed" / str(YEAR)
    old.mkdir(parents=True)
    (old / "assessment.csv").write_text("old layout")
    (tmp_path / "reports" / f"failed-{YEAR}").mkdir(parents=True)  # the previous runner's
    _fake_run(tmp_path)
    assert not (tmp_path / "reports" / f"failed-{YEAR}").exists()
    assert (tmp_path / "processed" / str(YEAR)).is_symlink()
    assert (old / "assessment.csv").read_text() == "same city"
    _fake_run(tmp_path, force=True)  # the moved-aside folder is removed by the next run
    assert [p.name for p in (tmp_path / "processed").iterdir()] == [str(YEAR)]


# ------------------------------------------------------------------------------------------
# the real notebooks


@pytest.mark.slow
def test_a_fail_in_the_submission_is_shown_with_its_reason(tmp_path, raw_copy):
    path = raw_copy / str(YEAR) / submission_format.file_name(YEAR)
    book = load_workbook(path)
    book[submission_format.SHEET_NAME].cell(5, 4, "约一万")
    book.save(path)
    with pytest.raises(RunFailed) as caught:
        run_report(
            RunOptions(
                YEAR, raw_copy, workers=2, use_quarto=False, progress=False, **_roots(tmp_path)
            )
        )
    message = str(caught.value)
    assert message.startswith("1 个阶段失败")
    assert "[FAIL]" in message and "约一万" in message  # the reason, not a pointer to notebooks
    assert "10_year.ipynb" in message and "未运行" in message
    assert not (tmp_path / "reports" / str(YEAR)).exists()
    assert not (tmp_path / "processed" / str(YEAR)).exists()


@pytest.mark.slow
def test_report_files_and_executed_notebooks_are_published(published):
    root, folder = published
    assert folder == root / "reports" / str(YEAR)
    stem = report_stem(YEAR)
    assert (folder / f"{stem}.html").stat().st_size > 100_000
    assert (folder / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    executed = sorted(p.name for p in (folder / "notebooks").iterdir())
    assert executed == sorted(
        ["10_year.ipynb", "30_city.ipynb", "40_assessment.ipynb", "45_departments.ipynb"]
        + ["50_report.ipynb", "60_documents.ipynb"]
        + [f"20_county-{c.code}.ipynb" for c in counties()]
    )


@pytest.mark.slow
def test_county_notebooks_name_their_region_and_show_qa_weights_and_the_fan_chart(published):
    _, folder = published
    for county in counties():
        notebook = json.loads((folder / "notebooks" / f"20_county-{county.code}.ipynb").read_text())
        outputs = [o for c in notebook["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
        text = json.dumps(outputs, ensure_ascii=False)
        assert f"# {county.name}（{county.code}）{YEAR}年度" in text
        assert any("image/png" in o.get("data", {}) for o in outputs)  # the fan chart
        assert "rw_drift" in text and "status" in text  # model weights, QA rows
        # Its injected parameters name the build it ran on, which is the published one.
        injected = next(
            c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", [])
        )
        assert str(folder.resolve().parent / "processed") in "".join(injected["source"])


@pytest.mark.slow
def test_assessment_csv_has_one_row_per_region_and_indicator_traceable_to_tidy(published):
    root, _ = published
    processed = root / "processed" / str(YEAR)
    assessment = pd.read_csv(processed / "assessment.csv", dtype={"region_code": str})
    assert len(assessment) == 78 and not assessment.duplicated(["region_code", "indicator"]).any()
    tidy = pd.read_csv(processed / "tidy.csv", dtype={"region_code": str})
    actual = tidy[(tidy["measure"] == "actual") & (tidy["year"] >= 2021)]
    urban = actual[actual["indicator"] == "urban_new_jobs"].groupby("region_code")["value"].sum()
    by_region = assessment[assessment["indicator"] == "urban_new_jobs"].set_index("region_code")[
        "actual_to_date"
    ]
    pd.testing.assert_series_equal(by_region.sort_index(), urban.sort_index(), check_names=False)


@pytest.mark.slow
def test_split_stages_give_the_same_results_as_one_process(published):
    """County→city coherence: the counties run as separate notebooks and the city summing their
    saved paths give exactly what one in-process assessment of all regions gives."""
    root, _ = published
    processed = root / "processed" / str(YEAR)
    tidy = pd.read_csv(processed / "tidy.csv", dtype={"region_code": str})
    whole, _ = assess(
        tidy[tidy["measure"] == "actual"], YEAR, list(all_regions()), Calibration.read(processed)
    )
    split = pd.read_csv(processed / "assessment.csv", dtype={"region_code": str})
    columns = ["region_code", "indicator", "forecast_end", "forecast_end_lo80", "probability"]
    pd.testing.assert_frame_equal(
        split[columns].sort_values(columns[:2]).reset_index(drop=True),
        whole[columns].sort_values(columns[:2]).reset_index(drop=True),
    )


@pytest.mark.slow
def test_a_second_run_with_nothing_changed_does_nothing(published):
    root, _ = published
    builds = sorted((root / "builds" / str(YEAR)).iterdir())
    result = run_year(RunOptions(YEAR, RAW_DIR, use_quarto=False, progress=False, **_roots(root)))
    assert not result.changed and not result.ran
    assert sorted((root / "builds" / str(YEAR)).iterdir()) == builds


def test_reused_outputs_are_copies_so_an_edit_in_place_changes_no_kept_build(
    tmp_path, raw_copy, monkeypatch
):
    _fake_run(tmp_path, raw_copy)
    old_processed = (tmp_path / "processed" / str(YEAR)).resolve()
    with (raw_copy / str(YEAR) / submission_format.file_name(YEAR)).open("ab") as handle:
        handle.write(b"\0")
    monkeypatch.setenv("FAKE_CHANGED_REGION", "610921")
    result = _fake_run(tmp_path, raw_copy)
    assert "county-610902" in result.reused
    published = tmp_path / "processed" / str(YEAR) / "regions" / "610902" / "paths.npz"
    assert published.stat().st_nlink == 1
    with published.open("r+", encoding="utf-8") as handle:  # an editor saving in place
        handle.write("edited")
    kept = old_processed / "regions" / "610902" / "paths.npz"
    assert kept.read_text(encoding="utf-8") == "same county-610902"


def test_a_truncated_published_file_is_named_and_rebuilt_not_reported_unchanged(tmp_path, capsys):
    _fake_run(tmp_path)
    published = tmp_path / "processed" / str(YEAR) / "regions" / "610902" / "paths.npz"
    published.write_bytes(b"")  # truncated
    again = _fake_run(tmp_path)
    assert again.changed and "county-610902" in again.ran
    assert "与生成时记录的哈希不符" in capsys.readouterr().err
    assert published.read_text(encoding="utf-8") == "same county-610902"
    assert not _fake_run(tmp_path).changed  # and now the pair verifies again


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(28, "No space left on device", "/srv/data/builds/2024/x.json"), "磁盘空间不足"),
        (PermissionError(13, "Permission denied", "/srv/data/processed"), "没有写入权限"),
        (OSError(30, "Read-only file system", "/srv/data/processed"), "没有写入权限"),
    ],
)
def test_a_full_disk_or_a_read_only_data_folder_is_said_in_words(monkeypatch, capsys, error, words):
    from pipeline import __main__ as cli

    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr("pipeline.runner.run.run_year", refuse)
    assert cli.main(["report", "--year", str(YEAR)]) == 2
    message = capsys.readouterr().err
    assert words in message and error.filename in message and "Traceback" not in message
    assert "已发布的报告与数据未改动" in message


def test_a_full_disk_while_publishing_leaves_the_published_pair_intact(tmp_path, monkeypatch):
    _fake_run(tmp_path)
    before = _published_pair(tmp_path)
    published = tmp_path / "processed" / str(YEAR) / "regions" / "610902" / "paths.npz"
    content = published.read_text(encoding="utf-8")

    def full(data, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr("pipeline.runner.run.write_json_atomically", full)
    with pytest.raises(OSError):
        _fake_run(tmp_path, force=True)
    assert _published_pair(tmp_path) == before
    assert published.read_text(encoding="utf-8") == content


def test_the_runner_imports_papermill_without_the_iri_grammar_and_nbformat_still_validates():
    """pipeline/__init__.py keeps rfc3987-syntax (seconds of grammar building at import) out of
    every process that imports the pipeline before papermill; jsonschema, which nbformat validates
    notebooks with, still rejects a broken notebook. In a subprocess: pytest's nbval plugin has
    imported jsonschema in this one already."""
    script = """
import sys
import pipeline, papermill, nbformat
assert sys.modules["rfc3987_syntax"] is None, "rfc3987_syntax was imported"
notebook = nbformat.read(pipeline.NOTEBOOKS_DIR / "20_county.ipynb", as_version=4)
nbformat.validate(notebook)
notebook.cells[0]["cell_type"] = "bogus"
try:
    nbformat.validate(notebook)
except nbformat.ValidationError:
    print("rejected")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "rejected"


def test_planning_a_run_and_the_no_op_check_import_no_forecast_engine():
    """The no-op path (import the runner, plan the stages) needs no statsmodels: the stage
    registry names its functions and imports pipeline.stages.steps only when one is called
    (issue 17: no-op under 2 s). In a subprocess: this one has imported everything already."""
    script = """
import sys
from pathlib import Path
from pipeline.runner.run import RunOptions, plan_stages
stages = plan_stages(RunOptions(2024), Path("/tmp/next"))
assert "statsmodels" not in sys.modules and "pipeline.stages.steps" not in sys.modules
from pipeline.stages.registry import by_name
print(len(stages), by_name("county").function.__name__)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [str(len(counties()) + 6), "county_stage"]


def test_a_raw_folder_spelled_relative_or_absolute_plans_the_same_keys(tmp_path, monkeypatch):
    """The extra inputs' keys name their paths: ``--raw data/raw`` and the absolute folder must
    not differ (they reran four stages of a published unit build)."""
    from pipeline import PROJECT_ROOT
    from pipeline.runner.fingerprint import key_of, stage_inputs
    from pipeline.runner.run import plan_stages

    monkeypatch.chdir(PROJECT_ROOT)
    keys = [
        {
            s.id: key_of(s, stage_inputs(s, "code", {}))
            for s in plan_stages(RunOptions(YEAR, raw), tmp_path)
        }
        for raw in (Path("data/raw"), RAW_DIR)
    ]
    assert keys[0] == keys[1]
