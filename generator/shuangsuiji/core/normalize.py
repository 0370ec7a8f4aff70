"""Forgiving input, strict storage: what people type, read into the one canonical form the registry keeps.

Layer: core (depends on nothing but the standard library). Used by the Excel import (every
cell) and by the schema messages (a YAML value that is refused names the canonical form it
could be). Each reader returns the canonical value and says whether it changed anything, so
the caller reports every normalisation as a note: nothing changes silently. A value that
cannot be read raises `BadValue` with the format in words and an example, never a regular
expression.

Reading rules (documented in the templates' instruction sheet):
- ratio: `5%`, `1/20`, `0.05` and a bare number; a bare number above 1 (up to 100) is a
  percentage (`5` is 5%), 1 or less is the ratio itself (`1` is everyone, as in the ratio
  table's D class). Stored as a decimal (`0.05`), or as a fraction (`1/3`) when no decimal
  is exact.
- date: `2026-04-05`, `2026/4/5`, `2026.4.5`, `2026年4月5日`, `20260405`, or an Excel date cell.
- list cells: items separated by 、，,;； or new lines.
- codes (ids, USCC, region and industry codes): full-width digits, letters, colons and
  spaces are read as their ASCII forms; USCC-like codes are upper-cased.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from fractions import Fraction
from typing import Any


class BadValue(ValueError):
    """A value that cannot be read: what is wrong and how to write it, in Chinese and English."""

    def __init__(self, zh: str, en: str, fix_zh: str = "", fix_en: str = ""):
        super().__init__(en)
        self.texts = (zh, en, fix_zh, fix_en)


RATIO_WORDS = ("比例，如 5% 或 0.05", "a ratio such as 5% or 0.05")
DATE_WORDS = ("日期，如 2026-04-05 或 2026年4月5日", "a date such as 2026-04-05")
LIST_SEPARATORS = re.compile(r"[、，,;；\n\r]+")
YEAR_MONTH_WORDS = ("年月，如 1980-05", "a year and month such as 1980-05")
_YEAR_MONTH_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{4})(\d{2})(\d{2})")
_RATIO_RE = re.compile(r"(\d+(?:\.\d+)?)(%?)|(\d+)/(\d+)")


def ascii_form(text: str) -> str:
    """Full-width digits, letters and punctuation (１２３、ＡＢＣ、：、　) as their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def _decimal_text(r: Fraction) -> str | None:
    """The exact decimal of r, or None when it has none (1/3)."""
    den, twos, fives = r.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return None
    places = max(twos, fives)
    text = str(r.numerator * 10 ** places // r.denominator).rjust(places + 1, "0")
    whole, frac = (text[:-places], text[-places:]) if places else (text, "")
    return f"{whole}.{frac}" if frac else whole


def canonical_ratio(r: Fraction) -> str:
    return _decimal_text(r) or f"{r.numerator}/{r.denominator}"


def read_ratio(v: Any) -> str:
    """A ratio in its stored form ("0.05", "1/3"); see the module's reading rules."""
    shown = str(v).strip() if not isinstance(v, float) else repr(v)
    if isinstance(v, bool):
        raise BadValue(f"“{shown}”不是{RATIO_WORDS[0]}", f"'{shown}' is not {RATIO_WORDS[1]}")
    if isinstance(v, (int, float)):
        text = repr(v) if isinstance(v, float) else str(v)
    else:
        text = ascii_form(str(v)).replace(" ", "").strip()
    m = _RATIO_RE.fullmatch(text)
    if m is None:
        raise BadValue(f"“{shown}”不是{RATIO_WORDS[0]}", f"'{shown}' is not {RATIO_WORDS[1]}",
                       "写成百分数（5%）、小数（0.05）或分数（1/20）",
                       "write a percentage (5%), a decimal (0.05) or a fraction (1/20)")
    if m[3] is not None:
        if int(m[4]) == 0:
            raise BadValue(f"比例“{shown}”的分母为 0", f"ratio '{shown}' has a zero denominator",
                           "分母必须大于 0，如 1/20", "the denominator must be positive, e.g. 1/20")
        r = Fraction(int(m[3]), int(m[4]))
    else:
        r = Fraction(Decimal(m[1]))
        if m[2] or r > 1:
            r /= 100
    if r > 1:
        raise BadValue(f"比例“{shown}”超过 100%", f"ratio '{shown}' is more than 100%",
                       "比例在 0 到 100% 之间，如 5% 或 0.05", "a ratio is between 0 and 100%, e.g. 5% or 0.05")
    return canonical_ratio(r)


def read_date(v: Any) -> dt.date:
    """A date from a date cell or text in one of the usual forms (see the module's reading rules)."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    shown = str(v).strip()
    m = _DATE_RE.fullmatch(ascii_form(shown))
    if m is None:
        raise BadValue(f"“{shown}”不是{DATE_WORDS[0]}", f"'{shown}' is not {DATE_WORDS[1]}",
                       "写成 2026-04-05，或把单元格设为日期格式", "write 2026-04-05, or format the cell as a date")
    year, month, day = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise BadValue(f"日期“{shown}”不存在（月份或日数超出范围）", f"the date '{shown}' does not exist",
                       "检查月份和日数，如 2026-04-30", "check the month and the day, e.g. 2026-04-30") from None


def read_code(text: str, upper: bool = False) -> str:
    """A code as stored: ASCII forms, no spaces inside; USCC-like codes upper-cased."""
    out = re.sub(r"\s+", "", ascii_form(text))
    return out.upper() if upper else out


def read_year_month(v: Any) -> str:
    """A year and month as stored (1980-05) from a date cell, 1980-5, 1980/05, 1980.5 or 1980年5月."""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.strftime("%Y-%m")
    shown = str(v).strip()
    m = _YEAR_MONTH_RE.fullmatch(ascii_form(shown))
    if m is None or not 1 <= int(m[2]) <= 12:
        raise BadValue(f"“{shown}”不是{YEAR_MONTH_WORDS[0]}", f"'{shown}' is not {YEAR_MONTH_WORDS[1]}",
                       "写成 1980-05 或 1980年5月", "write 1980-05")
    return f"{int(m[1]):04d}-{int(m[2]):02d}"


def split_list(text: str, separators: re.Pattern = LIST_SEPARATORS) -> list[str]:
    """The items of a list cell."""
    return [p.strip() for p in separators.split(text) if p.strip()]
