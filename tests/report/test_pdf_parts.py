"""The fallback's PDF printed in parts (pipeline/report/pdf_parts.py) is the PDF printed whole:
the same pages with the same text (page numbers, contents' numbers, headers and the sample-data
line included), the same bookmarks, named destinations and links."""

import base64
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from pipeline.report import pdf_parts
from pipeline.report.pdf_parts import PAGE_BREAK, PartsError

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext 未安装（poppler-utils）"
)


def _chart(folder: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3))
    axes.plot([1, 2, 3], [3, 1, 2])
    (folder / "figures").mkdir(exist_ok=True)
    figure.savefig(folder / "figures" / "c.png", dpi=60)
    plt.close(figure)
    return "![曲线](figures/c.png)"


def _body(folder: Path) -> str:
    """Chapters of prose and a long table, then a region chapter with a page break before each
    region, as the report has; a link from a region back to a chapter in another part."""
    rows = "\n".join(f"| 地区{i} | {i * 37} | {i % 7}.5% |" for i in range(90))
    table = f"| 地区 | 人数 | 比率 |\n|---|---:|---:|\n{rows}\n\n: 长表 {{#tbl-long}}\n"
    regions = "\n\n".join(
        f"::: {{.page-break}}\n:::\n\n### 地区{i}（7000{i:02d}）\n\n"
        + ("正文段落。" * 40 + "\n\n") * (1 + i % 3)
        + (_chart(folder) + f"{{#fig-c{i}}}" if i % 4 == 0 else "")
        + ("\n\n见[一、总体情况](#一总体情况)。" if i == 5 else "")
        for i in range(12)
    )
    return (
        "## 一、总体情况\n\n" + "说明文字。" * 200 + "\n\n### 全市\n\n" + table
        + "\n## 二、任务\n\n::: {.callout-note}\n## 说明\n\n样例。\n:::\n\n"
        + f"::: {{.page-break}}\n:::\n\n## 三、各县区详情\n\n{regions}\n\n"
        + "## 附录一　数据质量说明\n\n没有问题。\n"
    )  # fmt: skip


def _pages_text(pdf: Path) -> list[list[str]]:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        sorted(" ".join(line.split()) for line in page.splitlines() if line.strip())
        for page in out.split("\f")
    ]


def _outline(pdf: pikepdf.Pdf) -> list[tuple]:
    found = []
    with pdf.open_outline() as outline:

        def walk(items, level):
            for item in items:
                target = item.destination
                page = pikepdf.Page(target[0]).index
                found.append((level, item.title, page, round(float(target[3]), 1), item.is_closed))
                walk(item.children, level + 1)

        walk(outline.root, 1)
    return found


def _destinations(pdf: pikepdf.Pdf) -> dict:
    tree = pikepdf.NameTree(pdf.Root.Names.Dests)
    return {
        name: (
            pikepdf.Page(target[0]).index,
            round(float(target[2]), 1),
            round(float(target[3]), 1),
        )
        for name, target in tree.items()
    }


def _links(pdf: pikepdf.Pdf) -> list[list[tuple]]:
    return [
        [
            (str(link.get("/Dest")), tuple(round(float(x), 1) for x in link.Rect))
            for link in page.obj.get("/Annots", [])
        ]
        for page in pdf.pages
    ]


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    from pipeline.report.publish import (
        render_fallback,
        render_html,
        render_pdf,
        report_page,
        split_front_matter,
        write_document,
    )

    folder = tmp_path_factory.mktemp("parts")
    qmd, _, _ = write_document(
        "---\ntitle: 分部打印测试\nauthor: 测试\nsample-status: 样例数据，非真实填报\n"
        f"date: 2025-01-01\n---\n\n{_body(folder)}",
        folder,
        "t",
    )
    meta, body = split_front_matter(qmd.read_text(encoding="utf-8"))
    with pytest.MonkeyPatch.context() as patch:  # parts of a few pages each, as at 200 regions
        patch.setattr(pdf_parts, "PART_COST", 2000)
        _, parts = render_fallback(body, meta, folder, "t", processes=2)
    printer, toc, content = report_page(body, meta, folder)
    whole = folder / "whole.pdf"
    render_pdf(printer.page(True, toc, content, "", ""), whole, folder)
    # the HTML written a chapter at a time is the page rendered whole, its charts inlined
    html = render_html(body, meta, folder)
    assert (folder / "t.html").read_text(encoding="utf-8") == html
    assert 'src="data:image/png;base64,' in html
    return whole, parts, content


def test_the_parts_are_cut_at_the_page_breaks(printed):
    _, _, content = printed
    assert content.count(PAGE_BREAK) == 13
    parts = pdf_parts.split_body(content, processes=8)
    assert parts == [content]  # a small report is printed whole
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_parts, "PART_COST", 1)  # every page break starts a part
        parts = pdf_parts.split_body(content, processes=10_000)
    assert "".join(parts) == content and len(parts) == 14
    assert all(part.startswith(PAGE_BREAK) for part in parts[1:])


def test_every_page_reads_as_in_the_whole_pdf(printed):
    whole, parts, _ = printed
    expected, got = _pages_text(whole), _pages_text(parts)
    assert len(got) == len(expected) > 14
    for number, (want, have) in enumerate(zip(expected, got, strict=True), 1):
        assert have == want, f"第 {number} 页不同：{set(want) ^ set(have)}"
    total = len(expected) - 1  # pdftotext ends with a form feed
    assert any(f"{total} / {total}" in line for line in got[-2])
    assert all(any("样例数据，非真实填报" in line for line in page) for page in got[:-1])


def test_bookmarks_destinations_and_links_are_those_of_the_whole_pdf(printed):
    whole, parts = (pikepdf.open(path) for path in printed[:2])
    assert _outline(parts) == _outline(whole)
    assert [item[1] for item in _outline(parts)][:3] == ["分部打印测试", "目录", "一、总体情况"]
    assert _destinations(parts) == _destinations(whole)
    assert _links(parts) == _links(whole)
    assert sum(map(len, _links(parts))) > 20  # the contents' entries and the region's link


def test_the_parts_run_in_this_process_too(printed, tmp_path):
    from pipeline.report.publish import render_fallback, split_front_matter

    qmd = printed[1].with_suffix(".qmd")
    meta, body = split_front_matter(qmd.read_text(encoding="utf-8"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_parts, "PART_COST", 2000)
        _, alone = render_fallback(body, meta, qmd.parent, "alone", processes=1)
    assert _pages_text(alone) == _pages_text(printed[1])


def test_a_placeholder_anchor_goes_inside_the_page_break():
    fragment = PAGE_BREAK + "</div><h3 id='x'>x</h3>"
    placed = pdf_parts.with_anchors(fragment, {"a&b"})
    assert placed.startswith(PAGE_BREAK + '<div class="part-anchor" id="a&amp;b"></div>')
    assert pdf_parts.with_anchors("<p>x</p>", set()) == "<p>x</p>"


def test_contents_numbers_are_written_as_text():
    toc = '<ul><li><a href="#一" id="toc-一">一</a></li><li><a href="#二">二</a></li></ul>'
    assert 'data-page="7"' in pdf_parts.numbered_toc(toc, {"一": 7, "二": 9})
    assert pdf_parts.numbered_toc(toc, None).count('data-page="000"') == 2


def test_a_heading_without_an_id_is_refused():
    with pytest.raises(PartsError, match="没有 id"):
        pdf_parts.headings("<h2>无名</h2>")
    assert pdf_parts.headings('<h2 id="a">附录一\u3000 说明\n</h2>')[0].title == "附录一\u3000 说明"


def test_a_worker_that_fails_says_why(tmp_path):
    with pdf_parts._Workers(2, tmp_path, tmp_path) as workers:
        assert workers.submit("<p>x</p>").result().pages == 1  # a worker prints
        broken = workers._threads.submit(workers._print, tmp_path / "missing.html")
        with pytest.raises(PartsError, match="(?s)失败.*FileNotFoundError"):
            broken.result()


def test_a_chart_costs_a_fixed_amount_not_its_data():
    data = base64.b64encode(b"x" * 30000).decode()
    assert pdf_parts.cost(f'<img src="data:image/png;base64,{data}">') < 3000


def _pixels(pdf: Path, folder: Path) -> list:
    import numpy as np
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(folder / "p")], check=True)
    return [np.asarray(Image.open(page), dtype=int) for page in sorted(folder.glob("p-*.pgm"))]


def test_every_page_looks_as_in_the_whole_pdf(printed, tmp_path):
    # the text test cannot see a margin overlay that paints over the page: the pictures can
    whole, parts, _ = printed
    (tmp_path / "whole").mkdir()
    (tmp_path / "parts").mkdir()
    expected, got = _pixels(whole, tmp_path / "whole"), _pixels(parts, tmp_path / "parts")
    assert len(got) == len(expected)
    for number, (want, have) in enumerate(zip(expected, got, strict=True), 1):
        ink, differ = (want < 128).sum(), (abs(want - have) > 64).sum()
        assert differ <= 0.05 * ink, (
            f"第 {number} 页与整份打印的图像不同：{differ} 个像素（共 {ink} 个深色像素）"
        )
