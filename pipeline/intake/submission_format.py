"""The bureau's yearly submission layout, and the words it may be written with.

The canonical layout (what the sample is written in): one .xlsx per year, a title row, a two-row
grouped header — the indicator with its unit in brackets over the two columns 目标任务 (annual
task) and 完成数 (completed) — one row per county, a 全市 row, and note rows. The intake also
accepts one-row headers ("城镇新增就业完成数（人）"), CSV in UTF-8 or GB18030, and the long format
(``LONG_COLUMNS``). Both the sample-data script and the intake read these constants.
"""

from __future__ import annotations

SHEET_NAME = "完成情况"
LONG_SHEET = "长表"  # the sheet name QA records give for a long-format CSV
SEQUENCE_HEADER = "序号"
REGION_HEADER = "县（市、区）"
TASK_LABEL = "目标任务"
DONE_LABEL = "完成数"
CITY_ROW_LABEL = "全市"
# The city's own departments (市本级) are not the city total: a row so labelled is refused.
CITY_OWN_LABEL = "市本级"

# Header words, compared after NFKC normalisation and removal of spaces and line breaks.
REGION_HEADER_ALIASES = (
    "县(市、区)",
    "县(市,区)",
    "县市区",
    "县区",
    "地区",
    "单位",
    "区县",
    "县(区)",
    # a county's sheet for its towns (config/units/)
    "镇(办)",
    "镇办",
    "镇(街道)",
    "乡镇",
)
MEASURE_WORDS = {
    "task": ("目标任务", "任务数", "目标数", "年度任务", "计划数", "目标"),
    "actual": (
        "完成数",
        "实际完成数",
        "实际完成",
        "本年完成数",
        "本年完成",
        "年度完成数",
        "完成情况",
        "完成",
    ),
}
# A county that cannot give a required 完成数 writes the reason in the cell itself:
# "未报送：<原因>" (full- or half-width colon). The value is then missing with that reason (a WARN),
# instead of a blank that fails validation.
NOT_SUBMITTED_PREFIX = "未报送"
# ... or in the row's 备注 column: "未报送：<原因>" there gives the reason for the row's blank
# required 完成数 — for the indicators it names, or for all of them when it names none. A 备注
# that does not say 未报送 excuses nothing (a blank stays a FAIL).
REMARK_HEADERS = ("备注", "说明")
NOTE_PREFIXES = ("注", "备注", "填报", "说明", "制表", "审核", "联系人", "数据来源")
# A note row containing this marks the file as sample data (scripts/make_sample_data.py writes it):
# every value read from such a file carries is_sample = True in the tidy table.
SAMPLE_MARKER = "样例数据"
_NEGATIONS = ("不是", "并非", "非", "不属于")


def is_sample_note(note: str) -> bool:
    """A note row marks sample data when it says 样例数据 — not when it says the opposite
    ("本表不是样例数据")."""
    start = note.find(SAMPLE_MARKER)
    while start != -1:
        if not note[:start].endswith(_NEGATIONS):
            return True
        start = note.find(SAMPLE_MARKER, start + 1)
    return False


# Units as they appear in headers, and the factor that converts them to the registry's unit.
UNIT_FACTORS: dict[str, float] = {"人": 1.0, "万人": 10_000.0, "%": 1.0, "次": 1.0}

# The long format for analysts: one value per row. Chinese column names are accepted too.
LONG_COLUMNS = {
    "region": ("region", "地区"),
    "year": ("year", "年份", "年度"),
    "indicator": ("indicator", "指标"),
    "value": ("value", "数值", "值"),
    "unit": ("unit", "单位"),
    "measure": ("measure", "类型"),
}

# A resubmission is a file whose name carries a revision number before the extension:
# ankang-employment-2024.r2.xlsx supersedes ankang-employment-2024.xlsx (revision 1).
REVISION_PATTERN = r"\.r(\d+)$"


# A county's town submissions sit beside the city's year folders, in <raw>/units/<county code>/<year>/
# (read by that county's own run, config/units/; the city's run passes the folder by).
UNITS_FOLDER = "units"
# The member departments' task lists: <raw>/departments/<year>/ (intake/departments.py).
DEPARTMENTS_FOLDER = "departments"


def title(year: int, top: str = "安康市") -> str:
    return f"{top}{year}年就业工作目标任务完成情况表"


def file_name(year: int, unit: str | None = None) -> str:
    return f"{unit}-employment-{year}.xlsx" if unit else f"ankang-employment-{year}.xlsx"


def indicator_header(raw_header: str, unit: str) -> str:
    return f"{raw_header}（{unit}）"
