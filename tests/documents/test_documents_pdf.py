"""PDF made by LibreOffice from the .docx: A4 / A3 landscape, the marks on every page, the 领导摘要
on one page, and a picture of each page for a person to look at (pdftoppm -r 70)."""

from __future__ import annotations

import re
import subprocess

import pytest


def _pdf(built, prefix: str):
    return next(p for p in built.pdf if p.name.startswith(prefix))


def _info(path) -> dict[str, str]:
    lines = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return {
        k.strip(): v.strip()
        for k, v in (line.split(":", 1) for line in lines.splitlines() if ":" in line)
    }


def _page_text(path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


@pytest.mark.parametrize("prefix, size, one_page", [
    ("01-考核结果通报", "595.304 x 841.89 pts (A4)", False),
    ("02-考核结果告知书-2024-610902", "595.304 x 841.89 pts (A4)", False),
    ("05-领导摘要", "595.304 x 841.89 pts (A4)", True),
    ("06-考核结果汇总表", "1190.55 x 841.89 pts (A3)", False),
])  # fmt: skip
def test_pdf_pages_carry_the_marks(built, pdf_tools, tmp_path, prefix, size, one_page):
    path = _pdf(built, prefix)
    info = _info(path)
    assert info["Page size"] == size
    pages = int(info["Pages"])
    assert pages == 1 if one_page else pages >= 1
    for page in range(1, pages + 1):
        text = _page_text(path, page)
        assert "征求意见稿" in text and "样例数据" in text, f"{path.name} 第{page}页"
        assert re.search(rf"—\s*{page}\s*—", text), f"{path.name} 第{page}页的页码"
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(path), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == pages


def test_pdf_embeds_the_free_cjk_fonts(built, pdf_tools):
    fonts = subprocess.run(
        ["pdffonts", str(_pdf(built, "01-"))], capture_output=True, text=True, check=True
    ).stdout
    assert "NotoSerifCJK" in fonts.replace(" ", "") and "NotoSansCJK" in fonts.replace(" ", "")
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded


def test_pdf_in_batches_gives_every_document(built, pdf_tools, tmp_path):
    """LibreOffice runs at most SOFFICE_BATCH documents (its memory grows with each): three
    documents in runs of two give three PDFs, page for page the text of the PDFs of one run."""
    from pipeline.documents.render import to_pdf

    docx_files = sorted(built.docx)[:3]
    pdfs = to_pdf(docx_files, tmp_path, batch=2)
    assert [p.stem for p in pdfs] == [d.stem for d in docx_files]
    for pdf in pdfs:
        whole = next(p for p in built.pdf if p.stem == pdf.stem)
        assert _info(pdf)["Pages"] == _info(whole)["Pages"]
        assert _page_text(pdf, 1) == _page_text(whole, 1)
