"""From the registry to the canonical draw tables of one task (spec draw.md, "Inputs").

Scope and exclusions decide who can be drawn; the stratum key `<region>|<class label>`
carries the private credit class (A 低, B 一般, C 较高, D 高) or `重点` for a target on
a credit list (经营异常名录, 严重违法失信名单, 投诉举报多), whose ratio is the department's
`flagged` ratio. The inspectors' unit column is the department that supplies them:
a joint task's slots name the lead department and each partner, and each department
draws only its own people. Everything here is a pure function of the Registry.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date as Day

from shuangsuiji.core import codes
from shuangsuiji.core.errors import fail
from shuangsuiji.registry.load import Registry
from shuangsuiji.registry.models.base import CREDIT_LABELS
from shuangsuiji.registry.models.department import DepartmentConfig
from shuangsuiji.registry.models.inspector import Inspector
from shuangsuiji.registry.models.task import Task
from shuangsuiji.draw.canon import parse_ratio
from shuangsuiji.registry.validate import item_cap

FLAGGED_LABEL = "重点"  # stratum of targets on a credit list: 重点监管
FIXED_LABEL = "固定名单"  # 单随机-人员: the fixed targets, all taken
CLASSES = ("A", "B", "C", "D")
NOT_COUNTED = ("撤回",)  # a withdrawn result is not an inspection that counts towards the cap


@dataclass(frozen=True)
class Tables:
    """The frozen inputs of a task's draw, before canonical encoding."""

    candidates: list[tuple[str, str]]  # (target_id, stratum_key)
    inspectors: list[tuple[str, str]]  # (inspector_id, department id)
    conflicts: list[tuple[str, str]]  # (inspector_id, target_id)
    ratios: dict[str, str]  # stratum_key -> ratio, only keys that have candidates
    slots: list[str]
    excluded: Counter = field(default_factory=Counter)  # reason -> number of targets left out


def class_ratios(reg: Registry, task: Task) -> dict[str, str]:
    """Ratio per credit class and for `flagged` (the plan: more for risky and dishonest targets, less for good ones).

    Task override first. Otherwise the department's table, where an item ratio the task's items
    share sets the 一般 (B) ratio and bounds the others: A takes at most it, C, D and flagged
    targets at least it. 普查 takes everyone.
    """
    if task.mode == "普查":
        return dict.fromkeys((*CLASSES, "flagged"), "1")
    cfg = reg.dept_configs.get(task.department) or DepartmentConfig(department=task.department)
    table = {c: getattr(cfg.ratios, c) for c in (*CLASSES, "flagged")}
    item_ratios = {reg.items[i].ratio for i in task.items if i in reg.items}
    common = item_ratios.pop() if len(item_ratios) == 1 else None
    if common is not None:
        r = parse_ratio(common)
        table["A"] = min(table["A"], common, key=parse_ratio)
        table["B"] = common
        for c in ("C", "D", "flagged"):
            table[c] = table[c] if parse_ratio(table[c]) >= r else common
    return {c: task.ratios.get(c) or table[c] for c in (*CLASSES, "flagged")}


def stratum_of(region: str, credit_class: str, flags: list[str]) -> tuple[str, str]:
    """(stratum key, ratio class) of a target: flagged targets form their own stratum per region."""
    if flags:
        return f"{region}|{FLAGGED_LABEL}", "flagged"
    return f"{region}|{CREDIT_LABELS[credit_class]}", credit_class


def _in_regions(region: str, scope: list[str]) -> bool:
    """Exact county code, or the codes under a province (xx0000) or a prefecture (xxxx00)."""
    for code in scope:
        prefix = code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else None
        if region == code or (prefix is not None and region.startswith(prefix)):
            return True
    return False


def _in_industries(industry: str, scope: list[str]) -> bool:
    """A section letter (门类) matches its divisions; digits match by prefix."""
    for code in scope:
        if code.isalpha():
            if industry == code or codes.industry_section(industry) == code:
                return True
        elif industry.startswith(code):
            return True
    return False


def inspection_counts(reg: Registry, task: Task) -> Counter:
    """(item, target) -> inspections of the task's items in the task's year before it was published.

    Only inspections before the publication count: the task's own results (and later ones)
    must not change its candidates when an auditor rebuilds them.
    """
    items = set(task.items)
    counts: Counter = Counter()
    for _, _, r in reg.all_results():
        if r.status in NOT_COUNTED or r.inspected_on.year != task.year or r.inspected_on >= task.published:
            continue
        for item in r.items:
            if item in items:
                counts[(item, r.target)] += 1
    return counts


def build_candidates(reg: Registry, task: Task) -> tuple[list[tuple[str, str]], dict[str, str], Counter]:
    """Candidate rows, ratio per stratum key, and how many targets each exclusion left out."""
    excluded: Counter = Counter()
    if task.mode == "单随机-人员":
        missing = [x for x in task.fixed_targets if x not in reg.targets]
        if missing:
            fail("draw.fixed-target", f"固定检查对象 {missing[0]} 不在检查对象名录库中",
                 f"fixed target {missing[0]} is not in the target directory", "使用名录库中的对象编号",
                 "use an id from the target directory", field="fixed_targets")
        rows = [(x, FIXED_LABEL) for x in task.fixed_targets]
        return rows, ({FIXED_LABEL: "1"} if rows else {}), excluded
    by_class = class_ratios(reg, task)
    scope = task.scope
    types = set(scope.types) or {ty for i in task.items if i in reg.items for ty in reg.items[i].target_types}
    tags = set(scope.tags)
    counts = inspection_counts(reg, task)
    caps = {item: item_cap(reg, item) for item in task.items}
    exempt_a = task.trigger is None and task.mode != "普查"
    rows: list[tuple[str, str]] = []
    ratios: dict[str, str] = {}
    # Plain field tuples, not records: a city directory holds a million targets.
    for tid, ttype, region, industry, ttags, status, credit_class, flags in reg.targets.rows(
            "id", "type", "region", "industry", "tags", "status", "credit_class", "flags"):
        if types and ttype not in types:
            continue
        if scope.regions and not _in_regions(region, scope.regions):
            continue
        if scope.industries and not _in_industries(industry, scope.industries):
            continue
        if tags and not tags.intersection(ttags):
            continue
        if status != "存续":
            excluded[f"登记状态为{status} / not active"] += 1
            continue
        if exempt_a and credit_class == "A" and not flags:
            excluded["A 类（低风险）免于主动抽查 / class A exempt from proactive checks"] += 1
            continue
        if task.trigger is None and any(counts[(item, tid)] >= caps[item] for item in task.items):
            excluded["已达年度抽查频次上限 / yearly frequency cap reached"] += 1
            continue
        key, cls = stratum_of(region, credit_class, flags)
        rows.append((tid, key))
        ratios[key] = by_class[cls]
    return rows, dict(sorted(ratios.items())), excluded


def eligible(ins: Inspector, period_end: Day, units: list[str]) -> bool:
    """在岗, a credentialed inspector (not an expert), 执法证 valid to the period's end, in the task's units."""
    return (ins.status == "在岗" and not ins.expert and ins.cert_expiry >= period_end
            and (not units or ins.unit in units))


def build_inspectors(reg: Registry, task: Task) -> tuple[list[tuple[str, str]], list[str]]:
    """Inspector rows (id, department) and the slots: lead department's, then each partner's."""
    if task.mode == "单随机-对象":
        unknown = [i for i in task.named_inspectors if i not in reg.inspectors]
        if unknown or len(task.named_inspectors) < 2:
            fail("draw.named-inspectors", "单随机-对象任务须指定至少 2 名名录库中的执法检查人员",
                 "a 单随机-对象 task names at least 2 inspectors from the directory",
                 "在 named_inspectors 中填写人员编号", "list inspector ids under named_inspectors",
                 field="named_inspectors")
        return [(i, reg.inspector_dept[i]) for i in task.named_inspectors], []
    pools = [(task.department, list(task.units), task.inspectors_per_target)]
    pools += [(p.department, [], p.slots) for p in task.partners]
    rows: list[tuple[str, str]] = []
    slots: list[str] = []
    for dept, units, k in pools:
        f = reg.inspector_files.get(dept)
        people = [i for i in f.inspectors if eligible(i, task.period.end, units)] if f else []
        if len(people) < k:
            fail("draw.too-few-inspectors",
                 f"{reg.dept_name(dept)} 只有 {len(people)} 名符合条件的执法检查人员（在岗、非专家、执法证有效至 "
                 f"{task.period.end}），每户需要 {k} 名",
                 f"{dept} has {len(people)} eligible inspectors (on duty, not experts, credential valid to "
                 f"{task.period.end}); {k} are needed per target",
                 f"在 {dept}/inspectors.yaml 中补充人员或更新执法证有效期", f"add inspectors to {dept}/inspectors.yaml",
                 file=f"{dept}/inspectors.yaml")
        rows += [(i.id, dept) for i in people]
        slots += [dept] * k
    return rows, slots


def build_conflicts(reg: Registry, task: Task, inspectors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Declared conflicts of `<dept>/draws/<task>/conflicts.yaml` as (inspector, target) rows."""
    d = reg.draws.get(task.id)
    declared = d.conflicts.conflicts if d and d.conflicts else []
    rel = f"{task.department}/draws/{task.id}/conflicts.yaml"
    pool = {i for i, _ in inspectors}
    rows = []
    for n, c in enumerate(declared):
        if c.inspector not in reg.inspectors:
            fail("draw.conflict-inspector", f"回避申报中的执法检查人员 {c.inspector} 不在名录库中",
                 f"declared conflict names unknown inspector {c.inspector}", "核对人员编号", "check the id",
                 file=rel, field=f"conflicts[{n}].inspector")
        if c.target not in reg.targets:
            fail("draw.conflict-target", f"回避申报中的检查对象 {c.target} 不在名录库中",
                 f"declared conflict names unknown target {c.target}", "核对对象编号", "check the id",
                 file=rel, field=f"conflicts[{n}].target")
        if c.inspector in pool:
            rows.append((c.inspector, c.target))
    if len(set(rows)) != len(rows):
        dup = sorted(r for r, k in Counter(rows).items() if k > 1)[0]
        fail("draw.duplicate-conflict", f"回避申报重复：{dup[0]} / {dup[1]}", f"conflict declared twice: {dup}",
             "删除重复的申报", "remove the repeated declaration", file=rel)
    return sorted(rows)


def build_tables(reg: Registry, task: Task) -> Tables:
    candidates, ratios, excluded = build_candidates(reg, task)
    inspectors, slots = build_inspectors(reg, task)
    return Tables(candidates, inspectors, build_conflicts(reg, task, inspectors), ratios, slots, excluded)
