"""Inspection results (抽查结果), with their status, first and current content, and corrections."""

from __future__ import annotations

from datetime import date as Day
from typing import Literal

from pydantic import model_validator

from shuangsuiji.registry.models.base import (ExceptionReason, FollowUp, Outcome, ProblemKind, Record, ResultStatus, Slug,
                                     Text, private, public, withheld)


class ResultContent(Record):
    """What a result said at one time (its first content is kept when it is corrected).

    The vocabulary fields were published before the correction and a correction notice says
    what it changed (更正前/更正后), so they are public; the free-text remarks stay private."""

    outcome: list[Outcome] = public("检查结果")
    problems: list[ProblemKind] = public("问题类型", default_factory=list)
    follow_ups: list[FollowUp] = public("后续处置", default_factory=list)
    remarks: Text | None = private("备注", default=None)


class Revision(Record):
    date: Day = public("日期")
    action: Literal["提交审核", "审核通过", "公示", "更正", "撤回"] = public("操作")
    by: str = public("经办")
    reason: Text | None = public("理由", default=None)


class Result(Record):
    id: Slug = public("结果编号")
    target: str = public("检查对象编号", pii_free=True)
    items: list[Slug] = public("抽查事项", min_length=1)
    inspectors: list[Slug] = public("执法检查人员", min_length=2)
    started_on: Day | None = public("检查开始日期", default=None)
    inspected_on: Day = public("检查完成日期")
    outcome: list[Outcome] = public("检查结果", min_length=1)
    problems: list[ProblemKind] = public("问题类型", default_factory=list)
    follow_ups: list[FollowUp] = public("后续处置", default_factory=list)
    remarks: Text | None = public("备注")
    details: Text | None = withheld("检查情况详情", "商业秘密", default=None)
    persons: list[str] = private("在场或涉及的自然人姓名", default_factory=list,
                                 description="用于在自由文本中识别并遮蔽这些姓名")
    exception: ExceptionReason | None = public("频次例外理由", default=None)
    status: ResultStatus = public("状态")
    submitted: Day | None = public("提交日期", default=None)
    published_on: Day | None = public("公示日期", default=None)
    abnormal_listed_on: Day | None = public("列入经营异常名录日期", default=None)
    referred_on: Day | None = public("移送司法机关日期", default=None)
    first: ResultContent | None = public("首次公示内容（更正后保留；备注不公开）", default=None)
    revisions: list[Revision] = public("办理记录", default_factory=list)

    @model_validator(mode="after")
    def _outcome_rules(self):
        if "未发现问题" in self.outcome and len(self.outcome) > 1:
            raise ValueError("“未发现问题”不能与其他检查结果同时选择 / 未发现问题 excludes the other outcomes")
        if self.problems and "发现问题待后续处理" not in self.outcome:
            raise ValueError("填写了问题类型，检查结果须包含“发现问题待后续处理” / problems need 发现问题待后续处理")
        if self.status in ("已公示", "更正") and self.published_on is None:
            raise ValueError("已公示的结果须填写公示日期 published_on / a published result needs published_on")
        return self


class ResultsFile(Record):
    """`<dept>/results/<task-id>.yaml`: the results of one task."""

    department: Slug = public("部门编号")
    task: Slug = public("任务编号")
    results: list[Result] = public("检查结果", default_factory=list)
