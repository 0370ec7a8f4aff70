"""Departments (附件1), with their names exactly as the plan writes them and their history."""

from __future__ import annotations

from datetime import date as Day
from typing import Literal

from shuangsuiji.registry.models.base import DIVISION_PATTERN, Level, Ratio, Record, Slug, private, public


class DepartmentEvent(Record):
    """A rename, merger or abolition: old records keep the department's old name."""

    date: Day = public("日期")
    event: Literal["设立", "更名", "并入", "撤销"] = public("事件")
    into: Slug | None = public("并入/改为部门", default=None)
    name: str | None = public("新名称", pii_free=True, default=None)
    basis: str | None = public("依据", default=None)


class Department(Record):
    id: Slug = public("部门编号（文件夹名）")
    name: str = public("简称（按实施方案原文）", pii_free=True, description="如 市发改委、经信委")
    full_name: str = public("全称", pii_free=True)
    level: Level = public("层级")
    region: str = public("所在区划代码", pii_free=True, pattern=DIVISION_PATTERN)
    annex1: bool = public("列入实施方案附件1", default=False)
    coordinator: bool = public("市职能办（可修改全部数据）", default=False)
    active: bool = public("现存", default=True)
    history: list[DepartmentEvent] = public("沿革", default_factory=list)
    owners: list[str] = private("维护人账号", default_factory=list,
                                description="GitHub/Gitea 账号或团队，用于生成 CODEOWNERS")


class DepartmentsFile(Record):
    departments: list[Department] = public("部门列表", min_length=1)


class RatioTable(Record):
    """Default ratios by credit-risk class, and raised ratios for flagged targets."""

    A: Ratio = private("A 类（低风险）比例", default="0.02")
    B: Ratio = private("B 类（一般风险）比例", default="0.05")
    C: Ratio = private("C 类（较高风险）比例", default="0.2")
    D: Ratio = private("D 类（高风险）比例", default="1")
    flagged: Ratio = private("列入经营异常名录/严重违法失信/投诉举报多的比例", default="0.2")


class Unit(Record):
    id: Slug = public("执法单位编号")
    name: str = public("执法单位名称", pii_free=True)


class DepartmentConfig(Record):
    """`<dept>/config.yaml`: the department's own settings."""

    department: Slug = public("部门编号")
    ratios: RatioTable = private("按信用风险分类的默认抽查比例", default_factory=RatioTable)
    max_per_year: int = public("同一事项同一对象每年最多抽查次数", default=1, ge=1)
    units: list[Unit] = public("执法单位（抽取人员的单位）", default_factory=list)
    rules_published: Day | None = public("实施细则公布日期", default=None)
