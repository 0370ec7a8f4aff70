"""The inspector directory (执法检查人员名录库, 附件4)."""

from __future__ import annotations

from datetime import date as Day
from typing import Literal

from shuangsuiji.registry.models.base import IdNumber, Record, Slug, YearMonth, private, public


class Inspector(Record):
    id: Slug = public("人员编号")
    name: str = public("姓名", pii_free=True)
    gender: Literal["男", "女"] = private("性别")
    birth: YearMonth = private("出生年月")
    id_number: IdNumber | None = private("身份证号码", default=None)
    phone: str | None = private("联系电话", default=None)
    title: str = public("职务")
    unit: Slug = public("工作单位编号")
    cert_no: str = public("执法证号", pii_free=True)
    cert_type: str = public("证件类型", default="山东省行政执法证")
    cert_issuer: str = public("发证机关", pii_free=True)
    cert_expiry: Day = public("有效期至")
    fields: list[str] = public("执法领域", min_length=1)
    items: list[Slug] = public("可检查事项", default_factory=list)
    expert: bool = public("专家或第三方（仅辅助检查）", default=False)
    status: Literal["在岗", "离岗", "调出"] = public("状态", default="在岗")


class InspectorsFile(Record):
    """`<dept>/inspectors.yaml`."""

    department: Slug = public("部门编号")
    inspectors: list[Inspector] = public("执法检查人员", min_length=1)
