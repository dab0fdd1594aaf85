import pandas as pd
import pytest

from pipeline.config.indicators import NoPlanError, indicator, indicators, plan_for_year, target
from pipeline.config.reference import allocate_by_share, county_population
from pipeline.config.regions import by_code, city, counties
from pipeline.config.schema import load_targets_config


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


@pytest.mark.parametrize(
    "plan",
    [p for p in load_targets_config().plans if p.allocation_status == "estimate"],
    ids=lambda p: p.id,
)
def test_estimated_county_allocations_follow_the_stated_rule_from_real_populations(plan):
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


@pytest.mark.parametrize(
    "year",
    [
        min(p.start for p in load_targets_config().plans) - 1,
        max(p.end for p in load_targets_config().plans) + 1,
    ],
)
def test_a_year_outside_every_plan_is_a_clear_error(year):
    with pytest.raises(NoPlanError, match=r"十四五 2021–2025"):
        plan_for_year(year)


def test_a_new_plan_is_used_for_the_years_after_the_last_one(monkeypatch):
    """What docs/targets.md asks of whoever adds 十五五: a plan block, nothing else."""
    from pipeline.annual.facts import annual_tasks
    from pipeline.config import indicators as indicators_module
    from pipeline.config.schema import TargetsConfig
    from pipeline.tools import data_dictionary

    current = load_targets_config()
    fourteenth = current.plans[0]
    fifteenth = fourteenth.model_copy(update={
        "id": "15th-fyp", "name": "十五五", "start": 2026, "end": 2030,
        "source": "（示例）十五五就业目标文件", "allocation_status": "issued",
        "allocation_document": "（示例）安人社发〔2026〕1号",
    })  # fmt: skip
    extended = TargetsConfig.model_validate(
        current.model_dump() | {"plans": [p.model_dump() for p in (fourteenth, fifteenth)]}
    )
    monkeypatch.setattr(indicators_module, "load_targets_config", lambda: extended)
    monkeypatch.setattr(data_dictionary, "load_targets_config", lambda: extended)
    assert plan_for_year(2026).name == "十五五" and plan_for_year(2025).name == "十四五"
    assert "十五五（2026–2030）" in data_dictionary.render()
    tidy = pd.DataFrame(
        [("610927", "urban_new_jobs", 2026, "actual", 400.0)],
        columns=["region_code", "indicator", "year", "measure", "value"],
    )
    row = annual_tasks(tidy, 2026, (by_code("610927"),)).iloc[0]
    assert row["plan_target"] == 1900 and row["time_progress_gap"] == pytest.approx(
        400 / 1900 - 0.2
    )


def test_status_thresholds_are_ordered():
    thresholds = load_targets_config().status_thresholds
    assert thresholds.at_risk_min_probability < thresholds.on_track_min_probability
    assert len(counties()) == 10


def test_data_dictionary_is_current():
    from pipeline import PROJECT_ROOT
    from pipeline.tools.data_dictionary import render

    committed = (PROJECT_ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert committed == render(), (
        "regenerate: python -m pipeline.tools.data_dictionary > docs/data-dictionary.md"
    )
