"""十四五终期: the plan's five-year 考核 per county, computed by the 考核 stage in the plan's last year
(``plan.end``; 第二十一条) and written beside the year's results; the report, the workbook and the
notebook only read it.

- Each plan year is scored under the year's rules (:func:`pipeline.annual.scoring.score_counties`)
  after that year's 考评组 review; a plan year in which no county submitted anything has no score
  (``has_data`` False) and is left out for every county alike.
- The five-year score follows ``plan_results.score_rule`` of ``config/assessment.yaml`` (the mean of
  the plan years' scores, or weighted by ``year_weights``), exactly, rounded half up to 0.01; the
  five-year rank, grade, ties and 优秀 quota are the year's own (:func:`scoring.ranked`).
- The plan targets 完成/未完成 with their shortfalls are the final verdicts of ``assessment.csv``;
  先进单位 are suggested for a five-year grade in ``commend_grades`` with every plan target that
  decides 完成. While the county split is an estimate, county plan targets decide nothing: they are
  named (``targets_withheld``) and the note says why they did not decide.

Files (names in :mod:`pipeline.store.catalog`): ``plan_years.csv`` (county × plan year: score, rank,
grade) and ``plan_results.csv`` (county: five-year score, rank, grade, plan targets, suggestion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd

from pipeline.annual import scoring
from pipeline.annual.exact import exact, floor_count, percent_text
from pipeline.annual.exact import points as rounded_points
from pipeline.config.assessment_rules import AssessmentRules, PlanResultsRules
from pipeline.config.regions import counties
from pipeline.config.schema import ConfigError, Plan
from pipeline.plan_targets.verdict import FINAL_MET, FINAL_MISSED
from pipeline.store import catalog
from pipeline.store.atomic import write_csv_atomically
from pipeline.store.inert import read_csv

NO_DATA_GRADE = "无数据"
YEAR_COLUMNS = ["region_code", "region", "year", "has_data", "score", "rank", "grade"]
COUNTY_COLUMNS = [
    "rank", "region_code", "region", "score", "grade", "grade_note", "years_scored",
    "years_without_data", "targets_total", "targets_met", "targets_missed", "targets_withheld",
    "suggested", "note",
]  # fmt: skip


def year_weights(years: Sequence[int], rule: PlanResultsRules) -> dict[int, Fraction]:
    """Each plan year's weight in the five-year score, exactly: 1 each for ``mean``; the configured
    ``year_weights`` in order for ``weighted`` (one per plan year, else a ConfigError naming the key)."""
    if rule.score_rule == "mean":
        return {year: Fraction(1) for year in years}
    if len(rule.year_weights) != len(years):
        raise ConfigError(
            f"config/assessment.yaml 键 plan_results.year_weights：规划期{years[0]}–{years[-1]}年共"
            f"{len(years)}年，应有{len(years)}个权数（收到{len(rule.year_weights)}个）"
        )
    return {year: exact(w) for year, w in zip(years, rule.year_weights, strict=True)}


def five_year_score(
    scores: Mapping[int, Decimal | float], years: Sequence[int], rule: PlanResultsRules
) -> Decimal:
    """The five-year score from the plan years' printed scores (``scores``: year → score, the years
    with data only), exactly, rounded half up to 0.01. Years without data are left out and the
    weights of the others rescaled.

    mean of 95.50, 90.00, 88.25, 92.00, 91.10 → 456.85 / 5 = 91.37; the same years weighted
    [0.1, 0.15, 0.2, 0.25, 0.3] → 9.55 + 13.5 + 17.65 + 23 + 27.33 = 91.03; with 2022
    missing under ``mean`` → (95.50 + 88.25 + 92.00 + 91.10) / 4 = 91.7125 → 91.71."""
    weights = year_weights(years, rule)
    used = [year for year in years if year in scores]
    if not used:
        raise ValueError("规划期内没有任何一年有得分，无法计算五年得分")
    total = sum((weights[year] for year in used), Fraction(0))
    weighted = sum((weights[year] * exact(scores[year]) for year in used), Fraction(0))
    return rounded_points(weighted / total)


def split_targets(own: pd.DataFrame, estimated: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A county's plan targets not 完成 (未完成 or 无数据) in the plan's last year, split into those
    that decide and those that do not because the county plan target is an estimate (cumulative
    targets while ``estimated``; the yearly limits are the same for every county and always decide)."""
    open_targets = own[own["status"] != FINAL_MET]
    if not estimated:
        return open_targets, open_targets.iloc[0:0]
    allocated = open_targets["kind"] == "cumulative"
    return open_targets[~allocated], open_targets[allocated]


def _target_text(rows: pd.DataFrame) -> str:
    """'城镇新增就业（差13人，完成规划目标的99.8%）' per target; a status other than 未完成 is named."""
    parts = []
    for r in rows.itertuples():
        note = r.note if isinstance(r.note, str) else ""
        words = [r.status] if r.status != FINAL_MISSED else []
        parts.append(
            f"{r.indicator_name}（{'，'.join([*words, *([note] if note else [])]) or r.status}）"
        )
    return "；".join(parts)


@dataclass
class PlanResults:
    """The plan's five-year results per county (the 考核 stage's, in the plan's last year)."""

    plan: Plan
    years: pd.DataFrame  # YEAR_COLUMNS: one row per county × plan year
    counties: pd.DataFrame  # COUNTY_COLUMNS: one row per county, in five-year rank order

    @property
    def years_without_data(self) -> list[int]:
        rows = self.years[~self.years["has_data"]]
        return sorted({int(y) for y in rows["year"]})

    @property
    def suggested(self) -> pd.DataFrame:
        return self.counties[self.counties["suggested"]]

    @classmethod
    def compute(
        cls, plan: Plan, year_scores: Mapping[int, pd.DataFrame | None], assessment: pd.DataFrame,
        rules: AssessmentRules,
    ) -> PlanResults:  # fmt: skip
        """From each plan year's final score table (``None`` for a year without data) and the last
        year's plan-target verdicts (``assessment.csv``)."""
        rule = rules.plan_results
        years = list(plan.years)
        estimated = plan.allocation_status != "issued"
        year_rows, county_rows = [], []
        for county in counties():
            printed: dict[int, Decimal] = {}
            for year in years:
                table = year_scores.get(year)
                row = None if table is None else table.set_index("region_code").loc[county.code]
                if row is not None:
                    printed[year] = Decimal(f"{row['score']:.2f}")
                year_rows.append({
                    "region_code": county.code, "region": county.name, "year": year,
                    "has_data": row is not None, "score": float(printed[year]) if row is not None else None,
                    "rank": int(row["rank"]) if row is not None else None,
                    "grade": str(row["grade"]) if row is not None else NO_DATA_GRADE,
                })  # fmt: skip
            own = assessment[assessment["region_code"] == county.code]
            deciding, withheld = split_targets(own, estimated)
            exact_score = five_year_score(printed, years, rule)
            county_rows.append({
                "region_code": county.code, "region": county.name, "exact_score": exact_score,
                "score": float(exact_score),
                "years_scored": "、".join(str(y) for y in printed),
                "years_without_data": "、".join(str(y) for y in years if y not in printed),
                "targets_total": len(own), "targets_met": int((own["status"] == FINAL_MET).sum()),
                "targets_missed": _target_text(deciding), "targets_withheld": _target_text(withheld),
            })  # fmt: skip
        table = scoring.ranked(pd.DataFrame(county_rows), rules).drop(columns="exact_score")
        notes = [_suggestion(row, plan, rule) for _, row in table.iterrows()]
        table["suggested"] = [suggested for suggested, _ in notes]
        table["note"] = [note for _, note in notes]
        return cls(plan, pd.DataFrame(year_rows, columns=YEAR_COLUMNS), table[COUNTY_COLUMNS])

    # ----------------------------------------------------------------------------------------
    # files

    @classmethod
    def empty(cls, plan: Plan) -> PlanResults:
        """No five-year results (a year before the plan's last)."""
        return cls(plan, pd.DataFrame(columns=YEAR_COLUMNS), pd.DataFrame(columns=COUNTY_COLUMNS))

    def write(self, folder: Path) -> None:
        write_csv_atomically(self.years, folder / catalog.PLAN_YEARS_FILE)
        write_csv_atomically(self.counties, folder / catalog.PLAN_RESULTS_FILE)

    @classmethod
    def read(cls, folder: Path, plan: Plan) -> PlanResults:
        def load(name: str) -> pd.DataFrame:
            path = catalog.require(folder / name, "notebooks/40_assessment.ipynb", plan.end)
            return read_csv(path, dtype=str, keep_default_na=False)

        years, table = load(catalog.PLAN_YEARS_FILE), load(catalog.PLAN_RESULTS_FILE)
        years["year"] = years["year"].astype(int)
        years["has_data"] = years["has_data"] == "True"
        for column in ("score", "rank"):
            years[column] = pd.to_numeric(years[column].replace("", None)).astype(float)
        table["score"] = table["score"].astype(float)
        for column in ("rank", "targets_total", "targets_met"):
            table[column] = table[column].astype(int)
        table["suggested"] = table["suggested"] == "True"
        return cls(plan, years[YEAR_COLUMNS], table[COUNTY_COLUMNS])


def _suggestion(row: pd.Series, plan: Plan, rule: PlanResultsRules) -> tuple[bool, str]:
    """Whether a county is suggested as 先进单位 and why (or why not)."""
    where = f"五年得分{row['score']:.2f}分，第{row['rank']}名，五年等次{row['grade']}"
    withheld = (
        f"按测算的县区{plan.name}目标，{row['targets_withheld']}；县区分解数是测算数，不是下达任务，不作为依据"
        if row["targets_withheld"]
        else ""
    )
    if row["grade"] not in rule.commend_grades:
        because = (
            row["grade_note"]
            or f"五年等次为{row['grade']}，先进单位只针对{'、'.join(rule.commend_grades)}"
        )
        return False, "；".join(part for part in (because, withheld) if part)
    if rule.require_all_plan_targets and row["targets_missed"]:
        return False, f"{where}，但{plan.name}规划目标未全部完成：{row['targets_missed']}" + (
            f"（另：{withheld}）" if withheld else ""
        )
    met = (
        f"作为依据的{plan.name}规划目标全部完成（{row['targets_met']}/{row['targets_total']}项完成）"
        if rule.require_all_plan_targets
        else ""
    )
    return True, "；".join(part for part in (where, met, withheld) if part)


def plan_method(results: PlanResults, rules: AssessmentRules) -> str:
    """The five-year rule in words, from the rule objects, with a worked example computed by
    :func:`five_year_score` on the top county's own scores (so the text cannot drift from them)."""
    plan, rule = results.plan, rules.plan_results
    years = list(plan.years)
    weights = year_weights(years, rule)
    how = (
        "各年得分的算术平均"
        if rule.score_rule == "mean"
        else "各年得分按权数加权平均（"
        + "，".join(f"{y}年{percent_text(w)}" for y, w in weights.items())
        + "）"
    )
    missing = results.years_without_data
    top = results.counties.iloc[0]
    own = results.years[
        (results.years["region_code"] == top["region_code"]) & results.years["has_data"]
    ]
    scores = {int(r.year): Decimal(f"{r.score:.2f}") for r in own.itertuples()}
    example = five_year_score(scores, years, rule)
    terms = " + ".join(
        (f"{percent_text(weights[y])}×" if rule.score_rule == "weighted" else "") + f"{s}"
        for y, s in scores.items()
    )
    divisor = f" ÷ {len(scores)}" if rule.score_rule == "mean" else ""
    grades = rules.grades
    quota = rules.excellent_quota
    allowed = floor_count(quota.max_share, len(results.counties))
    return "".join([
        f"**五年得分。**规划期（{plan.start}–{plan.end}年）每一年都按当年的计分规则计分（见附录二），并计入当年考评组的复核；"
        f"五年得分 = {how}，精确计算后四舍五入到0.01分。",
        f"{'、'.join(map(str, missing))}年全部县区都没有报送数据，不计入五年得分（对各县区相同）。" if missing else "规划期每一年都有数据。",
        f"例：{top['region']}（{'、'.join(f'{y}年{s}' for y, s in scores.items())}）：({terms}){divisor} ＝ {example}分。",
        f"**五年等次与名次**按年度考核的同一规则：{'、'.join(f'{g.name}{g.min_score:g}分及以上' for g in grades[:-1])}，"
        f"其余为{grades[-1].name}；{grades[0].name}不超过{percent_text(exact(quota.max_share))}（{len(results.counties)}个县区至多{allowed}个），"
        "得分相同的名次相同，超额完成任务不加分。",
        f"**先进单位建议（第二十一条）。**五年等次为{'、'.join(rule.commend_grades)}"
        + (
            f"，且作为依据的{plan.name}规划目标全部完成（以规划末年的最终结果为准，“无数据”不算完成）"
            + ("；县区五年目标是测算数（不是下达的分解任务），县区累计目标不作为依据，只在说明中列出" if plan.allocation_status != "issued" else "")
            if rule.require_all_plan_targets
            else ""
        )
        + "。这是建议，由市政府研究决定。",
    ])  # fmt: skip
