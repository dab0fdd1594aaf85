"""The report's document: the Quarto Markdown (.qmd) of one year, assembled from its chapters.

Each chapter of the report has a module in ``pipeline/report/chapters/`` that returns its ready
entries (text, tables, figures, every number already formatted) and a template partial in
``templates/chapters/`` that places them; ``templates/report.qmd.j2`` includes the partials in
the report's order. The chapters present what the stages computed (:class:`ReportInputs`) with
the building blocks of ``pipeline/report/markup.py``; ``pipeline/report/publish.py`` renders the
result. The officials' workbook is written beside it (``pipeline/report/workbook/``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2.utils import htmlsafe_json_dumps

from pipeline.config.assessment_rules import load_rules
from pipeline.config.regions import city, counties, tier_words
from pipeline.report import markup
from pipeline.report.chapters import (
    departments,
    final_term,
    meetings,
    methods,
    outlook,
    quality,
    regions,
    scores,
    sources,
    suggestions,
    summary,
    tasks,
)
from pipeline.report.formatting import SAMPLE_STATUS, Figures, chinese_number
from pipeline.report.inputs import ReportInputs
from pipeline.report.workbook import sheets as workbook


def report_stem(year: int) -> str:
    return f"annual-assessment-{year}"


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


def front_matter(inputs: ReportInputs) -> str:
    """The title block as YAML (JSON, which YAML reads, with every markup character escaped)."""
    year, plan, top = inputs.year, inputs.plan, city().name
    data_as_of = f"{year}年末"
    subtitle = (
        f"**依据：**{markup.text(plan.source)}　**规划期：**{plan.name}（{plan.start}–{plan.end}年）"
        f"　**考核年度：**{year}年　**数据截至：**{data_as_of}"
    )
    title_block = {
        "title": f"{top}{year}年度就业工作目标责任制考核分析报告",
        "subtitle": subtitle,
        "author": f"{top}人力资源和社会保障局",
        "date": date.today().isoformat(),
        "data-as-of": data_as_of,
        "sample-status": SAMPLE_STATUS if inputs.is_sample else "",
    }
    # Jinja's tojson: sorted keys, and < > & ' written as \\u escapes (the title block is inert)
    return str(htmlsafe_json_dumps(title_block, sort_keys=True))


def build_markdown(inputs: ReportInputs, out_dir: Path) -> str:
    """Write the charts to ``out_dir/figures`` and the officials' workbook to ``out_dir``, and
    return the report's Quarto Markdown."""
    figures = Figures(out_dir / "figures", SAMPLE_STATUS if inputs.is_sample else "")
    figures.folder.mkdir(parents=True, exist_ok=True)
    year, results = inputs.year, inputs.results
    text, glance = summary.executive_summary(inputs), summary.glance_table(inputs)
    workbook.write(inputs, text, glance, out_dir)
    final_part = final_term.context(results.plan, load_rules())
    # the county pages follow 六, or the plan's 终期 part (七) in its last year; the departments'
    # chapter follows them
    regions_number, departments_number = ("八", "九") if final_part else ("七", "八")
    context = {
        "front_matter": front_matter(inputs),
        "year": year,
        "plan": inputs.plan,
        "final": inputs.final,
        "tier": tier_words(),
        "n_counties_text": chinese_number(len(counties())),
        "top_grade": load_rules().grades[0].name,
        "estimated_allocation": inputs.plan.allocation_status != "issued",
        "workbook": workbook.workbook_name(year),
        "is_sample": inputs.is_sample,
        "sample_callout": sample_callout(),
        "summary": summary.context(inputs, text, glance),
        "tasks": tasks.context(inputs),
        "meetings": meetings.context(inputs),
        "scores": scores.context(inputs, figures),
        "suggestions": suggestions.context(inputs),
        "outlook": outlook.context(inputs, figures),
        "final_term": final_part,
        "regions": regions.context(inputs, figures, regions_number),
        "departments_chapter": (
            departments.chapter(inputs.departments, year, departments_number)
            if inputs.departments
            else ""
        ),
        "quality": quality.context(inputs.qa_log),
        "methods": methods.context(inputs),
        "sources": sources.context(year, inputs.tidy),
    }
    return markup.render("report.qmd.j2", context)
