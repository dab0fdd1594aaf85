"""The departments' scores with the counties' rule objects: worked examples, ranking, quota and
suggestions; the chapter and the sheet keep submitted text as text."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline import CONFIG_DIR, RAW_DIR
from pipeline.annual.departments import assess_departments, score_departments, task_points
from pipeline.config.assessment_rules import load_rules
from pipeline.config.departments import load_departments
from pipeline.config.schema import ConfigError
from pipeline.intake.departments import read_departments


def _row(department: str, task: str, **values) -> pd.Series:
    registry = load_departments()
    d = registry.find(department)
    t = next(t for t in d.tasks if t.id == task)
    return pd.Series({"department_id": d.id, "department": d.name, "task_id": t.id, "task": t.name,
                      "kind": t.kind, "unit": t.unit, "target": t.target, "done": None, "status": "",
                      "evidence": "", "is_sample": False, **values})  # fmt: skip


def test_worked_examples_use_the_counties_tiers():
    """40 points, 28,200 of 30,000 人次 = 94.0%: 6% short, 低5%–10%, 80% deducted → 8 points;
    28,500 = 95.0% exactly: 低5%以内 → 24; 30,000 → 40 (over-fulfilment adds nothing: 31,000 → 40).
    Qualitative 30 points: 完成 30, 部分完成 15 (partial_share 0.5), 未完成 0."""
    registry, rules = load_departments(), load_rules()
    points = [
        task_points(_row("人社", "skills_training", done=d), registry, rules)[0]
        for d in (28200, 28500, 30000, 31000)
    ]
    assert points == [Fraction(8), Fraction(24), Fraction(40), Fraction(40)]
    got, why = task_points(_row("人社", "skills_training", done=28200), registry, rules)
    assert (
        why
        == "补贴性职业技能培训完成28,200人次，为目标30,000人次的94.0%，低5%–10%，得8.00分（满分40）"
    )
    assert [
        task_points(_row("人社", "gig_market", status=s), registry, rules)[0]
        for s in ("完成", "部分完成", "未完成")
    ] == [Fraction(30), Fraction(15), Fraction(0)]


@pytest.fixture(scope="module")
def sample():
    tasks, _ = read_departments(RAW_DIR, 2024)
    return assess_departments(tasks)


def test_sample_scores_add_up_rank_and_grade(sample):
    scores = sample.scores
    assert len(scores) == 7 and list(scores["score"]) == sorted(scores["score"], reverse=True)
    registry, rules = load_departments(), load_rules()
    for _, department in scores.iterrows():
        own = sample.tasks[sample.tasks["department_id"] == department["region_code"]]
        total = sum(task_points(r, registry, rules)[0] for _, r in own.iterrows())
        assert department["score"] == pytest.approx(float(total), abs=0.005)
    assert scores["rank"].iloc[0] == 1
    assert (scores["grade"] == "优秀").sum() <= 2  # 7 × 30% → 2 places
    assert sample.is_sample


def test_suggestions_follow_the_grade_rules(sample):
    rules = load_rules().accountability
    graded = dict(zip(sample.scores["region"], sample.scores["grade"], strict=True))
    for s in sample.interviews:
        assert (
            graded[s.region] in rules.interview_if_grade
            or len(s.reasons) >= rules.interview_min_tasks_missed
        )
    assert {s.region for s in sample.commendations} == {
        name for name, grade in graded.items() if grade in rules.commend_grades
    }


def test_the_quota_note_names_departments_not_counties():
    registry = load_departments()
    tasks = pd.DataFrame([
        _row(d.short_name, t.id, done=t.target, status="完成") for d in registry.departments for t in d.tasks
    ])  # fmt: skip
    scores = score_departments(tasks)
    assert (scores["score"] == 100).all() and (scores["grade"] == "优秀").sum() == 0  # 7 tied > 2
    assert (
        "7个成员单位×30%" in scores["grade_note"].iloc[0]
        and "县区" not in scores["grade_note"].iloc[0]
    )


def test_submitted_text_stays_text_in_the_chapter_and_the_sheet(sample, tmp_path):
    from pipeline.report.chapters.departments import chapter, sheet
    from pipeline.report.workbook.writer import write_workbook

    hostile = '=HYPERLINK("http://x","点我") <script>alert(1)</script> [链接](http://x)'
    tasks = sample.tasks.copy()
    tasks.loc[0, "evidence"] = hostile
    results = assess_departments(tasks)
    text = chapter(results, 2024)
    assert "<script>" not in text and "](http://x)" not in text
    assert "## 八、就业工作领导小组成员单位考核" in text and "样例数据" in text
    write_workbook([sheet(results)], tmp_path / "d.xlsx")
    ws = load_workbook(tmp_path / "d.xlsx")["成员单位考核"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == hostile]
    assert len(cells) == 1 and cells[0].data_type == "s"  # a string, not a formula
    assert "样例数据" in ws["A1"].value


def test_weights_that_do_not_add_up_fail_naming_the_department(tmp_path):
    text = (CONFIG_DIR / "departments.yaml").read_text(encoding="utf-8")
    (tmp_path / "departments.yaml").write_text(
        text.replace("target: 30000, weight: 40", "target: 30000, weight: 45"), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="市人力资源和社会保障局的任务分值合计为 105，应为 100"):
        load_departments(tmp_path)
