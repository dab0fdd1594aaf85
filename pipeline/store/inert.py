"""No text the project writes becomes a formula: one rule for every CSV and every workbook cell.

A file or sheet name such as ``=HYPERLINK(...)`` travels from a submission into the QA log, the
tidy table and the leaders' workbook. Spreadsheet programs run a cell that begins with ``=``,
``+``, ``-`` or ``@`` (and a leading tab or carriage return hides such a start), so:

- CSV: a text field beginning with one of ``= + - @ \\t \\r`` — or with the escape character ``'``
  itself — is written with a leading ``'`` (the OWASP "CSV injection" neutralisation). Excel then
  shows the text, never a result. ``restore_frame`` undoes exactly this on reading our own files,
  so every text round-trips unchanged.
- xlsx: every text cell is stored as a string (openpyxl data type ``s``), never as a formula, so
  the cell shows the text as written, with no prefix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.store.number_text import with_number_text

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def inert_text(text: str) -> str:
    """The CSV form of ``text``: prefixed with ' when a spreadsheet could read it as a formula."""
    return ESCAPE + text if text.startswith((*TRIGGERS, ESCAPE)) else text


def restored_text(text: str) -> str:
    """Inverse of inert_text."""
    if text.startswith(ESCAPE) and text[1:].startswith((*TRIGGERS, ESCAPE)):
        return text[1:]
    return text


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].dtype == object or frame[c].dtype == "str"]


def _mapped(frame: pd.DataFrame, escape: bool) -> pd.DataFrame:
    """Prefix (escape) or unprefix the text cells that need it, column by column (vectorised:
    forecast_paths.csv has many rows)."""
    out = frame
    for column in _text_columns(frame):
        values = frame[column]
        text = values.where(values.map(lambda v: isinstance(v, str)), "").astype(str)
        if escape:
            mask = text.str.startswith((*TRIGGERS, ESCAPE))
        else:
            mask = text.str.startswith(ESCAPE) & text.str[1:].str.startswith((*TRIGGERS, ESCAPE))
        if mask.any():
            out = out.copy() if out is frame else out
            out.loc[mask, column] = (ESCAPE + text[mask]) if escape else text[mask].str[1:]
    return out


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) are safe to write as CSV."""
    out = _mapped(frame, escape=True)
    return out.rename(columns=lambda c: inert_text(c) if isinstance(c, str) else c)


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo inert_frame on a table read back from one of our CSV files."""
    out = _mapped(frame, escape=False)
    return out.rename(columns=lambda c: restored_text(c) if isinstance(c, str) else c)


def write_csv(
    frame: pd.DataFrame,
    path: Path,
    encoding: str = "utf-8",
    *,
    published_as: str | None = None,
    **options,
) -> None:
    """Every CSV the project writes: inert text, UTF-8 (``utf-8-sig`` for a file meant for
    Excel/WPS), and CRLF line ends — with "\r\n" as the line end the csv writer quotes any field
    holding a carriage return or line break, so a text with a stray \r (from a submission's cell)
    reads back as one field, not a broken line. Exact decimals are written as exact text
    (:mod:`pipeline.store.number_text`, by the file's name: ``published_as``, else the path's),
    after the text is made inert: a negative number is a number, not a formula to neutralise."""
    with_number_text(inert_frame(frame), published_as or path.name).to_csv(
        path, index=False, encoding=encoding, lineterminator="\r\n", **options
    )


def read_csv(path: Path, **options) -> pd.DataFrame:
    """One of our own CSV files, its text exactly as it was before it was made inert."""
    return restore_frame(pd.read_csv(path, **options))


def write_cell(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Put ``value`` in a cell; a text is always stored as text, never as a formula, and a control
    character Excel cannot store (U+0000–U+001F but tab and line breaks) is written as its code
    point, "[U+001F]", instead of raising."""
    cell = ws.cell(row, column)
    if isinstance(value, str):  # a control character would stop the whole workbook: name it
        value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"[U+{ord(m[0]):04X}]", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl marks "=…" as a formula ("f"); a string is shown as is
    return cell
