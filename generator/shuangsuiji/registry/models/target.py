"""The target directory (检查对象名录库, 附件3). Stored as CSV shards: a city holds a million rows.

The credit-risk class, flags and sub-library tags are private: they drive ratios, and
a reader must not be able to infer them from anything published.
"""

from __future__ import annotations

from datetime import date as Day

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from shuangsuiji.registry.models.base import (TARGET_ID_PATTERN, USCC, CreditClass, CreditFlag, IdNumber,
                                              IndustryCode, RegionCode, RegNo, RegStatus, Record, Slug, TargetType,
                                              masked, private, public, withheld)

NON_PERSON_TYPES = ["企业", "农民专业合作社", "事业单位", "社会组织", "民办非企业单位"]


class Target(Record):
    id: str = public("对象编号", pii_free=True, pattern=TARGET_ID_PATTERN,
                     description="统一社会信用代码（18位）或老注册号（15位），大写")
    name: str = public("名称", pii_free=True, min_length=2)
    uscc: USCC | None = public("统一社会信用代码", default=None)
    reg_no: RegNo | None = public("注册号", default=None)
    type: TargetType = public("主体类型")
    address: str = withheld("住所（经营场所）", "个人隐私", public_for_types=NON_PERSON_TYPES)
    legal_rep: str = masked("负责人（法定代表人/经营者）", "name")
    phone: str | None = private("联系方式", default=None)
    id_number: IdNumber | None = private("负责人身份证号码", default=None)
    industry: IndustryCode = public("行业（GB/T 4754-2017）")
    region: RegionCode = public("区域（GB/T 2260）")
    status: RegStatus = public("登记状态")
    registered_by: str = public("登记机关", pii_free=True)
    established: Day | None = public("成立日期", default=None)
    credit_class: CreditClass = private("风险等级/信用状况（A–D）")
    flags: list[CreditFlag] = private("信用标记", default_factory=list)
    tags: list[Slug] = private("子库标签", default_factory=list)
    last_inspected: Day | None = private("上次检查日期", default=None)

    @model_validator(mode="after")
    def _id_is_code(self):
        if self.id not in (self.uscc, self.reg_no):
            raise PydanticCustomError("target.id", "{zh} / {en}", {
                "zh": "对象编号 id 应等于统一社会信用代码 uscc（无代码的老主体用注册号 reg_no）",
                "en": "id must equal the USCC (or the 注册号 of an old entity)",
                "fix_zh": "把 id 改为该对象的代码", "fix_en": "set id to the entity's code"})
        return self
