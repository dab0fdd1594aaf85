"""The report's content: the Quarto Markdown document built from the processed data of one year.

The report presents what the stages computed — the plan-target table, the forecast paths and the
考核 stage's results (:class:`pipeline.annual.results.YearResults`) — written with the
building blocks of ``pipeline/report/markup.py``; ``pipeline/report/publish.py`` renders the result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from matplotlib import pyplot as plt

from pipeline import PROJECT_ROOT, REFERENCE_DIR
from pipeline.annual.departments import DepartmentResults
from pipeline.annual.departments import read_results as read_departments
from pipeline.annual.exact import exact, percent_text, rate_text, share_text, signed
from pipeline.annual.facts import TASK_FROM_PLAN, number, rank_ends
from pipeline.annual.method import scoring_method
from pipeline.annual.results import YearResults
from pipeline.config.assessment_rules import load_rules
from pipeline.config.indicators import indicator, indicators, plan_for_year
from pipeline.config.regions import all_regions, city, counties, tier_words
from pipeline.config.schema import Plan, load_regions_config, load_targets_config
from pipeline.config.units import published_processed
from pipeline.forecast import engine
from pipeline.intake.validate import ROBUST_Z_LIMIT, ROBUST_Z_MATERIALITY
from pipeline.plan_targets.assess import (
    FINAL_STATUSES,
    STATUSES,
    calibration_first_origin,
    elapsed_years,
)
from pipeline.plan_targets.verdict import (
    DIFFICULT,
    FAILED,
    FINAL_MET,
    FINAL_MISSED,
    NO_DATA,
    bound_word,
)
from pipeline.report import charts, departments, final_term, markup, towns
from pipeline.report.workbook import (
    DECIMAL2,
    INTEGER,
    PERCENT1,
    POINTS,
    TIMES,
    Column,
    Sheet,
    write_workbook,
)
from pipeline.store.catalog import (
    holds_sample,
    load_assessment,
    load_department_qa_log,
    load_forecast_paths,
    load_processed_tidy,
    load_qa_log,
)

QA_STATUS_WORDS = {"PASS": "通过", "WARN": "需关注", "FAIL": "不通过"}
MEETINGS = "exec_meetings_on_employment"  # 第十二条: reported as facts in their own section
# Below this many years of history the report warns that the probabilities rest on thin backtests.
CHINESE_NUMBERS = {
    1: "一",
    2: "两",
    3: "三",
    4: "四",
    5: "五",
    6: "六",
    7: "七",
    8: "八",
    9: "九",
    10: "十",
}
SAMPLE_STATUS = "样例数据，非真实填报，不得用于考核"  # every printed page, figure and map says it


def sample_callout() -> str:
    """The sample notice, in the tier's words (how its sample was built: config/regions.yaml)."""
    w = tier_words()
    return markup.callout(
        "warning",
        "样例数据，非真实填报",
        f"本报告所用的各{w.members}报表是由 `scripts/make_sample_data.py` 按固定随机种子构造的样例数据："
        f"{w.sample_basis}。报告中的完成数、概率和状态**不反映**任何{w.members_short}的"
        f"真实工作情况，不得用于考核。正式使用时须换成各{w.members}报送的报表。",
    )


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
        Term("中位数", "一组数从小到大排列后居中的那个值：高于它与低于它的各占一半。预测中指模拟出的全部可能的期末结果的中位数，"
             "即报告正文中的“期末预测”和图中的“预测”虚线。", forecast=False),
        Term("80%预测区间", "模拟结果的第10至第90百分位之间的范围，报告正文称“预测范围（八成把握）”：按设计，十次中约有八次"
             "实际结果落在此范围内（回测中的实际比例见上）。"),
        Term("依据年数", "预测所依据的该指标历年数据的年数，报告正文写作“据几年数据”；年数越少，概率越容易随新一年的数据变动。"),
        Term("模拟路径", "按历年数据的变化规律随机生成的一种今后逐年可能的走势；达标概率就是全部模拟路径中达到目标的所占比例。"),
        Term("回测", "站在过去某一年，只用当时已有的数据做预测，再与后来的实际结果比较，用来检验和校准预测方法。"),
        Term("M3", "国际预测竞赛 M3 公开的真实经济序列（其中年度序列用于检验本方法）。"),
        Term("sMAPE", "对称平均绝对百分比误差：预测与实际之差占两者平均值的百分比，取平均；越小越准。"),
        Term("Brier分数", "检验概率预测的分数：(预测的概率 − 实际是否发生（是为1，否为0）)² 的平均；0为完全准确，越低越好。"),
        Term("稳健z", f"数据质量检查用的稳健 z 值 = 0.6745 × (本年数值 − 该地区其他年份的中位数) ÷ 其他年份偏离中位数的典型幅度（中位数绝对偏差）；"
             f"绝对值大于{ROBUST_Z_LIMIT:g}且偏离中位数{ROBUST_Z_MATERIALITY:.0%}以上时提示核实（附录一），不改动数据。", forecast=False),
    )  # fmt: skip
    return tuple(term for term in terms if not (final and term.forecast))


KIND_TEXT = {
    "cumulative": "规划期累计目标：{plan}期间累计完成不少于 {target}{unit}。",
    "ceiling_each_year": "逐年控制目标：规划期内每年不高于 {target}{unit}。",
    "floor_each_year": "逐年目标：规划期内每年不低于 {target}{unit}。",
}
_environment = Environment(
    loader=PackageLoader("pipeline.report"), undefined=StrictUndefined, keep_trailing_newline=True
)


def workbook_name(year: int) -> str:
    return f"assessment-{year}.xlsx"


def report_stem(year: int) -> str:
    return f"annual-assessment-{year}"


@dataclass
class ReportInputs:
    year: int
    assessment: pd.DataFrame
    paths: pd.DataFrame
    tidy: pd.DataFrame
    qa_log: pd.DataFrame
    results: YearResults  # the 考核 stage's files: the report presents them, never computes them
    departments: DepartmentResults | None = None  # the departments stage's (None: no task lists)

    @classmethod
    def load(cls, processed_dir: Path, year: int) -> ReportInputs:
        return cls(
            year=year,
            assessment=load_assessment(processed_dir, year),
            paths=load_forecast_paths(processed_dir, year),
            tidy=load_processed_tidy(processed_dir, year),
            # the submissions' log and the departments' task lists' log: one record of the year's data
            qa_log=pd.concat(
                [load_qa_log(processed_dir, year), load_department_qa_log(processed_dir, year)],
                ignore_index=True,
            ),
            results=YearResults.read(processed_dir, year),
            departments=read_departments(processed_dir, year),
        )

    @property
    def is_sample(self) -> bool:
        """True when any value comes from a file carrying the sample note row."""
        return holds_sample(self.tidy)


def _table(
    assessment: pd.DataFrame, drop: list[str], *, label: str, caption: str, final: bool
) -> str:
    """An assessment table for the report, its notes listed under it (a long note in a cell
    would squeeze every other column of a wide table)."""
    table = charts.assessment_table(assessment, final=final)
    if not final:
        table["达标概率"] = [
            f"{p}（据{n}数据）" if n != "—" else p
            for p, n in zip(table["达标概率"], table["数据年数"], strict=True)
        ]
    notes = [
        f"- {markup.text(region)} {markup.text(name)}：{markup.text(note)}"
        for region, name, note in zip(table["地区"], table["指标"], table["说明"], strict=True)
        if note
    ]
    hidden = [*drop, "说明", "数据年数", "时序进度差（百分点）"]
    table = table.drop(columns=[c for c in hidden if c in table.columns])
    rendered = markup.table(table.fillna(""), label=label, caption=caption)
    return rendered + ("\n\n说明：\n\n" + "\n".join(notes) if notes else "")


def _pct(share: float, digits: int = 1) -> str:
    return f"{share * 100:.{digits}f}%" if pd.notna(share) else "—"


def _signed(value: float, unit: str) -> str:
    if pd.isna(value):
        return "—"
    if unit == "%":
        return f"{signed(value, '.2f')}个百分点"
    return f"{signed(value, ',.0f')}{unit}"


def flow_table(annual: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """年度任务 of one flow indicator for every region: task, done, 完成率, 同比, plan progress."""
    rows = annual[annual["indicator"] == indicator_id]
    return pd.DataFrame({
        "地区": rows["region"],
        "年目标任务": [f"{v:,.0f}" + ("*" if s == TASK_FROM_PLAN else "") for v, s in zip(rows["task"], rows["task_source"], strict=True)],
        "完成数": [
            (f"{v:,.0f}" + ("（待核实）" if q else "")) if pd.notna(v) else "未报送"
            for v, q in zip(rows["done"], rows["questioned"], strict=True)
        ],
        "完成率": [rate_text(d, t) for d, t in zip(rows["done"], rows["task"], strict=True)],
        "同比（人）": [_signed(v, "") for v in rows["change"]],
        "规划期累计": [f"{v:,.0f}" for v in rows["plan_done"]],
        "占规划目标": [share_text(v) for v in rows["plan_share"]],
        "时序进度差": [f"{signed(v * 100, '.1f')}个百分点" for v in rows["time_progress_gap"]],
        "年度任务": ["完成" if m else "未完成" for m in rows["met"]],
    })  # fmt: skip


def _years_missed_cells(rows: pd.DataFrame) -> list[str]:
    """'2022年' / '无', with the plan years that have no value named: '无（2022年无数据）'."""
    return [
        (f"{y}年" if y else "无") + (f"（{u}年无数据）" if u else "")
        for y, u in zip(rows["years_missed"], rows["years_unreported"], strict=True)
    ]


def limit_table(annual: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """A yearly limit for every region: the year's value, the limit, the margin, years missed."""
    rows = annual[annual["indicator"] == indicator_id]
    unit, kind = rows["unit"].iloc[0], rows["kind"].iloc[0]
    return pd.DataFrame({
        "地区": list(rows["region"]),
        "本年数值": [number(v, unit) if pd.notna(v) else "未报送" for v in rows["done"]],
        "要求": [bound_word(kind) + number(v, unit) for v in rows["limit"]],
        "与要求相差": [_signed(v, unit) for v in rows["margin"]],
        "同比": [_signed(v, unit) for v in rows["change"]],
        "本年是否达标": ["达标" if m else ("未报送" if not r else "未达标") for m, r in zip(rows["met"], rows["reported"], strict=True)],
        "规划期内未达标年份": _years_missed_cells(rows),
    })  # fmt: skip


def _names(regions: list[str]) -> str:
    return "、".join(regions) if regions else "无"


def executive_summary(inputs: ReportInputs, results: YearResults) -> str:
    """The opening paragraphs, generated from the data: the city's year, the plan targets, who
    leads and lags, what changed since last year, and the suggestions."""
    year, plan = inputs.year, plan_for_year(inputs.year)
    city_code = city().code
    facts = results.annual[results.annual["region_code"] == city_code]
    flows = facts[facts["kind"] == "cumulative"]
    limits = facts[facts["kind"] != "cumulative"]
    paragraphs = [
        f"{year}年，{tier_words().top}{len(flows)}项年度任务完成{int(flows['met'].sum())}项，"
        f"{len(limits)}项逐年控制指标达标{int(limits['met'].sum())}项。"
        + "；".join(f"{r.short_name}{r.wording}" for r in facts.itertuples())
        + "。"
    ]
    own = inputs.assessment[inputs.assessment["region_code"] == city_code]
    if year == plan.end:
        missed = own[own["status"] == FINAL_MISSED]
        paragraphs.append(
            f"{plan.name}规划期（{plan.start}–{plan.end}年）结束：{tier_words().top}{len(own)}项规划目标完成"
            f"{int((own['status'] == FINAL_MET).sum())}项"
            + (f"，未完成{len(missed)}项：" + "；".join(f"{r.indicator_name}（{r.note}）" for r in missed.itertuples()) if len(missed) else "，全部完成")
            + "。"
            + final_term.summary(results.plan)
        )  # fmt: skip
    else:
        groups = {
            status: list(own[own["status"] == status]["indicator_name"]) for status in STATUSES
        }
        paragraphs.append(
            f"对照{plan.name}规划目标（到{plan.end}年末）："
            + "；".join(f"{status}{len(names)}项（{'、'.join(names)}）" for status, names in groups.items() if names)
            + "。状态由达标概率和进度核算共同判定（见附录二）。"
        )  # fmt: skip
    scores = results.scores
    failing = (
        list(scores[scores["grade"] == scores["grade"].iloc[-1]]["region"])
        if scores["grade"].iloc[-1] == "不达标"
        else []
    )
    text = (
        f"{len(scores)}个{tier_words().members}考核得分{scores['score'].min():.2f}–{scores['score'].max():.2f}分。"
        f"居前的是{rank_ends(scores, first=True)}；居后的是{rank_ends(scores, first=False)}。"
    )
    grades = scores["grade"].value_counts()
    text += (
        "等次："
        + "，".join(f"{g.name}{int(grades.get(g.name, 0))}个" for g in load_rules().grades)
        + "。"
    )
    if failing:
        text += f"{_names(failing)}等次为不达标。"
    paragraphs.append(text)
    if results.previous_scores is not None:
        change = (
            scores.set_index("region")["score"]
            - results.previous_scores.set_index("region")["score"]
        )
        up, down = change.idxmax(), change.idxmin()
        prev = results.previous_annual
        city_prev = prev[
            (prev["region_code"] == city_code) & (prev["kind"] == "cumulative")
        ].set_index("indicator")
        moves = [
            f"{r.short_name}完成率由{rate_text(city_prev.loc[r.indicator, 'done'], city_prev.loc[r.indicator, 'task'])}变为{rate_text(r.done, r.task)}"
            for r in flows.itertuples() if r.indicator in city_prev.index
        ]  # fmt: skip
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
        paragraphs.append(
            f"与{year - 1}年相比：{tier_words().top}"
            + "，".join(moves)
            + f"；{tier_words().members_short}{rise}，{fall}。"
        )
    paragraphs.append(
        f"据此建议（供{tier_words().government}决定）：约谈{len(results.interviews)}个{tier_words().members}"
        f"（{_names([s.region for s in results.interviews])}），通报表扬{len(results.commendations)}个"
        f"（{_names([s.region for s in results.commendations])}）；次年就业资金按得分增减（见第五节）。"
    )
    return "\n\n".join(paragraphs)


def glance_table(inputs: ReportInputs, results: YearResults) -> pd.DataFrame:
    """One row per county: score, grade, rank, the year's tasks and limits, the plan targets."""
    final = inputs.year == plan_for_year(inputs.year).end
    interviewed = {s.region_code for s in results.interviews}
    commended = {s.region_code for s in results.commendations}
    warned = {s.region_code for s in results.warnings}
    rows = []
    notes = {c: results.commendation_note(c) for c in results.scores["region_code"]}
    for county in results.scores.itertuples():
        facts = results.annual[results.annual["region_code"] == county.region_code]
        flows = facts[facts["kind"] == "cumulative"]
        limits = facts[facts["kind"] != "cumulative"]
        own = inputs.assessment[inputs.assessment["region_code"] == county.region_code]
        plan_cell = (
            f"完成{int((own['status'] == FINAL_MET).sum())}/{len(own)}"
            if final
            else "，".join(
                f"{label}{count}项"
                for label, count in (
                    ("难以完成", int((own["status"] == DIFFICULT).sum())),
                    ("已无法完成", int((own["status"] == FAILED).sum())),
                )
                if count
            )
            or "—"
        )
        rows.append({
            "排名": county.rank, "地区": county.region, "得分": county.score, "等次": county.grade,
            "年度任务完成": f"{int(flows['met'].sum())}/{len(flows)}",
            "逐年指标达标": f"{int(limits['met'].sum())}/{len(limits)}",
            "规划目标" + ("（最终）" if final else "（预测）"): plan_cell,
            "建议": "、".join(
                label for label, codes in (("约谈", interviewed), ("表扬", commended), ("预警提醒", warned))
                if county.region_code in codes
            ) or "—",
            "等次与表扬说明": notes[county.region_code] or "—",
        })  # fmt: skip
    return pd.DataFrame(rows)


def _scores_table(results: YearResults) -> pd.DataFrame:
    previous = (
        results.previous_scores.set_index("region_code")["score"]
        if results.previous_scores is not None
        else None
    )
    table = pd.DataFrame({
        "排名": results.scores["rank"], "地区": results.scores["region"],
        "得分": [f"{v:.2f}" for v in results.scores["score"]],
        "比上年": [signed(v - previous[c], ".2f") if previous is not None else "—" for v, c in zip(results.scores["score"], results.scores["region_code"], strict=True)],
        "任务平均完成率（仅供参考）": [_pct(v) for v in results.scores["tie_break"]],
        "等次": results.scores["grade"],
        "扣分情况": [d if d else "无扣分" for d in results.scores["deductions"]],
    })  # fmt: skip
    if _reviewed(results):
        table.insert(
            3,
            "其中考评组复核",
            [signed(v, ".2f") if v else "—" for v in results.scores["review_points"]],
        )
    return table


def _reviewed(results: YearResults) -> bool:
    """Whether the 考评组's review has entries this year (then every score table shows them)."""
    return bool(results.scores["review_notes"].astype(bool).any())


def _review_section(results: YearResults) -> str:
    """What the 考评组's review added, county by county, and every result it changed ('' without
    a review)."""
    if not _reviewed(results):
        return ""
    rows = results.scores[results.scores["review_notes"].astype(bool)]
    lines = [
        f"- **{markup.text(r.region)}**：按年度任务计分{r.computed_score:.2f}分，考评组复核"
        f"{signed(r.review_points, '.2f')}分，得分{r.score:.2f}分。{markup.text(r.review_notes)}"
        for r in rows.itertuples()
    ]
    changes = pd.DataFrame(
        [
            (c.region, c.item, c.before, c.after, c.reason, c.document_number)
            for c in results.changes
        ],
        columns=["地区", "项目", "复核前", "复核后", "依据", "文号"],
    )
    table = (
        markup.table(changes, label="tbl-review-changes", caption="考评组复核带来的变化",
                     widths=[2, 2, 2, 2, 8, 3])
        if len(changes) else "复核没有改变任何得分、名次、等次、建议或资金。"
    )  # fmt: skip
    return (
        "### 考评组复核（第二十条；第十、十一、十二条）\n\n"
        "下列得分已计入考评组的复核事项（督查发现、数字之外的职责、加减分、一票否决、改正；每条附理由和文号），"
        "名次、等次、约谈与表扬建议和资金增减都按复核后的得分确定。\n\n"
        + "\n".join(lines)
        + "\n\n"
        + table
    )


def _funds_table(results: YearResults) -> pd.DataFrame:
    funds = results.funds
    return pd.DataFrame({
        "排名": funds["rank"], "地区": funds["region"], "得分": [f"{v:.2f}" for v in funds["score"]],
        "基数（万元）": [f"{v:,.2f}" for v in funds["base"]],
        "建议增减（万元）": [signed(v, ",.2f") for v in funds["change"]],
        "增减幅度": [f"{signed(v * 100, '.1f')}%" for v in funds["change_share"]],
        "建议次年（万元）": [f"{v:,.2f}" for v in funds["next_year"]],
    })  # fmt: skip


def _meetings(results: YearResults) -> tuple[pd.DataFrame, list[str]]:
    rows = results.annual[results.annual["indicator"] == MEETINGS]
    table = pd.DataFrame({
        "地区": rows["region"],
        "本年召开次数": [f"{v:.0f}" if pd.notna(v) else "未报送" for v in rows["done"]],
        "要求": [f"每年不少于{v:.0f}次" for v in rows["limit"]],
        "本年": ["达标" if m else ("未报送" if not r else "少于要求") for m, r in zip(rows["met"], rows["reported"], strict=True)],
        "规划期内少于要求的年份": _years_missed_cells(rows),
    })  # fmt: skip
    short = [f"{r.region}（{r.wording}）" for r in rows.itertuples() if r.reported and not r.met]
    return table, short


def _outcome(region_code: str, results: YearResults, final: bool, assessment: pd.DataFrame) -> str:
    """A county's result in one block: score, rank, grade, deductions, suggestions, funds."""
    scores = results.scores.set_index("region_code")
    if region_code not in scores.index:
        return ""
    score = scores.loc[region_code]
    fund = results.funds.set_index("region_code").loc[region_code]
    suggestions = [
        label
        for label, items in (("建议约谈", results.interviews), ("建议通报表扬", results.commendations), ("预警提醒", results.warnings))
        if region_code in {s.region_code for s in items}
    ]  # fmt: skip
    lines = [
        f"考核得分{score['score']:.2f}分，第{score['rank']}名，等次：{score['grade']}。",
        f"扣分：{score['deductions'] or '无'}。",
        *([f"考评组复核{signed(score['review_points'], '.2f')}分（按年度任务计分{score['computed_score']:.2f}分）：{score['review_notes']}。"] if score["review_notes"] else []),
        *([f"等次与表扬说明：{note}。"] if (note := results.commendation_note(region_code)) else []),
        f"建议：{'、'.join(suggestions) or '无'}；次年就业资金建议{signed(fund['change'], ',.2f')}万元（{signed(fund['change_share'] * 100, '.1f')}%）"
        + ("，基数为样例" if results.funds_are_sample else "") + "。",
    ]  # fmt: skip
    return markup.callout("note", "考核结果", "\n\n".join(markup.text(line) for line in lines))


def _history_caveat(assessment: pd.DataFrame, minimum: int) -> str:
    """How much history the probabilities rest on, in plain words (the method: 附录二)."""
    forecast = assessment[assessment["probability"].notna() & (assessment["kind"] == "cumulative")]
    if forecast.empty:
        return ""
    shortest, longest = int(forecast["history_years"].min()), int(forecast["history_years"].max())
    text = (
        f"本报告的达标概率依据各项指标{shortest}–{longest}年的历年数据（表中“据几年数据”）；"
        "预测方法及其检验见附录二。"
    )
    if shortest < minimum:
        text += (
            f"数据少于{minimum}年时，概率可能随新一年的数据大幅变动（例如只有规划期内4年数据时，"
            f"同一{tier_words().members_short}的概率可能在50%与90%之间摆动），只宜作为预警和排序参考，不宜作为考核依据。"
        )
        return markup.callout("caution", "预测依据的数据年数较少", text)
    return markup.callout("note", "预测的依据", text + "概率应作为预警和排序参考。")


def value_format(unit: str) -> str:
    """A value's number format by its unit: persons and meetings whole, rates two decimals."""
    return '0.00;"−"0.00' if unit == "%" else INTEGER


def workbook_sheets(
    inputs: ReportInputs, results: YearResults, summary: str, glance: pd.DataFrame
) -> list[Sheet]:
    """The sheets of ``assessment-<year>.xlsx`` (see ``pipeline/report/workbook.py``)."""
    note = SAMPLE_STATUS if inputs.is_sample else ""
    annual = results.annual.assign(
        met_text=[("完成" if m else "未完成") if k == "cumulative" else ("达标" if m else "未达标")
                  for m, k in zip(results.annual["met"], results.annual["kind"], strict=True)],
        value_format=[value_format(u) for u in results.annual["unit"]],
        margin_format=[POINTS if u == "%" else TIMES for u in results.annual["unit"]],
    )  # fmt: skip
    final = inputs.year == plan_for_year(inputs.year).end
    assessment = inputs.assessment.assign(
        value_format=[value_format(u) for u in inputs.assessment["unit"]]
    )
    # the 考评组's review is part of the record of the year's data: one row per county it touched
    reviewed_rows = results.scores[results.scores["review_notes"].astype(bool)]
    review_rows = pd.DataFrame({
        "rule": "考评组复核", "stage": "考核", "status": "已计入", "file": f"data/review/{inputs.year}.yaml",
        "sheet": "", "row": "", "column": "",
        "message": [f"{r.region}：{r.review_notes}" for r in reviewed_rows.itertuples()],
    })  # fmt: skip
    qa_log = pd.concat(
        [inputs.qa_log.assign(status=inputs.qa_log["status"].map(QA_STATUS_WORDS)), review_rows],
        ignore_index=True,
    )
    suggestions = [
        pd.DataFrame(
            [{"region": s.region, "reason": r} for s in items for r in s.reasons]
            + [{"region": s.region, "reason": f"历史情况：{h}"} for s in items for h in s.history],
            columns=["region", "reason"],
        )
        for items in (results.interviews, results.commendations)
    ]
    return [
        Sheet(
            "摘要",
            pd.DataFrame({"text": summary.split("\n\n")}),
            (Column("text", "摘要（由数据生成）", 120),),
            note,
        ),
        Sheet(
            "考核一览",
            glance,
            tuple(
                Column(
                    c,
                    c,
                    {"地区": 10, "得分": 8, "等次与表扬说明": 60}.get(c, 12),
                    DECIMAL2 if c == "得分" else None,
                )
                for c in glance.columns
            ),
            note,
        ),
        Sheet(
            "年度任务",
            annual,
            (
                Column("region", "地区", 10),
                Column("indicator_name", "指标", 30),
                Column("article", "条款", 8),
                Column("task", "年目标任务", 12, INTEGER),
                Column("task_source", "目标任务来源", 10),
                Column("done", "完成数/本年数值", 14, format_source="value_format"),
                Column("completion_rate", "完成率", 10, PERCENT1),
                Column("change", "同比增减", 12, format_source="value_format"),
                Column("limit", "要求（上限/下限）", 12, format_source="value_format"),
                Column("margin", "与要求相差", 16, format_source="margin_format"),
                Column("met_text", "本年", 8),
                Column("years_missed", "规划期内未达标年份", 18),
                Column("plan_target", "规划目标", 12, format_source="value_format"),
                Column("plan_done", "规划期累计完成", 14, INTEGER),
                Column("plan_share", "占规划目标", 12, PERCENT1),
                Column("time_progress_gap", "时序进度差", 12, PERCENT1),
                Column("wording", "表述", 60),
            ),
            note,
        ),  # fmt: skip
        Sheet(
            "规划进度",
            assessment,
            (
                Column("region", "地区", 10),
                Column("indicator_name", "指标", 30),
                Column("target", "规划目标", 12, format_source="value_format"),
                Column("actual_to_date", "截至本年", 12, format_source="value_format"),
                Column("check", "进度核算", 22),
                *(
                    ()
                    if final
                    else (  # the plan's last year is a verdict: nothing is forecast
                        Column("forecast_end", "期末预测", 14, format_source="value_format"),
                        Column(
                            "forecast_end_lo80",
                            "预测区间下限（80%）",
                            14,
                            format_source="value_format",
                        ),
                        Column(
                            "forecast_end_hi80",
                            "预测区间上限（80%）",
                            14,
                            format_source="value_format",
                        ),
                        Column("probability", "达标概率", 10, PERCENT1),
                        Column("history_years", "数据年数", 10),
                    )
                ),
                Column("status", "状态", 12),
                Column("note", "说明", 60),
            ),
            note,
        ),  # fmt: skip
        Sheet(
            "得分排名",
            results.scores,
            (
                Column("rank", "排名", 6),
                Column("region", "地区", 10),
                Column("score", "得分", 8, DECIMAL2),
                Column("grade", "等次", 8),
                Column("computed_score", "其中按年度任务计分", 10, DECIMAL2),
                Column("review_points", "其中考评组复核加减", 10, DECIMAL2),
                Column("points", "各项得分", 60),
                Column("deductions", "扣分情况", 60),
                Column("grade_note", "等次说明", 60),
                Column("review_notes", "考评组复核事项（理由、文号）", 60),
            ),
            note,
        ),  # fmt: skip
        Sheet(
            "约谈建议",
            suggestions[0],
            (
                Column("region", "地区", 10),
                Column("reason", "理由（本年触发规则的事实；历史情况另列）", 100),
            ),
            note,
        ),
        Sheet(
            "表扬建议",
            suggestions[1],
            (Column("region", "地区", 10), Column("reason", "理由", 100)),
            note,
        ),
        Sheet(
            "资金调整",
            results.funds,
            (
                Column("rank", "排名", 6),
                Column("region", "地区", 10),
                Column("score", "得分", 8, DECIMAL2),
                Column(
                    "base",
                    "基数（万元）" + ("（样例）" if results.funds_are_sample else ""),
                    14,
                    DECIMAL2,
                ),
                Column("change", "建议增减（万元）", 14, DECIMAL2),
                Column("change_share", "增减幅度", 10, PERCENT1),
                Column("next_year", "建议次年（万元）", 14, DECIMAL2),
            ),
            note,
        ),  # fmt: skip
        Sheet(
            "数据质量",
            qa_log,
            (
                Column("rule", "规则", 16),
                Column("stage", "阶段", 8),
                Column("status", "结果", 8),
                Column("file", "文件", 28),
                Column("sheet", "工作表", 10),
                Column("row", "行", 6),
                Column("column", "列", 24),
                Column("message", "说明", 80),
            ),
            note,
        ),  # fmt: skip
        *final_term.sheet(results.plan, note),
    ]


def build_markdown(inputs: ReportInputs, out_dir: Path) -> str:
    """Write the charts to ``out_dir/figures`` and the officials' workbook to ``out_dir``, and
    return the report's Quarto Markdown."""
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    year, assessment = inputs.year, inputs.assessment
    plan = plan_for_year(year)
    final = year == plan.end
    settings, rules = load_targets_config(), load_rules()
    results = inputs.results
    annual = results.annual
    summary = executive_summary(inputs, results)
    glance = glance_table(inputs, results)
    sheets = workbook_sheets(inputs, results, summary, glance)
    if inputs.departments is not None:
        sheets.append(departments.sheet(inputs.departments))
    write_workbook(sheets, out_dir / workbook_name(year))

    def figure(chart: plt.Figure, name: str, label: str, caption: str) -> str:
        saved = charts.save(chart, figures / name, SAMPLE_STATUS if inputs.is_sample else "")
        return markup.figure(saved, label=label, caption=caption)

    flow_sections, limit_sections = [], []
    for item in indicators():
        if item.kind == "cumulative":
            flow_sections.append({
                "name": item.name, "article": item.article,
                "table": markup.table(flow_table(annual, item.id), label=f"tbl-annual-{item.id}", caption=f"{year}年{item.name}年度任务完成情况（人）", widths=[3, 3, 3, 3, 3, 3, 3, 4, 3]),
            })  # fmt: skip
        elif item.id != MEETINGS:
            limit_sections.append({
                "name": item.name, "article": item.article,
                "table": markup.table(limit_table(annual, item.id), label=f"tbl-annual-{item.id}", caption=f"{year}年{item.name}（逐年控制指标）", widths=[3, 3, 3, 4, 4, 3, 5]),
            })  # fmt: skip
    meetings_table, meetings_short = _meetings(results)
    indicator_sections = []
    for item in indicators():
        rows = assessment[assessment["indicator"] == item.id]
        if rows.empty or item.id == MEETINGS:
            continue
        image = None
        if item.kind == "cumulative":
            image = figure(charts.progress_bars(assessment, item.id, year), f"progress-{item.id}.png",
                           f"fig-progress-{item.id}", f"{item.name}：截至{year}年完成{plan.name}目标的比例")  # fmt: skip
        drop = ["指标"]
        indicator_sections.append({
            "name": item.name, "article": item.article, "image": image,
            "description": KIND_TEXT[item.kind].format(plan=plan.name, target=charts.format_value(plan.city_targets[item.id], item), unit=item.unit),
            "table": _table(rows, drop, label=f"tbl-plan-{item.id}", caption=f"{item.name}：{plan.name}目标" + ("最终完成情况" if final else "完成进度与预测"), final=final),
        })  # fmt: skip
    region_sections = []
    for region in all_regions():
        rows = assessment[assessment["region_code"] == region.code]
        facts = annual[annual["region_code"] == region.code]
        region_sections.append({
            "name": region.name, "code": region.code, "outcome": _outcome(region.code, results, final, assessment),
            "facts": "\n".join(f"- {markup.text(r.short_name)}：{markup.text(r.wording)}" + (f"（规划期内{r.years_missed}年未达到要求）" if r.years_missed else "") for r in facts.itertuples()),
            "table": _table(rows, ["地区"], label=f"tbl-region-{region.code}", caption=f"{region.name}{plan.name}目标" + ("最终完成情况" if final else "完成进度与预测"), final=final),
            "image": figure(charts.region_panel(inputs.tidy, inputs.paths, region, year), f"region-{region.code}.png", f"fig-region-{region.code}", f"{region.name}历年完成数" + ("" if final else "与预测")),
            "towns": towns.county_summary(region.code, year, [g.name for g in rules.grades]),
        })  # fmt: skip
    boundaries_file = load_regions_config().boundaries  # none for a county's towns: no map
    boundaries = (
        json.loads((REFERENCE_DIR / boundaries_file).read_text(encoding="utf-8"))
        if boundaries_file
        else None
    )
    qa = inputs.qa_log
    qa_summary = (
        qa.groupby("rule")["status"].value_counts().unstack(fill_value=0)
        .reindex(columns=["PASS", "WARN", "FAIL"], fill_value=0)
    )  # fmt: skip
    problems = qa[qa["status"] != "PASS"][
        ["status", "rule", "file", "sheet", "row", "column", "message"]
    ]
    problems = problems.assign(status=problems["status"].map(QA_STATUS_WORDS))
    qa_summary = qa_summary.rename(columns=QA_STATUS_WORDS)
    status_counts = assessment["status"].value_counts()
    context = {
        "year": year, "plan": plan, "final": final, "basis": markup.text(plan.source),
        "data_as_of": f"{year}年末", "generated_on": date.today().isoformat(),
        "n_counties": len(counties()), "n_counties_text": CHINESE_NUMBERS.get(len(counties()), str(len(counties()))),
        "is_sample": inputs.is_sample, "sample_callout": sample_callout(), "tier": tier_words(), "top_name": city().name, "processed": published_processed(year),
        "sample_status": SAMPLE_STATUS if inputs.is_sample else "",
        "allocation_callout": _allocation_callout(plan, final),
        "summary": markup.text_paragraphs(summary),
        "glance_table": markup.table(glance.assign(得分=[f"{v:.2f}" for v in glance["得分"]]), label="tbl-glance", caption=f"{year}年各{tier_words().members}考核结果一览", widths=[2, 3, 2, 2, 3, 3, 4, 2, 8]),
        "matrix": figure(charts.status_matrix(assessment, f"各地区{plan.name}目标" + ("最终完成情况" if final else "完成状态与达标概率")), "status-matrix.png", "fig-status-matrix", f"各地区{plan.name}目标" + ("最终完成情况" if final else "完成状态与达标概率")),
        "status_counts": [(s, int(status_counts.get(s, 0))) for s in (*FINAL_STATUSES, *STATUSES, NO_DATA) if status_counts.get(s, 0)],
        "n_rows": len(assessment), "thresholds": settings.status_thresholds,
        "city_facts": "\n".join(f"- {markup.text(r.short_name)}：{markup.text(r.wording)}" for r in annual[annual["region_code"] == city().code].itertuples()),
        "flow_sections": flow_sections, "limit_sections": limit_sections,
        "meetings_table": markup.table(meetings_table, label="tbl-meetings", caption=f"{year}年各级政府常务会研究就业工作次数", widths=[3, 3, 4, 3, 5]),
        "meetings_short": _names([markup.text(m) for m in meetings_short]),
        "rules": rules, "weights": [(indicator(i).name, w) for i, w in rules.scoring.weights.items()],
        "scores_table": markup.table(_scores_table(results), label="tbl-scores", caption=f"{year}年各{tier_words().members}考核得分与排名", widths=[2, 3, 2, 2, 2, 3, 2, 9] if _reviewed(results) else [2, 3, 2, 2, 3, 2, 11]),
        "review_section": _review_section(results),
        # after the county pages: 八 (九 in the plan's last year, whose 七 is the 终期 part)
        "departments_chapter": departments.chapter(inputs.departments, year, "九" if results.plan else "八") if inputs.departments else "",
        "score_map": "" if boundaries is None else figure(charts.score_map(results.scores, boundaries, f"{year}年各{tier_words().members}考核得分与等次", [g.name for g in rules.grades]), "score-map.png", "fig-score-map", f"{year}年各{tier_words().members}考核得分分布"),
        "interviews": markup.suggestion_blocks(results.interviews),
        "commendations": markup.suggestion_blocks(results.commendations),
        "warnings": markup.suggestion_blocks(results.warnings),
        "withheld": markup.suggestion_blocks(results.withheld) if results.withheld else "",
        "scoring_method": scoring_method(rules, len(counties())),
        "quota_share": percent_text(exact(rules.excellent_quota.max_share)),
        "interview_line": percent_text(1 - exact(rules.accountability.interview_task_shortfall_min)),
        "task_rule_name": {"tiered": "差距分档扣分", "proportional": "完成率比例"}[rules.scoring.task_rule],
        "funds_table": markup.table(_funds_table(results), label="tbl-funds", caption=f"{year + 1}年就业资金增减建议（预算中性）", widths=[2, 3, 2, 3, 3, 3, 3]),
        "funds_are_sample": results.funds_are_sample,
        "city_table": _table(assessment[assessment["region_code"] == city().code], ["地区"], label="tbl-city", caption=f"{city().name}{plan.name}目标" + ("最终完成情况" if final else "完成进度与预测"), final=final),
        "history_caveat": "" if final else _history_caveat(assessment, settings.forecast.short_history_years),
        "indicator_sections": indicator_sections, "region_sections": region_sections,
        "qa_summary": markup.table(qa_summary.reset_index().rename(columns={"rule": "规则"}), label="tbl-qa-summary", caption="数据质量检查规则与结果"),
        "qa_problems": markup.table(problems.rename(columns={"status": "结果", "rule": "规则", "file": "文件", "sheet": "工作表", "row": "行", "column": "列", "message": "说明"}), label="tbl-qa-problems", caption="需关注的数据质量问题", widths=[1, 2, 3, 2, 1, 1, 6]) if not problems.empty else "",
        "method": {"full_min": engine.FULL_MODEL_MIN_POINTS, "trend_min": engine.TREND_MIN_POINTS, "n_paths": settings.forecast.n_paths, "seed": settings.forecast.seed, "first_origin": calibration_first_origin(inputs.tidy.loc[inputs.tidy["measure"] == "actual", "year"])},
        "backtest": _backtest_summary(),
        "pct": lambda share: f"{share * 100:.1f}%",
        "elapsed_share": f"{elapsed_years(year, plan) / len(plan.years) * 100:.0f}%",
        "max_years": int(inputs.tidy["year"].nunique()),
        "sources_table": _sources_table(inputs.tidy), "town_results": towns.data_note(year),
        "final_term": final_term.context(results.plan, rules),
        "glossary": "\n".join(f"  - **{t.name}**：{t.definition}" for t in analyst_terms(final)),
    }  # fmt: skip
    return _environment.get_template("report.qmd.j2").render(context)


def _allocation_callout(plan: Plan, final: bool) -> str:
    if plan.allocation_status == "issued":
        return ""
    w = tier_words()
    return markup.callout(
        "important",
        f"{w.members_short}五年目标为测算数，不是下达的分解任务",
        f"{w.allocation_intro}本报告中各{w.members}{plan.name}累计目标（城镇新增就业、"
        f"农民就地就近转移就业、返乡入乡创业就业）是本流水线{w.allocation_method}测算的分解数"
        f"（{markup.text(plan.allocation_rule.split('Share of')[0].strip().rstrip('。'))}），"
        f"不是{w.government}或{w.bureau}正式下达的分解任务，报告中依据它的"
        + ("规划期结果" if final else "累计进度和预测")
        + "只作参考。"
        "收到正式分解文件后，由分析人员录入（操作见项目文档 docs/targets.md），本提示随即不再出现。"
        f"年度任务以各{w.member}报表中的“目标任务”列为准。",
    )


def _backtest_summary() -> dict | None:
    """The key figures of the last ``make backtest`` (docs/backtest/summary.json), if it ran."""
    path = PROJECT_ROOT / "docs" / "backtest" / "summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _sources_table(tidy: pd.DataFrame) -> str:
    files = tidy.groupby("source_file")["year"].first().sort_values()
    return markup.table(
        pd.DataFrame({"年份": files.values, "文件": files.index}),
        label="tbl-sources",
        caption="原始报表文件",
        widths=[1, 6],
    )
