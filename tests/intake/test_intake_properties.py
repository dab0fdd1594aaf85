"""Property tests (hypothesis) of the intake's promise: whatever a county types into the table, every
cell with content ends as exactly one tidy value (equal to what the cell says) or as a QA record
naming its row — no value appears twice, none vanishes without a record."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from pipeline.intake import submission_format
from pipeline.intake.bureau_table import parse_layout
from pipeline.intake.long_table import parse_long
from pipeline.intake.numbers import NumberError, normalise, parse_cell
from pipeline.intake.qa import QaLog
from pipeline.intake.spreadsheet import Grid
from pipeline.intake.tidy import KEY, check_value_unique

YEAR = 2024
LABELS = [
    "汉滨区", "汉滨", "610902", "汉阴县", "610921", "石泉县", "旬阳市", "旬阳县", "610928",
    "白河县", "全市", "合计", "安康高新区", "商州区", "汉\u200b滨区", "注：说明", "", None, " ",
]  # fmt: skip
CELLS = st.one_of(
    st.none(),
    st.integers(-10, 100_000),
    st.floats(0, 100),
    st.sampled_from([float("nan"), float("inf")]),
    st.sampled_from(
        [
            "nan",
            "inf",
            "—",
            "-",
            "无",
            "7056%",
            "3.2%",
            "1,23,4",
            "12,345",
            "12人",
            "0.7万人",
            "abc",
            " ",
            "１２３",
            "2,080",
            "3.29",
        ]
    ),  # fmt: skip
)
HEADER = [
    ["安康市2024年就业工作目标任务完成情况表"],
    ["序号", "县（市、区）", "城镇新增就业（人）", None, "城镇登记失业率（%）", None,
     "政府常务会研究就业工作（次）", None],
    [None, None, "目标任务", "完成数", "目标任务", "完成数", "目标任务", "完成数"],
]  # fmt: skip
UNITS = {2: "人", 3: "人", 4: "%", 5: "%", 6: "次", 7: "次"}
ROWS = st.lists(
    st.tuples(st.sampled_from(LABELS), st.lists(CELLS, min_size=7, max_size=7)),
    min_size=0,
    max_size=14,
)


def _content(cell: object) -> bool:
    return cell is not None and bool(normalise(cell))


def _accounted(log: QaLog, row: int, letter: str) -> bool:
    return any(
        r.row == row
        and (r.column in ("", submission_format.REGION_HEADER) or r.column.startswith(letter))
        for r in log.records
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=ROWS)
def test_every_cell_of_the_bureau_layout_is_one_value_or_a_record(body):
    rows = [tuple(r) for r in HEADER] + [
        (None, label, *cells[:6], cells[6] if i % 3 == 0 else None)
        for i, (label, cells) in enumerate(body)
    ]
    log = QaLog()
    tidy = check_value_unique(parse_layout(Grid("完成情况", rows), "f.xlsx", YEAR, log), log)
    assert not tidy.duplicated(KEY).any()
    assert not tidy.duplicated(["source_row", "source_column"]).any()
    by_cell = {(r.source_row, r.source_column[0]): r.value for r in tidy.itertuples()}
    for offset, row in enumerate(rows[len(HEADER) :]):
        excel_row = len(HEADER) + offset + 1
        for index in range(2, len(row)):
            cell, letter = row[index], get_column_letter(index + 1)
            if (excel_row, letter) in by_cell:
                # the value is what the cell says, in the registry unit
                expected = parse_cell(cell, UNITS[index]).value
                assert by_cell[(excel_row, letter)] == round(expected, 6)
            elif _content(cell):
                assert _accounted(log, excel_row, letter), (excel_row, letter, cell, log.format())


LONG_REGIONS = ["汉滨区", "610902", "汉滨", "汉阴县", "商州区", "", None]
LONG_INDICATORS = ["urban_new_jobs", "城镇登记失业率", "registered_unemployment_rate", "公益性岗位"]
LONG_YEARS = st.sampled_from([2024, 2024.0, 2024.7, None, "2024", 2031, "二〇二四"])
LONG_ROWS = st.lists(
    st.tuples(
        st.sampled_from(LONG_REGIONS),
        LONG_YEARS,
        st.sampled_from(LONG_INDICATORS),
        CELLS,
        st.sampled_from(["actual", "task", "完成数", "目标", None, "x"]),
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(body=LONG_ROWS)
def test_every_line_of_the_long_format_is_one_value_or_a_record(body):
    rows = [("region", "year", "indicator", "value", "measure")] + [tuple(r) for r in body]
    log = QaLog()
    tidy = check_value_unique(parse_long(Grid("", rows), "long.csv", None, log), log)
    assert not tidy.duplicated(KEY).any()
    read = set(tidy["source_row"])
    for line, row in enumerate(rows[1:], start=2):
        if any(_content(c) for c in row) and line not in read:
            assert any(r.row == line for r in log.records), (line, row, log.format())
    for r in tidy.itertuples():  # a value kept is the value written on its line
        _, _, _, value, _ = rows[r.source_row - 1]
        try:
            assert r.value == round(parse_cell(value, r.unit).value, 6)
        except NumberError as error:
            raise AssertionError(f"kept a value the grammar refuses: {value!r}") from error


GLUE = "0123456789０１２３,.¹²³⁴①②③½ \u3000"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=GLUE, min_size=1, max_size=8))
def test_no_footnote_mark_or_space_is_glued_into_a_number(text):
    """A number read from text is exactly the digits written: never with a superscript, circled
    or fraction digit folded in, never two numbers joined across a space."""
    try:
        value = parse_cell(text, "人").value
    except NumberError:
        return
    if value is None:
        return
    assert not any(unicodedata.category(c) == "No" for c in text)
    folded = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    assert " " not in folded and "\u3000" not in folded
    assert value == float(folded)


ACTUAL_COLUMNS = (3, 5, 7)  # D, F, H: 完成数 of urban jobs, the rate and the meetings
BLANKS = st.sampled_from([None, "", " ", "—", "无", "-"])


@settings(max_examples=100, deadline=None)
@given(
    body=st.lists(
        st.tuples(
            st.sampled_from(["汉滨区", "汉阴县", "610922", "全市", "白河"]),
            st.lists(st.one_of(BLANKS, st.integers(0, 9000)), min_size=6, max_size=6),
        ),
        max_size=5,
        unique_by=lambda row: row[0],  # a region given twice is its own record (地区唯一)
    )
)
def test_in_the_assessed_year_every_blank_required_cell_is_a_fail_naming_it(body):
    rows = [tuple(r) for r in HEADER] + [(None, label, *cells) for label, cells in body]
    log = QaLog()
    parse_layout(Grid("完成情况", rows), "f.xlsx", YEAR, log, assessed=True)
    for offset, row in enumerate(rows[len(HEADER) :]):
        excel_row = len(HEADER) + offset + 1
        for index in ACTUAL_COLUMNS:
            cell = row[index]
            if cell is None or parse_cell(cell, UNITS[index]).value is None:
                letter = get_column_letter(index + 1)
                assert any(
                    r.status == "FAIL"
                    and r.row == excel_row
                    and r.column.startswith(letter)
                    and f"{letter}{excel_row}" in r.message
                    for r in log.records
                ), (excel_row, letter, log.format())


# Header wordings a bureau may use, for each of the three indicators: (written, unit factor) —
# a factor of None marks a wording that must be refused (a FAIL naming the column).
WORDINGS = {
    "urban": [
        ("城镇新增就业（人）", 1), ("2024年城镇新增就业（人）", 1), ("城镇新增就业(人)", 1),
        ("城镇新增\n就业（人）", 1), ("城镇新增就业（万人）", 10_000), ("城镇新增就业人数（人）", None),
        ("2023年城镇新增就业（人）", None), ("城镇新增就业", None),
    ],
    "rate": [("城镇登记失业率（%）", 1), ("城镇登记失业率(%)", 1), ("城镇登记失业率（人）", None)],
    "meetings": [("政府常务会研究就业工作（次）", 1), ("政府常务会研究就业工作次数（次）", 1)],
}  # fmt: skip
SUB_HEADERS = [
    ("目标任务", "完成数"), ("任务数", "实际完成数"), ("目标任务", "本年完成"), ("计划数", "累计"),
]  # fmt: skip
MARKS = st.sampled_from(["", "", "", "¹", "①", " 1", "*"])  # glued after a number: a FAIL


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    wording=st.tuples(*(st.sampled_from(WORDINGS[k]) for k in ("urban", "rate", "meetings"))),
    subs=st.tuples(*(st.sampled_from(SUB_HEADERS) for _ in range(3))),
    body=st.lists(
        st.lists(st.tuples(st.integers(0, 9000), MARKS), min_size=6, max_size=6),
        min_size=1,
        max_size=4,
    ),
)
def test_a_number_under_an_indicator_header_is_read_exactly_or_a_fail_names_its_cell(
    wording, subs, body
):
    """However the bureau words its headers and whatever it glues to a number, every number in a
    column under a header naming an indicator is in the tidy table exactly (in the registry unit)
    or a FAIL names its column or its cell — never dropped with a WARN only, never changed."""
    top, sub = ["序号", "县（市、区）"], [None, None]
    for (written, _), (task, done) in zip(wording, subs, strict=True):
        top += [written, None]
        sub += [task, done]
    regions = ["汉滨区", "汉阴县", "石泉县", "宁陕县"]
    rows = [("安康市2024年就业工作目标任务完成情况表",), tuple(top), tuple(sub)] + [
        (None, regions[i], *(f"{v}{mark}" if mark else v for v, mark in cells))
        for i, cells in enumerate(body)
    ]
    log = QaLog()
    tidy = parse_layout(Grid("完成情况", rows), "f.xlsx", YEAR, log, assessed=True)
    by_cell = {(r.source_row, r.source_column[0]): r.value for r in tidy.itertuples()}
    fails = [r for r in log.records if r.status == "FAIL"]
    for offset, cells in enumerate(body):
        excel_row = 4 + offset
        for position, (value, mark) in enumerate(cells):
            letter = get_column_letter(3 + position)
            factor = wording[position // 2][1]
            if (excel_row, letter) in by_cell:
                assert not mark and factor is not None, (excel_row, letter, mark, log.format())
                assert by_cell[(excel_row, letter)] == value * factor
            else:
                assert any(
                    r.column.startswith(letter) and r.row in (None, excel_row) for r in fails
                ), (excel_row, letter, value, mark, log.format())
