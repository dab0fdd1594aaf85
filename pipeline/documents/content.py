"""The Markdown of each document the bureau sends, from :class:`DocumentInputs` only.

Wording follows how bureaus write (../shared/data/assessment-practice.md). Every figure is read
from the inputs; text that may come from a submission or from the review file goes through
:func:`pipeline.report.markup.text`, so it stays text (the reader also has raw HTML/TeX/attributes off).
公文 parts are pandoc ``custom-style`` paragraphs whose styles live in the reference document.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd

from pipeline.annual.exact import rate_text, signed
from pipeline.annual.facts import number, rank_ends, reported_value
from pipeline.annual.scoring import points_formula
from pipeline.config.assessment_rules import AssessmentRules
from pipeline.config.indicators import indicator, plan_for_year
from pipeline.documents.inputs import DocumentInputs
from pipeline.documents.reference import ems
from pipeline.documents.settings import DocumentsConfig
from pipeline.report.markup import _units, text

SAMPLE_MARK = "样例数据（非真实填报）"


@dataclass(frozen=True)
class Contact:
    principal: str = ""  # 主要负责人
    deputy: str = ""  # 分管负责人


@dataclass(frozen=True)
class Nominee:
    name: str
    unit: str
    title: str = ""


FORECAST_MARK = "（预测"  # how the scorer marks a reason that rests on a forecast


def facts_only(reasons: tuple[str, ...]) -> list[str]:
    """The reasons of a suggestion that are facts: forecasts are never a basis for a 约谈 (the
    scorer lists them as context for the report, marked '（预测…'), so official letters omit them."""
    return [r for r in reasons if not r.startswith(FORECAST_MARK)]


def stamp(stage: str, is_sample: bool) -> str:
    """The mark in every page's header: the stage, and 样例数据 when the data are sample."""
    return stage + (f" · {SAMPLE_MARK}" if is_sample else "")


def _styled(style: str, line: str) -> str:
    return f'::: {{custom-style="{style}"}}\n{line}\n:::'


# 标题 2号 (22 pt) in the 156 mm type area holds 20 characters; one is left for the spacing
# LibreOffice and Word put between Chinese and Latin digits.
TITLE_EMS = 19
A3_TITLE_EMS = 44  # the A3 landscape sheet: 366 mm


def title_lines(phrases: tuple[str, ...], width: float = TITLE_EMS) -> list[str]:
    """The 标题's lines (GB/T 9704 §7.3.1: 回行时词意完整、排列对称、长短适宜): the fewest lines of
    whole phrases that fit ``width`` characters, and of those the most even."""
    sizes = [ems(p) for p in phrases]
    cuts = range(1, len(phrases))
    for count in range(1, len(phrases) + 1):
        fitting = []
        for breaks in itertools.combinations(cuts, count - 1):
            edges = (0, *breaks, len(phrases))
            lengths = [sum(sizes[a:b]) for a, b in itertools.pairwise(edges)]
            if max(lengths) <= width:
                fitting.append((max(lengths) - min(lengths), edges))
        if fitting:
            edges = min(fitting)[1]
            return ["".join(phrases[a:b]) for a, b in itertools.pairwise(edges)]
    return ["".join(phrases)]  # a single phrase wider than a line: let the word processor wrap it


def _title(*phrases: str, width: float = TITLE_EMS) -> str:
    """A 标题 broken between phrases (a hard line break, so Word/WPS keep the lines)."""
    return _styled("Title", "\\\n".join(text(line) for line in title_lines(phrases, width)))


def _letterhead(config: DocumentsConfig) -> list[str]:
    return [
        _styled("发文机关标志", text(config.issuer.mark)),
        _styled("发文字号", text(config.issuer.document_number_placeholder)),
    ]


def _signature(config: DocumentsConfig) -> list[str]:
    return [
        _styled("发文机关署名", text(config.issuer.name)),
        _styled("成文日期", text(config.issuer.date_placeholder)),
    ]


def _imprint(config: DocumentsConfig) -> list[str]:
    """版记: 抄送, 印发机关 and 印发日期 (laid out at the foot of the last page by render.place_imprint)."""
    return [
        _styled("抄送机关", text(f"抄送：{config.copy_to}")),
        _styled("印发机关", text(config.issuer.office)),
        _styled("印发日期", text(f"{config.issuer.date_placeholder}印发")),
    ]


def _item(number: int, line: str) -> str:
    """A numbered paragraph '1.' (the 第三层 of GB/T 9704 §7.3.3) that stays a paragraph: the
    escaped dot keeps pandoc from making a Word list, which takes the table cells' small centred
    style when it has one item."""
    return f"{number}\\. {text(line)}"


def _names(names: list[str]) -> str:
    return "、".join(names) if names else "无"


def _rate(fact: pd.Series) -> str:
    """完成率 as the report and workbook show it: exact, never rounded up to a line it missed."""
    return rate_text(fact["done"], fact["task"]) if fact["reported"] else "—"


WRAPPING_UNITS = 24  # a cell longer than this (12 characters) is running text: it wraps
WRAPPING_WIDTH_UNITS = 30
CELL_PADDING_UNITS = 3  # a cell's margins: short cells (排名, +108.04) stay on one line


def _table(frame: pd.DataFrame, caption: str = "") -> str:
    """A pipe table with every cell escaped (pandoc: docx table in the ``Table`` style). Column
    widths are written as dash counts, which pandoc reads as relative widths: each column as wide
    as its longest cell (a header wraps in lines of at least four characters). A column of running
    text (扣分情况) gets the most room and is set flush left: centred lines of prose are hard to read."""
    cells = frame.astype(str)
    columns = []
    for name in frame.columns:
        longest = max((_units(v) for v in cells[name]), default=0)
        wraps = longest > WRAPPING_UNITS
        width = round(
            max(
                min(_units(str(name)), 8),
                min(longest, WRAPPING_WIDTH_UNITS if wraps else WRAPPING_UNITS),
            )
            + CELL_PADDING_UNITS
        )
        columns.append((":" if wraps else "-") + "-" * max(2, width - 1))
    lines = [
        "| " + " | ".join(text(c) for c in frame.columns) + " |",
        "|" + "|".join(columns) + "|",
        *("| " + " | ".join(text(v) for v in row) + " |" for row in cells.itertuples(index=False)),
    ]
    return "\n".join(lines) + (f"\n\n: {text(caption)}" if caption else "")


def _grade_lists(inputs: DocumentInputs, rules: AssessmentRules) -> list[str]:
    scores = inputs.scores.sort_values("rank")
    return [
        f"{grade.name}（{len(names)}个）：{text(_names(names))}。"
        for grade in rules.grades
        for names in [list(scores[scores["grade"] == grade.name]["region"])]
    ]


def _fund_line(row) -> str:
    """A county in a list that already says 增加 or 减少: the amount without a sign (a '+' or '-'
    alone at the end of a line is what a reader misreads)."""
    return f"{row.region}{abs(row.change):,.2f}万元（{abs(row.change_share) * 100:.1f}%）"


def fund_change(change: float, share: float) -> str:
    """次年资金 for one county in words: 增加/减少 the amount (and the share of its base)."""
    if round(change, 2) == 0:
        return "不增不减"
    verb = "增加" if change > 0 else "减少"
    return f"{verb}{abs(change):,.2f}万元（{verb}{abs(share) * 100:.1f}%）"


def summary_table(inputs: DocumentInputs, *, wide: bool = False) -> pd.DataFrame:
    """考核结果汇总表: one row per county in rank order. ``wide`` (the A3 sheet) adds every
    indicator's 完成率/数值 and points."""
    scores = inputs.scores.sort_values("rank")
    funds = inputs.funds.set_index("region_code")
    table = pd.DataFrame({
        "排名": scores["rank"].astype(str), inputs.tier.members: scores["region"],
        "得分": [f"{v:.2f}" for v in scores["score"]], "等次": scores["grade"],
    })  # fmt: skip
    if wide:
        for short_name, rows in inputs.facts.groupby("short_name", sort=False):
            by_code = rows.set_index("region_code")
            table[f"{short_name}完成"] = [
                _fact_value(by_code.loc[c]) for c in scores["region_code"]
            ]
            table[f"{short_name}得分"] = [
                f"{inputs.points(code).get(short_name, float('nan')):.2f}"
                for code in scores["region_code"]
            ]
    if "review_points" in scores:
        table["复核加减分"] = [signed(v, ".2f") if v else "—" for v in scores["review_points"]]
    if (
        not wide
    ):  # the A3 sheet lists the deductions under the table (a long cell squeezes the rest)
        table["扣分情况"] = [d if d else "无扣分" for d in scores["deductions"]]
    table["次年资金增减（万元）"] = [
        signed(funds.loc[c, "change"], ",.2f") for c in scores["region_code"]
    ]
    return table


def _fact_value(fact: pd.Series) -> str:
    if not fact["reported"]:
        return "未报送"
    if fact["kind"] == "cumulative":
        return _rate(fact)
    return reported_value(fact["done"], indicator(fact["indicator"]))


def notice(inputs: DocumentInputs, config: DocumentsConfig, rules: AssessmentRules) -> str:
    """考核结果通报 (draft): the results of all counties, for the county governments."""
    year, tier = inputs.year, inputs.tier
    interviews = [s.region for s in inputs.interviews]
    commended = [s.region for s in inputs.commendations]
    funds = inputs.funds.sort_values("rank")
    ups = [_fund_line(r) for r in funds.itertuples() if r.change > 0]
    downs = [_fund_line(r) for r in funds.itertuples() if r.change < 0]
    reviewed = [
        f"{row.region}：{row.review_notes}"
        for row in inputs.scores.sort_values("rank").itertuples()
        if getattr(row, "review_notes", "")
    ]
    parts = [
        *_letterhead(config),
        _title("关于", f"{year}年度", f"各{tier.members}", "就业工作目标责任制", "考核结果的通报"),
        _styled("主送机关", text(config.addressees)),
        text(
            f"根据{config.basis}第十九条至第二十二条的规定，{tier.leading_group}对各{tier.members}{year}年度就业"
            f"工作目标责任制落实情况进行了考核。考核采用100分制，依据各{tier.members}报送的年度目标任务完成情况计分"
            + ("，并经考评组复核" if reviewed else "")
            + "。现将考核结果通报如下："
        ),
        "# 一、考核等次",
        *[text(line) for line in _grade_lists(inputs, rules)],
        text(f"各{tier.members}得分、排名和扣分情况见附件。"),
    ]
    if reviewed:
        parts += [text("考评组复核调整事项：")] + [text(line) for line in reviewed]
    parts += [
        "# 二、通报表扬",
        text(
            f"对考核等次为优秀的{_names(commended)}予以通报表扬。"
            if commended
            else f"本年度没有拟予通报表扬的{tier.members}。"
        ),
        "# 三、约谈",
        text(
            f"根据第二十条，对{_names(interviews)}进行约谈，约谈时间另行通知。"
            if interviews
            else f"本年度没有拟约谈的{tier.members}。"
        ),
        *[text(f"{s.region}：{'；'.join(facts_only(s.reasons))}。") for s in inputs.interviews],
        "# 四、次年就业资金增减",
        text(
            f"根据第二十二条，{year + 1}年{tier.fund}与考核结果挂钩（增减合计为零）：增加的有{_names(ups)}；"
            f"减少的有{_names(downs)}。"
            + (
                f"资金基数为样例数，须以{tier.finance}、{tier.bureau}下达数为准。"
                if inputs.funds_are_sample
                else ""
            )
        ),
        "# 五、整改要求",
        text(
            f"各{tier.members}要对照考核中发现的问题，认真分析原因，制定整改措施，于收到本通报之日起{config.rectification_days}日内"
            f"将整改情况书面报送{config.issuer.name}。"
        ),
        _styled("附件说明", text(f"附件：{year}年度就业工作目标责任制考核结果汇总表")),
        *_signature(config),
        _styled("附件标识", "附件"),
        _title(f"{year}年度", "就业工作目标责任制", "考核结果汇总表"),
        _table(summary_table(inputs)),
        *_imprint(config),
    ]
    return "\n\n".join(parts) + "\n"


def formula_text(fact: pd.Series, rules: AssessmentRules) -> str:
    """How the indicator's points came about: the scorer's own formula text
    (:func:`pipeline.annual.scoring.points_formula`, from the same rule objects that produced the points)."""
    return points_formula(fact, rules)


def indicator_table(
    inputs: DocumentInputs, region_code: str, rules: AssessmentRules
) -> pd.DataFrame:
    facts = inputs.facts[inputs.facts["region_code"] == region_code]
    facts = facts[facts["indicator"].isin(list(rules.scoring.weights))]
    points = inputs.points(region_code)
    rows = []
    for _, fact in facts.iterrows():
        weight = rules.scoring.weights[fact["indicator"]]
        got = points[fact["short_name"]]
        flow = fact["kind"] == "cumulative"
        rows.append({
            "指标": fact["short_name"],
            "目标任务": number(fact["task"], fact["unit"]) if flow else f"{'不高于' if fact['kind'] == 'ceiling_each_year' else '不少于'}{number(fact['limit'], fact['unit'])}",
            "完成数": reported_value(fact["done"], indicator(fact["indicator"])) if fact["reported"] else "未报送",
            "完成率": _rate(fact) if flow else ("达标" if fact["met"] else "未达标"),
            "分值": f"{weight:g}", "得分": f"{got:.2f}", "扣分": f"{weight - got:.2f}",
        })  # fmt: skip
    return pd.DataFrame(rows)


def formulas(inputs: DocumentInputs, region_code: str, rules: AssessmentRules) -> list[str]:
    """计算方法, one line per indicator (under the table: a formula in a cell would squeeze it)."""
    facts = inputs.facts[inputs.facts["region_code"] == region_code]
    return [
        f"{fact['short_name']}：{formula_text(fact, rules)}。"
        for _, fact in facts.iterrows()
        if fact["indicator"] in rules.scoring.weights
    ]


def county_letter(
    inputs: DocumentInputs, region_code: str, config: DocumentsConfig, rules: AssessmentRules
) -> str:
    """考核结果告知书 for one county: its result, each indicator with the formula, problems found,
    整改要求 with a deadline field, and how to raise an 异议."""
    year, tier = inputs.year, inputs.tier
    score = inputs.scores.set_index("region_code").loc[region_code]
    fund = inputs.funds.set_index("region_code").loc[region_code]
    facts = inputs.facts[inputs.facts["region_code"] == region_code]
    problems = [d for d in str(score["deductions"] or "").split("；") if d]
    problems += [f"{r.short_name}：{r.wording}" for r in facts.itertuples() if r.questioned]
    notes = str(score.get("review_notes", "") or "")
    if notes:
        problems += [f"考评组复核：{n}" for n in notes.split("；")]
    parts = [
        *_letterhead(config),
        _title(f"{year}年度", "就业工作目标责任制", "考核结果告知书"),
        _styled("主送机关", text(f"{tier.government_of(score['region'])}：")),
        text(
            f"根据{config.basis}第十九条，现将你单位{year}年度就业工作目标责任制考核结果告知如下。"
        ),
        "# 一、考核结果",
        text(
            f"考核得分{score['score']:.2f}分，在{len(inputs.scores)}个{tier.members}中排名第{score['rank']}名，"
            f"考核等次为{score['grade']}。"
            + (
                f"其中按年度任务计分{score['computed_score']:.2f}分，考评组复核加减{score['review_points']:+.2f}分。"
                if "computed_score" in score and score["computed_score"] != score["score"]
                else ""
            )
            + f"{year + 1}年{tier.fund}建议{fund_change(fund['change'], fund['change_share'])}"
            + ("，资金基数为样例数。" if inputs.funds_are_sample else "。")
        ),
        # Why the grade is not what the score alone suggests (the quota, a tie): the scorer's note.
        *(
            [text(f"等次说明：{note}。")]
            if (note := str(score.get("grade_note", "") or ""))
            else []
        ),
        "# 二、各项指标完成及得分情况",
        _table(
            indicator_table(inputs, region_code, rules), "各项指标目标任务、完成数、完成率与得分"
        ),
        text(f"计算方法（据此可逐项核对；{RATE_RULE}）："),
        *[text(line) for line in formulas(inputs, region_code, rules)],
        "# 三、发现的问题",
        *([_item(i, f"{p}。") for i, p in enumerate(problems, 1)] or [text("未发现扣分事项。")]),
        *_warning_part(inputs, region_code),
        "# 四、整改要求",
        text(
            f"请针对上述问题制定整改措施，于□□□□年□□月□□日前（收到本告知书之日起{config.rectification_days}日内）"
            f"将整改情况书面报送{config.issuer.name}。"
            if problems
            else "本年度未发现扣分事项，无须报送整改情况。"
        ),
        "# 五、异议",
        text(
            f"对考核结果有异议的，请于收到本告知书之日起{config.objection.working_days}个工作日内，以"
            f"{config.objection.channel}，写明异议事项、理由并附佐证材料。逾期未提出的，视为无异议。"
        ),
        *_signature(config),
    ]
    return "\n\n".join(parts) + "\n"


RATE_RULE = "完成率保留一位小数，其后各位舍去、不四舍五入，如227÷240＝94.58…%记为94.5%"


def _warning_part(inputs: DocumentInputs, region_code: str) -> list[str]:
    """A 预警提醒 (第二十条's 督查 in advance), when the county has one: the forecasts that put its
    plan targets at risk. It is said to be no part of the score, the grade or a 约谈."""
    warning = next((s for s in inputs.warnings if s.region_code == region_code), None)
    if warning is None:
        return []
    estimated = plan_for_year(inputs.year).allocation_status == "estimate"
    return [
        text(
            "预警提醒（依据预测，不计入得分，不作为约谈依据）：请加快以下十四五目标的进度"
            + (
                f"（各{inputs.tier.members}的规划目标为测算数，尚未正式下达，只作参考）。"
                if estimated
                else "。"
            )
        ),
        *[
            _item(i, f"{reason.removeprefix('（预测）')}。")
            for i, reason in enumerate(warning.reasons, 1)
        ],
    ]


def interview_notice(
    inputs: DocumentInputs, region_code: str, contact: Contact, config: DocumentsConfig
) -> str:
    """约谈通知 (第二十条) for one county, to its 主要负责人 and 分管负责人 (第十三、十四条)."""
    tier = inputs.tier
    suggestion = next(s for s in inputs.interviews if s.region_code == region_code)
    score = inputs.scores.set_index("region_code").loc[region_code]
    principal = contact.principal or "□□□"
    deputy = contact.deputy or "□□□"
    parts = [
        *_letterhead(config),
        _title("关于对", suggestion.region, f"{inputs.year}年度", "就业工作", "进行约谈的通知"),
        _styled(
            "主送机关",
            text(
                f"{tier.government_of(suggestion.region)}主要负责人{principal}同志、分管负责人{deputy}同志："
            ),
        ),
        text(
            f"根据{config.basis}第二十条，经{config.interview.convener}研究，决定就你单位{inputs.year}年度就业工作目标"
            f"责任制落实情况进行约谈。你单位本年度考核得分{score['score']:.2f}分，排名第{score['rank']}名，等次为"
            f"{score['grade']}。主要问题："
        ),
        *[_item(i, f"{reason}。") for i, reason in enumerate(facts_only(suggestion.reasons), 1)],
        "# 一、约谈时间和地点",
        text("时间：□□□□年□□月□□日□□时；地点：□□□□□□。"),
        "# 二、参加人员",
        text(
            f"{tier.government_of(suggestion.region)}主要负责人、分管负责人，{tier.labour_office_of(suggestion.region)}主要负责人。"
        ),
        "# 三、有关要求",
        text(
            "请对照上述问题深入分析原因，形成书面整改方案，约谈时当面汇报，并于约谈后"
            f"{config.rectification_days}日内将整改落实情况书面报送{config.issuer.name}。"
        ),
        *_signature(config),
    ]
    return "\n\n".join(parts) + "\n"


def commendation_notice(
    inputs: DocumentInputs, nominees: list[Nominee], config: DocumentsConfig
) -> str:
    """表扬通报 (第二十一条): 先进单位 from the results, 先进个人 from the nominations list."""
    tier = inputs.tier
    units = [s.region for s in inputs.commendations]
    anyone = bool(units or nominees)
    parts = [
        *_letterhead(config),
        _title(
            "关于对", f"{inputs.year}年度", "就业工作", "先进单位和先进个人", "予以通报表扬的通报"
        ),
        _styled("主送机关", text(config.addressees)),
        text(
            f"{inputs.year}年，各{tier.members}认真落实{config.basis}，稳就业、保就业各项工作取得积极成效。根据第二十一条"
            + (
                "和年度考核结果，决定对以下先进单位和先进个人予以通报表扬。"
                if anyone
                else f"和年度考核结果，本年度没有考核等次为优秀的{tier.members}，也没有推荐的先进个人，不予通报表扬。"
            )
        ),
        "# 一、先进单位",
        *(
            [text(f"{s.region}（{'；'.join(s.reasons)}）") for s in inputs.commendations]
            or [text("本年度无。")]
        ),
        "# 二、先进个人",
        *(
            [text(f"{n.name}（{n.unit}{n.title}）") for n in nominees]
            or [text(f"（先进个人名单由各{tier.members}推荐，经审核后列入。）")]
        ),
        text(
            f"希望受到表扬的单位和个人珍惜荣誉、再接再厉。各{tier.members}要以先进为榜样，"
            f"{'学习' + _names(units) + '的经验做法，' if units else ''}推动就业工作再上新台阶。"
            if anyone
            else f"各{tier.members}要对照年度目标任务，补齐短板，推动就业工作再上新台阶。"
        ),
        *_signature(config),
        *_imprint(config),
    ]
    return "\n\n".join(parts) + "\n"


def leader_summary(inputs: DocumentInputs, rules: AssessmentRules) -> str:
    """领导摘要: one A4 page — grades, top and bottom, 约谈/表扬, funds, review changes."""
    scores = inputs.scores.sort_values("rank")
    funds = inputs.funds
    top, bottom = rank_ends(scores, first=True), rank_ends(scores, first=False)
    total = funds["change"].sum()
    total = 0.0 if round(total, 2) == 0 else total  # budget neutral: never '+0.00' or '-0.00'
    parts = [
        _title(f"{inputs.year}年度", "就业工作目标责任制", "考核结果摘要"),
        "# 一、总体结果",
        text(f"考核{len(scores)}个{inputs.tier.members}，平均得分{scores['score'].mean():.2f}分。"),
        *[text(line) for line in _grade_lists(inputs, rules)],
        text(f"前三名：{top}；后三名：{bottom}。"),
        "# 二、约谈与表扬建议",
        text(
            f"建议约谈：{_names([s.region for s in inputs.interviews])}；建议通报表扬：{_names([s.region for s in inputs.commendations])}；"
            f"预警提醒（依据预测，不作为约谈依据）：{_names([s.region for s in inputs.warnings])}。"
        ),
        "# 三、次年资金增减",
        text(
            f"预算中性，增减合计{total:,.2f}万元；增加最多的{_most(funds, 'max')}，"
            f"减少最多的{_most(funds, 'min')}"
            + ("（资金基数为样例数）" if inputs.funds_are_sample else "")
            + "。"
        ),
        "# 四、考评组复核",
        text(
            f"复核调整{len(inputs.changes)}项："
            + "；".join(f"{c.region}{c.item}{c.before}→{c.after}" for c in inputs.changes[:6])
            + ("等" if len(inputs.changes) > 6 else "")
            + "。"
            if inputs.changes
            else "尚无复核调整事项。"
        ),
    ]
    return "\n\n".join(parts) + "\n"


def _most(funds: pd.DataFrame, which: str) -> str:
    """The county (or the counties, when several share the amount to the 万元 cent) with the largest
    increase or decrease."""
    cents = funds["change"].round(2)
    extreme = cents.max() if which == "max" else cents.min()
    rows = funds[cents == extreme].sort_values("rank")
    lines = [_fund_line(r) for r in rows.itertuples()]
    return lines[0] if len(lines) == 1 else f"{len(lines)}个：{_names(lines)}"


def summary_sheet(inputs: DocumentInputs) -> str:
    """A3 landscape 考核结果汇总表 for print: every indicator per county."""
    return (
        "\n\n".join(
            [
                _title(f"{inputs.year}年度就业工作目标责任制考核结果汇总表", width=A3_TITLE_EMS),
                _table(summary_table(inputs, wide=True)),
                _styled(
                    "表格说明",
                    text(
                        "完成：年度任务为完成率，逐年控制指标为本年数值；得分为各指标得分（100分制）。"
                    ),
                ),
                _styled("表格说明", text("扣分情况：")),
                *[
                    _styled("表格说明", _item(row.rank, f"{row.region}：{row.deductions}"))
                    for row in inputs.scores.sort_values("rank").itertuples()
                    if row.deductions
                ],
            ]
        )
        + "\n"
    )
