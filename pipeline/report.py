"""The report's content: the Quarto Markdown document built from the processed data of one year.

Everything the report says is computed here (or in the modules it calls) and written with the
building blocks of ``pipeline/document.py``; ``pipeline/publish.py`` renders the result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from matplotlib import pyplot as plt

from pipeline import PROJECT_ROOT, charts, document, forecast
from pipeline.assess import CALIBRATION_FIRST_ORIGIN, STATUSES, elapsed_years
from pipeline.clean import TIDY_FILE, load_qa_log
from pipeline.config import load_targets_config
from pipeline.indicators import indicators, plan_for_year
from pipeline.reference import published_figures
from pipeline.regions import all_regions, city

SAMPLE_MARKER = "样例数据"
SAMPLE_CALLOUT = document.callout(
    "warning",
    "样例数据，非真实填报",
    "本报告所用的各县（市、区）报表是由 `scripts/make_sample_data.py` 按固定随机种子构造的样例数据："
    "规模取自文件规定的五年目标（如新增城镇就业五年10万人，约每年2万人），县区比重取自真实的2021年户籍人口，"
    "其余（2020年冲击、各县差异、空白单元格）均为演示用的假设。报告中的完成数、概率和状态**不反映**任何县区的"
    "真实工作情况，不得用于考核。正式使用时，请把各县区报送的报表放入 `data/raw/<年份>/`（见 README）。",
)
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


def _table(assessment: pd.DataFrame, drop: list[str], *, label: str, caption: str) -> str:
    table = charts.assessment_table(assessment).drop(columns=drop)
    return document.table(table.fillna(""), label=label, caption=caption)


def build_markdown(inputs: ReportInputs, out_dir: Path) -> str:
    """Write the charts to ``out_dir/figures`` and return the report's Markdown."""
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    year, assessment = inputs.year, inputs.assessment
    plan = plan_for_year(year)
    settings = load_targets_config()
    images = {
        "matrix": document.figure(
            _save(charts.status_matrix(assessment), figures / "status-matrix.png"),
            label="fig-status-matrix", caption="各地区目标完成状态与达标概率",
        )
    }  # fmt: skip
    indicator_sections = []
    for item in indicators():
        rows = assessment[assessment["indicator"] == item.id]
        if rows.empty:
            continue
        image = None
        if item.kind == "cumulative":
            image = document.figure(
                _save(
                    charts.progress_bars(assessment, item.id, year),
                    figures / f"progress-{item.id}.png",
                ),
                label=f"fig-progress-{item.id}", caption=f"{item.name}完成进度",
            )  # fmt: skip
        target_value = plan.city_targets[item.id]
        indicator_sections.append({
            "name": item.name, "article": item.article, "image": image,
            "description": KIND_TEXT[item.kind].format(plan=plan.name, target=charts.format_value(target_value, item.unit), unit=item.unit)
            + ("县区目标为按人口分解的数（见 config/targets.yaml）。" if item.kind == "cumulative" else ""),
            "table": _table(rows, ["指标"] + ([] if item.kind == "cumulative" else ["时序进度差（百分点）"]), label=f"tbl-indicator-{item.id}", caption=f"{item.name}：各地区完成情况与预测"),
        })  # fmt: skip
    region_sections = []
    for region in all_regions():
        rows = assessment[assessment["region_code"] == region.code]
        figure = charts.region_panel(inputs.tidy, inputs.paths, region, year)
        region_sections.append({
            "name": region.name, "code": region.code,
            "table": _table(rows, ["地区", "说明"], label=f"tbl-region-{region.code}", caption=f"{region.name}各项目标完成情况与预测"),
            "image": document.figure(_save(figure, figures / f"region-{region.code}.png"), label=f"fig-region-{region.code}", caption=f"{region.name}历年完成数与预测"),
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
        "year": year, "plan": plan, "basis": document.text(plan.source), "data_as_of": f"{year}年末", "generated_on": date.today().isoformat(), "is_sample": inputs.is_sample, "sample_callout": SAMPLE_CALLOUT,
        "n_rows": len(assessment),
        "status_counts": [(s, int((assessment["status"] == s).sum())) for s in (*STATUSES, "无数据") if (assessment["status"] == s).any()],
        "thresholds": settings.status_thresholds,
        "city_table": _table(assessment[assessment["region_code"] == city().code], ["地区"], label="tbl-city", caption=f"{city().name}目标完成情况与预测"),
        "images": images, "interview_min": interview_min, "interviews": interviews,
        "commendations": [region for region, ok in on_track.items() if ok],
        "indicator_sections": indicator_sections, "region_sections": region_sections,
        "qa_summary": document.table(qa_summary.reset_index().rename(columns={"rule": "规则"}), label="tbl-qa-summary", caption="数据质量检查规则与结果"),
        "qa_problems": document.table(problems.rename(columns={"status": "结果", "rule": "规则", "file": "文件", "row": "行", "column": "列", "message": "说明"}), label="tbl-qa-problems", caption="需关注的数据质量问题", widths=[1, 2, 3, 1, 1, 6]) if not problems.empty else "",
        "method": {"full_min": forecast.FULL_MODEL_MIN_POINTS, "trend_min": forecast.TREND_MIN_POINTS, "n_paths": settings.forecast.n_paths, "seed": settings.forecast.seed, "first_origin": CALIBRATION_FIRST_ORIGIN},
        "backtest": _backtest_summary(),
        "pct": lambda share: f"{share * 100:.1f}%",
        "elapsed_share": f"{elapsed_years(year, plan) / len(plan.years) * 100:.0f}%",
        "max_years": int(inputs.tidy["year"].nunique()),
        "published_table": _published_table(),
        "sources_table": _sources_table(inputs.tidy),
    }  # fmt: skip
    return _environment.get_template("report.qmd.j2").render(context)


def _backtest_summary() -> dict | None:
    """The key figures of the last ``make backtest`` (docs/backtest/summary.json), if it ran."""
    path = PROJECT_ROOT / "docs" / "backtest" / "summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _published_table() -> str:
    figures = published_figures()
    relevant = figures[figures["indicator"].str.contains("社区工厂|返乡|返鄉|归雁|歸雁")]
    table = relevant[["region", "year", "indicator", "value", "unit", "source_title", "source_url"]]
    return document.table(table.rename(columns={
        "region": "地区", "year": "年份", "indicator": "指标（原文）", "value": "数值", "unit": "单位",
        "source_title": "来源", "source_url": "网址",
    }), label="tbl-published", caption="公开资料中的相关数字", widths=[1, 1, 3, 1, 1, 3, 3])  # fmt: skip


def _sources_table(tidy: pd.DataFrame) -> str:
    files = tidy.groupby("source_file")["year"].first().sort_values()
    return document.table(
        pd.DataFrame({"年份": files.values, "文件": files.index}),
        label="tbl-sources",
        caption="原始报表文件",
        widths=[1, 6],
    )
