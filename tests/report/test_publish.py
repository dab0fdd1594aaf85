"""Rendering of the report (HTML, PDF, Quarto) from the session's end-to-end run (``published``,
in tests/conftest.py); the run itself is tested in tests/runner/test_run.py."""

import os
import re
import shutil
import subprocess

import pandas as pd
import pytest
import yaml

from pipeline.config.regions import all_regions
from pipeline.report import publish as publish_module
from pipeline.report.document import report_stem
from pipeline.report.markup import markdown_table
from pipeline.report.publish import RENDER_DIR, publish, split_front_matter

YEAR = 2024


@pytest.mark.slow
def test_html_is_self_contained_and_names_every_region_and_the_sample(published):
    _, folder = published
    html = (folder / f"{report_stem(YEAR)}.html").read_text(encoding="utf-8")
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)
    assert "<link" not in html and "<script" not in html
    assert all(region.name in html for region in all_regions())
    assert "样例数据，非真实填报" in html
    assert (
        html.count("data:image/png;base64,") == 1 + 4 + 11 + 1
    )  # matrix, 4 progress charts, 11 regions, the score map


@pytest.mark.slow
def test_pdf_embeds_the_cjk_font(published):
    _, folder = published
    pdffonts = shutil.which("pdffonts")
    if pdffonts is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    listing = subprocess.run(
        [pdffonts, str(folder / f"{report_stem(YEAR)}.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cjk = [line for line in listing.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk)  # the "emb" column


def _published_markdown(folder) -> str:
    """What build_markdown returned in the session's run: its title block and body, read back
    from the .qmd it became (publish adds render/front-matter.yml's settings)."""
    meta, body = split_front_matter((folder / f"{report_stem(YEAR)}.qmd").read_text("utf-8"))
    settings = yaml.safe_load((RENDER_DIR / "front-matter.yml").read_text(encoding="utf-8"))
    title_block = {key: value for key, value in meta.items() if key not in settings}
    header = yaml.safe_dump(title_block, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{header}---\n\n{body}"


@pytest.mark.slow
def test_quarto_path_renders_the_same_markdown(published, tmp_path, monkeypatch):
    root, folder = published
    # The document is the session's (building it again would only redraw the same charts).
    markdown = _published_markdown(folder)
    monkeypatch.setattr(publish_module, "build_markdown", lambda inputs, out_dir: markdown)
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    calls = tmp_path / "calls.txt"
    quarto = fake_bin / "quarto"
    # A stand-in for the Quarto CLI: records its arguments and writes the file Quarto would write.
    quarto.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$@" >> {calls}\n'
        'stem="${2%.qmd}"\n'
        'if [ "$4" = html ]; then echo "<html>$(head -c 200 "$2")</html>" > "$stem.html"; else printf "%%PDF-fake" > "$stem.pdf"; fi\n'
    )
    quarto.chmod(0o755)
    out = tmp_path / "out"
    out.mkdir()
    env_path = os.environ["PATH"]
    os.environ["PATH"] = f"{fake_bin}:{env_path}"
    try:
        paths = publish(root / "processed", YEAR, out)
    finally:
        os.environ["PATH"] = env_path
    stem = report_stem(YEAR)
    assert calls.read_text().splitlines() == [
        f"render {stem}.qmd --to html",
        f"render {stem}.qmd --to typst",
    ]
    qmd = (out / f"{stem}.qmd").read_text(encoding="utf-8")
    assert qmd.startswith("---\ntitle: 安康市2024年度就业工作目标责任制考核分析报告\n")
    assert "embed-resources: true" in qmd and "Noto Sans CJK SC" in qmd
    assert "## 一、总体情况" in qmd and "](figures/status-matrix.png)" in qmd
    assert qmd == (folder / f"{stem}.qmd").read_text(encoding="utf-8")  # the fallback's source
    assert [p.exists() for p in paths] == [True, True]


def test_markdown_table_escapes_pipes():
    table = markdown_table(pd.DataFrame({"a": ["x|y"], "b": [1]}))
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 1 |"]


@pytest.mark.slow
def test_each_chart_is_drawn_once_by_its_stage_and_shown_by_the_notebook_and_the_report(published):
    """The region charts and the status matrix are drawn by the county and city stages: the report
    copies the very files (with the sample stamp they carry), and the executed notebooks show them."""
    import base64
    import json

    from pipeline.report.charts import saved_stamp
    from pipeline.report.formatting import SAMPLE_STATUS
    from pipeline.store import catalog

    root, folder = published
    processed = root / "processed"
    drawn = {
        f"region-{r.code}.png": catalog.region_dir(processed, YEAR, r.code)
        / catalog.REGION_PANEL_FILE
        for r in all_regions()
    } | {
        "status-matrix.png": catalog.year_dir(processed, YEAR) / catalog.STATUS_MATRIX_DIR / "1.png"
    }
    for name, path in drawn.items():
        assert (folder / "figures" / name).read_bytes() == path.read_bytes(), name
        assert saved_stamp(path) == SAMPLE_STATUS  # the sample data say so in the picture too

    def shown(notebook: str) -> list[bytes]:
        cells = json.loads((folder / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
        return [
            base64.b64decode(output["data"]["image/png"])
            for cell in cells
            for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})
        ]

    assert shown("20_county-610902.ipynb") == [drawn["region-610902.png"].read_bytes()]
    assert shown("30_city.ipynb") == [
        drawn["region-610900.png"].read_bytes(),
        drawn["status-matrix.png"].read_bytes(),
    ]
