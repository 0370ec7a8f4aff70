"""Targets drawn by several departments' tasks in overlapping periods (进一次门、查多项事).

The plan asks that one enterprise not be visited by several departments separately in
the same period: such overlaps are found from the draw records and proposed as a joint
visit (a 单随机-人员 joint task: the targets are fixed, each department draws its people).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Day
from itertools import combinations

from shuangsuiji.registry.load import Registry


@dataclass(frozen=True)
class Overlap:
    tasks: tuple[str, str]  # ordered by publication date, then id: the first leads
    departments: tuple[str, str]
    start: Day  # the common window of the two inspection periods
    end: Day
    targets: tuple[str, ...]


def drawn(reg: Registry, task_id: str) -> set[str]:
    rec = reg.draws[task_id].record if task_id in reg.draws else None
    return set(rec.get("assignments") or {}) if isinstance(rec, dict) else set()


def find_overlaps(reg: Registry, start: Day | None = None, end: Day | None = None) -> list[Overlap]:
    """Pairs of tasks of different departments whose periods overlap (and meet [start, end]) and share targets."""
    tasks = sorted((t for t in reg.tasks.values() if drawn(reg, t.id)), key=lambda t: (t.published, t.id))
    if start or end:
        tasks = [t for t in tasks if (end is None or t.period.start <= end) and (start is None or t.period.end >= start)]
    out = []
    for a, b in combinations(tasks, 2):
        if a.department == b.department:
            continue
        lo, hi = max(a.period.start, b.period.start), min(a.period.end, b.period.end)
        shared = drawn(reg, a.id) & drawn(reg, b.id)
        if lo <= hi and shared:
            out.append(Overlap((a.id, b.id), (a.department, b.department), lo, hi, tuple(sorted(shared))))
    return out


def joint_task_sketch(reg: Registry, o: Overlap) -> dict:
    """A task YAML sketch merging the overlap into one joint visit led by the earlier task's department."""
    lead, other = (reg.tasks[t] for t in o.tasks)
    return {
        "id": f"{lead.id}-LH", "department": lead.department, "year": o.start.year, "seq": 1,
        "title": f"{reg.dept_name(lead.department)}、{reg.dept_name(other.department)}联合抽查（进一次门、查多项事）",
        "items": list(lead.items), "mode": "单随机-人员",
        "partners": [{"department": other.department, "items": list(other.items), "slots": 1}],
        "fixed_targets": list(o.targets), "period": {"start": o.start.isoformat(), "end": o.end.isoformat()},
        "published": "YYYY-MM-DD", "seed_sources": [{"kind": "dice", "date": "YYYY-MM-DD", "place": "（摇号地点）"}],
        "note": f"合并 {o.tasks[0]} 与 {o.tasks[1]} 中的重复对象；原任务已公布的抽取照常执行并公开。",
    }
