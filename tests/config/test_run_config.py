"""What used to be guessed from the unit symbol, and the progress thresholds, come from config."""

import pytest

from pipeline.config.indicators import indicator
from pipeline.config.schema import ProgressThresholds, load_indicators_config, load_targets_config
from pipeline.plan_targets.assess import _transform
from pipeline.plan_targets.progress import (
    destatis_annual_category,
    eurostat_category,
    unsd_category,
)
from pipeline.report.charts import format_value


def test_every_indicator_says_what_it_measures():
    for item in load_indicators_config().indicators:
        assert (item.measure == "rate") == (item.unit == "%")  # true of today's configuration
        assert item.integer == (item.measure == "count")


def test_transform_and_display_follow_the_configured_fields():
    rate, count = indicator("registered_unemployment_rate"), indicator("urban_new_jobs")
    assert _transform(rate) == "logit" and _transform(count) == "log"
    assert format_value(3.456, rate) == "3.46"
    assert format_value(12345.4, count) == "12,345"
    assert format_value(2.0, indicator("exec_meetings_on_employment")) == "2"  # decimals: 0
    assert format_value(3.456, "%") == "3.46"  # a unit symbol still works for older callers
    as_two_decimals = count.model_copy(update={"decimals": 2})
    assert format_value(12345.4, as_two_decimals) == "12345.40"


def test_progress_thresholds_are_configured_and_can_be_passed():
    configured = load_targets_config().progress_thresholds
    assert configured.eurostat == (0.95, 0.60, 0.0)
    assert eurostat_category(0.9) == "需要加快"
    assert eurostat_category(0.9, thresholds=(0.85, 0.5, 0.0)) == "进度正常"
    assert unsd_category(0.5, thresholds=(0.4, 0.1)) == "可达成"
    assert destatis_annual_category(4.3, 4.0, False) == "差距较大"  # shortfall 7.5%
    assert destatis_annual_category(4.3, 4.0, False, thresholds=(0.10, 0.20)) == "略有差距"


def test_thresholds_out_of_order_are_a_configuration_error():
    with pytest.raises(ValueError, match="从大到小"):
        ProgressThresholds(eurostat=(0.6, 0.95, 0.0), unsd=(0.95, 0.1), destatis=(0.05, 0.2))
