"""The region hierarchy 市 → 县（市、区）→ 镇（办）: the 139 镇(办) of the NBS 2023 list under the
counties of ``config/regions.yaml``.

The list is reference data (``data/reference/regions/ankang_towns_2023.csv``, see its README); the
county registry stays the one place for county codes, names, aliases and renames, so a town row that
names its county by an old name or code (旬阳县 610928) is booked to today's county (旬阳市 610981).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline import REFERENCE_DIR
from pipeline.config.regions import UnknownRegionError, counties, normalise_name, resolve_region
from pipeline.config.schema import ConfigError, load_regions_config

TOWNS_FILE = Path("regions") / "ankang_towns_2023.csv"
COLUMNS = ("town_code", "town_name", "county_code", "county_name")
_TOWN_CODE = re.compile(r"^\d{9}$")


@dataclass(frozen=True)
class Town:
    code: str
    name: str
    county_code: str


def load_towns(path: Path | None = None) -> tuple[Town, ...]:
    """Every 镇(办), validated: 9-digit codes that start with their county's code, names unique
    within a county, each county's count as ``config/regions.yaml`` gives it. Errors name the file,
    the row (as a spreadsheet shows it, header = row 1) and the column."""
    path = path or REFERENCE_DIR / TOWNS_FILE
    if not path.exists():
        raise ConfigError(f"找不到镇（办）名录 {path}（见 data/reference/regions/README.md）")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ConfigError(
                f"{path} 第1行（表头）缺少列：{'、'.join(missing)}；应有 {', '.join(COLUMNS)}"
            )
        towns: list[Town] = []
        seen_codes: dict[str, int] = {}
        seen_names: dict[tuple[str, str], int] = {}
        for row_number, row in enumerate(reader, start=2):
            towns.append(_town(path, row_number, row, seen_codes, seen_names))
    _check_counts(path, towns)
    return tuple(towns)


def _town(
    path: Path,
    row_number: int,
    row: dict[str, str],
    seen_codes: dict[str, int],
    seen_names: dict[tuple[str, str], int],
) -> Town:
    def fail(column: str, what: str) -> ConfigError:
        return ConfigError(f"{path} 第{row_number}行，列 {column}：{what}")

    code = (row.get("town_code") or "").strip()
    name = normalise_name(row.get("town_name") or "")
    if not _TOWN_CODE.match(code):
        raise fail("town_code", f"“{code}”不是9位数字的镇（办）代码（县区代码6位 + 3位）")
    if not name:
        raise fail("town_name", "镇（办）名称为空")
    try:
        county = resolve_region((row.get("county_code") or "").strip())
    except UnknownRegionError as error:
        raise fail("county_code", str(error)) from None
    if county.is_city:
        raise fail("county_code", f"“{row.get('county_code')}”是全市，应为所属县（市、区）的代码")
    try:
        named = resolve_region(row.get("county_name") or "")
    except UnknownRegionError as error:
        raise fail("county_name", str(error)) from None
    if named != county:
        raise fail(
            "county_name",
            f"“{row.get('county_name')}”与 county_code {row.get('county_code')}（{county.name}）不是同一个县区",
        )
    # the code's first six digits are the county code as listed (an old code maps to today's county)
    if resolve_region(code[:6]) != county:
        raise fail("town_code", f"“{code}”的前6位不是所属县区 {county.name} 的代码")
    if code in seen_codes:
        raise fail("town_code", f"代码 {code} 在第{seen_codes[code]}行已经出现过")
    seen_codes[code] = row_number
    if (county.code, name) in seen_names:
        raise fail(
            "town_name",
            f"{county.name}的“{name}”在第{seen_names[(county.code, name)]}行已经出现过：同一县区内名称须唯一",
        )
    seen_names[(county.code, name)] = row_number
    return Town(code, name, county.code)


def _check_counts(path: Path, towns: list[Town]) -> None:
    expected = {c.code: c.towns for c in load_regions_config().counties}
    for county in counties():
        found = sum(t.county_code == county.code for t in towns)
        if expected.get(county.code) is not None and found != expected[county.code]:
            raise ConfigError(
                f"{path}：{county.name}有 {found} 个镇（办），config/regions.yaml 中该县区的 towns 为 "
                f"{expected[county.code]}：名录与登记表不一致"
            )


@cache
def towns() -> tuple[Town, ...]:
    return load_towns()


def towns_of(county_code: str) -> tuple[Town, ...]:
    """The 镇(办) of one county (a name, alias, old name or code), in the list's order."""
    county = resolve_region(county_code)
    found = tuple(t for t in towns() if t.county_code == county.code)
    if not found:
        raise UnknownRegionError(f"{county.name}在镇（办）名录中没有镇（办）")
    return found
