"""Records of a draw that people write: source values, the ceremony, the event log.

The machine-written files of a draw (canonical tables, manifest, draw record) live
beside these in `<dept>/draws/<task>/` and are produced by `ssj draw`.
"""

from __future__ import annotations

from datetime import date as Day, datetime as DateTime
from typing import Literal

from shuangsuiji.registry.models.base import RecusalReason, Record, Slug, Text, private, public
from shuangsuiji.registry.models.task import SeedKind


# Fields of record.json (written by `ssj draw run`) that change as events are appended; the rest never does.
RECORD_CURRENT_KEYS = ("assignments", "log", "events")


class SourceValue(Record):
    """The value a seed source supplied, archived so verification needs no network."""

    kind: SeedKind = public("随机源类型")
    value: str = public("取值", pii_free=True, description="drand: 轮次:随机数；彩票: 期号:号码；骰子: 数字串")
    signature: str | None = public("drand BLS 签名（十六进制）", pii_free=True, default=None, pattern=r"^[0-9a-f]{96}$")
    witnesses: list[str] = public("见证人", pii_free=True, default_factory=list)
    evidence_sha256: list[str] = public("照片/录像文件 SHA-256", pii_free=True, default_factory=list)


class SourcesFile(Record):
    """`<dept>/draws/<task>/sources.yaml`."""

    task: Slug = public("任务编号")
    sources: list[SourceValue] = public("随机源取值", min_length=1)


class Witness(Record):
    name: str = public("姓名", pii_free=True)
    role: Literal["人大代表", "政协委员", "纪检监察", "社会第三方", "公证员"] = public("身份")


class Ceremony(Record):
    """Who ran the draw and who watched (全程留痕)."""

    ran_by: str = public("操作人（单位）")
    ran_at: DateTime = public("抽取时间")
    witnesses: list[Witness] = public("现场监督", default_factory=list)
    evidence_sha256: list[str] = public("照片/录像文件 SHA-256", pii_free=True, default_factory=list)


class DrawEvent(Record):
    """An appended event: a recusal (回避/递补) or the task's withdrawal. Never edited."""

    seq: int = public("序号", ge=1)
    type: Literal["回避", "撤回任务"] = public("事件类型")
    date: Day = public("日期")
    declared_by: str = public("申报/决定人")
    target: str | None = public("检查对象", pii_free=True, default=None)
    inspector: Slug | None = public("退出的执法检查人员", default=None)
    reason: RecusalReason | None = public("回避理由", default=None)
    note: Text | None = private("说明（内部）", default=None)


class ConflictDeclaration(Record):
    """A conflict of interest (回避) declared before the draw is frozen: the pair is never matched."""

    # The pair itself is public by construction: ranked(x), which the spec publishes, leaves it out.
    inspector: Slug = public("执法检查人员")
    target: str = public("检查对象", pii_free=True)
    reason: RecusalReason = private("回避理由")
    declared_by: str = private("申报人")
    date: Day = private("申报日期")


class ConflictsFile(Record):
    """`<dept>/draws/<task>/conflicts.yaml`: declared before `ssj draw freeze`, frozen into conflicts.tsv."""

    task: Slug = public("任务编号")
    conflicts: list[ConflictDeclaration] = private("回避申报", default_factory=list)


class EventsFile(Record):
    """`<dept>/draws/<task>/events.yaml`: append-only."""

    task: Slug = public("任务编号")
    events: list[DrawEvent] = public("事件", default_factory=list)
