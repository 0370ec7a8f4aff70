"""Identifier checks: 统一社会信用代码, 注册号, 居民身份号码, bank card numbers (Luhn),
GB/T 2260 region codes and GB/T 4754-2017 industry codes.

Pure functions, no I/O except reading the reference tables under `data/` once, lazily.
A check returns `None` when the code is valid, else a `CodeIssue` that says precisely
what is wrong and how to fix it (the registry validator turns it into a `Problem`).
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources
from operator import mul

from shuangsuiji.core.errors import Problem


@dataclass(frozen=True, slots=True)
class CodeIssue:
    """What is wrong with one identifier, in Chinese with an English gloss."""

    zh: str
    en: str
    fix_zh: str = ""
    fix_en: str = ""
    code: str = "code.invalid"  # stable kind, used as `Problem.code`

    def problem(self, **where) -> Problem:
        """The issue as a `Problem` at a place (file=, line=, column=, field=)."""
        return Problem(self.code, self.zh, self.en, self.fix_zh, self.fix_en, **where)


# ---------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 3^(i-1) mod 31, i = 1..17

# Position 1 (登记管理部门) → (name, {position 2 (机构类别) → kind}), GB 32100-2015 table 1
# with the codes assigned since (2 外交 … 8 工会, A, N).
USCC_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构",
                   "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商（市场监管）", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),  # no kinds: position 2 is always 1
}


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17: Σ value·3^(i−1) mod 31, check = (31 − Σ mod 31) mod 31.

    Raises ValueError (not a user-facing error) if `first17` is not 17 characters of the alphabet.
    """
    if len(first17) != 17:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    try:
        total = sum(map(mul, map(_USCC_VALUE.__getitem__, first17), _USCC_WEIGHTS))
    except KeyError as e:
        raise ValueError(f"character {e.args[0]!r} is not in the USCC alphabet") from None
    return USCC_ALPHABET[-total % 31]


def make_uscc(first17: str) -> str:
    """A valid code: `first17` followed by its check character."""
    return first17 + uscc_check_char(first17)


def _bad_char_issue(code: str, allowed: str, what_zh: str, what_en: str, kind: str, start: int = 0,
                    stop: int | None = None) -> CodeIssue | None:
    """The first character of code[start:stop] outside `allowed`, as an issue naming its 1-based position."""
    for pos in range(start, len(code) if stop is None else stop):
        ch = code[pos]
        if ch in allowed:
            continue
        hint_zh, hint_en = "", ""
        if ch.upper() in allowed:
            hint_zh, hint_en = "字母须大写；", "letters must be upper case; "
        elif ch.isspace():
            hint_zh, hint_en = "删除空白；", "remove the white space; "
        elif "\uff01" <= ch <= "\uff5e":
            hint_zh, hint_en = "改用半角字符；", "use half-width characters; "
        return CodeIssue(
            f"{what_zh}第 {pos + 1} 位字符“{ch}”不允许", f"{what_en}: character {ch!r} at position {pos + 1} is not allowed",
            f"{hint_zh}只能使用 {allowed}", f"{hint_en}only {allowed} may be used", kind)
    return None


def check_uscc(code: str) -> CodeIssue | None:
    """None if `code` is a well-formed 统一社会信用代码 with the right check character.

    Checks length, alphabet and check character. Positions 1–2 and 3–8 are not
    checked against tables: the region is the registering authority's code at issue
    time and stays in the code after that region is abolished (see `uscc_kind`).
    """
    try:
        if len(code) == 18:
            total = sum(map(mul, map(_USCC_VALUE.__getitem__, code[:17]), _USCC_WEIGHTS))
            expected = USCC_ALPHABET[-total % 31]
            if code[17] == expected:
                return None
            if code[17] in _USCC_VALUE:
                return CodeIssue(
                    f"统一社会信用代码校验位错误：第 18 位是“{code[17]}”，按前 17 位应为“{expected}”",
                    f"USCC check character is {code[17]!r}, the first 17 characters give {expected!r}",
                    "核对代码是否抄错（常见为相邻字符颠倒或某一位写错），以营业执照为准",
                    "compare the code with the business licence: usually one character is mistyped or two are swapped",
                    "uscc.check")
    except KeyError:
        pass
    if len(code) != 18:
        return CodeIssue(f"统一社会信用代码应为 18 位，实际为 {len(code)} 位",
                         f"a USCC has 18 characters, this one has {len(code)}",
                         "按营业执照补全或删去多余字符；旧的 15 位注册号请填入注册号字段",
                         "copy the code from the licence; an old 15-digit registration number goes in its own field",
                         "uscc.length")
    return _bad_char_issue(code, USCC_ALPHABET, "统一社会信用代码", "USCC", "uscc.char")


def uscc_kind(code: str) -> tuple[str, str] | None:
    """(登记管理部门, 机构类别) named by positions 1–2, or None if GB 32100 has no such pair."""
    entry = USCC_AUTHORITIES.get(code[:1])
    if entry is None:
        return None
    kind = entry[1].get(code[1:2])
    return None if kind is None else (entry[0], kind)


# ---------------------------------------------------------------------------
# 注册号 (15 digits, before 2015; 工商行政管理市场主体注册号编制规则 GS15-2006)

def _mod_11_10(digits: str) -> int:
    """ISO 7064 MOD 11,10 running value after `digits`: p = 10; for each digit d:
    s = (p mod 11) + d, p = ((s mod 10) or 10) × 2."""
    p = 10
    for d in digits:
        s = p % 11 + ord(d) - 48
        p = (s % 10 or 10) * 2
    return p


def reg_check_digit(first14: str) -> str:
    """Check digit of a 15-digit 注册号 (ISO 7064 MOD 11,10 hybrid system).

    The digit c is chosen so that (p mod 11 + c) mod 10 = 1, where p is the running
    value after the first 14 digits, i.e. c = (1 − p mod 11) mod 10. Worked example
    for 37130000000001: p runs 10→6→6→14→12→2→4→8→16→10→20→18→14→6→14,
    p mod 11 = 3, c = (1 − 3) mod 10 = 8: 371300000000018 is valid.
    """
    if len(first14) != 14 or not first14.isascii() or not first14.isdigit():
        raise ValueError("need 14 ASCII digits")
    return str((1 - _mod_11_10(first14) % 11) % 10)


def make_reg_number(first14: str) -> str:
    """A valid 15-digit 注册号: `first14` followed by its check digit."""
    return first14 + reg_check_digit(first14)


def check_reg_number(code: str) -> CodeIssue | None:
    """None if `code` is a 15-digit 注册号 with the right ISO 7064 MOD 11,10 check digit."""
    if len(code) != 15:
        return CodeIssue(f"注册号应为 15 位数字，实际为 {len(code)} 位",
                         f"a registration number has 15 digits, this one has {len(code)}",
                         "按旧营业执照填写 15 位注册号；已换发新照的填统一社会信用代码",
                         "copy the 15 digits from the old licence, or give the USCC if the entity has one",
                         "regno.length")
    bad = _bad_char_issue(code, "0123456789", "注册号", "registration number", "regno.char")
    if bad:
        return bad
    expected = reg_check_digit(code[:14])
    if code[14] != expected:
        return CodeIssue(f"注册号校验位错误：第 15 位是“{code[14]}”，按前 14 位应为“{expected}”",
                         f"registration number check digit is {code[14]!r}, the first 14 digits give {expected!r}",
                         "核对注册号是否抄错，以营业执照为准", "compare the number with the business licence",
                         "regno.check")
    return None


# ---------------------------------------------------------------------------
# 公民身份号码 (GB 11643-1999)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def make_id_number(first17: str) -> str:
    """A valid 18-character number: `first17` (17 ASCII digits) followed by its check character."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need 17 ASCII digits")
    return first17 + _id_check_char(first17)


def check_id_number(code: str) -> CodeIssue | None:
    """None if `code` is an 18-character 公民身份号码: 17 digits, a real birth date
    (YYYYMMDD at positions 7–14, year from 1800:
    the standard's own example 440524188001010014 was born in 1880) and the check character (0–9 or upper-case X).

    The address code (positions 1–6) is not checked: it is the code at issue time.
    """
    if len(code) != 18:
        return CodeIssue(f"身份证号码应为 18 位，实际为 {len(code)} 位",
                         f"an ID number has 18 characters, this one has {len(code)}",
                         "填写 18 位公民身份号码（旧 15 位号码须先升位）",
                         "give the 18-character number (convert an old 15-digit number first)", "id.length")
    bad = (_bad_char_issue(code, "0123456789", "身份证号码", "ID number", "id.char", 0, 17)
           or _bad_char_issue(code, "0123456789X", "身份证号码", "ID number", "id.char", 17))
    if bad:
        return bad
    if not valid_birth_date(code[6:14]):
        return CodeIssue(f"身份证号码第 7–14 位“{code[6:14]}”不是有效的出生日期",
                         f"positions 7–14 {code[6:14]!r} are not a valid birth date",
                         "核对出生日期（年月日，8 位）", "check the birth date (YYYYMMDD)", "id.birthdate")
    expected = _id_check_char(code[:17])
    if code[17] != expected:
        return CodeIssue(f"身份证号码校验位错误：第 18 位是“{code[17]}”，按前 17 位应为“{expected}”",
                         f"ID number check character is {code[17]!r}, the first 17 digits give {expected!r}",
                         "核对号码是否抄错，以身份证为准", "compare the number with the ID card", "id.check")
    return None


def valid_birth_date(yyyymmdd: str) -> bool:
    """True for a real date YYYYMMDD from 1800 on (positions 7–14 of an ID number)."""
    try:
        return int(yyyymmdd[:4]) >= 1800 and _dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])) is not None
    except ValueError:
        return False


def is_valid_id_number(code: str) -> bool:
    return check_id_number(code) is None


# ---------------------------------------------------------------------------
# Bank cards (mobile numbers in text: `registry.freetext`)


def luhn_ok(number: str) -> bool:
    """True if `number` (ASCII digits only, at least 2) passes the Luhn check used by bank cards."""
    if len(number) < 2 or not number.isascii() or not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# ---------------------------------------------------------------------------
# Reference tables (data/*.csv, UTF-8 with a header row)

def _read_table(name: str) -> list[dict[str, str]]:
    text = resources.files("shuangsuiji.core").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def _regions() -> dict[str, str]:
    """Current GB/T 2260 codes → name."""
    return {r["code"]: r["name"] for r in _read_table("gbt2260.csv")}


@functools.cache
def _former_regions() -> dict[str, str]:
    """GB/T 2260 codes abolished since 2015 → name; they still appear in USCCs and old records."""
    return {r["code"]: r["name"] for r in _read_table("gbt2260_former.csv")}


@functools.cache
def _zones() -> dict[str, tuple[str, str]]:
    """Statistical codes of development zones (not GB/T 2260) → (short name, full name)."""
    return {r["code"]: (r["name"], r["full_name"]) for r in _read_table("zones.csv")}


def is_region(code: str, *, former: bool = False) -> bool:
    """True for a current GB/T 2260 code or a zone's statistical code; with `former`,
    also for a code abolished since 2015."""
    return code in _regions() or code in _zones() or (former and code in _former_regions())


@functools.cache
def _provinces() -> frozenset[str]:
    return frozenset(c[:2] for c in (*_regions(), *_former_regions()))


def is_province(prefix: str) -> bool:
    """True if the two digits open a GB/T 2260 code (11 北京 … 82 澳门): an ID number's region."""
    return prefix in _provinces()


def region_name(code: str, *, full: bool = False) -> str | None:
    """Name of a region or zone (兰山区), or with `full` its whole name (山东省临沂市兰山区,
    临沂高新技术产业开发区); None if unknown."""
    if code in _zones():
        short, long = _zones()[code]
        return long if full else short
    names = _regions() if code in _regions() else _former_regions()
    name = names.get(code)
    if name is None or not full or code.endswith("0000"):
        return name
    parts = [region_name(code[:2] + "0000"), region_name(code[:4] + "00") if not code.endswith("00") else None, name]
    return "".join(p for p in parts if p)


# ---------------------------------------------------------------------------
# GB/T 4754-2017 国民经济行业分类

_INDUSTRY_CODE_RE = re.compile(r"([A-T])?([0-9]{2,4})|[A-T]")


@functools.cache
def _industries() -> tuple[dict[str, str], dict[str, str]]:
    """(code → name, division → section letter). The table lists each section row
    before its divisions, so the section of a division is the last letter above it."""
    names: dict[str, str] = {}
    section_of: dict[str, str] = {}
    section = ""
    for r in _read_table("gbt4754.csv"):
        names[r["code"]] = r["name"]
        if r["level"] == "门类":
            section = r["code"]
        elif r["level"] == "大类":
            section_of[r["code"]] = section
    return names, section_of


@functools.cache
def _detailed_divisions() -> frozenset[str]:
    """Divisions whose groups and classes are all in the table."""
    return frozenset(c[:2] for c in _industries()[0] if len(c) > 2 and c[0].isdigit())


def _industry_key(code: str) -> str | None:
    """The plain code ("C1492" → "1492"), or None if it is not of the form of an industry code
    or its section letter does not match its division."""
    m = _INDUSTRY_CODE_RE.fullmatch(code)
    if m is None:
        return None
    if m.group(2) is None:
        return code
    digits = m.group(2)
    if m.group(1) and _industries()[1].get(digits[:2]) != m.group(1):
        return None
    return digits


def industry_name(code: str) -> str | None:
    """Name of a section (C), division (14), group (149) or class (1492); a section letter
    may precede a number ("C1492"). None if the code is not in the table."""
    key = _industry_key(code)
    return None if key is None else _industries()[0].get(key)


def industry_section(code: str) -> str | None:
    """Section letter (门类) of an industry code, or None if its division is unknown."""
    key = _industry_key(code)
    if key is None:
        return None
    if key.isalpha():
        return key if key in _industries()[0] else None
    return _industries()[1].get(key[:2])


def is_industry(code: str) -> bool:
    """True if `code` is a GB/T 4754-2017 code.

    Every section and division is in the table, and every group and class of the
    divisions it details; a 3- or 4-digit code under a division it does not detail is
    accepted, as it cannot be refuted.
    """
    key = _industry_key(code)
    if key is None:
        return False
    names = _industries()[0]
    if key in names:
        return True
    division = key[:2]
    return len(key) > 2 and division in _industries()[1] and division not in _detailed_divisions()
