"""十四五终期 (the plan's five-year results): worked examples with constructed scores — the stated
five-year rule, ranks and ties as a year's, the 优秀 quota, 先进单位 only with every deciding plan
target 完成, estimates never deciding, years without data left out and named."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from pipeline.annual import scoring
from pipeline.annual.exact import exact
from pipeline.annual.plan_results import (
    NO_DATA_GRADE,
    PlanResults,
    five_year_score,
    plan_method,
    split_targets,
    year_weights,
)
from pipeline.config.assessment_rules import PlanResultsRules, load_rules
from pipeline.config.indicators import plan_for_year
from pipeline.config.regions import counties
from pipeline.config.schema import ConfigError
from pipeline.plan_targets.verdict import FINAL_MET, FINAL_MISSED, NO_DATA

PLAN = plan_for_year(2025)  # 十四五 2021–2025, county split an estimate
YEARS = list(PLAN.years)
MEAN = PlanResultsRules(score_rule="mean", commend_grades=("优秀",), require_all_plan_targets=True)
WEIGHTED = PlanResultsRules(
    score_rule="weighted", year_weights=(0.1, 0.15, 0.2, 0.25, 0.3),
    commend_grades=("优秀",), require_all_plan_targets=True,
)  # fmt: skip
FIVE = dict(zip(YEARS, map(Decimal, ("95.50", "90.00", "88.25", "92.00", "91.10")), strict=True))


def test_the_five_year_score_is_the_stated_mean_or_weighted_mean_exactly():
    assert five_year_score(FIVE, YEARS, MEAN) == Decimal("91.37")  # 456.85 / 5
    assert five_year_score(FIVE, YEARS, WEIGHTED) == Decimal("91.03")  # 9.55+13.5+17.65+23+27.33
    # a year without data is left out (the others' weights rescaled): 366.85 / 4 = 91.7125
    without_2022 = {y: s for y, s in FIVE.items() if y != 2022}
    assert five_year_score(without_2022, YEARS, MEAN) == Decimal("91.71")
    # rounded half up at the cent, never by binary floats: (90.01 + 90.00) / 2 = 90.005 → 90.01
    assert five_year_score({2021: 90.01, 2022: 90.00}, [2021, 2022], MEAN) == Decimal("90.01")


def test_weights_must_fit_the_plan_and_the_rule(tmp_path):
    assert year_weights(YEARS, WEIGHTED)[2025] == exact("0.3")
    with pytest.raises(
        ConfigError, match="plan_results.year_weights.*共6年，应有6个权数（收到5个）"
    ):
        year_weights([*YEARS, 2026], WEIGHTED)
    for bad, message in (
        ({"score_rule": "weighted"}, "须为规划期每一年填写"),
        ({"score_rule": "weighted", "year_weights": (0.5, 0.6)}, "合计应为1"),
        ({"score_rule": "mean", "year_weights": (0.5, 0.5)}, "须为空"),
    ):
        with pytest.raises(ValueError, match=message):
            PlanResultsRules(**bad, commend_grades=("优秀",), require_all_plan_targets=True)


def test_the_configured_rule_is_validated_on_load(tmp_path):
    import shutil

    from pipeline import CONFIG_DIR

    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    path = folder / "assessment.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  commend_grades: [优秀]\n  require_all", "  commend_grades: [先进]\n  require_all"), encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError, match="plan_results 中的等次"):
        load_rules.__wrapped__(folder)
    path.write_text(text.replace("score_rule: mean", "score_rule: median"), encoding="utf-8")
    with pytest.raises(ConfigError, match="plan_results.score_rule"):
        load_rules.__wrapped__(folder)


def _year_table(scores: dict[str, str]) -> pd.DataFrame:
    """A year's final score table for the ten counties, ranked and graded by the scorer."""
    names = {c.code: c.name for c in counties()}
    frame = pd.DataFrame(
        {"region_code": list(scores), "region": [names[c] for c in scores],
         "exact_score": [Decimal(v) for v in scores.values()]}
    )  # fmt: skip
    table = scoring.ranked(frame, load_rules())
    return table.assign(score=[float(v) for v in table["exact_score"]])


def _assessment(open_targets: dict[str, list[tuple[str, str, str]]]) -> pd.DataFrame:
    """Seven plan targets per county, all 完成 except ``open_targets``: code → (kind, status, note)."""
    rows = []
    for county in counties():
        extra = open_targets.get(county.code, [])
        for i in range(7):
            kind, status, note = extra[i] if i < len(extra) else ("cumulative", FINAL_MET, "")
            rows.append({"region_code": county.code, "indicator_name": f"目标{i + 1}",
                         "kind": kind, "status": status, "note": note})  # fmt: skip
    return pd.DataFrame(rows)


CODES = [c.code for c in counties()]


def _constructed(open_targets=None, plan=PLAN, missing_year=None) -> PlanResults:
    """Every year the same scores, so that the five-year score equals them: the first three codes
    95, 94, 93 (优秀), then 92 and 92 (tied, beyond the 3 places), the rest 80 … 40."""
    five = [
        "95.00",
        "94.00",
        "93.00",
        "92.00",
        "92.00",
        "80.00",
        "70.00",
        "60.00",
        "50.00",
        "40.00",
    ]
    table = _year_table(dict(zip(CODES, five, strict=True)))
    by_year = {y: (None if y == missing_year else table) for y in YEARS}
    rules = load_rules().model_copy(update={"plan_results": MEAN})
    return PlanResults.compute(plan, by_year, _assessment(open_targets or {}), rules)


def test_ranks_grades_and_the_quota_follow_the_annual_rules():
    results = _constructed()
    table = results.counties.set_index("region_code")
    assert list(table.loc[CODES, "score"]) == [95, 94, 93, 92, 92, 80, 70, 60, 50, 40]
    assert list(table.loc[CODES[:5], "rank"]) == [1, 2, 3, 4, 4]  # equal scores share a rank
    assert list(table.loc[CODES[:5], "grade"]) == ["优秀", "优秀", "优秀", "良好", "良好"]
    assert "名次第4在优秀名额3个" in table.loc[CODES[3], "grade_note"]
    assert (
        list(results.counties["region_code"][:3]) == CODES[:3]
    )  # the file is in five-year rank order
    assert set(results.suggested["region_code"]) == set(CODES[:3])
    assert (
        "先进单位只针对" not in table.loc[CODES[3], "note"]
        and "优秀名额" in table.loc[CODES[3], "note"]
    )


def test_a_top_county_with_a_deciding_target_missed_is_not_suggested_and_says_why():
    results = _constructed({
        CODES[0]: [("ceiling_each_year", FINAL_MISSED, "2023年未达到年度要求（不高于4%）")],
        CODES[1]: [("floor_each_year", NO_DATA, "2022年无数据")],
    })  # fmt: skip
    table = results.counties.set_index("region_code")
    assert not table.loc[CODES[0], "suggested"] and not table.loc[CODES[1], "suggested"]
    assert table.loc[CODES[0], "note"] == (
        "五年得分95.00分，第1名，五年等次优秀，但十四五规划目标未全部完成：目标1（2023年未达到年度要求（不高于4%））"
    )
    assert "目标1（无数据，2022年无数据）" in table.loc[CODES[1], "note"]  # 无数据 is not 完成
    assert table.loc[CODES[0], "targets_met"] == 6 and table.loc[CODES[0], "targets_total"] == 7
    assert list(results.suggested["region_code"]) == [CODES[2]]


def test_estimated_county_targets_never_decide_but_are_named():
    missed = {CODES[0]: [("cumulative", FINAL_MISSED, "差13人，完成规划目标的99.8%")]}
    estimated = _constructed(missed).counties.set_index("region_code").loc[CODES[0]]
    assert estimated["suggested"] and estimated["targets_missed"] == ""
    assert estimated["targets_withheld"] == "目标1（差13人，完成规划目标的99.8%）"
    assert "县区分解数是测算数，不是下达任务，不作为依据" in estimated["note"]
    issued = PLAN.model_copy(update={"allocation_status": "issued"})
    decided = _constructed(missed, plan=issued).counties.set_index("region_code").loc[CODES[0]]
    assert not decided["suggested"] and decided["targets_withheld"] == ""
    assert "规划目标未全部完成：目标1（差13人" in decided["note"]


def test_split_targets_keeps_limits_deciding_while_estimated():
    own = _assessment(
        {CODES[0]: [("cumulative", FINAL_MISSED, "差1人"), ("ceiling_each_year", NO_DATA, "")]}
    )
    own = own[own["region_code"] == CODES[0]]
    deciding, withheld = split_targets(own, estimated=True)
    assert list(deciding["kind"]) == ["ceiling_each_year"] and list(withheld["kind"]) == [
        "cumulative"
    ]
    deciding, withheld = split_targets(own, estimated=False)
    assert len(deciding) == 2 and withheld.empty


def test_a_year_without_data_says_so_and_is_left_out_alike(tmp_path: Path):
    results = _constructed(missing_year=2022)
    assert results.years_without_data == [2022]
    year_rows = results.years[results.years["year"] == 2022]
    assert (~year_rows["has_data"]).all() and (year_rows["grade"] == NO_DATA_GRADE).all()
    assert year_rows["score"].isna().all()
    first = results.counties.iloc[0]
    assert first["score"] == 95 and first["years_without_data"] == "2022"
    assert first["years_scored"] == "2021、2023、2024、2025"
    method = plan_method(results, load_rules().model_copy(update={"plan_results": MEAN}))
    assert "2022年全部县区都没有报送数据，不计入五年得分" in method
    assert "(95.00 + 95.00 + 95.00 + 95.00) ÷ 4 ＝ 95.00分" in method  # computed, not typed
    # the files read back as computed
    results.write(tmp_path)
    read = PlanResults.read(tmp_path, PLAN)
    pd.testing.assert_frame_equal(read.years, results.years, check_dtype=False)
    pd.testing.assert_frame_equal(
        read.counties.reset_index(drop=True), results.counties.reset_index(drop=True),
        check_dtype=False,
    )  # fmt: skip


def test_the_method_states_the_weighted_rule_with_its_worked_example():
    results = _constructed()
    method = plan_method(results, load_rules().model_copy(update={"plan_results": WEIGHTED}))
    assert "按权数加权平均（2021年10%，2022年15%，2023年20%，2024年25%，2025年30%）" in method
    assert "(10%×95.00 + 15%×95.00 + 20%×95.00 + 25%×95.00 + 30%×95.00) ＝ 95.00分" in method
