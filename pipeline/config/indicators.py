"""Indicator definitions and plan targets, read from ``config/`` — the one place for each fact."""

from __future__ import annotations

from functools import cache

from pipeline.config.regions import Region
from pipeline.config.schema import (
    ConfigError,
    Indicator,
    Plan,
    load_indicators_config,
    load_targets_config,
)


class UnknownIndicatorError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class NoPlanError(ConfigError):
    """The requested year lies outside every configured plan period."""


@cache
def indicators() -> tuple[Indicator, ...]:
    return load_indicators_config().indicators


def indicator(indicator_id_or_name: str) -> Indicator:
    """Find an indicator by id, Chinese name, short name or the spreadsheet's header wording,
    compared after the same normalisation on both sides (NFKC, no spaces): the returnee
    indicators' full-width brackets match whether the caller normalised them or not."""
    from pipeline.intake.numbers import normalise

    wanted = normalise(indicator_id_or_name)
    for item in indicators():
        if wanted in {normalise(w) for w in (item.id, item.name, item.raw_header, item.short_name)}:
            return item
    known = "、".join(f"{i.id}（{i.name}）" for i in indicators())
    raise UnknownIndicatorError(f"未知指标“{indicator_id_or_name}”。已知指标：{known}")


def indicators_for(region: Region) -> tuple[Indicator, ...]:
    """The indicators a region is assessed on: city-only ones apply to the city alone."""
    return tuple(i for i in indicators() if region.is_city or not i.city_only)


def plan_for_year(year: int) -> Plan:
    for plan in load_targets_config().plans:
        if plan.start <= year <= plan.end:
            return plan
    configured = "；".join(f"{p.name} {p.start}–{p.end}" for p in load_targets_config().plans)
    raise NoPlanError(
        f"{year}年不在任何已配置的规划期内（已配置：{configured}）。请在 config/targets.yaml 中添加规划期。"
    )


def target(plan: Plan, item: Indicator, region: Region) -> float:
    """The plan target for one region: the city's figure, or the county's explicit allocation."""
    if region.is_city or item.kind != "cumulative":
        return plan.city_targets[item.id]
    try:
        return plan.county_allocations[item.id][region.code]
    except KeyError as error:
        raise ConfigError(
            f"config/targets.yaml 缺少 {plan.name} {item.name} 对 {region.name}（{region.code}）的分解数"
        ) from error
