"""Real published reference data in ``data/reference/`` (see its README for sources)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline import REFERENCE_DIR
from pipeline.config.regions import counties, resolve_region

_NAME_WITH_CODE = re.compile(r"^(?P<name>[^()（）]+)[(（](?P<code>\d{6})[)）]$")


def county_population(year: int, reference_dir: Path = REFERENCE_DIR) -> dict[str, float]:
    """户籍人口 (万人) by county code for one year, from the county panel's ``PopNum``."""
    panel = pd.read_csv(reference_dir / "ankang_counties_panel.csv", dtype={"year": "Int64"})
    rows = panel[(panel["indicator"] == "PopNum") & (panel["year"] == year)]
    population: dict[str, float] = {}
    for label, value in zip(rows["region"], rows["value"], strict=True):
        match = _NAME_WITH_CODE.match(str(label))
        if match is None:
            raise ValueError(f"ankang_counties_panel.csv: 无法识别地区“{label}”")
        population[resolve_region(match["code"]).code] = float(value)
    missing = [c.name for c in counties() if c.code not in population]
    if missing:
        raise ValueError(
            f"ankang_counties_panel.csv: {year}年 PopNum 缺少 {'、'.join(missing)}"
            f"（应有 regions.yaml 的全部 {len(counties())} 个县区，现有 {len(population)} 个）"
        )
    return population


def allocate_by_share(
    total: float, weights: dict[str, float], step: int, remainder_to: str
) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights``, rounded to ``step``; the rounding remainder
    goes to ``remainder_to`` so that the parts sum exactly to the total."""
    weight_sum = sum(weights.values())
    parts = {key: int(round(total * w / weight_sum / step) * step) for key, w in weights.items()}
    parts[remainder_to] += int(total) - sum(parts.values())
    return parts
