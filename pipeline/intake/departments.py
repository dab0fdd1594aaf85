"""The member departments' yearly task lists (第十七、十八条), as they submit them.

Layout: ``<raw>/departments/<year>/`` holds one workbook (or CSV) per year, or one per
department; the sheet ``任务清单`` (or the only sheet with content) has a header row —
单位 | 任务 | 目标任务 | 完成数 | 完成情况 | 佐证材料 — and one row per task of
``config/departments.yaml``: a quantitative task gives its 完成数 (目标任务 repeats the registry's
target and is checked against it), a qualitative one its 完成情况 (完成/部分完成/未完成) with
佐证材料 (evidence, text). The same trust rules as the counties' submissions: a FAIL names the
file, sheet, row and column; blanks are missing, never 0; text stays text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.config.departments import QUALITATIVE_STATUSES, DepartmentsConfig, load_departments
from pipeline.intake import qa
from pipeline.intake.numbers import NumberError, normalise, parse_cell
from pipeline.intake.qa import READ_STAGE as STAGE
from pipeline.intake.qa import QaLog, Rule
from pipeline.intake.spreadsheet import SUPPORTED_SUFFIXES, IntakeError, cell_name, read_grids
from pipeline.intake.submission_format import DEPARTMENTS_FOLDER, NOTE_PREFIXES, is_sample_note

SHEET_NAME = "任务清单"
# column key → the header words accepted for it (after NFKC, without spaces)
HEADERS = {
    "department": ("单位", "成员单位", "部门", "责任单位"),
    "task": ("任务", "任务名称", "工作任务"),
    "target": ("目标任务", "年度目标", "目标"),
    "done": ("完成数", "完成", "实际完成"),
    "status": ("完成情况",),
    "evidence": ("佐证材料", "佐证", "完成情况说明", "说明"),
}
REQUIRED = ("department", "task", "done", "status")
COLUMNS = [
    "department_id", "department", "task_id", "task", "kind", "unit", "target", "done",
    "status", "evidence", "source_file", "source_sheet", "source_row", "is_sample",
]  # fmt: skip


@dataclass(frozen=True)
class _Where:
    file: str
    sheet: str
    row: int

    def at(self, column: int | None = None) -> dict:
        return {
            "file": self.file, "sheet": self.sheet, "row": self.row,
            "column": "" if column is None else cell_name(self.row, column + 1).rstrip("0123456789"),
        }  # fmt: skip


def departments_folder(raw_dir: Path, year: int) -> Path:
    return raw_dir / DEPARTMENTS_FOLDER / str(year)


def read_departments(
    raw_dir: Path, year: int, registry: DepartmentsConfig | None = None
) -> tuple[pd.DataFrame, QaLog]:
    """Every task row of ``year``'s submissions, one row per department × task, and the log.
    Every task of the registry must be there once (FAIL otherwise)."""
    return read_department_folder(departments_folder(raw_dir, year), registry)


def read_department_folder(
    folder: Path, registry: DepartmentsConfig | None = None
) -> tuple[pd.DataFrame, QaLog]:
    """The task lists in ``folder`` (one year's), as :func:`read_departments` reads them."""
    registry = registry or load_departments()
    log = QaLog()
    files = sorted(
        p for p in folder.glob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith((".", "~$"))
    ) if folder.is_dir() else []  # fmt: skip
    if not files:
        qa.has_values(log, STAGE, "FAIL",
            f"没有成员单位任务清单：应放在 {folder}/（.xlsx 或 .csv，见 README“成员单位”）",
            file=str(folder),
        )  # fmt: skip
        return pd.DataFrame(columns=COLUMNS), log
    rows: list[dict] = []
    for path in files:
        rows.extend(_read_file(path, registry, log))
    table = pd.DataFrame(rows, columns=COLUMNS)
    _check_unique_and_complete(table, registry, log, folder.name)
    return table, log


def _read_file(path: Path, registry: DepartmentsConfig, log: QaLog) -> list[dict]:
    try:
        grids = [g for g in read_grids(path, log) if g.has_content and not g.hidden]
    except IntakeError as error:
        qa.file_readable(log, STAGE, "FAIL", str(error), file=path.name)
        return []
    grid = next((g for g in grids if g.sheet == SHEET_NAME), grids[0] if len(grids) == 1 else None)
    if grid is None:
        qa.sheet_choice(log, STAGE, "FAIL",
            f"找不到工作表“{SHEET_NAME}”（有 {len(grids)} 个有内容的工作表）：请把任务清单放在名为“{SHEET_NAME}”的工作表中",
            file=path.name,
        )  # fmt: skip
        return []
    header_at, columns = _header(grid.rows)
    if header_at is None:
        qa.required_columns(log, STAGE, "FAIL",
            f"找不到表头：应有一行写明 {'、'.join(HEADERS[k][0] for k in REQUIRED)} 等列",
            file=path.name, sheet=grid.sheet,
        )  # fmt: skip
        return []
    missing = [HEADERS[k][0] for k in REQUIRED if k not in columns]
    if missing:
        qa.required_columns(log, STAGE, "FAIL", f"表头缺少列：{'、'.join(missing)}",
            file=path.name, sheet=grid.sheet, row=header_at + 1,
        )  # fmt: skip
        return []
    sample = any(
        isinstance(r[0], str) and normalise(r[0]).startswith(NOTE_PREFIXES) and is_sample_note(r[0])
        for r in grid.rows if r
    )  # fmt: skip
    result = []
    for index in range(header_at + 1, len(grid.rows)):
        cells = grid.rows[index]
        value = {k: (cells[c] if c < len(cells) else None) for k, c in columns.items()}
        first = "" if not cells or cells[0] is None else str(cells[0])
        if all(v is None or not str(v).strip() for v in value.values()) or normalise(
            first
        ).startswith(NOTE_PREFIXES):
            continue  # blank or note row
        where = _Where(path.name, grid.sheet, index + 1)
        uncomputed = [c for k, c in columns.items() if (index + 1, c + 1) in grid.uncomputed]
        if uncomputed:
            qa.formula(log, STAGE, "FAIL",
                "公式没有保存计算结果：请用 Excel 打开此文件、保存后重新报送", **where.at(uncomputed[0]),
            )  # fmt: skip
            continue
        row = _row(value, columns, where, registry, log)
        if row is not None:
            result.append({**row, "source_file": path.name, "source_sheet": grid.sheet,
                           "source_row": index + 1, "is_sample": sample})  # fmt: skip
    return result


def _header(rows: list[tuple]) -> tuple[int | None, dict[str, int]]:
    for index, cells in enumerate(rows):
        found = {}
        for position, cell in enumerate(cells):
            word = normalise(cell) if cell is not None else ""
            key = next(
                (k for k, words in HEADERS.items() if word in words and k not in found), None
            )
            if key:
                found[key] = position
        if "department" in found and "task" in found:
            return index, found
    return None, {}


def _row(value: dict, columns: dict[str, int], where: _Where, registry, log: QaLog) -> dict | None:
    name = normalise(value["department"] or "")
    department = registry.find(name)
    if department is None:
        known = "、".join(d.name for d in registry.departments)
        log.add(Rule.DEPARTMENT_NAME, STAGE, "FAIL",
                f"未知成员单位“{value['department']}”：应为 config/departments.yaml 中的单位之一（{known}）",
                **where.at(columns["department"]))  # fmt: skip
        return None
    task_name = normalise(value["task"] or "")
    task = next(
        (t for t in department.tasks if normalise(t.name) == task_name or t.id == task_name), None
    )
    if task is None:
        known = "、".join(t.name for t in department.tasks)
        log.add(Rule.TASK_NAME, STAGE, "FAIL",
                f"{department.name}没有任务“{value['task']}”：任务清单中的任务为 {known}",
                **where.at(columns["task"]))  # fmt: skip
        return None
    row = {"department_id": department.id, "department": department.name, "task_id": task.id,
           "task": task.name, "kind": task.kind, "unit": task.unit, "target": task.target,
           "done": None, "status": "", "evidence": ""}  # fmt: skip
    evidence = value.get("evidence")
    row["evidence"] = "" if evidence is None else str(evidence).strip()
    if task.kind == "quantitative":
        for key in ("done", "target"):
            if key not in columns:
                continue
            try:
                parsed = parse_cell(value[key]).value
            except NumberError as error:
                qa.number_format(log, STAGE, "FAIL", f"{department.name} {task.name}：{error}",
                        **where.at(columns[key]))  # fmt: skip
                return None
            if key == "done":
                if parsed is None:
                    qa.blank_cell(log, STAGE, "FAIL",
                            f"{department.name} {task.name}：完成数为空（定量任务须填写完成数，单位：{task.unit}）",
                            **where.at(columns[key]))  # fmt: skip
                    return None
                if parsed < 0:
                    qa.value_range(
                        log,
                        STAGE,
                        "FAIL",
                        f"{department.name} {task.name}：完成数 {parsed:g} 不能为负",
                        **where.at(columns[key]),
                    )
                    return None
                row["done"] = parsed
            elif parsed is not None and parsed != task.target:
                qa.target_match(log, STAGE, "WARN",
                        f"{department.name} {task.name}：目标任务填 {parsed:g}，任务清单（config/departments.yaml）为 {task.target:g}{task.unit}，按任务清单计分",
                        **where.at(columns[key]))  # fmt: skip
        return row
    status = normalise(value["status"] or "")
    if status not in QUALITATIVE_STATUSES:
        log.add(Rule.TASK_STATUS, STAGE, "FAIL",
                f"{department.name} {task.name}：完成情况“{value['status'] or ''}”应为 {'、'.join(QUALITATIVE_STATUSES)} 之一",
                **where.at(columns["status"]))  # fmt: skip
        return None
    row["status"] = status
    if status != "未完成" and not row["evidence"]:
        log.add(Rule.EVIDENCE, STAGE, "WARN",
                f"{department.name} {task.name}：填“{status}”但没有佐证材料，请补充",
                **where.at(columns.get("evidence", columns["status"])))  # fmt: skip
    return row


def _check_unique_and_complete(
    table: pd.DataFrame, registry: DepartmentsConfig, log: QaLog, folder: str = ""
) -> None:
    """Every task of the registry once; a missing one names the year's folder (no file has it)."""
    for (department, task), rows in table.groupby(["department", "task"]):
        if len(rows) > 1:
            places = "、".join(f"{r.source_file} 第{r.source_row}行" for r in rows.itertuples())
            qa.value_unique(log, STAGE, "FAIL", f"{department} {task} 填了{len(rows)}次：{places}",
                    file=rows["source_file"].iloc[0], row=int(rows["source_row"].iloc[1]))  # fmt: skip
    present = set(zip(table["department_id"], table["task_id"], strict=True))
    for department in registry.departments:
        missing = [t.name for t in department.tasks if (department.id, t.id) not in present]
        if missing:
            log.add(
                Rule.TASKS_PRESENT,
                STAGE,
                "FAIL",
                f"{department.name}缺少任务：{'、'.join(missing)}（每项任务一行；确实无法完成的定性任务填“未完成”）",
                file=folder,
            )
    if not log.has_failures:
        log.add(
            Rule.TASKS_PRESENT,
            STAGE,
            "PASS",
            f"{len(registry.departments)}个成员单位的{len(present)}项任务均已填报",
        )
