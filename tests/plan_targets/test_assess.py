import numpy as np
import pandas as pd
import pytest

from pipeline.config.indicators import plan_for_year
from pipeline.config.regions import all_regions, by_code, city, counties
from pipeline.plan_targets.assess import assess, calibration_first_origin, status_from_probability
from pipeline.plan_targets.verdict import ALLOWED_STATUSES


@pytest.mark.parametrize(
    ("probability", "met", "status"),
    [
        (0.95, False, "进度正常"),
        (0.8, False, "进度正常"),
        (0.5, False, "存在风险"),
        (0.1, False, "难以完成"),
        (0.0, True, "已完成"),
    ],
)
def test_status_thresholds(probability, met, status):
    assert status_from_probability(probability, met) == status


def test_the_calibration_starts_at_the_first_year_with_three_observations(sample_actual):
    """Data from 2016: 2016, 2017, 2018 are three points, enough for the trend models, so the
    backtests start at origin 2018 (as the sample's published numbers always have); data that
    start in 2021, as a new plan's series might, start them in 2023."""
    assert calibration_first_origin(sample_actual["year"]) == 2018
    assert calibration_first_origin([2022, 2021, 2024]) == 2023


def _panel(
    values_by_code: dict[str, list[float]], indicator_id: str, first_year: int
) -> pd.DataFrame:
    rows = [
        {"region_code": code, "indicator": indicator_id, "year": first_year + i, "value": v}
        for code, values in values_by_code.items()
        for i, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_flows_far_above_or_below_the_pace_give_certain_answers():
    plan = plan_for_year(2024)
    ahead = {
        c.code: [plan.county_allocations["urban_new_jobs"][c.code] / 3] * 9 for c in counties()
    }
    result, _ = assess(_panel(ahead, "urban_new_jobs", 2016), 2024, [by_code("610902")])
    row = result.set_index("indicator").loc["urban_new_jobs"]
    assert row["status"] == "已完成" and row["probability"] == 1.0
    behind = {
        c.code: [plan.county_allocations["urban_new_jobs"][c.code] / 20] * 9 for c in counties()
    }
    result, _ = assess(_panel(behind, "urban_new_jobs", 2016), 2024, [by_code("610902")])
    row = result.set_index("indicator").loc["urban_new_jobs"]
    assert row["status"] == "难以完成" and row["probability"] == 0.0
    assert row["actual_to_date"] == pytest.approx(4 * 34000 / 20)


def test_a_breached_yearly_ceiling_cannot_be_met_any_more():
    rates = {c.code: [3.0] * 9 for c in counties()}
    rates["610925"] = [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 4.3, 3.5, 3.4]  # 2022 above 4%
    result, _ = assess(
        _panel(rates, "registered_unemployment_rate", 2016), 2024, [by_code("610925")]
    )
    row = result.set_index("indicator").loc["registered_unemployment_rate"]
    assert row["probability"] == 0.0 and row["status"] == "已无法完成"
    assert row["years_met"] == 3 and "2022年未达到年度要求（不高于4%）" in row["note"]
    assert row["check"] == "2022年未达标" and row["years_missed"] == "2022"


def test_city_cumulative_probability_is_that_of_the_sum_of_county_paths(
    sample_actual, sample_calibration
):
    result, paths = assess(sample_actual, 2024, list(all_regions()), sample_calibration)
    city_paths = paths[
        (paths["region_code"] == city().code) & (paths["indicator"] == "urban_new_jobs")
    ]
    county_paths = paths[
        paths["region_code"].isin([c.code for c in counties()])
        & (paths["indicator"] == "urban_new_jobs")
    ]
    # Means add up exactly when paths are summed path by path.
    assert city_paths["mean"].sum() == pytest.approx(county_paths["mean"].sum())
    county_rows = result[
        (result["indicator"] == "urban_new_jobs") & (result["region_code"] != city().code)
    ]
    city_row = result[
        (result["indicator"] == "urban_new_jobs") & (result["region_code"] == city().code)
    ].iloc[0]
    assert city_row["actual_to_date"] == pytest.approx(county_rows["actual_to_date"].sum())


def test_assessment_is_deterministic_and_complete(sample_actual):
    first, _ = assess(sample_actual, 2024, list(all_regions()))  # calibration built inside
    second, _ = assess(sample_actual, 2024, list(all_regions()))
    pd.testing.assert_frame_equal(first, second)
    # 8 indicators for the city, 7 (no surveyed rate) for each of the ten counties.
    assert len(first) == 8 + 10 * 7
    forecast = first["indicator"] != "exec_meetings_on_employment"
    assert first.loc[forecast, "probability"].between(0, 1).all()
    # 第十二条 meetings are facts, never forecast: no probability, no interval.
    assert first.loc[~forecast, ["probability", "forecast_end"]].isna().all().all()
    assert set(first["status"]) <= {
        "已完成",
        "进度正常",
        "存在风险",
        "难以完成",
        "已无法完成",
        "至今达标",
    }
    # One consistent verdict per row: the status is one the pace check allows.
    cumulative = first[first["kind"] == "cumulative"]
    for check, status in zip(cumulative["check"], cumulative["status"], strict=True):
        assert status in ALLOWED_STATUSES[check], (check, status)
    limits = first[(first["kind"] != "cumulative") & (first["years_missed"].fillna("") != "")]
    assert (limits["status"] == "已无法完成").all() and limits["check"].str.contains(
        "年未达标"
    ).all()


def test_the_plans_last_year_is_a_verdict_without_forecasts():
    flows = {c.code: [1400.0] * 10 for c in counties()}
    flows["610929"] = [1400.0] * 5 + [1400.0, 1400.0, 1400.0, 1400.0, 1373.0]  # 白河县: 6,973
    result, paths = assess(_panel(flows, "urban_new_jobs", 2016), 2025, list(all_regions()))
    assert paths.empty
    row = result.set_index(["region_code", "indicator"]).loc[("610929", "urban_new_jobs")]
    assert row["status"] == "未完成" and row["check"] == "未完成"
    assert row["note"] == "差27人，完成规划目标的99.6%"
    assert np.isnan(row["probability"]) and np.isnan(row["forecast_end"])
    met = result.set_index(["region_code", "indicator"]).loc[("610922", "urban_new_jobs")]
    assert met["status"] == "完成"  # 石泉县: 7,000 of 6,000


def test_a_missing_plan_year_is_imputed_and_said_so():
    flows = {c.code: [1000.0] * 9 for c in counties()}
    flows["610923"][6] = np.nan  # 2022
    actual = _panel(flows, "urban_new_jobs", 2016).dropna()
    result, _ = assess(actual, 2024, [by_code("610923")])
    row = result.set_index("indicator").loc["urban_new_jobs"]
    assert row["actual_to_date"] == pytest.approx(4000.0)
    assert "2022年完成数缺失" in row["note"]


def test_a_plan_year_without_data_makes_a_yearly_limit_unattainable_and_says_why():
    # 镇坪县 登记失业率: 2022 not reported — not counted as kept, so "every plan year" is out of reach.
    from pipeline.config.indicators import indicator, plan_for_year
    from pipeline.plan_targets.assess import SeriesData, _limit_fields

    item, plan = indicator("registered_unemployment_rate"), plan_for_year(2024)
    data = SeriesData(np.arange(2021, 2025), np.array([3.5, np.nan, 3.6, 3.4]))
    paths = np.full((10, 1), 3.0)
    notes: list[str] = []
    fields = _limit_fields(item, data, plan, 2024, 4.0, paths, notes)
    assert fields["status"] == "已无法完成" and fields["probability"] == 0
    assert notes == ["2022年无数据，不计为达标，规划期逐年达标已无法实现"]
    final = _limit_fields(item, SeriesData(np.arange(2021, 2026), np.array([3.5, np.nan, 3.6, 3.4, 3.3])), plan, 2025, 4.0, None, [])  # fmt: skip
    assert final["status"] == "未完成"


def test_the_pace_check_and_the_forecast_give_one_message():
    from pipeline.plan_targets.assess import _pace_and_forecast_agree

    # 汉滨区 城镇新增就业: 当前速度可完成 beside P = 49% → the note says how both hold.
    assert _pace_and_forecast_agree("当前速度可完成", "存在风险", 0.49, 33900, 34000) == [
        "近两年的平均速度够用，但年际波动大，按预测达标概率49%，因此为“存在风险”"
    ]
    # 宁陕县: 需超历史最好水平 with the median above the target.
    assert (
        "按近年趋势的期末预测达到目标"
        in _pace_and_forecast_agree("需超历史最好水平", "存在风险", 0.55, 1210, 1200)[0]
    )
    assert _pace_and_forecast_agree("当前速度可完成", "进度正常", 0.9, 35000, 34000) == []


def test_the_pooled_step_size_is_the_median_over_each_regions_own_series(sample_actual):
    """One pass over the rows gives what each region's own series (``series``) gives."""
    from pipeline.config.indicators import indicators
    from pipeline.forecast.engine import step_sd, to_model_scale
    from pipeline.plan_targets.assess import _transform, pooled_step_sd, series

    for item in indicators():
        for last_year in (2018, 2021, 2024):
            sds = [
                step_sd(to_model_scale(observed, _transform(item)))
                for region in (city(), *counties())
                if (
                    observed := series(sample_actual, region.code, item.id, last_year).observed()
                ).size
            ]
            sds = [sd for sd in sds if sd]
            expected = float(np.median(sds)) if sds else None
            assert pooled_step_sd(sample_actual, item, last_year) == expected, (item.id, last_year)
