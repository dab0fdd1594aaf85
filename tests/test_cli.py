import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import PROJECT_ROOT
from pipeline.__main__ import main

CORPUS = PROJECT_ROOT / "tests" / "corpus" / "files"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=PROJECT_ROOT
    )


def test_help_lists_the_stages():
    result = _run("--help")
    assert result.returncode == 0
    for stage in ("report", "validate", "ingest", "forecast", "publish"):
        assert stage in result.stdout


def test_validate_exits_0_without_fail_and_1_with_fail():
    # the corpus carries three indicators; an assessed year needs all of them, as the sample has
    assert _run("validate", str(PROJECT_ROOT / "data" / "raw" / "2024")).returncode == 0
    failing = _run("validate", str(CORPUS / "unknown_region_name" / "2024"))
    assert failing.returncode == 1 and "商州区" in failing.stdout


def test_ingest_writes_nothing_on_fail(tmp_path: Path):
    out = tmp_path / "tidy.csv"
    assert (
        _run("ingest", str(CORPUS / "duplicate_county_row" / "2024"), "--out", str(out)).returncode
        == 1
    )
    assert not out.exists()
    # a year folder given to ingest is the assessed year: every indicator is needed, as in the sample
    assert (
        _run("ingest", str(PROJECT_ROOT / "data" / "raw" / "2024"), "--out", str(out)).returncode
        == 0
    )
    assert out.read_text(encoding="utf-8").startswith(
        "region_code,region,year,indicator,indicator_name"
    )


def test_a_year_without_a_plan_is_a_clear_error_not_a_traceback():
    result = _run("report", "--year", "2019")
    assert result.returncode == 2
    assert "2019年不在任何已配置的规划期内" in result.stderr and "Traceback" not in result.stderr


def test_validate_on_an_empty_folder_fails_and_says_why(tmp_path: Path):
    result = _run("validate", str(tmp_path))
    assert result.returncode == 1
    assert "没有年份文件夹" in result.stdout and "没有读取到任何数值" in result.stdout


def test_ingest_creates_a_missing_output_folder_and_writes_is_sample(tmp_path: Path):
    out = tmp_path / "new" / "deeper" / "tidy.csv"
    result = _run("ingest", str(PROJECT_ROOT / "data" / "raw" / "2024"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",source_column,is_sample,missing_reason")


def _cases():
    sys.path.insert(0, str(PROJECT_ROOT / "tests" / "corpus"))
    from build_corpus import CASES

    return [case for case in CASES if not case.departments]  # validate reads counties' files


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.name)
def test_validate_on_every_corpus_case_exits_1_naming_the_file_or_0_with_its_values(case, capsys):
    """In process (a subprocess per case would take minutes); main() is what the command runs."""
    folder = CORPUS / case.name / "2024"
    target = sorted(folder.iterdir())[0] if case.loose else folder
    code = main(["validate", str(target)])
    out = capsys.readouterr().out
    assert "Traceback" not in out
    # The corpus carries three of the eight indicators: in the assessed year the five absent
    # columns are a FAIL of their own (tests/intake/test_required_values.py), set aside here.
    absent = "必需列（读取）"
    fails = [line for line in out.splitlines() if line.startswith("[FAIL]") and absent not in line]
    if any(status == "FAIL" for _, status, _ in case.expect):
        assert code == 1 and fails
        assert any("文件 " in line for line in fails), fails
    elif case.values and not case.missing:
        assert not fails, fails


def test_departments_prints_scores_and_fails_on_a_bad_list(tmp_path, capsys):
    assert main(["departments", "--year", "2024", "--out", str(tmp_path / "d.xlsx")]) == 0
    out = capsys.readouterr().out
    assert (
        "样例数据" in out
        and "市教育局" in out
        and "建议约谈" in out
        and (tmp_path / "d.xlsx").exists()
    )
    assert main(["departments", "--year", "2024", "--raw", str(tmp_path)]) == 1
    assert "没有成员单位任务清单" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("changed", [True, False])
def test_make_report_prints_the_renderer_it_used(published, monkeypatch, capsys, changed):
    """The report stage runs in a notebook kernel; `make report` prints its render record."""
    from pipeline.runner import run

    _, report = published
    result = run.RunResult(report, changed, ran=["report"] if changed else [])
    monkeypatch.setattr(run, "run_year", lambda *args, **kwargs: result)
    assert main(["report", "--year", "2024", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert (
        "报告渲染器：备用渲染器（pandoc + WeasyPrint）；输出：annual-assessment-2024.html、"
        "annual-assessment-2024.pdf、annual-assessment-2024.qmd"
    ) in printed
    assert ("报告已发布" if changed else "没有变化") in printed


def test_report_flags_become_one_options_object_passed_to_the_runner(monkeypatch, tmp_path):
    """`python -m pipeline report` builds its RunOptions once; the runner gets it whole."""
    from pipeline import RAW_DIR
    from pipeline.annual.review import REVIEW_DIR
    from pipeline.runner import run

    seen = []

    def record(options):
        seen.append(options)
        return run.RunResult(tmp_path, False)

    monkeypatch.setattr(run, "run_year", record)
    argv = [
        "report",
        "--year=2024",
        "--jobs=3",
        "--force",
        "--quiet",
        "--no-quarto",
        "--reuse-kernels",
    ]
    assert main([*argv, "--accept-changes", f"--review={tmp_path}"]) == 0
    assert main(["report", "--year=2025"]) == 0
    assert main(["report", "--year=2023", "--no-reuse-kernels"]) == 0
    assert seen == [
        run.RunOptions(
            2024, RAW_DIR, workers=3, use_quarto=False, force=True, accept_changes=True,
            review_dir=tmp_path, progress=False, reuse_kernels=True,
        ),
        run.RunOptions(2025, RAW_DIR, review_dir=REVIEW_DIR),
        run.RunOptions(2023, RAW_DIR, review_dir=REVIEW_DIR, reuse_kernels=False),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("options", "pooled"),
    [({}, True), ({"reuse_kernels": False}, False), ({"scheduler": "tcp://127.0.0.1:8786"}, False)],
)
def test_the_notebooks_share_started_kernels_unless_told_or_on_a_cluster(
    tmp_path, monkeypatch, options, pooled
):
    """By default the stage notebooks run in started kernels on this machine; with
    --no-reuse-kernels, or on a Dask cluster's workers, each in a fresh one."""
    from pipeline.runner import run

    given = []

    class Pool:
        def close(self) -> None:
            pass

    def execute_stages(*arguments):
        given.append(arguments[6])  # the stage runner
        raise RuntimeError("stopped here")

    monkeypatch.setattr(run, "KernelPool", Pool)
    monkeypatch.setattr(run, "execute_stages", execute_stages)
    roots = {f"{k}_root": tmp_path / k for k in ("processed", "reports", "builds")}
    with pytest.raises(RuntimeError, match="stopped here"):
        run.run_year(run.RunOptions(2024, force=True, progress=False, **roots, **options))
    assert isinstance(given[0], Pool) if pooled else given[0] is run.execute_notebook


def test_a_unit_run_is_refused_in_the_citys_process(tmp_path):
    """The unit's configuration is read at import: run_year never runs it on the city's."""
    from pipeline.runner.run import RunOptions, run_year

    with pytest.raises(ValueError, match="python -m pipeline report --unit 610902"):
        run_year(RunOptions(2024, unit="610902", processed_root=tmp_path / "p"))


@pytest.mark.parametrize(
    "options", [{"scheduler": "tcp://127.0.0.1:8786"}, {"runner": lambda stage, build: None}]
)
def test_reused_kernels_are_refused_where_they_cannot_apply(tmp_path, options):
    """The pool drives papermill's kernels on this machine: not a Dask worker's, not a runner of
    another kind (whose stages it would bypass)."""
    from pipeline.runner.run import RunOptions, run_year

    with pytest.raises(ValueError, match="--reuse-kernels 只用于在本机用笔记本运行"):
        run_year(RunOptions(2024, reuse_kernels=True, processed_root=tmp_path / "p", **options))
