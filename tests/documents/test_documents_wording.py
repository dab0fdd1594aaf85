"""What a clerk reading the documents would contest: ties named as ties, a letter with nothing to
rectify asks for nothing, a 表扬通报 with nobody commended says so, a 预警提醒 reaches its county."""

from __future__ import annotations

import dataclasses

from pipeline.annual.scoring import Suggestion
from pipeline.config.assessment_rules import load_rules
from pipeline.documents import content
from pipeline.documents.settings import load_documents_config


def test_counties_tied_in_the_top_places_are_named_as_tied(inputs):
    """Four counties tied at 第1名: the 领导摘要 names all four as tied, not the first three."""
    scores = inputs.scores.sort_values("rank").reset_index(drop=True)
    scores.loc[:3, "rank"] = 1
    scores.loc[:3, "score"] = 100.0
    scores.loc[4:, "rank"] = range(5, len(scores) + 1)
    summary = content.leader_summary(dataclasses.replace(inputs, scores=scores), load_rules())
    tied = "、".join(f"{r}（100.00分）" for r in scores["region"][:4])
    assert f"前三名：并列第1名的4个：{tied}；后三名：" in summary.replace("\\", "")
    distinct = inputs.scores.sort_values("rank").reset_index(drop=True)
    distinct["rank"] = range(1, len(distinct) + 1)
    untied = content.leader_summary(dataclasses.replace(inputs, scores=distinct), load_rules())
    assert "并列" not in untied.split("后三名")[0]


def test_counties_sharing_the_largest_change_are_all_named(inputs):
    funds = inputs.funds.copy()
    top = funds["change"].max()
    second = funds["change"].sort_values().index[-2]
    funds.loc[second, "change"] = top
    summary = content.leader_summary(dataclasses.replace(inputs, funds=funds), load_rules())
    assert "增加最多的2个：" in summary
    assert "增加最多的2个" not in content.leader_summary(inputs, load_rules())


def test_a_letter_with_nothing_to_rectify_asks_for_nothing(inputs):
    scores = inputs.scores.copy()
    code = scores["region_code"].iloc[0]
    scores.loc[scores.index[0], ["deductions", "review_notes"]] = ""
    facts = inputs.facts.copy()
    facts.loc[facts["region_code"] == code, "questioned"] = False
    clean = dataclasses.replace(inputs, scores=scores, facts=facts)
    letter = content.county_letter(clean, code, load_documents_config(), load_rules())
    assert "未发现扣分事项" in letter and "无须报送整改情况" in letter
    assert "请针对上述问题" not in letter and "□□□□年□□月□□日前" not in letter


def test_a_commendation_notice_with_nobody_commended_says_so(inputs):
    config = load_documents_config()
    none = content.commendation_notice(dataclasses.replace(inputs, commendations=()), [], config)
    assert "不予通报表扬" in none and "决定对以下先进单位" not in none
    assert "希望受到表扬的单位" not in none
    first = inputs.scores["region_code"].iloc[0]
    some = dataclasses.replace(inputs, commendations=(Suggestion(first, "某县", ("优秀",)),))
    assert "决定对以下先进单位" in content.commendation_notice(some, [], config)


def test_a_warning_reaches_the_county_in_its_letter_and_is_said_to_decide_nothing(inputs):
    code = inputs.scores["region_code"].iloc[0]
    others = tuple(w for w in inputs.warnings if w.region_code != code)
    reason = "（预测）城镇新增就业：期末预测低于五年目标"
    warned = dataclasses.replace(inputs, warnings=(*others, Suggestion(code, "某县", (reason,))))
    config, rules = load_documents_config(), load_rules()
    letter = content.county_letter(warned, code, config, rules)
    assert "预警提醒（依据预测，不计入得分，不作为约谈依据）" in letter
    # the sample's county split of the plan targets is an estimate (config/targets.yaml), and says so
    assert "规划目标为测算数，尚未正式下达，只作参考" in letter
    assert "城镇新增就业：期末预测低于五年目标。" in letter and "（预测）" not in letter
    quiet = dataclasses.replace(inputs, warnings=others)
    assert "预警提醒" not in content.county_letter(quiet, code, config, rules)
