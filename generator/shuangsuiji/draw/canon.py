"""Canonical encodings of `ssj-draw/1` (spec draw.md, "Encoding").

Everything hashed must be byte-exact so that an independent implementation
reproduces the commitment; these helpers are the only place that turns text into
bytes for the draw.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from fractions import Fraction
from functools import partial
from operator import itemgetter
from typing import Any, Iterable, Sequence

from shuangsuiji.core.errors import fail

_RATIO = re.compile(r"[0-9]+(?:\.[0-9]+)?|[0-9]+/[0-9]+")
_BAD_FIELD_CHARS = ("\t", "\r", "\n")
_NFC = partial(unicodedata.normalize, "NFC")


def nfc(s: str) -> str:
    """Unicode NFC; every input string passes through here before anything else."""
    return unicodedata.normalize("NFC", s)


def nfc_all(values: Iterable[str]) -> list[str]:
    """NFC of many strings at C speed."""
    return list(map(_NFC, values))


def enc(*fields: str | int | bytes) -> bytes:
    """ENC(f1, …, fn): each field's UTF-8 (NFC) bytes after a 4-byte big-endian length."""
    out = bytearray()
    for f in fields:
        if isinstance(f, bool):
            raise TypeError("ENC takes text, integers or bytes, not bool")
        if isinstance(f, int):
            b = str(f).encode("ascii")
        elif isinstance(f, str):
            b = nfc(f).encode("utf-8")
        else:
            b = bytes(f)
        out += len(b).to_bytes(4, "big")
        out += b
    return bytes(out)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_field(value: str, what: str) -> None:
    """A table field, stratum key or unit id may not hold TAB, CR or LF (they delimit rows)."""
    if any(c in value for c in _BAD_FIELD_CHARS):
        fail("draw.field-control-char",
             f"{what} 含有制表符或换行符：{value!r}",
             f"{what} holds a TAB, CR or LF: {value!r}",
             "删除该字段中的制表符、回车和换行", "remove TAB, CR and LF from the field", field=what)


def canonical_table(rows: Sequence[tuple[str, ...]], what: str, unique_first: bool = False) -> bytes:
    """Rows sorted by their fields' UTF-8 bytes, TAB-joined, each line LF-ended, UTF-8.

    Python compares `str` by code point, which orders exactly like UTF-8 bytes, so the
    rows are sorted as text; when the caller has checked that first fields are unique
    (ids), sorting by them alone gives the same order much faster. Field checks run on
    the whole text at once and only look row by row to name the culprit.
    """
    if not rows:
        return b""
    ordered = sorted(rows, key=itemgetter(0)) if unique_first else sorted(rows)
    text = "\n".join(map("\t".join, ordered)) + "\n"
    width = len(ordered[0])
    if (text.count("\t") != len(ordered) * (width - 1) or text.count("\n") != len(ordered)
            or "\r" in text):
        for row in ordered:
            for value in row:
                check_field(value, what)
    return text.encode("utf-8")


def _no_floats(obj: Any, path: str) -> None:
    if isinstance(obj, float):
        fail("draw.float", f"{path} 是小数（浮点数），清单中不允许浮点数",
             f"{path} is a float; floats are forbidden in the manifest",
             "比例写成字符串，如 \"0.25\"", "write ratios as strings such as \"0.25\"", field=path)
    if isinstance(obj, dict):
        for k, v in obj.items():
            _no_floats(v, f"{path}.{k}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _no_floats(v, f"{path}[{i}]")


def canonical_json(obj: Any) -> bytes:
    """Keys sorted, `,`/`:` separators, UTF-8 text not escaped; floats are an input error."""
    _no_floats(obj, "manifest")
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_ratio(text: Any, field: str = "ratio") -> Fraction:
    """Exact ratio from `\\d+(\\.\\d+)?` or `\\d+/\\d+`, 0 ≤ r ≤ 1; anything else is an input error."""
    if not isinstance(text, str) or not _RATIO.fullmatch(text):
        fail("draw.ratio-malformed",
             f"比例 {text!r} 格式不对：应为字符串形式的小数（如 \"0.25\"）或分数（如 \"1/3\"）",
             f"ratio {text!r} is malformed: write a decimal string like \"0.25\" or a fraction like \"1/3\"",
             "比例写成带引号的字符串，取值在 0 到 1 之间", "quote the ratio; it must be between 0 and 1",
             field=field)
    if "/" in text:
        num, den = text.split("/")
        if int(den) == 0:
            fail("draw.ratio-malformed", f"比例 {text!r} 的分母为 0", f"ratio {text!r} has a zero denominator",
                 "分母必须大于 0", "the denominator must be positive", field=field)
        r = Fraction(int(num), int(den))
    else:
        r = Fraction(text)
    if r > 1:
        fail("draw.ratio-range", f"比例 {text!r} 大于 1", f"ratio {text!r} is greater than 1",
             "比例取值在 0 到 1 之间", "a ratio is between 0 and 1", field=field)
    return r


def ids_of(keys: Iterable[bytes]) -> list[str]:
    """Ids back from sort keys `ticket + id UTF-8 bytes`.

    Tickets all have 32 bytes, so comparing `ticket + id` compares the tickets first
    (big-endian bytes of equal length order like the integers) and then the ids' bytes.
    """
    return [k[32:].decode("utf-8") for k in keys]
