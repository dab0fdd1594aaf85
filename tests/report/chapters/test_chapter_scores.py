"""四、考核得分与排名 (pipeline/report/chapters/scores.py) and 五、建议 (suggestions.py): the grade
lines, the score and fund tables, from small frames."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from pipeline.config.assessment_rules import Funds, Grade
from pipeline.report.chapters.scores import grade_lines, review_section, reviewed, scores_table
from pipeline.report.chapters.suggestions import funds_rule, funds_table

SCORES = pd.DataFrame(
    {
        "rank": [1, 2],
        "region": ["平利县", "宁陕县"],
        "region_code": ["610926", "610923"],
        "score": [95.5, 58.25],
        "tie_break": [1.02, 0.875],
        "grade": ["优秀", "不达标"],
        "deductions": ["", "城镇新增就业完成率87.5%，扣5分"],
        "review_notes": ["", ""],
        "review_points": [0.0, 0.0],
        "computed_score": [95.5, 58.25],
    }
)


def test_grade_lines_word_each_line_and_the_last_below_the_one_before():
    grades = [
        Grade(name="优秀", min_score=90),
        Grade(name="良好", min_score=80.0),
        Grade(name="不达标", min_score=0),
    ]
    assert grade_lines(grades) == "优秀（90分及以上）、良好（80分及以上）、不达标（低于80分）"


def test_the_score_table_shows_the_change_from_last_year_and_no_review_column_without_one():
    previous = SCORES.assign(score=[96.0, 50.0])
    table = scores_table(SimpleNamespace(scores=SCORES, previous_scores=previous))
    assert list(table.columns) == [
        "排名", "地区", "得分", "比上年", "任务平均完成率（仅供参考）", "等次", "扣分情况",
    ]  # fmt: skip
    assert list(table["得分"]) == ["95.50", "58.25"]
    assert list(table["比上年"]) == ["−0.50", "+8.25"]
    assert list(table["任务平均完成率（仅供参考）"]) == ["102.0%", "87.5%"]
    assert list(table["扣分情况"]) == ["无扣分", "城镇新增就业完成率87.5%，扣5分"]
    first_year = scores_table(SimpleNamespace(scores=SCORES, previous_scores=None))
    assert list(first_year["比上年"]) == ["—", "—"]


def test_a_review_adds_its_column_and_its_section():
    scores = SCORES.assign(
        review_notes=["", "督查发现台账不实（安人社发〔2025〕1号）"],
        review_points=[0.0, -2.0],
        score=[95.5, 56.25],
    )
    results = SimpleNamespace(scores=scores, previous_scores=None, changes=[])
    assert reviewed(results) and not reviewed(SimpleNamespace(scores=SCORES))
    table = scores_table(results)
    assert list(table["其中考评组复核"]) == ["—", "−2.00"]
    section = review_section(results)
    assert "按年度任务计分58.25分，考评组复核−2.00分，得分56.25分。" in section
    assert section.endswith("复核没有改变任何得分、名次、等次、建议或资金。")
    assert review_section(SimpleNamespace(scores=SCORES)) == ""


def test_the_fund_table_and_rule_read_as_the_report_prints_them():
    funds = pd.DataFrame(
        {
            "rank": [1],
            "region": ["平利县"],
            "score": [95.5],
            "base": [1234.5],
            "change": [-12.5],
            "change_share": [-0.01],
            "next_year": [1222.0],
        }
    )
    row = funds_table(SimpleNamespace(funds=funds)).iloc[0]
    assert list(row) == [1, "平利县", "95.50", "1,234.50", "−12.50", "−1.0%", "1,222.00"]
    rule = Funds(
        percent_per_point=0.5,
        max_change_share=0.2,
        base_allocations_status="sample",
        sample_notional_total=10000.0,
    )
    assert funds_rule(rule) == {
        "percent_per_point": "0.5",
        "max_change": "20",
        "sample_notional_total": "10000",
    }
