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


def _figures(tidy: pd.DataFrame, code: str) -> pd.DataFrame:
    """What ``code`` reported, in the shape config/units.py writes (FIGURE_COLUMNS)."""
    from pipeline.intake.validate import FIGURE_COLUMNS

    return tidy[tidy["region_code"] == code][list(FIGURE_COLUMNS)].reset_index(drop=True)


def test_the_top_row_is_checked_against_what_was_reported_upwards(sample_intake):
    """A county's 全区 row against its figures in the city's files: every value equal → one PASS
    that counts them; a changed value → a WARN naming both cells and the difference."""
    from pipeline.intake.qa import QaLog
    from pipeline.intake.validate import check_against_county_figures

    tidy, _ = sample_intake
    top = tidy[tidy["region_code"] == "610900"]  # the city's row plays the unit's 全区 row
    figures = _figures(tidy, "610900")
    top, later = top[top["year"] < 2024], top[top["year"] == 2024]  # 2024 not read: not compared
    log = QaLog()
    check_against_county_figures(top, figures, log)
    assert [r.status for r in log.records] == ["PASS"]
    assert (
        f"有 {int(figures[figures['year'] < 2024]['value'].notna().sum())} 个数"
        in log.records[0].message
    )
    top = pd.concat([top, later])

    changed = "year == 2024 and indicator == 'urban_new_jobs' and measure == 'actual'"
    original = top.loc[top.eval(changed), "value"].item()
    log = QaLog()
    check_against_county_figures(_edit(top, changed, original + 7), figures, log)
    (warn,) = [r for r in log.records if r.status == "WARN"]
    assert "差 7" in warn.message and "ankang-employment-2024.xlsx 第" in warn.message
    assert warn.file == "ankang-employment-2024.xlsx" and warn.row is not None

    log = QaLog()
    check_against_county_figures(top[~top.eval(changed)], figures, log)
    (warn,) = [r for r in log.records if r.status == "WARN"]
    assert "（空白）" in warn.message and warn.row is None


def test_validation_without_a_unit_folder_has_no_upward_check(sample_intake):
    _, log = sample_intake
    assert not [r for r in log.records if r.rule == "与报市数一致"]
