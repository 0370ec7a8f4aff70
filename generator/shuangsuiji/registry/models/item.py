"""The item list (一单, 附件2 extended by the national templates) and the department's matters."""

from __future__ import annotations

from datetime import date as Day
from typing import Literal

from shuangsuiji.registry.models.base import (ItemCategory, Level, Method, Ratio, Record, Slug, TargetType, Text,
                                     public)


class LegalBasis(Record):
    law: str = public("法律法规规章名称", min_length=2)
    articles: str | None = public("条款", default=None, description="如 第十八条、第五十条")


class ChecklistRow(Record):
    """One row of the standard inspection form (一张表格管检查)."""

    no: int = public("序号", ge=1)
    check: Text = public("检查内容")
    basis: str | None = public("依据条款", default=None)
    method: Method | None = public("检查方式", default=None)
    standard: Text | None = public("判定标准", default=None)


class Item(Record):
    id: Slug = public("事项编号")
    seq: int = public("序号", ge=1)
    name: str = public("事项名称")
    category: ItemCategory = public("事项类别")
    basis: list[LegalBasis] = public("抽查依据", min_length=1,
                                     description="没有法律法规规章依据的，一律不得擅自开展检查")
    objects: str = public("抽查对象")
    target_types: list[TargetType] = public("抽查对象主体类型", min_length=1)
    content: Text = public("抽查内容")
    methods: list[Method] = public("抽查方式", min_length=1)
    ratio: Ratio | None = public("抽查比例", default=None, description="如 0.05；缺省用部门按信用分类的比例")
    frequency: str = public("抽查频次")
    max_per_year: int | None = public("同一对象每年最多抽查次数", default=None, ge=1)
    subject: str = public("检查主体", pii_free=True)
    level: Level = public("检查层级")
    initiator: Slug = public("发起部门")
    partners: list[Slug] = public("配合部门（联合抽查部门）", default_factory=list)
    publicity: str = public("抽查情况及查处结果公开方式")
    matters: list[Slug] = public("对应的检查事项（执法事项）编号", default_factory=list)
    checklist: list[ChecklistRow] = public("检查表格", default_factory=list)


class ReviewStep(Record):
    """The plan's review chain: 提交 → 市职能办审核 → 市政府法制办审查 → 公布."""

    step: Literal["提交", "市职能办审核", "市政府法制办审查", "公布"] = public("环节")
    date: Day = public("日期")
    by: str = public("经办（单位或人员）")
    note: Text | None = public("意见", default=None)


class ListChange(Record):
    date: Day = public("日期")
    summary: Text = public("调整内容")
    basis: str | None = public("调整依据", default=None)


class ItemList(Record):
    """`<dept>/items.yaml`: only a list whose review chain ends in 公布 reaches the site."""

    department: Slug = public("部门编号")
    review: list[ReviewStep] = public("审核审查记录", default_factory=list)
    changes: list[ListChange] = public("动态调整记录", default_factory=list)
    items: list[Item] = public("抽查事项", min_length=1)

    def published_on(self) -> Day | None:
        return next((s.date for s in self.review if s.step == "公布"), None)


class Matter(Record):
    """One inspection matter of the department (行政检查事项), random or not."""

    id: Slug = public("检查事项编号")
    name: str = public("检查事项名称")
    basis: str = public("依据")
    random: bool = public("纳入随机抽查", default=True)
    reason: str | None = public("未纳入随机抽查的理由", default=None)


class MattersFile(Record):
    """`<dept>/matters.yaml`: all the department's inspection matters, for the coverage figure."""

    department: Slug = public("部门编号")
    matters: list[Matter] = public("检查事项", min_length=1)
