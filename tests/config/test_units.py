"""A unit's configuration: the county on top, its towns assessed, the towns' tasks add up."""

from __future__ import annotations

from pipeline.config.assessment_rules import load_rules
from pipeline.config.schema import load_regions_config, load_targets_config
from pipeline.config.units import equal_shares, materialise


def test_equal_shares_add_up_exactly():
    parts = equal_shares(34000, ["a", "b", "c"], 100)
    assert parts == {"a": 11400, "b": 11300, "c": 11300}
    assert sum(parts.values()) == 34000


def test_hanbin_unit_is_the_county_over_its_28_towns(tmp_path):
    folder = materialise("610902", tmp_path / "config")
    regions = load_regions_config(folder)
    assert regions.city.name == "汉滨区" and "全区" in regions.city.aliases
    assert len(regions.counties) == 28 and regions.counties[0].name == "老城街道"
    assert regions.tier.members == "镇（办）"
    plan = load_targets_config(folder).plans[0]
    assert plan.city_targets["urban_new_jobs"] == 34000  # 汉滨区's share of the city target
    assert sum(plan.county_allocations["urban_new_jobs"].values()) == 34000
    assert plan.allocation_status == "estimate"  # no town tasks issued: estimate, never a 约谈
    assert "surveyed_unemployment_rate" not in plan.city_targets  # city-only
    assert sum(load_rules(folder).scoring.weights.values()) == 100
