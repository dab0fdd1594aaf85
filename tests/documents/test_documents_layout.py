"""GB/T 9704-2012 layout as an official checks it: the .docx opened with python-docx for the
properties, the PDF read with ``pdftotext -bbox`` where the position on the page is the point
(版记 at the foot of the last page, 页码 right on odd pages and left on even ones, 28 characters a
line, 署名 centred over the 成文日期, the 发文机关标志 35 mm down)."""

from __future__ import annotations

import itertools
import re
import subprocess
import unicodedata
from dataclasses import dataclass

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from pipeline.documents.content import TITLE_EMS, fund_change, title_lines
from pipeline.documents.reference import MARGINS_MM, ems

PT_PER_MM = 72 / 25.4
A4_HEIGHT_PT = 297 * PT_PER_MM
TYPE_LEFT, TYPE_RIGHT = MARGINS_MM["left"] * PT_PER_MM, (210 - MARGINS_MM["right"]) * PT_PER_MM
TYPE_TOP, TYPE_BOTTOM = (
    MARGINS_MM["top"] * PT_PER_MM,
    A4_HEIGHT_PT - MARGINS_MM["bottom"] * PT_PER_MM,
)
ONE_4HAO, ONE_3HAO = 14, 16  # 一字 in points
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP_NS = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def _docx(built, prefix: str):
    return next(p for p in built.docx if p.name.startswith(prefix))


def _pdf(built, prefix: str):
    return next(p for p in built.pdf if p.name.startswith(prefix))


@dataclass(frozen=True)
class Line:
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    text: str


def _lines(path) -> list[Line]:
    """Every text line of a PDF with its box (points from the page's top left)."""
    html = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = []
    for number, page in enumerate(html.split("<page ")[1:], 1):
        for box, body in re.findall(r"<line (.*?)>(.*?)</line>", page, re.S):
            edges = dict(re.findall(r'(\w+)="([\d.]+)"', box))
            words = "".join(re.findall(r">([^<]*)</word>", body))
            lines.append(Line(number, float(edges["xMin"]), float(edges["xMax"]),
                              float(edges["yMin"]), float(edges["yMax"]), words))  # fmt: skip
    return lines


@pytest.mark.parametrize(
    "phrases, expected",
    [
        (("关于", "2024年度", "各县（市、区）", "就业工作目标责任制", "考核结果的通报"),
         ["关于2024年度各县（市、区）", "就业工作目标责任制考核结果的通报"]),
        (("2024年度", "就业工作目标责任制", "考核结果告知书"),
         ["2024年度就业工作目标责任制", "考核结果告知书"]),
        (("2024年度", "就业工作目标责任制", "考核结果摘要"), ["2024年度就业工作目标责任制考核结果摘要"]),
    ],
)  # fmt: skip
def test_titles_break_between_whole_phrases_and_evenly(phrases, expected):
    assert title_lines(phrases) == expected
    assert all(ems(line) <= TITLE_EMS for line in expected)


def test_ems_count_the_placeholders_as_full_width():
    assert ems("□□□□年□□月□□日") == 11 and ems("2025年1月15日") == 6.5


def test_every_a4_title_keeps_its_phrases_whole(built):
    for path in built.docx:
        if "A3" in path.name:
            continue
        for paragraph in docx.Document(path).paragraphs:
            if paragraph.style.name == "Title":
                lines = "".join(
                    "\n" if e.tag == f"{W_NS}br" else e.text or ""
                    for e in paragraph._p.iter(f"{W_NS}t", f"{W_NS}br")
                ).split("\n")
                assert all(ems(line) <= TITLE_EMS for line in lines), (path.name, lines)


@pytest.mark.parametrize("prefix", ["01-考核结果通报", "04-表扬通报"])
def test_imprint_is_a_box_at_the_foot_of_the_type_area(built, prefix):
    document = docx.Document(_docx(built, prefix))
    body = document.element.body
    anchors = list(body.iter(f"{WP_NS}anchor"))
    assert len(anchors) == 1
    anchor = anchors[0]
    vertical = anchor.find(f"{WP_NS}positionV")
    assert (
        vertical.get("relativeFrom") == "margin" and vertical.find(f"{WP_NS}align").text == "bottom"
    )
    assert anchor.find(f"{WP_NS}wrapTopAndBottom") is not None  # no text beside it
    section = document.sections[-1]
    width = section.page_width - section.left_margin - section.right_margin
    assert int(anchor.find(f"{WP_NS}extent").get("cx")) == width  # 版记的分隔线与版心等宽
    # the box is in the last paragraph of the body: after the text and the 附件
    assert body.findall(qn("w:p"))[-1].find(f".//{WP_NS}anchor") is anchor
    lines = list(anchor.iter(qn("w:p")))
    texts = ["".join(t.text for t in line.iter(qn("w:t"))) for line in lines]
    assert texts[0].startswith("抄送：") and texts[-1].endswith("印发")
    assert lines[-1].find(f".//{W_NS}tab") is not None  # 印发机关 … tab … 印发日期
    rules = [
        {
            e.tag.split("}")[1]: int(e.get(qn("w:sz")))
            for e in line.find(qn("w:pPr")).find(qn("w:pBdr"))
        }
        for line in lines
    ]
    assert rules == [{"top": 8, "bottom": 6}, {"bottom": 8}]  # 粗线 on the outside, 细线 between
    styles = {line.find(qn("w:pPr")).find(qn("w:pStyle")).get(qn("w:val")) for line in lines}
    assert {document.styles.get_by_id(s, 1).name for s in styles} == {"抄送机关", "印发机关"}
    copy_to = document.styles["抄送机关"].paragraph_format
    assert (copy_to.left_indent.pt, copy_to.first_line_indent.pt) == (4 * ONE_4HAO, -3 * ONE_4HAO)


def test_imprint_is_on_the_last_page_only_its_last_line_on_the_last_line(built, pdf_tools):
    lines = _lines(_pdf(built, "01-考核结果通报"))
    pages = max(line.page for line in lines)
    copy_to = [line for line in lines if line.text.startswith("抄送：")]
    office = [line for line in lines if line.text == "安康市人力资源和社会保障局办公室"]
    issued = [line for line in lines if line.text.endswith("印发")]
    assert [line.page for line in copy_to + office + issued] == [pages] * 3
    # 版记的最后一个要素置于最后一行: the 印发 line ends within the last grid line of the type area
    assert TYPE_BOTTOM - 29 <= issued[0].bottom <= TYPE_BOTTOM + 1
    assert issued[0].top > copy_to[0].bottom  # 印发 under 抄送
    # 印发机关左空一字, 印发日期右空一字, on one line; 抄送 左空一字
    assert office[0].top == pytest.approx(issued[0].top, abs=1)
    assert office[0].x0 == pytest.approx(TYPE_LEFT + ONE_4HAO, abs=2)
    assert issued[0].x1 == pytest.approx(TYPE_RIGHT - ONE_4HAO, abs=2)
    assert copy_to[0].x0 == pytest.approx(TYPE_LEFT + ONE_4HAO, abs=2)
    body = [line for line in lines if line.page == pages and line.bottom < copy_to[0].top]
    assert body, "the 版记 shares the last page with the text"


def test_footers_put_odd_page_numbers_right_and_even_ones_left(built, pdf_tools):
    document = docx.Document(_docx(built, "01-考核结果通报"))
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert (
        odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        and odd.paragraph_format.right_indent.pt == ONE_4HAO
    )
    assert (
        even.alignment == WD_ALIGN_PARAGRAPH.LEFT
        and even.paragraph_format.left_indent.pt == ONE_4HAO
    )
    for header in (section.header, section.even_page_header):
        assert "征求意见稿" in header.paragraphs[0].text
    lines = _lines(_pdf(built, "01-考核结果通报"))
    numbers = [line for line in lines if re.fullmatch(r"—\s*\d+\s*—", line.text.strip())]
    assert len(numbers) == max(line.page for line in lines) >= 2
    for line in numbers:
        assert line.text.strip("— ") == str(line.page)
        if line.page % 2:
            assert line.x1 == pytest.approx(TYPE_RIGHT - ONE_4HAO, abs=2)
        else:
            assert line.x0 == pytest.approx(TYPE_LEFT + ONE_4HAO, abs=2)
        # 一字线上距版心下边缘7mm (the glyph's box starts a little below the line's top)
        assert 5 * PT_PER_MM <= line.top - TYPE_BOTTOM <= 8 * PT_PER_MM


def _cjk(text: str) -> bool:
    return all(unicodedata.east_asian_width(ch) in "WF" for ch in text)


@pytest.mark.parametrize("prefix", ["01-考核结果通报", "02-考核结果告知书-2024-610902"])
def test_body_lines_hold_28_characters_and_pages_22_lines(built, pdf_tools, prefix):
    lines = _lines(_pdf(built, prefix))
    # 3号 body lines (table cells are 五号, shorter boxes); one grid line is 225 mm / 22
    body = [
        ln for ln in lines
        if TYPE_TOP <= ln.top and ln.bottom <= TYPE_BOTTOM + 2 and 19 <= ln.bottom - ln.top <= 22
    ]  # fmt: skip
    pitch = 225 / 22 * PT_PER_MM
    per_page = {
        page: sorted({round(ln.top, 1) for ln in body if ln.page == page})
        for page in {ln.page for ln in body}
    }  # a line that pdftotext reads as two boxes counts once
    steps = [b - a for tops in per_page.values() for a, b in itertools.pairwise(tops)]
    assert min(steps) == pytest.approx(pitch, abs=0.3)
    # a page of running text holds 22 lines: the first and last grid lines are both used (the
    # 通报's second page is all text)
    spans = {round((tops[-1] - tops[0]) / pitch) + 1 for tops in per_page.values()}
    assert max(spans) == 22 if prefix.startswith("01-") else max(spans) <= 22
    # lines of Chinese that reach the right edge hold 28 characters with their indent (a line
    # whose closing 。 LibreOffice hangs past the margin is left out: Word does not hang it)
    full = [
        ln for ln in body
        if _cjk(ln.text) and TYPE_RIGHT - 3 <= ln.x1 <= TYPE_RIGHT + 2 and ln.x0 >= TYPE_LEFT - 1
    ]  # fmt: skip
    width = (TYPE_RIGHT - TYPE_LEFT) / 28
    positions = {round((ln.x0 - TYPE_LEFT) / width) + len(ln.text) for ln in full}
    assert 28 in positions and positions <= {27, 28}  # 27: 避头尾 moved a character down


def test_signature_is_centred_over_the_date_right_four_characters(built, pdf_tools):
    lines = _lines(_pdf(built, "02-考核结果告知书-2024-610902"))
    # the last ones: the text may end a line with the bureau's name too
    name = [ln for ln in lines if ln.text == "安康市人力资源和社会保障局"][-1]
    date = [ln for ln in lines if ln.text == "□□□□年□□月□□日"][-1]
    assert date.x1 == pytest.approx(TYPE_RIGHT - 4 * ONE_3HAO, abs=3)  # 成文日期右空四字
    assert (name.x0 + name.x1) / 2 == pytest.approx((date.x0 + date.x1) / 2, abs=ONE_3HAO / 2)
    assert date.page == name.page and 0 < date.top - name.top < 40  # the next line


def test_letterhead_mark_35mm_below_the_type_area_top_and_red_rule_under_the_number(
    built, pdf_tools
):
    lines = _lines(_pdf(built, "01-考核结果通报"))
    mark = next(ln for ln in lines if ln.text == "安康市人力资源和社会保障局文件")
    assert mark.page == 1
    assert mark.top - TYPE_TOP == pytest.approx(35 * PT_PER_MM, abs=3 * PT_PER_MM)
    document = docx.Document(_docx(built, "01-考核结果通报"))
    rule = (
        document.styles["发文字号"]
        .element.find(qn("w:pPr"))
        .find(qn("w:pBdr"))
        .find(qn("w:bottom"))
    )
    assert rule.get(qn("w:color")) == "FF0000" and rule.get(qn("w:space")) == "11"  # 4 mm under it
    number = next(ln for ln in lines if "安人社发" in ln.text)
    title = next(ln for ln in lines if ln.text.startswith("关于"))
    assert 0 < number.top - mark.bottom and title.top - number.bottom > 2 * 25  # 空二行


def test_fund_change_is_said_in_words_never_a_lone_sign():
    assert fund_change(-11.76, -0.0512) == "减少11.76万元（减少5.1%）"
    assert fund_change(1108.04, 0.46) == "增加1,108.04万元（增加46.0%）"
    assert fund_change(0.001, 0.0) == "不增不减"


def test_numbered_items_are_body_paragraphs_never_word_lists(built, inputs):
    """'1. …' items (问题, 约谈理由, the A3 sheet's 扣分情况) are paragraphs in the body's style:
    a Word list would renumber them and, with one item, take the table cells' small centred style."""
    checked = 0
    for path in built.docx:
        document = docx.Document(path)
        assert not list(document.element.body.iter(qn("w:numPr"))), path.name
        for paragraph in document.paragraphs:
            if re.match(r"\d+\. ", paragraph.text):
                assert paragraph.style.name in {"Body Text", "First Paragraph", "表格说明"}, (
                    path.name,
                    paragraph.text,
                )
                checked += 1
    assert checked >= len(inputs.interviews) + len(inputs.scores)


def test_signature_keeps_with_its_date(built):
    document = docx.Document(_docx(built, "02-考核结果告知书"))
    assert document.styles["发文机关署名"].paragraph_format.keep_with_next


def test_signature_never_stands_alone_on_a_page(built, pdf_tools):
    for prefix in ("01-考核结果通报", "02-考核结果告知书", "03-约谈通知", "04-表扬通报"):
        for path in (p for p in built.pdf if p.name.startswith(prefix)):
            lines = _lines(path)
            name = [ln for ln in lines if ln.text == "安康市人力资源和社会保障局"][-1]
            text = [
                ln for ln in lines
                if ln.page == name.page and TYPE_TOP <= ln.top and ln.bottom < name.top
                and not ln.text.startswith("附件：")
            ]  # fmt: skip
            assert text, f"{path.name}: 署名 alone (or with the 附件说明 only) on page {name.page}"
