"""Statistics of tasks, draws and results (统计分析), by department, region, industry, type, item, year.

The plan asks to analyse results (注重结果分析) to see where problems concentrate.
Everything here is a pure function of the loaded `Registry`: one pass builds a
per-task profile (candidates and drawn targets counted by the targets' public
attributes) and one `Fact` per published result; each table is then a grouping of
those. Only published results (已公示/更正) are counted, so every public figure can
be recounted from the public results. The table by credit-risk class exists only
when asked for with `internal=True` and is never put on the site.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Iterator

from shuangsuiji.core import codes
from shuangsuiji.registry.load import DrawFiles, Registry
from shuangsuiji.registry.models.base import CREDIT_LABELS, OUTCOMES, PUBLISHED_STATUSES
from shuangsuiji.core.terminal import shorten, table
from shuangsuiji.core.workdays import add_working_days

# Outcomes that mean a problem was found (违法违规): the numerator of the problem rate.
PROBLEM_OUTCOMES = ("发现问题已责令改正", "发现问题待后续处理", "不配合检查情节严重")
# Follow-ups shown as their own columns: short label → follow-up value of the result.
FOLLOW_UPS = {"责令改正": "责令改正并跟踪", "移交": "抄告相关部门", "移送司法": "移送司法机关",
              "异常名录": "列入经营异常名录"}
UNKNOWN = "（未知）"

# Dimension → Chinese title. "credit" is internal only (see Stats.tables).
DIMENSIONS = {"dept": "部门", "region": "区域", "industry": "行业门类", "division": "行业大类",
              "type": "主体类型", "item": "抽查事项", "year": "年度"}
PUBLIC_DIMENSIONS = tuple(DIMENSIONS)
INTERNAL_DIMENSIONS = PUBLIC_DIMENSIONS + ("credit",)
_TARGET_DIMS = ("region", "industry", "division", "type", "credit")


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (95 % by default); (0, 0) when n = 0.

    Wilson rather than the normal approximation: it stays inside [0, 1] and behaves
    for the small counts a county or a rare industry has."""
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@functools.lru_cache(maxsize=1 << 14)
def publication_due(inspected_on: date, working_days: int) -> date:
    """Last day a result may be published: `working_days` working days after inspection."""
    return add_working_days(inspected_on, working_days)


# --- per-target attributes --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Profile:
    """The attributes a target is grouped by (credit is used by the internal table only)."""

    region: str
    industry: str  # section letter
    division: str  # 2-digit division, or the section letter when only that is known
    type: str
    credit: str

    def key(self, dim: str) -> str:
        return getattr(self, dim)


UNKNOWN_PROFILE = Profile(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN)


@functools.lru_cache(maxsize=4096)
def _industry_keys(code: str) -> tuple[str, str]:
    section = codes.industry_section(code) or UNKNOWN
    return section, (code[:2] if code[:1].isdigit() else section)


def profiles(reg: Registry, ids: Iterable[str]) -> dict[str, Profile]:
    """Profile of each of `ids` (unknown ids get UNKNOWN_PROFILE). Reads single fields of the target
    table (columns the loader keeps at hand), not a million records."""
    targets = reg.targets
    value = targets.value
    out = {}
    for tid in set(ids):
        if tid in targets:
            section, division = _industry_keys(value(tid, "industry"))
            out[tid] = Profile(value(tid, "region"), section, division, value(tid, "type"), value(tid, "credit_class"))
        else:
            out[tid] = UNKNOWN_PROFILE
    return out


def candidate_ids(d: DrawFiles) -> list[str] | None:
    """Target ids of the frozen candidates table (TSV rows target_id\\tstratum_key)."""
    raw = d.tables.get("candidates")
    if raw is None:
        return None
    return [line.split("\t", 1)[0] for line in raw.decode("utf-8").splitlines() if line]


# --- facts ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Fact:
    """One published result, with what it is grouped and counted by."""

    result: str
    task: str
    dept: str
    year: int
    target: str
    profile: Profile
    items: tuple[str, ...]
    outcomes: tuple[str, ...]
    follow_ups: tuple[str, ...]
    problem: bool
    inspectors: tuple[str, ...]
    inspected_on: date
    published_on: date | None
    on_time: bool

    def keys(self, dim: str) -> tuple[str, ...]:
        if dim == "dept":
            return (self.dept,)
        if dim == "year":
            return (str(self.year),)
        if dim == "item":
            return self.items
        return (self.profile.key(dim),)


def facts(reg: Registry) -> list[Fact]:
    """One Fact per published result (已公示/更正), in task and file order."""
    limit = reg.config.publish_within_working_days
    out: list[Fact] = []
    published = [(task_id, r) for task_id, _, r in reg.all_results() if r.status in PUBLISHED_STATUSES]
    prof = profiles(reg, (r.target for _, r in published))
    for task_id, r in published:
        task = reg.tasks.get(task_id)
        dept = reg.task_dept.get(task_id) or reg.results[task_id].department
        year = task.year if task else r.inspected_on.year
        due = publication_due(r.inspected_on, limit)
        out.append(Fact(r.id, task_id, dept, year, r.target, prof[r.target], tuple(r.items),
                        tuple(r.outcome), tuple(r.follow_ups), any(o in PROBLEM_OUTCOMES for o in r.outcome),
                        tuple(r.inspectors), r.inspected_on, r.published_on,
                        r.published_on is not None and r.published_on <= due))
    return out


# --- rows -------------------------------------------------------------------------------------

@dataclass
class Row:
    """The figures of one group (a department, a region, …)."""

    key: str
    label: str
    tasks: int = 0
    joint_tasks: int = 0
    candidates: int = 0
    drawn: int = 0
    inspected: int = 0
    problems: int = 0
    on_time: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    follow_ups: dict[str, int] = field(default_factory=dict)
    inspector_visits: int = 0
    inspectors: int = 0

    @property
    def problem_rate(self) -> float | None:
        return self.problems / self.inspected if self.inspected else None

    @property
    def problem_ci(self) -> tuple[float, float] | None:
        return wilson(self.problems, self.inspected) if self.inspected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.inspected if self.inspected else None

    @property
    def joint_rate(self) -> float | None:
        return self.joint_tasks / self.tasks if self.tasks else None

    @property
    def workload(self) -> float | None:
        """Average inspections per inspector who took part."""
        return self.inspector_visits / self.inspectors if self.inspectors else None

    def as_dict(self) -> dict:
        ci = self.problem_ci
        return {"key": self.key, "label": self.label, "tasks": self.tasks, "joint_tasks": self.joint_tasks,
                "candidates": self.candidates, "drawn": self.drawn, "inspected": self.inspected,
                "problems": self.problems, "problem_rate": _r(self.problem_rate),
                "problem_ci_low": _r(ci[0]) if ci else None, "problem_ci_high": _r(ci[1]) if ci else None,
                "on_time": self.on_time, "on_time_rate": _r(self.on_time_rate),
                "joint_rate": _r(self.joint_rate), "inspector_visits": self.inspector_visits,
                "inspectors": self.inspectors, "workload": _r(self.workload),
                "outcomes": {o: self.outcomes.get(o, 0) for o in OUTCOMES},
                "follow_ups": {k: self.follow_ups.get(v, 0) for k, v in FOLLOW_UPS.items()}}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


@dataclass
class _Acc:
    tasks: set = field(default_factory=set)
    joint: set = field(default_factory=set)
    candidates: int = 0
    drawn: int = 0
    inspected: int = 0
    problems: int = 0
    on_time: int = 0
    outcomes: Counter = field(default_factory=Counter)
    follow_ups: Counter = field(default_factory=Counter)
    visits: int = 0
    inspectors: set = field(default_factory=set)

    def row(self, key: str, label: str) -> Row:
        return Row(key, label, len(self.tasks), len(self.joint), self.candidates, self.drawn, self.inspected,
                   self.problems, self.on_time, dict(sorted(self.outcomes.items())),
                   dict(sorted(self.follow_ups.items())), self.visits, len(self.inspectors))


@dataclass
class _TaskProfile:
    """A task's candidates and drawn targets counted by target profile."""

    candidates: Counter = field(default_factory=Counter)
    drawn: Counter = field(default_factory=Counter)


def _task_profiles(reg: Registry) -> dict[str, _TaskProfile]:
    ids = {task_id: (candidate_ids(d) or [], d.drawn() or []) for task_id, d in reg.draws.items()}
    prof = profiles(reg, (t for cands, drawn in ids.values() for t in (*cands, *drawn)))
    out: dict[str, _TaskProfile] = {}
    for task_id in sorted(reg.tasks):
        cands, drawn = ids.get(task_id, ([], []))
        out[task_id] = _TaskProfile(Counter(map(prof.__getitem__, cands)), Counter(map(prof.__getitem__, drawn)))
    return out


@dataclass
class Stats:
    """All tables, keyed by dimension, each a list of rows sorted by key, plus the overall row."""

    tables: dict[str, list[Row]]
    total: Row
    internal: bool

    def public(self) -> "PublicStats":
        """The same figures without anything internal (the credit-class table)."""
        return PublicStats({d: rows for d, rows in self.tables.items() if d in PUBLIC_DIMENSIONS}, self.total, False)


class PublicStats(Stats):
    """The figures the site publishes (`Stats.public()`, on `PublicRegistry.stats`): no credit-class table."""


def _task_keys(reg: Registry, dim: str, task_id: str, tp: _TaskProfile, task_facts: list[Fact]) -> set[str]:
    task = reg.tasks.get(task_id)
    if dim == "dept":
        return {reg.task_dept.get(task_id, UNKNOWN)}
    if dim == "year":
        return {str(task.year)} if task else set()
    if dim == "item":
        return set(task.items) if task else set()
    keys = {p.key(dim) for p in tp.candidates} | {p.key(dim) for p in tp.drawn}
    return keys | {f.profile.key(dim) for f in task_facts}


def label(reg: Registry, dim: str, key: str) -> str:
    """The name a reader sees for a group key (a region's name, an industry's title, …)."""
    if key == UNKNOWN:
        return key
    if dim == "dept":
        return reg.dept_name(key)
    if dim == "region":
        r = reg.regions.get(key)
        return r.name if r else (codes.region_name(key) or key)
    if dim in ("industry", "division"):
        return codes.industry_name(key) or key
    if dim == "item":
        it = reg.items.get(key)
        return it.name if it else key
    if dim == "credit":
        return f"{key} 类（{CREDIT_LABELS.get(key, '')}风险）"
    return key


def _fill_results(accs: dict[str, _Acc], keyed: list[tuple[str, Fact]]) -> None:
    """Add the results, each under its keys; whole-column Counters because 50,000 results × 8 tables
    one at a time is what made this slow."""
    for k, n in Counter(k for k, _ in keyed).items():
        accs[k].inspected += n
    for k, n in Counter(k for k, f in keyed if f.problem).items():
        accs[k].problems += n
    for k, n in Counter(k for k, f in keyed if f.on_time).items():
        accs[k].on_time += n
    for (k, o), n in Counter((k, o) for k, f in keyed for o in f.outcomes).items():
        accs[k].outcomes[o] += n
    for (k, o), n in Counter((k, o) for k, f in keyed for o in f.follow_ups).items():
        accs[k].follow_ups[o] += n
    for k, f in keyed:
        a = accs[k]
        a.visits += len(f.inspectors)
        a.inspectors.update(f.inspectors)


def compute(reg: Registry, internal: bool = False, fact_list: list[Fact] | None = None,
            labels: Callable[[str], str] = str) -> Stats:
    """Every table; `internal=True` adds the table by credit-risk class (never published).
    `labels`: applied to each row's name (the redaction masks personal data typed into an item's name)."""
    fs = facts(reg) if fact_list is None else fact_list
    profiles = _task_profiles(reg)
    by_task: dict[str, list[Fact]] = defaultdict(list)
    for f in fs:
        by_task[f.task].append(f)
    joint = {t for t, task in reg.tasks.items() if task.partners}
    dims = INTERNAL_DIMENSIONS if internal else PUBLIC_DIMENSIONS
    tables: dict[str, list[Row]] = {}
    for dim in dims:
        accs: dict[str, _Acc] = defaultdict(_Acc)
        for task_id in sorted(set(profiles) | set(by_task)):
            tp = profiles.get(task_id) or _TaskProfile()
            keys = _task_keys(reg, dim, task_id, tp, by_task.get(task_id, []))
            for k in keys:
                accs[k].tasks.add(task_id)
                if task_id in joint:
                    accs[k].joint.add(task_id)
            if dim in _TARGET_DIMS:
                for p, n in tp.candidates.items():
                    accs[p.key(dim)].candidates += n
                for p, n in tp.drawn.items():
                    accs[p.key(dim)].drawn += n
            else:  # the task's candidates count under each of its departments / years / items
                for k in keys:
                    accs[k].candidates += sum(tp.candidates.values())
                    accs[k].drawn += sum(tp.drawn.values())
        _fill_results(accs, [(k, f) for f in fs for k in f.keys(dim)])
        tables[dim] = [accs[k].row(k, labels(label(reg, dim, k))) for k in sorted(accs)]
    total = _Acc()
    for task_id, tp in profiles.items():
        total.tasks.add(task_id)
        if task_id in joint:
            total.joint.add(task_id)
        total.candidates += sum(tp.candidates.values())
        total.drawn += sum(tp.drawn.values())
    total.tasks.update(by_task)
    totals = {"合计": total}
    _fill_results(totals, [("合计", f) for f in fs])
    return Stats(tables, total.row("合计", "合计"), internal)


# --- output -----------------------------------------------------------------------------------

COLUMNS = (("key", "编号"), ("label", "名称"), ("tasks", "任务数"), ("joint_tasks", "联合任务数"),
           ("candidates", "候选对象数"), ("drawn", "抽中对象数"), ("inspected", "已检查（结果数）"),
           ("problems", "发现问题数"), ("problem_rate", "问题发现率"), ("problem_ci_low", "95%置信下限"),
           ("problem_ci_high", "95%置信上限"), ("on_time", "按时公示数"), ("on_time_rate", "按时公示率"),
           ("joint_rate", "联合抽查率"), ("inspectors", "参与执法人员数"), ("workload", "人均检查户次"))


def _flat(row: Row) -> dict:
    d = row.as_dict()
    flat = {k: d[k] for k, _ in COLUMNS}
    flat.update({f"结果:{o}": n for o, n in d["outcomes"].items()})
    flat.update({f"处置:{k}": n for k, n in d["follow_ups"].items()})
    return flat


def table_csv(rows: Iterable[Row], total: Row | None = None) -> str:
    """CSV with Chinese headers (UTF-8 with BOM so Excel opens it right)."""
    rows = list(rows) + ([total] if total else [])
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    header = [zh for _, zh in COLUMNS] + [f"检查结果：{o}" for o in OUTCOMES] + [f"后续处置：{k}" for k in FOLLOW_UPS]
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in _flat(r).values()])
    return "\ufeff" + buf.getvalue()


def to_json(stats: Stats, dims: Iterable[str]) -> str:
    return json.dumps({"total": stats.total.as_dict(),
                       "tables": {d: [r.as_dict() for r in stats.tables[d]] for d in dims}},
                      ensure_ascii=False, indent=1, sort_keys=True)


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def text_table(rows: Iterable[Row], total: Row) -> Iterator[str]:
    """The table as terminal lines, aligned by display width; a name keeps its code whole."""
    header = ["名称", "任务", "候选", "抽中", "检查", "问题", "问题率", "95%区间", "按时公示", "联合", "人均"]
    lines = []
    for r in list(rows) + [total]:
        ci = r.problem_ci
        lines.append([shorten(r.label, r.key), str(r.tasks), str(r.candidates), str(r.drawn), str(r.inspected),
                      str(r.problems), pct(r.problem_rate), f"{pct(ci[0])}–{pct(ci[1])}" if ci else "—",
                      pct(r.on_time_rate), pct(r.joint_rate), f"{r.workload:.1f}" if r.workload is not None else "—"])
    yield from table(header, lines, [False] + [True] * 6 + [False] + [True] * 3)