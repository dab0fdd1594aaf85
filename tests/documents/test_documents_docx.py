"""The .docx files, opened with python-docx: GB/T 9704 layout, fonts named for Word/WPS, the
numbers equal to the inputs, marks on every page, and hostile text kept as text."""

from __future__ import annotations

import re
import zipfile

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn

from pipeline.annual.exact import percent_floor, ratio, signed
from pipeline.annual.exact import points as rounded_points
from pipeline.annual.scoring import points_formula, task_points
from pipeline.config.assessment_rules import load_rules


def _file(built, prefix: str):
    return next(p for p in built.docx if p.name.startswith(prefix))


def _text(document) -> str:
    """Every paragraph's text: the body's, the tables' and the 版记's (in its text box)."""
    parts = [p.text for p in document.paragraphs] + _box_lines(document)
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _box_lines(document) -> list[str]:
    boxes = document.element.body.iter(qn("w:txbxContent"))
    return [
        "".join(t.text or "" for t in line.iter(qn("w:t")))
        for box in boxes
        for line in box.iter(qn("w:p"))
    ]


def _east_asia(style) -> str | None:
    fonts = style.element.find(qn("w:rPr")).find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia"))


def test_one_letter_per_county_and_one_interview_notice_per_suggestion(built, inputs):
    names = [p.name for p in built.docx]
    assert sum(n.startswith("02-考核结果告知书") for n in names) == len(inputs.scores) == 10
    assert sum(n.startswith("03-约谈通知") for n in names) == len(inputs.interviews)
    for prefix in ("01-考核结果通报", "04-表扬通报", "05-领导摘要", "06-考核结果汇总表"):
        assert sum(n.startswith(prefix) for n in names) == 1


def test_styles_carry_the_standards_fonts_as_east_asian_fonts(built):
    document = docx.Document(_file(built, "01-"))
    styles = {s.name: s for s in document.styles}
    expected = {
        "Normal": ("仿宋_GB2312", 16), "Body Text": ("仿宋_GB2312", 16),
        "Title": ("方正小标宋简体", 22), "Heading 1": ("黑体", 16), "Heading 2": ("楷体_GB2312", 16),
        "发文机关标志": ("方正小标宋简体", 26),
    }  # fmt: skip
    for name, (font, size) in expected.items():
        assert _east_asia(styles[name]) == font, name
        assert styles[name].font.size.pt == size, name
        fonts = styles[name].element.find(qn("w:rPr")).find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override the name
    assert styles["发文机关标志"].font.color.rgb == docx.shared.RGBColor(0xFF, 0, 0)
    # the body is on the 22-line grid: exact line height 225 mm / 22
    assert styles["Body Text"].paragraph_format.line_spacing.pt == pytest.approx(
        225 / 22 / 25.4 * 72, abs=0.1
    )
    assert styles["Body Text"].paragraph_format.first_line_indent.pt == 32  # 首行缩进两字
    # no punctuation hangs past the 版心 in Word/WPS; every paragraph style is based on Normal
    overflow = styles["Normal"].element.find(qn("w:pPr")).find(qn("w:overflowPunct"))
    assert overflow is not None and overflow.get(qn("w:val")) == "0"
    assert all(
        s.element.find(qn("w:pPr")) is None
        or s.element.find(qn("w:pPr")).find(qn("w:overflowPunct")) is None
        for s in document.styles
        if s.name != "Normal"
    )


@pytest.mark.parametrize(
    "prefix, width, height", [("01-", 210, 297), ("02-", 210, 297), ("06-", 420, 297)]
)
def test_page_setup_and_footer(built, prefix, width, height):
    document = docx.Document(_file(built, prefix))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (width, height)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    # 页码: '— PAGE —' in 4号 宋体, in the footer
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert " PAGE " in "".join(e.text or "" for e in footer._element.iter(qn("w:instrText")))
    assert {r.font.size.pt for r in footer.runs} == {14}
    header = section.header.paragraphs[0].text
    assert "征求意见稿" in header and "样例数据" in header  # every page carries the marks


def test_notice_parts_and_summary_table_equal_the_scores(built, inputs):
    document = docx.Document(_file(built, "01-"))
    styles = [p.style.name for p in document.paragraphs]
    for part in (
        "发文机关标志",
        "发文字号",
        "Title",
        "主送机关",
        "附件说明",
        "发文机关署名",
        "成文日期",
        "附件标识",
    ):
        assert part in styles, part
    assert "安人社发〔□□□□〕□□号" in _text(document)
    table = document.tables[-1]
    header = [c.text for c in table.rows[0].cells]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    expected = inputs.scores.sort_values("rank")
    assert [r[header.index("县（市、区）")] for r in rows] == list(expected["region"])
    assert [r[header.index("得分")] for r in rows] == [f"{v:.2f}" for v in expected["score"]]
    assert [r[header.index("等次")] for r in rows] == list(expected["grade"])
    assert [r[header.index("排名")] for r in rows] == [str(v) for v in expected["rank"]]
    funds = inputs.funds.set_index("region_code")
    assert [r[header.index("次年资金增减（万元）")] for r in rows] == [
        signed(funds.loc[c, "change"], ",.2f") for c in expected["region_code"]
    ]


def _points_text(text: str) -> dict[str, float]:
    """The scorer's own per-indicator text ('城镇新增就业 25.00；…'), read independently of the
    score items the letters print."""
    return {
        name: float(value) for name, value in (part.rsplit(" ", 1) for part in text.split("；"))
    }


def test_each_letter_holds_its_countys_numbers_and_they_add_up(built, inputs):
    rules = load_rules()
    for row in inputs.scores.itertuples():
        document = docx.Document(_file(built, f"02-考核结果告知书-2024-{row.region_code}"))
        text = _text(document)
        assert f"考核得分{row.score:.2f}分" in text and f"排名第{row.rank}名" in text
        assert f"考核等次为{row.grade}" in text
        table = document.tables[0]
        header = [c.text for c in table.rows[0].cells]
        cells = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
        points = _points_text(row.points)
        facts = inputs.facts[inputs.facts["region_code"] == row.region_code]
        total = 0.0
        for fact in facts[facts["indicator"].isin(list(rules.scoring.weights))].itertuples():
            got = cells[fact.short_name]
            assert float(got[header.index("得分")]) == pytest.approx(points[fact.short_name])
            total += float(got[header.index("得分")])
            if fact.kind == "cumulative":
                assert got[header.index("目标任务")] == f"{fact.task:,.0f}人"
                assert got[header.index("完成数")] == f"{fact.done:,.0f}人"
                assert got[header.index("完成率")] == percent_floor(ratio(fact.done, fact.task))
                # the formula the county checks by hand is the scorer's, and gives its points
                weight = rules.scoring.weights[fact.indicator]
                expected = task_points(weight, fact.done, fact.task, rules.scoring)
                assert float(rounded_points(expected)) == points[fact.short_name]
                formula = points_formula(pd.Series(fact._asdict()), rules)
                assert f"{fact.short_name}：{formula}" in text
                assert formula.endswith(f"{rounded_points(expected)}分") or "满分" in formula
        assert total == pytest.approx(row.score, abs=0.02)  # the points shown add up to the score
        # the 整改 deadline field, where there is something to rectify
        assert "异议" in text
        assert ("□□□□年□□月□□日前" in text) == ("未发现扣分事项" not in text), row.region


def test_interview_notices_use_placeholders_without_a_contacts_file(built, inputs):
    for s in inputs.interviews:
        text = _text(docx.Document(_file(built, f"03-约谈通知-2024-{s.region_code}")))
        assert f"{s.region}人民政府主要负责人□□□同志、分管负责人□□□同志" in text
        assert "（预测" not in text  # forecasts are never a basis for a 约谈


FORBIDDEN = re.compile(r"<w:(fldSimple|instrText|hyperlink)\b")


def test_hostile_text_stays_text_in_every_document(built, hostile):
    seen = 0
    for path in built.docx:
        with zipfile.ZipFile(path) as archive:
            body = archive.read("word/document.xml").decode()
            assert not FORBIDDEN.search(body), path.name
            assert (
                "word/_rels/document.xml.rels" not in archive.namelist()
                or "evil.example" not in archive.read("word/_rels/document.xml.rels").decode()
            )
        text = _text(docx.Document(path))
        if "alert(1)" in text:
            seen += 1
            assert "<script>alert(1)</script>" in text and "[点我](http://evil.example/a)" in text
            assert "http://bare.example/x" in text and '=HYPERLINK("http://evil.example")' in text
    assert seen >= 3  # the 通报 (约谈 reason), a 告知书 (deductions, questioned value), a 约谈通知
