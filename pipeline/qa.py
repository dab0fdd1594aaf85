"""The QA log: every intake check is a named rule with a stage, a PASS/WARN/FAIL and a message
that names the file, sheet, row and column — a table a person can read, not a stack trace."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

import pandas as pd

Status = Literal["PASS", "WARN", "FAIL"]
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
