""".xls read with xlrd by the cells the file holds: the values python-calamine reads, plus what it
cannot see (merged ranges, hidden rows and columns, percent formats); a stray cell at IV65536 no
longer costs the 16.7-million-cell rectangle. .xlsb is refused by its parts, whatever its name."""

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from pipeline.intake.ingest import read_submission
from pipeline.intake.qa import QaLog
from pipeline.intake.spreadsheet import read_grids

sys.path.insert(0, str(Path(__file__).parents[1] / "corpus"))
from build_corpus import save_as_xls  # noqa: E402

CORPUS = Path(__file__).parents[1] / "corpus" / "files"
XLS_FILES = sorted(
    p
    for p in CORPUS.rglob("*.xls*")
    if p.is_file()
    and not p.is_symlink()
    and p.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    and "EncryptedPackage".encode("utf-16-le") not in p.read_bytes()  # an encrypted .xlsx
)


def _calamine_rows(path: Path) -> dict[str, list[tuple]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    return {
        name: [
            tuple(None if c == "" else c for c in row)
            for row in book.get_sheet_by_name(name).to_python(False)
        ]
        for name in book.sheet_names
    }


@pytest.mark.parametrize("path", XLS_FILES, ids=[p.parent.parent.name for p in XLS_FILES])
def test_every_corpus_xls_reads_as_calamine_reads_it(path):
    """The xlrd reader gives calamine's values, cell by cell, within the table (calamine's
    rectangle also holds the strays, which the intake names and does not read)."""
    assert len(XLS_FILES) >= 10
    expected = _calamine_rows(path)
    for grid in read_grids(path, QaLog()):
        width = max((len(r) for r in grid.rows), default=0)
        assert grid.rows == [r[:width] for r in expected[grid.sheet][: len(grid.rows)]]


def _book(*cells: tuple[str, object, str]) -> Workbook:
    book = Workbook()
    for ref, value, number_format in cells:
        book.active[ref] = value
        book.active[ref].number_format = number_format
    return book


def test_values_of_each_kind(tmp_path):
    """Text, whole and decimal numbers, a number stored as text, a date, a date and time, a bool:
    as openpyxl reads the same cells of an .xlsx."""
    moment = dt.datetime(2024, 3, 2, 9, 30)
    book = _book(
        ("A1", "城镇新增就业", "General"),
        ("A2", 7056, "General"),
        ("B2", 3.29, "0.00"),
        ("C2", "7,056", "@"),
        ("D2", dt.datetime(2024, 3, 2), "yyyy-mm-dd"),
        ("E2", moment, "yyyy-mm-dd hh:mm"),
        ("F2", True, "General"),
    )
    save_as_xls(book, tmp_path / "kinds.xls")
    (grid,) = read_grids(tmp_path / "kinds.xls", QaLog())
    assert grid.rows == [
        ("城镇新增就业", None, None, None, None, None),
        (7056, 3.29, "7,056", dt.date(2024, 3, 2), moment, True),
    ]


def test_formats_merges_and_hidden_parts_are_seen(tmp_path):
    book = _book(("A1", "表题", "General"), ("B3", 0.0329, "0.00%"), ("C3", 3.29, '0.00"%"'))
    book.active.merge_cells("A1:C1")
    book.active.row_dimensions[3].hidden = True
    book.active.column_dimensions["C"].hidden = True
    book.create_sheet("说明").sheet_state = "hidden"
    book["说明"]["A1"] = "填报说明"
    save_as_xls(book, tmp_path / "formats.xls")
    grid, notes = read_grids(tmp_path / "formats.xls", QaLog())
    assert [m.label for m in grid.merged] == ["A1:C1"]
    assert grid.percent == {(3, 2)}  # a quoted "%" only prints a sign: not a percent
    assert grid.hidden_rows == {3} and grid.hidden_columns == {3}
    assert not grid.hidden and notes.hidden


def test_a_stray_cell_at_the_last_cell_is_named_and_the_read_stays_small(tmp_path):
    """One value at IV65536: the table is read, the stray named, and the process's peak memory
    stays far below the 1.1 GB that calamine's rectangle took (measured: 100 MB, most of it the
    imports)."""
    book = _book(("A1", "县（市、区）", "General"), ("IV65536", "x", "General"))
    path = tmp_path / "stray.xls"
    save_as_xls(book, path)
    log = QaLog()
    (grid,) = read_grids(path, log)
    assert grid.rows == [("县（市、区）",)]
    assert any("IV65536" in r.message for r in log.records if r.status == "WARN")
    # VmHWM: the peak resident memory of this process image (ru_maxrss would count the parent's,
    # which a child inherits across fork and exec)
    child = subprocess.run(
        [sys.executable, "-c", "import re, sys; from pathlib import Path; "
         "from pipeline.intake.qa import QaLog; from pipeline.intake.spreadsheet import read_grids; "
         "read_grids(Path(sys.argv[1]), QaLog()); "
         "print(re.search(r'VmHWM:\\s*(\\d+)', Path('/proc/self/status').read_text())[1])",
         str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    peak_mb = int(child.stdout) / 1024  # kB
    assert peak_mb < 400, peak_mb


def test_a_damaged_xls_is_named_in_words(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    tidy, log = read_submission(path, 2024)
    (record,) = [r for r in log.records if r.status == "FAIL"]
    assert tidy.empty and record.rule == "文件可读" and "不是有效的 .xls 文件" in record.message


@pytest.mark.parametrize("name", ["county.xlsb", "county.xlsx", "county.xls"])
def test_an_xlsb_is_refused_by_its_parts_whatever_its_name(tmp_path, name):
    import zipfile

    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.bin", b"")
    tidy, log = read_submission(path, 2024)
    (record,) = [r for r in log.records if r.status == "FAIL"]
    assert tidy.empty and record.rule == "文件可读" and record.file == name
    assert "Excel 二进制工作簿（.xlsb）" in record.message and ".xlsx" in record.message


def test_an_xlsx_or_ods_named_xls_is_read_by_its_content(tmp_path):
    book = _book(("A1", "表题", "General"))
    book.save(tmp_path / "really_xlsx.xls")
    (grid,) = read_grids(tmp_path / "really_xlsx.xls", QaLog())
    assert grid.rows == [("表题",)]
    ods = next(CORPUS.glob("ods_workbook/*/*.ods"))
    (tmp_path / "really_ods.xls").write_bytes(ods.read_bytes())
    assert read_grids(tmp_path / "really_ods.xls", QaLog()) == read_grids(ods, QaLog())
