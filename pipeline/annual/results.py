"""The year's 考核 results under 第十九至二十二条 as files: computed once by the 考核 stage
(:func:`pipeline.stages.steps.assessment_stage`), read by the report, the workbook and the documents,
which never compute a score, a grade, a suggestion or a fund change themselves.

Files in ``data/processed/<year>/`` (names in :mod:`pipeline.store.catalog`):

- ``annual_facts.csv``   the year's tasks and limits per region and indicator (and the previous year's,
                         for the 比上年 comparisons), as :func:`pipeline.annual.facts.annual_tasks` made them;
- ``scores.csv``         score, rank, grade per county (this year and the previous one), after the
                         考评组's review: ``computed_score`` is the score before it, ``review_points`` and
                         ``review_notes`` what it added and why; ``commendation_note`` why a county whose
                         grade is commended is not suggested for 表扬;
- ``score_items.csv``    the points of every county × scored indicator, its deduction and the formula
                         that produced it (the 告知书 prints them so that a county can check by hand);
- ``suggestions.csv``    约谈, 表扬, 预警提醒 and the rules withheld (estimates decide nothing), one row per reason;
- ``funds.csv``          next year's fund change per county (``base_is_sample``: the bases are sample figures);
- ``review_changes.csv`` every change the review made (score, rank, grade, 约谈, 表扬, funds);
- in the plan's last year, ``plan_years.csv`` and ``plan_results.csv``: the plan's five-year results
  per county (十四五终期, :mod:`pipeline.annual.plan_results`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple, dataclass, field, fields
from pathlib import Path

import pandas as pd

from pipeline.annual import scoring
from pipeline.annual.exact import points as rounded_points
from pipeline.annual.facts import annual_tasks
from pipeline.annual.plan_results import PlanResults
from pipeline.annual.review import Review, ReviewChange, final_scores, reviewed
from pipeline.config.assessment_rules import AssessmentRules, load_rules
from pipeline.config.indicators import plan_for_year
from pipeline.config.regions import counties
from pipeline.store import catalog
from pipeline.store.atomic import write_csv_atomically
from pipeline.store.inert import read_csv

SUGGESTION_KINDS = ("interview", "commendation", "warning", "withheld")
# Columns read back as numbers / as True-False (the rest are text); the others of a file keep text.
_NUMBERS = {
    "year", "rank", "task", "done", "completion_rate", "shortfall", "previous_done", "change",
    "change_rate", "limit", "margin", "plan_target", "plan_done", "plan_share",
    "time_progress_gap", "score", "tie_break", "computed_score", "review_points", "base",
    "change_share", "next_year", "weight", "order",
}  # fmt: skip
# ``points`` is a number in score_items.csv and the per-indicator text in scores.csv.
_ITEM_NUMBERS = {"points"}
_FLAGS = {"met", "reported", "questioned", "base_is_sample", "scored", "is_sample"}
_INTEGERS = {"year", "rank", "order"}


def review_years(year: int) -> list[int]:
    """The years whose 考评组 review the year's 考核 reads: its own, the previous one (its final
    scores for 比上年) and, in the plan's last year, every plan year (the five-year results)."""
    plan = plan_for_year(year)
    earlier = list(plan.years) if year == plan.end else [year - 1]
    return [year, *(y for y in earlier if y < year)]


@dataclass
class YearResults:
    """The year's 考核: facts, scores (after the review), suggestions and funds."""

    year: int
    annual: pd.DataFrame
    previous_annual: pd.DataFrame | None
    scores: pd.DataFrame
    previous_scores: pd.DataFrame | None
    score_items: pd.DataFrame
    funds: pd.DataFrame
    funds_are_sample: bool
    interviews: list[scoring.Suggestion]
    commendations: list[scoring.Suggestion]
    warnings: list[scoring.Suggestion]  # 预警提醒 from forecasts (never a 约谈)
    withheld: list[scoring.Suggestion]  # rules not applied because county targets are estimates
    changes: list[ReviewChange] = field(default_factory=list)
    plan: PlanResults | None = None  # the plan's five-year results, in its last year only

    @classmethod
    def compute(
        cls, tidy: pd.DataFrame, qa_log: pd.DataFrame, assessment: pd.DataFrame, year: int,
        review: Review | None = None, rules: AssessmentRules | None = None,
        earlier_reviews: Mapping[int, Review] | None = None,
    ) -> YearResults:  # fmt: skip
        """Score the year from the cleaned table, the QA log and the plan-target table, then apply
        the 考评组's review (before the grades decide suggestions and funds). Earlier years'
        scores are their final ones, after their own review (``earlier_reviews``, year → review):
        the previous year's for 比上年 and, in the plan's last year, every plan year's for the
        five-year results (:mod:`pipeline.annual.plan_results`)."""
        rules = rules or load_rules()
        earlier_reviews = earlier_reviews or {}
        plan = plan_for_year(year)
        annual = annual_tasks(tidy, year, qa_log=qa_log)
        computed = scoring.score_counties(annual, rules)
        previous_annual = previous_scores = None
        if year - 1 >= plan.start:  # the previous year is scored under the same plan
            previous_annual = annual_tasks(tidy, year - 1, qa_log=qa_log)
            previous_scores = final_scores(previous_annual, earlier_reviews.get(year - 1), rules)
        final = year == plan.end
        interviews = scoring.interview_suggestions(annual, computed, assessment, final)
        commendations = scoring.commendation_suggestions(annual, computed, assessment, final)
        funds, funds_are_sample = scoring.fund_table(
            computed, {s.region_code for s in interviews}, rules
        )
        scores, interviews, commendations, funds, funds_are_sample, changes = reviewed(
            computed, interviews, commendations, funds, funds_are_sample,
            review or Review(year=year), rules,
        )  # fmt: skip
        estimated = scoring.allocation_estimated(annual)
        commended = {s.region_code for s in commendations}
        scores["commendation_note"] = [
            ""
            if row["region_code"] in commended
            or (not row["grade_note"] and row["grade"] not in rules.accountability.commend_grades)
            else scoring.commendation_blocker(row, assessment, final, estimated, rules)
            for _, row in scores.iterrows()
        ]
        five_years = None
        if final:
            by_year = {
                y: final_scores(annual_tasks(tidy, y, qa_log=qa_log), earlier_reviews.get(y), rules)
                if (tidy["year"] == y).any() else None
                for y in plan.years if y < year
            }  # fmt: skip
            five_years = PlanResults.compute(plan, by_year | {year: scores}, assessment, rules)
        return cls(
            year, annual, previous_annual, scores, previous_scores,
            score_items(annual, rules), funds, funds_are_sample, interviews, commendations,
            [] if final else scoring.early_warnings(assessment),
            scoring.withheld_rules(annual, computed, assessment, final), changes, five_years,
        )  # fmt: skip

    def commendation_note(self, region_code: str) -> str:
        """Why a county whose score reached the top grade, or whose grade is commended, is not
        suggested for 表扬 ('' when it is, or when neither applies)."""
        notes = self.scores.set_index("region_code")["commendation_note"]
        return str(notes.get(region_code, ""))

    # ----------------------------------------------------------------------------------------
    # files

    def write(self, folder: Path) -> None:
        both = [self.annual] + ([self.previous_annual] if self.previous_annual is not None else [])
        write_csv_atomically(pd.concat(both, ignore_index=True), folder / catalog.ANNUAL_FACTS_FILE)
        scores = [self.scores.assign(year=self.year)]
        if self.previous_scores is not None:
            scores.append(self.previous_scores.assign(year=self.year - 1))
        write_csv_atomically(pd.concat(scores, ignore_index=True), folder / catalog.SCORES_FILE)
        write_csv_atomically(self.score_items, folder / catalog.SCORE_ITEMS_FILE)
        write_csv_atomically(
            self.funds.assign(base_is_sample=self.funds_are_sample), folder / catalog.FUNDS_FILE
        )
        write_suggestions(
            dict(zip(SUGGESTION_KINDS, self.suggestion_lists(), strict=True)),
            folder / catalog.SUGGESTIONS_FILE,
        )
        write_csv_atomically(
            pd.DataFrame([astuple(c) for c in self.changes], columns=_CHANGE_COLUMNS),
            folder / catalog.REVIEW_CHANGES_FILE,
        )
        # every year has the plan's files (the stage writes what it declares); they are empty
        # before the plan's last year
        (self.plan or PlanResults.empty(plan_for_year(self.year))).write(folder)

    def suggestion_lists(self) -> tuple[list[scoring.Suggestion], ...]:
        return self.interviews, self.commendations, self.warnings, self.withheld

    @classmethod
    def read(cls, processed_dir: Path, year: int) -> YearResults:
        """The results the 考核 stage wrote for ``year``."""
        folder = catalog.year_dir(processed_dir, year)

        def load(name: str, numbers: set[str] = frozenset()) -> pd.DataFrame:
            path = catalog.require(folder / name, "notebooks/40_assessment.ipynb", year)
            return read_typed(path, _NUMBERS | numbers)

        annual = load(catalog.ANNUAL_FACTS_FILE)
        scores = load(catalog.SCORES_FILE)
        funds = load(catalog.FUNDS_FILE)

        def of(frame: pd.DataFrame, y: int) -> pd.DataFrame | None:
            rows = frame[frame["year"] == y].reset_index(drop=True)
            return rows if len(rows) else None

        this_scores = of(scores, year).drop(columns="year")
        previous = of(scores, year - 1)
        lists = read_suggestions(
            catalog.require(
                folder / catalog.SUGGESTIONS_FILE, "notebooks/40_assessment.ipynb", year
            ),
            SUGGESTION_KINDS,
        )
        changes = load(catalog.REVIEW_CHANGES_FILE)
        plan = plan_for_year(year)
        return cls(
            year, of(annual, year), of(annual, year - 1), this_scores,
            # the previous year's final scores (the review columns are this year's only)
            None if previous is None else previous[scoring.SCORE_COLUMNS],
            load(catalog.SCORE_ITEMS_FILE, _ITEM_NUMBERS), funds.drop(columns="base_is_sample"),
            bool(funds["base_is_sample"].any()), *lists.values(),
            [ReviewChange(*row) for row in changes[_CHANGE_COLUMNS].itertuples(index=False)],
            PlanResults.read(folder, plan) if year == plan.end else None,
        )  # fmt: skip


_CHANGE_COLUMNS = [f.name for f in fields(ReviewChange)]


def score_items(annual: pd.DataFrame, rules: AssessmentRules) -> pd.DataFrame:
    """Each county's points per scored indicator, the deduction and its formula (the scorer's own
    functions, so that these add up to the score)."""
    county_codes = {c.code for c in counties()}
    rows = []
    for _, fact in annual[annual["region_code"].isin(county_codes)].iterrows():
        weight = rules.scoring.weights.get(fact["indicator"])
        if weight is None:
            continue
        points, reason = scoring.points_row(fact, rules)
        rows.append({
            "region_code": fact["region_code"], "region": fact["region"],
            "indicator": fact["indicator"], "short_name": fact["short_name"], "weight": weight,
            "points": float(rounded_points(points)), "deduction": reason,
            "formula": scoring.points_formula(fact, rules),
        })  # fmt: skip
    return pd.DataFrame(rows)


def read_typed(path: Path, numbers: set[str]) -> pd.DataFrame:
    """A results file with its numbers, flags and texts as the stage wrote them (text cells stay
    text, an empty text stays '' — never NaN); ``numbers``: the columns that are numbers in this
    file (a name can be a number in one file and text in another: ``task``, ``points``)."""
    frame = read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column in _INTEGERS:
            frame[column] = frame[column].astype(int)
        elif column in numbers:
            frame[column] = pd.to_numeric(frame[column].replace("", None)).astype(float)
        elif column in _FLAGS:
            frame[column] = frame[column].map({"True": True, "False": False}).astype(bool)
    return frame


def write_suggestions(lists: dict[str, list[scoring.Suggestion]], path: Path) -> None:
    """Suggestions of several kinds in one file, one row per reason (or per history line), in order."""
    rows = []
    for kind, items in lists.items():
        for s in items:
            texts = [("reason", r) for r in s.reasons] + [("history", h) for h in s.history]
            for order, (part, text) in enumerate(texts or [("none", "")]):
                rows.append({"kind": kind, "region_code": s.region_code, "region": s.region,
                             "part": part, "order": order, "text": text})  # fmt: skip
    write_csv_atomically(
        pd.DataFrame(rows, columns=["kind", "region_code", "region", "part", "order", "text"]), path
    )


def read_suggestions(path: Path, kinds: tuple[str, ...]) -> dict[str, list[scoring.Suggestion]]:
    rows = read_typed(path, set())
    out = {}
    for kind in kinds:
        own, items = rows[rows["kind"] == kind], []
        for code, group in own.groupby("region_code", sort=False):
            ordered = group.sort_values("order", kind="stable")
            texts = {
                part: tuple(ordered[ordered["part"] == part]["text"])
                for part in ("reason", "history")
            }
            items.append(
                scoring.Suggestion(
                    str(code), str(group["region"].iloc[0]), texts["reason"], texts["history"]
                )
            )
        out[kind] = items
    return out
