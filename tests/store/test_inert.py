"""No text the project writes becomes a formula (issue 18): every CSV writer and the workbook cell
writer, with any text, including the names a red team gave files and sheets."""

import csv

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pipeline.report.workbook.writer import Column, Sheet, write_workbook
from pipeline.store.atomic import write_csv_atomically
from pipeline.store.inert import TRIGGERS, inert_frame, inert_text, read_csv, restored_text

HOSTILE = [
    '=HYPERLINK("http://x","点我")',
    "=1+1",
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "'=1",
    "'",
]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))


@given(text=TEXT)
def test_inert_text_never_starts_a_formula_and_round_trips(text):
    written = inert_text(text)
    assert not written.startswith(TRIGGERS)
    assert restored_text(written) == text


def _frame(texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"source_file": texts, "value": range(len(texts)), "message": texts[::-1]})


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(TEXT, min_size=1, max_size=6))
def test_every_csv_we_write_is_inert_and_reads_back_exactly(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("csv") / "qa_log.csv"
    frame = _frame(texts)
    write_csv_atomically(frame, path)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            assert not any(field.startswith(("=", "+", "-", "@", "\t", "\r")) for field in row), row
    back = read_csv(path, dtype=str, keep_default_na=False)
    assert back["source_file"].tolist() == texts
    assert back["message"].tolist() == texts[::-1]


def test_inert_frame_leaves_numbers_alone():
    frame = pd.DataFrame({"value": [-1.5, 2.0], "text": ["-1.5", "x"]})
    out = inert_frame(frame)
    assert out["value"].tolist() == [-1.5, 2.0] and out["text"].tolist() == ["'-1.5", "x"]


@settings(max_examples=20, deadline=None)
@given(texts=st.lists(TEXT, min_size=1, max_size=5))
def test_no_workbook_text_cell_is_a_formula(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("xlsx") / "assessment.xlsx"
    frame = _frame(texts)
    columns = (Column("source_file", "文件"), Column("message", "说明"))
    write_workbook([Sheet("=1+1", frame, columns, note='=HYPERLINK("x")')], path)
    book = load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
    ws = book.worksheets[0]
    # control characters are named by code point; a carriage return may come back as a line
    # break (XML end-of-line handling) or as itself (openpyxl escapes it as _x000D_): both are text
    shown = [ILLEGAL_CHARACTERS_RE.sub(lambda m: f"[U+{ord(m[0]):04X}]", t) for t in texts]
    read = [ws.cell(r, 1).value for r in range(3, 3 + len(texts))]
    assert [v.replace("\r", "\n") if v else v for v in read] == [
        t.replace("\r", "\n") or None for t in shown
    ]
