"""Publish the annual assessment report (Chinese): HTML for the offline intranet and PDF for print.

The report text is one Markdown document built from the processed data. With ``quarto`` on PATH it
is rendered by Quarto; otherwise by the fallback: python-markdown to HTML with every chart and style
inlined (nothing is loaded from the network), and WeasyPrint from that HTML to a PDF with the CJK
font embedded.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import markdown
from jinja2 import Environment, PackageLoader, StrictUndefined

from pipeline.report import ReportInputs, build_markdown, report_stem

_environment = Environment(loader=PackageLoader("pipeline"), undefined=StrictUndefined)

_IMG_SRC = re.compile(r'src="(figures/[^"]+\.png)"')


def render_html(markdown_text: str, out_dir: Path, title: str) -> str:
    """Self-contained HTML: styles inline and every chart as a data: URI."""
    body = markdown.markdown(markdown_text, extensions=["tables", "sane_lists"])

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode((out_dir / match[1]).read_bytes()).decode("ascii")
        return f'src="data:image/png;base64,{data}"'

    body = _IMG_SRC.sub(inline, body)
    return _environment.get_template("report.html.j2").render(title=title, body=body)


def render_pdf(html_text: str, pdf_path: Path) -> None:
    from weasyprint import HTML  # imported here: loading Pango is slow and only the PDF needs it

    HTML(string=html_text).write_pdf(pdf_path)


QMD_FRONT_MATTER = """---
title: "{title}"
lang: zh-CN
format:
  html:
    embed-resources: true
    toc: true
  typst:
    mainfont: "Noto Sans CJK SC"
    toc: true
---

"""


def render_with_quarto(
    markdown_text: str, out_dir: Path, stem: str, title: str, quarto: str
) -> None:
    """Render the same Markdown with Quarto: HTML (embedded resources) and PDF (Typst)."""
    body = markdown_text.split("\n", 1)[1]  # the title goes in the front matter
    qmd = out_dir / f"{stem}.qmd"
    qmd.write_text(QMD_FRONT_MATTER.format(title=title) + body, encoding="utf-8")
    for target in ("html", "typst"):
        subprocess.run([quarto, "render", qmd.name, "--to", target], cwd=out_dir, check=True)


def publish(
    processed_dir: Path, year: int, out_dir: Path, use_quarto: bool | None = None
) -> list[Path]:
    """Write the report files into ``out_dir`` and return their paths.

    ``use_quarto`` None means: Quarto when it is on PATH, the fallback otherwise."""
    inputs = ReportInputs.load(processed_dir, year)
    stem = report_stem(year)
    markdown_text = build_markdown(inputs, out_dir)
    (out_dir / f"{stem}.md").write_text(markdown_text, encoding="utf-8")
    title = markdown_text.splitlines()[0].lstrip("# ").strip()
    quarto = shutil.which("quarto")
    if use_quarto is None:
        use_quarto = quarto is not None
    if use_quarto:
        if quarto is None:
            raise FileNotFoundError("要求用 Quarto 渲染，但 PATH 中没有 quarto")
        render_with_quarto(markdown_text, out_dir, stem, title, quarto)
    else:
        html_text = render_html(markdown_text, out_dir, title)
        (out_dir / f"{stem}.html").write_text(html_text, encoding="utf-8")
        render_pdf(html_text, out_dir / f"{stem}.pdf")
    return [out_dir / f"{stem}.html", out_dir / f"{stem}.pdf"]
