"""One character cannot block the year (issue 18): every text that reaches either renderer passes
document.text(), which shows control and format characters by code point and keeps quotes and
hyphens as typed."""

import os
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.report.markup import text

QUARTO = Path("/opt/quarto/quarto-1.7.34/bin/quarto")
HOSTILE_NAME = '完成情况\u202e=1+1\u200b "报表".xlsx'


@given(value=st.text(max_size=30))
def test_no_control_or_format_character_survives(value):
    # the one format character in the output is the break opportunity text() itself inserts
    from pipeline.report.markup import BREAK

    shown = text(value).replace(BREAK, "")
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in shown)


def test_bidi_override_is_named_and_quotes_are_escaped():
    out = text(HOSTILE_NAME)
    assert "\\[U\\+202E\\]" in out and "\\[U\\+200B\\]" in out
    assert '\\"报表\\"' in out and "\u202e" not in out


def _qmd(folder: Path) -> Path:
    path = folder / "t.qmd"
    body = f"工作表 {text(HOSTILE_NAME)} 与 {text(chr(0x202E) + 'abc')}\n\n| 文件 | 值 |\n|---|---|\n| {text('工作表' + chr(0x202E) + 'abc')} | 1 |\n"
    path.write_text(f"---\ntitle: t\n---\n\n{body}", encoding="utf-8")
    return path


@pytest.mark.skipif(not QUARTO.exists(), reason="Quarto 1.7.34 is not unpacked at /opt/quarto")
def test_a_bidi_override_in_a_sheet_name_does_not_stop_quarto_typst(tmp_path):
    _quarto_typst(_qmd(tmp_path))
    assert (tmp_path / "t.pdf").stat().st_size > 0


def _quarto_typst(source: Path) -> None:
    env = {**os.environ, "PATH": f"{QUARTO.parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        [str(QUARTO), "render", source.name, "--to", "typst"],
        cwd=source.parent, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


def test_straight_quotes_and_hyphens_stay_as_typed_through_pandoc():
    import pypandoc  # the fallback renderer's pandoc (pypandoc-binary), Quarto's Markdown reader

    html = pypandoc.convert_text(text('文件 "a.xlsx" it\'s 2--3'), "html", format="markdown")
    assert '"a.xlsx"' in html.replace("&quot;", '"') and "2--3" in html and "it's" in html
    assert "“" not in html and "–" not in html and "’" not in html


LONG_LETTERS = "A" * 3000  # 3,000 characters without a break opportunity, as a header or file name
LONG_HANZI = "城镇新增就业人数" * 375


def test_a_long_unbroken_text_gets_break_opportunities_and_a_table_cell_is_bounded():
    from pipeline.report.markup import BREAK, CELL_CHARACTERS, WRAP_RUN

    wrapped = text(LONG_LETTERS)
    assert max(len(run) for run in wrapped.split(BREAK)) == WRAP_RUN
    assert wrapped.replace(BREAK, "") == LONG_LETTERS  # nothing lost outside a table
    assert BREAK not in text("ankang-employment-2024.r2.xlsx")  # real names stay whole
    cell = text(LONG_HANZI, CELL_CHARACTERS)
    assert cell.startswith(LONG_HANZI[:CELL_CHARACTERS])
    assert f"共{len(LONG_HANZI)}字，此处只显示前{CELL_CHARACTERS}字" in cell


def _long_text_document(folder: Path) -> Path:
    """The report's own front matter and assets, one paragraph and one table holding the texts."""
    import pandas as pd

    from pipeline.report.markup import table
    from pipeline.report.publish import write_document

    frame = pd.DataFrame({"文件": [LONG_LETTERS, LONG_HANZI], "说明": [LONG_HANZI, LONG_LETTERS]})
    body = (
        f"未识别的表头：{text(LONG_LETTERS)}\n\n{table(frame, label='tbl-long', caption='长文本')}"
    )
    qmd, _, _ = write_document(
        f"---\ntitle: t\nauthor: 测试\nsample-status: 测试\ndate: 2025-01-01\n---\n\n{body}\n",
        folder,
        "t",
    )
    return qmd


def _right_edge_within_the_page(pdf: Path) -> None:
    import re
    import shutil

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext 未安装（poppler-utils）")
    layout = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', layout)[1])
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', layout))
    assert right <= width, (right, width)
    assert "AAAA" in layout and "城镇新增就业人数" in layout


def test_a_3000_character_text_stays_on_the_page_in_the_fallback(tmp_path):
    from pipeline.report.publish import render_fallback, split_front_matter

    qmd = _long_text_document(tmp_path)
    meta, body = split_front_matter(qmd.read_text(encoding="utf-8"))
    _, pdf = render_fallback(body, meta, tmp_path, "t")
    _right_edge_within_the_page(pdf)


@pytest.mark.skipif(not QUARTO.exists(), reason="Quarto 1.7.34 is not unpacked at /opt/quarto")
def test_a_3000_character_text_stays_on_the_page_in_quarto_typst(tmp_path):
    _quarto_typst(_long_text_document(tmp_path))
    _right_edge_within_the_page(tmp_path / "t.pdf")
