"""A unit: a county bureau assessing its 镇(办) with the same pipeline (第十六、十九条).

A unit's folder ``config/units/<county code>/unit.yaml`` holds only what differs from the city: the
tier's wording, the tasks the county issued to its towns, weights where they differ, the issuer of
its documents. :func:`materialise` writes a complete configuration folder from it and the city's
files — the county as the top region, its towns from the NBS list as the assessed regions — and the
pipeline runs on that folder (``ANKANG_CONFIG_DIR``), so no rule, indicator or stage is written
twice. Outputs go to their own folders (:class:`UnitPaths`), through the same atomic builds.
"""

from __future__ import annotations

import copy
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field

from pipeline import CONFIG_DIR, DATA_DIR, PROJECT_ROOT, RAW_DIR, REFERENCE_DIR, REPORTS_DIR
from pipeline.config.hierarchy import towns_of
from pipeline.config.regions import resolve_region
from pipeline.config.schema import (
    ConfigError,
    TierWording,
    _load_yaml,
    _Strict,
    _validated,
    load_indicators_config,
    load_regions_config,
    load_targets_config,
)
from pipeline.intake.submission_format import UNITS_FOLDER as UNITS

CITY_CONFIG_DIR = PROJECT_ROOT / "config"
CONFIG_ENV = "ANKANG_CONFIG_DIR"  # read by pipeline/__init__.py
OUTPUT_ROOT_ENV = "ANKANG_OUTPUT_ROOT"  # see output_roots
UNITS_CONFIG_DIR = CITY_CONFIG_DIR / "units"
UNIT_FILE = "unit.yaml"
CONFIG_FILES = (
    "regions.yaml",
    "indicators.yaml",
    "targets.yaml",
    "assessment.yaml",
    "documents.yaml",
)
# Beside the five files, what they were made from (hidden: not part of the configuration's hash,
# pipeline.runner.fingerprint.files_under), so that an unchanged folder is not made again.
MATERIALISED_RECORD = ".materialised.json"

# In the tier's words ({members}: 镇（办）, or 镇 where a county has no 街道办) and the county's name.
ESTIMATE_RULES = {
    "equal_shares": (
        "{members}的测算数按{members}个数均分{county}的五年任务（名录中没有镇办人口或就业数据，不能按人口比重），"
        "按取整步长向下取整（每个{members}的份额不足一个步长时，步长依次缩小为十分之一，最小为1），"
        "余数按名录顺序每个{members}加一个步长（不足一个步长的尾差计入第一个）。此为测算数，不作为约谈依据。"
        " Share of each town: an equal part of the county's five-year task (no town populations exist in"
        " the data), rounded down to the allocation step (a tenth as large while a share is below one"
        " step), the remainder one step each in list order."
    )
}


class UnitTargets(_Strict):
    allocation_status: Literal["estimate", "issued"] = "estimate"
    allocation_document: str = ""
    estimate_rule: Literal["equal_shares"] = "equal_shares"
    # indicator id → town code → five-year task issued by the county
    town_allocations: dict[str, dict[str, float]] = {}


class UnitConfig(_Strict):
    unit: str = Field(pattern=r"^\d{6}$")
    tier: TierWording
    total_aliases: tuple[str, ...] = ()
    targets: UnitTargets = UnitTargets()
    weights: dict[str, float] = {}
    # config/assessment.yaml's funds where the county's differ (base_allocations issued to towns)
    funds: dict = {}
    documents: dict = {}


@dataclass(frozen=True)
class UnitPaths:
    """Where a unit's submissions, processed data, reports and builds live."""

    code: str
    raw: Path
    processed: Path
    reports: Path
    builds: Path
    review: Path  # the county's 考评组 review of its towns (data/review/units/<code>/<year>.yaml)

    @property
    def config(self) -> Path:
        """The materialised configuration (rebuilt from config/ and the unit file on every run)."""
        return self.builds / "config"


def published_processed(year: int) -> str:
    """Where the report says its processed files are: data/processed/<year>, or the unit's."""
    unit = load_regions_config().unit
    folder = Path("data") / "processed" / (Path(UNITS) / unit if unit else "") / str(year)
    return folder.as_posix()


def output_roots() -> tuple[Path, Path, Path]:
    """Where the city's and the units' processed, reports and builds roots are: data/processed,
    reports, data/builds, or under ``$ANKANG_OUTPUT_ROOT`` (a whole-city town run measured in a
    temporary folder, pipeline/tools/bench.py). The city report finds the units' results here."""
    root = os.environ.get(OUTPUT_ROOT_ENV)
    if root:
        return Path(root) / "processed", Path(root) / "reports", Path(root) / "builds"
    return DATA_DIR / "processed", REPORTS_DIR, DATA_DIR / "builds"


def unit_paths(code: str) -> UnitPaths:
    processed, reports, builds = output_roots()
    return UnitPaths(
        code,
        raw=DATA_DIR / "raw" / UNITS / code,
        processed=processed / UNITS / code,
        reports=reports / UNITS / code,
        builds=builds / UNITS / code,
        review=DATA_DIR / "review" / UNITS / code,
    )


def configured_units() -> tuple[str, ...]:
    return tuple(sorted(p.parent.name for p in UNITS_CONFIG_DIR.glob(f"*/{UNIT_FILE}")))


def load_unit(code: str) -> UnitConfig:
    path = UNITS_CONFIG_DIR / code / UNIT_FILE
    if not path.exists():
        known = "、".join(configured_units()) or "（无）"
        raise ConfigError(
            f"找不到单位配置 {path}：UNIT 应为 config/units/ 下的县区代码之一：{known}"
        )
    unit = _validated(UnitConfig, path)
    if unit.unit != code:
        raise ConfigError(f"配置文件 {path}：键 unit 为 {unit.unit}，与所在文件夹 {code} 不同")
    return unit


def equal_shares(total: float, codes: list[str], step: int) -> dict[str, float]:
    """``total`` in equal parts rounded down to ``step``; what remains is handed out one step at a
    time in the list's order, and the last piece smaller than a step goes to the first code, so
    that the parts add up exactly (the county's task is the towns' sum) and differ by at most one
    step (plus that piece)."""
    part = int(total / len(codes) / step) * step
    parts: dict[str, float] = {code: part for code in codes}
    steps = int((total - part * len(codes)) // step)
    for code in codes[:steps]:
        parts[code] += step
    parts[codes[0]] += total - part * len(codes) - steps * step
    return {code: _plain(value) for code, value in parts.items()}


def town_step(total: float, towns: int, step: int) -> int:
    """The city's rounding step for the county split (10 returnee talents, 100 workers) a tenth at
    a time smaller, down to 1, until each town's equal share is at least one step: 宁陕县's 70
    returnee talents over 11 towns in steps of 10 would leave four towns a task of 0."""
    while step > 1 and total / towns < step:
        step = max(step // 10, 1)
    return step


def _plain(value: float) -> float | int:
    """34000.0 → 34000: the generated YAML reads like the hand-written one."""
    return int(value) if float(value).is_integer() else value


def _city_yaml(name: str) -> dict:
    loaded = _load_yaml(CITY_CONFIG_DIR / name)
    return copy.deepcopy(loaded) if isinstance(loaded, dict) else {}


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _town_funds(county_code: str, codes: list[str]) -> dict:
    """Sample fund bases of the towns: the county's own sample base (the city's rule) in equal
    shares — there are no town populations to weigh them by. Labelled sample like the city's."""
    from pipeline.annual.scoring import base_allocations
    from pipeline.config.assessment_rules import load_rules

    rules = load_rules(CITY_CONFIG_DIR)
    bases, _ = base_allocations(rules)
    total = bases[county_code]
    parts = equal_shares(round(total * 100), codes, 1)  # in 0.01 万元, so that they add up exactly
    return {
        **rules.funds.model_dump(),
        "base_allocations_status": "sample",
        "sample_notional_total": total,
        "base_allocations": {town: _plain(v / 100) for town, v in parts.items()},
    }


def unit_config_files(code: str) -> dict[str, dict]:
    """The unit's five configuration files as data (see the module docstring)."""
    unit = load_unit(code)
    county = resolve_region(code)
    if county.is_city:
        raise ConfigError(f"config/units/{code}：单位须是县（市、区），{county.name}是全市")
    city_regions = load_regions_config(CITY_CONFIG_DIR)
    city_name = city_regions.city.name
    entry = next(c for c in city_regions.counties if c.code == county.code)
    members = towns_of(county.code)
    city_only = {i.id for i in load_indicators_config(CITY_CONFIG_DIR).indicators if i.city_only}

    regions = _city_yaml("regions.yaml")
    regions["city"] = {
        "code": county.code,
        "name": county.name,
        "aliases": list(dict.fromkeys((*entry.aliases, *unit.total_aliases))),
        "former_codes": list(entry.former_codes),
    }
    regions["counties"] = [{"code": t.code, "name": t.name} for t in members]
    regions["functional_zones"] = [
        z for z in regions.get("functional_zones", []) if z.get("parent") == county.code
    ]
    regions["tier"] = unit.tier.model_dump()
    regions["boundaries"] = None  # no town boundaries: the report has no map
    regions["unit"] = county.code

    indicators = _city_yaml("indicators.yaml")
    indicators["indicators"] = [i for i in indicators["indicators"] if i["id"] not in city_only]

    targets = _city_yaml("targets.yaml")
    codes = [t.code for t in members]
    for raw_plan, plan in zip(
        targets["plans"], load_targets_config(CITY_CONFIG_DIR).plans, strict=True
    ):
        own = {
            key: _plain(plan.county_allocations[key][county.code])
            if key in plan.county_allocations
            else _plain(value)
            for key, value in plan.city_targets.items()
            if key not in city_only
        }
        allocations = {}
        steps = {k: v for k, v in plan.allocation_step.items() if k not in city_only}
        for key in plan.county_allocations:
            issued = unit.targets.town_allocations.get(key)
            if issued is None:
                steps[key] = town_step(own[key], len(codes), steps.get(key, 1))
            allocations[key] = (
                {town: _plain(v) for town, v in issued.items()}
                if issued is not None
                else equal_shares(own[key], codes, steps.get(key, 1))
            )
        estimated = unit.targets.allocation_status == "estimate" or any(
            key not in unit.targets.town_allocations for key in plan.county_allocations
        )
        raw_plan.update(
            city_targets=own,
            county_allocations=allocations,
            allocation_status="estimate" if estimated else "issued",
            allocation_document=unit.targets.allocation_document,
            allocation_rule=(
                f"{county.name}五年任务为{city_name}分解数（config/targets.yaml）。"
                + (
                    ESTIMATE_RULES[unit.targets.estimate_rule].format(
                        members=unit.tier.members, county=county.name
                    )
                    if estimated
                    else f"{unit.tier.government}正式下达。"
                )
            ),
        )
        raw_plan["allocation_step"] = steps

    assessment = _city_yaml("assessment.yaml")
    assessment["scoring"]["weights"] = {
        **{k: v for k, v in assessment["scoring"]["weights"].items() if k not in city_only},
        **unit.weights,
    }
    assessment["funds"] = _merge(_town_funds(county.code, codes), unit.funds)
    documents = _merge(_city_yaml("documents.yaml"), unit.documents)
    files = {
        "regions.yaml": regions,
        "indicators.yaml": indicators,
        "targets.yaml": targets,
        "assessment.yaml": assessment,
        "documents.yaml": documents,
    }
    assert tuple(files) == CONFIG_FILES
    return files


@functools.lru_cache(maxsize=2)
def _city_tidy(raw: Path, last: int, contents: str):
    """The city's submissions in ``raw`` up to ``last``, read and checked once for each content
    of the folder (``contents``: its hash, so that an edited submission is read again): ``make
    towns`` materialises ten units from the same submissions (0.6 CPU-s each). Not to be
    modified (a copy is taken by every selection)."""
    from pipeline.intake.collect import intake

    tidy, _ = intake(raw, last)
    return tidy


def _write_county_figures(code: str, raw: Path, path: Path) -> None:
    """The county's own figures as the city's submissions in ``raw`` give them (read and checked
    by the city's intake): the county's run checks its 全区 row against them
    (intake.validate.check_against_county_figures). Rewritten only when they change."""
    from pipeline.intake.ingest import is_year_folder
    from pipeline.intake.validate import FIGURE_COLUMNS
    from pipeline.runner.fingerprint import tree_sha
    from pipeline.store.inert import read_csv, write_csv

    last = max((int(p.name) for p in raw.iterdir() if is_year_folder(p)), default=None)
    if last is None:
        raise ConfigError(
            f"{raw} 中没有年份文件夹：无法取得{resolve_region(code).name}报送市里的数"
        )
    tidy = _city_tidy(raw, last, tree_sha([raw]))
    own = tidy[tidy["region_code"] == resolve_region(code).code][list(FIGURE_COLUMNS)]
    own = own.reset_index(drop=True)
    if path.exists() and read_csv(path).astype(str).equals(own.astype(str)):
        return
    write_csv(own, path)


def _record(code: str, raw: Path | None) -> dict[str, str]:
    """What a unit's configuration folder is made from, hashed: the code that makes and checks
    it, the environment it runs in, the city's configuration (with config/units/), the reference
    data (the NBS town list, the populations of the fund rule) and the city's submissions in
    ``raw`` (the county's own figures)."""
    from pipeline.runner.fingerprint import state_sha

    sources = [PROJECT_ROOT / "pipeline", PROJECT_ROOT / "requirements.lock", CITY_CONFIG_DIR]
    sources += [CONFIG_DIR, REFERENCE_DIR, *([raw] if raw is not None else [])]
    return {"unit": code, "sources": state_sha(list(dict.fromkeys(sources)))}


def is_materialised(code: str, out: Path, raw: Path | None = RAW_DIR) -> bool:
    """``out`` holds what :func:`materialise` would write there now: it was made from sources
    that have not changed since, and its files are as they were made."""
    return _made_from(out, _record(code, raw))


def _made_from(out: Path, record: dict[str, str]) -> bool:
    import json

    from pipeline.runner.fingerprint import state_sha

    try:
        recorded = json.loads((out / MATERIALISED_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded == {**record, "files": state_sha([out])}


def materialise(code: str, out: Path, raw: Path | None = RAW_DIR) -> Path:
    """Write the unit's configuration folder to ``out`` and validate it with the same loaders the
    pipeline uses (a wrong unit file fails here, naming the generated file and key); with the
    county's own figures from the city's submissions in ``raw`` (None: without them). A folder
    made from the same sources and not touched since is left as it is (:func:`is_materialised`):
    ``make towns`` materialises ten units on every run."""
    from pipeline.config.assessment_rules import load_rules
    from pipeline.documents.settings import load_documents_config
    from pipeline.intake.validate import COUNTY_FIGURES_FILE
    from pipeline.runner.fingerprint import state_sha
    from pipeline.store.atomic import write_json_atomically

    # the sources' hash before they are read: one edited meanwhile is seen by the next run
    record = _record(code, raw)
    if _made_from(out, record):
        return out
    out.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        _write_county_figures(code, raw, out / COUNTY_FIGURES_FILE)
    for name, data in unit_config_files(code).items():
        text = (
            f"# 由 config/units/{code}/{UNIT_FILE} 与 config/{name} 生成（pipeline/config/units.py），请勿修改。\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        )
        target = out / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    for loader in (
        load_regions_config, load_indicators_config, load_targets_config, load_rules,
        load_documents_config,
    ):  # fmt: skip
        loader(out)
    write_json_atomically({**record, "files": state_sha([out])}, out / MATERIALISED_RECORD)
    return out


def unit_command(
    code: str, year: int, raw: Path | None, options: list[str]
) -> tuple[list[str], dict[str, str]]:
    """The command and environment of a unit's ``make report``: the pipeline pointed at its
    configuration folder by ``ANKANG_CONFIG_DIR``, its own raw, processed, reports and builds
    roots (the folder is not made here: :func:`unit_run`)."""
    import sys

    paths = unit_paths(code)
    command = [
        sys.executable, "-m", "pipeline", "report", f"--year={year}",
        f"--raw={raw or paths.raw}",
        f"--processed-root={paths.processed}",
        f"--reports-root={paths.reports}",
        f"--builds-root={paths.builds}",
        f"--review={paths.review}",
        *options,
    ]  # fmt: skip
    return command, {**os.environ, CONFIG_ENV: str(paths.config)}


def unit_run(
    code: str, year: int, raw: Path | None, options: list[str]
) -> tuple[list[str], dict[str, str]]:
    """:func:`unit_command`, with the unit's configuration materialised (and validated) into its
    builds folder first."""
    materialise(code, unit_paths(code).config)
    return unit_command(code, year, raw, options)
