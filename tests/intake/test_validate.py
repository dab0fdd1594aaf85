import pandas as pd

from pipeline.intake.validate import validate


def test_sample_data_has_no_failures(sample_intake):
    _, log = sample_intake
    assert not log.has_failures


def _edit(tidy: pd.DataFrame, query: str, value: float) -> pd.DataFrame:
    edited = tidy.copy()
    edited.loc[edited.eval(query), "value"] = value
    return edited


def test_city_total_that_differs_from_the_counties_is_a_warn_with_the_difference(sample_intake):
    tidy, _ = sample_intake
    city_row = "year == 2024 and region_code == '610900' and indicator == 'urban_new_jobs' and measure == 'actual'"
    original = tidy.loc[tidy.eval(city_row), "value"].item()
    log = validate(_edit(tidy, city_row, original + 100))
    warn = [
        r
        for r in log.records
        if r.rule == "全市合计" and r.status == "WARN" and "无法核对" not in r.message
    ]
    assert len(warn) == 1 and "差 100" in warn[0].message and warn[0].row is not None


def test_rate_above_100_fails_and_implausible_rate_warns(sample_intake):
    tidy, _ = sample_intake
    rate = "year == 2024 and region_code == '610921' and indicator == 'registered_unemployment_rate' and measure == 'actual'"
    assert any(
        r.rule == "取值范围" and r.status == "FAIL"
        for r in validate(_edit(tidy, rate, 140)).records
    )
    assert any(
        r.rule == "合理区间" and r.status == "WARN" for r in validate(_edit(tidy, rate, 18)).records
    )


def test_negative_or_fractional_count_fails(sample_intake):
    tidy, _ = sample_intake
    count = "year == 2024 and region_code == '610921' and indicator == 'urban_new_jobs' and measure == 'actual'"
    assert any(
        r.rule == "取值范围" and r.status == "FAIL"
        for r in validate(_edit(tidy, count, -5)).records
    )
    assert any(
        r.rule == "整数" and r.status == "FAIL" for r in validate(_edit(tidy, count, 10.5)).records
    )


def test_a_missing_county_fails(sample_intake):
    tidy, _ = sample_intake
    without = tidy[~((tidy["year"] == 2024) & (tidy["region_code"] == "610927"))]
    failures = [r for r in validate(without).records if r.status == "FAIL"]
    assert [r.rule for r in failures] == ["县区齐全"] and "镇坪县" in failures[0].message
