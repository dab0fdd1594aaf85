"""The QA log: every intake check is a named rule with a stage, a PASS/WARN/FAIL and a message
that names the file, sheet, row and column — a table a person can read, not a stack trace."""

from __future__ import annotations

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
