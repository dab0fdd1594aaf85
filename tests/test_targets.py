import pytest

from pipeline.config import load_targets_config
from pipeline.indicators import NoPlanError, indicator, indicators, plan_for_year, target
from pipeline.reference import allocate_by_share, county_population
from pipeline.regions import by_code, city, counties


def test_indicators_carry_the_documents_targets():
    plan = plan_for_year(2024)
    assert (plan.name, plan.start, plan.end) == ("十四五", 2021, 2025)
    expected = {
        "urban_new_jobs": (100000, "第七条"),
        "rural_labour_local_transfer": (100000, "第七条"),
        "registered_unemployment_rate": (4.0, "第七条"),
        "surveyed_unemployment_rate": (5.5, "第七条"),
        "new_labour_local_share": (50.0, "第七条"),
        "returnee_talent": (3000, "第九条"),
        "returnee_workers": (30000, "第九条"),
        "exec_meetings_on_employment": (2, "第十二条"),
    }
    assert {i.id: (plan.city_targets[i.id], i.article) for i in indicators()} == expected
    assert indicator("城镇调查失业率").city_only


def test_county_allocations_follow_the_stated_rule_from_real_populations():
    plan = plan_for_year(2024)
    population = county_population(2021)
    largest = max(population, key=population.get)
    assert by_code(largest).name == "汉滨区"
    for indicator_id, allocation in plan.county_allocations.items():
        derived = allocate_by_share(
            plan.city_targets[indicator_id], population, plan.allocation_step[indicator_id], largest
        )
        assert {k: float(v) for k, v in derived.items()} == allocation, indicator_id
        assert sum(allocation.values()) == plan.city_targets[indicator_id]


def test_target_for_a_county_is_its_allocation_and_ceilings_apply_unchanged():
    plan = plan_for_year(2023)
    zhenping = by_code("610927")
    assert target(plan, indicator("urban_new_jobs"), zhenping) == 1900
    assert target(plan, indicator("urban_new_jobs"), city()) == 100000
    assert target(plan, indicator("registered_unemployment_rate"), zhenping) == 4.0


@pytest.mark.parametrize("year", [2019, 2026])
def test_a_year_outside_every_plan_is_a_clear_error(year):
    with pytest.raises(NoPlanError, match=r"十四五 2021–2025"):
        plan_for_year(year)


def test_status_thresholds_are_ordered():
    thresholds = load_targets_config().status_thresholds
    assert thresholds.at_risk_min_probability < thresholds.on_track_min_probability
    assert len(counties()) == 10


def test_data_dictionary_is_current():
    from pipeline import PROJECT_ROOT
    from pipeline.data_dictionary import render

    committed = (PROJECT_ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert committed == render(), (
        "regenerate: python -m pipeline.data_dictionary > docs/data-dictionary.md"
    )
