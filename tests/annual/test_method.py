"""The printed method is generated from the scorer's rules and cannot drift from the scores."""

from pipeline.annual.method import METHODOLOGY, methodology_with_current_method, scoring_method
from pipeline.config.assessment_rules import load_rules


def test_docs_methodology_carries_the_current_generated_method():
    text = METHODOLOGY.read_text(encoding="utf-8")
    assert text == methodology_with_current_method(text), (
        "运行 python -m pipeline.annual.method 更新"
    )


def test_the_method_states_each_tier_and_its_worked_examples():
    text = scoring_method()
    assert "| 95%（含）至100% | 低5%以内 | 扣该项分值的40% | 15.00 | 6.00 | 3.00 |" in text
    assert "| 90%（含）至95% | 低5%–10% | 扣该项分值的80% | 5.00 | 2.00 | 1.00 |" in text
    assert "| 低于90% | 低10%以上 | 扣该项分值的100% | 0.00 | 0.00 | 0.00 |" in text
    assert (
        "完成627、目标任务660：完成率 = 627 ÷ 660 = 95.00%（低5%以内），25分指标得 15.00 分" in text
    )
    assert "627 ÷ 660 不计入，626 ÷ 660 计入" in text


def test_the_method_follows_the_configured_rule():
    rules = load_rules()
    proportional = rules.model_copy(
        update={"scoring": rules.scoring.model_copy(update={"task_rule": "proportional"})}
    )
    text = scoring_method(proportional)
    assert "分值 × min(完成率, 100%)" in text and "扣该项分值的40%" not in text
    assert "25分指标得 23.75 分" in text  # 627/660 under the proportional rule
    tie = rules.model_copy(
        update={
            "excellent_quota": rules.excellent_quota.model_copy(update={"tie": "include_group"})
        }
    )
    assert "同分县区一并评为优秀" in scoring_method(tie)
