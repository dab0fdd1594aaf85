"""Building blocks of the report document, written as Quarto Markdown (.qmd).

The report's content (``pipeline/report.py`` and ``templates/report.qmd.j2``) is written only with
these functions, so that both renderers — Quarto, and the fallback in ``pipeline/publish.py`` —
see the same few constructs: pipe tables with a caption and a label, figures with a caption and a
label, callouts, and cross-references. Text that comes from a submission or from configuration goes
through :func:`text`, so that it stays text in every output.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~@$^=:])")


def text(value: object) -> str:
    """Free text (from a submission or config) made inert in Markdown and HTML: every character
    that Markdown or HTML would read as markup is backslash-escaped, line breaks become spaces."""
    flat = " ".join(str(value).split())
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", flat)
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


def table(
    frame: pd.DataFrame,
    *,
    label: str,
    caption: str,
    widths: Sequence[int] | None = None,
    escape: bool = True,
) -> str:
    """A captioned, labelled pipe table. ``widths`` are relative column widths (one per column);
    cells are escaped with :func:`text` unless ``escape`` is False (cells the code formatted)."""
    if not label.startswith("tbl-"):
        raise ValueError(f"table label must start with 'tbl-': {label}")
    cell = text if escape else (lambda value: str(value).replace("|", "\\|").replace("\n", " "))
    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    weights = list(widths) if widths is not None else [1] * len(frame.columns)
    if len(weights) != len(frame.columns):
        raise ValueError(f"{label}: {len(weights)} widths for {len(frame.columns)} columns")
    rule = "|" + "|".join("-" * (3 * w) for w in weights) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body, "", f": {caption} {{#{label}}}"])


def figure(path: str, *, label: str, caption: str) -> str:
    """A captioned, labelled figure (path relative to the report's folder)."""
    if not label.startswith("fig-"):
        raise ValueError(f"figure label must start with 'fig-': {label}")
    return f"![{caption}]({path}){{#{label}}}"


def callout(kind: str, title: str, body: str) -> str:
    """A Quarto callout (``note``, ``warning``, ``important``, ``tip``, ``caution``)."""
    return f"::: {{.callout-{kind}}}\n## {title}\n\n{body}\n:::"
