"""Identifier checks and reference tables (shuangsuiji.core.codes)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangsuiji.core import codes
from shuangsuiji.core.codes import (
    USCC_ALPHABET, check_id_number, check_reg_number, check_uscc, industry_name,
    industry_section, is_industry, is_region, is_valid_id_number, luhn_ok, make_id_number,
    make_reg_number, make_uscc, region_name, uscc_check_char, uscc_kind,
)
from shuangsuiji.core.errors import Problem
from shuangsuiji.registry.freetext import find_hits

# GB 32100-2015 weights written out, so the tests do not share the module's arithmetic.
_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def _naive_check(first17: str) -> str:
    s = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, _W))
    return USCC_ALPHABET[(31 - s % 31) % 31]


# ---------------------------------------------------------------- USCC

def test_uscc_spec_vector():
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert make_uscc("91350100M000100Y4") == "91350100M000100Y43"
    assert check_uscc("91350100M000100Y43") is None


@pytest.mark.parametrize("first17", [
    "N2371302MA3C4E5F6",   # 农业: 村级集体经济组织
    "Y1371300MB1234567",   # 其他
    "A1110000MC0000010",   # 中央军委改革和编制办公室
    "52371300MJD0012XY",   # 民政: 民办非企业单位
    "12371300004942512",   # 机构编制: 事业单位
    "92371302MA3PLX1K0",   # 个体工商户
])
def test_letter_prefixed_and_other_authorities_are_valid(first17):
    code = first17 + _naive_check(first17)
    assert make_uscc(first17) == code
    assert check_uscc(code) is None
    assert uscc_kind(code) is not None


def test_uscc_kind_table():
    assert uscc_kind("91350100M000100Y43") == ("工商（市场监管）", "企业")
    assert uscc_kind("92371302MA3PLX1K0X")[1] == "个体工商户"
    assert uscc_kind("93371302MA3PLX1K0X")[1] == "农民专业合作社"
    assert uscc_kind("N2371302MA3C4E5F6X") == ("农业", "村级集体经济组织")
    assert uscc_kind("53110000500000000X") == ("民政", "基金会")
    assert uscc_kind("94371302MA3PLX1K0X") is None  # 9 has kinds 1–3 only
    assert uscc_kind("B1371302MA3PLX1K0X") is None  # no authority B


def test_every_wrong_check_character_is_rejected_with_the_expected_one():
    body = "91350100M000100Y4"
    for ch in USCC_ALPHABET:
        issue = check_uscc(body + ch)
        if ch == "3":
            assert issue is None
        else:
            assert issue is not None and issue.code == "uscc.check"
            assert "“3”" in issue.zh and "'3'" in issue.en and f"“{ch}”" in issue.zh


_first17 = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@settings(max_examples=300, deadline=None)
@given(_first17, st.integers(0, 17), st.integers(1, 30))
def test_changing_any_one_character_makes_a_valid_code_invalid(first17, pos, shift):
    code = make_uscc(first17)
    assert code[-1] == _naive_check(first17)
    assert check_uscc(code) is None
    new = USCC_ALPHABET[(USCC_ALPHABET.index(code[pos]) + shift) % 31]
    changed = code[:pos] + new + code[pos + 1:]
    issue = check_uscc(changed)
    assert issue is not None and issue.code == "uscc.check"


@pytest.mark.parametrize("code, kind, where", [
    ("91350100I000100Y43", "uscc.char", "第 9 位"),     # I is not in the alphabet
    ("91350100M000100Y4O", "uscc.char", "第 18 位"),
    ("91350100m000100Y43", "uscc.char", "第 9 位"),
    ("91350100M000100Y4３", "uscc.char", "第 18 位"),   # full-width digit
    ("91350100M000100Y4", "uscc.length", "17 位"),
    ("91350100M000100Y433", "uscc.length", "19 位"),
    ("", "uscc.length", "0 位"),
])
def test_uscc_reasons_are_precise(code, kind, where):
    issue = check_uscc(code)
    assert issue is not None and issue.code == kind and where in issue.zh
    assert issue.en and issue.fix_zh and issue.fix_en


def test_uscc_hints():
    assert "大写" in check_uscc("91350100m000100Y43").fix_zh
    assert "半角" in check_uscc("91350100M000100Y4３").fix_zh
    assert "空白" in check_uscc("91350100M000100Y4 ").fix_zh


def test_code_issue_becomes_a_problem():
    p = check_uscc("91350100M000100Y44").problem(file="targets.yaml", line=3, field="targets[2].uscc")
    assert isinstance(p, Problem)
    assert (p.code, p.file, p.line, p.field) == ("uscc.check", "targets.yaml", 3, "targets[2].uscc")
    assert "校验位" in p.text()


def test_uscc_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100Y")
    with pytest.raises(ValueError):
        uscc_check_char("91350100O000100Y4")


# ---------------------------------------------------------------- 注册号 (ISO 7064 MOD 11,10)

def test_reg_number_worked_example():
    # Worked by hand in the docstring of reg_check_digit.
    assert make_reg_number("37130000000001") == "371300000000018"
    assert check_reg_number("371300000000018") is None
    issue = check_reg_number("371300000000011")
    assert issue.code == "regno.check" and "“8”" in issue.zh


def _mod_11_10_valid(number: str) -> bool:
    """ISO 7064 MOD 11,10 in its textbook form: the running value ends at 1."""
    p = 10
    for i, ch in enumerate(number):
        s = (p + int(ch)) % 10 or 10
        if i == len(number) - 1:
            return s % 10 == 1
        p = (s * 2) % 11


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=14, max_size=14), st.integers(0, 14), st.integers(1, 9))
def test_reg_number_single_digit_errors_are_caught(first14, pos, shift):
    number = make_reg_number(first14)
    assert _mod_11_10_valid(number)
    assert check_reg_number(number) is None
    changed = number[:pos] + str((int(number[pos]) + shift) % 10) + number[pos + 1:]
    assert not _mod_11_10_valid(changed)
    assert check_reg_number(changed).code == "regno.check"


@pytest.mark.parametrize("number, kind", [
    ("37130000000001", "regno.length"),
    ("3713000000000180", "regno.length"),
    ("37130000000001A", "regno.char"),
])
def test_reg_number_reasons(number, kind):
    assert check_reg_number(number).code == kind


# ---------------------------------------------------------------- 身份证 (GB 11643)

@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_id_number_standard_examples(number):
    assert check_id_number(number) is None
    assert is_valid_id_number(number)
    assert make_id_number(number[:17]) == number


@pytest.mark.parametrize("number, kind", [
    ("110105194912310021", "id.check"),
    ("11010519491231002x", "id.char"),
    ("1101051949123100X2", "id.char"),
    ("110105194902300023", "id.birthdate"),   # 30 February
    ("110105179912310023", "id.birthdate"),   # before 1800
    ("110105491231002", "id.length"),         # old 15-digit number
])
def test_id_number_reasons(number, kind):
    issue = check_id_number(number)
    assert issue is not None and issue.code == kind
    assert not is_valid_id_number(number)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1800, 1, 1)), st.integers(0, 999), st.integers(0, 16),
       st.integers(1, 9))
def test_id_number_single_digit_errors_are_caught(birth, seq, pos, shift):
    number = make_id_number(f"371302{birth:%Y%m%d}{seq:03d}")
    assert is_valid_id_number(number)
    changed = number[:pos] + str((int(number[pos]) + shift) % 10) + number[pos + 1:]
    assert not is_valid_id_number(changed)


# ---------------------------------------------------------------- mobile, bank card

def test_mobile_numbers_in_text():
    """The one mobile pattern (registry.freetext): whole numbers only, never inside a longer digit run."""
    def mobiles(text: str) -> list[str]:
        return [text[h.start:h.end] for h in find_hits(text) if h.kind == "mobile"]

    assert mobiles("13812345678") == ["13812345678"] and mobiles("19912345678") == ["19912345678"]
    for bad in ("12812345678", "1381234567", "138123456789"):
        assert mobiles(bad) == [], bad
    text = "联系电话13812345678，身份证11010519491231002X，账号6222021234567890123，座机053988888888"
    assert mobiles(text) == ["13812345678"]


def test_luhn():
    assert luhn_ok("79927398713")
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("79927398710")
    assert not luhn_ok("4111111111111112")
    for bad in ("", "7", "7992 7398 713", "７9927398713"):
        assert not luhn_ok(bad)


# ---------------------------------------------------------------- GB/T 2260

LINYI = {
    "371302": "兰山区", "371311": "罗庄区", "371312": "河东区", "371321": "沂南县", "371322": "郯城县",
    "371323": "沂水县", "371324": "兰陵县", "371325": "费县", "371326": "平邑县", "371327": "莒南县",
    "371328": "蒙阴县", "371329": "临沭县",
}


def test_linyi_and_its_county_units():
    assert region_name("371300") == "临沂市"
    assert region_name("370000") == "山东省"
    for code, name in LINYI.items():
        assert is_region(code) and region_name(code) == name
        assert region_name(code, full=True) == "山东省临沂市" + name
    table = codes._regions()
    assert sorted(c for c in table if c.startswith("3713") and c != "371300") == sorted(LINYI)


def test_linyi_zones_are_not_gbt2260_but_are_regions():
    zones = {"371371": ("高新区", "临沂高新技术产业开发区"), "371372": ("经开区", "临沂经济技术开发区"),
             "371373": ("临港区", "临沂临港经济开发区")}
    for code, (short, full) in zones.items():
        assert code not in codes._regions()
        assert is_region(code)
        assert region_name(code) == short and region_name(code, full=True) == full


def test_province_level_codes():
    provinces = {c: n for c, n in codes._regions().items() if c.endswith("0000")}
    assert len(provinces) == 34
    assert provinces["110000"] == "北京市" and provinces["650000"] == "新疆维吾尔自治区"
    assert provinces["810000"] == "香港特别行政区" and provinces["820000"] == "澳门特别行政区"


def test_shandong_prefectures_and_counties():
    table = codes._regions()
    prefectures = [c for c in table if c.startswith("37") and c.endswith("00") and c != "370000"]
    assert len(prefectures) == 16
    counties = [c for c in table if c.startswith("37") and not c.endswith("00")]
    assert len(counties) == 136
    assert all(c[:4] + "00" in table for c in counties)
    assert "371200" not in table  # 莱芜市, merged into 济南市 in 2019


def test_former_codes_only_on_request():
    assert not is_region("371202")
    assert is_region("371202", former=True)
    assert region_name("371202", full=True) == "山东省莱芜市莱城区"
    assert not is_region("371399") and region_name("371399") is None
    assert not is_region("371399", former=True)


# ---------------------------------------------------------------- GB/T 4754-2017

SECTION_RANGES = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52), "G": (53, 60),
    "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79),
    "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}


def test_all_sections_and_divisions():
    names, section_of = codes._industries()
    assert sorted(c for c in names if c.isalpha()) == list("ABCDEFGHIJKLMNOPQRST")
    assert sorted(section_of) == [f"{i:02d}" for i in range(1, 98)]
    for letter, (lo, hi) in SECTION_RANGES.items():
        for i in range(lo, hi + 1):
            assert industry_section(f"{i:02d}") == letter
            assert industry_section(f"{i:02d}1") == letter


def test_industry_hierarchy_is_complete():
    names, _ = codes._industries()
    groups = {c for c in names if len(c) == 3}
    classes = {c for c in names if len(c) == 4}
    assert all(c[:3] in groups for c in classes)
    assert all(any(k.startswith(g) for k in classes) for g in groups)


@pytest.mark.parametrize("code, name, section", [
    ("H", "住宿和餐饮业", "H"),
    ("14", "食品制造业", "C"),
    ("1492", "保健食品制造", "C"),
    ("2682", "化妆品制造", "C"),
    ("2740", "中成药生产", "C"),
    ("5212", "超级市场零售", "F"),
    ("5251", "西药零售", "F"),
    ("6210", "正餐服务", "H"),
    ("6121", "经济型连锁酒店", "H"),
    ("7020", "物业管理", "K"),
    ("8415", "专科医院", "Q"),
    ("8310", "学前教育", "P"),
    ("9013", "网吧活动", "R"),
    ("H6210", "正餐服务", "H"),
])
def test_industry_names(code, name, section):
    assert industry_name(code) == name
    assert industry_section(code) == section
    assert is_industry(code)


def test_industry_rejections():
    assert not is_industry("C6210")     # 62 is in section H
    assert not is_industry("6219")      # division 62 is fully listed; no class 6219
    assert not is_industry("98")        # there are 97 divisions
    assert not is_industry("U")
    assert not is_industry("62100") and not is_industry("6")
    assert industry_name("6219") is None and industry_section("98") is None
    # Division 33 is listed without its groups: a well-formed code cannot be refuted.
    assert is_industry("3311") and industry_name("3311") is None and industry_section("3311") == "C"
