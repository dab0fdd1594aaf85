"""A unit's configuration: the county on top, its towns assessed, the towns' tasks add up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline import RAW_DIR
from pipeline.config.assessment_rules import load_rules
from pipeline.config.hierarchy import towns_of
from pipeline.config.regions import counties
from pipeline.config.schema import ConfigError, load_regions_config, load_targets_config
from pipeline.config.units import (
    CONFIG_ENV,
    configured_units,
    equal_shares,
    load_unit,
    materialise,
    published_processed,
    unit_config_files,
    unit_paths,
    unit_run,
)
from pipeline.intake import submission_format
from pipeline.intake.ingest import check_raw_dir_entries
from pipeline.intake.qa import QaLog

HANBIN = "610902"


def test_equal_shares_add_up_exactly():
    parts = equal_shares(34000, ["a", "b", "c"], 100)
    assert parts == {"a": 11400, "b": 11300, "c": 11300}
    assert sum(parts.values()) == 34000


def test_equal_shares_hand_the_remainder_out_one_step_at_a_time():
    """34000 over 28 towns in steps of 100: 1200 each leaves 400, one step to each of the first
    four (not 400 to the first); 1010 over 4 in steps of 10: 250 each, one step to the first,
    and the last 0 < piece < step to the first as well."""
    codes = [f"t{k:02d}" for k in range(28)]
    parts = equal_shares(34000, codes, 100)
    assert [parts[c] for c in codes[:5]] == [1300, 1300, 1300, 1300, 1200]
    assert sum(parts.values()) == 34000 and max(parts.values()) - min(parts.values()) == 100
    assert equal_shares(1015, ["a", "b", "c", "d"], 10) == {"a": 265, "b": 250, "c": 250, "d": 250}


@pytest.fixture(scope="module")
def hanbin(tmp_path_factory) -> Path:
    return materialise(HANBIN, tmp_path_factory.mktemp("unit") / "config")


def test_hanbin_unit_is_the_county_over_its_28_towns(hanbin):
    regions = load_regions_config(hanbin)
    assert regions.city.name == "汉滨区" and "全区" in regions.city.aliases
    assert len(regions.counties) == 28 and regions.counties[0].name == "老城街道"
    assert regions.tier.members == "镇（办）" and regions.tier.government == "区政府"
    assert regions.unit == HANBIN and regions.boundaries is None  # no town map
    plan = load_targets_config(hanbin).plans[0]
    assert plan.city_targets["urban_new_jobs"] == 34000  # 汉滨区's share of the city target
    assert sum(plan.county_allocations["urban_new_jobs"].values()) == 34000
    assert plan.allocation_status == "estimate"  # no town tasks issued: estimate, never a 约谈
    assert "equal" in plan.allocation_rule.lower() and "测算数" in plan.allocation_rule
    assert "surveyed_unemployment_rate" not in plan.city_targets  # city-only
    assert sum(load_rules(hanbin).scoring.weights.values()) == 100


def test_town_fund_bases_are_the_countys_sample_base_in_equal_shares(hanbin):
    from pipeline.annual.scoring import base_allocations

    city_bases, city_sample = base_allocations(load_rules())
    town_bases, town_sample = base_allocations(load_rules(hanbin))
    assert city_sample and town_sample  # labelled sample in both tiers
    assert len(town_bases) == 28
    assert round(sum(town_bases.values()), 2) == city_bases[HANBIN]


def test_the_unit_holds_the_countys_figures_as_reported_to_the_city(hanbin, sample_intake):
    from pipeline.store.inert import read_csv

    figures = read_csv(hanbin / "county_figures.csv")
    tidy, _ = sample_intake
    own = tidy[(tidy["region_code"] == HANBIN) & (tidy["year"] == 2024)]
    got = figures[figures["year"] == 2024].set_index(["indicator", "measure"])["value"]
    assert got.to_dict() == own.set_index(["indicator", "measure"])["value"].to_dict()


def test_unit_run_points_the_pipeline_at_the_units_folders(tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.config.units.materialise", lambda code, out: out)
    command, env = unit_run(HANBIN, 2024, None, ["--force"])
    paths = unit_paths(HANBIN)
    assert command[1:4] == ["-m", "pipeline", "report"] and command[-1] == "--force"
    assert f"--raw={RAW_DIR / 'units' / HANBIN}" in command
    assert f"--reports-root={paths.reports}" in command and "reports/units/610902" in str(
        paths.reports
    )
    assert f"--builds-root={paths.builds}" in command and env[CONFIG_ENV] == str(paths.config)
    assert published_processed(2024) == "data/processed/2024"  # the city's own run


def test_a_code_without_a_unit_folder_is_refused():
    with pytest.raises(ConfigError, match="config/units/ 下的县区代码之一：610902、610921"):
        load_unit("610928")  # 旬阳县's former code: the unit is 旬阳市 610981


def test_the_city_run_passes_the_units_folder_by(tmp_path):
    (tmp_path / "2024").mkdir()
    (tmp_path / submission_format.UNITS_FOLDER / HANBIN / "2024").mkdir(parents=True)
    (tmp_path / "2024年").mkdir()
    log = QaLog()
    check_raw_dir_entries(tmp_path, log)
    assert [r.file for r in log.records] == ["2024年"]  # named, as before; units/ is not


def _sheet(path: Path) -> tuple[dict[str, list], list[str]]:
    """The region rows (name → values from column C) and the notes of column A."""
    sheet = load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    notes = [r[0] for r in rows if isinstance(r[0], str)]
    return {r[1]: list(r[2:]) for r in rows if r[1]}, notes


def test_every_county_has_a_unit():
    assert configured_units() == tuple(sorted(c.code for c in counties()))


@pytest.mark.parametrize("code", [c.code for c in counties()])
def test_each_units_configuration_is_the_county_over_its_nbs_towns(code):
    """Each county's unit file (scripts/make_unit_configs.py) loads and validates: the county on
    top, exactly its towns of the NBS list as the assessed regions, the towns' estimated tasks
    adding up to the county's, the tier's words from the county's kind (区、县、市) and whether it
    has 街道办."""
    files = unit_config_files(code)
    county = next(c for c in counties() if c.code == code)
    regions = files["regions.yaml"]
    assert regions["city"]["name"] == county.name and regions["unit"] == code
    nbs = towns_of(code)
    assert [(t["code"], t["name"]) for t in regions["counties"]] == [(t.code, t.name) for t in nbs]
    (plan,) = files["targets.yaml"]["plans"]
    for key, parts in plan["county_allocations"].items():
        assert set(parts) == {t.code for t in nbs}
        assert sum(parts.values()) == plan["city_targets"][key]
    tier = regions["tier"]
    kind = county.name[-1]
    assert (tier["top"], tier["government"], tier["bureau"]) == (
        f"全{kind}",
        f"{kind}政府",
        f"{kind}人社局",
    )
    offices = any(t.name.endswith("街道") for t in nbs)
    assert tier["members"] == ("镇（办）" if offices else "镇")
    assert files["documents.yaml"]["issuer"]["name"] == f"{county.name}人力资源和社会保障局"
    assert county.name in plan["allocation_rule"]
    if kind != "区":  # no 区 words left from 汉滨区's file
        assert "区" not in "".join([plan["allocation_rule"], *tier.values()])


def test_the_county_level_city_says_its_own_words():
    """旬阳市 says 全市 of itself; the sample note names 安康市 where the city is meant."""
    tier = unit_config_files("610981")["regions.yaml"]["tier"]
    assert tier["top"] == "全市" and tier["members"] == "镇"
    assert "旬阳市报送安康市" in tier["sample_basis"]


@pytest.mark.parametrize("code", [c.code for c in counties()])
def test_shipped_town_sample_adds_up_to_the_county(sample_intake, code):
    """data/raw/units/<code>/<year>: the county's NBS towns and its top row (全区/全县/全市) in
    every year; every count column of the towns adds up to the top row exactly, and the top row
    is the county's row of the city's file of that year."""
    tidy, _ = sample_intake
    tier = unit_config_files(code)["regions.yaml"]["tier"]
    names = sorted(t.name for t in towns_of(code))
    for year in range(2016, 2025):
        path = RAW_DIR / "units" / code / str(year) / submission_format.file_name(year, code)
        towns, notes = _sheet(path)
        total = towns.pop(tier["top"])
        assert sorted(towns) == names and "样例数据" in notes[0]
        county = tidy[(tidy["region_code"] == code) & (tidy["year"] == year)]
        done = county[county["measure"] == "actual"].set_index("indicator")["value"]
        assert total[1] == done["urban_new_jobs"]  # column D: 城镇新增就业 完成数
        for column in (0, 1, 2, 3):  # 城镇新增就业, 就地就近转移 目标任务/完成数
            if total[column] is not None:
                assert sum(v[column] for v in towns.values()) == total[column], (year, column)


def test_a_unit_run_rejects_a_code_that_is_not_configured(capsys):
    from pipeline.__main__ import main

    assert main(["report", "--year=2024", "--unit=610900"]) == 2
    assert "找不到单位配置" in capsys.readouterr().err


UNIT_SCRIPT = """
import json, sys
from pathlib import Path
from pipeline.annual.facts import annual_tasks
from pipeline.annual.method import scoring_method
from pipeline.annual.scoring import score_counties
from pipeline.intake.collect import intake
from pipeline.report.document import sample_callout
tidy, log = intake(Path(sys.argv[1]), 2024)
scores = score_counties(annual_tasks(tidy, 2024, qa_log=log.to_frame()))
print(json.dumps({
    "failures": [r.message for r in log.records if r.status == "FAIL"],
    "upward": [r.status + r.message for r in log.records if r.rule == "与报市数一致"],
    "present": [r.message for r in log.records if r.rule == "县区齐全" and r.status == "PASS"],
    "scores": scores[["region", "score", "grade"]].astype(str).values.tolist(),
    "callout": sample_callout(),
    "method": scoring_method(n_counties=len(scores)),
}, ensure_ascii=False))
"""


def test_the_towns_are_read_checked_and_scored_in_the_units_own_words(hanbin):
    """The unit's configuration in a process of its own (as make report UNIT= runs it): the
    shipped town sample reads without FAIL, its 全区 row agrees with 汉滨区's figures in the
    city's files, the 28 towns of the NBS list get scores and grades, and the words are the
    tier's (镇（办）, not 县（市、区）)."""
    import json

    from pipeline.config.hierarchy import towns_of

    env = os.environ | {CONFIG_ENV: str(hanbin)}
    result = subprocess.run(
        [sys.executable, "-c", UNIT_SCRIPT, str(RAW_DIR / "units" / HANBIN)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    got = json.loads(result.stdout)
    assert got["failures"] == []
    assert len(got["upward"]) == 1 and got["upward"][0].startswith("PASS")
    assert "2024年28个镇办均已填报" in got["present"]
    assert sorted(name for name, _, _ in got["scores"]) == sorted(t.name for t in towns_of(HANBIN))
    assert all(grade in {"优秀", "良好", "达标", "不达标"} for _, _, grade in got["scores"])
    assert "各镇（办）报表" in got["callout"] and "县（市、区）" not in got["callout"]
    assert "28个镇办至多8个" in got["method"] and "县区" not in got["method"]


def test_a_county_without_street_offices_reads_its_towns_in_its_own_words(tmp_path):
    """镇坪县 (7 镇, no 街道办): its sample (column headed 乡镇, top row 全县) reads without FAIL,
    agrees with 镇坪县's figures in the city's files and scores its 7 towns, in words without 区."""
    import json

    config = materialise("610927", tmp_path / "config")
    env = os.environ | {CONFIG_ENV: str(config)}
    result = subprocess.run(
        [sys.executable, "-c", UNIT_SCRIPT, str(RAW_DIR / "units" / "610927")],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    got = json.loads(result.stdout)
    assert got["failures"] == [] and got["upward"][0].startswith("PASS全县行")
    assert sorted(n for n, _, _ in got["scores"]) == sorted(t.name for t in towns_of("610927"))
    assert "2024年7个镇均已填报" in got["present"]
    assert "各镇报表" in got["callout"] and "区政府" not in got["method"] + got["callout"]
    assert "县区" not in got["method"] + got["callout"]
