"""六、规划目标完成预测 (before the plan's last year) or 规划目标最终完成情况 (in it): the status of
every plan target, how much history the probabilities rest on, the city's table and the status
matrix, then one section per indicator with its target, its table and its progress chart."""

from __future__ import annotations

from functools import partial

import pandas as pd

from pipeline.config.indicators import indicators
from pipeline.config.regions import city, tier_words
from pipeline.config.schema import load_targets_config
from pipeline.plan_targets.assess import FINAL_STATUSES, STATUSES
from pipeline.plan_targets.verdict import NO_DATA
from pipeline.report import charts, markup
from pipeline.report.chapters.meetings import MEETINGS
from pipeline.report.formatting import Figures, final_or_progress, whole_percent
from pipeline.report.inputs import ReportInputs
from pipeline.store import catalog

KIND_TEXT = {
    "cumulative": "规划期累计目标：{plan}期间累计完成不少于 {target}{unit}。",
    "ceiling_each_year": "逐年控制目标：规划期内每年不高于 {target}{unit}。",
    "floor_each_year": "逐年目标：规划期内每年不低于 {target}{unit}。",
}


def target_table(
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


def history_caveat(assessment: pd.DataFrame, minimum: int) -> str:
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
            f"同一{tier_words().members_short}的概率可能在50%与90%之间摆动），"
            "只宜作为预警和排序参考，不宜作为考核依据。"
        )
        return markup.callout("caution", "预测依据的数据年数较少", text)
    return markup.callout("note", "预测的依据", text + "概率应作为预警和排序参考。")


def status_counts(assessment: pd.DataFrame) -> str:
    """'进度正常 30 项，存在风险 5 项，…': each status that occurs, in the statuses' order."""
    counts = assessment["status"].value_counts()
    return "，".join(
        f"{s} {int(counts.get(s, 0))} 项"
        for s in (*FINAL_STATUSES, *STATUSES, NO_DATA)
        if counts.get(s, 0)
    )


def _indicator_sections(inputs: ReportInputs, figures: Figures) -> list[dict]:
    year, plan, final, assessment = inputs.year, inputs.plan, inputs.final, inputs.assessment
    sections = []
    for item in indicators():
        rows = assessment[assessment["indicator"] == item.id]
        if rows.empty or item.id == MEETINGS:
            continue
        image = None
        if item.kind == "cumulative":
            caption = f"{item.name}：截至{year}年完成{plan.name}目标的比例"
            count = len(charts.progress_bar_parts(assessment, item.id))
            image = "\n\n".join(
                figures.place(
                    charts.progress_bars(assessment, item.id, year, (number, count)),
                    f"progress-{item.id}{charts.part_suffix(number)}.png",
                    f"fig-progress-{item.id}{charts.part_suffix(number)}",
                    charts.part_title(caption, number, count),
                )
                for number in range(1, count + 1)
            )
        target = charts.format_value(plan.city_targets[item.id], item)
        sections.append(
            {
                "number": len(sections) + 1,
                "name": item.name,
                "article": item.article,
                "image": image,
                "new_page": markup.starts_page(len(rows)),
                "description": KIND_TEXT[item.kind].format(
                    plan=plan.name, target=target, unit=item.unit
                ),
                "table": target_table(
                    rows,
                    ["指标"],
                    label=f"tbl-plan-{item.id}",
                    caption=f"{item.name}：{plan.name}目标" + final_or_progress(final),
                    final=final,
                ),
            }
        )
    return sections


def _matrix(inputs: ReportInputs, figures: Figures) -> str:
    """The status matrix the city stage drew, part by part (each fits a printed page)."""
    title = charts.status_matrix_title(inputs.plan, inputs.year)
    placed = []
    for number, (caption, rows) in enumerate(
        charts.status_matrix_parts(inputs.assessment, title), 1
    ):
        drawn = catalog.status_matrix_file(inputs.processed_dir, inputs.year, number)
        suffix = charts.part_suffix(number)
        placed.append(
            figures.reuse(
                catalog.require(drawn, "make report", inputs.year),
                f"status-matrix{suffix}.png",
                f"fig-status-matrix{suffix}",
                caption,
                partial(charts.status_matrix, rows, caption),
            )
        )
    return "\n\n".join(placed)


def context(inputs: ReportInputs, figures: Figures) -> dict:
    """The chapter's template entries (``templates/chapters/outlook.qmd.j2``)."""
    plan, final, assessment = inputs.plan, inputs.final, inputs.assessment
    settings = load_targets_config()
    thresholds = settings.status_thresholds
    return {
        "n_rows": len(assessment),
        "status_counts": status_counts(assessment),
        "on_track_min": whole_percent(thresholds.on_track_min_probability),
        "at_risk_min": whole_percent(thresholds.at_risk_min_probability),
        "history_caveat": (
            "" if final else history_caveat(assessment, settings.forecast.short_history_years)
        ),
        "city_table": target_table(
            assessment[assessment["region_code"] == city().code],
            ["地区"],
            label="tbl-city",
            caption=f"{city().name}{plan.name}目标" + final_or_progress(final),
            final=final,
        ),
        "matrix": _matrix(inputs, figures),
        "sections": _indicator_sections(inputs, figures),
    }
