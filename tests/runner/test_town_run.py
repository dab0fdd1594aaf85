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
    lines = units.summary_lines(2024, outcomes, 70.2)
    assert lines[0] == "2024年全市镇（办）考核：2个县区考核所辖38个镇（办），然后全市"
    assert "汉滨区（610902） 已发布  120 秒  运行 34 个阶段，沿用 0 个" in lines[1]
    assert "失败" in lines[2] and "第2行" in lines[2]
    assert lines[-1] == "用时 70 秒（各次运行合计 125 秒）；1 次运行失败：汉阴县"


def test_the_city_runs_on_its_own_configuration_where_the_units_results_are(monkeypatch, tmp_path):
    monkeypatch.setenv(CONFIG_ENV, "/somewhere/a/unit/config")
    monkeypatch.setenv(OUTPUT_ROOT_ENV, str(tmp_path))
    command, env = units.city_run(2024, ["--quiet"])
    assert CONFIG_ENV not in env and env[OUTPUT_ROOT_ENV] == str(tmp_path)
    assert f"--processed-root={tmp_path / 'processed'}" in command and command[-1] == "--quiet"
    assert unit_paths("610902").processed == tmp_path / "processed" / "units" / "610902"


def test_units_run_side_by_side_then_the_city_and_are_listed_in_the_configurations_order(
    monkeypatch,
):
    """Two units at a time, the largest first, each with one stage at a time and its town
    notebooks in a started kernel; the city after every unit has ended, with --jobs stages."""
    import threading
    import time

    from pipeline.config.hierarchy import towns_of

    started, ended, commands = [], [], {}
    in_flight, most = [0], [0]
    lock = threading.Lock()
    monkeypatch.setattr(units, "materialise", lambda code, out: out)
    monkeypatch.setattr(units, "is_materialised", lambda code, out: False)
    monkeypatch.setattr(
        units, "unit_command", lambda code, year, raw, options: ([code, *options], {})
    )

    def fake_run_one(code, name, command, env):
        with lock:
            started.append(code)
            commands[code] = command
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.3 if code == "610902" else 0.01)  # the largest unit ends last of its pair
        with lock:
            in_flight[0] -= 1
            ended.append(code)
        return units.Outcome(code, name, "unchanged", 0, 0, 0.0)

    monkeypatch.setattr(units, "run_one", fake_run_one)
    outcomes = units.run_towns(2024, jobs=2, progress=False)
    unit_codes = configured_units()
    assert [o.code for o in outcomes] == [*unit_codes, "610900"]
    assert ended[:-1] != list(unit_codes)  # they did not end in that order …
    assert started[0] == max(
        unit_codes, key=lambda c: len(towns_of(c))
    )  # … the largest began first
    assert most[0] == 2 and ended[-1] == "610900" and started[-1] == "610900"
    assert all("--jobs=1" in commands[c] and "--reuse-kernels" in commands[c] for c in unit_codes)
    assert "--jobs=2" in commands["610900"] and "--reuse-kernels" in commands["610900"]


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


def test_the_units_read_the_citys_submissions_once_and_again_after_an_edit(
    tmp_path, raw_copy, monkeypatch
):
    """make towns materialises every unit (its 全区 figures from the city's submissions) from one
    reading of the submissions; a changed file in the folder is read again."""
    from pipeline.config import units as unit_config
    from pipeline.intake import collect

    read, real = [], collect.intake
    monkeypatch.setattr(collect, "intake", lambda raw, year: read.append(raw) or real(raw, year))
    unit_config._city_tidy.cache_clear()
    for code in ("610902", "610921"):
        unit_config.materialise(code, tmp_path / code, raw_copy)
    assert read == [raw_copy]
    with (raw_copy / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\n一处修改\n")
    unit_config.materialise("610921", tmp_path / "again", raw_copy)
    assert read == [raw_copy, raw_copy]
    assert (tmp_path / "again" / "county_figures.csv").read_bytes() == (
        tmp_path / "610921" / "county_figures.csv"
    ).read_bytes()
