"""The bureau's yearly submission layout (one .xlsx per year, one row per county).

Row 1 is a title, rows 2–3 a grouped header: the indicator with its unit in brackets over the two
columns 目标任务 (annual task) and 完成数 (completed), then one row per county, a 全市 row, and
note rows. Both the sample-data script and the intake read these constants.
"""

from __future__ import annotations

SHEET_NAME = "完成情况"
SEQUENCE_HEADER = "序号"
REGION_HEADER = "县（市、区）"
TASK_LABEL = "目标任务"
DONE_LABEL = "完成数"
CITY_ROW_LABEL = "全市"

# Units as they appear in the header, and the factor that converts them to the registry's unit.
UNIT_FACTORS: dict[str, float] = {"人": 1.0, "万人": 10_000.0, "%": 1.0, "次": 1.0}


def title(year: int) -> str:
    return f"安康市{year}年就业工作目标任务完成情况表"


def file_name(year: int) -> str:
    return f"ankang-employment-{year}.xlsx"


def indicator_header(raw_header: str, unit: str) -> str:
    return f"{raw_header}（{unit}）"
