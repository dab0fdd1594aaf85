"""Each county's 考核 explained, for the executed 40_assessment notebook (the audit record): the
year's tasks against 完成数 (or the value against its limit), each indicator's points, deduction
and formula (``score_items.csv``), the score, rank and grade, the 约谈/表扬 reasons and the fund
change — and in the plan's last year its five-year result. Presented from the 考核 stage's
:class:`pipeline.annual.results.YearResults`, never computed here.

The block is HTML with every text escaped (``html.escape``): a notebook's Markdown would read the
report's backslash escapes ``\\(`` as the start of a formula (MathJax), and text from a submission or
the review must stay text."""

from __future__ import annotations

from html import escape

from pipeline.annual.exact import percent_floor, ratio, signed
from pipeline.annual.facts import number, reported_value
from pipeline.annual.results import YearResults
from pipeline.config.indicators import indicator
from pipeline.plan_targets.verdict import bound_word

ITEM_HEADERS = (
    "指标",
    "目标任务/要求",
    "完成数/本年数值",
    "完成率",
    "分值",
    "得分",
    "扣分",
    "计算",
)


def _row(cells: list[str], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{escape(c)}</{tag}>" for c in cells) + "</tr>"


def items_table(results: YearResults, region_code: str) -> str:
    """A county's scored indicators as a table, with the points adding up to the score before
    the review (the 合计 row)."""
    facts = results.annual[results.annual["region_code"] == region_code].set_index("indicator")
    items = results.score_items[results.score_items["region_code"] == region_code]
    lines = ["<table>", _row(list(ITEM_HEADERS), "th")]
    for item in items.itertuples():
        fact = facts.loc[item.indicator]
        if fact["kind"] == "cumulative":
            task = number(fact["task"], fact["unit"])
            reported = fact["reported"] and fact["task"] > 0
            rate = percent_floor(ratio(fact["done"], fact["task"])) if reported else "—"
        else:
            task, rate = bound_word(fact["kind"]) + number(fact["limit"], fact["unit"]), "—"
        done = (
            reported_value(fact["done"], indicator(item.indicator))
            if fact["reported"]
            else "未报送"
        )
        lines.append(
            _row(
                [
                    item.short_name,
                    task,
                    done,
                    rate,
                    f"{item.weight:g}",
                    f"{item.points:.2f}",
                    item.deduction or "—",
                    item.formula,
                ]
            )
        )
    total = items["weight"].sum()
    lines.append(_row(["合计", "", "", "", f"{total:g}", f"{items['points'].sum():.2f}", "", ""]))
    return "\n".join([*lines, "</table>"])


def _suggestion_lines(results: YearResults, region_code: str) -> list[str]:
    labels = (
        "建议约谈",
        "建议通报表扬",
        "预警提醒（不作为约谈依据）",
        "因县区目标为测算数而未适用的规则",
    )
    lines = []
    for label, items in zip(labels, results.suggestion_lists(), strict=True):
        for s in items:
            if s.region_code == region_code:
                parts = [*s.reasons, *(f"历史情况：{h}" for h in s.history)]
                lines.append(f"<b>{label}</b>：" + escape("；".join(parts)))
    interviewed = {s.region_code for s in results.interviews}
    commended = {s.region_code for s in results.commendations}
    if region_code not in interviewed:
        lines.append("不建议约谈：本年没有触发第二十条约谈规则的事实")
    if region_code not in commended:
        why = results.commendation_note(region_code)
        grade_note = results.scores.set_index("region_code").loc[region_code, "grade_note"]
        lines.append(
            "未建议表扬"
            + ("（见等次说明）" if why and why == grade_note else f"：{escape(why)}" if why else "")
        )
    return lines


def county_assessment(results: YearResults, region_code: str) -> str:
    """One county's 考核 as HTML: headline, indicator table, review, suggestions, funds."""
    score = results.scores.set_index("region_code").loc[region_code]
    fund = results.funds.set_index("region_code").loc[region_code]
    n = len(results.scores)
    parts = [
        f"<h3>{escape(score['region'])}：{score['score']:.2f}分，第{score['rank']}名（共{n}个县区），"
        f"等次：{escape(score['grade'])}</h3>",
        items_table(results, region_code),
    ]
    notes = []
    if score["review_notes"]:
        notes.append(
            f"按年度任务计分{score['computed_score']:.2f}分，考评组复核{signed(score['review_points'], '.2f')}分"
            f"，得分{score['score']:.2f}分：{escape(score['review_notes'])}"
        )
    if score["grade_note"]:
        notes.append(f"等次说明：{escape(score['grade_note'])}")
    notes += _suggestion_lines(results, region_code)
    notes.append(
        f"次年就业资金：基数{fund['base']:,.2f}万元"
        + ("（样例）" if results.funds_are_sample else "")
        + f"，建议{signed(fund['change'], ',.2f')}万元（{signed(fund['change_share'] * 100, '.1f')}%），"
        f"次年{fund['next_year']:,.2f}万元"
    )
    if results.plan is not None:
        five = results.plan.counties.set_index("region_code").loc[region_code]
        verdict = "建议表彰为先进单位" if five["suggested"] else "未建议先进单位"
        notes.append(
            f"{results.plan.plan.name}终期：五年得分{five['score']:.2f}分，第{five['rank']}名，"
            f"五年等次{escape(five['grade'])}；{verdict}：{escape(five['note'])}"
        )
    return "\n".join([*parts, "<ul>", *(f"<li>{n}</li>" for n in notes), "</ul>"])
