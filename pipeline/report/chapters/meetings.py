"""三、政府常务会议研究就业工作 (第十二条): each government's meetings this year, reported as facts
(never forecast), and the governments that held fewer than required."""

from __future__ import annotations

import pandas as pd

from pipeline.annual.results import YearResults
from pipeline.report import markup
from pipeline.report.formatting import names, years_missed_cells
from pipeline.report.inputs import ReportInputs

MEETINGS = "exec_meetings_on_employment"  # 第十二条: reported as facts in their own section
WIDTHS = [3, 3, 4, 3, 5]


def meetings_table(results: YearResults) -> tuple[pd.DataFrame, list[str]]:
    """The table of meetings, and the governments short of the requirement with their wording."""
    rows = results.annual[results.annual["indicator"] == MEETINGS]
    table = pd.DataFrame(
        {
            "地区": rows["region"],
            "本年召开次数": [f"{v:.0f}" if pd.notna(v) else "未报送" for v in rows["done"]],
            "要求": [f"每年不少于{v:.0f}次" for v in rows["limit"]],
            "本年": [
                "达标" if m else ("未报送" if not r else "少于要求")
                for m, r in zip(rows["met"], rows["reported"], strict=True)
            ],
            "规划期内少于要求的年份": years_missed_cells(rows),
        }
    )
    short = [f"{r.region}（{r.wording}）" for r in rows.itertuples() if r.reported and not r.met]
    return table, short


def context(inputs: ReportInputs) -> dict:
    """The chapter's template entries (``templates/chapters/meetings.qmd.j2``)."""
    table, short = meetings_table(inputs.results)
    return {
        "short": names([markup.text(m) for m in short]),
        "table": markup.table(
            table,
            label="tbl-meetings",
            caption=f"{inputs.year}年各级政府常务会研究就业工作次数",
            widths=WIDTHS,
        ),
    }
