"""Formatting shared by the report's chapters and its workbook: shares, signed differences, lists
of names, Chinese numerals, the sample stamp, and the figures a chapter saves. Every number the
report prints is formatted in Python (here or in its chapter), never in a template."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib import pyplot as plt

from pipeline.annual.exact import signed
from pipeline.report import charts, markup

SAMPLE_STATUS = "样例数据，非真实填报，不得用于考核"  # every printed page, figure and map says it
QA_STATUS_WORDS = {"PASS": "通过", "WARN": "需关注", "FAIL": "不通过"}
CHINESE_NUMBERS = {
    1: "一",
    2: "两",
    3: "三",
    4: "四",
    5: "五",
    6: "六",
    7: "七",
    8: "八",
    9: "九",
    10: "十",
}


def chinese_number(count: int) -> str:
    """'十' for 10 (a count in running text); beyond the table, the digits."""
    return CHINESE_NUMBERS.get(count, str(count))


def pct(share: float, digits: int = 1) -> str:
    """0.955 → '95.5%'; no value → '—'."""
    return f"{share * 100:.{digits}f}%" if pd.notna(share) else "—"


def whole_percent(share: float) -> str:
    """0.2 → '20' (a rule's share, printed before its '%')."""
    return str(int(round(share * 100)))


def whole(value: float) -> str:
    """85.0 → '85' (a configured line or total, printed as a whole number)."""
    return str(int(round(value)))


def points(value: float) -> str:
    """A score: 95.5 → '95.50'."""
    return f"{value:.2f}"


def signed_value(value: float, unit: str) -> str:
    """A signed difference in the indicator's unit: rates in 个百分点, persons in whole numbers."""
    if pd.isna(value):
        return "—"
    if unit == "%":
        return f"{signed(value, '.2f')}个百分点"
    return f"{signed(value, ',.0f')}{unit}"


def names(regions: list[str]) -> str:
    """'汉滨区、汉阴县', or '无' for none."""
    return "、".join(regions) if regions else "无"


def years_missed_cells(rows: pd.DataFrame) -> list[str]:
    """'2022年' / '无', with the plan years that have no value named: '无（2022年无数据）'."""
    return [
        (f"{y}年" if y else "无") + (f"（{u}年无数据）" if u else "")
        for y, u in zip(rows["years_missed"], rows["years_unreported"], strict=True)
    ]


def final_or_progress(final: bool) -> str:
    """How a plan-target table or chart is titled: the plan's verdict, or its progress."""
    return "最终完成情况" if final else "完成进度与预测"


@dataclass(frozen=True)
class Figures:
    """Where the chapters' charts are saved (``<out>/figures``), each stamped with the sample
    status when the data are sample data, and placed in the report as a labelled figure."""

    folder: Path
    stamp: str

    def place(self, chart: plt.Figure, name: str, label: str, caption: str) -> str:
        saved = charts.save(chart, self.folder / name, self.stamp)
        return markup.figure(saved, label=label, caption=caption)

    def reuse(
        self, drawn: Path, name: str, label: str, caption: str, draw: Callable[[], plt.Figure]
    ) -> str:
        """A chart a stage drew once (``drawn``, in the processed folder: its notebook shows the
        same file), copied into the report when it carries the report's sample stamp; drawn again
        by ``draw`` only when it does not (a county whose own rows are real, in a report whose
        other rows are sample data)."""
        target = self.folder / name
        if charts.saved_stamp(drawn) != self.stamp:
            return self.place(draw(), name, label, caption)
        shutil.copyfile(drawn, target)
        return markup.figure(f"{target.parent.name}/{target.name}", label=label, caption=caption)
