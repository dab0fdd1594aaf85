"""附录二　计算方法与技术说明: how the year's tasks, the score, the funds, the progress check and
the forecast are computed, the last backtest's key figures, the glossary of the analysts' terms
the appendices use (the chapters officials read avoid them) and the limitations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline import PROJECT_ROOT
from pipeline.annual.method import scoring_method
from pipeline.config.assessment_rules import load_rules
from pipeline.config.regions import counties
from pipeline.config.schema import load_targets_config
from pipeline.config.units import published_processed
from pipeline.forecast import engine
from pipeline.intake.validate import ROBUST_Z_LIMIT, ROBUST_Z_MATERIALITY
from pipeline.plan_targets.assess import calibration_first_origin
from pipeline.report.chapters.suggestions import funds_rule
from pipeline.report.formatting import pct
from pipeline.report.inputs import ReportInputs
from pipeline.store.catalog import CALIBRATION_SCALES_FILE, MODEL_WEIGHTS_FILE

BACKTEST_SUMMARY = PROJECT_ROOT / "docs" / "backtest" / "summary.json"  # from `make backtest`


@dataclass(frozen=True)
class Term:
    """An analyst's term: only the methods appendix (附录二) uses it, and defines it there in plain
    words; the chapters officials read say ``plain`` instead (or nothing)."""

    name: str
    definition: str
    forecast: bool = True  # a term of the forecast, whose method the plan's last year no longer has


def analyst_terms(final: bool) -> tuple[Term, ...]:
    """The terms the appendices use, each with its plain definition (the report's glossary)."""
    terms = (
        Term(
            "中位数",
            "一组数从小到大排列后居中的那个值：高于它与低于它的各占一半。"
            "预测中指模拟出的全部可能的期末结果的中位数，即报告正文中的“期末预测”和图中的“预测”虚线。",
            forecast=False,
        ),
        Term(
            "80%预测区间",
            "模拟结果的第10至第90百分位之间的范围，报告正文称“预测范围（八成把握）”："
            "按设计，十次中约有八次实际结果落在此范围内（回测中的实际比例见上）。",
        ),
        Term(
            "依据年数",
            "预测所依据的该指标历年数据的年数，报告正文写作“据几年数据”；"
            "年数越少，概率越容易随新一年的数据变动。",
        ),
        Term(
            "模拟路径",
            "按历年数据的变化规律随机生成的一种今后逐年可能的走势；"
            "达标概率就是全部模拟路径中达到目标的所占比例。",
        ),
        Term(
            "回测",
            "站在过去某一年，只用当时已有的数据做预测，再与后来的实际结果比较，用来检验和校准预测方法。",
        ),
        Term("M3", "国际预测竞赛 M3 公开的真实经济序列（其中年度序列用于检验本方法）。"),
        Term(
            "sMAPE",
            "对称平均绝对百分比误差：预测与实际之差占两者平均值的百分比，取平均；越小越准。",
        ),
        Term(
            "Brier分数",
            "检验概率预测的分数：(预测的概率 − 实际是否发生（是为1，否为0）)² 的平均；"
            "0为完全准确，越低越好。",
        ),
        Term(
            "稳健z",
            "数据质量检查用的稳健 z 值 = 0.6745 × (本年数值 − 该地区其他年份的中位数) ÷ "
            "其他年份偏离中位数的典型幅度（中位数绝对偏差）；"
            f"绝对值大于{ROBUST_Z_LIMIT:g}且偏离中位数{ROBUST_Z_MATERIALITY:.0%}以上时提示核实（附录一），"
            "不改动数据。",
            forecast=False,
        ),
    )
    return tuple(term for term in terms if not (final and term.forecast))


def backtest_summary(path: Path = BACKTEST_SUMMARY) -> dict | None:
    """The key figures of the last ``make backtest``, as the appendix prints them (None if it
    never ran)."""
    if not path.exists():
        return None
    figures = json.loads(path.read_text(encoding="utf-8"))
    m3, city, sample = figures["m3"], figures["city"], figures["sample"]
    return {
        "run_on": figures["run_on"],
        "m3_series": str(m3["series"]),
        "m3_cover80_ours": pct(m3["cover80_ours"]),
        "m3_cover80_theta": pct(m3["cover80_theta"]),
        "m3_smape_ours": f"{m3['sMAPE_ours']:.2f}",
        "m3_smape_theta": f"{m3['sMAPE_theta']:.2f}",
        "m3_smape_naive": f"{m3['sMAPE_naive']:.2f}",
        "city_cover80_ours": pct(city["cover80_ours"]),
        "city_n": str(city["n"]),
        "sample_cover80_ours": pct(sample["cover80_ours"]),
        "sample_brier_ours": f"{sample['brier_ours']:.3f}",
        "sample_brier_persistence": f"{sample['brier_persistence']:.3f}",
        "sample_brier_climatology": f"{sample['brier_climatology']:.3f}",
    }


def context(inputs: ReportInputs) -> dict:
    """The appendix's template entries (``templates/chapters/methods.qmd.j2``)."""
    rules, forecast = load_rules(), load_targets_config().forecast
    processed = published_processed(inputs.year)
    actual_years = inputs.tidy.loc[inputs.tidy["measure"] == "actual", "year"]
    return {
        "scoring_method": scoring_method(rules, len(counties())),
        "funds": funds_rule(rules.funds),
        "full_min": str(engine.FULL_MODEL_MIN_POINTS),
        "trend_min": str(engine.TREND_MIN_POINTS),
        "trend_max": str(engine.FULL_MODEL_MIN_POINTS - 1),
        "n_paths": str(forecast.n_paths),
        "seed": str(forecast.seed),
        "first_origin": str(calibration_first_origin(actual_years)),
        "calibration_file": f"{processed}/{CALIBRATION_SCALES_FILE}",
        "weights_file": MODEL_WEIGHTS_FILE,
        "backtest": backtest_summary(),
        "max_years": str(inputs.tidy["year"].nunique()),
        "glossary": "\n".join(
            f"  - **{t.name}**：{t.definition}" for t in analyst_terms(inputs.final)
        ),
    }
