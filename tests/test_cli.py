import subprocess
import sys
from pathlib import Path

from pipeline import PROJECT_ROOT

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
    assert _run("validate", str(CORPUS / "canonical_two_row_header" / "2024")).returncode == 0
    failing = _run("validate", str(CORPUS / "unknown_region_name" / "2024"))
    assert failing.returncode == 1 and "商州区" in failing.stdout


def test_ingest_writes_nothing_on_fail(tmp_path: Path):
    out = tmp_path / "tidy.csv"
    assert (
        _run("ingest", str(CORPUS / "duplicate_county_row" / "2024"), "--out", str(out)).returncode
        == 1
    )
    assert not out.exists()
    assert _run("ingest", str(CORPUS / "csv_gb18030" / "2024"), "--out", str(out)).returncode == 0
    assert out.read_text(encoding="utf-8").startswith(
        "region_code,region,year,indicator,indicator_name"
    )


def test_a_year_without_a_plan_is_a_clear_error_not_a_traceback():
    result = _run("report", "--year", "2019")
    assert result.returncode == 2
    assert "2019年不在任何已配置的规划期内" in result.stderr and "Traceback" not in result.stderr
