"""The report's content for an ordinary year (2024) and the plan's last year (2025), built in one
process from the sample (no notebooks, no rendering): the wording an official reads."""

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline import RAW_DIR
from pipeline.assess import assess
from pipeline.clean import QA_FILE, TIDY_FILE, intake
from pipeline.regions import all_regions
from pipeline.report import ReportInputs, build_markdown, workbook_name


def _processed(root: Path, year: int, calibration=None) -> ReportInputs:
    tidy, log = intake(RAW_DIR, year)
    assessment, paths = assess(
        tidy[tidy["measure"] == "actual"], year, list(all_regions()), calibration
    )
    folder = root / str(year)
    folder.mkdir(parents=True)
    assessment.to_csv(folder / "assessment.csv", index=False)
    paths.to_csv(folder / "forecast_paths.csv", index=False)
    tidy.to_csv(folder / TIDY_FILE, index=False)
    log.to_frame().to_csv(folder / QA_FILE, index=False)
    return ReportInputs.load(root, year)


@pytest.fixture(scope="module")
def report_2024(tmp_path_factory, sample_calibration) -> tuple[str, Path]:
    root = tmp_path_factory.mktemp("content-2024")
    out = root / "out"
    out.mkdir()
    return build_markdown(_processed(root, 2024, sample_calibration), out), out


@pytest.fixture(scope="module")
def report_2025(tmp_path_factory) -> tuple[str, Path]:
    root = tmp_path_factory.mktemp("content-2025")
    out = root / "out"
    out.mkdir()
    return build_markdown(_processed(root, 2025), out), out


def test_2024_states_the_years_tasks_in_the_bureaus_words(report_2024):
    text, _ = report_2024
    # 紫阳县 2024 (sample): task 2,180, done 1,948.
    assert "| 紫阳县 | 2,180 | 1,948 | 89.4% |" in text
    assert "完成20,206人，完成年目标任务20,000人的101.0%" in text
    assert "3.26%，比年目标4%低0.74个百分点" in text
    for heading in (
        "第七条、第九条",
        "第十二条",
        "第十九条",
        "第二十条",
        "第二十一条",
        "第二十二条",
    ):
        assert heading in text
    assert "宁陕县（1次，比每年不少于2次的要求少1次）" in text  # meetings as a fact
    assert "达标概率" in text and "依据年数" in text


def test_2024_rows_never_contradict_themselves(report_2024):
    text, _ = report_2024
    for line in text.splitlines():
        if line.startswith("|") and "难以完成" in line:
            assert "当前速度可完成" not in line and "进度正常" not in line, line


def test_2025_is_a_verdict_without_forecasts(report_2025):
    text, _ = report_2025
    assert "十四五规划目标最终完成情况" in text
    assert "达标概率" not in text and "80%预测区间" not in text and "状态依据" not in text
    assert "| 未完成 |" in text and "差13人，完成规划目标的99.8%" in text  # 白河县 6,987 of 7,000
    assert "存在风险" not in text and "难以完成" not in text and "（预测" not in text


def test_the_workbook_holds_every_sheet_with_frozen_headers(report_2024):
    _, out = report_2024
    book = load_workbook(out / workbook_name(2024))
    assert book.sheetnames == [
        "摘要", "考核一览", "年度任务", "规划进度", "得分排名", "约谈建议", "表扬建议", "资金调整", "数据质量",
    ]  # fmt: skip
    tasks = book["年度任务"]
    assert tasks.freeze_panes == "A3" and tasks["A1"].value.startswith("样例数据")
    headers = [c.value for c in tasks[2]]
    rate = headers.index("完成率") + 1
    assert tasks.cell(3, rate).number_format == "0.0%"
    assert isinstance(tasks.cell(3, rate).value, float)
    funds = pd.read_excel(
        out / workbook_name(2024), sheet_name="资金调整", header=1, engine="openpyxl"
    )
    assert funds["建议增减（万元）"].sum() == pytest.approx(0, abs=1e-6)
