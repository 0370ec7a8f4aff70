"""Shared pieces of the record models: visibility declarations, ids, vocabularies.

Every field of every record declares its visibility here, in the schema, and
nothing else decides what is public: the redaction stage and the JSON Schema
(`x-visibility`) both read these declarations.

Every published string is scanned for personal data (`freetext`) unless it cannot carry
any: a field declared `public(..., pii_free=True)` (codes, organisation names, URLs,
hashes, public officials' names; `x-pii-free` in the schema), or a type that admits no
free text (Literal vocabularies, dates, numbers, and the `PII_FREE`-marked types below:
ids, checked codes, ratios). The default is scanned.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from shuangsuiji.core import codes


class Visibility(StrEnum):
    PUBLIC = "public"  # published as is
    MASKED = "masked"  # published masked (张*, 138****1234, 371302********1234)
    PRIVATE = "private"  # never published
    WITHHELD = "withheld"  # shown as "依法不予公开：涉及…" unless an approval releases it


WithheldReason = Literal["商业秘密", "个人隐私"]
MaskKind = Literal["name", "mobile", "phone", "id_number"]


def _field(vis: Visibility, title: str, extra: dict[str, Any] | None, **kw) -> Any:
    schema_extra = {"x-visibility": vis.value, **(extra or {})}
    return Field(title=title, json_schema_extra=schema_extra, **kw)


def public(title: str, pii_free: bool = False, **kw) -> Any:
    """A field published as it is; scanned for personal data unless `pii_free` declares that
    it cannot hold any (a code, an organisation's name, a URL, a hash, an official's name)."""
    return _field(Visibility.PUBLIC, title, {"x-pii-free": True} if pii_free else None, **kw)


def masked(title: str, mask: MaskKind, **kw) -> Any:
    """A field published only masked by the conventions of domain.md."""
    return _field(Visibility.MASKED, title, {"x-mask": mask}, **kw)


def private(title: str, **kw) -> Any:
    """A field that never leaves the registry."""
    return _field(Visibility.PRIVATE, title, None, **kw)


def withheld(title: str, reason: WithheldReason, public_for_types: list[str] | None = None, **kw) -> Any:
    """A field shown as withheld with its reason unless an approval record releases it.

    `public_for_types`: target types for which the value is an entity's public
    registration data rather than a person's (e.g. an enterprise's 住所).
    """
    extra: dict[str, Any] = {"x-withheld-reason": reason}
    if public_for_types:
        extra["x-public-for-types"] = public_for_types
    return _field(Visibility.WITHHELD, title, extra, **kw)


def visibility_of(model: type[BaseModel], name: str) -> Visibility:
    extra = model.model_fields[name].json_schema_extra
    return Visibility(extra["x-visibility"])  # type: ignore[index]


def field_meta(model: type[BaseModel], name: str) -> dict[str, Any]:
    return dict(model.model_fields[name].json_schema_extra or {})  # type: ignore[arg-type]


class _PiiFree:
    """Annotated marker of a type that cannot carry personal data; shown as `x-pii-free` in the schema."""

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        schema["x-pii-free"] = True
        return schema

    def __repr__(self) -> str:
        return "PII_FREE"


PII_FREE = _PiiFree()


@functools.cache  # annotations are hashable; asked once per field
def admits_text(annotation: Any) -> bool:
    """True if a value of this type can hold free text (a plain or `Text` str anywhere in it):
    not a Literal, a date, a number, or a `PII_FREE` type."""
    if annotation is str:
        return True
    if get_origin(annotation) is Literal:
        return False
    if PII_FREE in getattr(annotation, "__metadata__", ()):
        return False
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and getattr(annotation, "__metadata__", None) is not None:  # Annotated[X, …]
        return admits_text(origin)
    return any(admits_text(a) for a in get_args(annotation) if a is not type(None))


def scanned(model: type[BaseModel], name: str) -> bool:
    """True if the field's strings are scanned for personal data (the default), False if the
    model declares it cannot carry any (`pii_free=True`) or its type admits no free text."""
    info = model.model_fields[name]  # pydantic moves a top-level Annotated's markers into `metadata`
    return (not (info.json_schema_extra or {}).get("x-pii-free") and PII_FREE not in info.metadata  # type: ignore[union-attr]
            and admits_text(info.annotation))


class Record(BaseModel):
    """Base of all registry records: unknown keys are errors, strings are NFC."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True,
                              use_enum_values=True, validate_default=False)


# --- ids -------------------------------------------------------------------------------

_SLUG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _nfc(v: Any) -> Any:
    return unicodedata.normalize("NFC", v) if isinstance(v, str) else v


def check_slug(v: str) -> str:
    """Ids become file names and URLs: only letters, digits, '-' and '_' (no '/', '..', control chars)."""
    if _CONTROL_RE.search(v):
        raise ValueError("编号含控制字符 / id contains control characters")
    if "/" in v or "\\" in v or ".." in v:
        raise ValueError("编号不能含 '/'、'\\' 或 '..'，它会变成文件路径 / id must not contain '/', '\\' or '..'")
    if not _SLUG_RE.fullmatch(v):
        raise ValueError("编号只能由字母、数字、'-'、'_' 组成，以字母或数字开头，最长 64 位 / "
                         "id may only hold letters, digits, '-' and '_', start with a letter or digit, ≤ 64 chars")
    return v


def check_text(v: str) -> str:
    """Free text may hold line breaks and tabs but no other control characters."""
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", v):
        raise ValueError("文本含控制字符 / text contains control characters")
    return v


def _code_check(check):
    """An AfterValidator raising the identifier check's own precise message (kind `code.<kind>`)."""

    def run(v: str) -> str:
        issue = check(v)
        if issue is not None:
            raise PydanticCustomError(f"code.{issue.code}", "{zh} / {en}",
                                      {"zh": issue.zh, "en": issue.en, "fix_zh": issue.fix_zh, "fix_en": issue.fix_en})
        return v

    return AfterValidator(run)


def _region_issue(v: str):
    if codes.is_region(v):
        return None
    return codes.CodeIssue(f"区域代码 {v} 不是有效的 GB/T 2260 代码（或功能区统计代码）",
                           f"{v} is not a GB/T 2260 region code (or a zone's statistical code)",
                           "使用县级代码，如 371302 兰山区", "use a county-level code such as 371302", "region")


def _industry_issue(v: str):
    if codes.is_industry(v):
        return None
    return codes.CodeIssue(f"行业代码 {v} 不在 GB/T 4754-2017 中", f"{v} is not a GB/T 4754-2017 code",
                           "使用门类、大类、中类或小类代码，如 5211", "use a section, division, group or class code", "industry")


USCC = Annotated[str, _code_check(codes.check_uscc), PII_FREE]
RegNo = Annotated[str, _code_check(codes.check_reg_number), PII_FREE]
IdNumber = Annotated[str, _code_check(codes.check_id_number)]  # personal data itself: only private fields
RegionCode = Annotated[str, _code_check(_region_issue), PII_FREE]
IndustryCode = Annotated[str, _code_check(_industry_issue), PII_FREE]

# An id can hold digits, so a mobile typed as an id is caught by the leak audit's shape scan.
Slug = Annotated[str, BeforeValidator(_nfc), AfterValidator(check_slug), PII_FREE]
Text = Annotated[str, BeforeValidator(_nfc), AfterValidator(check_text)]
RATIO_PATTERN = r"^(\d+(\.\d+)?|\d+/[1-9]\d*)$"
YEAR_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
Ratio = Annotated[str, Field(pattern=RATIO_PATTERN), PII_FREE]
YearMonth = Annotated[str, Field(pattern=YEAR_MONTH_PATTERN), PII_FREE]
TARGET_ID_PATTERN = r"^[0-9A-Z]{15}$|^[0-9A-Z]{18}$"
DIVISION_PATTERN = r"^\d{6}$"

# Every pattern of the models in words, with an example: messages never show a regular expression.
FORMAT_WORDS: dict[str, tuple[str, str]] = {
    RATIO_PATTERN: ("比例，写成小数或分数，如 0.05 或 1/20", "a ratio written as a decimal or a fraction, e.g. 0.05 or 1/20"),
    YEAR_MONTH_PATTERN: ("年月，如 1980-05", "a year and month such as 1980-05"),
    TARGET_ID_PATTERN: ("18 位统一社会信用代码或 15 位注册号（数字和大写字母），如 91371302MA3C8XXXXX",
                        "an 18-character USCC or a 15-character registration number (digits and capital letters)"),
    DIVISION_PATTERN: ("6 位数字的区划代码，如 371302", "a 6-digit division code such as 371302"),
    r"^[0-9a-f]{96}$": ("96 位十六进制数字（0–9、a–f）", "96 hexadecimal digits (0-9, a-f)"),
    r"^(result|target):[0-9A-Za-z_-]+$": ("“result:结果编号”或“target:对象代码”，如 result:R-0001",
                                           "'result:<result id>' or 'target:<code>', e.g. result:R-0001"),
}


# --- vocabularies (domain.md) ---------------------------------------------------------

TargetType = Literal["企业", "个体工商户", "农民专业合作社", "事业单位", "社会组织", "民办非企业单位"]
RegStatus = Literal["存续", "注销", "吊销", "迁出"]
CreditClass = Literal["A", "B", "C", "D"]
CREDIT_LABELS = {"A": "低", "B": "一般", "C": "较高", "D": "高"}
CreditFlag = Literal["经营异常名录", "严重违法失信名单", "投诉举报多"]
Method = Literal["实地检查", "书面检查", "网络监测", "检验检测", "委托专业机构辅助"]
ItemCategory = Literal["重点检查事项", "一般检查事项"]
Level = Literal["市级", "县级"]
OUTCOMES = ("未发现问题", "发现问题已责令改正", "发现问题待后续处理", "未发现开展本次抽查涉及的经营活动",
            "已关闭停业或正在组织清算", "不配合检查情节严重", "注销", "被吊销", "被撤销", "迁出")
Outcome = Literal["未发现问题", "发现问题已责令改正", "发现问题待后续处理", "未发现开展本次抽查涉及的经营活动",
                  "已关闭停业或正在组织清算", "不配合检查情节严重", "注销", "被吊销", "被撤销", "迁出"]
ProblemKind = Literal["未按规定公示应当公示的信息", "公示信息隐瞒真实情况弄虚作假",
                      "通过登记的住所（经营场所）无法联系", "违反其他部门相关规定"]
FollowUp = Literal["无需后续处置", "责令改正并跟踪", "移送办案机构", "抄告相关部门", "移送司法机关",
                   "列入经营异常名录", "其他"]
ResultStatus = Literal["草稿", "待审核", "已公示", "更正", "撤回"]
# Results a reader may see: published, corrected (current content), never drafts or withdrawn ones.
PUBLISHED_STATUSES = ("已公示", "更正")
ExceptionReason = Literal["投诉举报", "转办交办", "数据监测预警", "上级专项检查"]
RecusalReason = Literal["当事人或其近亲属", "与案件有直接利害关系", "当事人代理人的近亲属",
                        "其他关系可能影响公正", "客观原因无法参加"]
