"""Fast checks of the rendering pieces (no pipeline run): column widths, the sanitiser, the PDF
renderer's refusal to fetch anything, how Quarto is found, and the front matter."""

from __future__ import annotations

import urllib.request

import pandas as pd

from pipeline.report import markup, publish


def test_column_widths_keep_numbers_and_short_names_whole():
    frame = pd.DataFrame(
        {
            "地区": ["安康市", "汉滨区"],
            "80%预测区间": ["97,752–102,859", "1–2"],
            "说明": ["全市预测为十个县区模拟路径之和" * 3, ""],
        }
    )
    widths = markup.column_widths(frame)
    assert 99 <= sum(widths) <= 103
    # each column gets at least the room its longest unbreakable cell needs (in percent)
    for width, column in zip(widths, frame.columns, strict=True):
        needed = max(markup._unbreakable_units(v) for v in [column, *frame[column]])
        assert width >= 100 * (needed + markup.CELL_PADDING) / markup.TEXT_UNITS - 1
    table = markup.table(frame, label="tbl-x", caption="c", widths=[1, 1, 6])
    assert 'tbl-colwidths="[' in table.splitlines()[-1] and ".wide" not in table


def test_a_table_too_wide_for_the_page_is_marked_wide():
    frame = pd.DataFrame({f"列{i}": ["12,345,678–23,456,789"] for i in range(8)})
    table = markup.table(frame, label="tbl-w", caption="c")
    assert table.startswith("::: {.wide}\n| ") and table.endswith("}\n:::")


def test_sanitize_keeps_the_report_constructs_and_drops_live_markup():
    html = (
        '<table id="tbl-a" class="report-table"><colgroup><col style="width: 10%"></colgroup>'
        '<tr><td><span class="nowrap">1</span></td></tr></table>'
        '<script>alert(1)</script><img src="http://x/y.png" onerror="alert(2)">'
        '<a href="javascript:alert(3)">x</a><a href="#sec">ok</a><iframe src="x"></iframe>'
    )
    clean = publish.sanitize(html)
    assert '<col style="width: 10%">' in clean and 'class="nowrap"' in clean
    assert 'href="#sec"' in clean
    for bad in ("<script", "onerror", "javascript:", "http://", "<iframe"):
        assert bad not in clean


def test_the_pdf_renderer_fetches_nothing(tmp_path, monkeypatch):
    opened = []

    def spy(self, request, *args, **kwargs):
        opened.append(getattr(request, "full_url", request))
        raise OSError("network refused in tests")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", spy)
    html = (
        '<html><body><p>x</p><img src="http://127.0.0.1:9/a.png">'
        '<img src="file:///etc/hostname"><link rel="stylesheet" href="https://127.0.0.1:9/a.css">'
        '<div style="background: url(http://127.0.0.1:9/b.png)">y</div></body></html>'
    )
    publish.render_pdf(html, tmp_path / "x.pdf", tmp_path)
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
    assert opened == []


def test_charts_are_inlined_from_the_figures_folder_only(tmp_path):
    """A page names its charts as figures/…png; printing or writing it inlines those files, and
    nothing outside the report's figures folder (a link out of it reads as an empty image)."""
    import base64

    from pipeline.report.pdf_parts import inline_figures

    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "a.png").write_bytes(b"PNG-a")
    (tmp_path / "secret.png").write_bytes(b"secret")
    (tmp_path / "figures" / "out.png").symlink_to(tmp_path / "secret.png")
    page = '<img src="figures/a.png"><img src="figures/out.png"><img src="figures/none.png">'
    data = base64.b64encode(b"PNG-a").decode()
    assert inline_figures(page, tmp_path) == (
        f'<img src="data:image/png;base64,{data}"><img src=""><img src="">'
    )


def test_quarto_is_found_through_quarto_path_first(tmp_path, monkeypatch):
    fake = tmp_path / "my-quarto"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("QUARTO_PATH", str(fake))
    assert publish.find_quarto() == str(fake)
    monkeypatch.delenv("QUARTO_PATH")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert publish.find_quarto() is None


def test_front_matter_sets_what_the_reader_needs():
    meta = publish.front_matter({"title": "T", "date": "2026-01-01", "subtitle": "S"})
    assert list(meta)[:3] == ["title", "subtitle", "date"]
    assert meta["lang"] == "zh-CN" and meta["toc"] is True
    assert meta["format"]["typst"]["papersize"] == "a4"
    assert meta["format"]["html"]["embed-resources"] is True
    assert meta["format"]["html"]["format-links"] is False
    assert "raw_html" in meta["from"]
