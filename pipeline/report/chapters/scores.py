"""四、考核得分与排名 (第十九条): the grades' lines, each county's score, grade and rank with its
deductions, what the 考评组's review changed, and the map of scores."""

from __future__ import annotations

import json

import pandas as pd

from pipeline import REFERENCE_DIR
from pipeline.annual.exact import exact, percent_text, signed
from pipeline.annual.results import YearResults
from pipeline.config.assessment_rules import Grade, load_rules
from pipeline.config.regions import tier_words
from pipeline.config.schema import load_regions_config
from pipeline.report import charts, markup
from pipeline.report.formatting import Figures, pct, points, whole
from pipeline.report.inputs import ReportInputs

TASK_RULE_NAMES = {"tiered": "差距分档扣分", "proportional": "完成率比例"}
REVIEWED_WIDTHS = [2, 3, 2, 2, 2, 3, 2, 9]  # with the 考评组复核 column
WIDTHS = [2, 3, 2, 2, 3, 2, 11]


def reviewed(results: YearResults) -> bool:
    """Whether the 考评组's review has entries this year (then every score table shows them)."""
    return bool(results.scores["review_notes"].astype(bool).any())


def scores_table(results: YearResults) -> pd.DataFrame:
    """Rank, county, score, the change from last year, the 完成率 (for reference), grade and
    deductions; the review's points beside the score when there was a review."""
    scores = results.scores
    previous = (
        results.previous_scores.set_index("region_code")["score"]
        if results.previous_scores is not None
        else None
    )
    table = pd.DataFrame(
        {
            "排名": scores["rank"],
            "地区": scores["region"],
            "得分": [points(v) for v in scores["score"]],
            "比上年": [
                signed(v - previous[c], ".2f") if previous is not None else "—"
                for v, c in zip(scores["score"], scores["region_code"], strict=True)
            ],
            "任务平均完成率（仅供参考）": [pct(v) for v in scores["tie_break"]],
            "等次": scores["grade"],
            "扣分情况": [d if d else "无扣分" for d in scores["deductions"]],
        }
    )
    if reviewed(results):
        table.insert(
            3,
            "其中考评组复核",
            [signed(v, ".2f") if v else "—" for v in scores["review_points"]],
        )
    return table


def review_section(results: YearResults) -> str:
    """What the 考评组's review added, county by county, and every result it changed ('' without
    a review)."""
    if not reviewed(results):
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
        markup.table(
            changes,
            label="tbl-review-changes",
            caption="考评组复核带来的变化",
            widths=[2, 2, 2, 2, 8, 3],
        )
        if len(changes)
        else "复核没有改变任何得分、名次、等次、建议或资金。"
    )
    return (
        "### 考评组复核（第二十条；第十、十一、十二条）\n\n"
        "下列得分已计入考评组的复核事项（督查发现、数字之外的职责、加减分、一票否决、改正；每条附理由和文号），"
        "名次、等次、约谈与表扬建议和资金增减都按复核后的得分确定。\n\n"
        + "\n".join(lines)
        + "\n\n"
        + table
    )


def grade_lines(grades: list[Grade]) -> str:
    """'优秀（90分及以上）、良好（80分及以上）、…、不达标（低于60分）'."""
    above = "".join(f"{g.name}（{whole(g.min_score)}分及以上）、" for g in grades[:-1])
    return above + f"{grades[-1].name}（低于{whole(grades[-2].min_score)}分）"


def _score_map(inputs: ReportInputs, figures: Figures) -> str:
    """The map of scores and grades ('' for a county's towns: no boundaries, no map)."""
    boundaries_file = load_regions_config().boundaries
    if not boundaries_file:
        return ""
    boundaries = json.loads((REFERENCE_DIR / boundaries_file).read_text(encoding="utf-8"))
    year, members = inputs.year, tier_words().members
    grades = [g.name for g in load_rules().grades]
    chart = charts.score_map(
        inputs.results.scores, boundaries, f"{year}年各{members}考核得分与等次", grades
    )
    return figures.place(
        chart, "score-map.png", "fig-score-map", f"{year}年各{members}考核得分分布"
    )


def context(inputs: ReportInputs, figures: Figures) -> dict:
    """The chapter's template entries (``templates/chapters/scores.qmd.j2``)."""
    rules, results = load_rules(), inputs.results
    return {
        "grade_lines": grade_lines(rules.grades),
        "quota_share": percent_text(exact(rules.excellent_quota.max_share)),
        "task_rule_name": TASK_RULE_NAMES[rules.scoring.task_rule],
        "table": markup.table(
            scores_table(results),
            label="tbl-scores",
            caption=f"{inputs.year}年各{tier_words().members}考核得分与排名",
            widths=REVIEWED_WIDTHS if reviewed(results) else WIDTHS,
        ),
        "review_section": review_section(results),
        "score_map": _score_map(inputs, figures),
    }
