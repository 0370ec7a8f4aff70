"""Page contexts from the `PublicRegistry`: plain data only, so a page's hash is its inputs.

Every record reaches a template through `Public.to_json()` (redacted values, withheld
notices), never as a raw model. `Site` indexes the public registry once (targets →
tasks and results, deadlines) before the pages are made, in the parent process; the
pool's workers inherit it.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shuangsuiji.core.codes import industry_name
from shuangsuiji.privacy.redact import require_public
from shuangsuiji.registry.models.task import SEED_KIND_NAMES
from shuangsuiji.site.opendata import shard_digits, target_api_path
from shuangsuiji.site.feeds import FORMATS, OUTCOME_SLUGS
from shuangsuiji.site.render.engine import Page
from shuangsuiji.analysis.stats import publication_due

LATEST = 20  # results and tasks listed on the home page


def filter_value(value: Any) -> str:
    """A search filter value as Pagefind spans and the name index carry it (commas separate Pagefind's filters)."""
    return str(value).replace(",", "，").strip()


ALL_FEED = ("all", "本站全部公告")


def industry_label(code: str | None) -> str:
    """An industry as words (GB/T 4754 name), the code after it for those who look it up."""
    if not code:
        return ""
    name = industry_name(code)
    return f"{name}（{code}）" if name else code


@dataclass
class Site:
    """The public registry, indexed for pages that cut across records."""

    pub: Any
    build_time: str  # explicit build-time stamp (home page only)
    history: Any = None  # history.History when the registry is a git repository
    data: dict = field(default_factory=dict)  # opendata.catalog: the data page's tables, zips and schemas
    feed_files: list[dict] = field(default_factory=list)  # from feeds.write_feeds
    fragments: dict[str, Any] = field(default_factory=dict)  # url → statspages.SitePage (统计分析, 预警, 失信名单)

    def __post_init__(self):
        pub = require_public(self.pub)
        self.task_targets: dict[str, list[str]] = {}
        self.by_target_tasks: dict[str, list[str]] = defaultdict(list)
        self.by_target_results: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.late: dict[str, int] = defaultdict(int)  # department → late publications
        self.due: dict[str, date] = {}
        self._deadlines: dict[str, dict] = {}  # `deadline`, made once per task
        self.withdrawn_by_task: dict[str, list[dict]] = defaultdict(list)
        self.withdrawn_by_target: dict[str, list[dict]] = defaultdict(list)
        for w in pub.withdrawals:
            self.withdrawn_by_task[w.task].append(w.to_json())
            self.withdrawn_by_target[w.target].append(w.to_json())
        self.api_digits = shard_digits(len(pub.targets))  # as opendata named the API shards
        self.feed_keys = {f["path"][len("feeds/"):-len(".xml")] for f in self.feed_files
                          if f["path"].startswith("feeds/") and f["path"].endswith(".xml")}
        # tasks by department and by plan, inspectors by department: each department and plan page
        # would otherwise scan them all (a city: 267 departments, 500 tasks, thousands of inspectors)
        self.tasks_of_dept: dict[str, list[str]] = defaultdict(list)
        self.tasks_of_plan: dict[str, list[str]] = defaultdict(list)
        self.inspectors_of_dept = Counter(pub.inspector_dept.get(i) for i in pub.inspectors)
        days = pub.config.publish_within_working_days
        for tid in sorted(pub.tasks):
            task = pub.tasks[tid]
            self.tasks_of_dept[task.department].append(tid)
            if task.plan:
                self.tasks_of_plan[task.plan].append(tid)
            self.due[tid] = publication_due(task.period.end, days)
            drawn = self.drawn(tid)
            self.task_targets[tid] = drawn
            for x in drawn:
                self.by_target_tasks[x].append(tid)
        for tid in sorted(pub.results):
            for i, r in enumerate(pub.results[tid]):
                self.by_target_results[r.target].append((tid, i))
                if tid in pub.tasks and self.is_late(r):
                    self.late[pub.tasks[tid].department] += 1

    def companies_of_tasks(self) -> dict[str, list[str]]:
        """Task id → the companies whose page may show it (drawn, fixed, with results or withdrawals),
        and those its draw's events name: the pages a change of that task's files can reach, and the
        companies its own pages name (`deps.reached`, `deps.reached_tasks`)."""
        out: dict[str, set[str]] = defaultdict(set)
        for tid, drawn in self.task_targets.items():
            out[tid].update(drawn)
        for tid, d in self.pub.draws.items():
            out[tid].update(e.target for e in d.events if e.target)
        for tid, task in self.pub.tasks.items():
            out[tid].update(task.get("fixed_targets") or ())
        for tid, rows in self.pub.results.items():
            out[tid].update(r.target for r in rows)
        for w in self.pub.withdrawals:
            out[w.task].add(w.target)
        return {tid: sorted(v) for tid, v in sorted(out.items())}

    # --- lookups ---------------------------------------------------------------------------

    def drawn(self, task_id: str) -> list[str]:
        d = self.pub.draws.get(task_id)
        if d is None:
            return []
        chosen = {s.target for s in d.selected}
        first = [x for x in d.order if x in chosen]  # the processing order, when the draw has run
        return first + sorted(chosen - set(first))

    def dept_name(self, dept: str) -> str:
        return self.pub.dept_name(dept)

    def authority(self, dept: str) -> str:
        return self.pub.authority(dept)

    def target_ref(self, tid: str) -> dict:
        t = self.pub.targets.get(tid)
        if t is None:
            return {"id": tid, "name": tid, "uscc": None, "registered_by": None, "page": False}
        return {"id": tid, "name": t.name, "uscc": t.uscc or t.id, "registered_by": t.registered_by, "page": True}

    def region_name(self, code: str | None) -> str:
        return self.pub.region_name(code)

    def feeds(self, *keys: tuple[str, str]) -> tuple[tuple[str, str], ...]:
        """The (key, title) pairs of those feeds this build wrote (a company without results has none)."""
        return tuple((k, t) for k, t in keys if k in self.feed_keys)

    def dept_feed(self, dept: str) -> tuple[str, str]:
        return f"dept/{dept}", f"{self.dept_name(dept)}的公告"

    def revisions(self, kind: str, key: str) -> list[dict]:
        if self.history is None:
            return []
        return [r.to_json() if hasattr(r, "to_json") else r.__dict__ for r in self.history.for_record(kind, key)]

    def is_late(self, r: Any) -> bool:
        """Published later than 20 working days after its own inspection ended (as the statistics count it)."""
        days = self.pub.config.publish_within_working_days
        return bool(r.published_on and r.published_on > publication_due(r.inspected_on, days))

    def deadline(self, tid: str) -> dict:
        """The latest due date of the task's results (period end + 20 working days) and how many were late.
        Made once per task: the home, index, department and plan pages all list them."""
        known = self._deadlines.get(tid)
        if known is None:
            res = self.pub.results.get(tid) or ()
            known = self._deadlines[tid] = {"due": self.due[tid].isoformat(), "published": len(res),
                                            "late": sum(1 for r in res if self.is_late(r)),
                                            "drawn": len(self.task_targets.get(tid, []))}
        return dict(known)

    # --- sections: (name, keys) ------------------------------------------------------------

    def sections(self) -> list[tuple[str, list[str]]]:
        pub = self.pub
        item_keys = [f"{d}/{it.id}" for d in sorted(pub.item_lists) for it in pub.item_lists[d].items]
        return [
            ("home", [""]),
            ("departments", [""]),
            ("department", sorted(pub.departments)),
            ("items", [""]),
            ("item_list", sorted(pub.item_lists)),
            ("item", item_keys),
            ("plans", [""]),
            ("plan", sorted(pub.plans)),
            ("tasks", [""]),
            ("task", sorted(pub.tasks)),
            ("results", [""]),
            ("result", sorted(pub.results)),
            ("inspectors", [""]),
            ("data", [""]),
            ("feeds", [""]),
            ("changelog", [""]),
            ("search", [""]),
            ("sitemap", [""]),
            ("fragment", sorted(self.fragments)),
            ("target", sorted(pub.targets)),
        ]


# --- page makers: (site, key) -> Page ------------------------------------------------------------

def home(site: Site, _key: str) -> Page:
    pub = site.pub
    # the newest LATEST of a city's 50,000 results: rows are made for those only
    latest = heapq.nlargest(LATEST, ((r.published_on.isoformat() if r.published_on else "", tid, r.target, r)
                                     for tid in sorted(pub.results) for r in pub.results[tid]), key=lambda x: x[:3])
    results = [{"date": day, "task": tid, "dept": site.dept_name(pub.tasks[tid].department) if tid in pub.tasks else "",
                "target": site.target_ref(x), "outcome": list(r.outcome)} for day, tid, x, r in latest]
    open_tasks = [tid for tid in sorted(pub.tasks, key=lambda t: (pub.tasks[t].published, t), reverse=True)
                  if not pub.results.get(tid)]
    n_results = sum(len(pub.results[t]) for t in pub.results)
    figures = [
        ("部门", "departments", len(pub.departments)),
        ("抽查事项", "items", sum(len(pub.item_lists[d].items) for d in pub.item_lists)),
        ("抽查任务", "tasks", len(pub.tasks)),
        ("抽中检查对象", "targets", sum(len(v) for v in site.task_targets.values())),
        ("已公示检查结果", "results", n_results),
        ("逾期公示", "late", sum(site.late.values())),
    ]
    return Page("", "home.html", {
        "site_title": pub.config.site.title, "authority": pub.config.site.authority,
        "build_time": site.build_time,
        "figures": [{"label": a, "key": b, "value": c} for a, b, c in figures],
        "latest": results,
        "open_tasks": [_task_row(site, t) for t in open_tasks[:LATEST]],
    }, pub.config.site.title, site.feeds(ALL_FEED))


def _task_row(site: Site, tid: str) -> dict:
    t = site.pub.tasks[tid]
    return {"id": tid, "title": t.title, "dept": site.dept_name(t.department), "year": t.year,
            "no": site.pub.announcement_no(t.department, t.year, t.seq, "抽查任务公告"),
            "published": t.published.isoformat(), "start": t.period.start.isoformat(),
            "end": t.period.end.isoformat(), **site.deadline(tid)}


def departments(site: Site, _key: str) -> Page:
    pub = site.pub
    rows = []
    for d in sorted(pub.departments):
        dep = pub.departments[d]
        rows.append({"id": d, "name": dep.name, "full_name": dep.full_name, "level": dep.level,
                     "annex1": dep.annex1, "active": dep.active,
                     "items": len(pub.item_lists[d].items) if d in pub.item_lists else None,
                     "tasks": len(site.tasks_of_dept.get(d, ())),
                     "late": site.late.get(d, 0)})
    return Page("departments/", "departments.html", {"rows": rows}, "部门")


def department(site: Site, d: str) -> Page:
    pub = site.pub
    dep = pub.departments[d]
    tasks = [_task_row(site, t) for t in site.tasks_of_dept.get(d, ())]
    items = pub.item_lists.get(d)
    inspectors = site.inspectors_of_dept.get(d, 0)
    cfg = pub.dept_configs.get(d)
    matters = pub.matters.get(d)
    coverage = None
    if matters is not None:
        total = len(matters.matters)
        coverage = {"total": total, "random": sum(1 for m in matters.matters if m.random),
                    "not_random": [m.to_json() for m in matters.matters if not m.random]}
    liaison = pub.liaisons.get(d)
    missing = [label for label, present in (
        ("随机抽查事项清单（已公布）", items is not None), ("检查事项总表", matters is not None),
        ("执法检查人员名录", bool(inspectors)), ("工作联络表", liaison is not None),
        ("年度抽查计划", any(p.department == d for p in pub.plans.values())),
        ("抽查任务", bool(tasks)), ("实施细则", d in pub.rules)) if not present]
    results = sum(len(pub.results.get(t, ())) for t in site.tasks_of_dept.get(d, ()))
    return Page(f"departments/{d}/", "department.html", {
        "dept": dep.to_json(), "region": site.region_name(dep.region),
        "items": [{"id": it.id, "seq": it.seq, "name": it.name, "category": it.category} for it in items.items]
        if items else [],
        "plans": [{"id": p, "title": pub.plans[p].title, "year": pub.plans[p].year} for p in sorted(pub.plans)
                  if pub.plans[p].department == d],
        "tasks": tasks, "results": results, "late": site.late.get(d, 0),
        "units": [u.to_json() for u in cfg.units] if cfg else [],
        "inspectors": inspectors, "coverage": coverage,
        "liaison": liaison.to_json() if liaison else None,
        "rules": pub.rules.get(d), "missing": missing,
    }, dep.name, site.feeds(site.dept_feed(d), ALL_FEED))


def items_index(site: Site, _key: str) -> Page:
    pub = site.pub
    rows = [{"id": d, "name": site.dept_name(d), "count": len(pub.item_lists[d].items),
             "published": pub.list_published_on(d).isoformat()} for d in sorted(pub.item_lists)]
    missing = [{"id": d, "name": site.dept_name(d)} for d in sorted(pub.departments)
               if d not in pub.item_lists and pub.departments[d].annex1]
    return Page("items/", "items_index.html", {"rows": rows, "missing": missing}, "随机抽查事项清单")


def item_list(site: Site, d: str) -> Page:
    lst = site.pub.item_lists[d]
    data = lst.to_json()
    return Page(f"items/{d}/", "item_list.html", {
        "dept": d, "dept_name": site.dept_name(d), "authority": site.authority(d), "list": data,
        "history_rows": site.revisions("item-list", d),
    }, f"{site.dept_name(d)}随机抽查事项清单")


def item(site: Site, key: str) -> Page:
    d, iid = key.split("/", 1)
    lst = site.pub.item_lists[d]
    it = next(i for i in lst.items if i.id == iid)
    return Page(f"items/{d}/{iid}/", "item.html", {
        "dept": d, "dept_name": site.dept_name(d), "item": it.to_json(),
        "partners": [{"id": p, "name": site.dept_name(p)} for p in it.partners],
        "changes": [c.to_json() for c in lst.changes], "history_rows": site.revisions("item", iid),
    }, it.name)


def plans_index(site: Site, _key: str) -> Page:
    pub = site.pub
    rows = [{"id": p, "title": pub.plans[p].title, "year": pub.plans[p].year,
             "dept": site.dept_name(pub.plans[p].department),
             "no": site.pub.announcement_no(pub.plans[p].department, pub.plans[p].year, pub.plans[p].seq,
                                   "抽查计划公告")}
            for p in sorted(pub.plans, key=lambda p: (-pub.plans[p].year, p))]
    return Page("plans/", "plans.html", {"rows": rows}, "抽查计划公告")


def plan(site: Site, pid: str) -> Page:
    p = site.pub.plans[pid]
    no = site.pub.announcement_no(p.department, p.year, p.seq, "抽查计划公告")
    return Page(f"plans/{pid}/", "plan.html", {
        "plan": p.to_json(), "no": no, "dept_name": site.dept_name(p.department),
        "authority": site.authority(p.department),
        "tasks_of_plan": [_task_row(site, t) for t in site.tasks_of_plan.get(pid, ())],
        "history_rows": site.revisions("plan", pid),
    }, no)


def tasks_index(site: Site, _key: str) -> Page:
    pub = site.pub
    rows = [_task_row(site, t) for t in sorted(pub.tasks, key=lambda t: (pub.tasks[t].published, t), reverse=True)]
    return Page("tasks/", "tasks.html", {"rows": rows}, "抽查任务公告", site.feeds(ALL_FEED))


def verifier_data(task_id: str, d: Any) -> dict:
    """The public draw record in the shape verify.js reads (see site_config/assets/verify.js).

    Stratum membership is private, so the strata give only N, r and n, and the selection
    tickets are not published (their size would hint at the stratum's ratio).
    """
    m = d.manifest
    units = dict(sorted(d.inspector_units.items()))  # the frozen inspectors table: id → unit
    sizes: dict[str, int] = {}
    for u in units.values():
        sizes[u] = sizes.get(u, 0) + 1
    return {
        "task": task_id, "commitment": d.commitment, "seed": d.seed, "manifest": None,
        "sources": [[s.kind, s.value] for s in d.sources.sources] if d.sources is not None else [],
        "min_per_stratum": m.get("min_per_stratum", 1), "slots": list(m.get("slots", ())),
        "cap_slack": m.get("cap_slack", 1),
        "strata": [{"label": s.label, "N": s.N, "ratio": s.ratio, "n": s.n} for s in d.strata],
        "selected": sorted(s.target for s in d.selected),
        "order": list(d.order), "caps": dict(d.caps), "unit_sizes": dict(sorted(sizes.items())),
        "ranked": {x: list(d.ranked[x]) for x in sorted(d.ranked)}, "units": units,
        "initial_assignments": {x: list(v) for x, v in d.initial_assignments.items()},
        "events": [[e.target, e.inspector] for e in d.events if e.type == "回避"],
        "assignments": {x: list(v) for x, v in d.assignments.items()},
        "log": [list(e) for e in d.log],
    }


def task(site: Site, tid: str) -> Page:
    pub = site.pub
    t = pub.tasks[tid]
    no = site.pub.announcement_no(t.department, t.year, t.seq, "抽查任务公告")
    d = pub.draws.get(tid)
    drawn = []
    if d is not None:
        for n, x in enumerate(site.task_targets[tid], 1):
            drawn.append({"no": n, **site.target_ref(x),
                          "inspectors": [_inspector_ref(pub, i) for i in d.assignments.get(x, ())],
                          "ranked": [_inspector_ref(pub, i) for i in d.ranked.get(x, ())]})
    return Page(f"tasks/{tid}/", "task.html", {
        "task": t.to_json(), "no": no, "dept_name": site.dept_name(t.department),
        "authority": site.authority(t.department),
        "items": [{"id": i, "dept": pub.item_dept.get(i, t.department), "name": _item_name(pub, i)}
                  for i in t.items],
        "partners": [{"id": p.department, "name": site.dept_name(p.department)} for p in t.partners],
        "draw": {"commitment": d.commitment, "seed": d.seed,
                 "sources": [{**s.to_json(), "kind_name": SEED_KIND_NAMES.get(s.kind, s.kind)}
                             for s in d.sources.sources] if d.sources is not None else [],
                 "strata": [{"label": s.label, "N": s.N, "ratio": s.ratio, "n": s.n} for s in d.strata],
                 "events": [{**e.to_json(), "target_ref": site.target_ref(e.target) if e.target else None,
                             "inspector_ref": _inspector_ref(pub, e.inspector) if e.inspector else None}
                            for e in d.events]} if d is not None else None,
        "verifier": verifier_data(tid, d) if d is not None and d.seed else None,
        "drawn": drawn, "deadline": site.deadline(tid), "has_results": tid in pub.results,
        "year": t.year, "history_rows": site.revisions("task", tid),
        "scope": {"regions": [site.region_name(r) for r in t.scope.regions],
                  "industries": [industry_label(i) for i in t.scope.industries]},
    }, no, site.feeds(site.dept_feed(t.department), *_region_feeds(site, t.scope.regions), ALL_FEED))


def _region_feeds(site: Site, regions: Any) -> list[tuple[str, str]]:
    return [(f"region/{r}", f"{site.region_name(r)}的检查结果") for r in regions]


def _item_name(pub: Any, iid: str) -> str:
    it = pub.items.get(iid)
    return it.name if it is not None else iid


def _inspector_ref(pub: Any, iid: str | None) -> dict:
    ins = pub.inspectors.get(iid) if iid else None
    return {"id": iid, "name": ins.name if ins is not None else (iid or "（空缺）")}


def results_index(site: Site, _key: str) -> Page:
    pub = site.pub
    rows = []
    for tid in sorted(pub.results):
        t = pub.tasks.get(tid)
        if t is None:
            continue
        rows.append({"id": tid, "title": t.title, "dept": site.dept_name(t.department), "year": t.year,
                     "no": site.pub.announcement_no(t.department, t.year, t.seq, "抽查结果公告"),
                     "count": len(pub.results[tid]), **site.deadline(tid)})
    rows.sort(key=lambda r: (r["year"], r["id"]), reverse=True)
    return Page("results/", "results.html", {"rows": rows}, "抽查结果公告", site.feeds(ALL_FEED))


def result(site: Site, tid: str) -> Page:
    pub = site.pub
    t = pub.tasks[tid]
    no = site.pub.announcement_no(t.department, t.year, t.seq, "抽查结果公告")
    due = site.due[tid]
    rows = []
    for r in pub.results[tid]:
        rows.append({**r.to_json(), "ref": site.target_ref(r.target),
                     "late": bool(r.published_on and r.published_on > due)})
    withdrawn = [{**w, "ref": site.target_ref(w["target"])} for w in site.withdrawn_by_task.get(tid, [])]
    plan = pub.plans.get(t.plan) if t.plan else None
    return Page(f"results/{tid}/", "result.html", {
        "task": t.to_json(), "no": no, "authority": site.authority(t.department),
        "plan": {"id": plan.id, "title": plan.title} if plan else None, "rows": rows, "withdrawn": withdrawn,
        "deadline": site.deadline(tid), "year": t.year, "dept_name": site.dept_name(t.department),
        "history_rows": site.revisions("results", tid),
    }, no, site.feeds(site.dept_feed(t.department), ALL_FEED))


def company_filters(site: Site, tid: str) -> list[tuple[str, str]]:
    """A company's (filter, value) pairs for the search page: the departments that drew or inspected
    it, its region, the years, outcomes and its industry (in words, its code after them). The name
    index (nameindex.py) carries them as postings: companies are filtered there, not by Pagefind."""
    pub = site.pub
    t = pub.targets[tid]
    tasks = [pub.tasks[k] for k in site.by_target_tasks.get(tid, [])]
    results = [(pub.tasks.get(k), pub.results[k][i]) for k, i in site.by_target_results.get(tid, [])]
    depts = sorted({site.dept_name(tk.department) for tk in tasks}
                   | {site.dept_name(tk.department) for tk, _ in results if tk})
    years = sorted({tk.published.isoformat()[:4] for tk in tasks} | {r.inspected_on.isoformat()[:4] for _, r in results})
    outcomes = sorted({str(o) for _, r in results for o in r.outcome})
    pairs = ([("部门", x) for x in depts] + [("区域", site.region_name(t.region))] + [("年度", y) for y in years]
             + [("结果", o) for o in outcomes] + [("行业", industry_label(t.industry))])
    return [p for p in dict.fromkeys((k, filter_value(v)) for k, v in pairs) if p[1]]


def target(site: Site, tid: str) -> Page:
    pub = site.pub
    t = pub.targets[tid]
    tasks = []
    for task_id in site.by_target_tasks.get(tid, []):
        tk = pub.tasks[task_id]
        d = pub.draws.get(task_id)
        tasks.append({"id": task_id, "title": tk.title, "dept": site.dept_name(tk.department),
                      "authority": site.authority(tk.department), "kind": tk.kind,
                      "date": tk.published.isoformat(),
                      "inspectors": [_inspector_ref(pub, i) for i in d.assignments.get(tid, ())] if d else []})
    results = []
    for task_id, i in site.by_target_results.get(tid, []):
        r = pub.results[task_id][i]
        tk = pub.tasks.get(task_id)
        results.append({**r.to_json(), "task": task_id, "task_title": tk.title if tk else task_id,
                        "dept": site.dept_name(tk.department) if tk else "",
                        "authority": site.authority(tk.department) if tk else ""})
    results.sort(key=lambda r: (r["inspected_on"], r["id"]), reverse=True)
    withdrawn = site.withdrawn_by_target.get(tid, [])
    # no Pagefind marks: companies are searched (and filtered) through the name index, not Pagefind
    return Page(f"targets/{tid}/", "target.html", {
        "target": t.to_json(), "region": site.region_name(t.region), "industry": industry_label(t.industry),
        "tasks": tasks, "results": results, "withdrawn": withdrawn,
        "history_rows": site.revisions("target", tid), "api": target_api_path(tid, site.api_digits),
    }, t.name, site.feeds((f"target/{tid}", f"{t.name}的检查结果"), *_region_feeds(site, [t.region]), ALL_FEED))


def inspectors(site: Site, _key: str) -> Page:
    pub = site.pub
    unit_names = {u.id: u.name for c in pub.dept_configs.values() for u in c.units}
    rows = [{"name": ins.name, "unit": unit_names.get(ins.unit, ins.unit), "cert_no": ins.cert_no,
             "fields": list(ins.get("fields"))} for _, ins in sorted(pub.inspectors.items())]
    rows.sort(key=lambda r: (r["unit"], r["cert_no"]))
    return Page("inspectors/", "inspectors.html", {"rows": rows}, "执法检查人员名录")


def data_page(site: Site, _key: str) -> Page:
    return Page("data/", "data.html", {"data": site.data}, "数据下载")


def feeds_page(site: Site, _key: str) -> Page:
    """The feeds by scope (site-wide, department, region, result category, 更正与撤回), each in its
    formats; a company's feed is named on its own page (a city has 50,000 of them)."""
    names = {slug: outcome for outcome, slug in OUTCOME_SLUGS.items()}
    groups: dict[str, list[dict]] = {}
    for f in site.feed_files:
        path = f["path"]
        if not path.startswith("feeds/") or path == "feeds/index.json":
            continue
        key, _, ext = path[len("feeds/"):].rpartition(".")
        scope, _, rest = key.partition("/")
        if scope == "target":
            continue
        name = {"all": "本站全部公告", "warnings": "风险预警", "dept": site.dept_name(rest),
                "region": site.region_name(rest), "result": names.get(rest, rest),
                "changes": site.dept_name(rest) if rest else "全部部门"}.get(scope, key)
        rows = groups.setdefault("site" if scope in ("all", "warnings") else scope, {})
        rows.setdefault(key, {"key": key, "name": name, "formats": []})["formats"].append(ext)
    for rows in groups.values():  # the scope-wide feed first (全部部门), then by key; RSS, Atom, JSON Feed
        for r in rows.values():
            r["formats"].sort(key=FORMATS.index)
    order = (("site", "全站"), ("changes", "更正与撤回"), ("dept", "按部门"), ("region", "按区域（检查对象所在地）"),
             ("result", "按检查结果类别"))
    return Page("feeds/", "feeds.html", {"groups": [{"id": g, "title": t, "rows": sorted(
        groups[g].values(), key=lambda r: ("/" in r["key"], r["key"]))} for g, t in order if g in groups]},
        "订阅", site.feeds(ALL_FEED))


def changelog(site: Site, _key: str) -> Page:
    entries = []
    if site.history is not None:
        entries = [e.to_json() if hasattr(e, "to_json") else e.__dict__ for e in site.history.changelog(500)]
    return Page("changelog/", "changelog.html", {"entries": entries, "has_history": site.history is not None},
                "更新日志")


NARRATIVE = (("about/", "关于本站"), ("policy/", "实施方案（政策原文）"), ("verify/", "如何核验抽取"),
             ("submit/", "部门如何提交"), ("privacy/", "隐私与更正"), ("accessibility/", "无障碍与关怀版"))


def sitemap(site: Site, _key: str) -> Page:
    """The HTML 网站地图: every section and every department; companies are found by search (a city has 50,000)."""
    pub = site.pub
    pages = {url: p.title for url, p in site.fragments.items()}
    sections = [
        ("公示内容", [("", "首页"), ("items/", "随机抽查事项清单"), ("plans/", "抽查计划公告"), ("tasks/", "抽查任务公告"),
                      ("results/", "抽查结果公告"), ("inspectors/", "执法检查人员名录"), ("search/", "搜索（企业一户一档）")]),
        ("统计分析", sorted(pages.items())),
        ("部门", [("departments/", "全部部门")] + [(f"departments/{d}/", pub.departments[d].name)
                                              for d in sorted(pub.departments)]),
        ("数据与订阅", [("data/", "数据下载"), ("feeds/", "订阅（RSS/Atom/JSON）"), ("changelog/", "更新日志")]),
        ("说明", list(NARRATIVE)),
    ]
    return Page("sitemap/", "sitemap.html", {"sections": [{"title": t, "links": [{"href": h, "title": n}
                                                                                  for h, n in links]}
                                                           for t, links in sections]}, "网站地图")


def search(site: Site, _key: str) -> Page:
    return Page("search/", "search.html", {}, "搜索")


def fragment(site: Site, url: str) -> Page:
    """A page whose body another module made as escaped HTML (statistics, warnings, the 失信 list)."""
    p = site.fragments[url]
    return Page(p.url, "fragment.html", {"html": p.html}, p.title)


MAKERS = {
    "home": home, "departments": departments, "department": department, "items": items_index,
    "item_list": item_list, "item": item, "plans": plans_index, "plan": plan, "tasks": tasks_index,
    "task": task, "results": results_index, "result": result, "inspectors": inspectors, "data": data_page,
    "feeds": feeds_page, "changelog": changelog, "search": search, "sitemap": sitemap, "target": target, "fragment": fragment,
}
