"""一、总体情况: the opening paragraphs generated from the data, the one-row-per-county table of
results, and the notice that the counties' plan targets are an estimate (when they are). The
paragraphs and the table are also the workbook's 摘要 and 考核一览 sheets."""

from __future__ import annotations

import pandas as pd

from pipeline.annual.exact import rate_text, signed
from pipeline.annual.facts import rank_ends
from pipeline.config.assessment_rules import load_rules
from pipeline.config.regions import city, tier_words
from pipeline.config.schema import Plan
from pipeline.plan_targets.assess import STATUSES
from pipeline.plan_targets.verdict import DIFFICULT, FAILED, FINAL_MET, FINAL_MISSED
from pipeline.report import markup
from pipeline.report.chapters import final_term
from pipeline.report.formatting import names, points
from pipeline.report.inputs import ReportInputs

GLANCE_WIDTHS = [2, 3, 2, 2, 3, 3, 4, 2, 8]


def _plan_paragraph(inputs: ReportInputs) -> str:
    """The city's plan targets: the verdict in the plan's last year, the status counts before."""
    plan = inputs.plan
    own = inputs.assessment[inputs.assessment["region_code"] == city().code]
    if inputs.final:
        missed = own[own["status"] == FINAL_MISSED]
        outcome = (
            f"，未完成{len(missed)}项："
            + "；".join(f"{r.indicator_name}（{r.note}）" for r in missed.itertuples())
            if len(missed)
            else "，全部完成"
        )
        return (
            f"{plan.name}规划期（{plan.start}–{plan.end}年）结束：{tier_words().top}{len(own)}项规划目标完成"
            f"{int((own['status'] == FINAL_MET).sum())}项"
            + outcome
            + "。"
            + final_term.summary(inputs.results.plan)
        )
    groups = {status: list(own[own["status"] == status]["indicator_name"]) for status in STATUSES}
    return (
        f"对照{plan.name}规划目标（到{plan.end}年末）："
        + "；".join(
            f"{status}{len(group)}项（{'、'.join(group)}）"
            for status, group in groups.items()
            if group
        )
        + "。状态由达标概率和进度核算共同判定（见附录二）。"
    )


def _scores_paragraph(inputs: ReportInputs) -> str:
    scores = inputs.results.scores
    failing = (
        list(scores[scores["grade"] == scores["grade"].iloc[-1]]["region"])
        if scores["grade"].iloc[-1] == "不达标"
        else []
    )
    text = (
        f"{len(scores)}个{tier_words().members}考核得分"
        f"{scores['score'].min():.2f}–{scores['score'].max():.2f}分。"
        f"居前的是{rank_ends(scores, first=True)}；居后的是{rank_ends(scores, first=False)}。"
    )
    grades = scores["grade"].value_counts()
    text += (
        "等次："
        + "，".join(f"{g.name}{int(grades.get(g.name, 0))}个" for g in load_rules().grades)
        + "。"
    )
    if failing:
        text += f"{names(failing)}等次为不达标。"
    return text


def _change_paragraph(inputs: ReportInputs, flows: pd.DataFrame) -> str:
    """What changed since last year: the city's 完成率, the largest rise and fall of a score."""
    results, year = inputs.results, inputs.year
    scores = results.scores
    change = (
        scores.set_index("region")["score"] - results.previous_scores.set_index("region")["score"]
    )
    up, down = change.idxmax(), change.idxmin()
    prev = results.previous_annual
    city_prev = prev[
        (prev["region_code"] == city().code) & (prev["kind"] == "cumulative")
    ].set_index("indicator")
    moves = [
        f"{r.short_name}完成率由"
        f"{rate_text(city_prev.loc[r.indicator, 'done'], city_prev.loc[r.indicator, 'task'])}"
        f"变为{rate_text(r.done, r.task)}"
        for r in flows.itertuples()
        if r.indicator in city_prev.index
    ]
    rise = (
        f"得分上升最多的是{up}（{signed(change[up], '.2f')}分）"
        if change[up] > 0
        else f"没有{tier_words().members_short}得分上升"
    )
    fall = (
        f"下降最多的是{down}（{signed(change[down], '.2f')}分）"
        if change[down] < 0
        else f"没有{tier_words().members_short}得分下降"
    )
    return (
        f"与{year - 1}年相比：{tier_words().top}"
        + "，".join(moves)
        + f"；{tier_words().members_short}{rise}，{fall}。"
    )


def executive_summary(inputs: ReportInputs) -> str:
    """The opening paragraphs, generated from the data: the city's year, the plan targets, who
    leads and lags, what changed since last year, and the suggestions."""
    results = inputs.results
    facts = results.annual[results.annual["region_code"] == city().code]
    flows = facts[facts["kind"] == "cumulative"]
    limits = facts[facts["kind"] != "cumulative"]
    paragraphs = [
        f"{inputs.year}年，{tier_words().top}{len(flows)}项年度任务完成{int(flows['met'].sum())}项，"
        f"{len(limits)}项逐年控制指标达标{int(limits['met'].sum())}项。"
        + "；".join(f"{r.short_name}{r.wording}" for r in facts.itertuples())
        + "。",
        _plan_paragraph(inputs),
        _scores_paragraph(inputs),
    ]
    if results.previous_scores is not None:
        paragraphs.append(_change_paragraph(inputs, flows))
    paragraphs.append(
        f"据此建议（供{tier_words().government}决定）：约谈{len(results.interviews)}个{tier_words().members}"
        f"（{names([s.region for s in results.interviews])}），通报表扬{len(results.commendations)}个"
        f"（{names([s.region for s in results.commendations])}）；次年就业资金按得分增减（见第五节）。"
    )
    return "\n\n".join(paragraphs)


def _plan_cell(own: pd.DataFrame, final: bool) -> str:
    """A county's plan targets in the glance table: 完成 m/n, or the ones at risk."""
    if final:
        return f"完成{int((own['status'] == FINAL_MET).sum())}/{len(own)}"
    at_risk = (
        ("难以完成", int((own["status"] == DIFFICULT).sum())),
        ("已无法完成", int((own["status"] == FAILED).sum())),
    )
    return "，".join(f"{label}{count}项" for label, count in at_risk if count) or "—"


def glance_table(inputs: ReportInputs) -> pd.DataFrame:
    """One row per county: score, grade, rank, the year's tasks and limits, the plan targets."""
    results = inputs.results
    suggested = (
        ("约谈", {s.region_code for s in results.interviews}),
        ("表扬", {s.region_code for s in results.commendations}),
        ("预警提醒", {s.region_code for s in results.warnings}),
    )
    rows = []
    notes = {c: results.commendation_note(c) for c in results.scores["region_code"]}
    for county in results.scores.itertuples():
        facts = results.annual[results.annual["region_code"] == county.region_code]
        flows = facts[facts["kind"] == "cumulative"]
        limits = facts[facts["kind"] != "cumulative"]
        own = inputs.assessment[inputs.assessment["region_code"] == county.region_code]
        labels = [label for label, codes in suggested if county.region_code in codes]
        rows.append(
            {
                "排名": county.rank,
                "地区": county.region,
                "得分": county.score,
                "等次": county.grade,
                "年度任务完成": f"{int(flows['met'].sum())}/{len(flows)}",
                "逐年指标达标": f"{int(limits['met'].sum())}/{len(limits)}",
                "规划目标" + ("（最终）" if inputs.final else "（预测）"): _plan_cell(
                    own, inputs.final
                ),
                "建议": "、".join(labels) or "—",
                "等次与表扬说明": notes[county.region_code] or "—",
            }
        )
    return pd.DataFrame(rows)


def allocation_rule_text(plan: Plan) -> str:
    """The plan's allocation rule in Chinese (config/targets.yaml adds an English gloss after
    'Share of'), without its closing 。."""
    return plan.allocation_rule.split("Share of")[0].strip().rstrip("。")


def allocation_callout(plan: Plan, final: bool) -> str:
    """The notice that the counties' plan targets are the pipeline's estimate ('' once issued)."""
    if plan.allocation_status == "issued":
        return ""
    w = tier_words()
    return markup.callout(
        "important",
        f"{w.members_short}五年目标为测算数，不是下达的分解任务",
        f"{w.allocation_intro}本报告中各{w.members}{plan.name}累计目标（城镇新增就业、"
        f"农民就地就近转移就业、返乡入乡创业就业）是本流水线{w.allocation_method}测算的分解数，"
        f"不是{w.government}或{w.bureau}正式下达的分解任务，报告中依据它的"
        + ("规划期结果" if final else "累计进度和预测")
        + "只作参考。"
        # the rule as a sentence of its own: it has parentheses and sentences of its own
        f"测算方法：{markup.text(allocation_rule_text(plan))}。"
        "收到正式分解文件后，由分析人员录入（操作见项目文档 docs/targets.md），本提示随即不再出现。"
        f"年度任务以各{w.member}报表中的“目标任务”列为准。",
    )


def context(inputs: ReportInputs, summary: str, glance: pd.DataFrame) -> dict:
    """The chapter's template entries (``templates/chapters/summary.qmd.j2``)."""
    return {
        "text": markup.text_paragraphs(summary),
        "glance_table": markup.table(
            glance.assign(得分=[points(v) for v in glance["得分"]]),
            label="tbl-glance",
            caption=f"{inputs.year}年各{tier_words().members}考核结果一览",
            widths=GLANCE_WIDTHS,
        ),
        "allocation_callout": allocation_callout(inputs.plan, inputs.final),
    }
