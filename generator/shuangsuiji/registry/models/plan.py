"""Annual inspection plans (年度抽查计划)."""

from __future__ import annotations

from datetime import date as Day

from shuangsuiji.registry.models.base import Record, Slug, Text, public


class PlannedTask(Record):
    title: str = public("任务名称")
    items: list[Slug] = public("抽查事项", min_length=1)
    start: Day = public("计划开始")
    end: Day = public("计划结束")
    ratio: str | None = public("计划抽查比例", pii_free=True, default=None)
    partners: list[Slug] = public("联合抽查部门", default_factory=list)


class AnnualPlan(Record):
    """`<dept>/plans/<year>.yaml`."""

    id: Slug = public("计划编号")
    department: Slug = public("部门编号")
    year: int = public("年度", ge=2017, le=2100)
    seq: int = public("公告序号", ge=1)
    title: str = public("计划名称")
    filed: Day = public("报备日期")
    published: Day | None = public("公告日期", default=None)
    summary: Text | None = public("说明", default=None)
    tasks: list[PlannedTask] = public("计划任务", min_length=1)
