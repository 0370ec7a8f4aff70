"""Approvals that release a withheld value (商业秘密/个人隐私) for publication."""

from __future__ import annotations

from datetime import date as Day

from shuangsuiji.registry.models.base import Record, Slug, public


class Approval(Record):
    record: str = public("记录（如 result:R-0001 或 target:9137…）", pii_free=True, pattern=r"^(result|target):[0-9A-Za-z_-]+$")
    field: str = public("字段名", pii_free=True)
    approved_on: Day = public("批准日期")
    approved_by: str = public("批准机关", pii_free=True)
    basis: str = public("依据（如 权利人同意、公共利益需要）")


class ApprovalsFile(Record):
    """`<dept>/approvals.yaml`."""

    department: Slug = public("部门编号")
    approvals: list[Approval] = public("公开审批", default_factory=list)
