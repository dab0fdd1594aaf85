"""What each renderer produces, checked on the files: offline HTML, embedded CJK fonts, names on
one line, comparable page counts, table cells that never break."""

from __future__ import annotations

import re

import pytest

from pipeline.config.indicators import indicators
from pipeline.config.regions import all_regions
from pipeline.report import markup

REMOTE_REF = re.compile(
    r"<(script|link|img|iframe|source|video|audio|embed|object)\b[^>]*\b(src|href|data)\s*=\s*"
    r"[\"']?\s*(https?:|//|file:)",
    re.IGNORECASE,
)
CSS_REMOTE = re.compile(r"(@import|url\()\s*[\"']?\s*(https?:|//)", re.IGNORECASE)


def test_html_loads_nothing_from_the_network(rendered):
    html = rendered["html"].read_text(encoding="utf-8")
    assert not REMOTE_REF.search(html)
    assert not CSS_REMOTE.search(html)


def test_pdf_embeds_every_font_with_a_cjk_font(rendered, poppler):
    listing = poppler("pdffonts", str(rendered["pdf"])).splitlines()[2:]
    assert listing, "no fonts listed"
    assert all(line.split()[-5] == "yes" for line in listing), "\n".join(listing)
    assert any("CJK" in line for line in listing)


def test_pdf_has_every_region_and_indicator_on_one_line(rendered, poppler):
    text = poppler("pdftotext", "-layout", str(rendered["pdf"]), "-")
    lines = text.splitlines()
    names = [r.name for r in all_regions()] + [i.short_name for i in indicators()]
    missing = [name for name in names if not any(name in line for line in lines)]
    assert not missing


def _cells(qmd: str) -> list[str]:
    """The cells of every table in the document (as the reader sees them, escapes removed)."""
    cells = []
    for line in qmd.splitlines():
        if line.startswith("| ") and not set(line) <= set("|- "):
            for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1]):
                cells.append(re.sub(r"\\(.)", r"\1", cell.strip()).replace("&amp;", "&"))
    return cells


def test_table_cells_that_must_stay_whole_do_in_the_pdf(rendered, poppler):
    """A number, status or name of up to 8 characters appears whole in the PDF's text as often as
    it stands as a whole cell in the tables (a cell broken over two lines would not)."""
    # Typst sets "-" before a digit as a minus sign (U+2212)
    text = poppler("pdftotext", "-layout", str(rendered["pdf"]), "-").replace("\u2212", "-")
    whole = [
        cell
        for cell in _cells(rendered["qmd"].read_text(encoding="utf-8").replace("\u2212", "-"))
        if cell
        and markup._unbreakable_units(cell) == markup._units(cell)
        and (len(cell) <= 8 or markup._NUMBER_LIKE.match(cell))
    ]
    assert len(whole) > 500
    broken = sorted({c for c in whole if text.count(c) < whole.count(c)})
    assert not broken, broken[:20]


def test_every_printed_page_says_the_data_are_sample(rendered, poppler):
    pages = poppler("pdftotext", str(rendered["pdf"]), "-").split("\f")
    printed = [page for page in pages if page.strip()]
    assert len(printed) > 5
    assert all("样例数据，非真实填报" in page for page in printed)


def test_page_counts_are_comparable(fallback_out, quarto_out, poppler):
    def pages(path) -> int:
        return int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", str(path)))[1])

    fallback, quarto = pages(fallback_out["pdf"]), pages(quarto_out["pdf"])
    assert fallback <= 1.3 * quarto and quarto <= 1.3 * fallback, (fallback, quarto)


def test_the_source_is_a_quarto_document_beside_the_outputs(rendered):
    qmd = rendered["qmd"].read_text(encoding="utf-8")
    assert qmd.startswith("---\ntitle: 安康市2024年度就业工作目标责任制考核分析报告\n")
    for option in ("lang: zh-CN", "toc: true", "papersize: a4", "mainfont: Noto Sans CJK SC"):
        assert option in qmd
    assert "tbl-colwidths=" in qmd and "{#fig-status-matrix" in qmd
    assert (rendered["dir"] / "_render" / "report.lua").exists()
    for path in (rendered["html"], rendered["pdf"]):
        assert path.stat().st_mtime >= rendered["qmd"].stat().st_mtime - 1


def test_hostile_text_stays_text_in_the_html(rendered):
    html = rendered["html"].read_text(encoding="utf-8")
    for needle in ("alert('xss", "onerror=alert", "javascript:alert", "127.0.0.1"):
        for match in re.finditer(re.escape(needle), html):
            before = html[max(0, match.start() - 300) : match.start()]
            assert before.rfind("<") < before.rfind(">") or "&lt;" in before[-40:], (
                f"live markup near: {html[match.start() - 80 : match.end() + 40]}"
            )
    assert "<iframe" not in html.lower()


def test_quarto_missing_is_a_one_line_error(monkeypatch, tmp_path):
    from pipeline.__main__ import main

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("QUARTO_PATH", raising=False)
    with pytest.raises(RuntimeError) as caught:
        from pipeline.report.publish import publish_report

        publish_report(tmp_path, 2024, tmp_path, use_quarto=True)
    message = str(caught.value)
    assert "\n" not in message and "quarto.org" in message
    assert main  # the CLI prints it as "错误：…" (pipeline/__main__.py)
