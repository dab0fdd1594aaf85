"""Build the SAMPLE county submissions in data/raw/<year>/ (2016–2025), seeded and reproducible.

No public source gives the responsibility system's county series (see data/reference/README.md),
so the shipped submissions are constructed. What anchors them:
- Scale: the document's own five-year targets (安政发〔2022〕7号 第七条、第九条): 10万 new urban
  jobs over 2021–2025 is about 2万 a year for the city; likewise 2万 a year of local rural transfer,
  600 a year of returnee talent and 6,000 a year of returnee workers.
- County shares: real 2021 户籍人口 (data/reference/ankang_counties_panel.csv).
- Assumptions (constructed, stated here and in data/raw/README.md): a 2020 shock (urban jobs −15%,
  local transfer +8% as migrant workers stayed home, unemployment +0.5 point), a performance factor
  per county so that some are behind schedule, a few blank cells, and series that begin when the
  indicator was introduced (调查失业率 and 本市就业占比 2019, 第九条/第十二条 indicators 2021).

Run: python scripts/make_sample_data.py --out data/raw
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from pipeline.config.indicators import indicators, plan_for_year
from pipeline.config.reference import county_population
from pipeline.config.regions import counties
from pipeline.intake import submission_format

SEED = 20220421
YEARS = range(2016, 2026)
SAMPLE_NOTE = (
    "注：本表为样例数据（SAMPLE，非真实填报），由 scripts/make_sample_data.py 按固定随机种子生成，"
    "仅用于演示和测试；请以各县（市、区）正式报送的数据替换。"
)

# City-level yearly flows (人). 2021–2025 levels follow the plan's ~1/5 of the target a year.
CITY_FLOW = {
    "urban_new_jobs": [18500, 19000, 19600, 20100, 17000, 19800, 20300, 20600, 20900, 21200],
    "rural_labour_local_transfer": [
        17000,
        17600,
        18300,
        19000,
        20500,
        19400,
        19900,
        20100,
        20400,
        20700,
    ],
    "returnee_talent": [None] * 5 + [520, 590, 620, 650, 690],
    "returnee_workers": [None] * 5 + [5200, 5700, 6000, 6200, 6500],
}
# Relative performance of each county from 2021 on (constructed): <1 means behind its share.
PERFORMANCE = {
    "610902": 1.03, "610921": 1.02, "610922": 1.05, "610923": 0.97, "610924": 0.93,
    "610925": 0.88, "610926": 1.04, "610927": 0.82, "610981": 1.00, "610929": 0.95,
}  # fmt: skip
# Registered unemployment rate level per county (%), constructed; 岚皋 drifts upward.
UNEMPLOYMENT_BASE = {
    "610902": 3.4, "610921": 3.1, "610922": 2.9, "610923": 3.0, "610924": 3.3,
    "610925": 3.5, "610926": 3.0, "610927": 2.8, "610981": 3.2, "610929": 3.4,
}  # fmt: skip
UNEMPLOYMENT_DRIFT = {"610925": 0.09}
SURVEYED_CITY = {2019: 5.2, 2020: 5.8, 2021: 5.4, 2022: 5.5, 2023: 5.3, 2024: 5.2, 2025: 5.1}
# Cells left blank, as in real hand-filled returns: (year, county code, indicator id).
BLANK_CELLS = {
    (2017, "610923", "rural_labour_local_transfer"),
    (2018, "610929", "registered_unemployment_rate"),
    (2019, "610924", "new_labour_local_share"),
    (2022, "610927", "registered_unemployment_rate"),
}
# Units as the sample sheet states them: local transfer is reported in 万人, as some bureaus do.
SHEET_UNIT = {"rural_labour_local_transfer": "万人"}


def _annual_task(
    indicator_id: str, kind: str, year: int, code: str, share: float, city_target: float
) -> float:
    if kind != "cumulative":
        return city_target
    if year >= 2021:  # the county's allocation spread evenly over the plan (config/targets.yaml)
        plan = plan_for_year(year)
        return round(plan.county_allocations[indicator_id][code] / len(plan.years))
    return round(90_000 / 5 * share, -2)


def build_year(year: int, rng: np.random.Generator, share: dict[str, float]) -> dict[str, dict]:
    """Return {region code or 'city': {indicator id: (task, done)}} for one year."""
    index = year - YEARS.start
    in_plan = year >= 2021
    rows: dict[str, dict] = {c.code: {} for c in counties()}
    rows["city"] = {}
    city_targets = plan_for_year(2021).city_targets
    for item in indicators():
        values: dict[str, float | None] = {}
        for county in counties():
            code = county.code
            performance = PERFORMANCE[code] if in_plan else 1.0
            if item.kind == "cumulative":
                level = CITY_FLOW[item.id][index]
                values[code] = (
                    None
                    if level is None
                    else round(level * share[code] * performance * rng.lognormal(0, 0.05))
                )
            elif item.id == "registered_unemployment_rate":
                shock = 0.5 if year == 2020 else 0.0
                drift = UNEMPLOYMENT_DRIFT.get(code, 0.0) * index
                values[code] = round(
                    UNEMPLOYMENT_BASE[code] + shock + drift + rng.normal(0, 0.12), 2
                )
            elif item.id == "new_labour_local_share":
                values[code] = (
                    None
                    if year < 2019
                    else round(50.5 + 1.0 * (year - 2019) + 30 * (performance - 1)
                               + rng.normal(0, 0.8), 1)
                )  # fmt: skip
            elif item.id == "exec_meetings_on_employment":
                values[code] = (
                    None
                    if year < 2021
                    else int(rng.choice([1, 2, 2, 3, 3, 4], p=[0.03, 0.3, 0.27, 0.2, 0.1, 0.1]))
                )
            else:  # city-only indicators have no county value
                values[code] = None
        for code in list(values):
            if (year, code, item.id) in BLANK_CELLS:
                values[code] = None
            task = None
            if values[code] is not None or item.kind == "cumulative":
                task = _annual_task(
                    item.id, item.kind, year, code, share[code], city_targets[item.id]
                )
            if item.city_only or (item.kind == "cumulative" and CITY_FLOW[item.id][index] is None):
                task = None
            if not in_plan and item.kind != "cumulative" and values[code] is not None:
                task = 4.5 if item.id == "registered_unemployment_rate" else city_targets[item.id]
            rows[code][item.id] = (task, values[code])
        rows["city"][item.id] = _city_row(item, year, values, rows, share, rng)
    return rows


def _city_row(item, year, values, rows, share, rng):
    county_values = [v for v in values.values() if v is not None]
    if item.id == "surveyed_unemployment_rate":
        done = SURVEYED_CITY.get(year)
        return (5.5 if done is not None else None, done)
    if item.kind == "cumulative":
        tasks = [rows[c.code][item.id][0] for c in counties()]
        if CITY_FLOW[item.id][year - YEARS.start] is None:
            return (None, None)
        done = sum(county_values) if len(county_values) == 10 else None
        return (sum(t for t in tasks if t is not None), done)
    if item.id == "exec_meetings_on_employment":
        return (2, None) if year < 2021 else (2, int(rng.choice([2, 3, 4])))
    if not county_values:
        return (None, None)
    weights = [share[c.code] for c in counties() if values[c.code] is not None]
    done = round(float(np.average(county_values, weights=weights)), 2)
    return (rows[counties()[0].code][item.id][0], done)


@dataclass(frozen=True)
class Layout:
    """What differs between the city's sheet and a county's sheet for its towns."""

    items: tuple
    members: tuple  # (code, name) of the rows above the total
    title: str
    region_header: str = submission_format.REGION_HEADER
    total_label: str = submission_format.CITY_ROW_LABEL
    note: str = SAMPLE_NOTE
    sheet_unit: dict = field(default_factory=lambda: SHEET_UNIT)


def city_layout(year: int) -> Layout:
    return Layout(
        indicators(), tuple((c.code, c.name) for c in counties()), submission_format.title(year)
    )


def write_workbook(
    year: int, rows: dict[str, dict], path: Path, layout: Layout | None = None
) -> None:
    layout = layout or city_layout(year)
    book = Workbook()
    sheet = book.active
    sheet.title = submission_format.SHEET_NAME
    items = layout.items
    last_column = 2 + 2 * len(items)
    sheet.cell(1, 1, layout.title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_column)
    sheet.cell(2, 1, submission_format.SEQUENCE_HEADER)
    sheet.cell(2, 2, layout.region_header)
    sheet.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    sheet.merge_cells(start_row=2, start_column=2, end_row=3, end_column=2)
    for position, item in enumerate(items):
        column = 3 + 2 * position
        unit = layout.sheet_unit.get(item.id, item.unit)
        sheet.cell(2, column, submission_format.indicator_header(item.raw_header, unit))
        sheet.merge_cells(start_row=2, start_column=column, end_row=2, end_column=column + 1)
        sheet.cell(3, column, submission_format.TASK_LABEL)
        sheet.cell(3, column + 1, submission_format.DONE_LABEL)
    labelled = [(str(n + 1), name, code) for n, (code, name) in enumerate(layout.members)]
    labelled.append(("", layout.total_label, "city"))
    for offset, (sequence, label, key) in enumerate(labelled):
        row = 4 + offset
        sheet.cell(row, 1, int(sequence) if sequence else None)
        sheet.cell(row, 2, label)
        for position, item in enumerate(items):
            task, done = rows[key][item.id]
            factor = submission_format.UNIT_FACTORS[layout.sheet_unit.get(item.id, item.unit)]
            column = 3 + 2 * position
            for col, value in ((column, task), (column + 1, done)):
                if value is not None and factor != 1:
                    value = round(value / factor, 4)
                sheet.cell(row, col, value)
    sheet.cell(4 + len(labelled) + 1, 1, layout.note)
    for row in sheet.iter_rows(min_row=2, max_row=3):
        for cell in row:
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


# ----------------------------------------------------------------------------------- towns
# A county's 镇(办) (issue 15): their figures are the county's own figures as the city holds them
# (data/raw/, read by the pipeline's intake), split over the towns, so that the towns add up to the
# county exactly and the 全区 row is the county's figure. The towns' yearly 目标任务 are their
# five-year tasks in the unit's configuration (issued, or the documented estimate) over the plan's
# years, as the intake checks; before the plan the county's task is split in the same proportions.
# Constructed, stated in data/raw/README.md: from 2021 a performance factor per town (some towns
# behind, as for the counties) and small yearly noise on each town's part of the 完成数; rates at a
# fixed offset per town from the county's own value plus small yearly noise; meetings drawn per
# town and year.
TOWN_PERFORMANCE_SPREAD = 0.06
TOWN_YEAR_NOISE = 0.02
# indicator: (spread of the town's offset, yearly noise, decimals)
TOWN_RATE_NOISE = {
    "registered_unemployment_rate": (0.3, 0.05, 2),
    "new_labour_local_share": (2.0, 0.3, 1),
}
TOWN_MEETINGS = ([1, 2, 2, 3, 3, 4], [0.04, 0.3, 0.26, 0.2, 0.1, 0.1])


def apportion(total: float, weights: list[float]) -> list[int]:
    """Whole parts of ``total`` in proportion to ``weights`` that add up to it exactly (largest
    remainder)."""
    scaled = np.asarray(weights, dtype=float) / float(np.sum(weights)) * total
    parts = np.floor(scaled)
    short = int(round(total - parts.sum()))
    for index in np.argsort(-(scaled - parts), kind="stable")[:short]:
        parts[index] += 1
    return [int(p) for p in parts]


def town_note(county: str, members: str) -> str:
    """The note row, in the tier's word for the towns (镇（办）, or 镇 where there is no 街道办)."""
    return (
        "注：本表为样例数据（SAMPLE，非真实填报），由 scripts/make_sample_data.py 按固定随机种子生成："
        f"各{members}的数由{county}报送安康市的数（data/raw/）拆分而来，合计等于{county}的数；"
        f"仅用于演示和测试；请以各{members}正式报送的数据替换。"
    )


@dataclass(frozen=True)
class Towns:
    """The constructed traits of a county's towns, drawn once."""

    codes: tuple[str, ...]
    allocations: dict[str, list[float]]  # indicator → each town's five-year task
    start: int  # the plan's first year
    years: int  # of the plan
    performance: np.ndarray
    offsets: dict[str, np.ndarray]

    @classmethod
    def draw(cls, codes: tuple[str, ...], plan: dict, rng: np.random.Generator) -> Towns:
        n = len(codes)
        return cls(
            codes,
            {key: [a[c] for c in codes] for key, a in plan["county_allocations"].items()},
            plan["start"],
            plan["end"] - plan["start"] + 1,
            rng.lognormal(0, TOWN_PERFORMANCE_SPREAD, n),
            {key: rng.normal(0, spread, n) for key, (spread, _, _) in TOWN_RATE_NOISE.items()},
        )


def town_year(
    year: int,
    county: dict[tuple[str, str], float],
    items: tuple,
    towns: Towns,
    rng: np.random.Generator,
) -> dict[str, dict]:
    """{town code or 'city': {indicator id: (task, done)}} for one year; ``county`` maps
    (indicator, measure) to the county's value that year (the 全区 row)."""
    n = len(towns.codes)
    rows: dict[str, dict] = {code: {} for code in towns.codes}
    rows["city"] = {}
    performance = towns.performance if year >= towns.start else np.ones(n)
    for item in items:
        task, done = county.get((item.id, "task")), county.get((item.id, "actual"))
        rows["city"][item.id] = (task, done)
        if item.kind == "cumulative":
            share = np.asarray(towns.allocations[item.id], dtype=float)
            if task is None:
                tasks = [None] * n
            elif year >= towns.start:
                tasks = [round(a / towns.years) for a in share]
            else:
                tasks = apportion(task, list(share))
            weights = share * performance * rng.lognormal(0, TOWN_YEAR_NOISE, n)
            dones = apportion(done, list(weights)) if done is not None else [None] * n
        elif item.id in TOWN_RATE_NOISE:
            _, noise, decimals = TOWN_RATE_NOISE[item.id]
            low, high = item.valid_range
            draws = towns.offsets[item.id] + rng.normal(0, noise, n)
            dones = [
                None
                if done is None
                else round(float(np.clip(done + d, low + 0.1, high - 0.1)), decimals)
                for d in draws
            ]
            tasks = [task] * n
        else:  # the 常务会 of each town government
            draws = rng.choice(TOWN_MEETINGS[0], size=n, p=TOWN_MEETINGS[1])
            dones = [None if done is None else int(d) for d in draws]
            tasks = [task] * n
        for code, t, d in zip(towns.codes, tasks, dones, strict=True):
            rows[code][item.id] = (t, d)
    return rows


def write_units(out: Path, codes: list[str]) -> None:
    """Each unit's town submissions, <out>/units/<code>/<year>/, from the county's figures in the
    city's sample in ``out`` (read through the intake, so 万人 is already 人)."""
    from pipeline.config.regions import resolve_region
    from pipeline.config.units import unit_config_files
    from pipeline.intake.collect import intake

    tidy, _ = intake(out, YEARS[-1])
    items = tuple(i for i in indicators() if not i.city_only)
    for code in codes:
        county = resolve_region(code)
        files = unit_config_files(code)
        regions, (plan,) = files["regions.yaml"], files["targets.yaml"]["plans"]
        members = tuple((t["code"], t["name"]) for t in regions["counties"])
        rng = np.random.default_rng(SEED + int(code))
        towns = Towns.draw(tuple(c for c, _ in members), plan, rng)
        own = tidy[tidy["region_code"] == county.code]
        for year in YEARS:
            values = {
                (r.indicator, r.measure): r.value
                for r in own[own["year"] == year].itertuples()
                if not np.isnan(r.value)
            }
            layout = Layout(
                items,
                members,
                submission_format.title(year, county.name),
                # the intake's header words (submission_format.REGION_HEADER_ALIASES) have 镇（办）
                # and 乡镇, not 镇 alone: a county without 街道办 heads the column 乡镇
                region_header="镇（办）" if regions["tier"]["members"] == "镇（办）" else "乡镇",
                total_label=regions["tier"]["top"],
                note=town_note(county.name, regions["tier"]["members"]),
                sheet_unit={},
            )
            path = (
                out
                / submission_format.UNITS_FOLDER
                / code
                / str(year)
                / submission_format.file_name(year, code)
            )
            write_workbook(year, town_year(year, values, items, towns, rng), path, layout)
            print(f"wrote {path}")


# ----------------------------------------------------------------------------------- departments
# The member departments' task lists (config/departments.yaml, itself a sample): 2021–2025, one
# workbook a year. Constructed: a performance factor per department (lognormal σ 0.06) and yearly
# noise (σ 0.04) on each quantitative 完成数 around its target; each qualitative task 完成 /
# 部分完成 / 未完成 with probabilities 0.8 / 0.15 / 0.05; evidence text says it is sample.
DEPARTMENT_YEARS = range(2021, 2026)
DEPARTMENT_SPREAD, DEPARTMENT_NOISE = 0.06, 0.04
DEPARTMENT_STATUSES = (("完成", "部分完成", "未完成"), (0.8, 0.15, 0.05))
DEPARTMENT_NOTE = (
    "注：本表为样例数据（SAMPLE，非真实填报），由 scripts/make_sample_data.py 按固定随机种子生成，"
    "成员单位与任务清单（config/departments.yaml）也是样例；请以各成员单位正式报送的任务清单替换。"
)


def write_departments(out: Path) -> None:
    from pipeline.config.departments import load_departments
    from pipeline.intake import departments as layout

    registry = load_departments()
    rng = np.random.default_rng(SEED + 17)
    performance = {d.id: rng.lognormal(0, DEPARTMENT_SPREAD) for d in registry.departments}
    headers = [
        layout.HEADERS[k][0] for k in ("department", "task", "target", "done", "status", "evidence")
    ]
    for year in DEPARTMENT_YEARS:
        book = Workbook()
        sheet = book.active
        sheet.title = layout.SHEET_NAME
        sheet.cell(1, 1, f"安康市就业工作领导小组成员单位{year}年任务清单完成情况").font = Font(
            bold=True, size=14
        )
        for column, header in enumerate(headers, start=1):
            sheet.cell(2, column, header).font = Font(bold=True)
        row = 3
        for department in registry.departments:
            for task in department.tasks:
                values: list = [department.name, task.name]
                if task.kind == "quantitative":
                    done = round(
                        task.target
                        * performance[department.id]
                        * rng.lognormal(0, DEPARTMENT_NOISE)
                    )
                    values += [task.target, done, None, f"样例：{task.name}台账（{year}年）"]
                else:
                    status = str(rng.choice(DEPARTMENT_STATUSES[0], p=DEPARTMENT_STATUSES[1]))
                    evidence = (
                        ""
                        if status == "未完成"
                        else f"样例：{task.name}相关文件与工作记录（{year}年）"
                    )
                    values += [None, None, status, evidence or None]
                for column, value in enumerate(values, start=1):
                    sheet.cell(row, column, value)
                row += 1
        sheet.cell(row + 1, 1, DEPARTMENT_NOTE)
        path = layout.departments_folder(out, year) / f"departments-{year}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
        print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/raw"))
    parser.add_argument(
        "--unit",
        action="append",
        default=[],
        help="also (or, with --units-only, only) the town submissions of this county (config/units/<code>)",
    )
    parser.add_argument("--units-only", action="store_true")
    parser.add_argument(
        "--departments", action="store_true", help="also the departments' task lists (departments/)"
    )
    args = parser.parse_args()
    if not args.units_only:
        population = county_population(2021)
        total = sum(population.values())
        share = {code: value / total for code, value in population.items()}
        rng = np.random.default_rng(SEED)
        for year in YEARS:
            path = args.out / str(year) / submission_format.file_name(year)
            write_workbook(year, build_year(year, rng, share), path)
            print(f"wrote {path}")
    write_units(args.out, args.unit)
    if args.departments:
        write_departments(args.out)


if __name__ == "__main__":
    main()
