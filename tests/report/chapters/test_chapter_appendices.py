"""The appendices: 附录一 data quality (pipeline/report/chapters/quality.py), 附录二 methods
(methods.py) and 附录三 sources (sources.py), from small frames."""

from __future__ import annotations

import json

import pandas as pd

from pipeline.config.schema import TierWording
from pipeline.intake.qa import Rule
from pipeline.report.chapters import quality
from pipeline.report.chapters.methods import analyst_terms, backtest_summary
from pipeline.report.chapters.quality import problems, rule_counts
from pipeline.report.chapters.sources import sources_table

QA = pd.DataFrame(
    {
        "rule": ["required", "required", "robust_z", "robust_z"],
        "stage": ["校验"] * 4,
        "status": ["PASS", "PASS", "WARN", "PASS"],
        "file": ["a.xlsx", "b.xlsx", "a.xlsx", "b.xlsx"],
        "sheet": ["表1"] * 4,
        "row": ["5", "5", "7", "7"],
        "column": ["完成数"] * 4,
        "message": ["", "", "偏离中位数 60%", ""],
    }
)


def test_quality_counts_each_rule_and_lists_what_did_not_pass():
    counts = rule_counts(QA)
    assert list(counts.columns) == ["规则", "通过", "需关注", "不通过"]
    assert counts.set_index("规则").loc["robust_z"].tolist() == [1, 1, 0]
    found = problems(QA)
    assert list(found.columns) == ["结果", "规则", "文件", "工作表", "行", "列", "说明"]
    assert found.iloc[0].tolist() == [
        "需关注",
        "robust_z",
        "a.xlsx",
        "表1",
        "7",
        "完成数",
        "偏离中位数 60%",
    ]


def test_a_countys_report_names_the_rules_in_its_own_words(monkeypatch):
    """A county over its towns reads 全区合计 and 镇办齐全, not the city's 全市合计 and 县区齐全
    (a clerk's finding); qa_log.csv keeps the rule's identifier."""
    towns = TierWording(top="全区", members="镇（办）", members_short="镇办", member="镇")
    monkeypatch.setattr(quality, "tier_words", lambda: towns)
    log = QA.assign(rule=[Rule.CITY_TOTAL, Rule.COUNTIES_PRESENT, Rule.CITY_TOTAL, "robust_z"])
    assert set(rule_counts(log)["规则"]) == {"全区合计", "镇办齐全", "robust_z"}
    assert problems(log)["规则"].tolist() == ["全区合计"]
    assert TierWording().rule_name(Rule.CITY_TOTAL) == "全市合计"  # the city's own run


def test_the_backtest_figures_are_printed_as_the_appendix_words_them(tmp_path):
    assert backtest_summary(tmp_path / "none.json") is None  # make backtest never ran
    path = tmp_path / "summary.json"
    path.write_text(
        json.dumps(
            {
                "run_on": "2026-11-27",
                "m3": {
                    "series": 317,
                    "cover80_ours": 0.9027,
                    "cover80_theta": 0.6199,
                    "sMAPE_ours": 23.1616,
                    "sMAPE_theta": 23.0095,
                    "sMAPE_naive": 23.9184,
                },
                "city": {"n": 105, "cover80_ours": 0.78095},
                "sample": {
                    "cover80_ours": 0.81731,
                    "brier_ours": 0.179446,
                    "brier_persistence": 0.213622,
                    "brier_climatology": 0.237765,
                },
            }
        )
    )
    figures = backtest_summary(path)
    assert figures["m3_series"] == "317" and figures["m3_cover80_ours"] == "90.3%"
    assert figures["m3_smape_ours"] == "23.16" and figures["m3_smape_naive"] == "23.92"
    assert figures["city_cover80_ours"] == "78.1%" and figures["city_n"] == "105"
    assert (
        figures["sample_brier_ours"] == "0.179" and figures["sample_brier_climatology"] == "0.238"
    )


def test_the_plans_last_year_drops_the_forecasts_terms():
    every, final = analyst_terms(final=False), analyst_terms(final=True)
    assert {t.name for t in final} == {"中位数", "稳健z"} < {t.name for t in every}


def test_the_sources_table_lists_each_raw_file_once_by_year():
    tidy = pd.DataFrame(
        {
            "source_file": ["2024/汉滨区.xlsx", "2023/汉滨区.xlsx", "2024/汉滨区.xlsx"],
            "year": [2024, 2023, 2024],
        }
    )
    table = sources_table(tidy)
    lines = [line for line in table.splitlines() if line.startswith("| 20")]
    assert len(lines) == 2 and lines[0].startswith("| 2023 |") and "2024" in lines[1]
