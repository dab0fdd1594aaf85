"""The report's content for an ordinary year (2024, the session's end-to-end run) and the plan's
last year (2025, built in one process from the sample: no notebooks, no rendering): the wording
an official reads."""

import shutil
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from pipeline import CONFIG_DIR, RAW_DIR
from pipeline.annual.departments import read_results as read_departments
from pipeline.annual.plan_results import PlanResults
from pipeline.config.indicators import plan_for_year
from pipeline.config.regions import all_regions
from pipeline.intake.collect import intake, region_rows
from pipeline.plan_targets.assess import assess
from pipeline.report.document import build_markdown, report_stem
from pipeline.report.inputs import ReportInputs
from pipeline.report.workbook.sheets import workbook_name
from pipeline.stages.steps import (
    assessment_stage,
    departments_stage,
    save_region_chart,
    save_status_matrix,
)
from pipeline.store.catalog import PATHS_FILE, QA_FILE, TIDY_FILE, region_dir


def _processed(root: Path, year: int) -> ReportInputs:
    tidy, log = intake(RAW_DIR, year)
    assessment, paths = assess(tidy[tidy["measure"] == "actual"], year, list(all_regions()))
    folder = root / str(year)
    folder.mkdir(parents=True)
    assessment.to_csv(folder / "assessment.csv", index=False)
    paths.to_csv(folder / "forecast_paths.csv", index=False)
    tidy.to_csv(folder / TIDY_FILE, index=False)
    log.to_frame().to_csv(folder / QA_FILE, index=False)
    for region in all_regions():  # the charts the county and city stages draw
        region_paths = paths[paths["region_code"] == region.code]
        region_dir(root, year, region.code).mkdir(parents=True)
        region_paths.to_csv(region_dir(root, year, region.code) / PATHS_FILE, index=False)
        save_region_chart(root, year, region, region_rows(tidy, region.code))
    save_status_matrix(root, year)
    assessment_stage(root, year, review_dir=root / "no-review")  # the 考核 stage's files
    departments_stage(RAW_DIR, root, year)
    return ReportInputs.load(root, year)


@pytest.fixture(scope="module")
def report_2024(published) -> tuple[str, Path]:
    """The report of the session's end-to-end run (tests/conftest.py): its .qmd and workbook."""
    _, folder = published
    return (folder / f"{report_stem(2024)}.qmd").read_text(encoding="utf-8"), folder


@pytest.fixture(scope="module")
def report_2025(tmp_path_factory) -> tuple[str, Path]:
    root = tmp_path_factory.mktemp("content-2025")
    out = root / "out"
    out.mkdir()
    return build_markdown(_processed(root, 2025), out), out


def test_2024_states_the_years_tasks_in_the_bureaus_words(report_2024):
    text, _ = report_2024
    # 紫阳县 2024 (sample): task 2,180, done 1,948.
    # 1,948/2,180 = 89.36%: cut, never rounded up, as in the 告知书 (89.3%, not 89.4%)
    assert "| 紫阳县 | 2,180 | 1,948 | 89.3% |" in text
    # three counties tied at 100.00 are named as tied (rank_ends), as in the 领导摘要
    assert (
        "居前的是并列第1名的3个：石泉县（100.00分）、平利县（100.00分）、旬阳市（100.00分）；"
        in text
    )
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
    assert "达标概率" in text and "据9年数据）" in text


def test_2024_rows_never_contradict_themselves(report_2024):
    text, _ = report_2024
    for line in text.splitlines():
        if line.startswith("|") and "难以完成" in line:
            assert "当前速度可完成" not in line and "进度正常" not in line, line


def test_2025_workbook_has_no_empty_forecast_columns(report_2025):
    _, out = report_2025
    headers = [c.value for c in load_workbook(out / workbook_name(2025))["规划进度"][2]]
    assert "达标概率" not in headers and "期末预测" not in headers


def test_2025_is_a_verdict_without_forecasts(report_2025):
    text, _ = report_2025
    assert "十四五规划目标最终完成情况" in text
    assert "达标概率" not in text and "预测范围" not in text and "状态依据" not in text
    assert "| 未完成 |" in text and "差13人，完成规划目标的99.8%" in text  # 白河县 6,987 of 7,000
    assert "存在风险" not in text and "难以完成" not in text and "（预测" not in text


def test_the_workbook_holds_every_sheet_with_frozen_headers(report_2024):
    _, out = report_2024
    book = load_workbook(out / workbook_name(2024))
    assert book.sheetnames == [
        "摘要", "考核一览", "年度任务", "规划进度", "得分排名", "约谈建议", "表扬建议", "资金调整", "数据质量",
        "成员单位考核",
    ]  # fmt: skip
    tasks = book["年度任务"]
    assert tasks.freeze_panes == "A3" and tasks["A1"].value.startswith("样例数据")
    headers = [c.value for c in tasks[2]]
    rate = headers.index("完成率") + 1
    assert tasks.cell(3, rate).number_format == '0.0%;"−"0.0%'
    assert isinstance(tasks.cell(3, rate).value, float)
    # Persons without decimals, rates with two, differences of rates in 个百分点.
    done, margin = headers.index("完成数/本年数值") + 1, headers.index("与要求相差") + 1
    kinds = {tasks.cell(r, 2).value: r for r in range(3, tasks.max_row + 1)}
    person = kinds["城镇新增就业"]
    rate_row = next(r for r in range(3, tasks.max_row + 1) if "失业率" in tasks.cell(r, 2).value)
    assert tasks.cell(person, done).number_format == '#,##0;"−"#,##0'
    assert tasks.cell(rate_row, done).number_format == '0.00;"−"0.00'
    assert "个百分点" in tasks.cell(rate_row, margin).number_format
    glance = book["考核一览"]
    score = [c.value for c in glance[2]].index("得分") + 1
    assert isinstance(glance.cell(3, score).value, int | float)  # a number, not text
    assert glance.cell(3, score).number_format == '#,##0.00;"−"#,##0.00'
    statuses = {book["数据质量"].cell(r, 3).value for r in range(3, book["数据质量"].max_row + 1)}
    assert statuses <= {"通过", "需关注", "不通过"}
    funds = pd.read_excel(
        out / workbook_name(2024), sheet_name="资金调整", header=1, engine="openpyxl"
    )
    assert funds["建议增减（万元）"].sum() == pytest.approx(0, abs=1e-6)


def _raw_cells(year: int) -> dict[tuple[str, str], tuple[Fraction | None, Fraction | None]]:
    """(county, header) → (目标任务, 完成数) read straight from the raw workbook, as exact decimals."""
    sheet = load_workbook(RAW_DIR / str(year) / f"ankang-employment-{year}.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    headers, measures = rows[1], rows[2]
    cells: dict = {}
    for row in rows[3:]:
        if not isinstance(row[0], int):
            continue
        for column in range(2, len(row), 2):
            assert (measures[column], measures[column + 1]) == ("目标任务", "完成数")
            task, done = row[column], row[column + 1]
            cells[row[1], headers[column]] = tuple(
                None if v is None else Fraction(str(v)) for v in (task, done)
            )
    return cells


def test_every_published_2024_score_recomputes_by_hand_from_the_raw_file(report_2024):
    """An independent recomputation with the printed rule: tiers and weights from
    config/assessment.yaml, exact fractions of the submitted cells, 5%以内 inclusive."""
    _, out = report_2024
    config = yaml.safe_load((CONFIG_DIR / "assessment.yaml").read_text(encoding="utf-8"))
    scoring = config["scoring"]
    assert scoring["task_rule"] == "tiered"
    tiers = [
        (Fraction(str(t["shortfall_up_to"])), Fraction(str(t["deduct_share"])))
        for t in scoring["tiers"]
    ]
    beyond = Fraction(str(scoring["deduct_share_beyond_tiers"]))
    weight = {k: Fraction(str(v)) for k, v in scoring["weights"].items()}
    headers = {
        "urban_new_jobs": ("城镇新增就业（人）", "task"),
        "rural_labour_local_transfer": ("引导农民就地就近转移就业（万人）", "task"),
        "returnee_talent": ("返乡入乡创业就业（中高层管理、科研、技能人才）（人）", "task"),
        "returnee_workers": ("返乡入乡创业就业（高校毕业生、退役军人、产业工人）（人）", "task"),
        "registered_unemployment_rate": ("城镇登记失业率（%）", "ceiling"),
        "new_labour_local_share": ("新增劳动力保障本市用工占比（%）", "floor"),
        "exec_meetings_on_employment": ("政府常务会研究就业工作（次）", "floor"),
    }
    cells = _raw_cells(2024)
    expected = {}
    for county in {c for c, _ in cells}:
        total = Fraction(0)
        for indicator_id, (header, kind) in headers.items():
            task, done = cells[county, header]
            if done is None:
                continue
            if kind == "task":
                shortfall = 1 - done / task
                share = Fraction(0) if shortfall <= 0 else next(
                    (s for up_to, s in tiers if shortfall <= up_to), beyond
                )  # fmt: skip
                total += weight[indicator_id] * (1 - share)
            elif (done <= task) if kind == "ceiling" else (done >= task):
                total += weight[indicator_id]
        expected[county] = total
    published = load_workbook(out / workbook_name(2024))["得分排名"]
    rows = list(published.iter_rows(values_only=True))
    header = next(r for r in rows if r and "得分" in r)
    at = {name: i for i, name in enumerate(header)}
    got = {r[at["地区"]]: r[at["得分"]] for r in rows[rows.index(header) + 1 :] if r[at["地区"]]}
    assert set(got) == set(expected)
    for county, score in got.items():
        assert Fraction(str(score)) == expected[county], county


def test_2025_says_why_tied_top_scores_are_not_excellent_and_what_estimates_did_not_decide(
    report_2025,
):
    markdown, _ = report_2025
    note = "与汉阴县、石泉县、平利县、旬阳市同分并列第1名；优秀名额3个"
    assert markdown.count(note) >= 2  # 表1 and 汉滨区's own page
    interviews = markdown.split("### 建议督查约谈")[1].split("### 建议通报表扬")[0]
    assert "**白河县**" not in interviews  # its plan targets missed are against estimates …
    assert "（预测" not in interviews and "历史情况：" in interviews
    withheld = markdown.split("### 因县区分解数为测算数而未适用的规则")[1].split("###")[0]
    assert "**白河县**" in withheld and "城镇新增就业（差13人" in withheld  # … said here
    assert "| -" not in markdown and "（-" not in markdown  # one minus sign, U+2212


REVIEW = """\
year: 2024
entries:
  - region: 汉滨区
    kind: 督查
    article: 第二十条
    points: -3
    reason: 督查发现就业台账与报表不一致
    document_number: 安就领办〔2025〕3号
"""


def test_the_review_shows_in_the_score_table_the_county_page_and_the_workbook(published, tmp_path):
    root, _ = published  # the session's processed folder: copy it, then apply a review to the copy
    processed = tmp_path / "processed"
    shutil.copytree(root / "processed" / "2024", processed / "2024")
    review = tmp_path / "review"
    review.mkdir()
    (review / "2024.yaml").write_text(REVIEW, encoding="utf-8")
    results = assessment_stage(processed, 2024, review_dir=review)
    own = results.scores.set_index("region").loc["汉滨区"]
    report_out = tmp_path / "out"
    report_out.mkdir()
    text = build_markdown(ReportInputs.load(processed, 2024), report_out)
    assert "其中考评组复核" in text and "### 考评组复核" in text
    assert (
        f"按年度任务计分{own['computed_score']:.2f}分，考评组复核−3.00分，得分{own['score']:.2f}分"
        in text
    )
    assert "安就领办〔2025〕3号" in text
    book = load_workbook(report_out / workbook_name(2024))
    rows = list(book["得分排名"].iter_rows(min_row=2, values_only=True))
    header, body = list(rows[0]), {r[1]: r for r in rows[1:]}
    assert body["汉滨区"][header.index("其中考评组复核加减")] == -3
    assert "督查" in body["汉滨区"][header.index("考评组复核事项（理由、文号）")]
    quality = [
        r for r in book["数据质量"].iter_rows(min_row=3, values_only=True) if r[0] == "考评组复核"
    ]
    assert len(quality) == 1 and quality[0][7].startswith("汉滨区：督查")


def test_2025_reads_as_the_plans_verdict_with_its_five_year_results(report_2025):
    markdown, out = report_2025
    plan = PlanResults.read(out.parent / "2025", plan_for_year(2025))
    section = markdown.split("## 七、十四五终期考核")[1].split("## 八、各县（市、区）详情")[0]
    assert "五年得分 = 各年得分的算术平均" in section and "计入当年考评组的复核" in section
    top = plan.counties.iloc[0]
    scores = plan.years[plan.years["region_code"] == top["region_code"]]["score"]
    assert f"{top['score']:.2f}分" in section.split("例：")[1].split("。")[0]
    assert f"÷ {len(scores)} ＝ {top['score']:.2f}分" in section  # the worked example, computed
    # sample: 平利县 leads; 石泉县 (2nd, 优秀) missed a yearly limit that decides, so it is not suggested
    assert (
        "| 1 | 平利县 | 86.00良好 | 90.00优秀 |" in section
        and "| 92.40 | 优秀 | 7/7 | 先进单位 |" in section
    )
    suggested = section.split("### 建议表彰的先进单位")[1].split("###")[0]
    assert "**平利县**" in suggested and "**旬阳市**" in suggested and "石泉县" not in suggested
    passed_over = section.split("而未建议的县（市、区）")[1].split("###")[0]
    assert (
        "**石泉县**：五年得分92.20分，第2名，五年等次优秀，但十四五规划目标未全部完成：政府常务会"
        in passed_over
    )
    targets = section.split("规划目标未完成情况")[1]
    assert "城镇新增就业（差13人，完成规划目标的99.8%）" in targets  # 白河县, an estimate: named …
    assert "县区目标为测算数，不作为依据" in targets  # … apart from the targets that decide
    # the workbook's sheet holds the same numbers as the file the report read
    sheet = pd.read_excel(
        out / workbook_name(2025), sheet_name="十四五终期", header=1, engine="openpyxl"
    )
    pd.testing.assert_series_equal(
        sheet["五年得分"], plan.counties["score"].reset_index(drop=True), check_names=False
    )
    assert list(sheet["地区"]) == list(plan.counties["region"])
    assert list(sheet["建议先进单位"]) == ["是" if s else "否" for s in plan.counties["suggested"]]
    years = plan.years.pivot(index="region", columns="year", values="score")
    assert list(sheet["2023年得分"]) == list(years.loc[sheet["地区"], 2023])


def test_an_earlier_years_review_counts_in_the_five_year_results(report_2025, tmp_path):
    _, out = report_2025
    processed = tmp_path / "processed"
    shutil.copytree(out.parent / "2025", processed / "2025")
    review = tmp_path / "review"
    review.mkdir()
    (review / "2023.yaml").write_text(REVIEW.replace("2024", "2023"), encoding="utf-8")
    before = PlanResults.read(out.parent / "2025", plan_for_year(2025))
    after = assessment_stage(processed, 2025, review_dir=review).plan

    def of(plan, year):
        rows = plan.years[(plan.years["region"] == "汉滨区") & (plan.years["year"] == year)]
        return float(rows["score"].iloc[0])

    assert of(after, 2023) == of(before, 2023) - 3 and of(after, 2024) == of(before, 2024)
    first, then = (p.counties.set_index("region").loc["汉滨区", "score"] for p in (before, after))
    assert round(first - then, 2) == 0.6  # −3 points in one of five years


def test_the_departments_chapter_reads_the_departments_stage(published, report_2024):
    text, out = report_2024
    results = read_departments(published[0] / "processed", 2024)  # what the stage wrote
    assert "## 八、就业工作领导小组成员单位考核（第十七条至第十九条）" in text
    for row in results.scores.itertuples():
        assert f"| {row.rank} | {row.region} | {row.score:.2f} | {row.grade} |" in text
    sheet = load_workbook(out / workbook_name(2024))["成员单位考核"]
    assert sheet["A1"].value.startswith("样例数据")  # the registry and the task lists are samples


# What the officials' chapters never say (the analyst's words; 附录二 defines each in plain words).
ANALYST_WORDS = (
    "确定性判断", "依据年数", "历史年数", "80%预测区间", "80% 预测区间", "80%区间", "80% 区间", "稳健z",
    "稳健 z", "sMAPE", "Brier", "M3", "中位数", "模拟路径", "回测", "百分位", "logit", "Theta", "Holt",
)  # fmt: skip


@pytest.mark.parametrize("year", [2024, 2025])
def test_analyst_terms_stay_in_the_methods_appendix_which_defines_them(
    year, report_2024, report_2025
):
    from pipeline.report.chapters.methods import analyst_terms

    markdown, _ = report_2024 if year == 2024 else report_2025
    # the chapters officials read: summary, target tables, 预警提醒, county pages (all before 附录)
    body, appendices = markdown.split("## 附录一")
    assert "## 一、总体情况" in body and "详情" in body
    for word in ANALYST_WORDS:
        assert word not in body, word
    methods = appendices.split("## 附录二")[1].split("## 附录三")[0]
    terms = analyst_terms(final=year == 2025)
    for term in terms:
        assert f"- **{term.name}**：{term.definition}" in methods
    # each term the appendices use is defined there; the plan's last year forecasts nothing
    text = "\n".join(line for line in appendices.splitlines() if not line.startswith("  - **"))
    used = {t.name for t in analyst_terms(final=False) if t.name.removesuffix("分数") in text}
    assert used <= {t.name for t in terms} and ("sMAPE" in used) == (year == 2024)
    if year == 2024:
        assert "十次中约有八次" in methods and "（据9年数据）" in body


def test_the_summary_names_the_five_year_result_only_in_the_plans_last_year(
    report_2024, report_2025
):
    markdown, out = report_2025
    plan = PlanResults.read(out.parent / "2025", plan_for_year(2025))
    summary = markdown.split("## 一、总体情况")[1].split("## 二、")[0]
    total, met = int(plan.counties["targets_total"].sum()), int(plan.counties["targets_met"].sum())
    assert (
        "十四五终期考核（见第七节）：五年得分第一名为平利县（92.40分，优秀）；"
        "建议表彰先进单位2个（平利县、旬阳市）；"
        f"各县区十四五规划目标共{total}项，完成{met}项，未完成{total - met}项"
        "（县区累计目标为测算数，不作为依据）。"
    ) in summary
    assert "## 七、十四五终期考核" in markdown
    assert total == 70 and 0 < total - met  # the sample: 10 counties × 7, some not completed
    # the workbook's 摘要 holds the same generated text
    sheet = pd.read_excel(out / workbook_name(2025), sheet_name="摘要", header=1, engine="openpyxl")
    assert any("五年得分第一名为平利县" in str(v) for v in sheet.iloc[:, 0])
    text_2024, _ = report_2024
    assert "终期考核（见第" not in text_2024.split("## 二、")[0]
