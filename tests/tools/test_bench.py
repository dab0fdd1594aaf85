"""The benchmark's synthetic run works end to end, so `make bench` cannot silently break again:
a small synthetic set (the city and 11 counties that do not exist, more than the real ten) run
through the limit's path (every stage's function in one process), as `make bench` runs it."""

import os

import pandas as pd
import pytest
import yaml

from pipeline.report.document import report_stem
from pipeline.report.workbook.sheets import workbook_name
from pipeline.tools.bench import BENCH_YEAR, SYNTHETIC_LABEL, run_measured, synthetic_project

N_REGIONS = 12


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    raw, paths = synthetic_project(N_REGIONS, folder)
    result = run_measured(
        folder / "run", raw, workers=1, use_quarto=False, in_process=True,
        env=os.environ | paths,
    )  # fmt: skip
    return folder, paths, result


def test_the_synthetic_reference_data_say_they_are_synthetic(synthetic_run):
    _, paths, _ = synthetic_run
    reference = paths["ANKANG_REFERENCE_DIR"]
    assert SYNTHETIC_LABEL in open(f"{reference}/README.md", encoding="utf-8").read()
    panel = pd.read_csv(f"{reference}/ankang_counties_panel.csv")
    assert len(panel) == N_REGIONS - 1 and set(panel["unit"]) == {"万人（合成）"}
    geo = yaml.safe_load(open(f"{reference}/geo/ankang_counties.geojson", encoding="utf-8"))
    assert geo["name"] == SYNTHETIC_LABEL and len(geo["features"]) == N_REGIONS - 1


@pytest.mark.slow
def test_a_synthetic_run_publishes_every_region_and_splits_funds_by_synthetic_population(
    synthetic_run,
):
    folder, paths, result = synthetic_run
    assert result.said == "changed" and result.cpu > 0 and result.memory > 0
    report = folder / "run" / "reports" / str(BENCH_YEAR)
    html = (report / f"{report_stem(BENCH_YEAR)}.html").read_text(encoding="utf-8")
    names = [f"合成{k:03d}县" for k in range(1, N_REGIONS)]
    assert all(name in html for name in names)
    assert (report / "figures" / "score-map.png").stat().st_size > 0
    # The fund rule's sample base: the notional total split by the synthetic 2021 population.
    sheet = pd.read_excel(
        report / workbook_name(BENCH_YEAR), sheet_name="资金调整", header=None, engine="openpyxl"
    )
    header = next(i for i, row in sheet.iterrows() if "地区" in set(row))
    funds = sheet.iloc[header + 1 :].set_axis(list(sheet.iloc[header]), axis=1)
    base = dict(zip(funds["地区"], funds.filter(like="基数").iloc[:, 0], strict=True))
    panel = pd.read_csv(f"{paths['ANKANG_REFERENCE_DIR']}/ankang_counties_panel.csv")
    population = dict(zip(panel["region"].str.split("(").str[0], panel["value"], strict=True))
    rules = yaml.safe_load(
        open(f"{paths['ANKANG_CONFIG_DIR']}/assessment.yaml", encoding="utf-8").read()
    )
    total = rules["funds"]["sample_notional_total"]
    assert set(base) == set(names)
    for name in names:
        expected = round(total * population[name] / sum(population.values()), 2)
        assert float(base[name]) == pytest.approx(expected, abs=0.005), name


def test_the_town_runs_section_replaces_only_itself(tmp_path, monkeypatch):
    """make bench --towns-only rewrites section 5 of docs/benchmark.md and keeps sections 1–4."""
    from pipeline.tools import bench

    doc = tmp_path / "benchmark.md"
    doc.write_text("# 基准测试\n\n## 4. 地区数\n\n| 11 | … |\n", encoding="utf-8")
    monkeypatch.setattr(bench, "DOC", doc)
    cold = bench.Measurement(900.0, 1500.0, 800.0, "合计 900 秒；全部成功")
    noop = bench.Measurement(15.0, 12.0, 90.0, "合计 15 秒；全部成功")
    stages = {"county": (139, 300.0), "report": (11, 400.0)}
    for _ in range(2):  # the second run replaces the first's section
        bench.write_towns_section("abc123", cold, noop, stages)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# 基准测试\n\n## 4. 地区数\n\n| 11 | … |\n\n## 5.")
    assert text.count(bench.TOWNS_SECTION) == 1 and "共139个" in text
    assert "| 冷启动 | 1500.0 | 900.0 | 800 | 合计 900 秒；全部成功 |" in text
    assert "无变化 < 2 秒 ✗；峰值内存 < 2 GiB ✓" in text
    # the stages by their time, largest first
    assert "| report | 11 | 400.0 | 36.4 |\n| county | 139 | 300.0 | 2.2 |" in text


def test_the_town_runs_stage_times_add_up_every_published_build_and_only_stages_that_ran(tmp_path):
    import json
    from pathlib import Path

    from pipeline.tools import bench

    def build(folder: Path, stages: dict) -> None:
        run = folder / "2024" / "20261201T000000-abc"
        run.mkdir(parents=True)
        (run / "stages.json").write_text(json.dumps({"stages": stages}), encoding="utf-8")
        (folder / "2024" / "current").symlink_to(run.name)
        old = folder / "2024" / "20261130T000000-old"  # an older build: not counted
        old.mkdir()
        (old / "stages.json").write_text(json.dumps({"stages": stages}), encoding="utf-8")

    ran = {"status": "ran", "seconds": 2.5}
    build(tmp_path / "builds" / "units" / "610902", {
        "year": {"status": "ran", "seconds": 10.0}, "county-610902001": ran,
        "county-610902002": ran, "report": {"status": "reused", "seconds": 0},
    })  # fmt: skip
    build(tmp_path / "builds", {"county-610902": ran, "report": {"status": "ran", "seconds": 30.0}})
    assert bench.stage_times(tmp_path) == {
        "year": (1, 10.0), "county": (3, 7.5), "report": (1, 30.0),
    }  # fmt: skip


def test_the_limit_is_judged_linear_by_the_cost_of_each_added_region():
    """11→50→200 regions: CPU seconds per added region, and the growth from one step to the next
    (a cost growing with the square of the regions more than doubles it)."""
    from pipeline.tools.bench import GOAL_LINEAR_GROWTH, LIMIT_LABEL, Measurement, linear_growth

    def limit(n: int, cpu: float) -> tuple[int, str, Measurement]:
        return n, LIMIT_LABEL, Measurement(cpu, cpu, 0.0, "changed")

    other = (200, "2 个并行", Measurement(1.0, 1.0, 0.0, "changed"))
    linear = linear_growth([limit(11, 17.7), limit(50, 60.2), other, limit(200, 227.4)])
    assert [steps for steps, *_ in linear] == [(11, 50), (50, 200)]
    assert linear[0][1] == pytest.approx(42.5 / 39) and linear[1][2] < GOAL_LINEAR_GROWTH
    square = linear_growth([limit(11, 0.1 * 11**2), limit(50, 0.1 * 50**2), limit(200, 4000.0)])
    assert square[1][2] > 2 * GOAL_LINEAR_GROWTH
