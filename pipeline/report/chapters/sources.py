"""附录三　数据来源与可追溯性: the processed files every number comes from, the raw submissions, and
the towns' results the county pages summarise."""

from __future__ import annotations

import pandas as pd

from pipeline.config.units import published_processed
from pipeline.report import markup
from pipeline.report.chapters import towns
from pipeline.store.catalog import ASSESSMENT_FILE, PATHS_FILE, QA_FILE, TIDY_FILE


def sources_table(tidy: pd.DataFrame) -> str:
    """Each raw file the tidy data came from, by year."""
    files = tidy.groupby("source_file")["year"].first().sort_values()
    return markup.table(
        pd.DataFrame({"年份": files.values, "文件": files.index}),
        label="tbl-sources",
        caption="原始报表文件",
        widths=[1, 6],
    )


def context(year: int, tidy: pd.DataFrame) -> dict:
    """The appendix's template entries (``templates/chapters/sources.qmd.j2``)."""
    processed = published_processed(year)
    return {
        "files": {
            name: f"{processed}/{file}"
            for name, file in (
                ("assessment", ASSESSMENT_FILE),
                ("paths", PATHS_FILE),
                ("tidy", TIDY_FILE),
                ("qa_log", QA_FILE),
            )
        },
        "table": sources_table(tidy),
        "town_results": towns.data_note(year),
    }
