"""Duplicate-inspection report (避免多头执法、重复执法): targets visited by several departments
in the same quarter outside a joint task.

A visit is one task's inspection of a target (every result not withdrawn: the visit
happened even if its result is not yet published). A joint task's visit covers its
lead and partner departments at once. For each target and quarter with visits by two
or more departments, every visit but one was avoidable (one joint visit would have
done); each pair of departments that visited separately is counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

from shuangsuiji.registry.load import Registry


def quarter(d) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class PairRow:
    dept_a: str
    dept_b: str
    targets: int  # target-quarters both visited in separate tasks
    avoidable: int  # visits that a joint task would have saved (one per such target-quarter and pair)


@dataclass(frozen=True)
class DuplicateReport:
    pairs: list[PairRow]
    target_quarters: int  # target-quarters visited by ≥ 2 departments separately
    avoidable_visits: int  # Σ (separate visits − 1) over them
    examples: list[tuple[str, str, tuple[str, ...]]]  # (target, quarter, tasks), first ones by target id


def duplicates(reg: Registry, examples: int = 20) -> DuplicateReport:
    visits: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # (target, quarter) → task → lead dept
    for task_id, _, r in reg.all_results():
        if r.status == "撤回":
            continue
        dept = reg.task_dept.get(task_id) or reg.results[task_id].department
        visits[(r.target, quarter(r.inspected_on))][task_id] = dept
    pair_targets: Counter = Counter()
    tq = avoidable = 0
    ex = []
    for (target, q), tasks in sorted(visits.items()):
        depts = sorted(set(tasks.values()))
        if len(tasks) < 2 or len(depts) < 2:
            continue
        tq += 1
        avoidable += len(tasks) - 1
        for a, b in combinations(depts, 2):
            pair_targets[(a, b)] += 1
        if len(ex) < examples:
            ex.append((target, q, tuple(sorted(tasks))))
    pairs = [PairRow(a, b, n, n) for (a, b), n in sorted(pair_targets.items(), key=lambda kv: (-kv[1], kv[0]))]
    return DuplicateReport(pairs, tq, avoidable, ex)
