"""The documents in the tier's own words: a county's documents to its 镇(办) say 各镇（办）, 区就业工作
领导小组, 区级就业补助资金 and address each town's government, never the city's 县（市、区）."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.config.assessment_rules import load_rules
from pipeline.config.schema import TierWording, load_regions_config
from pipeline.config.units import materialise
from pipeline.documents import content
from pipeline.documents.content import Contact
from pipeline.documents.settings import load_documents_config

CITY_WORDS = (
    "县（市、区）",
    "县区",
    "市就业工作领导小组",
    "市级就业补助资金",
    "市人社局",
    "市财政局",
)


@pytest.fixture(scope="module")
def hanbin_config(tmp_path_factory):
    return materialise("610902", tmp_path_factory.mktemp("unit") / "config")


@pytest.fixture(scope="module")
def town_documents(inputs, hanbin_config):
    """Every document's Markdown, with 汉滨区's words and documents config, and the regions
    renamed to towns (a 镇 and a 街道 among the suggested), from the shared run's results."""
    tier = load_regions_config(hanbin_config).tier
    towns = [t.name for t in load_regions_config(hanbin_config).counties]
    names = dict(zip(sorted(inputs.scores["region_code"]), towns, strict=False))
    first = inputs.interviews[0].region_code
    names[first] = "老城街道"

    def renamed(frame):
        frame = frame.copy()
        frame["region"] = frame["region_code"].map(names)
        return frame

    towns_inputs = dataclasses.replace(
        inputs,
        tier=tier,
        scores=renamed(inputs.scores),
        funds=renamed(inputs.funds),
        facts=renamed(inputs.facts),
        interviews=tuple(
            dataclasses.replace(s, region=names[s.region_code]) for s in inputs.interviews
        ),
        commendations=tuple(
            dataclasses.replace(s, region=names[s.region_code]) for s in inputs.commendations
        ),
    )
    config, rules = load_documents_config(hanbin_config), load_rules()
    return {
        "notice": content.notice(towns_inputs, config, rules),
        "letter": content.county_letter(towns_inputs, first, config, rules),
        "interview": content.interview_notice(towns_inputs, first, Contact(), config),
        "commendation": content.commendation_notice(towns_inputs, [], config),
        "summary": content.leader_summary(towns_inputs, rules),
    }


def test_a_countys_documents_to_its_towns_use_the_tiers_words(town_documents):
    for name, markdown in town_documents.items():
        for word in CITY_WORDS:
            assert word not in markdown, (name, word)
    notice = town_documents["notice"]
    assert "各镇（办）" in notice and "区就业工作领导小组对各镇（办）" in notice
    assert "区级就业补助资金" in notice and "各镇人民政府、街道办事处" in notice
    assert "汉滨区人力资源和社会保障局" in notice
    letter = town_documents["letter"]
    assert "老城街道办事处：" in letter and "个镇（办）中排名第" in letter
    interview = town_documents["interview"]
    assert "老城街道办事处主要负责人□□□同志" in interview
    assert "老城街道人力资源和社会保障服务站主要负责人" in interview


def test_the_citys_documents_keep_the_citys_words(inputs):
    """The default words are the city's: 县（市、区）, 市就业工作领导小组, 市级就业补助资金, 汉滨区人民政府."""
    config, rules = load_documents_config(), load_rules()
    notice = content.notice(inputs, config, rules)
    assert "市就业工作领导小组对各县（市、区）" in notice and "市级就业补助资金" in notice
    code = inputs.interviews[0].region_code
    region = inputs.interviews[0].region
    interview = content.interview_notice(inputs, code, Contact(), config)
    assert f"{region}人民政府主要负责人" in interview
    assert f"{region}人力资源和社会保障局主要负责人" in interview


@pytest.mark.parametrize(
    ("name", "government"),
    [("汉滨区", "汉滨区人民政府"), ("关庙镇", "关庙镇人民政府"), ("老城街道", "老城街道办事处"),
     ("旬阳市", "旬阳市人民政府")],
)  # fmt: skip
def test_each_region_is_addressed_as_its_government(name, government):
    assert TierWording.government_of(name) == government


def test_the_tiers_level_names_its_leading_group_and_fund():
    assert (
        TierWording().leading_group == "市就业工作领导小组"
        and TierWording().fund == "市级就业补助资金"
    )
    county = TierWording(top="全县")
    assert county.leading_group == "县就业工作领导小组" and county.fund == "县级就业补助资金"


def test_a_letter_says_why_a_grade_differs_from_what_the_score_suggests(inputs):
    """A county whose grade the quota or a tie decided reads the scorer's note in its 告知书; a
    county without a note reads none."""
    config, rules = load_documents_config(), load_rules()
    scores = inputs.scores.copy()
    scores["grade_note"] = ""
    first, second = scores["region_code"].iloc[0], scores["region_code"].iloc[1]
    scores.loc[scores.index[0], "grade_note"] = "并列者同等对待，均定为良好"
    noted = dataclasses.replace(inputs, scores=scores)
    assert "等次说明：并列者同等对待，均定为良好。" in content.county_letter(
        noted, first, config, rules
    )
    assert "等次说明" not in content.county_letter(noted, second, config, rules)
