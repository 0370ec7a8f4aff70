"""Supervision dashboard (工作进度台账) for 市职能办: each department's milestones, done or overdue.

Layer: analysis. Milestones are the 2017 plan's deadlines (4/20 liaison, 4/25 submission,
5/31 publication, city and county) and those of `config.deadlines`, keyed `<year>-<milestone>`
(vocabulary: `models.config.MILESTONES`); a config deadline replaces the plan's one of the same
key, so each milestone appears once per department. A milestone is done when the registry holds
its evidence, with its date; it applies only while the department exists (established before the
due date, not yet merged away): merged-away departments are listed under their successor.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from shuangsuiji.analysis.stats import Fact
from shuangsuiji.core.terminal import table
from shuangsuiji.core.yamlio import atomic_write_bytes
from shuangsuiji.registry.load import Registry
from shuangsuiji.registry.models.base import PUBLISHED_STATUSES
from shuangsuiji.registry.models.config import MILESTONES, Deadline, milestone_key
from shuangsuiji.registry.models.department import Department

PLAN_YEAR = 2017
PLAN_DEADLINES = (  # 临政办字〔2017〕41号: 工作步骤 and 工作要求
    Deadline(key="2017-liaison", what="报送工作联络表（附件5）", due=date(PLAN_YEAR, 4, 20), level="市级"),
    Deadline(key="2017-submit", what="报送清单、两库、实施细则", due=date(PLAN_YEAR, 4, 25), level="市级"),
    Deadline(key="2017-publish", what="公布随机抽查事项清单", due=date(PLAN_YEAR, 5, 31), level="市级"),
    Deadline(key="2017-publish", what="县级公布随机抽查事项清单", due=date(PLAN_YEAR, 5, 31), level="县级"),
)

ON_TIME, LATE, OVERDUE, PENDING, NOT_APPLICABLE = "按时完成", "逾期完成", "逾期未完成", "未到期", "不适用"
STATUS_EN = {ON_TIME: "done on time", LATE: "done late", OVERDUE: "overdue", PENDING: "not yet due",
             NOT_APPLICABLE: "not applicable"}


@dataclass(frozen=True)
class Milestone:
    """One column of the dashboard: a deadline of one level."""

    key: str
    kind: str
    year: int
    what: str
    due: date

    @property
    def short(self) -> str:
        return f"{self.year} {MILESTONES[self.kind][0]}"


@dataclass(frozen=True)
class Check:
    """A department's standing on one milestone. `late` marks work done by the due date whose
    results were published late (the 20-working-day rule)."""

    milestone: Milestone
    done_on: date | None = None
    done: bool = False
    applies: bool = True
    late: bool = False
    note: str = ""

    @property
    def key(self) -> str:
        return self.milestone.key

    def status(self, as_of: date) -> str:
        due = self.milestone.due
        if not self.applies:
            return NOT_APPLICABLE
        if self.done:
            return LATE if self.late or (self.done_on is not None and self.done_on > due) else ON_TIME
        return OVERDUE if as_of > due else PENDING

    def overdue(self, as_of: date) -> bool:
        return self.status(as_of) in (LATE, OVERDUE)

    def cell(self, as_of: date) -> str:
        """The dashboard's text: verdict, then the date of the evidence or the reason."""
        st = self.status(as_of)
        extra = " ".join(x for x in (self.done_on.isoformat() if self.done and self.done_on else "", self.note) if x)
        return f"{st} {extra}".strip()


@dataclass
class DeptProgress:
    dept: str
    name: str
    level: str
    merged_into: str | None = None  # successor's name, for a department merged away
    merged_on: date | None = None
    checks: list[Check] = field(default_factory=list)
    matters_random: int = 0
    matters_total: int = 0
    tasks_done: int = 0
    tasks_total: int = 0
    results_on_time: int = 0
    results_published: int = 0

    @property
    def coverage(self) -> float | None:
        return self.matters_random / self.matters_total if self.matters_total else None

    @property
    def label(self) -> str:
        """The row's department name; a merged-away one says where it went."""
        return f"↳ {self.name}（{self.merged_on}并入{self.merged_into}）" if self.merged_into else self.name


def milestones(reg: Registry, level: str) -> list[Milestone]:
    """The milestones of a level, once each: the plan's, replaced or added to by config.deadlines."""
    by_key: dict[str, Deadline] = {}
    for dl in (*PLAN_DEADLINES, *reg.config.deadlines):
        if dl.level in (None, level) and milestone_key(dl.key):
            by_key[dl.key] = dl
    out = [Milestone(k, milestone_key(k)[1], milestone_key(k)[0], dl.what, dl.due) for k, dl in by_key.items()]
    return sorted(out, key=lambda m: (m.due, m.key))


def _lifetime(d: Department) -> tuple[date | None, date | None, str | None]:
    """(established, ended, successor) from the department's history."""
    start = next((ev.date for ev in d.history if ev.event == "设立"), None)
    end = next(((ev.date, ev.into) for ev in d.history if ev.event in ("并入", "撤销")), (None, None))
    return start, end[0], end[1]


def _evidence(reg: Registry, dept: str, m: Milestone, facts: list[Fact], tasks: list[str], as_of: date) -> Check:
    """What the registry records for one department and milestone. A merged-away department's
    inspectors now stand in its successor's directory."""
    items = reg.item_lists.get(dept)
    if m.kind == "liaison":
        lf = reg.liaisons.get(dept)
        return Check(m, lf.submitted if lf else None, lf is not None)
    if m.kind == "submit":
        submitted = next((s.date for s in items.review if s.step == "提交"), None) if items else None
        heir = _lifetime(reg.departments[dept])[2]
        if submitted and dept not in reg.inspector_files and heir not in reg.inspector_files:
            return Check(m, submitted, False, note="缺执法检查人员名录库")
        return Check(m, submitted, submitted is not None)
    if m.kind == "publish":
        published = items.published_on() if items else None
        return Check(m, published, published is not None,
                     note="清单未走完审核审查" if items and not published else "")
    if m.kind == "rules":
        cfg = reg.dept_configs.get(dept)
        on = cfg.rules_published if cfg else None
        return Check(m, on, on is not None or dept in reg.rules)
    if m.kind == "plan":
        filed = next((p.filed for p in reg.plans.values() if p.department == dept and p.year == m.year), None)
        return Check(m, filed, filed is not None)
    if m.kind == "lists":
        changed = sorted(c.date for c in items.changes if c.date.year == m.year) if items else []
        return Check(m, changed[0] if changed else None, bool(changed))
    # tasks: every task of the year ended, none of its results still in draft or review
    tasks = [tid for tid in tasks if reg.tasks[tid].year == m.year]
    if not tasks:
        return Check(m, note="无本年度任务")
    pending = [tid for tid in tasks if reg.tasks[tid].period.end > as_of or tid not in reg.results
               or any(r.status not in (*PUBLISHED_STATUSES, "撤回") for r in reg.results[tid].results)]
    if pending:
        return Check(m, note=f"{len(pending)}/{len(tasks)} 项任务未完成")
    mine = [f for f in facts if f.task in tasks]  # facts: the department's
    last = max((f.published_on for f in mine if f.published_on), default=None)
    late = sum(not f.on_time for f in mine)
    return Check(m, last, True, late=bool(late), note=f"{late} 条结果逾期公示" if late else "")


def _progress(reg: Registry, d: Department, ms: list[Milestone], facts: list[Fact], tasks: list[str],
              as_of: date) -> DeptProgress:
    """One department's row; `facts` and `tasks` are the department's own."""
    start, end, successor = _lifetime(d)
    heir = reg.departments.get(successor) if successor else None
    dp = DeptProgress(d.id, d.name, d.level, heir.name if heir else successor, end)
    for m in ms:
        if (start and m.due < start) or (end and m.due >= end):
            why = f"{start}设立" if start and m.due < start else f"{end}已并入或撤销"
            dp.checks.append(Check(m, applies=False, note=why))
        else:
            dp.checks.append(_evidence(reg, d.id, m, facts, tasks, as_of))
    mf, il = reg.matters.get(d.id), reg.item_lists.get(d.id)
    if mf:
        covered = {m for it in (il.items if il else ()) for m in it.matters}
        dp.matters_total = len(mf.matters)
        dp.matters_random = sum(1 for m in mf.matters if m.random and m.id in covered)
    dp.tasks_total = len(tasks)
    dp.tasks_done = sum(1 for tid in tasks if reg.tasks[tid].period.end <= as_of)
    dp.results_published = len(facts)
    dp.results_on_time = sum(f.on_time for f in facts)
    return dp


def _ordered(depts: list[Department]) -> list[Department]:
    """By id, each department merged away placed right after its successor (chains followed)."""
    ids = {d.id for d in depts}
    heirs: dict[str, list[Department]] = {}
    for d in sorted(depts, key=lambda d: d.id):
        succ = _lifetime(d)[2]
        if succ in ids and succ != d.id:
            heirs.setdefault(succ, []).append(d)
    merged = {d.id for ds in heirs.values() for d in ds}
    out: list[Department] = []

    def place(d: Department) -> None:
        if d not in out:
            out.append(d)
            for h in heirs.get(d.id, ()):
                place(h)

    for d in sorted(depts, key=lambda d: d.id):
        if d.id not in merged:
            place(d)
    return out


def dashboard(reg: Registry, facts: list[Fact], as_of: date) -> tuple[list[DeptProgress], list[DeptProgress]]:
    """(city-level departments, county-level departments): every department that inspects (not the
    coordinating office), merged-away ones under their successor."""
    by_dept: dict[str, list[Fact]] = {}
    for f in facts:
        by_dept.setdefault(f.dept, []).append(f)
    tasks: dict[str, list[str]] = {}
    for tid in reg.tasks:
        tasks.setdefault(reg.task_dept.get(tid, ""), []).append(tid)
    out = []
    for level in ("市级", "县级"):
        ms = milestones(reg, level)
        depts = [d for d in reg.departments.values() if d.level == level and not d.coordinator]
        rows = [_progress(reg, d, ms, by_dept.get(d.id, []), tasks.get(d.id, []), as_of) for d in _ordered(depts)]
        idle = {c.key for i, c in enumerate(rows[0].checks) if not any(dp.checks[i].applies for dp in rows)} \
            if rows else set()  # a milestone older than every department of the level: no column
        for dp in rows:
            dp.checks = [c for c in dp.checks if c.key not in idle]
        out.append(rows)
    return out[0], out[1]


# --- terminal --------------------------------------------------------------------------------

_SHORT = {ON_TIME: "✓", LATE: "逾期完成", OVERDUE: "逾期未完成", PENDING: "未到期", NOT_APPLICABLE: "—"}


def text_table(rows: list[DeptProgress], as_of: date) -> list[str]:
    """One line per department, one column per milestone: ✓ and the date, or the verdict."""
    if not rows:
        return []
    ms = [c.milestone for c in rows[0].checks]
    header = ["部门", *(m.short for m in ms), "按时公示"]
    due = ["期限 / due", *(m.due.isoformat() for m in ms), ""]
    body = []
    for dp in rows:
        cells = [f"{dp.label}（{dp.dept}）"]
        for c in dp.checks:
            st = c.status(as_of)
            cells.append(_SHORT[st] + (f" {c.done_on.strftime('%Y-%m-%d')}" if c.done and c.done_on else ""))
        cells.append(f"{dp.results_on_time}/{dp.results_published}" if dp.results_published else "")
        body.append(cells)
    return table(header, [due, *body], right=[False] * len(header))


# --- workbook --------------------------------------------------------------------------------

FILLS = {ON_TIME: "C6EFCE", LATE: "FFEB9C", OVERDUE: "FFC7CE", NOT_APPLICABLE: "EDEDED"}  # 未到期: no fill
LEGEND = ((ON_TIME, "已完成，在期限内（注明完成日期）"), (LATE, "已完成，但晚于期限或结果未按时公示（注明完成日期）"),
          (OVERDUE, "已过期限仍未完成"), (PENDING, "未到期限，尚未完成"), (NOT_APPLICABLE, "部门当时尚未设立或已并入其他部门"))


def _sheet(ws, rows: list[DeptProgress], as_of: date) -> None:
    bold = Font(bold=True)
    ms = [c.milestone for c in rows[0].checks] if rows else []
    ws.append(["部门编号", "部门", *(f"{m.what}（期限 {m.due.isoformat()}）" for m in ms),
               "覆盖率（纳入随机抽查的检查事项/全部）", "任务完成", "按时公示结果"])
    for cell in ws[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for dp in rows:
        cov = f"{dp.matters_random}/{dp.matters_total}（{dp.coverage:.0%}）" if dp.coverage is not None else "未报送"
        ws.append([dp.dept, dp.label, *(c.cell(as_of) for c in dp.checks), cov,
                   f"{dp.tasks_done}/{dp.tasks_total}", f"{dp.results_on_time}/{dp.results_published}"])
        for i, c in enumerate(dp.checks):
            color = FILLS.get(c.status(as_of))
            if color:
                ws.cell(ws.max_row, 3 + i).fill = PatternFill("solid", fgColor=color)
    ws.freeze_panes = "C2"
    ws.column_dimensions["B"].width = 30
    for i in range(len(ms)):
        ws.column_dimensions[ws.cell(1, 3 + i).column_letter].width = 22


def write_xlsx(path: Path, city: list[DeptProgress], county: list[DeptProgress], as_of: date) -> None:
    """The dashboard as 市职能办's 台账: one row per department, a column per milestone, coloured by
    verdict (legend on its own sheet), written atomically."""
    wb = Workbook()
    ws = wb.active
    ws.title = "市直部门进度"
    _sheet(ws, city, as_of)
    _sheet(wb.create_sheet("县级进度"), county, as_of)
    legend = wb.create_sheet("图例")
    legend.append(["颜色", "含义", f"截至 {as_of.isoformat()}"])
    for status, meaning in LEGEND:
        legend.append([status, meaning])
        if status in FILLS:
            legend.cell(legend.max_row, 1).fill = PatternFill("solid", fgColor=FILLS[status])
    legend.column_dimensions["B"].width = 50
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(path, buf.getvalue())
