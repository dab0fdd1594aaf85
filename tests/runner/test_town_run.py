"""The whole-city town run's runner (python -m pipeline towns), without running a pipeline: each
run is a process that reports through its summary file; a failure is named, never hidden."""

from __future__ import annotations

import sys

from pipeline.config.units import CONFIG_ENV, OUTPUT_ROOT_ENV, configured_units, unit_paths
from pipeline.runner import units

WRITES_SUMMARY = """
import json, sys
path = sys.argv[-1].removeprefix("--summary=")
open(path, "w").write(json.dumps({"changed": True, "ran": 34, "reused": 2, "seconds": 1.0}))
"""
FAILS = "import sys; print('错误：1 个阶段失败：汉阴县 镇阶段', file=sys.stderr); sys.exit(1)"


def test_a_run_reports_what_it_did_through_its_summary_file():
    got = units.run_one("610921", "汉阴县", [sys.executable, "-c", WRITES_SUMMARY], {})
    assert (got.status, got.ran, got.reused) == ("published", 34, 2) and got.seconds > 0


def test_a_failed_run_is_named_with_its_own_words():
    got = units.run_one("610921", "汉阴县", [sys.executable, "-c", FAILS], {})
    assert got.status == "failed" and "汉阴县 镇阶段" in got.message


def test_the_summary_has_one_line_per_run_and_names_the_failures():
    outcomes = [
        units.Outcome("610902", "汉滨区", "published", 34, 0, 120.4),
        units.Outcome("610921", "汉阴县", "failed", 0, 0, 3.2, "错误：读取失败\n第2行"),
        units.Outcome("610900", "安康市", "unchanged", 0, 0, 1.1),
    ]
    lines = units.summary_lines(2024, outcomes)
    assert lines[0] == "2024年全市镇（办）考核：2个县区考核所辖38个镇（办），然后全市"
    assert "汉滨区（610902） 已发布  120 秒  运行 34 个阶段，沿用 0 个" in lines[1]
    assert "失败" in lines[2] and "第2行" in lines[2]
    assert lines[-1] == "合计 125 秒；1 次运行失败：汉阴县"


def test_the_city_runs_on_its_own_configuration_where_the_units_results_are(monkeypatch, tmp_path):
    monkeypatch.setenv(CONFIG_ENV, "/somewhere/a/unit/config")
    monkeypatch.setenv(OUTPUT_ROOT_ENV, str(tmp_path))
    command, env = units.city_run(2024, ["--quiet"])
    assert CONFIG_ENV not in env and env[OUTPUT_ROOT_ENV] == str(tmp_path)
    assert f"--processed-root={tmp_path / 'processed'}" in command and command[-1] == "--quiet"
    assert unit_paths("610902").processed == tmp_path / "processed" / "units" / "610902"


def test_every_unit_runs_then_the_city(monkeypatch):
    ran = []
    monkeypatch.setattr(units, "unit_run", lambda code, *a: ([code], {}))
    monkeypatch.setattr(
        units,
        "run_one",
        lambda code, name, command, env: (
            ran.append(code) or units.Outcome(code, name, "unchanged", 0, 0, 0.0)
        ),
    )
    outcomes = units.run_towns(2024, progress=False)
    assert ran == [*configured_units(), "610900"] and outcomes[-1].name == "安康市"


def test_make_report_writes_the_summary_the_town_run_reads(tmp_path, monkeypatch):
    """python -m pipeline report --summary=<file>: what the run did, for run_one."""
    import json

    from pipeline.__main__ import main
    from pipeline.runner import run

    result = run.RunResult(tmp_path, True, ran=["year", "report"], reused=["county-610902"])
    monkeypatch.setattr(run, "run_year", lambda *args, **kwargs: result)
    summary = tmp_path / "summary.json"
    assert main(["report", "--year", "2024", "--quiet", f"--summary={summary}"]) == 0
    got = json.loads(summary.read_text(encoding="utf-8"))
    assert (got["changed"], got["ran"], got["reused"]) == (True, 2, 1)
