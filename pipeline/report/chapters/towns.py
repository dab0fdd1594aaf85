"""The town summary on each county's page of the city report (issue 15, item 2).

When a county has assessed its 镇(办) with the same pipeline (``make report UNIT=<code>`` or
``make towns``), its published results for the year (``data/processed/units/<code>/<year>/``,
:func:`pipeline.config.units.unit_paths`) are summarised on the county's page: how many towns were
assessed, the spread of their scores and of each yearly task's 完成率, the towns graded 不达标, the
build the results come from, and whether they are sample data. The summary presents the unit's
files and computes nothing beyond min/median/max and counts. Without them nothing is printed.

The report stage declares these files as inputs (``towns`` in pipeline/stages/registry.py,
:func:`input_paths`), so the city report is rebuilt when a unit's results change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline.annual.exact import share_text
from pipeline.config.schema import load_regions_config
from pipeline.config.units import configured_units, load_unit, unit_paths
from pipeline.report import markup
from pipeline.store import catalog
from pipeline.store.inert import read_csv

# The unit's files the summary reads (and the report stage's key hashes), then its build's marker.
FILES = (catalog.SCORES_FILE, catalog.ANNUAL_FACTS_FILE, catalog.TIDY_FILE)


def _year_folder(code: str, year: int) -> Path:
    return unit_paths(code).processed / str(year)


def _marker(folder: Path) -> Path | None:
    """The COMPLETE marker of the build the published year folder leads to (processed/<year> is
    a link to <build>/processed/<year>): its date is the build's, its path names the build."""
    if not folder.is_dir():
        return None
    marker = folder.resolve().parent.parent / catalog.COMPLETE
    return marker if marker.is_file() else None


def _units() -> tuple[str, ...]:
    """The units whose results the city report can show: none in a unit's own run (a county's
    towns have no tier under them)."""
    return () if load_regions_config().unit else configured_units()


def input_paths(year: int) -> list[Path]:
    """Every file the summaries of ``year`` read, present or not (a unit's first results change
    the report stage's key as any later change does)."""
    paths = []
    for code in _units():
        folder = _year_folder(code, year)
        paths += [folder / name for name in FILES]
        marker = _marker(folder)
        paths += [marker] if marker else []
    return paths


@dataclass(frozen=True)
class TownResults:
    """A unit's published results of one year, as its files give them."""

    code: str
    county: str
    members: str  # the unit's word for its towns: 镇（办）, or 镇
    folder: Path
    built: date
    scores: pd.DataFrame  # one row per town
    facts: pd.DataFrame  # the towns' yearly tasks (not the county's own row)
    is_sample: bool

    @classmethod
    def read(cls, code: str, year: int) -> TownResults | None:
        """None when the unit has no complete published results for ``year``."""
        folder = _year_folder(code, year)
        marker = _marker(folder)
        if marker is None or not all((folder / name).is_file() for name in FILES):
            return None
        # both files hold the previous year too (the 考核 compares with it): this year's rows
        scores = read_csv(folder / catalog.SCORES_FILE, dtype={"region_code": str})
        facts = read_csv(folder / catalog.ANNUAL_FACTS_FILE, dtype={"region_code": str})
        scores, facts = scores[scores["year"] == year], facts[facts["year"] == year]
        tidy = read_csv(folder / catalog.TIDY_FILE, usecols=["is_sample"])
        unit = load_unit(code)
        county = next(c.name for c in load_regions_config().counties if c.code == code)
        return cls(
            code,
            county,
            unit.tier.members,
            folder,
            date.fromtimestamp(marker.stat().st_mtime),
            scores,
            facts[(facts["region_code"] != code) & (facts["kind"] == "cumulative")],
            catalog.holds_sample(tidy),
        )

    def rates(self) -> pd.DataFrame:
        """完成率 of each yearly task over the towns: lowest, median, highest, towns below 100%
        (a town without a 完成数 counts as below, as in the scoring), towns reported."""
        rows = []
        for name, group in self.facts.groupby("short_name", sort=False):
            rate = group["completion_rate"].astype(float)
            reported = rate.dropna()
            rows.append(
                {
                    "年度任务": name,
                    "最低": share_text(reported.min()),
                    "中位数": share_text(reported.median()),
                    "最高": share_text(reported.max()),
                    "未完成的个数": f"{int((rate.fillna(0) < 1).sum())}/{len(rate)}",
                }
            )
        return pd.DataFrame(rows)


def county_summary(code: str, year: int, grades: list[str]) -> str:
    """The county page's paragraph and table (Markdown), or "" without the unit's results;
    ``grades`` from the best to the lowest (config/assessment.yaml)."""
    if code not in _units():
        return ""
    results = TownResults.read(code, year)
    if results is None:
        return ""
    m, scores, lowest_grade = results.members, results.scores, grades[-1]
    behind = scores[scores["grade"] == lowest_grade]["region"].map(markup.text).tolist()
    counts = scores["grade"].value_counts()
    sample = "（样例数据，非真实填报）" if results.is_sample else ""
    text = (
        f"**所辖{m}考核{sample}：**据{results.county}对各{m}的考核"
        f"（{year}年，{results.built.isoformat()}构建，`{_shown(results.folder)}`），"
        f"{len(scores)}个{m}参加考核，得分 {scores['score'].min():.2f}–{scores['score'].median():.2f}–"
        f"{scores['score'].max():.2f} 分（最低–中位数–最高）；等次："
        + "，".join(f"{g} {int(counts[g])} 个" for g in grades if g in counts)
        + "；"
        + (
            f"{lowest_grade}的{m}：{'、'.join(behind)}。"
            if behind
            else f"没有{lowest_grade}的{m}。"
        )
    )
    table = markup.table(
        results.rates(),
        label=f"tbl-towns-{code}",
        caption=f"{results.county}各{m}{year}年度任务完成率",
        widths=[4, 2, 2, 2, 3],
    )
    return f"{text}\n\n{table}"


def _shown(folder: Path) -> str:
    """The folder as the report names it: relative to the project when it is inside it."""
    from pipeline import PROJECT_ROOT

    try:
        return folder.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return folder.as_posix()


def data_note(year: int) -> str:
    """For the report's data section: which counties' town results the county pages summarise
    ("" when none has any, so that the report is as it was without them)."""
    shown = [r for r in (TownResults.read(code, year) for code in _units()) if r is not None]
    if not shown:
        return ""
    names = "、".join(r.county for r in shown)
    missing = [
        c.name for c in load_regions_config().counties if c.code not in {r.code for r in shown}
    ]
    return (
        f"县区对所辖镇（办）的考核结果（`make towns` 或 `make report UNIT=<代码>` 生成，"
        f"`data/processed/units/<代码>/{year}/`）：{names}的已摘入该县区详情"
        + (f"；{'、'.join(missing)}尚无{year}年的结果。" if missing else "。")
    )
