"""The region registry: 安康市 and its ten county-level divisions, with aliases and functional zones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipeline.config.schema import TierWording, load_regions_config


class UnknownRegionError(KeyError):
    """A region name or code that the registry does not know."""

    def __str__(self) -> str:  # KeyError quotes its message; print it plainly
        return str(self.args[0])


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    is_city: bool = False


@dataclass(frozen=True)
class FunctionalZone:
    id: str
    name: str
    parent_code: str


_SPACE = re.compile(r"\s+")


def normalise_name(text: str) -> str:
    """Strip spaces (including full-width and line breaks) so that '汉 滨 区' matches '汉滨区'."""
    return _SPACE.sub("", str(text)).replace("\u3000", "")


@cache
def city() -> Region:
    entry = load_regions_config().city
    return Region(entry.code, entry.name, is_city=True)


@cache
def counties() -> tuple[Region, ...]:
    return tuple(Region(c.code, c.name) for c in load_regions_config().counties)


@cache
def tier_words() -> TierWording:
    """The tier's words: 全市 and 县（市、区）, or a county's 全区 and 镇（办）."""
    return load_regions_config().tier


def all_regions() -> tuple[Region, ...]:
    """The city first, then the ten counties in registry order."""
    return (city(), *counties())


@cache
def functional_zones() -> tuple[FunctionalZone, ...]:
    return tuple(
        FunctionalZone(z.id, z.name, z.parent) for z in load_regions_config().functional_zones
    )


@cache
def _lookup() -> dict[str, Region | FunctionalZone]:
    config = load_regions_config()
    table: dict[str, Region | FunctionalZone] = {}
    for entry, region in zip((config.city, *config.counties), all_regions(), strict=True):
        for key in (entry.code, entry.name, *entry.aliases, *entry.former_codes):
            table[normalise_name(key)] = region
    for zone_entry, zone in zip(config.functional_zones, functional_zones(), strict=True):
        for key in (zone_entry.id, zone_entry.name, *zone_entry.aliases):
            table[normalise_name(key)] = zone
    return table


def resolve(name_or_code: str | int) -> Region | FunctionalZone:
    """Resolve a name, alias, old name or code to a region or a functional zone.

    Raises UnknownRegionError listing the known names when nothing matches.
    """
    key = normalise_name(str(name_or_code))
    found = _lookup().get(key)
    if found is None:
        known = "、".join(r.name for r in all_regions())
        zones = "、".join(z.name for z in functional_zones())
        raise UnknownRegionError(f"未知地区“{name_or_code}”。已知地区：{known}；功能区：{zones}")
    return found


def resolve_region(name_or_code: str | int) -> Region:
    """Like resolve(), but a functional zone is an error: only the city and counties are assessed."""
    found = resolve(name_or_code)
    if isinstance(found, FunctionalZone):
        raise UnknownRegionError(
            f"“{name_or_code}”是功能区（属{by_code(found.parent_code).name}），不是考核地区"
        )
    return found


def by_code(code: str) -> Region:
    for region in all_regions():
        if region.code == code:
            return region
    return resolve_region(code)
