"""Stage 2 — validate: rules across files (references, codes, dates, frequency caps).

Each rule is a small function taking the Registry and yielding Problems located by
file and field path; `load.resolve_lines` adds line numbers afterwards. A plugin (or
a later stage) can add rules with `@rule`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from shuangsuiji.core import codes
from shuangsuiji.core.errors import Problem, plural, problem
from shuangsuiji.core.unitmemo import UnitMemo
from shuangsuiji.registry.freetext import NameIndex, freetext_problems
from shuangsuiji.registry.immutability import committed_draws_unchanged
from shuangsuiji.registry.load import Registry, Units
from shuangsuiji.registry.models.config import MILESTONES, milestone_key
from shuangsuiji.registry.schema_errors import field_path

Rule = Callable[[Registry], Iterable[Problem]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


@dataclass(frozen=True)
class Context:
    """What a validation depends on besides the files: the revision whose draws are immutable; in a
    build, what free text is checked with (computed once for all stages) and the memo of its last findings."""

    base: str | None = None  # `ssj validate --base REV`; None means HEAD
    names: NameIndex | None = None  # the registry's `name_index`
    memo: UnitMemo | None = None  # free-text problems per unit, from the last build
    units: Units | None = None


@rule
def draw_current_part_follows_events(reg: Registry) -> Iterator[Problem]:
    """A draw record's current assignments differ from its initial ones only where a 回避 event removed
    someone, and it carries exactly the events of events.yaml.

    The current part is the one part of a committed record that may change; without this check an
    edit of record.json could draw in a target or swap an inspector with no event (`ssj verify`
    replays who replaced whom)."""
    for task_id, d in sorted(reg.draws.items()):
        rec = d.record
        if not isinstance(rec, dict) or not isinstance(rec.get("initial_assignments"), dict):
            continue
        initial, current = rec["initial_assignments"], rec.get("assignments")
        events = d.events.events if d.events is not None else []
        recused = {(e.target, e.inspector) for e in events if e.type == "回避"}
        logged = [(e.get("seq"), e.get("type"), e.get("target"), e.get("inspector"))
                  for e in rec.get("events") or [] if isinstance(e, dict)]
        if not isinstance(current, dict) or set(current) != set(initial):
            what = ("当前分配的对象与初始抽中的对象不同", "the current assignments name other targets than those drawn")
        elif logged != [(e.seq, e.type, e.target, e.inspector) for e in events]:
            what = ("记录中的事件与 events.yaml 不一致", "the record's events differ from events.yaml")
        elif any((x, i) not in recused for x, people in current.items()
                 for i in set(initial[x]) - set(people) if i is not None):
            what = ("有执法检查人员被换下，却没有对应的回避事件", "an inspector was replaced without a recusal event")
        elif not recused and (current != initial or rec.get("log") != rec.get("initial_log")):
            what = ("没有回避事件，当前分配却与初始分配不同", "no recusal event, yet the current assignments differ")
        else:
            continue
        yield problem("draw.current-part", f"抽取记录的当前部分被改动：{what[0]}", f"the draw record's current part was "
                      f"edited: {what[1]}", "回避与撤回只能用 ssj draw recuse / withdraw 追加事件；恢复 record.json",
                      "record recusals and withdrawals with ssj draw recuse / withdraw; restore record.json",
                      file=f"{d.dept}/draws/{task_id}/record.json", field="assignments")


def validate(reg: Registry, ctx: Context = Context()) -> list[Problem]:
    out: list[Problem] = []
    for r in RULES:
        out.extend(r(reg))
    # personal data typed into free text: errors for ID numbers and bank cards, warnings for phones,
    # e-mails and registered private names; the span is shown masked
    out.extend(freetext_problems(reg, ctx.names, ctx.memo, ctx.units))
    out.extend(committed_draws_unchanged(reg, ctx.base))
    return out


def _ref(reg: Registry, code: str, what_zh: str, what_en: str, value: str, fix_zh: str, fix_en: str, rel: str,
         loc: tuple) -> Iterator[Problem]:
    """A dangling reference — unless the file defining that kind of record failed to load (no cascades)."""
    if code.removeprefix("ref.") in reg.incomplete:
        return
    yield problem(code, f"{what_zh} “{value}” 不存在", f"{what_en} '{value}' does not exist", fix_zh, fix_en,
                  file=rel, field=field_path(loc) or None)


def _dept_ref(reg: Registry, dept: str, rel: str, loc: tuple) -> Iterator[Problem]:
    if dept not in reg.departments:
        yield from _ref(reg, "ref.department", "部门", "department", dept, "使用 departments.yaml 中的部门编号",
                   "use a department id from departments.yaml", rel, loc)


@rule
def departments_and_folders(reg: Registry) -> Iterator[Problem]:
    seen: set[str] = set()
    for rf in reg.files:
        d = rf.dept
        if d and d not in seen:
            seen.add(d)
            if d not in reg.departments:
                yield problem("layout.unknown-department", f"文件夹 “{d}” 不是 departments.yaml 中的部门编号",
                              f"folder '{d}' is not a department id in departments.yaml",
                              "在 departments.yaml 中登记该部门，或把文件移到正确的部门文件夹",
                              "register the department in departments.yaml or move the files", file=rf.rel)
    origin = reg.origins
    for dept in reg.departments.values():
        o = origin[("department", dept.id)]
        for i, ev in enumerate(dept.history):
            if ev.into and ev.into not in reg.departments:
                yield from _dept_ref(reg, ev.into, o.rel, o.loc[:2] + ("history", i, "into"))
        if dept.region not in reg.regions and not codes.is_region(dept.region):
            yield from _ref(reg, "ref.region", "区划代码", "region code", dept.region, "使用 regions.yaml 中的区划代码",
                       "use a code from regions.yaml", o.rel, o.loc[:2] + ("region",))


def _own_dept(reg: Registry, kind: str, dept: str, declared: str) -> Iterator[Problem]:
    o = reg.origins.get((kind, dept))
    if o and declared != dept:
        yield problem("ref.department-mismatch", f"文件中的部门 “{declared}” 与所在文件夹 “{dept}” 不一致",
                      f"department '{declared}' in the file differs from its folder '{dept}'",
                      f"改为 {dept}，或把文件移到 {declared}/ 下", f"write {dept}, or move the file under {declared}/",
                      file=o.rel, field="department")


@rule
def deadlines(reg: Registry) -> Iterator[Problem]:
    """Deadline keys come from the milestone vocabulary, so the dashboard can find their evidence."""
    seen: set[tuple[str, str | None]] = set()
    known = "、".join(f"<年份>-{k}（{zh}）" for k, (zh, _) in MILESTONES.items())
    for i, dl in enumerate(reg.config.deadlines):
        if milestone_key(dl.key) is None:
            yield problem("config.deadline-key", f"工作节点编号 “{dl.key}” 不是已知的节点",
                          f"deadline key '{dl.key}' is not a known milestone",
                          f"写成 年份-节点，节点为：{known}；如 2026-plan",
                          f"write <year>-<milestone> with one of: {', '.join(MILESTONES)}; e.g. 2026-plan",
                          file="config.yaml", field=field_path(("deadlines", i, "key")))
        elif (dl.key, dl.level) in seen:
            yield problem("config.deadline-repeated", f"工作节点 “{dl.key}” 重复（适用层级 {dl.level or '全部'}）",
                          f"deadline '{dl.key}' is given twice for the same level",
                          "每个节点每个层级只写一次", "give each milestone once per level",
                          file="config.yaml", field=field_path(("deadlines", i, "key")))
        seen.add((dl.key, dl.level))


@rule
def item_lists(reg: Registry) -> Iterator[Problem]:
    for dept, lst in reg.item_lists.items():
        yield from _own_dept(reg, "item-list", dept, lst.department)
        rel = reg.origins[("item-list", dept)].rel
        matters = {m.id for m in reg.matters[dept].matters} if dept in reg.matters else None
        seqs: dict[int, int] = {}
        for i, it in enumerate(lst.items):
            loc = ("items", i)
            if it.seq in seqs:
                yield problem("item.duplicate-seq", f"序号 {it.seq} 与第 {seqs[it.seq] + 1} 个事项重复",
                              f"序号 {it.seq} repeats item #{seqs[it.seq] + 1}", "序号应连续且不重复",
                              "numbers must be unique", file=rel, field=field_path(loc + ("seq",)))
            seqs.setdefault(it.seq, i)
            if not any(b.law.strip() for b in it.basis):
                yield problem("item.no-basis", "抽查事项缺少抽查依据（法律法规规章）", "item has no legal basis",
                              "填写抽查依据；法律法规规章没有规定的，一律不得擅自开展检查",
                              "add the legal basis; no basis, no inspection", file=rel, field=field_path(loc + ("basis",)))
            yield from _dept_ref(reg, it.initiator, rel, loc + ("initiator",))
            for j, p in enumerate(it.partners):
                yield from _dept_ref(reg, p, rel, loc + ("partners", j))
            for j, m in enumerate(it.matters):
                if matters is not None and m not in matters:
                    yield from _ref(reg, "ref.matter", "检查事项", "matter", m, f"在 {dept}/matters.yaml 中登记该事项",
                               f"add the matter to {dept}/matters.yaml", rel, loc + ("matters", j))
        steps = [s.step for s in lst.review]
        order = ["提交", "市职能办审核", "市政府法制办审查", "公布"]
        if steps != order[: len(steps)]:
            yield problem("item.review-order", f"审核审查环节顺序不对：{' → '.join(steps)}",
                          "review steps out of order", f"按 {' → '.join(order)} 的顺序记录",
                          "record the steps in the plan's order", file=rel, field="review")
        dates = [s.date for s in lst.review]
        if dates != sorted(dates):
            yield problem("item.review-dates", "审核审查环节的日期先后颠倒", "review dates go backwards",
                          "核对各环节日期", "check the dates", file=rel, field="review")


@rule
def inspectors(reg: Registry) -> Iterator[Problem]:
    for dept, f in reg.inspector_files.items():
        yield from _own_dept(reg, "inspector-file", dept, f.department)
        rel = reg.origins[("inspector-file", dept)].rel
        cfg = reg.dept_configs.get(dept)
        units = {u.id for u in cfg.units} if cfg and cfg.units else None
        for i, ins in enumerate(f.inspectors):
            loc = ("inspectors", i)
            if units is not None and ins.unit not in units:
                yield from _ref(reg, "ref.unit", "执法单位", "unit", ins.unit, f"在 {dept}/config.yaml 的 units 中登记该单位",
                           f"add the unit to {dept}/config.yaml units", rel, loc + ("unit",))
            for j, item in enumerate(ins.items):
                if item not in reg.items:
                    yield from _ref(reg, "ref.item", "抽查事项", "item", item, "使用事项清单中的事项编号",
                               "use an item id from an item list", rel, loc + ("items", j))


@rule
def small_files(reg: Registry) -> Iterator[Problem]:
    for dept, f in reg.liaisons.items():
        yield from _own_dept(reg, "liaison", dept, f.department)
    for dept, f in reg.matters.items():
        yield from _own_dept(reg, "matters", dept, f.department)
    for dept, f in reg.dept_configs.items():
        yield from _own_dept(reg, "dept-config", dept, f.department)
    for pid, plan in reg.plans.items():
        o = reg.origins[("plan", pid)]
        for i, pt in enumerate(plan.tasks):
            for j, item in enumerate(pt.items):
                if item not in reg.items:
                    yield from _ref(reg, "ref.item", "抽查事项", "item", item, "使用事项清单中的事项编号",
                               "use an item id from an item list", o.rel, ("tasks", i, "items", j))
    for dept, f in reg.approvals.items():
        rel = reg.origins[("approvals", dept)].rel
        for i, a in enumerate(f.approvals):
            kind, _, key = a.record.partition(":")
            if (kind, key) not in reg.origins:
                yield from _ref(reg, "ref.record", "记录", "record", a.record, "填写存在的结果编号或对象编号",
                           "name an existing result or target", rel, ("approvals", i, "record"))


@rule
def tasks(reg: Registry) -> Iterator[Problem]:
    for tid, t in reg.tasks.items():
        o = reg.origins[("task", tid)]
        rel = o.rel
        dept = reg.task_dept[tid]
        if t.department != dept:
            yield problem("ref.department-mismatch", f"任务的部门 “{t.department}” 与所在文件夹 “{dept}” 不一致",
                          f"task department '{t.department}' differs from its folder '{dept}'", f"改为 {dept}",
                          f"write {dept}", file=rel, field="department")
        if not rel.endswith(f"/tasks/{tid}.yaml"):
            yield problem("task.file-name", f"任务文件名应为 {tid}.yaml", f"task file must be named {tid}.yaml",
                          "文件名与任务编号保持一致", "name the file after the task id", file=rel, field="id")
        partners = {p.department for p in t.partners}
        for i, item in enumerate(t.items):
            if item not in reg.items:
                yield from _ref(reg, "ref.item", "抽查事项", "item", item, "使用本部门事项清单中的事项编号",
                           "use an item id from the department's list", rel, ("items", i))
            elif reg.item_dept[item] not in {dept} | partners:
                yield problem("task.item-department", f"事项 {item} 属于 {reg.dept_name(reg.item_dept[item])}，不属于本任务的部门",
                              f"item {item} belongs to another department", "把该部门列为配合部门，或去掉该事项",
                              "add that department as a partner or drop the item", file=rel, field=f"items[{i}]")
        for i, p in enumerate(t.partners):
            yield from _dept_ref(reg, p.department, rel, ("partners", i, "department"))
        for i, ins in enumerate(t.named_inspectors):
            if ins not in reg.inspectors:
                yield from _ref(reg, "ref.inspector", "执法检查人员", "inspector", ins, "使用人员名录库中的人员编号",
                           "use an id from the inspector directory", rel, ("named_inspectors", i))
        for i, x in enumerate(t.fixed_targets):
            if x not in reg.targets:
                yield from _ref(reg, "ref.target", "检查对象", "target", x, "使用检查对象名录库中的对象编号",
                           "use an id from the target directory", rel, ("fixed_targets", i))
        for i, code in enumerate(t.scope.regions):
            if code not in reg.regions:
                yield from _ref(reg, "ref.region", "区划代码", "region code", code, "使用 regions.yaml 中的代码",
                           "use a code from regions.yaml", rel, ("scope", "regions", i))
        if t.plan and t.plan not in reg.plans:
            yield from _ref(reg, "ref.plan", "年度计划", "annual plan", t.plan, "填写已有年度计划的编号", "name an existing plan",
                       rel, ("plan",))


@rule
def results(reg: Registry) -> Iterator[Problem]:
    per_year: dict[tuple[str, str, int], list[tuple[str, int]]] = defaultdict(list)
    for task_id, f in sorted(reg.results.items()):
        rel = reg.origins[("results", task_id)].rel
        task = reg.tasks.get(task_id)
        if f.task != task_id:
            yield problem("ref.task-mismatch", f"文件中的任务 “{f.task}” 与文件名 “{task_id}” 不一致",
                          f"task '{f.task}' differs from the file name '{task_id}'", "文件名与任务编号保持一致",
                          "name the file after its task", file=rel, field="task")
        if task is None:
            yield from _ref(reg, "ref.task", "抽查任务", "task", task_id, "先登记抽查任务，或更正文件名", "add the task or fix the file name",
                       rel, ("task",))
            continue
        d = reg.draws.get(task_id)
        drawn = set(d.drawn() or ()) if d is not None and d.drawn() is not None else None
        if drawn is None and task.mode != "单随机-人员":
            yield problem("result.no-draw", f"任务 {task_id} 还没有抽取记录，不能登记结果",
                          f"task {task_id} has no draw record yet", f"先运行 ssj draw run {task_id}",
                          f"run ssj draw run {task_id} first", file=rel, field="task")
        allowed_items = set(task.items) | {i for p in task.partners for i in p.items}
        for i, r in enumerate(f.results):
            loc = ("results", i)
            if r.target not in reg.targets:
                yield from _ref(reg, "ref.target", "检查对象", "target", r.target, "使用检查对象名录库中的对象编号",
                           "use an id from the target directory", rel, loc + ("target",))
            elif drawn is not None and r.target not in drawn and r.target not in task.fixed_targets:
                yield problem("result.not-drawn", f"对象 {r.target} 不在任务 {task_id} 的抽取名单中",
                              f"target {r.target} was not drawn by task {task_id}", "只能登记被抽中对象的结果",
                              "results may only be entered for drawn targets", file=rel, field=field_path(loc + ("target",)))
            for j, item in enumerate(r.items):
                if item not in allowed_items:
                    yield problem("result.item", f"事项 {item} 不属于任务 {task_id}", f"item {item} is not part of task {task_id}",
                                  "只填写本任务的抽查事项", "use the task's items", file=rel, field=field_path(loc + ("items", j)))
                else:
                    per_year[(item, r.target, r.inspected_on.year)].append((rel, i) if r.exception is None else ("", -1))
            credentialed = 0
            for j, ins_id in enumerate(r.inspectors):
                ins = reg.inspectors.get(ins_id)
                if ins is None:
                    yield from _ref(reg, "ref.inspector", "执法检查人员", "inspector", ins_id, "使用人员名录库中的人员编号",
                               "use an id from the inspector directory", rel, loc + ("inspectors", j))
                    continue
                if ins.cert_expiry < r.inspected_on:
                    yield problem("inspector.cert-expired",
                                  f"执法检查人员 {ins.name}（{ins_id}）的执法证 {ins.cert_expiry} 已过期，早于检查日期 {r.inspected_on}",
                                  f"inspector {ins_id}'s credential expired on {ins.cert_expiry}, before the inspection",
                                  "更换持有效执法证的人员，或更新人员名录库中的有效期", "use an inspector with a valid credential",
                                  file=rel, field=field_path(loc + ("inspectors", j)))
                elif not ins.expert:
                    credentialed += 1
            if credentialed < 2 and len(r.inspectors) >= 2 and all(x in reg.inspectors for x in r.inspectors):
                yield problem("result.inspectors", "每次检查至少需要 2 名持有效执法证的执法检查人员（专家不计）",
                              "an inspection needs at least 2 credentialed inspectors (experts do not count)",
                              "增加持证执法检查人员", "add credentialed inspectors", file=rel, field=field_path(loc + ("inspectors",)))
            if r.published_on and r.published_on < r.inspected_on:
                yield problem("result.dates", "公示日期早于检查完成日期", "published before the inspection was completed",
                              "核对日期", "check the dates", file=rel, field=field_path(loc + ("published_on",)))
    for (item, target, year), places in sorted(per_year.items()):
        cap = item_cap(reg, item)
        counted = [p for p in places if p[1] >= 0]
        if len(places) > cap and counted:
            rel, i = counted[-1]
            yield problem("result.frequency", f"事项 {item} 对同一对象 {target} 在 {year} 年检查了 {len(places)} 次，超过每年 {cap} 次",
                          f"item {item} checked {plural(len(places), 'time')} on {target} in {year} (cap {cap} a year)",
                          "如确有需要，填写频次例外理由 exception（投诉举报、转办交办、数据监测预警、上级专项检查）",
                          "give an exception reason if this was justified", file=rel, field=field_path(("results", i, "exception")))


def item_cap(reg: Registry, item: str) -> int:
    """Inspections of one item on one target allowed a year: the item's own cap, else the department's."""
    it = reg.items.get(item)
    if it and it.max_per_year:
        return it.max_per_year
    cfg = reg.dept_configs.get(reg.item_dept.get(item, ""))
    return cfg.max_per_year if cfg else 1


@rule
def draw_folders(reg: Registry) -> Iterator[Problem]:
    for task_id, d in reg.draws.items():
        if task_id not in reg.tasks:
            yield problem("ref.task", f"抽取记录对应的任务 {task_id} 不存在", f"draw folder for unknown task {task_id}",
                          "先登记任务，或删除该文件夹", "add the task or remove the folder",
                          file=f"{d.dept}/draws/{task_id}/")
        elif reg.task_dept[task_id] != d.dept:
            yield problem("ref.department-mismatch", f"抽取记录应在 {reg.task_dept[task_id]}/draws/ 下",
                          f"draw folder belongs under {reg.task_dept[task_id]}/draws/", "移动文件夹", "move the folder",
                          file=f"{d.dept}/draws/{task_id}/")
