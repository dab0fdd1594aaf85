"""The fallback's PDF printed in parts, on every core, and joined into one document.

WeasyPrint lays out a document in one process and keeps every page until it writes the PDF: at
200 regions that is about 700 pages, 95 CPU-s and 1.9 GiB. The report breaks the page at fixed
places: after the contents (report.css) and at each ``::: {.page-break}`` of the Markdown (before
every chapter, every region, and every section whose table is longer than a page,
:func:`pipeline.report.markup.starts_page`; ``render/report.lua`` makes it a Typst page break,
report.css breaks the page in the fallback). A part that starts at such a break lays out exactly as it would in the whole
document, so the parts are printed in parallel processes and joined (pikepdf):

1. **the body parts**: the body cut at the page breaks and grouped into parts of similar size;
   each is printed without its page margins' content and reports its page count and where its
   anchors fell;
2. **the contents part** (title block and table of contents): printed with each entry's page number
   written as text, once the body parts' page counts are known (printed again if the numbers
   change its own page count, which they never should);
3. **the margins**: what the page margins show (title, date, the sample-data line), printed once
   for the first page and once for the others, and the page numbers ("n / N", one empty page per
   page of the report); both laid over each page;
4. **the join**: the pages in order, the anchors as the document's named destinations (so the
   contents' links work), and the bookmarks rebuilt from the headings, nested by level.

The charts stay references (``src="figures/…png"``) until a page is printed: each process inlines
the charts of its own part (:func:`inline_figures`), so the report's process holds the body without
them (2 million characters at 200 regions, against 60 million with the charts as ``data:`` URIs).

``tests/report/test_pdf_parts.py`` prints the same report whole and in parts and compares every
page's text, the bookmarks and the contents' numbers.
"""

from __future__ import annotations

import base64
import html
import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

PAGE_BREAK = '<div class="page-break">'  # what pandoc writes for ::: {.page-break}
PART_CSS = """
/* a part (pipeline/report/pdf_parts.py): the page margins' content is laid over, the
   contents' numbers come from the attribute (the join rebuilds the bookmarks) */
@page { @top-left { content: none; } @top-right { content: none; }
  @bottom-center { content: none; } @bottom-left { content: none; } }
.fallback nav#TOC a::after { content: leader(".") attr(data-page); }
.part-anchor { height: 0; margin: 0; padding: 0; border: 0; }
"""
MARGINS_CSS = """
/* the margins (pipeline/report/pdf_parts.py): a first page and a following page with nothing but
   what their margins show, the page number left to the numbers */
@page { @bottom-center { content: none; } }
.fallback { background: none; }  /* transparent: laid over the page, it must not cover it */
.fallback header#title-block-header { visibility: hidden; }
.fallback .overlay-page { break-before: page; height: 0; }
"""
NUMBERS_CSS = """
/* the numbers (pipeline/report/pdf_parts.py): "n / N" on one empty page per page of the report */
@page { @top-left { content: none; } @top-right { content: none; } @bottom-left { content: none; }
  @bottom-center { content: counter(page) " / %d"; } }
.fallback { background: none; }  /* transparent, as the margins */
.fallback .overlay-page { break-before: page; height: 0; }
"""
IMAGE_COST = 2000  # characters of HTML a chart costs to print, about (its data not counted)
PART_COST = 250_000  # the smallest part worth a process of its own, in the same units
PARTS_PER_PROCESS = 5  # small parts keep every process busy to the end and its memory low
_DATA_URI = re.compile(r'src="data:[^"]*"')
_IMG = re.compile(r"<img\b")
FIGURE_SRC = re.compile(r'src="(figures/[A-Za-z0-9._-]+\.png)"')  # the charts the report names
_HEADING = re.compile(r"<h([1-6])([^>]*)>(.*?)</h\1>", re.S)
_ID = re.compile(r'\bid="([^"]*)"')
_HREF = re.compile(r'href="#([^"]*)"')
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\n\r\f]+")


class PartsError(RuntimeError):
    """The parts do not join into the document they were cut from."""


@dataclass(frozen=True)
class PagePrinter:
    """Prints one HTML page of the report's design: ``page(header, toc, body, css, root_class)``
    returns the whole HTML document (publish.py's template with the report's metadata), its charts
    named by ``src="figures/…png"`` under ``base`` (:func:`inline_figures`)."""

    page: Callable[[bool, str, str, str, str], str]
    base: Path


def inline_figures(html_text: str, base: Path) -> str:
    """Every ``src="figures/…png"`` as a ``data:`` URI of that file under ``base``; a name outside
    ``base/figures`` or missing there becomes an empty ``src`` (nothing else is ever read)."""
    figures = (base / "figures").resolve()

    def inline(match: re.Match[str]) -> str:
        path = (base / match[1]).resolve()
        if path.parent != figures or not path.is_file():
            return 'src=""'
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'src="data:image/png;base64,{data}"'

    return FIGURE_SRC.sub(inline, html_text)


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    pages: int
    anchors: dict[str, int]  # anchor name -> 0-based page of the part where it first is


def print_part(html_text: str, base: Path) -> Printed:
    """One WeasyPrint document, its charts inlined from ``base`` (:func:`inline_figures`), fetching
    nothing but ``data:`` URLs."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only the PDF needs it
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=1)
    document = HTML(string=inline_figures(html_text, base), url_fetcher=fetcher).render()
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, number)
    return Printed(document.write_pdf(), len(document.pages), anchors)


def cost(fragment: str) -> int:
    """How much printing a fragment costs, roughly: its characters without the charts' data, and a
    fixed amount per chart."""
    data = _DATA_URI.findall(fragment)
    return len(fragment) - sum(map(len, data)) + IMAGE_COST * len(_IMG.findall(fragment))


def split_body(body: str, processes: int) -> list[str]:
    """The body cut at its page breaks and grouped, in order, into parts of similar cost: about
    ``PARTS_PER_PROCESS`` per process (so the pool stays busy to the end and each worker's layout
    small), none smaller than ``PART_COST`` unless it is the last; a small report is one part."""
    pieces = body.split(PAGE_BREAK)
    pieces = pieces[:1] + [PAGE_BREAK + piece for piece in pieces[1:]]
    costs = [cost(piece) for piece in pieces]
    target = max(PART_COST, sum(costs) // (PARTS_PER_PROCESS * max(processes, 1)))
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for piece, piece_cost in zip(pieces, costs, strict=True):
        if current and size + piece_cost > target:
            parts.append("".join(current))
            current, size = [], 0
        current.append(piece)
        size += piece_cost
    parts.append("".join(current))
    if "".join(parts) != body:
        raise PartsError("正文切分后与原文不一致")
    return parts


def _ids(fragment: str) -> set[str]:
    return {html.unescape(name) for name in _ID.findall(fragment)}


def _anchor_name(href: str) -> str:
    """The anchor an ``href="#…"`` names, as WeasyPrint reads it (unescaped, percent-decoded)."""
    return unquote(html.unescape(href))


def _targets(fragment: str) -> set[str]:
    return {_anchor_name(href) for href in _HREF.findall(fragment)}


def _anchor_divs(names: set[str]) -> str:
    """Zero-height blocks with the ids a part links to but another part holds, so WeasyPrint keeps
    the links (it drops a link to an anchor it cannot find); the join points them at the real one."""
    return "".join(
        f'<div class="part-anchor" id="{html.escape(name, quote=True)}"></div>'
        for name in sorted(names)
    )


def with_anchors(fragment: str, names: set[str]) -> str:
    """``fragment`` with placeholder anchors first; inside its page-break block when it starts with
    one (a block before the break would push the part's first page out empty)."""
    if not names:
        return fragment
    if fragment.startswith(PAGE_BREAK):
        return PAGE_BREAK + _anchor_divs(names) + fragment[len(PAGE_BREAK) :]
    return _anchor_divs(names) + fragment


def numbered_toc(toc: str, pages: dict[str, int] | None) -> str:
    """The table of contents with each entry's page number as an attribute (``pages``: anchor ->
    1-based page of the report; None: a placeholder of three digits, for counting pages)."""

    def number(match: re.Match[str]) -> str:
        name = _anchor_name(match[1])
        value = "000" if pages is None else str(pages.get(name, ""))
        return f'{match[0]} data-page="{value}"'

    return _HREF.sub(number, toc)


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    anchor: str


def headings(fragment: str) -> list[Heading]:
    """The headings in document order: level, text (as WeasyPrint labels a bookmark) and id."""
    found = []
    for level, attributes, inner in _HEADING.findall(fragment):
        anchor = _ID.search(attributes)
        # collapsed as CSS collapses white space (the ideographic space U+3000 stays)
        title = _SPACES.sub(" ", html.unescape(_TAG.sub("", inner))).strip(" ")
        if anchor is None:
            raise PartsError(f"标题没有 id，无法生成书签：{title}")
        found.append(Heading(int(level), title, html.unescape(anchor[1])))
    return found


def default_processes() -> int:
    return len(os.sched_getaffinity(0))


def print_in_parts(
    printer: PagePrinter, toc: str, body: str, processes: int | None = None
) -> bytes:
    """The whole report's PDF, printed in parts on ``processes`` processes (default: the cores
    this process may use; 1 prints every part here, one after another)."""
    processes = processes or default_processes()
    fragments = split_body(body, processes)
    if len(fragments) == 1:  # a report of a few dozen pages: parts would only add work
        return print_part(printer.page(True, toc, body, "", ""), printer.base).pdf
    front = printer.page(True, toc, "", "", "")  # the title block and the contents
    toc_anchor_names = _ids(front)
    defined = [_ids(fragment) for fragment in fragments]
    everywhere = set().union(toc_anchor_names, *defined)
    toc_links = (_targets(toc) - toc_anchor_names) & everywhere
    placeholders = [toc_links] + [
        (_targets(fragment) - mine) & everywhere
        for fragment, mine in zip(fragments, defined, strict=True)
    ]

    def body_page(number: int) -> str:
        return printer.page(
            False, "", with_anchors(fragments[number], placeholders[number + 1]), PART_CSS, ""
        )

    def toc_page(pages: dict[str, int] | None) -> str:
        # the placeholders inside the contents: after them the page breaks (report.css)
        return printer.page(
            True, numbered_toc(toc, pages) + _anchor_divs(toc_links), "", PART_CSS, ""
        )

    def margins_page() -> str:
        # the title block sets the running title, date and sample line (string-set), unseen
        blank = '<div class="overlay-page"></div>'
        return printer.page(True, "", blank, MARGINS_CSS, "")

    def numbers_page(total: int) -> str:
        # the first page's block, then one that breaks before it for each further page
        blank = "<div></div>" + '<div class="overlay-page"></div>' * (total - 1)
        return printer.page(False, "", blank, NUMBERS_CSS % total, "")

    with (
        tempfile.TemporaryDirectory(prefix="report-parts-") as folder,
        _Workers(processes, Path(folder), printer.base) as pool,
    ):
        counting, margins = pool.submit(toc_page(None)), pool.submit(margins_page())
        order = sorted(range(len(fragments)), key=lambda i: -cost(fragments[i]))  # largest first
        futures = {}
        for number in order:
            futures[number] = pool.submit(body_page(number))
            fragments[number] = ""  # handed over: this process keeps no second copy of the body
        printed = [futures[number].result() for number in range(len(fragments))]
        toc_pages = counting.result().pages
        for _ in range(3):
            numbers = _page_numbers(toc_pages, printed, placeholders[1:])
            total = toc_pages + sum(part.pages for part in printed)
            final_toc, pages = pool.submit(toc_page(numbers)), pool.submit(numbers_page(total))
            contents = final_toc.result()
            if contents.pages == toc_pages:
                break
            toc_pages = contents.pages
        else:
            raise PartsError("目录的页数随页码变化，无法确定")
        margin_pages, number_pages = margins.result(), pages.result()
    # joined after the print processes have exited: each holds a third of a GiB at 200 regions
    heads = headings(front) + headings(body)
    return join([contents, *printed], margin_pages, number_pages, heads, placeholders)


def _page_numbers(
    toc_pages: int, printed: list[Printed], placeholders: list[set[str]]
) -> dict[str, int]:
    """Each anchor's 1-based page in the report (the contents part first, ``toc_pages`` long)."""
    numbers: dict[str, int] = {}
    offset = toc_pages
    for part, skipped in zip(printed, placeholders, strict=True):
        for name, page in part.anchors.items():
            if name not in skipped:
                numbers.setdefault(name, offset + page + 1)
        offset += part.pages
    return numbers


class _Workers:
    """``processes`` worker processes (``python -m pipeline.report.pdf_parts <base>``) that each
    print the parts they are handed, one at a time, their charts from ``base``; or, for one
    process, this process itself. Plain subprocesses rather than multiprocessing: a notebook
    kernel's threads make fork unsafe, and spawn would run the caller's script again in every
    worker."""

    def __init__(self, processes: int, folder: Path, base: Path) -> None:
        self._folder, self._base = folder, base
        self._count = 0
        self._idle: queue.Queue[subprocess.Popen[str]] = queue.Queue()
        self._workers: list[subprocess.Popen[str]] = []
        self._threads = ThreadPoolExecutor(processes) if processes > 1 else None
        if self._threads is None:
            return
        root = str(Path(__file__).resolve().parents[2])
        path = os.environ.get("PYTHONPATH")
        env = os.environ | {"PYTHONPATH": root + (os.pathsep + path if path else "")}
        for _ in range(processes):
            worker = subprocess.Popen(
                [sys.executable, "-m", "pipeline.report.pdf_parts", str(base)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            )  # fmt: skip
            self._workers.append(worker)
            self._idle.put(worker)

    def submit(self, html_text: str) -> Future[Printed]:
        if self._threads is None:
            done: Future[Printed] = Future()
            done.set_result(print_part(html_text, self._base))
            return done
        self._count += 1
        source = self._folder / f"part-{self._count}.html"
        source.write_text(html_text, encoding="utf-8")
        return self._threads.submit(self._print, source)

    def _print(self, source: Path) -> Printed:
        worker = self._idle.get()
        try:
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write(f"{source}\n")
            worker.stdin.flush()
            answer = worker.stdout.readline()
        finally:
            self._idle.put(worker)
        if not answer:
            raise PartsError(f"打印 PDF 的子进程意外退出（退出码 {worker.poll()}）")
        said = json.loads(answer)
        if "error" in said:
            raise PartsError(f"打印 PDF 的一部分失败：\n{said['error']}")
        return Printed(source.with_suffix(".pdf").read_bytes(), said["pages"], said["anchors"])

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._threads is not None:
            self._threads.shutdown(cancel_futures=True)
        for worker in self._workers:
            assert worker.stdin is not None
            worker.stdin.close()
        for worker in self._workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def _serve(base: Path) -> None:
    """A worker: print each HTML file named on standard input beside it (``.pdf``), its charts
    from ``base``; answer with one JSON line (pages and anchors, or the error)."""
    answers = sys.stdout
    sys.stdout = sys.stderr  # nothing but the answers goes to the parent
    for line in sys.stdin:
        source = Path(line.strip())
        try:
            printed = print_part(source.read_text(encoding="utf-8"), base)
            source.with_suffix(".pdf").write_bytes(printed.pdf)
            said: dict = {"pages": printed.pages, "anchors": printed.anchors}
        except Exception:  # noqa: BLE001 - reported to the parent, which raises it
            said = {"error": traceback.format_exc()}
        answers.write(json.dumps(said, ensure_ascii=False) + "\n")
        answers.flush()


def join(
    parts: list[Printed],
    margins: Printed,
    numbers: Printed,
    heads: list[Heading],
    placeholders: list[set[str]],
) -> bytes:
    """The parts' pages in order with their margins and numbers laid over each; the parts' anchors as named
    destinations (a part's placeholders give way to the real anchor); bookmarks from ``heads``."""
    import io

    import pikepdf

    documents = [pikepdf.open(io.BytesIO(part.pdf)) for part in parts]
    merged = documents[0]
    locals_ = [{page.objgen: number for number, page in enumerate(d.pages)} for d in documents]
    if "/Outlines" in merged.Root:
        del merged.Root.Outlines
    with warnings.catch_warnings():  # the named destinations are rebuilt below, for every part
        warnings.filterwarnings("ignore", category=pikepdf.PageCopyWarning)
        for document in documents[1:]:
            merged.pages.extend(document.pages)
    numbered = pikepdf.open(io.BytesIO(numbers.pdf))
    if len(numbered.pages) != len(merged.pages):
        raise PartsError(f"页码 {len(numbered.pages)} 页，正文 {len(merged.pages)} 页")
    # the margins of the first page and of every other page: one form each, shared by the pages
    first, other = (
        merged.copy_foreign(page.as_form_xobject())
        for page in pikepdf.open(io.BytesIO(margins.pdf)).pages
    )
    for number, (page, label) in enumerate(zip(merged.pages, numbered.pages, strict=True)):
        page.add_overlay(first if number == 0 else other)
        page.add_overlay(label)

    destinations: dict[str, tuple[int, float, float]] = {}
    offset = 0
    for document, local, skipped in zip(documents, locals_, placeholders, strict=True):
        if "/Names" in document.Root and "/Dests" in document.Root.Names:
            for name, target in pikepdf.NameTree(document.Root.Names.Dests).items():
                if name in skipped or name in destinations:
                    continue
                destinations[name] = (offset + local[target[0].objgen], target[2], target[3])
        offset += len(local)
    tree = pikepdf.NameTree.new(merged)
    for name in sorted(destinations):
        number, x, y = destinations[name]
        tree[name] = pikepdf.Array([merged.pages[number].obj, pikepdf.Name.XYZ, x, y, 0])
    if "/Names" not in merged.Root:
        merged.Root.Names = pikepdf.Dictionary()
    merged.Root.Names.Dests = tree.obj

    with merged.open_outline() as outline:
        outline.root.clear()
        stack: list[tuple[int, list]] = [(0, outline.root)]
        for head in heads:
            if head.anchor not in destinations:
                raise PartsError(f"书签的目标不在文档中：{head.title}")
            number, x, y = destinations[head.anchor]
            item = pikepdf.OutlineItem(
                head.title, number, pikepdf.PageLocation.XYZ, left=x, top=y, zoom=0
            )
            while stack[-1][0] >= head.level:
                stack.pop()
            stack[-1][1].append(item)
            stack.append((head.level, item.children))
    out = io.BytesIO()
    merged.save(out)
    return out.getvalue()


if __name__ == "__main__":
    _serve(Path(sys.argv[1]))
