"""The liaison table (工作联络表, 附件5): names are public, phones never are."""

from __future__ import annotations

from datetime import date as Day
from typing import Literal

from shuangsuiji.registry.models.base import Record, Slug, Text, private, public


class Liaison(Record):
    role: Literal["分管负责人", "牵头科室负责人", "联络员"] = public("人员")
    name: str = public("姓名", pii_free=True)
    title: str = public("职务")
    office_phone: str | None = private("办公电话", default=None)
    mobile: str | None = private("手机号", default=None)
    note: Text | None = public("备注", default=None)


class LiaisonFile(Record):
    """`<dept>/liaison.yaml`."""

    department: Slug = public("部门编号")
    lead_office: str = public("牵头科室", pii_free=True)
    submitted: Day = public("报送日期")
    people: list[Liaison] = public("联络人员", min_length=1)
