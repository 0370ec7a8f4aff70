"""Supervision dashboard (工作进度) for 市职能办: where each department stands, what is overdue.

For every department of Annex 1: item list submitted and published (dates from the
review chain), both directories built, 实施细则 published, liaison named, coverage
(matters under random inspection / all matters, goal 100 %), annual plan filed, tasks
done, results published on time. Deadlines are those of the 2017 plan (4/20 liaison,
4/25 submission, 5/31 publication) plus the yearly ones of `config.deadlines`; a
deadline is overdue when done late or not done by `as_of`. County-level departments
are checked for their list published by 5/31.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from shuangsuiji.registry.load import Registry
from shuangsuiji.analysis.stats import Fact

PLAN_YEAR = 2017
PLAN_DEADLINES = (("liaison", "报送工作联络表（附件5）", date(PLAN_YEAR, 4, 20)),
                  ("submit", "报送清单、两库、实施细则", date(PLAN_YEAR, 4, 25)),
                  ("publish", "公布随机抽查事项清单", date(PLAN_YEAR, 5, 31)))
COUNTY_DEADLINE = ("publish", "县级公布随机抽查事项清单", date(PLAN_YEAR, 5, 31))

ON_TIME, LATE, OVERDUE, PENDING, DONE, MISSING = "按时完成", "逾期完成", "逾期未完成", "未到期", "已完成", "未完成"


@dataclass(frozen=True)
class Check:
    key: str
    what: str
    done_on: date | None
    due: date | None
    done: bool

    def status(self, as_of: date) -> str:
        if self.due is None:
            return DONE if self.done else MISSING
        if self.done:
            return ON_TIME if self.done_on is None or self.done_on <= self.due else LATE
        return OVERDUE if as_of > self.due else PENDING

    def overdue(self, as_of: date) -> bool:
        return self.status(as_of) in (LATE, OVERDUE)


@dataclass
class DeptProgress:
    dept: str
    name: str
    level: str
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


def _done_dates(reg: Registry, dept: str) -> dict[str, date | None]:
    """Completion date of each known step (None = not done); the keys are also the prefixes a
    configurable deadline's key may start with to be checked automatically."""
    items = reg.item_lists.get(dept)
    submitted = next((s.date for s in items.review if s.step == "提交"), None) if items else None
    liaison = reg.liaisons.get(dept)
    cfg = reg.dept_configs.get(dept)
    return {"liaison": liaison.submitted if liaison else None, "submit": submitted,
            "publish": items.published_on() if items else None,
            "rules": cfg.rules_published if cfg and cfg.rules_published else None}


def _plan_filed(reg: Registry, dept: str, year: int) -> date | None:
    return next((p.filed for p in reg.plans.values() if p.department == dept and p.year == year), None)


def _check_for(reg: Registry, dept: str, key: str, what: str, due: date) -> Check:
    if key.startswith("plan"):
        filed = _plan_filed(reg, dept, due.year)
        return Check(key, what, filed, due, filed is not None)
    done = _done_dates(reg, dept)
    prefix = next((p for p in done if key.startswith(p)), None)
    if prefix is None:  # a deadline the registry cannot check: shown with its date only
        return Check(key, what, None, due, False)
    return Check(key, what, done[prefix], due, done[prefix] is not None)


def dashboard(reg: Registry, facts: list[Fact], as_of: date) -> tuple[list[DeptProgress], list[DeptProgress]]:
    """(Annex 1 departments, county-level departments), each sorted by department id."""
    city, county = [], []
    for dept_id in sorted(reg.departments):
        d = reg.departments[dept_id]
        if d.level == "县级":
            dp = DeptProgress(dept_id, d.name, d.level)
            key, what, due = COUNTY_DEADLINE
            dp.checks.append(_check_for(reg, dept_id, key, what, due))
            county.append(dp)
            continue
        if not d.annex1:
            continue
        dp = DeptProgress(dept_id, d.name, d.level)
        for key, what, due in PLAN_DEADLINES:
            dp.checks.append(_check_for(reg, dept_id, key, what, due))
        for dl in reg.config.deadlines:
            if dl.level == d.level:
                dp.checks.append(_check_for(reg, dept_id, dl.key, dl.what, dl.due))
        done = _done_dates(reg, dept_id)
        dp.checks += [
            Check("targets", "检查对象名录库（市级名录库计入各部门）", None, None,
                  bool(reg.targets)),
            Check("inspectors", "执法检查人员名录库", None, None, dept_id in reg.inspector_files),
            Check("rules", "实施细则公布", done["rules"], None, done["rules"] is not None or dept_id in reg.rules),
            Check("plan", f"{as_of.year}年度抽查计划报备", _plan_filed(reg, dept_id, as_of.year), None,
                  _plan_filed(reg, dept_id, as_of.year) is not None),
        ]
        mf, il = reg.matters.get(dept_id), reg.item_lists.get(dept_id)
        if mf:
            covered = {m for it in (il.items if il else ()) for m in it.matters}
            dp.matters_total = len(mf.matters)
            dp.matters_random = sum(1 for m in mf.matters if m.random and m.id in covered)
        tasks = [t for tid, t in reg.tasks.items() if reg.task_dept.get(tid) == dept_id]
        dp.tasks_total = len(tasks)
        dp.tasks_done = sum(1 for t in tasks if t.period.end <= as_of)
        mine = [f for f in facts if f.dept == dept_id]
        dp.results_published = len(mine)
        dp.results_on_time = sum(f.on_time for f in mine)
        city.append(dp)
    return city, county


def write_xlsx(path: Path, city: list[DeptProgress], county: list[DeptProgress], as_of: date) -> None:
    """The dashboard as a workbook for 市职能办 (overdue cells in red), written atomically."""
    red = PatternFill("solid", fgColor="FFC7CE")
    bold = Font(bold=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "市直部门进度"
    keys = [(c.key, c.what) for c in city[0].checks] if city else []
    ws.append(["部门编号", "部门", *(f"{what}" for _, what in keys), "覆盖率（纳入随机抽查的检查事项/全部）",
               "任务完成", "按时公示结果", f"截至 {as_of.isoformat()}"])
    for cell in ws[1]:
        cell.font = bold
    for dp in city:
        row = [dp.dept, dp.name]
        by_key = {c.key: c for c in dp.checks}
        overdue_cols = []
        for i, (k, _) in enumerate(keys):
            c = by_key.get(k)
            if c is None:
                row.append("")
                continue
            text = c.status(as_of) + (f" {c.done_on.isoformat()}" if c.done_on else "") + (
                f"（期限 {c.due.isoformat()}）" if c.due else "")
            row.append(text)
            if c.overdue(as_of) or (c.due is None and not c.done):
                overdue_cols.append(3 + i)
        cov = f"{dp.matters_random}/{dp.matters_total}（{dp.coverage:.0%}）" if dp.coverage is not None else "未报送"
        if dp.coverage is None or dp.coverage < 1:
            overdue_cols.append(3 + len(keys))
        row += [cov, f"{dp.tasks_done}/{dp.tasks_total}", f"{dp.results_on_time}/{dp.results_published}"]
        ws.append(row)
        for col in overdue_cols:
            ws.cell(ws.max_row, col).fill = red
    ws2 = wb.create_sheet("县级进度")
    ws2.append(["部门编号", "部门", "清单公布日期", "状态", "期限"])
    for cell in ws2[1]:
        cell.font = bold
    for dp in county:
        c = dp.checks[0]
        ws2.append([dp.dept, dp.name, c.done_on.isoformat() if c.done_on else "", c.status(as_of),
                    c.due.isoformat() if c.due else ""])
        if c.overdue(as_of):
            ws2.cell(ws2.max_row, 4).fill = red
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
