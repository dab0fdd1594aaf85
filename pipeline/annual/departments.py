"""The member departments' annual assessment (第十七至十九条) with the counties' rule objects:
a quantitative task is scored by :func:`scoring.task_points` (the same tiers, exact arithmetic),
a qualitative one gets all its points for 完成, ``partial_share`` of them for 部分完成 and none for
未完成; the score, rank, grade and 优秀 quota come from :func:`scoring.ranked`; 约谈 and 表扬 follow
``config/assessment.yaml`` (grade, tasks short of the 约谈 line)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pandas as pd

from pipeline.annual import scoring
from pipeline.annual.exact import exact, percent_floor, percent_text, ratio
from pipeline.annual.exact import points as rounded_points
from pipeline.config.assessment_rules import AssessmentRules, load_rules
from pipeline.config.departments import DepartmentsConfig, load_departments
from pipeline.intake.departments import COLUMNS as TASK_COLUMNS
from pipeline.store import catalog
from pipeline.store.atomic import write_csv_atomically

MEMBERS = "成员单位"


def task_points(
    row: pd.Series, registry: DepartmentsConfig, rules: AssessmentRules
) -> tuple[Fraction, str]:
    """Points of one task and, when points are lost, why (the deduction's wording).

    Quantitative, 40 points, 28,200 of 30,000 人次 (94.0%, 低5%–10%) → 40 × (1 − 80%) = 8.
    Qualitative, 30 points: 完成 → 30; 部分完成 with partial_share 0.5 → 15; 未完成 → 0."""
    weight = next(t.weight for d in registry.departments if d.id == row["department_id"]
                  for t in d.tasks if t.id == row["task_id"])  # fmt: skip
    if row["kind"] == "quantitative":
        got = scoring.task_points(weight, row["done"], row["target"], rules.scoring)
        if got == exact(weight):
            return got, ""
        rate = ratio(row["done"], row["target"])
        return got, (
            f"{row['task']}完成{row['done']:,.0f}{row['unit']}，为目标{row['target']:,.0f}{row['unit']}的"
            f"{percent_floor(rate)}，{scoring.tier_label(1 - rate, rules.scoring)}，得{rounded_points(got)}分（满分{weight:g}）"
        )
    share = {"完成": Fraction(1), "部分完成": exact(registry.partial_share), "未完成": Fraction(0)}[
        row["status"]
    ]
    got = exact(weight) * share
    if share == 1:
        return got, ""
    return (
        got,
        f"{row['task']}{row['status']}，得{rounded_points(got)}分（满分{weight:g}，部分完成得{percent_text(exact(registry.partial_share))}）",
    )


def score_departments(
    tasks: pd.DataFrame,
    registry: DepartmentsConfig | None = None,
    rules: AssessmentRules | None = None,
) -> pd.DataFrame:
    """One row per department: exact score (to 0.01), rank, grade (with the 优秀 quota), points per
    task and the deductions, in the scorer's columns (``region_code`` is the department's id)."""
    registry, rules = registry or load_departments(), rules or load_rules()
    rows = []
    for department in registry.departments:
        own = tasks[tasks["department_id"] == department.id]
        scored = [(task_points(row, registry, rules), row) for _, row in own.iterrows()]
        score = rounded_points(sum((p for (p, _), _ in scored), Fraction(0)))
        rows.append({
            "region_code": department.id, "region": department.name, "exact_score": score,
            "score": float(score),
            "points": "；".join(f"{row['task']} {rounded_points(p)}" for (p, _), row in scored),
            "deductions": "；".join(reason for (_, reason), _ in scored if reason),
        })  # fmt: skip
    return scoring.ranked(pd.DataFrame(rows), rules, MEMBERS)


def _short(row: pd.Series, rules: AssessmentRules) -> bool:
    if row["kind"] == "quantitative":
        return scoring.short_of_interview_line(
            {"reported": True, "done": row["done"], "task": row["target"]},
            rules.accountability.interview_task_shortfall_min,
        )
    return row["status"] == "未完成"


@dataclass(frozen=True)
class DepartmentResults:
    tasks: pd.DataFrame
    scores: pd.DataFrame
    interviews: list[scoring.Suggestion]
    commendations: list[scoring.Suggestion]
    is_sample: bool  # the registry or a submission is sample data


def assess_departments(
    tasks: pd.DataFrame,
    registry: DepartmentsConfig | None = None,
    rules: AssessmentRules | None = None,
) -> DepartmentResults:
    """Scores and the 约谈/表扬 suggestions: 约谈 when the grade is one of ``interview_if_grade``, or
    at least ``interview_min_tasks_missed`` tasks are short of the 约谈 line (a qualitative task
    未完成 counts); 表扬 when the grade is one of ``commend_grades``. Every reason is quantified."""
    registry, rules = registry or load_departments(), rules or load_rules()
    config = rules.accountability
    scores = score_departments(tasks, registry, rules)
    interviews, commendations = [], []
    for _, department in scores.iterrows():
        own = tasks[tasks["department_id"] == department["region_code"]]
        reasons = []
        if department["grade"] in config.interview_if_grade:
            reasons.append(f"考核得分{department['score']:.2f}分，等次为{department['grade']}")
        short = [row for _, row in own.iterrows() if _short(row, rules)]
        if len(short) >= config.interview_min_tasks_missed:
            reasons += [task_points(row, registry, rules)[1] for row in short]
        if reasons:
            interviews.append(
                scoring.Suggestion(department["region_code"], department["region"], tuple(reasons))
            )
        if department["grade"] in config.commend_grades:
            commendations.append(scoring.Suggestion(
                department["region_code"], department["region"],
                (f"考核得分{department['score']:.2f}分，等次为{department['grade']}",),
            ))  # fmt: skip
    sample = registry.is_sample or bool(tasks["is_sample"].astype(bool).any())
    return DepartmentResults(tasks, scores, interviews, commendations, sample)


# ------------------------------------------------------------------------------------------------
# files (the departments stage writes them; the report and the workbook read them)

_KINDS = ("interview", "commendation")


def write_results(results: DepartmentResults | None, qa: pd.DataFrame, folder: Path) -> None:
    """The departments' results (``None``: no task lists this year) and their intake log."""
    from pipeline.annual.results import write_suggestions

    write_csv_atomically(qa, folder / catalog.DEPARTMENT_QA_FILE)
    tasks = results.tasks if results else pd.DataFrame(columns=TASK_COLUMNS)
    scores = (
        results.scores.drop(columns="exact_score").assign(is_sample=results.is_sample)
        if results
        else pd.DataFrame(
            columns=[
                "region_code",
                "region",
                "score",
                "points",
                "deductions",
                "rank",
                "grade",
                "grade_note",
                "is_sample",
            ]
        )  # fmt: skip
    )
    write_csv_atomically(tasks, folder / catalog.DEPARTMENT_TASKS_FILE)
    write_csv_atomically(scores, folder / catalog.DEPARTMENT_SCORES_FILE)
    lists = (results.interviews, results.commendations) if results else ([], [])
    write_suggestions(
        dict(zip(_KINDS, lists, strict=True)), folder / catalog.DEPARTMENT_SUGGESTIONS_FILE
    )


def read_results(processed_dir: Path, year: int) -> DepartmentResults | None:
    """What the departments stage wrote (``None`` when the year had no task lists)."""
    from pipeline.annual.results import read_suggestions, read_typed

    folder = catalog.year_dir(processed_dir, year)

    def path(name: str) -> Path:
        return catalog.require(folder / name, "notebooks/45_departments.ipynb", year)

    scores = read_typed(path(catalog.DEPARTMENT_SCORES_FILE), {"score"})
    if scores.empty:
        return None
    tasks = read_typed(path(catalog.DEPARTMENT_TASKS_FILE), {"target", "done", "source_row"})
    lists = read_suggestions(path(catalog.DEPARTMENT_SUGGESTIONS_FILE), _KINDS)
    return DepartmentResults(
        tasks, scores.drop(columns="is_sample"), lists["interview"], lists["commendation"],
        bool(scores["is_sample"].any()),
    )  # fmt: skip
