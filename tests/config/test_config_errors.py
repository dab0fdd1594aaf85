"""Nonsense configuration, as a bureau user might save it, is refused in plain Chinese naming the
file, the line and the key (issue 18) — never a traceback, never silently accepted."""

import shutil
from pathlib import Path

import pytest

from pipeline import CONFIG_DIR
from pipeline.config.assessment_rules import load_rules
from pipeline.config.schema import (
    ConfigError,
    load_indicators_config,
    load_regions_config,
    load_targets_config,
)

LOADERS = {
    "indicators.yaml": load_indicators_config,
    "regions.yaml": load_regions_config,
    "targets.yaml": load_targets_config,
    "assessment.yaml": load_rules,
}


def _broken(tmp_path: Path, name: str, old: str, new: str, encoding: str = "utf-8") -> str:
    """Load ``name`` from a copy of config/ where ``old`` is replaced by ``new``; the error text."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    text = (folder / name).read_text(encoding="utf-8")
    assert old in text, old
    (folder / name).write_bytes(text.replace(old, new, 1).encode(encoding))
    with pytest.raises(ConfigError) as error:
        LOADERS[name](folder)
    message = str(error.value)
    assert "Traceback" not in message and name in message
    return message


def _line(tmp_path: Path, name: str, words: str) -> int:
    lines = (tmp_path / "config" / name).read_text(encoding="utf-8", errors="replace").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if words in line)


def test_the_shipped_configuration_loads():
    for loader in LOADERS.values():
        loader(CONFIG_DIR)


def test_a_duplicated_key_is_refused_with_both_lines(tmp_path):
    message = _broken(
        tmp_path,
        "assessment.yaml",
        "    urban_new_jobs: 25\n",
        "    urban_new_jobs: 25\n    urban_new_jobs: 30\n",
    )
    first = _line(tmp_path, "assessment.yaml", "urban_new_jobs: 25")
    assert (
        f"第{first + 1}行" in message and f"第{first}行" in message and "urban_new_jobs" in message
    )


def test_a_full_width_colon_names_its_line(tmp_path):
    message = _broken(
        tmp_path,
        "targets.yaml",
        "  on_track_min_probability: 0.8",
        "  on_track_min_probability：0.8",
    )
    assert f"第{_line(tmp_path, 'targets.yaml', 'on_track_min_probability：')}行" in message
    assert "全角冒号" in message


def test_a_yaml_syntax_error_names_its_line(tmp_path):
    message = _broken(
        tmp_path,
        "targets.yaml",
        "  at_risk_min_probability: 0.3",
        "  at_risk_min_probability: [0.3",
    )
    assert "不是有效的 YAML" in message and "行" in message


def test_a_config_saved_as_gbk_names_its_line_and_the_encoding(tmp_path):
    message = _broken(tmp_path, "regions.yaml", "汉阴县", "汉阴县", encoding="gbk")
    assert "UTF-8" in message and "行" in message


def test_a_negative_ceiling_is_refused_naming_the_key(tmp_path):
    message = _broken(
        tmp_path,
        "targets.yaml",
        "registered_unemployment_rate: 4.0",
        "registered_unemployment_rate: -4.0",
    )
    line = _line(tmp_path, "targets.yaml", "registered_unemployment_rate: -4.0")
    assert f"第{line}行" in message and "city_targets.registered_unemployment_rate" in message


def test_inverted_status_thresholds_are_refused(tmp_path):
    message = _broken(
        tmp_path, "targets.yaml", "at_risk_min_probability: 0.3", "at_risk_min_probability: 0.9"
    )
    assert "status_thresholds" in message and "须小于" in message


def test_a_forecast_horizon_short_of_the_longest_plan_is_refused(tmp_path):
    """十四五 has five years: from its first year its end is four years ahead."""
    message = _broken(tmp_path, "targets.yaml", "max_horizon: 5", "max_horizon: 3")
    assert "forecast.max_horizon（3）须不小于 4" in message and "最长的规划期有 5 年" in message


def test_an_alias_given_to_two_regions_is_refused(tmp_path):
    message = _broken(tmp_path, "regions.yaml", "aliases: [汉阴]", "aliases: [汉阴, 汉滨]")
    assert "“汉滨”同时是" in message and "汉阴县" in message


def test_a_valid_range_written_backwards_is_refused(tmp_path):
    message = _broken(
        tmp_path, "indicators.yaml", "valid_range: [0, 100000]", "valid_range: [100000, 0]"
    )
    assert "valid_range" in message and "第" in message


def test_an_unknown_indicator_id_in_the_weights_is_refused_with_its_line(tmp_path):
    message = _broken(tmp_path, "assessment.yaml", "    urban_new_jobs: 25", "    urban_jobs: 25")
    line = _line(tmp_path, "assessment.yaml", "urban_jobs: 25")
    assert f"第{line}行" in message and "scoring.weights.urban_jobs" in message


def test_an_unknown_indicator_id_in_the_targets_is_refused(tmp_path):
    message = _broken(
        tmp_path,
        "targets.yaml",
        "registered_unemployment_rate: 4.0",
        "registered_unemployment: 4.0",
    )
    assert "未知的指标代码“registered_unemployment”" in message
