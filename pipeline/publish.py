"""Publish the annual assessment report (Chinese): HTML for the offline intranet and PDF for print.

The report text is one Markdown document built from the processed data. With ``quarto`` on PATH it
is rendered by Quarto; otherwise by the fallback: python-markdown to HTML with every chart and style
inlined (nothing is loaded from the network), and WeasyPrint from that HTML to a PDF with the CJK
font embedded.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import markdown
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from matplotlib import pyplot as plt

from pipeline import PROJECT_ROOT, charts, forecast
from pipeline.assess import CALIBRATION_FIRST_ORIGIN, STATUSES, elapsed_years
from pipeline.clean import TIDY_FILE, load_qa_log
from pipeline.config import load_targets_config
from pipeline.indicators import indicators, plan_for_year
from pipeline.reference import published_figures
from pipeline.regions import all_regions, city

SAMPLE_MARKER = "样例数据"
KIND_TEXT = {
    "cumulative": "规划期累计目标：{plan}期间累计完成不少于 {target}{unit}。",
    "ceiling_each_year": "逐年控制目标：规划期内每年不高于 {target}{unit}。",
    "floor_each_year": "逐年目标：规划期内每年不低于 {target}{unit}。",
}
_environment = Environment(
    loader=PackageLoader("pipeline"), undefined=StrictUndefined, keep_trailing_newline=True
)


def report_stem(year: int) -> str:
    return f"annual-assessment-{year}"


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table; '|' inside cells is escaped."""
    cells = frame.astype(str).map(lambda text: text.replace("|", "\\|").replace("\n", " "))
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, rule, *body])


@dataclass
class ReportInputs:
    year: int
    assessment: pd.DataFrame
    paths: pd.DataFrame
    tidy: pd.DataFrame
    qa_log: pd.DataFrame

    @classmethod
    def load(cls, processed_dir: Path, year: int) -> ReportInputs:
        base = processed_dir / str(year)
        return cls(
            year=year,
            assessment=pd.read_csv(
                base / "assessment.csv",
                dtype={"region_code": str, "note": str},
                keep_default_na=True,
            ),
            paths=pd.read_csv(base / "forecast_paths.csv", dtype={"region_code": str}),
            tidy=pd.read_csv(base / TIDY_FILE, dtype={"region_code": str}),
            qa_log=load_qa_log(processed_dir, year),
        )

    @property
    def is_sample(self) -> bool:
        """True when any submission carries the sample note row (the data says so itself)."""
        notes = self.qa_log[self.qa_log["rule"] == "说明行"]["message"]
        return bool(notes.str.contains(SAMPLE_MARKER).any())


def _save(figure: plt.Figure, path: Path) -> str:
    figure.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(figure)
    return f"{path.parent.name}/{path.name}"


def _table(assessment: pd.DataFrame, drop: list[str]) -> str:
    table = charts.assessment_table(assessment).drop(columns=drop)
    return markdown_table(table.fillna(""))


def build_markdown(inputs: ReportInputs, out_dir: Path) -> str:
    """Write the charts to ``out_dir/figures`` and return the report's Markdown."""
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    year, assessment = inputs.year, inputs.assessment
    plan = plan_for_year(year)
    settings = load_targets_config()
    images = {"matrix": _save(charts.status_matrix(assessment), figures / "status-matrix.png")}
    indicator_sections = []
    for item in indicators():
        rows = assessment[assessment["indicator"] == item.id]
        if rows.empty:
            continue
        image = None
        if item.kind == "cumulative":
            image = _save(
                charts.progress_bars(assessment, item.id, year), figures / f"progress-{item.id}.png"
            )
        target_value = plan.city_targets[item.id]
        indicator_sections.append({
            "name": item.name, "article": item.article, "image": image,
            "description": KIND_TEXT[item.kind].format(plan=plan.name, target=charts.format_value(target_value, item.unit), unit=item.unit)
            + ("县区目标为按人口分解的数（见 config/targets.yaml）。" if item.kind == "cumulative" else ""),
            "table": _table(rows, ["指标"] + ([] if item.kind == "cumulative" else ["时序进度差（百分点）"])),
        })  # fmt: skip
    region_sections = []
    for region in all_regions():
        rows = assessment[assessment["region_code"] == region.code]
        figure = charts.region_panel(inputs.tidy, inputs.paths, region, year)
        region_sections.append({
            "name": region.name, "code": region.code,
            "table": _table(rows, ["地区", "说明"]),
            "image": _save(figure, figures / f"region-{region.code}.png"),
        })  # fmt: skip
    counties_only = assessment[assessment["region_code"] != city().code]
    difficult = counties_only[counties_only["status"] == "难以完成"].groupby("region", sort=False)[
        "indicator_name"
    ]
    interview_min = settings.accountability.interview_min_difficult
    interviews = [
        (region, "、".join(names)) for region, names in difficult if len(names) >= interview_min
    ]
    on_track = counties_only.groupby("region", sort=False)["status"].agg(
        lambda s: s.isin(["已完成", "进度正常"]).all()
    )
    qa = inputs.qa_log
    qa_summary = (
        qa.groupby("rule")["status"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=["PASS", "WARN", "FAIL"], fill_value=0)
    )
    problems = qa[qa["status"] != "PASS"][["status", "rule", "file", "row", "column", "message"]]
    context = {
        "year": year, "plan": plan, "generated_on": date.today().isoformat(), "is_sample": inputs.is_sample,
        "n_rows": len(assessment),
        "status_counts": [(s, int((assessment["status"] == s).sum())) for s in (*STATUSES, "无数据") if (assessment["status"] == s).any()],
        "thresholds": settings.status_thresholds,
        "city_table": _table(assessment[assessment["region_code"] == city().code], ["地区"]),
        "images": images, "interview_min": interview_min, "interviews": interviews,
        "commendations": [region for region, ok in on_track.items() if ok],
        "indicator_sections": indicator_sections, "region_sections": region_sections,
        "qa_summary": markdown_table(qa_summary.reset_index().rename(columns={"rule": "规则"})),
        "qa_problems": markdown_table(problems.rename(columns={"status": "结果", "rule": "规则", "file": "文件", "row": "行", "column": "列", "message": "说明"})) if not problems.empty else "",
        "method": {"full_min": forecast.FULL_MODEL_MIN_POINTS, "trend_min": forecast.TREND_MIN_POINTS, "n_paths": settings.forecast.n_paths, "seed": settings.forecast.seed, "first_origin": CALIBRATION_FIRST_ORIGIN},
        "backtest": _backtest_summary(),
        "pct": lambda share: f"{share * 100:.1f}%",
        "elapsed_share": f"{elapsed_years(year, plan) / len(plan.years) * 100:.0f}%",
        "max_years": int(inputs.tidy["year"].nunique()),
        "published_table": _published_table(),
        "sources_table": _sources_table(inputs.tidy),
    }  # fmt: skip
    return _environment.get_template("report.md.j2").render(context)


def _backtest_summary() -> dict | None:
    """The key figures of the last ``make backtest`` (docs/backtest/summary.json), if it ran."""
    path = PROJECT_ROOT / "docs" / "backtest" / "summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _published_table() -> str:
    figures = published_figures()
    relevant = figures[figures["indicator"].str.contains("社区工厂|返乡|返鄉|归雁|歸雁")]
    table = relevant[["region", "year", "indicator", "value", "unit", "source_title", "source_url"]]
    return markdown_table(table.rename(columns={
        "region": "地区", "year": "年份", "indicator": "指标（原文）", "value": "数值", "unit": "单位",
        "source_title": "来源", "source_url": "网址",
    }))  # fmt: skip


def _sources_table(tidy: pd.DataFrame) -> str:
    files = tidy.groupby("source_file")["year"].first().sort_values()
    return markdown_table(pd.DataFrame({"年份": files.values, "文件": files.index}))


_IMG_SRC = re.compile(r'src="(figures/[^"]+\.png)"')


def render_html(markdown_text: str, out_dir: Path, title: str) -> str:
    """Self-contained HTML: styles inline and every chart as a data: URI."""
    body = markdown.markdown(markdown_text, extensions=["tables", "sane_lists"])

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode((out_dir / match[1]).read_bytes()).decode("ascii")
        return f'src="data:image/png;base64,{data}"'

    body = _IMG_SRC.sub(inline, body)
    return _environment.get_template("report.html.j2").render(title=title, body=body)


def render_pdf(html_text: str, pdf_path: Path) -> None:
    from weasyprint import HTML  # imported here: loading Pango is slow and only the PDF needs it

    HTML(string=html_text).write_pdf(pdf_path)


QMD_FRONT_MATTER = """---
title: "{title}"
lang: zh-CN
format:
  html:
    embed-resources: true
    toc: true
  typst:
    mainfont: "Noto Sans CJK SC"
    toc: true
---

"""


def render_with_quarto(
    markdown_text: str, out_dir: Path, stem: str, title: str, quarto: str
) -> None:
    """Render the same Markdown with Quarto: HTML (embedded resources) and PDF (Typst)."""
    body = markdown_text.split("\n", 1)[1]  # the title goes in the front matter
    qmd = out_dir / f"{stem}.qmd"
    qmd.write_text(QMD_FRONT_MATTER.format(title=title) + body, encoding="utf-8")
    for target in ("html", "typst"):
        subprocess.run([quarto, "render", qmd.name, "--to", target], cwd=out_dir, check=True)


def publish(
    processed_dir: Path, year: int, out_dir: Path, use_quarto: bool | None = None
) -> list[Path]:
    """Write the report files into ``out_dir`` and return their paths.

    ``use_quarto`` None means: Quarto when it is on PATH, the fallback otherwise."""
    inputs = ReportInputs.load(processed_dir, year)
    stem = report_stem(year)
    markdown_text = build_markdown(inputs, out_dir)
    (out_dir / f"{stem}.md").write_text(markdown_text, encoding="utf-8")
    title = markdown_text.splitlines()[0].lstrip("# ").strip()
    quarto = shutil.which("quarto")
    if use_quarto is None:
        use_quarto = quarto is not None
    if use_quarto:
        if quarto is None:
            raise FileNotFoundError("要求用 Quarto 渲染，但 PATH 中没有 quarto")
        render_with_quarto(markdown_text, out_dir, stem, title, quarto)
    else:
        html_text = render_html(markdown_text, out_dir, title)
        (out_dir / f"{stem}.html").write_text(html_text, encoding="utf-8")
        render_pdf(html_text, out_dir / f"{stem}.pdf")
    return [out_dir / f"{stem}.html", out_dir / f"{stem}.pdf"]
