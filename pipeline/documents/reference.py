"""The reference document (``reference.docx``) that gives every .docx its layout: GB/T 9704-2012
《党政机关公文格式》, built at run time from pandoc's own reference document with python-docx.

Pandoc (and Quarto's docx format) copies styles, page setup, headers and footers from the
reference document, so the layout lives here once. Fonts are the ones the standard names
(方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312, 宋体), set as the east-Asian font (``w:eastAsia``)
so that Word/WPS on an official's machine uses them; the PDF made here maps them to the free
Noto CJK fonts (``fontconfig`` aliases, see :mod:`pipeline.documents.render`).
"""

from __future__ import annotations

import math
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

# GB/T 9704-2012 §5.2: 版心 156 mm × 225 mm; 天头 37 mm, 订口 28 mm; 22 lines of 28 characters.
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
# The standard's font sizes, in points: 2号 22 pt, 3号 16 pt, 4号 14 pt.
SIZE_2HAO, SIZE_3HAO, SIZE_4HAO = 22, 16, 14
FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI = (
    "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体",
)  # fmt: skip
LATIN = "Times New Roman"
MARK_SIZE_PT = 26  # 发文机关标志: the standard leaves the size to the issuer (醒目、美观、庄重)
MARK_FROM_TOP_MM = 35  # §7.2.3: 发文机关标志上边缘至版心上边缘35mm (平行文、下行文)
RED_RULE_BELOW_PT = 11  # §7.2.5: 发文字号之下4mm处印红色分隔线 (4 mm ≈ 11 pt)
PAGE_NUMBER_GAP_MM = 7  # §7.5: 一字线上距版心下边缘7mm
RED = RGBColor(0xFF, 0x00, 0x00)


@dataclass(frozen=True)
class Paper:
    name: str
    width_mm: float
    height_mm: float


A4 = Paper("A4", 210, 297)
A3_LANDSCAPE = Paper("A3 横向", 420, 297)


def line_pitch_twips(paper: Paper) -> int:
    """Exact line height (twips) that puts 22 lines in the type area: A4, 225 mm → 579 twips
    (rounded down: 22 lines of 580 are 0.2 pt taller than the area, and the 22nd moves on)."""
    area = paper.height_mm - MARGINS_MM["top"] - MARGINS_MM["bottom"]
    return math.floor(area / LINES_PER_PAGE / 25.4 * 1440)


def ems(value: str) -> float:
    """Printed width in characters (em) of the 公文 fonts: CJK, full-width and ambiguous-width
    characters (□, ①, —) take one; Latin letters and digits half."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in value)


def condensing_twentieths(paper: Paper) -> int:
    """Character spacing (1/20 pt, negative) that fits 28 characters of 3号 in the type area
    (GB/T 9704 §5.2.2; A4: 156 mm holds 27.6 at 16 pt, so each is condensed by 0.25 pt). Spacing,
    not Word's character grid: LibreOffice lays a grid narrower than the font out two cells a
    character."""
    width_pt = (paper.width_mm - MARGINS_MM["left"] - MARGINS_MM["right"]) / 25.4 * 72
    return math.floor((width_pt / CHARS_PER_LINE - SIZE_3HAO) * 20)


def _fonts(rpr_owner, east_asia: str, latin: str = LATIN) -> None:
    """Set ascii/hAnsi/eastAsia fonts and drop theme fonts (which Word prefers over named ones)."""
    rpr = rpr_owner.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_owner.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for key, value in (
        ("w:ascii", latin),
        ("w:hAnsi", latin),
        ("w:eastAsia", east_asia),
        ("w:cs", latin),
    ):
        fonts.set(qn(key), value)
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        rpr.append(language)
    language.set(qn("w:eastAsia"), "zh-CN")


def _named(document, name: str):
    """The style with this name (python-docx's ``styles[name]`` misses pandoc's 'Caption')."""
    return next((s for s in document.styles if s.name == name), None)


def _style(document, name: str, *, east_asia: str, size: float, bold: bool = False,
           align=None, indent_chars: int = 0, color: RGBColor | None = None,
           pitch: int | None = None, page_break: bool = False, base: str | None = "Normal",
           on_grid: bool = True):  # fmt: skip
    styles = document.styles
    style = _named(document, name)
    if style is None:
        style = styles.add_style(name, 1)  # WD_STYLE_TYPE.PARAGRAPH
        style.quick_style = True
    if base and name != base:
        style.base_style = _named(document, base)
    _fonts(style.element, east_asia)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = color or RGBColor(0, 0, 0)
    paragraph = style.paragraph_format
    paragraph.alignment = align
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(0)
    paragraph.page_break_before = page_break
    if pitch:
        paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph.line_spacing = Pt(pitch / 20)
    else:
        paragraph.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph.first_line_indent = Pt(indent_chars * size) if indent_chars else None  # 首行缩进两字
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:snapToGrid")):
        ppr.remove(old)
    if not on_grid:  # tables and titles are not held to the 22-line grid of the body text
        snap = OxmlElement("w:snapToGrid")
        snap.set(qn("w:val"), "0")
        ppr.insert(0, snap)
    return style


def _keep_punctuation_inside(style) -> None:
    """No punctuation hangs past the 版心 (GB/T 9704 §5.2.1) in Word or WPS: they let a 、 or 。 at a
    line's end hang into the margin unless ``w:overflowPunct`` is off. LibreOffice, which makes
    the PDFs here, does not read the setting and still hangs it (README, 公文: 已知局限)."""
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:overflowPunct")):
        ppr.remove(old)
    overflow = OxmlElement("w:overflowPunct")
    overflow.set(qn("w:val"), "0")
    # CT_PPrBase's order: overflowPunct comes before these
    ppr.insert_element_before(
        overflow, "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
        "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
        "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
        "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
        "w:pPrChange",
    )  # fmt: skip


def _condense(style, twentieths: int) -> None:
    rpr = style.element.find(qn("w:rPr"))
    for old in rpr.findall(qn("w:spacing")):
        rpr.remove(old)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(twentieths))
    size = rpr.find(qn("w:sz"))
    if size is not None:  # schema order: w:spacing comes before w:sz
        size.addprevious(spacing)
    else:
        rpr.append(spacing)


def _border(style, side: str, color: str = "000000", size: int = 8, space_pt: int = 1) -> None:
    ppr = style.element.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    edge = OxmlElement(f"w:{side}")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", str(size)),
        ("w:space", str(space_pt)),
        ("w:color", color),
    ):
        edge.set(qn(key), value)
    borders.append(edge)


def _table_borders(style) -> None:
    """All cell borders on pandoc's ``Table`` style (公文 tables are fully ruled)."""
    tpr = style.element.find(qn("w:tblPr"))
    if tpr is None:
        tpr = OxmlElement("w:tblPr")
        style.element.append(tpr)
    for old in tpr.findall(qn("w:tblBorders")):
        tpr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        for key, value in (
            ("w:val", "single"),
            ("w:sz", "4"),
            ("w:space", "0"),
            ("w:color", "000000"),
        ):
            edge.set(qn(key), value)
        borders.append(edge)
    tpr.append(borders)


def _page_number(paragraph, *, odd: bool) -> None:
    """页码 4号半角宋体 '— 1 —' (GB/T 9704 §7.5): 单页码居右空一字，双页码居左空一字. Page numbers
    need Word's PAGE field; it lives in the footer parts only, never in the body (where submitted
    text goes)."""
    for old in paragraph.runs:  # pandoc's template footer is not ours
        old._element.getparent().remove(old._element)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    layout = paragraph.paragraph_format
    layout.right_indent, layout.left_indent = (
        (Pt(SIZE_4HAO), None) if odd else (None, Pt(SIZE_4HAO))
    )
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = Pt(SIZE_4HAO)

    def run(text: str = ""):
        r = paragraph.add_run(text)
        r.font.size = Pt(SIZE_4HAO)
        _fonts(r._element, SONGTI, SONGTI)
        return r

    run("— ")
    for kind, text in (
        ("begin", None),
        (None, " PAGE "),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        r = run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r._element.append(char)
        elif text == " PAGE ":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = text
            r._element.append(code)
        else:
            r.text = text
    run(" —")


def _stamp_header(paragraph, stamp: str) -> None:
    """The stage and sample marks (征求意见稿 / 审定稿, 样例数据) in the header: on every page."""
    paragraph.text = ""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(stamp)
    run.font.size = Pt(SIZE_4HAO)
    run.font.bold = True
    run.font.color.rgb = RED
    _fonts(run._element, HEITI)


SEAL_LINES = 2  # blank lines above the 署名: the seal's top within one line of the text (§7.3.5.1)


def _signature_styles(document, body: dict, pitch: int, signature: tuple[str, str]) -> None:
    """加盖印章的公文 (§7.3.5.1): 成文日期右空四字; the 发文机关署名 centred over the date, with room
    above it for the seal, which presses on both."""
    name, date = (ems(part) for part in signature)
    signer = _style(document, "发文机关署名", **body, align=WD_ALIGN_PARAGRAPH.RIGHT)
    signer.paragraph_format.right_indent = Pt(SIZE_3HAO * max(0.0, 4 + (date - name) / 2))
    signer.paragraph_format.space_before = Pt(pitch / 20 * SEAL_LINES)
    signer.paragraph_format.keep_with_next = (
        True  # never a 署名 at the foot of a page, its date over the leaf
    )
    dated = _style(document, "成文日期", **body, align=WD_ALIGN_PARAGRAPH.RIGHT)
    dated.paragraph_format.right_indent = Pt(SIZE_3HAO * 4)


# 版记 (§7.4): 4号仿宋; 抄送 左右各空一字, 回行时与冒号后的首字对齐; 印发机关左空一字, 印发日期右空一字.
# render.place_imprint moves these paragraphs into a box at the foot of the last page's type area.
IMPRINT_STYLES = ("抄送机关", "印发机关", "印发日期")
IMPRINT_RULES_EIGHTHS_PT = {"outer": 8, "inner": 6}  # 粗线0.35mm (1 pt), 细线0.25mm (0.75 pt)


def _imprint_styles(document, paper: Paper, pitch: int) -> None:
    one = Pt(SIZE_4HAO)  # 一字 of the 4号 text
    common = {"east_asia": FANGSONG, "size": SIZE_4HAO, "pitch": pitch, "on_grid": False}
    copy_to = _style(document, "抄送机关", **common, align=WD_ALIGN_PARAGRAPH.LEFT)
    copy_to.paragraph_format.left_indent = one * 4  # 一字 + '抄送：'
    copy_to.paragraph_format.first_line_indent = -one * 3
    copy_to.paragraph_format.right_indent = one
    office = _style(document, "印发机关", **common, align=WD_ALIGN_PARAGRAPH.LEFT)
    office.paragraph_format.left_indent = office.paragraph_format.right_indent = one
    width = Mm(paper.width_mm - MARGINS_MM["left"] - MARGINS_MM["right"])
    office.paragraph_format.tab_stops.add_tab_stop(width - one, WD_TAB_ALIGNMENT.RIGHT)
    date = _style(document, "印发日期", **common, align=WD_ALIGN_PARAGRAPH.RIGHT)
    date.paragraph_format.right_indent = one


def pandoc_default_reference(path: Path) -> Path:
    import pypandoc

    subprocess.run(
        [
            pypandoc.get_pandoc_path(),
            "-o",
            str(path),
            "--print-default-data-file",
            "reference.docx",
        ],
        check=True,
    )
    return path


def build_reference(
    path: Path, *, stamp: str, signature: tuple[str, str], paper: Paper = A4
) -> Path:
    """Write the reference document: page setup, styles and the header stamp for one paper size;
    ``signature`` is (发文机关署名, 成文日期) as printed, which the 署名 is centred over."""
    document = docx.Document(str(pandoc_default_reference(path)))
    section = document.sections[0]
    section.orientation = (
        WD_ORIENT.LANDSCAPE if paper.width_mm > paper.height_mm else WD_ORIENT.PORTRAIT
    )
    section.page_width, section.page_height = Mm(paper.width_mm), Mm(paper.height_mm)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    # 页码的一字线上距版心下边缘7mm: the footer's one exact 4号 line ends that far plus a line below it
    section.header_distance = Mm(15)
    section.footer_distance = Mm(MARGINS_MM["bottom"] - PAGE_NUMBER_GAP_MM) - Pt(SIZE_4HAO)
    pitch = line_pitch_twips(paper)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:linePitch"), str(pitch))
    grid.set(qn("w:type"), "lines")
    # odd and even pages differ (页码居右/居左); the marks stay on both
    document.settings.odd_and_even_pages_header_footer = True
    for header in (section.header, section.even_page_header):
        _stamp_header(header.paragraphs[0], stamp)
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)

    defaults = document.styles.element.find(qn("w:docDefaults"))
    _fonts(defaults.find(qn("w:rPrDefault")), FANGSONG)
    body = {"east_asia": FANGSONG, "size": SIZE_3HAO, "pitch": pitch}
    normal = _style(document, "Normal", **body, base=None, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _keep_punctuation_inside(normal)
    _condense(normal, condensing_twentieths(A4))  # every style is based on Normal
    for name in ("Body Text", "First Paragraph"):
        _style(document, name, **body, indent_chars=2, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    # table cells: 五号 (10.5 pt), single-spaced, off the grid
    _style(
        document,
        "Compact",
        east_asia=FANGSONG,
        size=10.5,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        on_grid=False,
    )
    _style(
        document,
        "Title",
        east_asia=XIAOBIAOSONG,
        size=SIZE_2HAO,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        on_grid=False,
    )
    _style(document, "Heading 1", east_asia=HEITI, size=SIZE_3HAO, pitch=pitch, indent_chars=2)
    _style(document, "Heading 2", east_asia=KAITI, size=SIZE_3HAO, pitch=pitch, indent_chars=2)
    _style(
        document,
        "Heading 3",
        east_asia=FANGSONG,
        size=SIZE_3HAO,
        bold=True,
        pitch=pitch,
        indent_chars=2,
    )
    for name in ("Table Caption", "Caption"):
        _style(
            document,
            name,
            east_asia=HEITI,
            size=SIZE_4HAO,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            on_grid=False,
        )
    # 公文 parts as named paragraph styles (pandoc's custom-style), so an editor can restyle them.
    # Their spacing is the standard's, in lines of the grid (版头 §7.2, 主体 §7.3).
    line = Pt(pitch / 20)
    mark = _style(
        document,
        "发文机关标志",
        east_asia=XIAOBIAOSONG,
        size=MARK_SIZE_PT,
        color=RED,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        pitch=MARK_SIZE_PT * 20,  # a line as tall as the characters: its top is theirs
        on_grid=False,
    )
    mark.paragraph_format.space_before = Mm(MARK_FROM_TOP_MM)  # 上边缘至版心上边缘35mm
    number = _style(document, "发文字号", **body, align=WD_ALIGN_PARAGRAPH.CENTER)
    number.paragraph_format.space_before = line * 2  # 发文机关标志下空二行
    number.paragraph_format.space_after = line * 2  # 标题编排于红色分隔线下空二行
    _border(number, "bottom", "FF0000", 18, space_pt=RED_RULE_BELOW_PT)  # 红色分隔线, 版心等宽
    addressee = _style(document, "主送机关", **body)
    addressee.paragraph_format.space_before = line  # 标题下空一行, 居左顶格
    attachment = _style(
        document, "附件标识", east_asia=HEITI, size=SIZE_3HAO, pitch=pitch, page_break=True
    )
    attachment.paragraph_format.space_after = line  # 附件标题居中编排在版心第三行
    _signature_styles(document, body, pitch, signature)
    # 附件说明 (§7.3.4): 正文下空一行左空二字; a long name wraps under its first character
    note = _style(document, "附件说明", **body, align=WD_ALIGN_PARAGRAPH.LEFT)
    note.paragraph_format.left_indent = Pt(SIZE_3HAO * 5)  # 二字 + '附件：'
    note.paragraph_format.first_line_indent = -Pt(SIZE_3HAO * 3)
    note.paragraph_format.space_before = Pt(pitch / 20)
    _style(document, "附件标识", east_asia=HEITI, size=SIZE_3HAO, pitch=pitch, page_break=True)
    _style(
        document,
        "表格说明",
        east_asia=FANGSONG,
        size=12,
        on_grid=False,
        align=WD_ALIGN_PARAGRAPH.LEFT,
    )
    stamp_style = _style(
        document,
        "稿件标识",
        east_asia=HEITI,
        size=SIZE_4HAO,
        color=RED,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    stamp_style.font.bold = True
    _imprint_styles(document, paper, pitch)
    _table_borders(_named(document, "Table"))
    document.save(str(path))
    return path
