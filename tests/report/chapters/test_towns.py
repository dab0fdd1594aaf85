"""The town summary on a county's page of the city report (pipeline/report/chapters/towns.py), from a
unit's published files made here by hand (no pipeline run): nothing without them; with them the
count, the spreads, the towns behind, the build and the sample label; the report stage's key
changes when they appear."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from pipeline import RAW_DIR
from pipeline.config.units import OUTPUT_ROOT_ENV, unit_paths
from pipeline.report.chapters import towns
from pipeline.store import catalog

HANYIN = "610921"  # 10 镇, no 街道办
GRADES = ["优秀", "良好", "达标", "不达标"]


def publish_unit_results(code: str, year: int, *, sample: bool = True) -> Path:
    """A unit's published year folder as the runner leaves it: processed/units/<code>/<year> a
    link into a build with its COMPLETE marker."""
    paths = unit_paths(code)
    build = paths.builds / str(year) / "20261201T120000000000-abcdef"
    folder = build / "processed" / str(year)
    folder.mkdir(parents=True)
    scores = pd.DataFrame({
        "rank": [1, 2, 3], "region_code": [f"{code}001", f"{code}002", f"{code}003"],
        "region": ["城关镇", "涧池镇", "蒲溪镇"], "score": [95.5, 88.25, 52.0],
        "grade": ["良好", "优秀", "不达标"], "year": year,
    })  # fmt: skip
    previous = scores.assign(year=year - 1, grade="良好")  # the files hold the year before too
    pd.concat([previous, scores]).to_csv(folder / catalog.SCORES_FILE, index=False)
    rates = {"城镇新增就业": [1.02, 0.97, 0.5, 1.0], "返乡入乡创业": [1.1, None, 1.3, 1.0]}
    facts = pd.DataFrame([
        {"region_code": region, "short_name": name, "kind": "cumulative", "completion_rate": rate}
        for name, values in rates.items()
        for region, rate in zip([f"{code}001", f"{code}002", f"{code}003", code], values, strict=True)
    ] + [{"region_code": f"{code}001", "short_name": "登记失业率", "kind": "ceiling_each_year",
          "completion_rate": None}]).assign(year=year)  # fmt: skip
    pd.concat([facts.assign(year=year - 1, completion_rate=0.1), facts]).to_csv(
        folder / catalog.ANNUAL_FACTS_FILE, index=False
    )
    pd.DataFrame({"is_sample": [sample]}).to_csv(folder / catalog.TIDY_FILE, index=False)
    (build / catalog.COMPLETE).write_text(build.name, encoding="utf-8")
    link = paths.processed / str(year)
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(os.path.relpath(folder, link.parent), link)
    return link


@pytest.fixture()
def outputs(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(OUTPUT_ROOT_ENV, str(tmp_path))
    return tmp_path


def test_without_unit_results_nothing_is_printed(outputs):
    assert towns.county_summary(HANYIN, 2024, GRADES) == ""
    assert towns.data_note(2024) == ""
    paths = towns.input_paths(2024)
    assert len(paths) == 10 * len(towns.FILES)  # every unit's files, none there yet
    assert not any(p.exists() for p in paths)


def test_a_units_results_are_summarised_on_its_county_page(outputs):
    publish_unit_results(HANYIN, 2024)
    text = towns.county_summary(HANYIN, 2024, GRADES)
    first, table = text.split("\n\n", 1)
    assert first.startswith(
        "**所辖镇考核（样例数据，非真实填报）：**据汉阴县对各镇的考核（2024年，"
    )
    assert "3个镇参加考核，得分 52.00–88.25–95.50 分（最低–中位数–最高）" in first
    assert "等次：优秀 1 个，良好 1 个，不达标 1 个；不达标的镇：蒲溪镇。" in first
    # the county's own row (610921) is not a town; a missing 完成数 counts as not completed
    assert "| 城镇新增就业 | 50.0% | 97.0% | 102.0% | 2/3 |" in table
    assert "| 返乡入乡创业 | 110.0% | 120.0% | 130.0% | 1/3 |" in table
    assert "登记失业率" not in table and "tbl-towns-610921" in table
    assert towns.county_summary("610922", 2024, GRADES) == ""  # 石泉县: no results
    assert towns.county_summary("610900", 2024, GRADES) == ""  # the city's own page
    note = towns.data_note(2024)
    assert "汉阴县的已摘入该县区详情" in note and "汉滨区、石泉县" in note


def test_real_results_carry_no_sample_label(outputs):
    publish_unit_results(HANYIN, 2024, sample=False)
    assert "样例" not in towns.county_summary(HANYIN, 2024, GRADES)


def test_the_report_stage_reruns_when_a_units_results_appear_or_change(outputs, tmp_path):
    from pipeline.runner.fingerprint import stage_inputs
    from pipeline.runner.run import RunOptions, plan_stages

    def report_inputs() -> dict[str, str]:
        stages = plan_stages(RunOptions(2024, RAW_DIR, use_quarto=False), tmp_path / "build")
        (report,) = [s for s in stages if s.id == "report"]
        return stage_inputs(report, "code", {})

    before = report_inputs()
    link = publish_unit_results(HANYIN, 2024)
    after = report_inputs()
    changed = {k for k in after if before.get(k) != after[k]}
    assert any(catalog.SCORES_FILE in k for k in changed)
    assert any(catalog.COMPLETE in k for k in changed)  # the build the results come from
    (link / catalog.SCORES_FILE).write_text("rank,region_code\n", encoding="utf-8")
    assert report_inputs() != after
