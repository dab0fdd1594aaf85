"""二、年度任务完成情况 (pipeline/report/chapters/tasks.py) and 三、常务会议 (meetings.py): the
tables, from small frames of the 考核 stage's annual facts."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd

from pipeline.annual.facts import TASK_FROM_PLAN
from pipeline.report.chapters.meetings import MEETINGS, meetings_table
from pipeline.report.chapters.tasks import flow_table, limit_table


def test_a_flow_row_reads_task_done_rate_change_and_plan_progress():
    annual = pd.DataFrame(
        {
            "indicator": ["urban_jobs", "urban_jobs"],
            "region": ["紫阳县", "岚皋县"],
            "task": [2180.0, 1000.0],
            "task_source": ["report", TASK_FROM_PLAN],
            "done": [1948.0, math.nan],
            "questioned": [True, False],
            "change": [-52.0, math.nan],
            "plan_done": [7800.0, 3000.0],
            "plan_share": [0.65, 0.5],
            "time_progress_gap": [-0.15, -0.3],
            "met": [False, False],
        }
    )
    table = flow_table(annual, "urban_jobs")
    assert list(table.iloc[0]) == [
        "紫阳县", "2,180", "1,948（待核实）", "89.3%", "−52", "7,800", "65.0%", "−15.0个百分点", "未完成",
    ]  # fmt: skip
    # a task from the plan's yearly average is starred; no 完成数 is 未报送, never 0
    assert table.iloc[1]["年目标任务"] == "1,000*" and table.iloc[1]["完成数"] == "未报送"
    assert table.iloc[1]["同比（人）"] == "—"


def test_a_limit_row_reads_value_requirement_margin_and_years_missed():
    annual = pd.DataFrame(
        {
            "indicator": ["surveyed_unemployment_rate"] * 2,
            "region": ["汉滨区", "石泉县"],
            "unit": ["%"] * 2,
            "kind": ["ceiling_each_year"] * 2,
            "done": [4.1, math.nan],
            "limit": [5.5, 5.5],
            "margin": [-1.4, math.nan],
            "change": [0.25, math.nan],
            "met": [True, False],
            "reported": [True, False],
            "years_missed": ["", ""],
            "years_unreported": ["", "2024"],
        }
    )
    table = limit_table(annual, "surveyed_unemployment_rate")
    first, second = table.iloc[0], table.iloc[1]
    assert first["本年数值"] == "4.10%"  # with the indicator's two decimals, as 3.61% beside it
    assert first["要求"] == "不高于5.5%" and first["与要求相差"] == "−1.40个百分点"
    assert first["同比"] == "+0.25个百分点" and first["本年是否达标"] == "达标"
    assert second["本年数值"] == "未报送" and second["本年是否达标"] == "未报送"
    assert second["规划期内未达标年份"] == "无（2024年无数据）"


def test_meetings_are_facts_and_name_the_governments_short_of_two():
    annual = pd.DataFrame(
        {
            "indicator": [MEETINGS] * 3,
            "region": ["安康市", "汉阴县", "宁陕县"],
            "done": [4.0, 1.0, math.nan],
            "limit": [2.0, 2.0, 2.0],
            "met": [True, False, False],
            "reported": [True, True, False],
            "wording": ["召开4次", "召开1次，少于要求", "未报送"],
            "years_missed": ["", "2024", ""],
            "years_unreported": ["", "", "2024"],
        }
    )
    table, short = meetings_table(SimpleNamespace(annual=annual))
    assert list(table["本年召开次数"]) == ["4", "1", "未报送"]
    assert list(table["要求"]) == ["每年不少于2次"] * 3
    assert list(table["本年"]) == ["达标", "少于要求", "未报送"]
    assert short == ["汉阴县（召开1次，少于要求）"]  # not reported is not "short"


def test_a_section_whose_table_is_longer_than_a_page_starts_a_page():
    """A table of more than PAGE_ROWS rows (200 regions) starts its section on a new page, so that
    it reads from its heading and the fallback can print it apart; 11 regions' tables never do."""
    from pipeline.report import markup

    assert not markup.starts_page(11) and not markup.starts_page(markup.PAGE_ROWS)
    assert markup.starts_page(markup.PAGE_ROWS + 1)
    page_break = "\n::: {.page-break}\n:::\n"

    def section(number: int, new_page: bool) -> dict:
        return {"number": number, "name": f"指标{number}", "article": "第七条",
                "table": f"表{number}", "new_page": new_page}  # fmt: skip

    text = markup.render(
        "chapters/tasks.qmd.j2",
        {
            "year": 2024, "page_break": page_break,
            "tier": SimpleNamespace(members="县（市、区）", top="全市"),
            "plan": SimpleNamespace(start=2021),
            "tasks": {"elapsed_share": "80%", "city_facts": "- 事实",
                      "flows": [section(1, False), section(2, True)], "limits": [section(3, True)]},
        },
    )  # fmt: skip
    assert text.count("::: {.page-break}") == 2
    for number, breaks in ((1, False), (2, True), (3, True)):
        before = text[: text.index(f"### {number}. 指标{number}")].rstrip()
        assert before.endswith(":::") == breaks, number
