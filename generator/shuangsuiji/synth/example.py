"""Synthetic registries: the Linyi example (committed under `registries/`) and scale registries.

Everything here is made up except the curated reference content (departments of the
2017 plan, laws): people, businesses, codes and phone numbers are synthetic, built to be
valid in form. Output is a pure function of the scale: `random.Random` seeded with fixed
values (this is test data, not a draw), sorted output, byte-stable files.

Scale registries stream their targets: a target row is a function of its index, so
shards are written in parallel and results can name targets without holding a million
rows in memory.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import itertools
import json
import math
import os
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

from shuangsuiji.core import codes
from shuangsuiji.synth import content as C
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import LIST_SEP, Registry
from shuangsuiji.registry.models.base import Record
from shuangsuiji.registry.models.department import (Department, DepartmentConfig, DepartmentEvent, DepartmentsFile, RatioTable,
                                           Unit)
from shuangsuiji.registry.models.inspector import Inspector, InspectorsFile
from shuangsuiji.registry.models.item import ChecklistRow, Item, ItemList, LegalBasis, ListChange, Matter, MattersFile, ReviewStep
from shuangsuiji.registry.models.liaison import Liaison, LiaisonFile
from shuangsuiji.registry.models.plan import AnnualPlan, PlannedTask
from shuangsuiji.registry.models.config import Deadline, RegistryConfig
from shuangsuiji.registry.models.region import Region, RegionsFile
from shuangsuiji.registry.models.result import Result, ResultContent, ResultsFile, Revision
from shuangsuiji.registry.models.target import Target
from shuangsuiji.registry.models.task import Period, Scope, SeedSource, Task
from shuangsuiji.registry.schema import write_schemas
from shuangsuiji.core.workdays import add_working_days, is_working_day
from shuangsuiji.core.yamlio import atomic_write_text, dump_yaml

SEED = 20170417  # the date of the plan; any fixed value would do
TARGET_FIELDS = tuple(Target.model_fields)
PLAN_YEAR = 2026


@dataclass(frozen=True)
class Scale:
    """How big a registry is. `curated` scales hold the curated lists only and no tasks."""

    name: str
    targets: int
    inspectors: int
    items: int
    tasks: int
    results: int
    shard_rows: int
    province: bool = False
    county_depts: bool = True  # every area gets a copy of every curated department


    @property
    def curated(self) -> bool:
        return self.tasks == 0


SCALES = {
    "tiny": Scale("tiny", 3_000, 120, 0, 6, 120, 1_000, county_depts=False),
    "example": Scale("example", 5_000, 300, 0, 0, 0, 10_000, county_depts=False),
    "city": Scale("city", 1_000_000, 3_000, 1_500, 500, 50_000, 10_000),
    "province": Scale("province", 10_000_000, 30_000, 15_000, 5_000, 500_000, 10_000, province=True),
}


# --- writing --------------------------------------------------------------------------------

def _clean(value: Any) -> Any:
    """Dates as ISO text (the strict loader types nothing implicitly)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_record(root: Path, rel: str, record: Record, flow: bool = False) -> str:
    """Write one YAML record with the schema comment path relative to the file; returns `rel`.

    `flow` writes JSON, which is YAML too: ten times faster to emit, for the bulk files of
    scale registries that nobody edits by hand.
    """
    kind = match(rel)
    assert kind is not None and kind.kind.model is type(record), rel
    schema = f"{'../' * rel.count('/')}schema/{kind.kind.name}.schema.json"
    if flow:
        text = f"# yaml-language-server: $schema={schema}\n" + \
            json.dumps(record.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False, indent=1) + "\n"
    else:  # block style without defaults, as a person would write it
        text = dump_yaml(_clean(record.model_dump(mode="python", exclude_defaults=True)), schema=schema)
    atomic_write_text(root / rel, text)
    return rel


# --- people and codes -------------------------------------------------------------------------

class Weighted:
    """A fixed weighted choice, precomputed: a million target rows make many picks."""

    def __init__(self, pairs):
        pairs = list(pairs)
        self.values = [v for v, _ in pairs]
        self.cum = list(itertools.accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _below(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


_SURNAMES = Weighted([(s, 8 if i < C.SURNAME_WEIGHTS_TOP else 1) for i, s in enumerate(C.SURNAMES)])


def person_name(rng: random.Random) -> str:
    g = C.GIVEN_CHARS
    given = g[_below(rng, len(g))] + (g[_below(rng, len(g))] if rng.random() < 0.7 else "")
    return _SURNAMES.pick(rng) + given


def mobile(rng: random.Random) -> str:
    return ("13", "15", "17", "18", "19")[_below(rng, 5)] + f"{_below(rng, 10 ** 9):09d}"


def id_number(rng: random.Random, region: str, birth: date, male: bool) -> str:
    seq = _below(rng, 500) * 2 + (1 if male else 0)
    return codes.make_id_number(f"{region}{birth:%Y%m%d}{seq:03d}")


def _birth(rng: random.Random, lo: int, hi: int) -> date:
    return date(lo + _below(rng, hi - lo + 1), 1, 1) + timedelta(days=_below(rng, 365))


def _org_code(n: int) -> str:
    """A 9-character 组织机构代码 (GB 11714) from a number below 10^8: 8 digits and a check."""
    body = f"{n:08d}"
    c = 11 - sum(int(d) * w for d, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    return body + ("X" if c == 10 else "0" if c == 11 else str(c))


def _base31(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 31)
        out.append(codes.USCC_ALPHABET[r])
    return "".join(reversed(out))


# --- regions and departments ------------------------------------------------------------------

@dataclass(frozen=True)
class Area:
    code: str
    name: str
    kind: str
    weight: int
    city: str  # 临沂市 (or the city of a province's county)

    @property
    def prefix(self) -> str:
        """How a business name starts: 临沂市兰山区…, 沂水县…; zones use the city's name."""
        if self.kind == "功能区":
            return self.city
        return f"{self.city}{self.name}" if self.kind == "市辖区" else self.name

    @property
    def full(self) -> str:
        """How an authority's name starts: 临沂市兰山区, 沂水县, 临沂高新技术产业开发区."""
        return codes.region_name(self.code, full=True).removeprefix("山东省") if self.kind == "功能区" else self.prefix

    @property
    def registrar(self) -> str:
        return C.ZONE_REGISTRARS.get(self.code) or f"{self.prefix}市场监督管理局"

    @property
    def person_region(self) -> str:
        """Address code of a resident's ID number (zones have none of their own)."""
        return "371302" if self.kind == "功能区" else self.code


def areas(scale: Scale) -> list[Area]:
    linyi = [Area(code, name, kind, w, "临沂市") for code, name, kind, w in C.REGIONS]
    if not scale.province:
        return linyi
    cities = {code: name for code, name in codes._regions().items() if code.startswith("37") and code.endswith("00")
              and not code.endswith("0000")}
    out = list(linyi)
    for code, name in sorted(codes._regions().items()):
        if code.startswith("37") and not code.endswith("00") and not code.startswith("3713"):
            kind = "市辖区" if name.endswith("区") else "县"
            out.append(Area(code, name, kind, 50, cities.get(code[:4] + "00", "")))
    return out


def regions_file(scale: Scale) -> RegionsFile:
    regions = [Region(code=C.CITY[0], name=C.CITY[1], kind="市")]
    for a in areas(scale):
        parent = C.CITY[0] if a.code.startswith("3713") else a.code[:4] + "00"
        regions.append(Region(code=a.code, name=a.name, kind=a.kind, parent=parent))
    if scale.province:
        names = codes._regions()
        cities = sorted(c for c in names if c.startswith("37") and c.endswith("00") and not c.endswith("0000")
                        and c != C.CITY[0])
        regions += [Region(code=c, name=names[c], kind="市") for c in cities]
    return RegionsFile(regions=sorted(regions, key=lambda r: r.code))


def _owners(dept: str) -> list[str]:
    return [f"@linyi-{dept}"]


def _county_short(city_short: str) -> str:
    """A county office's short name from the city one: 市教育局 → 教育局, but 市场监管局 keeps its 市."""
    return city_short[1:] if city_short.startswith("市") and not city_short.startswith("市场") else city_short


def _county_id(region: str, kind: str = C.COUNTY_SCJG) -> str:
    return f"{kind}-{region}"


@dataclass(frozen=True)
class DeptPlan:
    """A department that holds an item list in the generated registry."""

    id: str
    source: str  # key of C.ALL_LISTS
    area: Area | None  # None for city level
    full_name: str


def dept_plans(scale: Scale) -> list[DeptPlan]:
    """Departments with item lists: the curated ones, the short lists of the rest of Annex 1, and the
    county market regulators; scale registries add a copy of every curated department in every area."""
    full = {i: f for i, _, f in C.ANNEX1 + C.NEW_DEPARTMENTS}
    out = [DeptPlan(d, d, None, full[d]) for d in C.ALL_LISTS]
    counties = [a for a in areas(scale) if a.kind != "功能区"]
    for a in counties:
        out.append(DeptPlan(_county_id(a.code), C.COUNTY_ITEMS_FROM, a, f"{a.full}市场监督管理局"))
    if not scale.county_depts:
        return out
    kinds = [k for k in C.ITEM_LISTS if k not in (C.COUNTY_ITEMS_FROM, *C.MERGERS)]
    for a in areas(scale):
        out.extend(DeptPlan(_county_id(a.code, k), k, a, full[k].replace("临沂市", a.full, 1)) for k in kinds)
    return out


def item_quotas(scale: Scale, plans: list[DeptPlan]) -> dict[str, int]:
    """Items per list: the curated list, and at scale extra variants spread evenly up to `scale.items`."""
    quota = {p.id: len(C.ALL_LISTS[p.source]["items"]) for p in plans}
    extra = max(0, scale.items - sum(quota.values()))
    for k, p in enumerate(plans):
        quota[p.id] += extra // len(plans) + (k < extra % len(plans))
    return quota


def departments_file(scale: Scale) -> DepartmentsFile:
    reform = date.fromisoformat(C.REFORM_DATE)
    depts: list[Department] = []
    for did, name, full_name in C.ANNEX1:
        history = []
        if did in C.RENAMES:
            history.append(DepartmentEvent(date=reform, event="更名", name=C.RENAMES[did], basis=C.REFORM_BASIS))
        if did in C.MERGERS:
            history.append(DepartmentEvent(date=reform, event="并入", into=C.MERGERS[did], basis=C.REFORM_BASIS))
        depts.append(Department(id=did, name=name, full_name=full_name, level="市级", region=C.CITY[0], annex1=True,
                                active=did not in C.MERGERS, history=history, owners=_owners(did)))
    for did, name, full_name in C.NEW_DEPARTMENTS:
        depts.append(Department(id=did, name=name, full_name=full_name, level="市级", region=C.CITY[0],
                                history=[DepartmentEvent(date=reform, event="设立", basis=C.REFORM_BASIS)],
                                owners=_owners(did)))
    did, name, full_name = C.COORDINATOR
    depts.append(Department(id=did, name=name, full_name=full_name, level="市级", region=C.CITY[0], coordinator=True,
                            owners=_owners(did)))
    short = {i: n for i, n, _ in C.ANNEX1 + C.NEW_DEPARTMENTS}
    for p in dept_plans(scale):
        if p.area is None:
            continue
        history = [DepartmentEvent(date=reform, event="设立", basis=C.REFORM_BASIS)] if p.source == "scjgj" else []
        depts.append(Department(id=p.id, name=p.area.name + _county_short(short[p.source]), full_name=p.full_name,
                                level="县级", region=p.area.code, history=history, owners=_owners(p.id)))
    return DepartmentsFile(departments=depts)


def current_name(dept: Department) -> str:
    """The department's name today, after renames (old records keep the old one)."""
    name = dept.full_name
    for ev in dept.history:
        if ev.event == "更名" and ev.name:
            name = ev.name
    return name


# --- config ---------------------------------------------------------------------------------

def registry_config() -> RegistryConfig:
    """The plan's deadlines in its own words, and this year's (all levels): keys from the milestone vocabulary."""
    d = date.fromisoformat
    deadlines = [
        Deadline(key="2017-liaison", what="报送《市直有关部门单位“双随机、一公开”工作联络表》（附件5）", due=d("2017-04-20"),
                 level="市级"),
        Deadline(key="2017-submit", what="报送随机抽查事项清单、检查对象名录库、执法检查人员名录库和实施细则（加盖公章）",
                 due=d("2017-04-25"), level="市级"),
        Deadline(key="2017-publish", what="公布市级随机抽查事项清单，各部门单位公布本部门清单并报市职能办备案",
                 due=d("2017-05-31"), level="市级"),
        Deadline(key="2017-publish", what="各县区公布本级随机抽查事项清单并报告工作推进情况",
                 due=d("2017-05-31"), level="县级"),
        Deadline(key=f"{PLAN_YEAR}-plan", what=f"公布{PLAN_YEAR}年度抽查计划", due=d(f"{PLAN_YEAR}-03-31")),
        Deadline(key=f"{PLAN_YEAR}-lists", what=f"完成{PLAN_YEAR}年度随机抽查事项清单动态调整", due=d(f"{PLAN_YEAR}-06-30")),
        Deadline(key=f"{PLAN_YEAR}-tasks", what=f"完成{PLAN_YEAR}年度抽查任务并公示结果", due=d(f"{PLAN_YEAR}-12-31")),
    ]
    return RegistryConfig(deadlines=deadlines)


# --- item lists -----------------------------------------------------------------------------

def _item_prefix(dept_id: str) -> str:
    return dept_id.upper()


def item_list(p: DeptPlan, all_depts: dict[str, Department], quota: int, county_index: int) -> ItemList:
    src = C.ALL_LISTS[p.source]
    subject = p.full_name if p.area else all_depts[p.id].full_name
    level = "县级" if p.area else "市级"
    items = []
    specs = src["items"]
    for n in range(1, quota + 1):
        spec = specs[(n - 1) % len(specs)]
        variant = (n - 1) // len(specs)
        name = spec["name"] if not variant else f"{spec['name']}（{C.VARIANTS[(variant - 1) % len(C.VARIANTS)]}）"
        iid = f"{_item_prefix(p.id)}-{n:02d}"
        partners = [x for x in spec["partners"] if p.area is None and x in all_depts]
        items.append(Item(
            id=iid, seq=n, name=name, category=spec["category"],
            basis=[LegalBasis(law=law, articles=art) for law, art in spec["basis"]],
            objects=spec["objects"], target_types=spec["types"], content=spec["content"], methods=spec["methods"],
            ratio=spec["ratio"], frequency=spec["frequency"], subject=subject, level=level, initiator=p.id,
            partners=partners, publicity=C.PUBLICITY, matters=[f"{iid}-M"],
            checklist=[ChecklistRow(no=i, **row) for i, row in enumerate(spec["checklist"], 1)]))
    review = _review(p, src, county_index)
    changes = [ListChange(date=date.fromisoformat(d), summary=s, basis=b) for d, s, b in src.get("changes", ())]
    if p.area is None and p.id not in C.UNPUBLISHED and p.source != "scjgj" and len(items) > 2:
        changes.append(ListChange(date=date(2018, 3, 15), summary=f"根据法律法规修订情况，调整第{len(items)}项的抽查频次和检查表格",
                                  basis="动态调整"))
    yearly = _yearly_review(p, review, county_index)
    if yearly:
        changes.append(ListChange(date=yearly, summary=f"{PLAN_YEAR}年度清单动态调整：核对抽查依据，更新检查表格",
                                  basis="动态调整"))
    return ItemList(department=p.id, review=review, changes=changes, items=items)


def _yearly_review(p: DeptPlan, review: list[ReviewStep], county_index: int) -> date | None:
    """This year's review of a published list: most by 6/30, one late (C.LATE_REVIEW), one not done
    (C.NO_REVIEW), the county lists still under review none."""
    if not review or review[-1].step != "公布" or p.id in (C.NO_REVIEW, *C.MERGERS):
        return None
    if p.id == C.LATE_REVIEW:
        return date(PLAN_YEAR, 7, 21)
    return date(PLAN_YEAR, 4, 1) + timedelta(days=(7 * county_index + 3 * len(p.id)) % 80)


def _review(p: DeptPlan, src: dict, county_index: int) -> list[ReviewStep]:
    steps = ["提交", "市职能办审核", "市政府法制办审查", "公布"]
    if p.area is None:
        dates = [date.fromisoformat(x) for x in src["review"]]
        who = p.full_name if p.id != "scjgj" else "临沂市市场监督管理局"
    else:  # county copies: submitted after the city's list, two counties still under review
        base = date.fromisoformat(src["review"][-1]) + timedelta(days=10 + 3 * county_index)
        dates = [base, base + timedelta(days=7), base + timedelta(days=15), base + timedelta(days=24)]
        if county_index % 6 == 5:
            dates = dates[:3]
        who = p.full_name
    by = {"提交": who, "市职能办审核": "市职能办", "市政府法制办审查": "市政府法制办", "公布": who}
    notes = {"市职能办审核": "经审核，事项依据充分，同意报送审查", "市政府法制办审查": "经合法性审查，同意公布"}
    return [ReviewStep(step=s, date=d, by=by[s], note=notes.get(s)) for s, d in zip(steps, dates)]


def matters_file(lst: ItemList, dept_id: str, source: str, area: Area | None) -> MattersFile:
    ms = [Matter(id=m, name=it.name, basis="；".join(b.law + (b.articles or "") for b in it.basis))
          for it in lst.items for m in it.matters]
    gap = C.COVERAGE_GAP.get(source) if area is None else None
    if gap:
        name, basis, reason = gap
        ms.append(Matter(id=f"{_item_prefix(dept_id)}-X1", name=name, basis=basis, random=False, reason=reason))
    return MattersFile(department=dept_id, matters=ms)


def dept_config(p: DeptPlan, lst: ItemList) -> DepartmentConfig:
    src = C.ALL_LISTS[p.source]
    if p.area is None:
        units = [Unit(id=u, name=n) for u, n in src["units"]]
    else:
        units = [Unit(id=p.id, name=p.full_name)]
    published = lst.published_on()
    ratios = RatioTable(A="0.03", B="0.05", C="0.2", D="1", flagged="0.3") if p.source == "scjgj" else RatioTable()
    return DepartmentConfig(department=p.id, ratios=ratios, max_per_year=1, units=units,
                            rules_published=published + timedelta(days=14) if published and p.source != "lsj" else None)


def rules_md(p: DeptPlan, lst: ItemList, cfg: DepartmentConfig) -> str:
    laws = []
    for it in lst.items:
        for b in it.basis:
            if b.law not in laws:
                laws.append(b.law)
    src = C.ALL_LISTS[p.source]
    r = cfg.ratios
    pct = lambda x: f"{float(x) * 100:g}%"
    return C.RULES.format(full_name=p.full_name, laws="、".join(laws[:4]),
                          objects="、".join(sorted({o for it in lst.items for o in it.target_types})),
                          office=src["office"], n_items=len(lst.items), ratio_a=pct(r.A), ratio_b=pct(r.B),
                          ratio_c=pct(r.C), ratio_d=pct(r.D), ratio_f=pct(r.flagged), max_per_year=cfg.max_per_year,
                          publicity=C.PUBLICITY)


# --- inspectors -------------------------------------------------------------------------------

def inspectors_file(p: DeptPlan, lst: ItemList, cfg: DepartmentConfig, count: int, rng: random.Random) -> InspectorsFile:
    src = C.ALL_LISTS[p.source]
    region = p.area.code if p.area else C.CITY[0]
    person_region = p.area.person_region if p.area else "371302"
    issuer = f"{p.area.prefix}人民政府" if p.area and p.area.kind != "功能区" else "临沂市人民政府"
    out = []
    for n in range(1, count + 1):
        male = rng.random() < 0.68
        birth = _birth(rng, 1963, 1996)
        expert = n > 3 and rng.random() < 0.04
        expiry = date(rng.choice((2027, 2028, 2028, 2029)), rng.randint(1, 12), 28)
        if not expert and n > 3 and rng.random() < 0.03:
            expiry = date(rng.choice((2024, 2025)), rng.randint(1, 12), 28)  # not renewed in time
        items = [it.id for it in lst.items if rng.random() < 0.8] or [lst.items[0].id]
        out.append(Inspector(
            id=f"{_item_prefix(p.id)}-{n:04d}", name=person_name(rng), gender="男" if male else "女",
            birth=f"{birth:%Y-%m}", id_number=id_number(rng, person_region, birth, male),
            phone=mobile(rng), title="特邀专家" if expert else rng.choice(C.INSPECTOR_TITLES),
            unit=rng.choice(cfg.units).id,
            cert_no=f"专家聘字〔2024〕第{n:03d}号" if expert else f"{region}{rng.randrange(10 ** 6):06d}",
            cert_type="专家聘书" if expert else "山东省行政执法证",
            cert_issuer=p.full_name if expert else issuer, cert_expiry=expiry,
            fields=list(src["fields"]) if expert else rng.sample(src["fields"], k=max(1, min(2, len(src["fields"])))),
            items=items, expert=expert,
            status="在岗" if rng.random() < 0.96 or n <= 3 else rng.choice(("离岗", "调出"))))
    return InspectorsFile(department=p.id, inspectors=out)


def usable_inspectors(f: InspectorsFile, on: date) -> list[Inspector]:
    """Credentialed, present inspectors whose certificate is valid on a day."""
    return [i for i in f.inspectors if not i.expert and i.status == "在岗" and i.cert_expiry >= on]


# --- liaison tables ----------------------------------------------------------------------------

def liaison_file(dept: Department, rng: random.Random) -> LiaisonFile:
    late = dept.id == C.LATE_LIAISON
    submitted = date(2017, 4, 24) if late else date(2017, 4, rng.randint(18, 20))
    # the curated lists name the office; the others draw one (ITEM_LISTS, not ALL_LISTS: earlier tables keep their people)
    office = C.ITEM_LISTS.get(dept.id, {}).get("office") or rng.choice(("办公室", "政策法规科", "法规科"))
    people = []
    for role, titles in C.LIAISON_TITLES:
        people.append(Liaison(role=role, name=person_name(rng), title=rng.choice(titles),
                              office_phone=f"0539-8{rng.randrange(10 ** 7):07d}", mobile=mobile(rng),
                              note="补报" if late and role == "联络员" else None))
    return LiaisonFile(department=dept.id, lead_office=office, submitted=submitted, people=people)


# --- annual plans ----------------------------------------------------------------------------

def annual_plan(p: DeptPlan, lst: ItemList, dept: Department, rng: random.Random) -> AnnualPlan:
    items = [it.id for it in lst.items]
    quarters = [(date(PLAN_YEAR, 3, 1), date(PLAN_YEAR, 5, 31)), (date(PLAN_YEAR, 6, 1), date(PLAN_YEAR, 8, 31)),
                (date(PLAN_YEAR, 9, 1), date(PLAN_YEAR, 11, 30))]
    tasks = []
    for k, (start, end) in enumerate(quarters[: max(1, min(3, len(items)))]):
        chosen = items[k::3] or items[:1]
        names = "、".join(it.name for it in lst.items if it.id in chosen)
        partners = sorted({x for it in lst.items if it.id in chosen for x in it.partners})
        tasks.append(PlannedTask(title=f"{PLAN_YEAR}年{names}", items=chosen, start=start, end=end,
                                 ratio=lst.items[items.index(chosen[0])].ratio, partners=partners))
    name = current_name(dept)
    filed = date(PLAN_YEAR, 1, rng.randint(10, 28))
    return AnnualPlan(id=f"{_item_prefix(p.id)}-{PLAN_YEAR}", department=p.id, year=PLAN_YEAR, seq=1,
                      title=f"{name}{PLAN_YEAR}年度“双随机、一公开”抽查计划", filed=filed,
                      published=filed + timedelta(days=rng.randint(10, 30)),
                      summary=f"按照“双随机、一公开”工作要求，本部门{PLAN_YEAR}年度计划开展 {len(tasks)} 批次随机抽查，"
                              "涉及本部门随机抽查事项清单中的全部事项。", tasks=tasks)


# --- targets ------------------------------------------------------------------------------------

_TYPES = Weighted(C.TYPE_WEIGHTS)
_TYPE_IND = {t: Weighted([(row, row[1]) for row in C.INDUSTRIES if code in row[3]])
             for code, t in C.TYPE_CODES.items()}
_STATUS = Weighted((("存续", 930), ("注销", 40), ("吊销", 20), ("迁出", 10)))
_OLD_STATUS = Weighted((("吊销", 6), ("存续", 3), ("注销", 1)))
_CREDIT = Weighted((("A", 20), ("B", 60), ("C", 15), ("D", 5)))
_PERM_A = 387_420_489  # 3^18, coprime with 31 and 10: a bijection on the code space
_SPACE_MA = 31 ** 6
_EPOCH_MA = date(2015, 10, 1)  # codes issued from then on are of the MA… form


@dataclass(frozen=True)
class Block:
    """A contiguous range of target indices that belong to one area."""

    area: Area
    start: int
    count: int


@functools.cache
def blocks(scale: Scale) -> list[Block]:
    ars = areas(scale)
    total_w = sum(a.weight for a in ars)
    out, start = [], 0
    for k, a in enumerate(ars):
        n = scale.targets - start if k == len(ars) - 1 else round(scale.targets * a.weight / total_w)
        out.append(Block(a, start, n))
        start += n
    return out


def target_row(i: int, block: Block) -> list[str]:
    """The CSV row of target number i (global index): a pure function of i and its area."""
    rng = random.Random(SEED * 1_000_000_007 + i)
    a = block.area
    typ = _TYPES.pick(rng)
    ind, _, words, _, tag = _TYPE_IND[typ].pick(rng)
    if typ == "企业":
        word = words[0]
    else:
        shop = [w for w in words if "公司" not in w]
        word = shop[_below(rng, len(shop))]
    k = i - block.start
    pairs = len(C.TRADE_CHARS) // 2  # 字号: first half of one pair and second half of another, distinct per k
    a1, a2 = divmod((k * 37) % (pairs * pairs), pairs)
    trade = C.TRADE_CHARS[2 * a1] + C.TRADE_CHARS[2 * a2 + 1]
    rep = person_name(rng)
    individual = typ == "个体工商户"
    est = date(1996, 1, 1) + timedelta(days=int((rng.random() ** (0.6 if individual else 0.8)) * 10_950))
    est = min(est, date(2025, 12, 31))
    if individual:
        surname = rep[0]
        u = rng.random()
        name = f"{a.prefix.removeprefix(a.city)}{trade}{word}" if u < 0.6 else \
            f"{a.name}{surname}记{word}" if u < 0.9 else f"{a.name}{rep}{word}"
        if not name.startswith(a.name) and a.kind == "功能区":
            name = a.city + name
    elif typ == "企业":
        u = rng.random()
        name = f"{a.prefix}{trade}{word}" if u < 0.6 else f"山东{trade}{word}" if u < 0.8 else f"临沂{trade}{word}"
        if not name.endswith(("公司", "厂")):
            name += "有限公司"
    elif typ == "农民专业合作社":
        name = f"{a.name if a.kind != '功能区' else a.city}{trade}{word}"
    elif typ == "事业单位":
        name = f"{a.prefix}{trade}{word}" if word != "小学" else f"{a.prefix}第{k % 40 + 1}实验小学"
    else:
        name = f"{a.prefix}{trade}{word}" if word not in ("商会", "协会", "学会") else \
            f"{a.prefix}{C.INDUSTRIES[k % 30][2][0].removesuffix('有限公司')}{word}"
    status = _STATUS.pick(rng)
    area_code = "371300" if a.kind == "功能区" else a.code
    old_only = est < date(2014, 3, 1) and typ in ("企业", "个体工商户") and rng.random() < 0.03
    if old_only:
        status = _OLD_STATUS.pick(rng)
    uscc = reg_no = None
    if typ in ("企业", "个体工商户", "农民专业合作社") and est < date(2015, 10, 1):
        reg_no = codes.make_reg_number(f"{area_code}{'6' if individual else '0'}{(i * 7_919) % 10 ** 7:07d}")
    if not old_only:
        if est >= _EPOCH_MA and typ in ("企业", "个体工商户", "农民专业合作社"):
            body = "MA3" + _base31((i * _PERM_A) % _SPACE_MA, 6)
        else:
            body = _org_code((i * 7_654_321 + 30_000_000) % 10 ** 8)
        uscc = codes.make_uscc(f"{C.USCC_PREFIX[typ]}{area_code}{body[:9]}")
        if rng.random() < 0.6:
            reg_no = None  # many converted entities no longer show the old number
    if typ in ("事业单位", "社会组织", "民办非企业单位"):
        registered_by = C.SOCIAL_REGISTRAR[typ].format(area=a.prefix if a.kind != "功能区" else a.city)
    else:
        registered_by = "临沂市市场监督管理局" if typ == "企业" and rng.random() < 0.08 and a.city == "临沂市" \
            else a.registrar
    tc = C.TRADE_CHARS
    town = f"{tc[_below(rng, len(tc))]}{tc[_below(rng, len(tc))]}{C.TOWN_SUFFIX[_below(rng, 3)]}"
    address = f"山东省{a.city}{a.name}{town}{C.ROADS[_below(rng, len(C.ROADS))]}{1 + _below(rng, 999)}号"
    male = rng.random() < 0.62
    birth = _birth(rng, 1950, 2000)
    idn = id_number(rng, a.person_region, birth, male) if typ not in ("事业单位", "社会组织") and rng.random() < 0.85 \
        else None
    phone = mobile(rng) if rng.random() < 0.8 else f"0539-8{_below(rng, 10 ** 7):07d}"
    credit = _CREDIT.pick(rng)
    flags = []
    if rng.random() < (0.02 if credit in "AB" else 0.12):
        flags.append("经营异常名录")
    if credit == "D" and rng.random() < 0.1:
        flags.append("严重违法失信名单")
    if rng.random() < 0.01:
        flags.append("投诉举报多")
    tags = [tag] if tag and rng.random() < 0.9 else []
    if ind[:2] in ("20", "30", "33") and rng.random() < 0.5 and not tags:
        tags.append("tzsb")
    last = ""
    if status == "存续" and rng.random() < 0.15:
        last = (date(2023, 1, 1) + timedelta(days=_below(rng, 1095))).isoformat()
    row = {"id": uscc or reg_no, "name": name, "uscc": uscc or "", "reg_no": reg_no or "", "type": typ,
           "address": address, "legal_rep": rep, "phone": phone, "id_number": idn or "", "industry": ind,
           "region": a.code, "status": status, "registered_by": registered_by, "established": est.isoformat(),
           "credit_class": credit, "flags": LIST_SEP.join(flags), "tags": LIST_SEP.join(tags), "last_inspected": last}
    return [row[f] for f in TARGET_FIELDS]


def _shards(scale: Scale) -> list[tuple[str, Block, int, int]]:
    """(shard name, block, first index, count) for every shard, in order."""
    out = []
    for b in blocks(scale):
        n = max(1, math.ceil(b.count / scale.shard_rows))
        for s in range(n):
            first = b.start + s * scale.shard_rows
            count = min(scale.shard_rows, b.start + b.count - first)
            out.append((b.area.code if n == 1 else f"{b.area.code}-{s + 1:03d}", b, first, count))
    return out


def _write_shard(root: str, name: str, block: Block, first: int, count: int) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TARGET_FIELDS)
    for i in range(first, first + count):
        w.writerow(target_row(i, block))
    rel = f"targets/{name}.csv"
    atomic_write_text(Path(root) / rel, buf.getvalue())
    return rel


def write_targets(root: Path, scale: Scale, jobs: int | None = None) -> list[str]:
    """Write the target shards, in parallel processes when there are many; returns their paths."""
    shards = _shards(scale)
    jobs = jobs or os.cpu_count() or 1
    if jobs < 2 or len(shards) < 4:
        return [_write_shard(str(root), *s) for s in shards]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_write_shard, str(root), *s) for s in shards]
        return [f.result() for f in futures]


# --- results ---------------------------------------------------------------------------------

_OUTCOMES = Weighted((row, row[0]) for row in (  # weight, outcome, problems, follow-ups
    (720, ["未发现问题"], [], ["无需后续处置"]),
    (120, ["发现问题已责令改正"], [], ["责令改正并跟踪"]),
    (40, ["发现问题待后续处理"], ["通过登记的住所（经营场所）无法联系"], ["列入经营异常名录"]),
    (20, ["发现问题待后续处理"], ["未按规定公示应当公示的信息"], ["责令改正并跟踪"]),
    (20, ["发现问题待后续处理"], ["违反其他部门相关规定"], ["抄告相关部门"]),
    (8, ["发现问题待后续处理"], ["公示信息隐瞒真实情况弄虚作假"], ["移送办案机构"]),
    (2, ["发现问题待后续处理"], ["违反其他部门相关规定"], ["移送司法机关"]),
    (40, ["未发现开展本次抽查涉及的经营活动"], [], ["无需后续处置"]),
    (25, ["已关闭停业或正在组织清算"], [], ["无需后续处置"]),
    (5, ["不配合检查情节严重"], [], ["移送办案机构"]),
))


@functools.lru_cache(maxsize=1024)
def _working_days_in(start: date, end: date) -> list[date]:
    days, d = [], start
    while d <= end:
        if is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days or [start]


def make_result(rng: random.Random, rid: str, task: Task, target: str, inspectors: list[str], by: str,
                day: date | None = None, status: str = "已公示", as_of: date | None = None,
                limit: int = 20) -> Result:
    """One realistic result of a drawn target. `status` 更正/撤回 make a corrected or withdrawn one."""
    inspected = day or rng.choice(_working_days_in(task.period.start, task.period.end))
    started = inspected - timedelta(days=rng.choice((0, 0, 0, 1, 2)))
    _, outcome, problems, follow = _OUTCOMES.pick(rng)
    remarks = None
    details = None
    if outcome != ["未发现问题"]:
        remarks = rng.choice(C.REMARKS_FOUND) if follow != ["无需后续处置"] else "经营场所已无经营活动"
        details = f"现场检查发现：{rng.choice(task.items)} 检查表格中第{rng.randint(1, 3)}项不符合要求，已制作现场笔录。"
    submitted = add_working_days(inspected, rng.randint(1, 5))
    late = rng.random() < 0.03
    published = add_working_days(inspected, rng.randint(limit + 2, limit + 10) if late else rng.randint(3, limit - 1))
    submitted = min(submitted, published)
    abnormal = add_working_days(inspected, rng.randint(3, 10)) if "列入经营异常名录" in follow else None
    referred = inspected + timedelta(days=rng.randint(1, 3)) if "移送司法机关" in follow else None
    revisions = [Revision(date=submitted, action="提交审核", by=by),
                 Revision(date=published, action="审核通过", by=by), Revision(date=published, action="公示", by=by)]
    first = None
    if as_of is not None and published > as_of:
        status = "待审核" if submitted <= as_of else "草稿"
        revisions = revisions[:1] if status == "待审核" else []
        published = abnormal = referred = None
    elif status == "更正":
        first = ResultContent(outcome=["未发现问题"], problems=[], follow_ups=["无需后续处置"], remarks=None)
        outcome, problems, follow = ["发现问题已责令改正"], [], ["责令改正并跟踪"]
        remarks = "原公示结果录入有误，已更正"
        revisions.append(Revision(date=add_working_days(published, 4), action="更正", by=by,
                                  reason="检查结果录入错误，经复核更正"))
    elif status == "撤回":
        revisions.append(Revision(date=add_working_days(published, 6), action="撤回", by=by,
                                  reason="该对象在检查前已注销登记，不属于本次抽查范围，撤回本条结果"))
    return Result(id=rid, target=target, items=list(task.items), inspectors=inspectors, started_on=started,
                  inspected_on=inspected, outcome=outcome, problems=problems, follow_ups=follow, remarks=remarks,
                  details=details, status=status, submitted=submitted if status != "草稿" else None,
                  published_on=published, abnormal_listed_on=abnormal, referred_on=referred, first=first,
                  revisions=revisions)


def _special_statuses(n: int) -> dict[int, str]:
    """One correction and one withdrawal in a file with enough results."""
    return {n // 3: "更正", (2 * n) // 3: "撤回"} if n >= 3 else {}


def results_for_task(reg: Registry, task_id: str, as_of: date | None = None) -> ResultsFile | None:
    """Results of a drawn task from its draw record (`assignments`: target → inspector ids), or None."""
    task = reg.tasks[task_id]
    d = reg.draws.get(task_id)
    record = d.record if d is not None and isinstance(d.record, dict) else None
    if record is None:
        return None
    assignments = record.get("assignments") or record.get("initial_assignments") or {}
    dates = record.get("dates") or {}
    by = reg.dept_name(task.department)
    limit = reg.config.publish_within_working_days
    rng = random.Random(f"{SEED}/results/{task_id}")
    targets = sorted(assignments)
    special = _special_statuses(len(targets))
    out = []
    for n, x in enumerate(targets):
        inspectors = [i for i in assignments[x] if i]
        if len(inspectors) < 2:
            continue
        day = date.fromisoformat(dates[x]) if isinstance(dates.get(x), str) else None
        out.append(make_result(rng, f"{task_id}-R{n + 1:04d}", task, x, inspectors, by, day=day,
                               status=special.get(n, "已公示"), as_of=as_of, limit=limit))
    return ResultsFile(department=task.department, task=task_id, results=out)


def write_results(reg: Registry, task_ids: list[str] | None = None, as_of: date | None = None) -> list[str]:
    """Write `<dept>/results/<task>.yaml` for drawn tasks; returns the files written."""
    written = []
    for tid in sorted(task_ids or reg.tasks):
        f = results_for_task(reg, tid, as_of)
        if f is None:
            continue
        rel = f"{reg.task_dept[tid]}/results/{tid}.yaml"
        write_record(reg.root, rel, f)
        written.append(rel)
    return written


# --- scale tasks --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _TaskJob:
    """Everything one synthetic task needs, so tasks are written in parallel processes."""

    root: str
    scale: Scale
    dept: str
    dept_name: str
    task_id: str
    seq: int
    order: int
    area: str
    window: tuple[int, int]  # target indices this task may take: disjoint between tasks
    per_task: int
    item_list: ItemList
    inspectors: InspectorsFile


def _task_jobs(root: Path, scale: Scale, plans: list[DeptPlan], lists: dict[str, ItemList],
               inspectors: dict[str, InspectorsFile], depts: dict[str, Department]) -> list[_TaskJob]:
    by_area = {b.area.code: b for b in blocks(scale)}
    owners = [p for p in plans if p.id in inspectors]
    spread = sorted(by_area)
    picks = []
    for t in range(scale.tasks):
        p = owners[t % len(owners)]
        picks.append((p, p.area.code if p.area else spread[t % len(spread)]))
    per_area: dict[str, int] = {}
    for _, code in picks:
        per_area[code] = per_area.get(code, 0) + 1
    used: dict[str, int] = {}
    seqs: dict[str, int] = {}
    jobs = []
    for t, (p, code) in enumerate(picks):
        b = by_area[code]
        width = b.count // per_area[code]
        k = used[code] = used.get(code, -1) + 1
        seqs[p.id] = seqs.get(p.id, 0) + 1
        jobs.append(_TaskJob(str(root), scale, p.id, depts[p.id].full_name,
                             f"{_item_prefix(p.id)}-{PLAN_YEAR}-{seqs[p.id]:03d}", seqs[p.id], t, code,
                             (b.start + k * width, b.start + (k + 1) * width), max(1, scale.results // scale.tasks),
                             lists[p.id], inspectors[p.id]))
    return jobs


def _write_task(job: _TaskJob) -> int:
    """One synthetic task (单随机-人员: targets fixed, inspectors drawn) and its results."""
    rng = random.Random(f"{SEED}/task/{job.task_id}")
    block = next(b for b in blocks(job.scale) if b.area.code == job.area)
    status_col, id_col = TARGET_FIELDS.index("status"), TARGET_FIELDS.index("id")
    fixed: list[str] = []
    i, end = job.window
    while len(fixed) < job.per_task and i < end:
        row = target_row(i, block)
        if row[status_col] == "存续":
            fixed.append(row[id_col])
        i += 1 + _below(rng, 3)
    start = date(PLAN_YEAR, 3, 2) + timedelta(days=7 * (job.order % 30))
    period = Period(start=start, end=start + timedelta(days=60))
    lst = job.item_list
    items = [it.id for it in lst.items][: 1 + _below(rng, min(3, len(lst.items)))]
    task = Task(id=job.task_id, department=job.dept, year=PLAN_YEAR, seq=job.seq,
                title=f"{PLAN_YEAR}年{lst.items[0].name}（第{job.seq}批）", items=items, mode="单随机-人员",
                scope=Scope(regions=[job.area]), fixed_targets=fixed, period=period,
                published=start - timedelta(days=5),
                seed_sources=[SeedSource(kind="dice", date=start - timedelta(days=3), place=f"{job.dept_name}会议室")])
    root = Path(job.root)
    write_record(root, f"{job.dept}/tasks/{job.task_id}.yaml", task, flow=True)
    usable = usable_inspectors(job.inspectors, period.end)
    special = _special_statuses(len(fixed))
    results = [make_result(rng, f"{job.task_id}-R{n + 1:04d}", task, x, [s.id for s in rng.sample(usable, 2)],
                           job.dept_name, status=special.get(n, "已公示"))
               for n, x in enumerate(fixed)]
    write_record(root, f"{job.dept}/results/{job.task_id}.yaml",
                 ResultsFile(department=job.dept, task=job.task_id, results=results), flow=True)
    return len(results)


def write_scale_tasks(root: Path, scale: Scale, plans: list[DeptPlan], lists: dict[str, ItemList],
                      inspectors: dict[str, InspectorsFile], depts: dict[str, Department],
                      jobs: int | None = None) -> tuple[int, int]:
    """Synthetic tasks and results on disjoint targets; returns (tasks, results)."""
    todo = _task_jobs(root, scale, plans, lists, inspectors, depts)
    jobs = jobs or os.cpu_count() or 1
    if jobs < 2 or len(todo) < 8:
        return len(todo), sum(map(_write_task, todo))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return len(todo), sum(pool.map(_write_task, todo, chunksize=8))


# --- the whole registry -------------------------------------------------------------------------

def _inspector_counts(plans: list[DeptPlan], total: int) -> dict[str, int]:
    """Inspectors per department: the city's market regulator has the most, every list holder at least 4;
    the short lists' departments 4 each, beside the total (the curated ones keep their people)."""
    weights = {p.id: (12 if p.id == "scjgj" else 3 if p.source == "scjgj" else 2) for p in plans
               if p.id != "gsj" and p.source not in C.MINOR_LISTS}
    s = sum(weights.values())
    return {**{d: max(4, round(total * w / s)) for d, w in weights.items()},
            **{p.id: 4 for p in plans if p.source in C.MINOR_LISTS}}


def generate(out: Path, scale: Scale, jobs: int | None = None) -> dict[str, int]:
    """Write a whole registry for `scale` under `out`; returns counts of what was written.

    Files synth owns that a previous run left and this one did not write are removed, so
    regenerating `registries/` leaves the tree equal to a fresh run (tasks, draws and
    results, written by others, are never touched).
    """
    out.mkdir(parents=True, exist_ok=True)
    before = {p.relative_to(out).as_posix() for p in owned_paths(out)}
    written = [write_record(out, "config.yaml", registry_config()),
               write_record(out, "regions.yaml", regions_file(scale))]
    dfile = departments_file(scale)
    written.append(write_record(out, "departments.yaml", dfile))
    depts = {d.id: d for d in dfile.departments}
    plans = dept_plans(scale)
    counts = _inspector_counts(plans, scale.inspectors)
    quotas = item_quotas(scale, plans)
    lists: dict[str, ItemList] = {}
    inspectors: dict[str, InspectorsFile] = {}
    county_index: dict[str, int] = {}
    for p in plans:
        rng = random.Random(f"{SEED}/dept/{p.id}")
        ci = county_index.setdefault(p.source, 0)
        county_index[p.source] = ci + (p.area is not None)
        lst = item_list(p, depts, quotas[p.id], ci)
        lists[p.id] = lst
        cfg = dept_config(p, lst)
        written += [write_record(out, f"{p.id}/items.yaml", lst),
                    write_record(out, f"{p.id}/matters.yaml", matters_file(lst, p.id, p.source, p.area)),
                    write_record(out, f"{p.id}/config.yaml", cfg)]
        if cfg.rules_published:
            atomic_write_text(out / p.id / "rules.md", rules_md(p, lst, cfg))
            written.append(f"{p.id}/rules.md")
        if p.id in counts:
            inspectors[p.id] = inspectors_file(p, lst, cfg, counts[p.id], rng)
            written.append(write_record(out, f"{p.id}/inspectors.yaml", inspectors[p.id]))
        if depts[p.id].active and lst.published_on():
            written.append(write_record(out, f"{p.id}/plans/{PLAN_YEAR}.yaml", annual_plan(p, lst, depts[p.id], rng)))
    rng = random.Random(f"{SEED}/liaison")
    for d in sorted((d for d in dfile.departments if d.annex1), key=lambda d: not d.active):
        if d.id != C.NO_LIAISON:
            written.append(write_record(out, f"{d.id}/liaison.yaml", liaison_file(d, rng)))
    shards = write_targets(out, scale, jobs)
    written += [p.relative_to(out).as_posix() for p in write_schemas(out)]
    for rel in sorted(before - set(written) - set(shards)):
        (out / rel).unlink()
    n_tasks = n_results = 0
    if not scale.curated:
        n_tasks, n_results = write_scale_tasks(out, scale, plans, lists, inspectors, depts, jobs)
    return {"departments": len(dfile.departments), "targets": sum(b.count for b in blocks(scale)),
            "target_shards": len(shards), "inspectors": sum(len(f.inspectors) for f in inspectors.values()),
            "items": sum(len(lst.items) for lst in lists.values()), "tasks": n_tasks, "results": n_results}


def owned_paths(root: Path) -> Iterator[Path]:
    """Files of a registry that synth writes (everything but tasks, draws, results, approvals, schema)."""
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rf = match(path.relative_to(root).as_posix())
        if rf and rf.kind.name not in ("task", "results", "approvals", "schema", "readme", "dept-targets") \
                and not rf.kind.name.startswith("draw-"):
            yield path
