"""Read county submissions — however they arrive — into one tidy table, with a QA log.

Accepted: .xlsx/.xlsm (openpyxl), .xls (xlrd), .ods (python-calamine), .csv in UTF-8, UTF-8 with BOM
or GB18030/GBK, comma-, tab-, semicolon- or bar-separated (.xlsb is taken as a submission and
refused with a FAIL); the bureau layout (pipeline.intake.bureau_table) or the long format
(pipeline.intake.long_table); one combined file per year folder, or one file per county.
Every problem becomes a QA record naming file, sheet, row and column; nothing is dropped or changed
silently. Blank cells and dashes are missing, never 0. What is refused and why: docs/intake.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.intake import qa, submission_format
from pipeline.intake.bureau_table import header_row, is_region_header, parse_layout
from pipeline.intake.long_table import latest_year, long_columns, parse_long
from pipeline.intake.numbers import (
    MISSING_MARKERS,
    YEAR_MIN,
    NumberError,
    normalise,
    parse_cell,
    parse_number,
)
from pipeline.intake.qa import READ_STAGE as STAGE
from pipeline.intake.qa import QaLog, Rule
from pipeline.intake.spreadsheet import (
    READABLE_SUFFIXES,
    SUPPORTED_SUFFIXES,
    Grid,
    IntakeError,
    decode,
    read_grids,
)
from pipeline.intake.tidy import TIDY_COLUMNS, check_value_unique, concat, empty

__all__ = [
    "MISSING_MARKERS", "SUPPORTED_SUFFIXES", "TIDY_COLUMNS", "Grid", "IntakeError", "NumberError",
    "decode", "normalise", "parse_cell", "parse_number", "read_raw_dir", "read_submission",
    "read_year_folder", "submission_files", "check_raw_dir_entries",
]  # fmt: skip


def _is_header_cell(cell: object) -> bool:
    text = normalise(cell).lower()
    return is_region_header(cell) or text in ("region", "地区")


def _first_row(grid: Grid) -> tuple:
    return next((r for r in grid.rows if any(c is not None for c in r)), ())


def _holds_table(grid: Grid) -> bool:
    return header_row(grid.rows) is not None or long_columns(_first_row(grid)) is not None


def _describe(grid: Grid) -> str:
    state = "隐藏" if grid.hidden else "可见"
    table = "有表头" if _holds_table(grid) else "无表头"
    return f"“{grid.sheet}”（{state}，{table}）"


def choose_sheet(grids: list[Grid], file: str, log: QaLog) -> Grid | None:
    """The sheet to read, as a person would: the one visible sheet that holds the table. Several
    candidates, a hidden table beside the visible one, or only a hidden one, is a FAIL naming the
    sheets; other sheets with content (notes, instructions) are named in a WARN."""
    data = [g for g in grids if g.has_content]
    if not data:
        qa.file_readable(log, STAGE, "FAIL", "文件是空的", file=file)
        return None
    visible = [g for g in data if _holds_table(g) and not g.hidden]
    hidden_tables = [g for g in data if _holds_table(g) and g.hidden]
    if len(visible) == 1 and hidden_tables:
        # A hidden table beside the visible one (often on the template's own sheet name): which is
        # the submission cannot be told, and reading one would silently drop the other's values.
        qa.sheet_choice(log, STAGE, "FAIL",
            f"隐藏的工作表{'、'.join(_describe(g) for g in hidden_tables)}也有报表，可见的是"
            f"{_describe(visible[0])}：无法确定哪一个是正式报送。请删除隐藏的工作表，或取消隐藏后只保留一个",
            file=file, sheet=hidden_tables[0].sheet,
        )  # fmt: skip
        return None
    if len(visible) == 1 or (len(data) == 1 and not data[0].hidden):
        chosen = visible[0] if len(visible) == 1 else data[0]
        for other in (g for g in data if g is not chosen):
            qa.sheet_choice(
                log,
                STAGE,
                "WARN",
                f"工作表{_describe(other)}有内容，未读取：只读取工作表“{chosen.sheet}”",
                file=file,
                sheet=other.sheet,
            )
        return chosen
    names = "、".join(_describe(g) for g in data)
    if not any(_holds_table(g) for g in data):
        message = f"所有有内容的工作表都找不到表头（没有“{submission_format.REGION_HEADER}”或 region 列）：{names}"
    elif len(visible) > 1:
        message = f"有多个可见工作表都有报表：{names}。无法确定读取哪一个，请只保留一个"
    else:
        message = f"报表所在的工作表是隐藏的：{names}。请取消隐藏或删除多余的工作表后重新报送"
    qa.sheet_choice(log, STAGE, "FAIL", message, file=file)
    return None


def check_file_has_values(tidy: pd.DataFrame, file: str, log: QaLog) -> None:
    """A submission that gives no value at all is a FAIL: empty is not fine."""
    if tidy.empty:
        qa.has_values(
            log,
            STAGE,
            "FAIL",
            "没有读取到任何数值（表头之下没有县区行，或全部为空白、短横线）",
            file=file,
        )
    else:
        qa.has_values(log, STAGE, "PASS", f"读取到 {len(tidy)} 个数值", file=file)


def _parse(
    grids: list[Grid], path: Path, year: int | None, log: QaLog, assessed: bool
) -> pd.DataFrame:
    grid = choose_sheet(grids, path.name, log)
    if grid is None:
        return empty()
    if long_columns(_first_row(grid)) is not None:
        return parse_long(grid, path.name, year, log)
    if year is None:
        qa.year_match(
            log,
            STAGE,
            "FAIL",
            "按县区报表格式读取时，文件应放在以年份命名的文件夹中",
            file=path.name,
        )
        return empty()
    try:
        return parse_layout(grid, path.name, year, log, assessed)
    except IntakeError as error:
        qa.header(log, STAGE, "FAIL", str(error), file=path.name, sheet=grid.sheet)
        return empty()


def read_submission(
    path: Path, year: int | None, assessed: bool = False
) -> tuple[pd.DataFrame, QaLog]:
    """Read one file (any accepted format) for ``year`` into tidy rows plus its QA log.
    ``year`` None is allowed for long-format files, which carry their own years. ``assessed``:
    ``year`` is the year under assessment, whose required values must all be there."""
    log = QaLog()
    try:
        grids = read_grids(path, log, _is_header_cell)
        tidy = _parse(grids, path, year, log, assessed)
    except IntakeError as error:
        qa.file_readable(log, STAGE, "FAIL", f"无法读取：{error}", file=path.name)
        return empty(), log
    except Exception as error:  # any reason a file cannot be read is a FAIL, never a traceback
        qa.file_readable(
            log,
            STAGE,
            "FAIL",
            f"无法读取（{type(error).__name__}：{error}）：请确认文件能在 Excel 中正常打开",
            file=path.name,
        )
        return empty(), log
    tidy = check_value_unique(tidy, log)
    refused = {Rule.FILE_READABLE, Rule.SHEET_CHOICE, Rule.HEADER, Rule.YEAR_MATCH}
    if not any(r.status == "FAIL" and r.rule in refused for r in log.records):
        check_file_has_values(
            tidy, path.name, log
        )  # a file refused as a whole needs no second FAIL
    return tidy, log


# ---------------------------------------------------------------- folders


def _revision(path: Path) -> tuple[str, int]:
    """(base name, revision): 'x.r2.xlsx' → ('x', 2); 'x.xlsx' → ('x', 1)."""
    stem = path.name[: -len(path.suffix)]
    match = re.search(submission_format.REVISION_PATTERN, stem)
    return (stem[: match.start()], int(match[1])) if match else (stem, 1)


_YEAR_FOLDER = re.compile(r"[0-9]{4}")
_BROKEN_LINK = (
    "符号链接指向不存在的位置或指回自身（循环），未读取：请删除该链接，把报表文件本身放进来"
)


def is_year_folder(path: Path) -> bool:
    """A folder named with exactly four ASCII digits (２０２４/ and 02024/ are not: each would
    otherwise be read as a second 2024)."""
    return path.is_dir() and _YEAR_FOLDER.fullmatch(path.name) is not None


def skip_reason(path: Path) -> str | None:
    """Why a file in a year folder is not read, or None when it is a submission."""
    if path.is_symlink() and not path.exists():
        return _BROKEN_LINK
    if path.is_symlink() and path.is_dir():  # often a loop (→ . or ..): never followed
        return f"符号链接指向文件夹（{path.readlink()}），不读取：报表应直接放在年份文件夹中"
    if path.is_dir():
        return "子文件夹不读取：报表应直接放在年份文件夹中"
    if path.name.startswith("~$"):
        return "Excel 临时锁定文件（文件在 Excel 中打开时产生），不是报表；关闭 Excel 后可删除"
    if path.name.startswith("."):
        return "隐藏文件（文件名以“.”开头），不读取；如果这是报表，请去掉文件名开头的“.”"
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return (
            f"不支持的文件类型“{path.suffix or '无扩展名'}”（支持 {'、'.join(READABLE_SUFFIXES)}）"
        )
    return None


def submission_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if skip_reason(p) is None)


def check_skipped_files(folder: Path, log: QaLog) -> None:
    """Every file in a year folder that is not read is named, with the reason."""
    for path in sorted(folder.iterdir()):
        reason = skip_reason(path)
        if reason is not None:
            qa.file_skipped(log, STAGE, "WARN", f"已跳过：{reason}", file=path.name)


def _changes(
    old: pd.DataFrame, new: pd.DataFrame, old_name: str, new_name: str, log: QaLog
) -> None:
    keys = ["region_code", "indicator", "measure"]
    merged = old.merge(new, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
    changed = merged[(merged["_merge"] != "both") | (merged["value_old"] != merged["value_new"])]
    for _, row in changed.iterrows():
        region = row["region_new"] if isinstance(row["region_new"], str) else row["region_old"]
        name = (
            row["indicator_name_new"]
            if isinstance(row["indicator_name_new"], str)
            else row["indicator_name_old"]
        )
        before = "空" if pd.isna(row["value_old"]) else f"{row['value_old']:g}"
        after = "空" if pd.isna(row["value_new"]) else f"{row['value_new']:g}"
        where_row = None if pd.isna(row["source_row_new"]) else int(row["source_row_new"])
        log.add(
            Rule.CORRECTION,
            STAGE,
            "WARN",
            f"{region} {name}（{'完成数' if row['measure'] == 'actual' else '目标任务'}）：{before} → {after}（{old_name} → {new_name}）",
            file=new_name,
            row=where_row,
        )
    if changed.empty:
        log.add(
            Rule.CORRECTION, STAGE, "PASS", f"{new_name} 与 {old_name} 的数值相同", file=new_name
        )


def _read_revisions(paths: list[Path], year: int, log: QaLog, assessed: bool) -> pd.DataFrame:
    """The highest revision of one submission; every change from the previous one is logged."""
    final = paths[-1]
    tidy, file_log = read_submission(final, year, assessed)
    log.extend(file_log)
    if len(paths) > 1:
        previous, _ = read_submission(paths[-2], year)
        log.add(
            Rule.REVISION,
            STAGE,
            "PASS",
            f"采用 {final.name}（第{_revision(final)[1]}版），取代 {'、'.join(p.name for p in paths[:-1])}",
            file=final.name,
        )
        _changes(previous, tidy, paths[-2].name, final.name, log)
    return tidy


def check_region_across_files(frames: list[pd.DataFrame], log: QaLog) -> pd.DataFrame:
    """With one file per county, a region given in two files is a FAIL naming both; the first
    file's values are kept."""
    owner: dict[str, str] = {}
    kept = []
    for table in frames:
        for code, rows in table.groupby("region_code", sort=False):
            file = rows["source_file"].iloc[0]
            if code in owner and owner[code] != file:
                qa.region_unique(
                    log,
                    STAGE,
                    "FAIL",
                    f"“{rows['region'].iloc[0]}”同时出现在 {owner[code]} 与 {file} 中：同一年同一地区只能由一个文件报送",
                    file=file,
                    sheet=rows["source_sheet"].iloc[0],
                    row=int(rows["source_row"].iloc[0]),
                )
                continue
            owner[str(code)] = file
            kept.append(rows)
    return concat(kept)


def read_year_folder(folder: Path, year: int, assessed: bool = False) -> tuple[pd.DataFrame, QaLog]:
    """One year's submissions: one combined file, or one file per county. A file may be revised
    (submission_format.REVISION_PATTERN): the highest revision is used and every changed cell logged.
    ``assessed``: this is the year under assessment (see read_submission)."""
    log = QaLog()
    if not YEAR_MIN <= year <= latest_year():
        qa.year_format(
            log,
            STAGE,
            "FAIL",
            f"年份文件夹 {folder.name} 不在 {YEAR_MIN}–{latest_year()} 之间（最晚为已配置规划期的末年）",
            file=folder.name,
        )
        return empty(), log
    check_skipped_files(folder, log)
    files = submission_files(folder)
    if not files:
        qa.one_file_per_year(
            log,
            STAGE,
            "FAIL",
            f"{folder} 中没有报表文件（{'、'.join(READABLE_SUFFIXES)}）",
            file=folder.name,
        )
        return empty(), log
    groups: dict[str, list[Path]] = {}
    for path in sorted(files, key=lambda p: _revision(p)[1]):
        groups.setdefault(_revision(path)[0], []).append(path)
    clashes = [g for g in groups.values() if len({_revision(p)[1] for p in g}) != len(g)]
    for group in clashes:
        qa.one_file_per_year(
            log,
            STAGE,
            "FAIL",
            f"{'、'.join(p.name for p in group)} 是同一份报表的同一版本：请只保留一个；更正后的报表请在原文件名后加修订号（如 {group[0].stem}.r2{group[0].suffix}），以最高修订号为准",
            file=group[0].name,
        )
    frames = [_read_revisions(g, year, log, assessed) for g in groups.values() if g not in clashes]
    if len(groups) > 1:
        qa.one_file_per_year(
            log,
            STAGE,
            "PASS",
            f"按每县一个文件读取：{'、'.join(g[-1].name for g in groups.values())}",
            file=folder.name,
        )
    return check_region_across_files(frames, log), log


def check_raw_dir_entries(raw_dir: Path, log: QaLog) -> None:
    """A folder of year folders: anything else in it (a folder named "2024年", a workbook beside
    the year folders) is named, since it is not read. README files and hidden files are not."""
    for path in sorted(raw_dir.iterdir()):
        if path.name.startswith(".") or path.name.upper().startswith("README"):
            continue
        if path.is_dir() and path.name in (
            submission_format.UNITS_FOLDER,  # the counties' town submissions: their own runs
            submission_format.DEPARTMENTS_FOLDER,  # the departments' task lists
        ):
            continue
        if path.is_symlink() and not path.exists():
            reason = _BROKEN_LINK
        elif path.is_dir() and not is_year_folder(path):
            reason = "不是年份文件夹（文件夹名应只写四位半角数字年份，如 2024；２０２４、02024 不算），其中的文件未读取"
        elif not path.is_dir():
            reason = "直接放在原始数据文件夹中，未读取：报表应放在 <年份>/ 文件夹中"
        else:
            continue
        qa.file_skipped(log, STAGE, "WARN", f"已跳过：{reason}", file=path.name)


def read_raw_dir(raw_dir: Path, last_year: int) -> tuple[pd.DataFrame, QaLog]:
    """Read every ``<raw_dir>/<year>/`` with year <= last_year; ``last_year`` is the assessed one."""
    log = QaLog()
    frames = []
    if not raw_dir.is_dir():
        raise IntakeError(f"原始数据文件夹不存在：{raw_dir}")
    check_raw_dir_entries(raw_dir, log)
    for folder in sorted(p for p in raw_dir.iterdir() if is_year_folder(p)):
        year = int(folder.name)
        if year > last_year:
            continue
        tidy, year_log = read_year_folder(folder, year, assessed=year == last_year)
        frames.append(tidy)
        log.extend(year_log)
    if not frames:
        raise IntakeError(f"{raw_dir} 中没有 {last_year} 年及以前的报表（应为 <年份>/<文件>）")
    return concat(frames), log
