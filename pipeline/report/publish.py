"""Publish the annual assessment report (Chinese): HTML for the offline intranet and PDF for print.

The report's source is one Quarto document, ``reports/<year>/<stem>.qmd``: front matter (title
block, language, fonts, table of contents, page size and margins; ``render/front-matter.yml``) and
the body built from the processed data (``pipeline/report/document.py``). Beside it, ``_render/`` holds the
assets it names (a Lua filter, the CSS, the Typst page design), so an analyst can edit the ``.qmd``
and run ``quarto render`` on it without re-running the analysis.

Two renderers read that same document:

* **Quarto** (``quarto`` on PATH, or ``QUARTO_PATH``): HTML with embedded resources, PDF via Typst.
* **The fallback** (no Quarto): pandoc — the Markdown reader Quarto itself uses, from the
  ``pypandoc-binary`` wheel — with ``render/fallback.lua`` standing in for Quarto's callouts and
  cross-references; the HTML is sanitised (nh3), every chart inlined; WeasyPrint prints it to PDF
  and may fetch nothing but ``data:`` URLs — a large report in parts on every core, cut at its
  page breaks and joined (``pdf_parts.py``). Its time grows with the pages' content (table cells,
  lines, charts), not with the stylesheet: the CSS variants measured (docs/architecture.md, 报告 PDF
  的耗时) made no difference, so ``render/report.css`` stays as the page design needs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import nh3
import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from pipeline.intake.forms import write_blank_forms
from pipeline.report.document import build_markdown, report_stem
from pipeline.report.inputs import ReportInputs
from pipeline.report.pdf_parts import (
    PAGE_BREAK,
    PagePrinter,
    inline_figures,
    print_in_parts,
    print_part,
)
from pipeline.store import catalog
from pipeline.store.atomic import write_json_atomically

RENDER_DIR = Path(__file__).parent / "render"
ASSET_DIR = "_render"  # beside the .qmd in reports/<year>/
ASSETS = ("report.lua", "report.css", "typst-template.typ", "typst-show.typ")
QUARTO_INSTALL_HINT = "安装 Quarto：https://quarto.org/docs/get-started/ （或设置 QUARTO_PATH 指向 quarto 可执行文件）"

_environment = Environment(
    loader=PackageLoader("pipeline.report"), undefined=StrictUndefined, autoescape=True
)

# What the fallback's HTML may contain: pandoc's output for the report's constructs, nothing else.
_ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "col",
    "colgroup",
    "div",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}  # fmt: skip  (a table of tag names, not one per line)
_ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "role", "aria-label", "aria-hidden"},
    "a": {"href"},
    "img": {"src", "alt"},
    "col": {"style"},
}


class QuartoError(RuntimeError):
    """Quarto was asked for and is missing, or it failed / wrote no fresh output."""


@dataclass(frozen=True)
class Published:
    renderer: str  # Quarto (with its path) or the fallback
    paths: list[Path]  # the HTML and the PDF
    source: Path  # the .qmd they were rendered from


def find_quarto() -> str | None:
    """The Quarto CLI: ``QUARTO_PATH`` if set (as the ``quarto`` Python package does), else PATH."""
    configured = os.environ.get("QUARTO_PATH")
    if configured:
        return configured if Path(configured).is_file() else shutil.which(configured)
    return shutil.which("quarto")


# --- the document --------------------------------------------------------------------------------


def split_front_matter(markdown_text: str) -> tuple[dict, str]:
    """The YAML front matter (as a dict) and the body of a ``---``-delimited document."""
    if not markdown_text.startswith("---\n"):
        return {}, markdown_text
    header, body = markdown_text[4:].split("\n---\n", 1)
    return yaml.safe_load(header) or {}, body.lstrip("\n")


def front_matter(title_block: dict) -> dict:
    """The report's front matter: the title block first, then ``render/front-matter.yml``."""
    settings = yaml.safe_load((RENDER_DIR / "front-matter.yml").read_text(encoding="utf-8"))
    order = ("title", "subtitle", "author", "date")
    first = {key: title_block[key] for key in order if key in title_block}
    return {**first, **title_block, **settings}


def write_document(markdown_text: str, out_dir: Path, stem: str) -> tuple[Path, dict, str]:
    """Write ``<stem>.qmd`` and its ``_render/`` assets; return the path, front matter and body."""
    title_block, body = split_front_matter(markdown_text)
    meta = front_matter(title_block)
    assets = out_dir / ASSET_DIR
    assets.mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        shutil.copyfile(RENDER_DIR / name, assets / name)
    # The title block, then the settings as written in front-matter.yml (its comments explain
    # each option to whoever edits the .qmd); the keys do not overlap, so this is one mapping.
    titles = {key: value for key, value in meta.items() if key in title_block}
    header = yaml.safe_dump(titles, allow_unicode=True, sort_keys=False, width=1000)
    settings = (RENDER_DIR / "front-matter.yml").read_text(encoding="utf-8")
    settings = "\n".join(line for line in settings.splitlines() if not line.startswith("# "))
    text = f"---\n{header}{settings.strip()}\n---\n\n{body}"
    if split_front_matter(text)[0] != meta:  # the .qmd must say exactly what the fallback reads
        raise ValueError("front matter: title block and render/front-matter.yml overlap")
    qmd = out_dir / f"{stem}.qmd"
    qmd.write_text(text, encoding="utf-8")
    return qmd, meta, body


# --- Quarto --------------------------------------------------------------------------------------


def render_with_quarto(qmd: Path, quarto: str) -> list[Path]:
    """``quarto render`` the document to HTML and to PDF (Typst). The CLI is called directly (not
    through the ``quarto`` Python package, whose ``render()`` ignores the exit code) and each
    output must exist and be newer than the call."""
    outputs = []
    for target, suffix in (("html", ".html"), ("typst", ".pdf")):
        output = qmd.with_suffix(suffix)
        started = time.time()
        done = subprocess.run(
            [quarto, "render", qmd.name, "--to", target],
            cwd=qmd.parent,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            raise QuartoError(
                f"quarto render --to {target} 失败（退出码 {done.returncode}）：\n{tail}"
            )
        if not output.exists() or output.stat().st_mtime < started - 1:
            raise QuartoError(f"quarto render --to {target} 没有写出新的 {output.name}")
        outputs.append(output)
    return outputs


# --- the fallback --------------------------------------------------------------------------------


def _pandoc_html(body: str, meta: dict) -> tuple[str, str]:
    """The body and the table of contents as HTML, read by pandoc as Quarto reads them."""
    import pypandoc

    options = meta.get("crossref", {})
    separator = "\n<!-- TOC/BODY -->\n"
    template = RENDER_DIR / "fallback-fragment.html"
    html = pypandoc.convert_text(
        body,
        to="html5",
        format=meta.get("from", "markdown"),
        extra_args=[
            "--standalone",
            f"--template={template}",
            "--toc",
            f"--toc-depth={meta.get('toc-depth', 2)}",
            f"--lua-filter={RENDER_DIR / 'report.lua'}",
            f"--lua-filter={RENDER_DIR / 'fallback.lua'}",
            f"--metadata=crossref-json:{json.dumps(options, ensure_ascii=False)}",
            "--wrap=none",
        ],
    )
    toc, content = html.split(separator, 1)
    return toc, content


def sanitize(html: str) -> str:
    """Only the elements and attributes the report's constructs produce; no scripts, no handlers,
    no remote URLs (links and images may be relative or fragment-only)."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=set(),
        link_rel=None,
        strip_comments=True,
    )


def report_page(body: str, meta: dict, out_dir: Path) -> tuple[PagePrinter, str, str]:
    """The report's page template filled with its metadata, and the sanitised table of contents
    and body that go into it; the body names its charts (``src="figures/…png"`` under ``out_dir``),
    inlined where a page is written or printed (:func:`pdf_parts.inline_figures`)."""
    toc, content = _pandoc_html(body, meta)
    content = sanitize(content)
    css = (RENDER_DIR / "report.css").read_text(encoding="utf-8")
    day = date.fromisoformat(str(meta["date"])) if meta.get("date") else None
    template = _environment.get_template("report.html.j2")
    shown = meta | {"date": f"{day.year}年{day.month}月{day.day}日" if day else ""}
    subtitle = Markup(_pandoc_inline(meta.get("subtitle", "")))

    def page(header: bool, toc_html: str, body_html: str, part_css: str, root_class: str) -> str:
        # toc_html and body_html are sanitised HTML (pdf_parts adds only numbers and empty anchors)
        return template.render(
            meta=shown, subtitle=subtitle, header=header, toc=Markup(toc_html),
            body=Markup(body_html), css=Markup(css.replace("</", "<\\/")),
            part_css=Markup(part_css), root_class=f" {root_class}" if root_class else "",
        )  # fmt: skip

    return PagePrinter(page, out_dir), sanitize(toc), content


def render_html(body: str, meta: dict, out_dir: Path) -> str:
    """Self-contained HTML: the CSS inline and every chart as a data: URI; nothing else loads."""
    printer, toc, content = report_page(body, meta, out_dir)
    return inline_figures(printer.page(True, toc, content, "", ""), out_dir)


# Where the body goes in the page written piece by piece (sanitize removes every comment of the body).
_BODY_MARK = "<!-- report body -->"


def write_html(printer: PagePrinter, toc: str, content: str, path: Path) -> None:
    """The self-contained HTML page written a chapter or region at a time, each with its charts
    inlined (:func:`render_html`'s page, without holding all of it: 60 million characters at 200
    regions)."""
    head, tail = printer.page(True, toc, _BODY_MARK, "", "").split(_BODY_MARK)
    pieces = content.split(PAGE_BREAK)
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        for number, piece in enumerate(pieces):
            out.write(inline_figures((PAGE_BREAK if number else "") + piece, printer.base))
        out.write(tail)


def _pandoc_inline(markdown_text: str) -> str:
    """A metadata string (Markdown, like Quarto reads it) as sanitised inline HTML."""
    import pypandoc

    html = pypandoc.convert_text(
        markdown_text, to="html5", format="markdown-raw_html-raw_tex-raw_attribute"
    )
    html = sanitize(html).strip()
    return html.removeprefix("<p>").removesuffix("</p>")


def render_pdf(html_text: str, pdf_path: Path, base: Path) -> None:
    """One HTML document printed whole by WeasyPrint, its charts from ``base``, fetching nothing
    but ``data:`` URLs."""
    pdf_path.write_bytes(print_part(html_text, base).pdf)


def render_fallback(
    body: str, meta: dict, out_dir: Path, stem: str, processes: int | None = None
) -> list[Path]:
    """The HTML, and the PDF printed in parts on ``processes`` processes (pipeline/report/pdf_parts.py)."""
    printer, toc, content = report_page(body, meta, out_dir)
    html_path, pdf_path = out_dir / f"{stem}.html", out_dir / f"{stem}.pdf"
    write_html(printer, toc, content, html_path)
    pdf_path.write_bytes(print_in_parts(printer, toc, content, processes))
    return [html_path, pdf_path]


# --- entry point ---------------------------------------------------------------------------------


def publish_report(
    processed_dir: Path, year: int, out_dir: Path, use_quarto: bool | None = None
) -> Published:
    """Write the document and render it; say which renderer made the outputs."""
    quarto = find_quarto()
    if use_quarto and quarto is None:
        raise QuartoError(f"要求用 Quarto 渲染（--quarto），但找不到 quarto。{QUARTO_INSTALL_HINT}")
    if use_quarto is None:
        use_quarto = quarto is not None
    inputs = ReportInputs.load(processed_dir, year)
    stem = report_stem(year)
    markdown_text = build_markdown(inputs, out_dir)
    qmd, meta, body = write_document(markdown_text, out_dir, stem)
    if use_quarto:
        assert quarto is not None
        return Published(f"Quarto（{quarto}）", render_with_quarto(qmd, quarto), qmd)
    return Published(
        "备用渲染器（pandoc + WeasyPrint）", render_fallback(body, meta, out_dir, stem), qmd
    )


def publish(
    processed_dir: Path, year: int, out_dir: Path, use_quarto: bool | None = None
) -> list[Path]:
    """Write the report files into ``out_dir`` and return the paths of the HTML and the PDF.

    ``use_quarto`` None means: Quarto when it is found (``QUARTO_PATH`` or PATH), the fallback
    otherwise. Also writes the counties' blank forms (pipeline.intake.forms). Prints which renderer was
    used and the files it wrote, and records it in ``render.json`` (``make report`` prints it from
    there: the report stage runs in a notebook kernel, whose output the terminal does not see)."""
    published = publish_report(processed_dir, year, out_dir, use_quarto)
    # the counties' blank 报表模板 and 填报说明 travel with each year's outputs
    blank_forms = write_blank_forms(year, out_dir)
    # names only: `make report` renders into a build folder and prints the published one itself
    record = {
        "renderer": published.renderer,
        "files": [path.name for path in [*published.paths, published.source, *blank_forms]],
    }
    write_json_atomically(record, out_dir / catalog.RENDER_RECORD_FILE)
    print(catalog.renderer_line(record))
    return published.paths
