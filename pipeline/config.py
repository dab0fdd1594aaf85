"""Load and validate the YAML configuration in ``config/`` (regions, indicators, targets)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline import CONFIG_DIR


class ConfigError(ValueError):
    """A configuration file is missing or does not describe what the pipeline needs."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegionEntry(_Strict):
    code: str = Field(pattern=r"^\d{6}$")
    name: str
    aliases: tuple[str, ...] = ()
    former_codes: tuple[str, ...] = ()


class ZoneEntry(_Strict):
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    parent: str = Field(pattern=r"^\d{6}$")


class RegionsConfig(_Strict):
    city: RegionEntry
    counties: tuple[RegionEntry, ...]
    functional_zones: tuple[ZoneEntry, ...] = ()

    @model_validator(mode="after")
    def _zones_belong_to_counties(self) -> RegionsConfig:
        county_codes = {c.code for c in self.counties}
        for zone in self.functional_zones:
            if zone.parent not in county_codes:
                raise ValueError(f"功能区 {zone.name} 的所属县区代码 {zone.parent} 不在县区名单中")
        return self


IndicatorKind = Literal["cumulative", "ceiling_each_year", "floor_each_year"]


class Indicator(_Strict):
    id: str
    name: str
    short_name: str
    raw_header: str
    unit: Literal["人", "%", "次"]
    # What the unit symbol used to be read for: a count (log scale) or a rate in % (logit scale),
    # whether values are whole numbers (simulated paths rounded), and the decimals shown.
    measure: Literal["count", "rate"]
    integer: bool
    decimals: int = Field(ge=0, le=4)
    kind: IndicatorKind
    direction: Literal["higher_is_better", "lower_is_better"]
    article: str
    city_only: bool = False
    # False: not forecast (第十二条 meetings are decided by the government, not a random flow)
    forecast: bool = True
    valid_range: tuple[float, float]
    plausible_range: tuple[float, float] | None = None


class IndicatorsConfig(_Strict):
    indicators: tuple[Indicator, ...]


class Plan(_Strict):
    id: str
    name: str
    start: int
    end: int
    source: str
    city_targets: dict[str, float]
    allocation_rule: str
    # estimate: the county allocations are this project's population split, to be replaced by the
    # bureau's issued 分解任务 (the report says so); issued: they are the bureau's, from
    # ``allocation_document``.
    allocation_status: Literal["estimate", "issued"] = "estimate"
    allocation_document: str = ""
    allocation_step: dict[str, int]
    county_allocations: dict[str, dict[str, float]]

    @model_validator(mode="after")
    def _allocations_sum_to_city(self) -> Plan:
        if self.allocation_status == "issued" and not self.allocation_document:
            raise ValueError(
                f"规划期 {self.name}：allocation_status 为 issued 时须填写 allocation_document（文号）"
            )
        if self.end < self.start:
            raise ValueError(f"规划期 {self.name} 结束年份早于开始年份")
        for indicator_id, by_county in self.county_allocations.items():
            total = sum(by_county.values())
            if total != self.city_targets[indicator_id]:
                raise ValueError(
                    f"{self.name} {indicator_id} 县区分解合计 {total:g} "
                    f"≠ 全市目标 {self.city_targets[indicator_id]:g}"
                )
        return self

    @property
    def years(self) -> range:
        return range(self.start, self.end + 1)


class StatusThresholds(_Strict):
    on_track_min_probability: float = Field(gt=0, lt=1)
    at_risk_min_probability: float = Field(gt=0, lt=1)


class ForecastSettings(_Strict):
    seed: int
    n_paths: int = Field(ge=100)
    calibration_paths: int = Field(ge=100)


class ProgressThresholds(_Strict):
    """Cut-offs of the deterministic progress categories (pipeline/progress.py), each from its
    source: Eurostat SDG monitoring (on track, acceleration needed, limited progress), UNSD SDG
    Progress Chart (on track, fair), Destatis weather scale (small and large shortfall shares)."""

    eurostat: tuple[float, float, float]
    unsd: tuple[float, float]
    destatis: tuple[float, float]

    @model_validator(mode="after")
    def _descending(self) -> ProgressThresholds:
        for name in ("eurostat", "unsd"):
            values = getattr(self, name)
            if list(values) != sorted(values, reverse=True):
                raise ValueError(f"progress_thresholds.{name} 须从大到小排列：{values}")
        if not self.destatis[0] < self.destatis[1]:
            raise ValueError(f"progress_thresholds.destatis 须从小到大排列：{self.destatis}")
        return self


class TargetsConfig(_Strict):
    plans: tuple[Plan, ...]
    status_thresholds: StatusThresholds
    forecast: ForecastSettings
    progress_thresholds: ProgressThresholds


def _load_yaml(path: Path) -> object:
    if not path.exists():
        raise ConfigError(f"找不到配置文件 {path}")
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], path: Path) -> M:
    try:
        return model.model_validate(_load_yaml(path))
    except ValidationError as error:
        raise ConfigError(f"配置文件 {path} 有误：\n{error}") from error


@cache
def load_regions_config(config_dir: Path = CONFIG_DIR) -> RegionsConfig:
    return _validated(RegionsConfig, config_dir / "regions.yaml")


@cache
def load_indicators_config(config_dir: Path = CONFIG_DIR) -> IndicatorsConfig:
    return _validated(IndicatorsConfig, config_dir / "indicators.yaml")


@cache
def load_targets_config(config_dir: Path = CONFIG_DIR) -> TargetsConfig:
    return _validated(TargetsConfig, config_dir / "targets.yaml")
