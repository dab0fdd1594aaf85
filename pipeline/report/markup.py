"""Building blocks of the report document, written as Quarto Markdown (.qmd).

The report's content (``pipeline/report/chapters/`` and ``templates/``) is written only with
these functions, so that both renderers — Quarto, and the fallback in ``pipeline/report/publish.py`` —
see the same few constructs: pipe tables with a caption and a label, figures with a caption and a
label, callouts, and cross-references. Text that comes from a submission or from configuration goes
through :func:`text`, so that it stays text in every output.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Sequence

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

# Markup characters, and the straight quotes and hyphen that Pandoc's "smart" typography would
# turn into curly quotes and dashes (a file name must be printed as it is spelled).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~@$^=:\"'\-])")


def visible(value: object) -> str:
    """Control and format characters (Unicode Cc, Cf: bidi overrides such as U+202E, zero-width
    spaces, BOM) written as their code point, "[U+202E]": they reorder or hide text, and one of
    them makes Typst panic. White space is left to the caller."""
    return "".join(
        f"[U+{ord(c):04X}]" if unicodedata.category(c) in ("Cc", "Cf") and not c.isspace() else c
        for c in str(value)
    )


# A run of characters that offers no line break (no space, no CJK character) longer than this gets
# a zero-width space (U+200B, a break opportunity in Typst and in HTML) after every WRAP_RUN
# characters: 3,000 letters in a header would otherwise run off the page in both renderers. 40
# keeps every real file name, sheet name and number whole.
WRAP_RUN = 40
BREAK = "\u200b"
# A table cell shows at most this many characters of a text (a submitted header or note of 3,000
# characters would make one row pages tall); the note says how long the whole text is.
CELL_CHARACTERS = 300
_UNBROKEN_RUN = re.compile(
    rf"[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]{{{WRAP_RUN + 1},}}"
)


def _wrap(value: str) -> str:
    return _UNBROKEN_RUN.sub(
        lambda run: BREAK.join(run[0][i : i + WRAP_RUN] for i in range(0, len(run[0]), WRAP_RUN)),
        value,
    )


def text(value: object, limit: int | None = None) -> str:
    """Free text (from a submission or config) made inert in Markdown and HTML: control and
    format characters shown by code point (:func:`visible`), every character that Markdown or
    HTML would read as markup backslash-escaped, line breaks become spaces, long unbroken runs
    given break opportunities (:data:`WRAP_RUN`). With ``limit``, a longer text is cut to its
    first ``limit`` characters and says so."""
    flat = " ".join(visible(value).split())
    if limit is not None and len(flat) > limit:
        flat = f"{flat[:limit]}…（共{len(flat)}字，此处只显示前{limit}字）"
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", _wrap(flat))
    return escaped.replace("&", "&amp;")


def text_paragraphs(value: str) -> str:
    """Generated prose that may hold text from submissions: each paragraph escaped with
    :func:`text`, paragraphs kept apart by blank lines."""
    return "\n\n".join(text(paragraph) for paragraph in value.split("\n\n"))


def ref(label: str) -> str:
    """A cross-reference to a table (``tbl-…``) or figure (``fig-…``): rendered 表1 / 图1."""
    return f"@{label}"


def markdown_table(frame: pd.DataFrame) -> str:
    """A plain pipe table for the project's own Markdown documents (docs/); '|' is escaped."""
    cells = frame.astype(str).map(lambda value: value.replace("|", "\\|").replace("\n", " "))
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, rule, *body])


# Table layout. Widths are counted in "units" of half an em: a CJK character is 2, an ASCII one
# 1.15 (digits are about 0.55 em in Noto Sans CJK). At the tables' font size (8 pt in print,
# 0.8 rem on screen) the text column of an A4 page (178 mm), and the HTML body column, hold about
# 126 units; TEXT_UNITS leaves a margin for rounding. Each cell adds CELL_PADDING.
TEXT_UNITS = 124
CELL_PADDING = 2.5
KEEP_WHOLE_MAX = 8  # cells up to this many characters never break (see render/report.lua)
_NUMBER_LIKE = re.compile(r"^[\d\s.,:;%+\-–—−/()（）~]+$")
_ASCII_RUN = re.compile(r"[!-~]+")


def _units(value: str) -> float:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1.15 for ch in value)


def _unbreakable_units(value: str) -> float:
    """The width a cell needs on one line: all of it if it is short or number-like (it is kept
    whole), else room for three CJK characters or its longest ASCII word (capped: URLs
    may break)."""
    value = " ".join(value.split())
    if not value:
        return 0
    if len(value) <= KEEP_WHOLE_MAX or _NUMBER_LIKE.match(value):
        return _units(value)
    longest_word = max((len(word) for word in _ASCII_RUN.findall(value)), default=0)
    # text that may wrap still gets lines of at least three CJK characters (or a 14-letter word)
    return max(min(_units(value), 6), min(1.15 * longest_word, 16))


def column_widths(frame: pd.DataFrame, weights: Sequence[float] | None = None) -> list[int]:
    """Relative column widths (percent, summing to at most 100) that keep every short or
    number-like cell on one line. ``weights``, if given, are the author's proportions; without
    them each column gets room in proportion to its longest cell."""
    columns = [str(c) for c in frame.columns]
    cells = frame.astype(str).map(lambda v: " ".join(v.split())).to_numpy()
    needed, natural = [], []
    for j, name in enumerate(columns):
        values = [name, *(cells[:, j] if len(cells) else [])]
        header = min(_units(name), 8)  # a long header wraps, but in lines of at least 4 characters
        needed.append(max(header, *(_unbreakable_units(v) for v in values)) + CELL_PADDING)
        natural.append(min(max(_units(v) for v in values), 60) + CELL_PADDING)
    if weights is not None:
        total = sum(weights)
        natural = [TEXT_UNITS * w / total for w in weights]
    needed = [units * 1.05 for units in needed]  # header cells are bold, a little wider
    if sum(needed) >= TEXT_UNITS:  # too wide even so: the table goes in a .wide div (smaller font)
        return [max(1, round(100 * m / sum(needed))) for m in needed]
    # Each column gets what it needs (rounded up), then the rest in proportion to what it still
    # wants (rounded down): the sum never passes 100, so no renderer has to shrink a column.
    percents = [math.ceil(100 * m / TEXT_UNITS) for m in needed]
    spare = 100 - sum(percents)
    wants = [max(n - m, 0) for n, m in zip(natural, needed, strict=True)]
    share = sum(wants) or 1
    return [p + math.floor(spare * w / share) for p, w in zip(percents, wants, strict=True)]


def is_wide(frame: pd.DataFrame) -> bool:
    """True when the table's unbreakable cells alone do not fit the text column."""
    cells = frame.astype(str).to_numpy()
    needed = 0
    for j, name in enumerate(frame.columns):
        values = [str(name), *(cells[:, j] if len(cells) else [])]
        header = min(_units(str(name)), 8)
        needed += (max(header, *(_unbreakable_units(v) for v in values)) + CELL_PADDING) * 1.05
    return needed >= TEXT_UNITS


# A table of more rows than this is longer than a printed page: its section starts a page (the
# templates' ``section.new_page``). It then reads from its heading, and the fallback may print it
# apart from the text before it (pipeline/report/pdf_parts.py cuts only at page breaks: at 200
# regions one chapter of 200-row tables was a fifth of the PDF's print and its largest memory).
PAGE_ROWS = 30


def starts_page(rows: int) -> bool:
    """Whether a section whose table has ``rows`` rows starts a printed page."""
    return rows > PAGE_ROWS


def table(
    frame: pd.DataFrame,
    *,
    label: str,
    caption: str,
    widths: Sequence[int] | None = None,
    escape: bool = True,
) -> str:
    """A captioned, labelled pipe table. ``widths`` are relative column widths (one per column);
    cells are escaped with :func:`text` unless ``escape`` is False (cells the code formatted).

    The widths actually written (Quarto's ``tbl-colwidths``, and the dashes of the rule line)
    give every short or number-like cell room to stay on one line; a table that cannot fit the
    page even so is put in a ``::: {.wide}`` div and set in a smaller font by both renderers."""
    if not label.startswith("tbl-"):
        raise ValueError(f"table label must start with 'tbl-': {label}")
    cell = (
        (lambda value: text(value, CELL_CHARACTERS))
        if escape
        else (lambda value: str(value).replace("|", "\\|").replace("\n", " "))
    )
    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    if widths is not None and len(widths) != len(frame.columns):
        raise ValueError(f"{label}: {len(widths)} widths for {len(frame.columns)} columns")
    percents = column_widths(frame, widths)
    rule = "|" + "|".join("-" * max(3, p // 2) for p in percents) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    attributes = f'#{label} tbl-colwidths="{json.dumps(percents)}"'
    markdown = "\n".join([header, rule, *body, "", f": {caption} {{{attributes}}}"])
    return f"::: {{.wide}}\n{markdown}\n:::" if is_wide(frame) else markdown


def figure(path: str, *, label: str, caption: str) -> str:
    """A captioned, labelled figure (path relative to the report's folder)."""
    if not label.startswith("fig-"):
        raise ValueError(f"figure label must start with 'fig-': {label}")
    # the text column's width in every renderer (Typst would otherwise size charts by their dpi)
    return f'![{caption}]({path}){{#{label} width="100%"}}'


def callout(kind: str, title: str, body: str) -> str:
    """A Quarto callout (``note``, ``warning``, ``important``, ``tip``, ``caution``)."""
    return f"::: {{.callout-{kind}}}\n## {title}\n\n{body}\n:::"


def suggestion_blocks(suggestions: list) -> str:
    """约谈/表扬/预警 suggestions (``scoring.Suggestion``) as a list: the name, then each reason and
    each earlier year's fact; every text escaped."""
    if not suggestions:
        return "无。"
    return "\n".join(
        f"- **{text(s.region)}**\n"
        + "\n".join(f"    - {text(r)}" for r in s.reasons)
        + "".join(f"\n    - 历史情况：{text(h)}" for h in s.history)
        for s in suggestions
    )


# The report's templates (``templates/``): they place ready entries, so nothing is escaped here —
# every entry is already Markdown whose submitted text went through :func:`text`.
_templates = Environment(
    loader=PackageLoader("pipeline.report"), undefined=StrictUndefined, keep_trailing_newline=True
)


def render(template: str, context: dict) -> str:
    """A template of ``pipeline/report/templates/`` filled with its chapter's ready entries."""
    return _templates.get_template(template).render(context)
