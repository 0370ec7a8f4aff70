"""Inspection tasks (抽查任务): what is drawn, from where, how many, by whom, with which seed."""

from __future__ import annotations

from datetime import date as Day, datetime as DateTime
from typing import Literal

from pydantic import model_validator

from shuangsuiji.registry.models.base import (CreditClass, ExceptionReason, Ratio, Record, Slug, TargetType, Text, public,
                                     private)

SeedKind = Literal["drand-quicknet", "lottery", "dice"]
SEED_KIND_NAMES = {"drand-quicknet": "drand 公共随机信标（quicknet 网络）", "lottery": "福利彩票开奖号码",
                   "dice": "掷骰子"}  # what a page calls each kind
Mode = Literal["双随机", "单随机-对象", "单随机-人员", "普查"]


class Scope(Record):
    regions: list[str] = public("区域（区划代码，空为全部）", pii_free=True, default_factory=list)
    industries: list[str] = public("行业代码前缀（空为全部）", pii_free=True, default_factory=list)
    types: list[TargetType] = public("主体类型（空为事项规定的类型）", default_factory=list)
    tags: list[Slug] = private("子库标签（空为全部）", default_factory=list)


class Period(Record):
    start: Day = public("检查开始日期")
    end: Day = public("检查结束日期")

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError("检查结束日期早于开始日期 / period ends before it starts")
        return self


class JointPartner(Record):
    """A partner department of a joint task: it draws its own inspectors for its slots."""

    department: Slug = public("配合部门")
    items: list[Slug] = public("配合部门的抽查事项", default_factory=list)
    slots: int = public("每户配合部门人员数", ge=1, default=1)


class SeedSource(Record):
    """One public randomness source, fixed before the commitment is published."""

    kind: SeedKind = public("随机源类型")
    round: int | None = public("drand 轮次（冻结时按公布时间+延迟确定）", default=None, ge=1)
    delay_hours: int = public("drand 延迟小时数", default=24, ge=1)
    lottery: str | None = public("彩票名称", default=None)
    draw_id: str | None = public("开奖期号", pii_free=True, default=None)
    date: Day | None = public("开奖或摇号日期", default=None)
    place: str | None = public("摇号地点", default=None)

    @model_validator(mode="after")
    def _complete(self):
        if self.kind == "lottery" and not (self.lottery and self.draw_id):
            raise ValueError("彩票随机源须写明彩票名称 lottery 与期号 draw_id / a lottery source needs lottery and draw_id")
        if self.kind == "dice" and not (self.date and self.place):
            raise ValueError("骰子随机源须写明日期 date 与地点 place / a dice source needs date and place")
        return self


class Task(Record):
    """`<dept>/tasks/<id>.yaml`."""

    id: Slug = public("任务编号")
    department: Slug = public("发起部门")
    year: int = public("年度", ge=2017, le=2100)
    seq: int = public("公告序号（第NNN号）", ge=1)
    title: str = public("任务名称")
    plan: Slug | None = public("所属年度计划", default=None)
    items: list[Slug] = public("抽查事项", min_length=1)
    mode: Mode = public("抽取方式", default="双随机")
    kind: Literal["定向", "不定向"] = public("抽查类型", default="定向")
    scope: Scope = public("抽查范围", default_factory=Scope)
    trigger: ExceptionReason | None = public("启动原因（A 类对象、频次例外须写明）", default=None)
    ratios: dict[CreditClass | Literal["flagged"], Ratio] = private("本任务调整的比例（按信用分类）",
                                                                   default_factory=dict)
    min_per_stratum: int = public("每层至少抽取数", default=1, ge=0)
    inspectors_per_target: int = public("每户执法检查人员数", default=2, ge=2)
    units: list[Slug] = public("抽取人员的执法单位（空为本部门全部）", default_factory=list)
    cap_slack: int = public("人员负载上限余量", default=1, ge=0)
    partners: list[JointPartner] = public("联合抽查配合部门", default_factory=list)
    named_inspectors: list[Slug] = public("单随机-对象：指定的执法检查人员", default_factory=list)
    fixed_targets: list[str] = public("单随机-人员：固定的检查对象", pii_free=True, default_factory=list)
    period: Period = public("检查期间")
    random_date: bool = public("随机确定每户检查日期", default=False)
    published: Day = public("任务公告日期（承诺值公布日期）")
    published_at: DateTime | None = public("承诺值公布时间（含时区；缺省按公告日 24:00 北京时间计）", default=None)
    seed_sources: list[SeedSource] = public("随机源", min_length=1)
    note: Text | None = public("说明", default=None)
