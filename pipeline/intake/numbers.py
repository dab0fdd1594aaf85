"""The strict grammar of a submission cell: what text is a number, a year, or missing.

A number is digits with an optional decimal part and sign, grouped by commas only in threes
("12,345", never "1,23,4"). "%" is allowed only in a rate (unit %), a trailing unit only when it
is the column's own unit (logged). "nan", "inf", dates and booleans are never numbers. Blank cells
and dash-like markers are missing (None), never 0. Full-width digits and punctuation are read as
their ASCII forms (NFKC); white space and invisible format characters (zero-width space, BOM, soft
hyphen…) are removed, and the caller is told which were found.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

MISSING_MARKERS = {"", "—", "——", "-", "--", "/", "无", "–", "…", "NA", "N/A"}
UNITS_IN_CELLS = ("万人", "人", "次", "%")  # longest first: "万人" must not be read as "人"
YEAR_MIN = 2000
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACE = re.compile(r"\s+")


class NumberError(ValueError):
    """A cell that is not a number under the grammar; the message says why, in Chinese."""


def invisible_characters(text: str) -> list[str]:
    """Code points of invisible format characters (Unicode category Cf) in ``text``, e.g. U+200B."""
    return sorted({f"U+{ord(c):04X}" for c in str(text) if unicodedata.category(c) == "Cf"})


def normalise(text: object) -> str:
    """NFKC (full-width digits, brackets and % become ASCII) without white space or invisible
    format characters."""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(c for c in _SPACE.sub("", folded) if unicodedata.category(c) != "Cf")


@dataclass(frozen=True)
class Parsed:
    value: float | None
    note: str = ""  # a repair made on the way (a unit removed, a percent format read), for the log


def _is_missing(text: str) -> bool:
    return text in MISSING_MARKERS or text.upper() in MISSING_MARKERS


def _parse_stored_number(raw: float, unit: str | None, percent_format: bool) -> Parsed:
    if not math.isfinite(raw):
        raise NumberError(f"单元格的值“{raw}”不是有限的数字")
    if not percent_format:
        return Parsed(float(raw))
    if unit != "%":
        raise NumberError(
            f"单元格设为百分比格式（显示为 {raw * 100:g}%），但本列单位是“{unit}”：请改为常规数字格式"
        )
    shown = round(raw * 100, 10)
    return Parsed(
        shown, f"单元格为百分比格式：存储值 {raw:g}，显示为 {shown:g}%，按 {shown:g} 读取"
    )


_SPACE_BETWEEN_DIGITS = re.compile(r"[\d.,][\s\u3000]+[\d.,]")


def check_glued_marks(raw: str) -> None:
    """Footnote marks and spaces must not be glued into a number: NFKC turns "7056¹" into 70561
    and "3①" into 31, and removing the space turns "1 2" into 12. Refuse them (NumberError);
    digits of other scripts than 0-9 and full-width ０-９ (category "No": superscripts, circled
    and fraction digits) are never part of a number."""
    marks = sorted({c for c in raw if unicodedata.category(c) == "No"})
    if marks:
        raise NumberError(
            f"“{raw}”含脚注或上标符号（{'、'.join(marks)}）：请删去符号，把注释写在说明行中"
        )
    if _SPACE_BETWEEN_DIGITS.search(unicodedata.normalize("NFKC", raw)):
        raise NumberError(f"“{raw}”的数字之间有空格：无法确定是一个数还是两个数，请删去空格")


def parse_cell(raw: object, unit: str | None = None, percent_format: bool = False) -> Parsed:
    """A cell under the grammar for a column in ``unit`` ("人", "万人", "%", "次"; None when not
    known, which allows neither "%" nor a unit word). ``percent_format``: Excel shows the stored
    fraction as a percentage. NumberError says what is wrong."""
    if raw is None:
        return Parsed(None)
    if isinstance(raw, bool) or isinstance(raw, dt.date | dt.time | dt.timedelta):
        raise NumberError(f"单元格的值“{raw}”不是数字（是逻辑值或日期）")
    if isinstance(raw, int | float):
        return _parse_stored_number(raw, unit, percent_format)
    check_glued_marks(str(raw))
    text = normalise(raw)
    if _is_missing(text):
        return Parsed(None)
    note = ""
    written = next((u for u in UNITS_IN_CELLS if text.endswith(u) and len(text) > len(u)), None)
    if written == "%":
        if unit != "%":
            raise NumberError(f"“{raw}”带有“%”，但本列单位是“{unit or '未知'}”：% 只能用于比率指标")
        text = text[:-1]
    elif written is not None:
        if written != unit:
            raise NumberError(f"“{raw}”写的单位“{written}”与本列单位“{unit or '未知'}”不同")
        text = text[: -len(written)]
        note = f"单元格“{raw}”带有本列单位“{written}”，已去掉单位按数字读取"
    if not (_PLAIN.match(text) or _GROUPED.match(text)):
        raise NumberError(
            f"无法识别的数值“{raw}”，应为数字或空白（千分位逗号须每三位一组，不能写 nan、inf 或文字）"
        )
    return Parsed(float(text.replace(",", "")), note)


def parse_number(raw: object, unit: str | None = None) -> float | None:
    """A cell as a number (see parse_cell): None for blank and dash-like markers."""
    return parse_cell(raw, unit).value


def parse_year(raw: object, latest: int) -> int:
    """A year: a whole number from YEAR_MIN to ``latest``. NumberError otherwise (a blank too)."""
    if raw is None or (isinstance(raw, str) and not normalise(raw)):
        raise NumberError("年份为空")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise NumberError(f"年份“{raw}”不是数字")
    text = normalise(raw) if isinstance(raw, str) else None
    if text is not None and not re.fullmatch(r"\d{4}(\.0+)?", text):
        raise NumberError(f"年份“{raw}”应为四位整数，如 2024")
    value = float(text) if text is not None else float(raw)
    if not math.isfinite(value) or not value.is_integer():
        raise NumberError(f"年份“{raw}”不是整数")
    if not YEAR_MIN <= value <= latest:
        raise NumberError(
            f"年份 {value:g} 不在 {YEAR_MIN}–{latest} 之间（最晚为已配置规划期的末年）"
        )
    return int(value)
