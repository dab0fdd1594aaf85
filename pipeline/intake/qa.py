"""The QA log: every intake check is a named rule with a stage, a PASS/WARN/FAIL and a message
that names the file, sheet, row and column — a table a person can read, not a stack trace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import pandas as pd

Status = Literal["PASS", "WARN", "FAIL"]
# The two stages a QA record comes from: reading a file, and checking what was read.
READ_STAGE = "读取"
CHECK_STAGE = "校验"


class Rule:
    """Every QA rule name, in one place. The names are Chinese because the log is read by analysts."""

    FILE_READABLE = "文件可读"
    FILE_SKIPPED = "跳过文件"
    FILE_ENCODING = "文件编码"
    CSV_DELIMITER = "分隔符"
    ONE_FILE_PER_YEAR = "每年一个文件"
    REVISION = "修订版本"
    CORRECTION = "更正"
    SHEET_CHOICE = "工作表选择"
    HEADER = "表头"
    HEADER_INDICATOR = "表头指标"
    HEADER_UNIT = "表头单位"
    DUPLICATE_COLUMN = "列唯一"
    REQUIRED_COLUMNS = "必需列"
    YEAR_MATCH = "年份一致"
    YEAR_FORMAT = "年份格式"
    NOTE_ROW = "说明行"
    REGION_NAME = "地区名称"
    INVISIBLE_CHARACTERS = "不可见字符"
    FUNCTIONAL_ZONE = "功能区"
    REGION_UNIQUE = "地区唯一"
    VALUE_UNIQUE = "数值唯一"
    NUMBER_FORMAT = "数值格式"
    PERCENT_FORMAT = "百分比格式"
    UNIT_IN_CELL = "单元格单位"
    UNIT_CONVERSION = "单位换算"
    INDICATOR_NAME = "指标名称"
    FORMULA = "公式未计算"
    MERGED_CELLS = "合并单元格"
    HIDDEN = "隐藏行列"
    UNREAD_CELL = "未读取单元格"
    HAS_VALUES = "有数据"
    COUNTIES_PRESENT = "县区齐全"
    VALUE_RANGE = "取值范围"
    WHOLE_NUMBER = "整数"
    PLAUSIBLE_RANGE = "合理区间"
    CITY_TOTAL = "全市合计"
    BLANK_CELL = "空白单元格"
    HISTORY_OUTLIER = "历史异常值"
    TARGET_MATCH = "目标一致"
    # a county over its towns: its 全区 row against what it reported to the city (config/units.py)
    COUNTY_FIGURES = "与报市数一致"
    # the member departments' task lists (intake/departments.py)
    DEPARTMENT_NAME = "成员单位名称"
    TASK_NAME = "任务名称"
    TASK_STATUS = "完成情况"
    TASKS_PRESENT = "任务齐全"
    EVIDENCE = "佐证材料"


COLUMNS = ["rule", "stage", "status", "file", "sheet", "row", "column", "message"]


@dataclass(frozen=True)
class RuleSpec:
    """One QA rule: the levels its records may have and the ONE function that adds them (for a
    rule checked in several modules, the emitter below that they all call). The table in
    docs/intake.md is generated from these (pipeline/tools/qa_rules.py)."""

    name: str
    levels: tuple[Status, ...]
    emitter: str  # dotted name of the function that adds its records


_I = "pipeline.intake."
_Q = f"{_I}qa."
RULES: dict[str, RuleSpec] = {
    spec.name: spec
    for spec in (
        RuleSpec(Rule.FILE_READABLE, ("FAIL",), f"{_Q}file_readable"),
        RuleSpec(Rule.FILE_SKIPPED, ("WARN",), f"{_Q}file_skipped"),
        RuleSpec(Rule.FILE_ENCODING, ("PASS",), f"{_I}spreadsheet._read_csv"),
        RuleSpec(Rule.CSV_DELIMITER, ("PASS",), f"{_I}spreadsheet._read_csv"),
        RuleSpec(Rule.ONE_FILE_PER_YEAR, ("PASS", "FAIL"), f"{_Q}one_file_per_year"),
        RuleSpec(Rule.REVISION, ("PASS",), f"{_I}ingest._read_revisions"),
        RuleSpec(Rule.CORRECTION, ("PASS", "WARN"), f"{_I}ingest._changes"),
        RuleSpec(Rule.SHEET_CHOICE, ("WARN", "FAIL"), f"{_Q}sheet_choice"),
        RuleSpec(Rule.HEADER, ("FAIL",), f"{_Q}header"),
        RuleSpec(Rule.HEADER_INDICATOR, ("PASS", "WARN", "FAIL"), f"{_Q}header_indicator"),
        RuleSpec(Rule.HEADER_UNIT, ("FAIL",), f"{_Q}header_unit"),
        RuleSpec(Rule.DUPLICATE_COLUMN, ("FAIL",), f"{_I}bureau_table._value_columns"),
        RuleSpec(Rule.REQUIRED_COLUMNS, ("PASS", "WARN", "FAIL"), f"{_Q}required_columns"),
        RuleSpec(Rule.YEAR_MATCH, ("PASS", "FAIL"), f"{_Q}year_match"),
        RuleSpec(Rule.YEAR_FORMAT, ("FAIL",), f"{_Q}year_format"),
        RuleSpec(Rule.NOTE_ROW, ("PASS", "WARN"), f"{_I}bureau_table._note_or_unlabelled"),
        RuleSpec(Rule.REGION_NAME, ("FAIL",), f"{_Q}region_name"),
        RuleSpec(Rule.INVISIBLE_CHARACTERS, ("WARN",), f"{_I}tidy.check_invisible_characters"),
        RuleSpec(Rule.FUNCTIONAL_ZONE, ("WARN",), f"{_I}tidy.resolve_region"),
        RuleSpec(Rule.REGION_UNIQUE, ("WARN", "FAIL"), f"{_Q}region_unique"),
        RuleSpec(Rule.VALUE_UNIQUE, ("PASS", "WARN", "FAIL"), f"{_Q}value_unique"),
        RuleSpec(Rule.NUMBER_FORMAT, ("FAIL",), f"{_Q}number_format"),
        RuleSpec(Rule.PERCENT_FORMAT, ("WARN",), f"{_I}bureau_table._read_value"),
        RuleSpec(Rule.UNIT_IN_CELL, ("WARN",), f"{_Q}unit_in_cell"),
        RuleSpec(Rule.UNIT_CONVERSION, ("PASS",), f"{_Q}unit_conversion"),
        RuleSpec(Rule.INDICATOR_NAME, ("FAIL",), f"{_I}long_table.parse_long"),
        RuleSpec(Rule.FORMULA, ("PASS", "FAIL"), f"{_Q}formula"),
        RuleSpec(Rule.MERGED_CELLS, ("PASS", "FAIL"), f"{_I}bureau_table.check_merged_cells"),
        RuleSpec(Rule.HIDDEN, ("WARN",), f"{_Q}hidden"),
        RuleSpec(Rule.UNREAD_CELL, ("WARN",), f"{_Q}unread_cell"),
        RuleSpec(Rule.HAS_VALUES, ("PASS", "FAIL"), f"{_Q}has_values"),
        RuleSpec(Rule.COUNTIES_PRESENT, ("PASS", "WARN", "FAIL"), f"{_I}validate.check_counties_present"),
        RuleSpec(Rule.VALUE_RANGE, ("PASS", "FAIL"), f"{_Q}value_range"),
        RuleSpec(Rule.WHOLE_NUMBER, ("FAIL",), f"{_I}validate.check_ranges"),
        RuleSpec(Rule.PLAUSIBLE_RANGE, ("WARN",), f"{_I}validate.check_ranges"),
        RuleSpec(Rule.CITY_TOTAL, ("PASS", "WARN"), f"{_I}validate.check_city_total"),
        RuleSpec(Rule.BLANK_CELL, ("PASS", "WARN", "FAIL"), f"{_Q}blank_cell"),
        RuleSpec(Rule.HISTORY_OUTLIER, ("WARN",), f"{_I}validate.check_history_outliers"),
        RuleSpec(Rule.TARGET_MATCH, ("WARN", "FAIL"), f"{_Q}target_match"),
        RuleSpec(Rule.COUNTY_FIGURES, ("PASS", "WARN"), f"{_I}validate.check_against_county_figures"),
        RuleSpec(Rule.DEPARTMENT_NAME, ("FAIL",), f"{_I}departments._row"),
        RuleSpec(Rule.TASK_NAME, ("FAIL",), f"{_I}departments._row"),
        RuleSpec(Rule.TASK_STATUS, ("FAIL",), f"{_I}departments._row"),
        RuleSpec(Rule.TASKS_PRESENT, ("PASS", "FAIL"), f"{_I}departments._check_unique_and_complete"),
        RuleSpec(Rule.EVIDENCE, ("WARN",), f"{_I}departments._row"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class QaRecord:
    rule: str
    stage: str
    status: Status
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""


@dataclass
class QaLog:
    records: list[QaRecord] = field(default_factory=list)

    def add(self, rule: str, stage: str, status: Status, message: str, **where: object) -> None:
        if status not in RULES[rule].levels:  # a programming error: the rule's level is declared
            raise ValueError(
                f"QA rule {rule} has no level {status} (qa.RULES: {RULES[rule].levels})"
            )
        self.records.append(QaRecord(rule, stage, status, message, **where))  # type: ignore[arg-type]

    def extend(self, other: QaLog) -> None:
        self.records.extend(other.records)

    @property
    def has_failures(self) -> bool:
        return any(r.status == "FAIL" for r in self.records)

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame([asdict(r) for r in self.records], columns=COLUMNS)
        return frame.astype({"row": "Int64"})

    def summary(self) -> pd.DataFrame:
        """Counts of PASS/WARN/FAIL per rule."""
        frame = self.to_frame()
        if frame.empty:
            return pd.DataFrame(columns=["rule", "PASS", "WARN", "FAIL"])
        table = frame.pivot_table(index="rule", columns="status", values="stage", aggfunc="count")
        return table.reindex(columns=["PASS", "WARN", "FAIL"]).fillna(0).astype(int).reset_index()

    def format(self) -> str:
        lines = []
        for r in self.records:
            where = "，".join(
                part
                for part in (
                    r.file and f"文件 {r.file}",
                    r.sheet and f"工作表 {r.sheet}",
                    r.row is not None and f"第{r.row}行",
                    r.column and f"列“{r.column}”",
                )
                if part
            )
            lines.append(f"[{r.status}] {r.rule}（{r.stage}）{where}：{r.message}")
        return "\n".join(lines)


# The emitters of the rules that several modules check: the one function that adds each one's
# records (RULES names them), so a rule's level and wording live behind one name.
Emitter = Callable[..., None]


def _emitter(rule: str) -> Emitter:
    def emit(log: QaLog, stage: str, status: Status, message: str, **where: object) -> None:
        log.add(rule, stage, status, message, **where)

    emit.__name__ = emit.__qualname__ = RULES[rule].emitter.rsplit(".", 1)[1]
    emit.__doc__ = f"Add a “{rule}” record (levels {'/'.join(RULES[rule].levels)})."
    return emit


file_readable = _emitter(Rule.FILE_READABLE)
file_skipped = _emitter(Rule.FILE_SKIPPED)
one_file_per_year = _emitter(Rule.ONE_FILE_PER_YEAR)
sheet_choice = _emitter(Rule.SHEET_CHOICE)
header = _emitter(Rule.HEADER)
header_indicator = _emitter(Rule.HEADER_INDICATOR)
header_unit = _emitter(Rule.HEADER_UNIT)
required_columns = _emitter(Rule.REQUIRED_COLUMNS)
year_match = _emitter(Rule.YEAR_MATCH)
year_format = _emitter(Rule.YEAR_FORMAT)
region_name = _emitter(Rule.REGION_NAME)
region_unique = _emitter(Rule.REGION_UNIQUE)
value_unique = _emitter(Rule.VALUE_UNIQUE)
number_format = _emitter(Rule.NUMBER_FORMAT)
unit_in_cell = _emitter(Rule.UNIT_IN_CELL)
unit_conversion = _emitter(Rule.UNIT_CONVERSION)
formula = _emitter(Rule.FORMULA)
hidden = _emitter(Rule.HIDDEN)
unread_cell = _emitter(Rule.UNREAD_CELL)
has_values = _emitter(Rule.HAS_VALUES)
value_range = _emitter(Rule.VALUE_RANGE)
blank_cell = _emitter(Rule.BLANK_CELL)
target_match = _emitter(Rule.TARGET_MATCH)
