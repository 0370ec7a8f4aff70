"""Open data: CSV, JSON and XLSX per department and year, a Frictionless `datapackage.json` that
validates (types, primary and foreign keys), one zip per year, and the static JSON API
(`/api/targets/<shard>.json`: the companies' records merged a few hundred to a file, as a city
has ≈50,000 of them; `/api/tasks/<id>.json`; `/api/index.json`, which names each company's
shard) with a JSON Schema per kind.

Only from the `PublicRegistry`, so only public (and masked or withheld-as-notice) values.
Every table is byte-identical across builds of the same registry, whenever they run: sorted
rows, no clock. Citation: each JSON file's `meta` and each XLSX's document properties name the
publisher, the licence and the date the data is as of (`data_as_of`: the newest date the
department's year, or item list, announced something), never the build time, so an unchanged
table (and year zip) is linked from the cache; only `datapackage.json` says when the build ran.
Tables, year zips, API shards and task files are made in forked workers (`core.workers.fork_map`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import struct
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from shuangsuiji.core import xlsx
from shuangsuiji.core.workers import fork_map, shared
from shuangsuiji.core.write import drop_cached, link_cached, link_existing, prune_cache
from shuangsuiji.core.yamlio import atomic_write_bytes
from shuangsuiji.privacy.redact import PublicRegistry, Withheld, require_public
from shuangsuiji.registry.models.result import Result
from shuangsuiji.registry.models.target import Target
from shuangsuiji.registry.models.task import Task
from shuangsuiji.site.render.deps import Sources, changed_tasks, load_state

EPOCH = date(2017, 1, 1)  # the data date of a registry that has announced nothing
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every entry of a bulk zip: the zip format's first day, never the clock
SEP = ";"  # list cells (检查结果 may hold several values)
LICENSE = {"name": "CC-BY-4.0", "title": "知识共享署名 4.0 国际 / Creative Commons Attribution 4.0",
           "path": "https://creativecommons.org/licenses/by/4.0/"}
BOM = "\ufeff"  # CSVs start with it: Excel on Chinese Windows reads UTF-8 only then
NAME_ROW = 2  # XLSX: row 1 Chinese titles, row 2 the field names, then data
API_KINDS = ("target", "task", "index")  # /api/schema/<kind>.schema.json


@dataclass(frozen=True)
class Column:
    name: str  # CSV header, JSON key, XLSX row 2
    title: str  # Chinese title (XLSX row 1, datapackage title)
    type: str  # Frictionless type: string | integer | date
    get: Callable[[dict], Any]


@dataclass(frozen=True)
class Table:
    name: str  # departments | tasks | results | drawn | items
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # primary key
    refs: tuple[tuple[str, str, str], ...] = ()  # (field, table, its field): foreign keys

    @property
    def description(self) -> str:
        return f"{self.title}；列表单元格以“{SEP}”分隔 / list cells are joined by '{SEP}'"


def _c(name: str, title: str, type_: str = "string", key: str | None = None) -> Column:
    k = key or name
    return Column(name, title, type_, lambda row: row.get(k))


DEPARTMENTS = Table("departments", "部门", (
    _c("department_id", "部门编号"), _c("name", "简称"), _c("full_name", "全称"), _c("level", "层级"),
    _c("region", "所在区划代码"), _c("active", "现存")), ("department_id",))
TASKS = Table("tasks", "抽查任务", (
    _c("task_id", "任务编号"), _c("department_id", "发起部门编号"), _c("year", "年度", "integer"),
    _c("announcement", "任务公告编号"), _c("title", "任务名称"), _c("kind", "抽查类型"), _c("mode", "抽取方式"),
    _c("items", "抽查事项"), _c("period_start", "检查开始日期", "date"), _c("period_end", "检查结束日期", "date"),
    _c("published", "任务公告日期", "date")), ("task_id",), (("department_id", "departments", "department_id"),))
RESULTS = Table("results", "抽查结果", (
    _c("result_id", "结果编号"), _c("task_id", "任务编号"), _c("task_title", "任务名称"),
    _c("announcement", "公告编号"), _c("kind", "抽查类型"), _c("authority", "检查机关"),
    _c("target_name", "主体名称"), _c("uscc", "统一社会信用代码"), _c("region", "区域"),
    _c("inspected_on", "检查完成日期", "date"), _c("outcome", "检查结果"), _c("problems", "问题类型"),
    _c("follow_ups", "后续处置"), _c("remarks", "备注"), _c("status", "状态"),
    _c("published_on", "公示日期", "date")), ("result_id",), (("task_id", "tasks", "task_id"),))
DRAWN = Table("drawn", "抽查任务及抽取名单", (
    _c("task_id", "任务编号"), _c("task_title", "任务名称"), _c("announcement", "公告编号"),
    _c("published", "任务公告日期", "date"), _c("no", "序号", "integer"), _c("target_name", "名称"),
    _c("uscc", "统一社会信用代码"), _c("registered_by", "登记机关"),
    _c("inspectors", "执法检查人员")), ("task_id", "no"), (("task_id", "tasks", "task_id"),))
ITEMS = Table("items", "随机抽查事项清单", (
    _c("item_id", "事项编号"), _c("department_id", "部门编号"), _c("seq", "序号", "integer"), _c("name", "事项名称"),
    _c("category", "事项类别"), _c("basis", "抽查依据"), _c("objects", "抽查对象"), _c("content", "抽查内容"),
    _c("methods", "抽查方式"), _c("ratio", "抽查比例"), _c("frequency", "抽查频次"), _c("subject", "检查主体"),
    _c("level", "检查层级"), _c("initiator", "发起部门"), _c("partners", "配合部门"),
    _c("published", "清单公布日期", "date")), ("item_id",), (("department_id", "departments", "department_id"),))
TABLES = (DEPARTMENTS, TASKS, RESULTS, DRAWN, ITEMS)
TABLE_ORDER = tuple(t.name for t in TABLES)


def _cell(v: Any) -> Any:
    """A value as a CSV/JSON cell: lists joined, withheld notices as text, dates as ISO strings."""
    if isinstance(v, (tuple, list)):
        return SEP.join(str(_cell(x)) for x in v)
    if isinstance(v, Withheld):
        return str(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return "是" if v else "否"
    return v


# --- rows ---------------------------------------------------------------------------------------

def _department_rows(pub: PublicRegistry) -> list[dict]:
    return [{"department_id": d.id, "name": d.name, "full_name": d.full_name, "level": d.level, "region": d.region,
             "active": d.active} for _, d in sorted(pub.departments.items())]


def _task_rows(pub: PublicRegistry, tasks: list[str]) -> dict[tuple[str, int], list[dict]]:
    out: dict[tuple[str, int], list[dict]] = {}
    for task_id in tasks:
        task = pub.tasks[task_id]
        dept = pub.task_dept.get(task_id, task.department)
        out.setdefault((dept, task.year), []).append({
            "task_id": task_id, "department_id": dept, "year": task.year,
            "announcement": pub.announcement_no(dept, task.year, task.seq, "抽查任务公告"), "title": task.title,
            "kind": task.kind, "mode": task.mode, "items": task.items, "period_start": task.period.start,
            "period_end": task.period.end, "published": task.published})
    return out


def _result_rows(pub: PublicRegistry, tasks: list[str]) -> dict[tuple[str, int], list[dict]]:
    out: dict[tuple[str, int], list[dict]] = {}
    for task_id in tasks:
        task, results = pub.tasks[task_id], pub.results.get(task_id, ())
        dept = pub.task_dept.get(task_id, task.department)
        for r in results:
            t = pub.targets.get(r.target)
            out.setdefault((dept, task.year), []).append({
                "result_id": r.id, "task_id": task_id, "task_title": task.title,
                "announcement": pub.announcement_no(dept, task.year, task.seq, "抽查结果公告"), "kind": task.kind,
                "authority": pub.authority(dept), "target_name": t.name if t is not None else "",
                "uscc": (t.uscc or t.id) if t is not None else r.target, "region": t.region if t is not None else "",
                "inspected_on": r.inspected_on, "outcome": r.outcome, "problems": r.problems,
                "follow_ups": r.follow_ups, "remarks": r.remarks, "status": r.status, "published_on": r.published_on})
    return out


def _drawn_rows(pub: PublicRegistry, tasks: list[str]) -> dict[tuple[str, int], list[dict]]:
    out: dict[tuple[str, int], list[dict]] = {}
    for task_id in tasks:
        task = pub.tasks[task_id]
        draw = pub.draws.get(task_id)
        dept = pub.task_dept.get(task_id, task.department)
        rows = out.setdefault((dept, task.year), [])
        if draw is None:
            continue
        selected = {s.target for s in draw.selected}
        chosen = [x for x in draw.order if x in selected] or sorted(selected)  # the draw's processing order
        for no, tid in enumerate(chosen, 1):
            t = pub.targets.get(tid)
            names = [pub.inspectors[i].name if i in pub.inspectors else i for i in draw.assignments.get(tid, ())]
            rows.append({"task_id": task_id, "task_title": task.title,
                         "announcement": pub.announcement_no(dept, task.year, task.seq, "抽查任务公告"),
                         "published": task.published, "no": no, "target_name": t.name if t is not None else "",
                         "uscc": (t.uscc or t.id) if t is not None else tid,
                         "registered_by": t.registered_by if t is not None else "",
                         "inspectors": names})
    return {k: v for k, v in out.items() if v}


def _item_rows(pub: PublicRegistry) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for dept, il in pub.item_lists.items():
        published = pub.list_published_on(dept)
        out[dept] = [{"item_id": it.id, "department_id": dept, "seq": it.seq, "name": it.name,
                      "category": it.category, "basis": [f"{b.law}{b.articles or ''}" for b in it.basis],
                      "objects": it.objects, "content": it.content, "methods": it.methods, "ratio": it.ratio,
                      "frequency": it.frequency, "subject": it.subject, "level": it.level,
                      "initiator": pub.dept_name(it.initiator), "partners": [pub.dept_name(p) for p in it.partners],
                      "published": published}
                     for it in sorted(il.items, key=lambda it: (it.seq, it.id))]
    return out


# --- writers ------------------------------------------------------------------------------------

def _atomic(path: Path, data: bytes) -> Path:
    atomic_write_bytes(path, data)
    return path


def _json_bytes(doc: Any) -> bytes:
    """Indented: the JSON Schemas, which people read."""
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _compact_json(doc: Any) -> bytes:
    """No indent, for files programs read (the API, datapackage.json): fewer bytes, and Python's
    C encoder, which an indent would turn off."""
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode("utf-8")


def _csv_bytes(table: Table, shown: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    buf.write(BOM)
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c.name for c in table.columns])
    w.writerows(["" if v is None else v for v in row] for row in shown)
    return buf.getvalue().encode("utf-8")


def _table_json(meta: dict, names: list[str], shown: list[list[Any]]) -> bytes:
    """`{"meta": …, "data": [rows]}`, one row to a line (keys in column order, as frictionless reads
    them): readable and diffable, yet written by the C encoder."""
    rows = ",\n".join(json.dumps(dict(zip(names, row)), ensure_ascii=False) for row in shown)
    data = f"[\n{rows}\n]" if rows else "[]"
    return f'{{"meta": {json.dumps(meta, ensure_ascii=False)},\n"data": {data}}}\n'.encode("utf-8")


def _as_of(pub: PublicRegistry, tasks: list[str]) -> dict[tuple[str, int], date]:
    """The newest date each department's year of `tasks` announced something (a task, a result, a
    correction or a withdrawal): the date the year's tables' data is as of."""
    days: dict[tuple[str, int], date] = {}

    def note(key: tuple[str, int], day: date | None) -> None:
        if day is not None and (key not in days or day > days[key]):
            days[key] = day

    for task_id in tasks:
        task = pub.tasks[task_id]
        key = (pub.task_dept.get(task_id, task.department), task.year)
        note(key, task.published)
        for r in pub.results.get(task_id, ()):
            note(key, r.published_on)
            for rv in r.revisions:
                note(key, rv.date)
    chosen = set(tasks)
    for w in pub.withdrawals:
        if w.task in chosen:
            task = pub.tasks[w.task]
            note((pub.task_dept.get(w.task, task.department), task.year), w.date)
    return days


@dataclass(frozen=True)
class Citation:
    """Who publishes the data and under which licence; each file adds the date its data is as of
    (never the build time: a rebuild of the same registry gives the same files)."""

    publisher: str
    site: str

    def to_json(self, as_of: date) -> dict:
        return {"publisher": self.publisher, "license": LICENSE["name"], "license_url": LICENSE["path"],
                "source": self.site, "data_as_of": as_of.isoformat()}


def xlsx_bytes(title: str, header: list[str], names: list[str], rows: list[list[Any]], cite: Citation,
               as_of: date) -> bytes:
    """A table as XLSX: row 1 the Chinese `header` a person reads, row 2 the field `names` a program
    reads; the document properties cite the publisher, the licence and `as_of`, which is also the
    document's time: its bytes depend only on the data."""
    return xlsx.write_xlsx(title, [header, names, *rows], datetime(as_of.year, as_of.month, as_of.day),
                           creator=cite.publisher, custom=cite.to_json(as_of),
                           description=(f"发布：{cite.publisher}；许可：{LICENSE['name']}（{LICENSE['path']}）；"
                                        f"数据截至：{as_of.isoformat()}；来源：{cite.site}"),
                           styles={1: xlsx.BOLD, NAME_ROW: xlsx.NAMES}, frozen=NAME_ROW)


_FORMATS = ("csv", "json", "xlsx")
_MEDIA = {"csv": "text/csv", "json": "application/json",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_DIALECT = {"csv": None, "json": {"json": {"keyed": True, "property": "data"}},
            "xlsx": {"headerRows": [NAME_ROW]}}


@dataclass(frozen=True)
class _Job:
    """One table of one department and year (or the departments, or an item list) to write."""

    table: Table
    dept: str | None
    year: int | None
    label: str
    rows: list[dict] | None  # None: unchanged since the last build, which made it as `made` says
    as_of: date
    made: tuple = ()  # (cache key, sizes, rows) of a table kept from the last build

    @property
    def folder(self) -> str:
        return "/".join(str(x) for x in (self.dept, self.year) if x)

    @property
    def count(self) -> int:
        return len(self.rows) if self.rows is not None else self.made[2]


_CODE = hashlib.sha256(Path(__file__).read_bytes() + Path(xlsx.__file__).read_bytes()).hexdigest()  # makes tables


def _write_table(data: Path, job: _Job, cite: Citation, cache: Path | None) -> tuple[list[int], str]:
    """The job's table in CSV, JSON and XLSX under `data`; returns their sizes and the cache key
    ("" without a cache). The cells are worked out once, and the JSON file, which shows all of
    them and their types, keys the cache: an unchanged table is linked, not made again."""
    table = job.table
    names = [c.name for c in table.columns]
    raw = [[c.get(r) for c in table.columns] for r in job.rows]
    shown = [[_cell(v) for v in row] for row in raw]
    meta = {"title": job.label, **cite.to_json(job.as_of),
            "datapackage": f"{cite.site.rstrip('/')}/data/datapackage.json"}
    as_json = _table_json(meta, names, shown)

    def make(fmt: str) -> bytes:
        if fmt == "json":
            return as_json
        if fmt == "csv":
            return _csv_bytes(table, shown)
        cells = [[v if isinstance(v, date) else s for v, s in zip(r, s_row)] for r, s_row in zip(raw, shown)]
        return xlsx_bytes(job.label, [c.title for c in table.columns], names, cells, cite, job.as_of)

    base = data / job.folder
    paths = {fmt: base / f"{table.name}.{fmt}" for fmt in _FORMATS}
    key = ""
    if cache is None:
        for fmt, path in paths.items():
            _atomic(path, make(fmt))
    else:
        key = hashlib.sha256(json.dumps([_CODE, [(c.name, c.title, c.type) for c in table.columns]]).encode("utf-8")
                             + as_json).hexdigest()
        for fmt, path in paths.items():
            link_cached(cache / key[:2] / f"{key}.{fmt}", path, lambda: make(fmt))
    return [paths[fmt].stat().st_size for fmt in _FORMATS], key


def _make_table(i: int) -> tuple[list[int], str]:
    jobs, data, cite, cache = shared()["opendata"]
    return _write_table(data, jobs[i], cite, cache)


def _schema(table: Table, names: dict[str, str]) -> dict:
    """Table Schema: `names` maps a referenced table to its resource of the same format."""
    return {"fields": [{"name": c.name, "title": c.title, "type": c.type} for c in table.columns],
            "missingValues": [""], "primaryKey": list(table.key),
            **({"foreignKeys": [{"fields": f, "reference": {"resource": names[t], "fields": tf}}
                                for f, t, tf in table.refs]} if table.refs else {})}


def _resource_name(dept: str | None, year: int | None, table: str, fmt: str) -> str:
    return "-".join(str(x) for x in (dept, year, table, fmt) if x).lower()


def _jobs(pub: PublicRegistry, tasks: dict[str, list], dirty: set[tuple[str, int]] | None, before: "_State | None",
          cache: Path | None) -> tuple[list[_Job], dict[tuple[str, int], date]]:
    """Every table to write, in the package's order, and the date each department's year's data is
    as of. The tables of a year no changed task is of (`dirty`; None: any may have changed) are
    the last build's, linked from the cache: their rows are not made."""
    years: dict[tuple[str, int], list[str]] = {}
    for task_id, (dept, year, _) in tasks.items():
        years.setdefault((dept, year), []).append(task_id)
    kept: dict[tuple[str, int], tuple[date, dict[str, list | None]]] = {}
    for (dept, year) in years if dirty is not None and before is not None and cache is not None else ():
        day = before.days.get(f"{dept}/{year}")
        made = {t.name: before.tables.get(f"{dept}/{year}/{t.name}") for t in (TASKS, RESULTS, DRAWN)}
        if (dept, year) in dirty or day is None or made[TASKS.name] is None or not all(
                (cache / m[0][:2] / f"{m[0]}.{fmt}").exists() for m in made.values() if m for fmt in _FORMATS):
            continue
        kept[(dept, year)] = (date.fromisoformat(day), made)
    fresh = [task_id for dy, ids in years.items() if dy not in kept for task_id in ids]
    days = {**{dy: day for dy, (day, _) in kept.items()}, **_as_of(pub, fresh)}
    lists = {dept: pub.list_published_on(dept) for dept in pub.item_lists}
    newest = max([*days.values(), *(d for d in lists.values() if d is not None)], default=EPOCH)
    out: list[_Job] = []

    def add(table: Table, dept: str | None, year: int | None, rows: list[dict] | None, as_of: date,
            made: tuple = ()) -> None:
        who = pub.dept_name(dept) if dept else ""
        out.append(_Job(table, dept, year, f"{who}{f'{year}年度' if year else ''}{table.title}", rows, as_of, made))

    add(DEPARTMENTS, None, None, _department_rows(pub), newest)
    for table, rows_of, order in ((TASKS, _task_rows, lambda r: r["task_id"]),
                                  (RESULTS, _result_rows, lambda r: (r["task_id"], r["result_id"])),
                                  (DRAWN, _drawn_rows, lambda r: (r["task_id"], r["no"]))):
        listed: dict[tuple[str, int], list[dict] | None] = {
            dy: sorted(rows, key=order) for dy, rows in rows_of(pub, fresh).items()}
        listed.update({dy: None for dy, (_, made) in kept.items() if made[table.name] is not None})
        for (dept, year), rows in sorted(listed.items()):
            add(table, dept, year, rows, days.get((dept, year), newest),
                tuple(kept[(dept, year)][1][table.name]) if rows is None else ())
    for dept, rows in sorted(_item_rows(pub).items()):
        add(ITEMS, dept, None, rows, lists.get(dept) or newest)
    return out, days


STATE = "state.json"  # in the cache folder


@dataclass
class _State:
    """What the last build made of which registry files (kept in the cache folder): a rebuild links
    what no changed task (`deps.changed_tasks`) can reach — the tables of the other departments'
    years, the API files of the other tasks and companies — without making their contents again."""

    stamp: str  # what every output depends on at once: the code, the masking, the site, the API shard digits
    files: dict[str, str]  # registry file → content address
    tasks: dict[str, list]  # task id → [department, year, the companies its records name]
    days: dict[str, str]  # "<department>/<year>" → the date its data is as of
    tables: dict[str, list]  # "<department>/<year>/<table>" → [cache key, sizes, rows]
    api: dict[str, list]  # API file → [digest of the companies it holds ("" for a task's), cache key]
    zips: list[str]  # the year zips' cache keys

    def keys(self) -> set[str]:
        return {t[0] for t in self.tables.values()} | {a[1] for a in self.api.values()} | set(self.zips)


def _companies(pub: PublicRegistry, task_id: str, withdrawn: dict[str, list[str]]) -> list[str]:
    """The companies a task's public records name (results, withdrawals, its draw): whose API records it is in."""
    names = {r.get("target") for r in pub.results.get(task_id, ())}
    names.update(withdrawn.get(task_id, ()))
    draw = pub.draws.get(task_id)
    if draw is not None:
        names.update(s.target for s in draw.selected)
    return sorted(names)


def write_open_data(pub: PublicRegistry, out: Path, built: datetime, cache: Path | None = None,
                    jobs: int = 2, sources: Sources | None = None) -> list[Path]:
    """Write `data/…` (tables, datapackage.json, one zip per year) and `api/…` under `out`;
    returns the paths written. `built` is the build time `datapackage.json` states. With a
    `cache` folder, unchanged tables are linked from it (and what no output uses is dropped);
    with `sources` too (the registry files' content addresses and the code), what no task changed
    since the last build reaches is linked as that build named it, unmade.
    Tables (biggest first, so the workers finish together), zips, API shards and task files are
    made by `jobs` forked workers."""
    require_public(pub)
    out = Path(out)
    data = out / "data"
    cite = Citation(pub.config.site.authority, pub.config.site.base_url)
    stamp = hashlib.sha256(repr((sources.code if sources else "", pub.masking, cite,
                                 shard_digits(len(pub.targets)))).encode("utf-8")).hexdigest()
    before = load_state(_State, cache / STATE, stamp) if cache is not None and sources is not None else None
    changed = changed_tasks(before.files, sources.files) if before is not None and sources is not None else None
    withdrawn: dict[str, list[str]] = {}
    for w in pub.withdrawals:
        withdrawn.setdefault(w.task, []).append(w.target)
    tasks = {task_id: [pub.task_dept.get(task_id, task.department), task.year, _companies(pub, task_id, withdrawn)]
             for task_id, task in sorted(pub.tasks.items())}
    touched = None if changed is None else [
        *(before.tasks[t] for t in changed if t in before.tasks), *(tasks[t] for t in changed if t in tasks)]
    todo, days = _jobs(pub, tasks, None if touched is None else {(d, y) for d, y, _ in touched}, before, cache)
    order = sorted((i for i, job in enumerate(todo) if job.rows is not None), key=lambda i: (-len(todo[i].rows), i))
    made = dict(zip(order, fork_map(_make_table, order, _workers(len(order), jobs), opendata=(todo, data, cite, cache))))
    written: list[Path] = []
    resources: list[dict] = []
    tables: dict[str, list] = {}
    keys: dict[str, str] = {}  # data file → its table's cache key
    for i, job in enumerate(todo):
        if job.rows is None:  # unchanged: linked as the last build made it
            key, sizes, _ = job.made
            for fmt in _FORMATS:
                link_existing(cache / key[:2] / f"{key}.{fmt}", data / job.folder / f"{job.table.name}.{fmt}")
            made[i] = (sizes, key)
        sizes, key = made[i]
        tables[f"{job.folder}/{job.table.name}"] = [key, sizes, job.count]
        for fmt, size in zip(_FORMATS, sizes):
            path = data / job.folder / f"{job.table.name}.{fmt}"
            written.append(path)
            keys[path.relative_to(data).as_posix()] = key
            # a reference is to the same format's table of the same department and year (departments: the one)
            refs = {t: _resource_name(*((None, None) if t == DEPARTMENTS.name else (job.dept, job.year)), t, fmt)
                    for _, t, _ in job.table.refs}
            resources.append({
                "name": _resource_name(job.dept, job.year, job.table.name, fmt), "title": job.label,
                "description": job.table.description, "path": path.relative_to(data).as_posix(), "format": fmt,
                "mediatype": _MEDIA[fmt], **({"encoding": "utf-8"} if fmt != "xlsx" else {}),
                **({"dialect": _DIALECT[fmt]} if _DIALECT[fmt] else {}),
                "profile": "tabular-data-resource", "schema": _schema(job.table, refs),
                # not the standard `bytes`: frictionless cannot count a JSON file it streams, and fails it
                "ssj": {"table": job.table.name, "department": job.dept, "year": job.year, "rows": job.count,
                        "size": size, "data_as_of": job.as_of.isoformat()}})

    written.append(_atomic(data / "datapackage.json", _compact_json(_package(pub, built.isoformat(), resources))))
    years = sorted({r["ssj"]["year"] for r in resources if r["ssj"]["year"]})
    zips = list(fork_map(_make_bulk, years, _workers(len(years), jobs), bulk=(pub, data, resources, keys, cache)))
    written += [path for path, _ in zips]
    reach = None if touched is None else {c for _, _, companies in touched for c in companies}
    api_files, api = _write_api(pub, out, resources, jobs, cache, before, changed, reach)
    if cache is not None:
        state = _State(stamp, dict(sources.files if sources else {}), tasks,
                       {f"{d}/{y}": day.isoformat() for (d, y), day in days.items()}, tables, api,
                       [key for _, key in zips])
        if before is None:
            prune_cache(cache, state.keys())
        else:
            drop_cached(cache, before.keys() - state.keys())
        if sources is not None:
            atomic_write_bytes(cache / STATE, _compact_json(vars(state)))
    return written + api_files


def _workers(count: int, jobs: int) -> int:
    """Forked workers for `count` files: one (no fork) for a few, which a rebuild usually makes."""
    return min(jobs, count) if count > 8 else 1


BULK_PREFIX = "shuangsuiji-"


def bulk_name(year: int) -> str:
    return f"{BULK_PREFIX}{year}.zip"


def _package(pub: PublicRegistry, created: str, resources: list[dict], year: int | None = None) -> dict:
    return {"profile": "tabular-data-package", "name": f"shuangsuiji-open-data{f'-{year}' if year else ''}",
            "title": f"{pub.config.site.title} 开放数据{f'（{year}年度）' if year else ''}",
            "description": "“双随机、一公开”抽查任务、抽取名单、抽查结果与抽查事项清单。CSV 为带 BOM 的 UTF-8；"
                           "JSON 的记录在 data 下，meta 为引用信息（data_as_of：数据截至日期）；"
                           "XLSX 第 1 行为中文列名，第 2 行为字段名。",
            "homepage": pub.config.site.base_url, "created": created,
            "contributors": [{"title": pub.config.site.authority, "role": "publisher"}],
            "licenses": [LICENSE], "resources": resources}


def _make_bulk(year: int) -> tuple[Path, str]:
    """One year's tables and a datapackage.json describing just them: a package of its own, made
    when it was `created` on its newest table's data date, so an unchanged year is linked from
    the cache (by the digest of its members: their tables' cache keys), and a changed one deflates
    only its changed tables again; returns its path and cache key ("" without a cache)."""
    pub, data, resources, keys, cache = shared()["bulk"]
    chosen = [r for r in resources if r["ssj"]["table"] == DEPARTMENTS.name or r["ssj"]["year"] == year]  # every
    created = f"{max(r['ssj']['data_as_of'] for r in chosen)}T00:00:00+08:00"  # year's foreign keys need departments
    package = _compact_json(_package(pub, created, chosen, year))

    def member(rel: str) -> tuple[int, int, bytes]:
        """A table as a zip member, deflated once: kept in the cache beside the table (`<key>.<format>.z`)."""
        if cache is None:
            return xlsx.deflated((data / rel).read_bytes())
        z = cache / keys[rel][:2] / f"{keys[rel]}.{rel.rpartition('.')[2]}.z"
        try:
            kept = z.read_bytes()
            return (*struct.unpack_from("<LL", kept), memoryview(kept)[8:])
        except (OSError, struct.error):
            crc, size, blob = xlsx.deflated((data / rel).read_bytes())
            atomic_write_bytes(z, struct.pack("<LL", crc, size) + blob)
            return crc, size, blob

    def make() -> bytes:
        members = sorted([*((r["path"], member(r["path"])) for r in chosen),
                          ("datapackage.json", xlsx.deflated(package))], key=lambda m: m[0])
        buf = io.BytesIO()
        xlsx.zip_deflated(buf, members, ZIP_TIME)
        return buf.getvalue()

    path = data / bulk_name(year)
    if cache is None:
        return _atomic(path, make()), ""
    digest = hashlib.sha256(_CODE.encode("ascii") + package)
    for r in chosen:
        digest.update(f"\0{r['path']}\0{keys[r['path']]}".encode("utf-8"))
    key = digest.hexdigest()
    link_cached(cache / key[:2] / f"{key}.zip", path, make)
    return path, key


# --- the static API -----------------------------------------------------------------------------

SHARD_SIZE = 500  # companies an API shard holds at most, on average


def shard_digits(count: int) -> int:
    """How many hex digits name a company's API shard: the fewest (at least one) that keep the
    `count` companies at most `SHARD_SIZE` to a shard on average (a city: 2, 256 shards)."""
    digits = 1
    while 16 ** digits * SHARD_SIZE < count:
        digits += 1
    return digits


def target_api_path(target_id: str, digits: int) -> str:
    """The API file holding the company's record (under its id): `api/targets/<shard>.json`, the
    shard being the first `digits` hex digits of the id's SHA-256, so it never depends on others."""
    return f"api/targets/{hashlib.sha256(target_id.encode('utf-8')).hexdigest()[:digits]}.json"


def _put(out: Path, rel: str, doc: dict, cache: Path | None) -> tuple[str, str]:
    """An API file at `out/rel`; with a cache, a cached file named by its bytes' digest, linked
    there, so the next build can link it unmade. Returns `rel` and that key ("" without a cache)."""
    data = _compact_json(doc)
    if cache is None:
        _atomic(out / rel, data)
        return rel, ""
    key = hashlib.sha256(data).hexdigest()
    link_cached(cache / key[:2] / f"{key}.json", out / rel, lambda: data)
    return rel, key


def _make_shard(path: str) -> tuple[str, str]:
    """One API shard: its companies' records (public fields, results, draws, withdrawals) by id.
    With the shard the last build made (`kept`: its cache key), only the records of the companies
    a changed task names (`reach`) and of those it did not hold are made; the rest are its own."""
    pub, members, drawn_in, withdrawn, out, cache, kept, reach = shared()["api"]
    old = kept.get(path)
    records = {} if old is None else json.loads((cache / old[:2] / f"{old}.json").read_bytes())["targets"]
    doc = {"shard": Path(path).stem,
           "targets": {tid: records[tid] if tid in records and tid not in reach else {
               "target": pub.targets[tid].to_json(), "results": [r.to_json() for r in pub.results_of_target(tid)],
               "drawn_in": sorted(drawn_in.get(tid, [])), "withdrawn": withdrawn.get(tid, [])}
               for tid in members[path]}}
    return _put(out, path, doc, cache)


def _make_task(task_id: str) -> tuple[str, str]:
    """A task's API file: its announcement, the public draw record (which `ssj verify --public`
    checks), its results and withdrawals; a city's draw records make these files large."""
    pub, withdrawn, out, cache = shared()["api"]
    task, draw = pub.tasks[task_id], pub.draws.get(task_id)
    doc = {"task": task.to_json(), "department": pub.task_dept.get(task_id, task.department),
           "draw": draw.to_json() if draw is not None else None,
           "results": [r.to_json() for r in pub.results_of_task(task_id)], "withdrawn": withdrawn.get(task_id, [])}
    return _put(out, f"api/tasks/{task_id}.json", doc, cache)


def _write_api(pub: PublicRegistry, out: Path, resources: list[dict], jobs: int, cache: Path | None,
               before: _State | None, changed: set[str] | None,
               reach: set[str] | None) -> tuple[list[Path], dict[str, list]]:
    """The API files under `out/api`, and what the state keeps of them (file → [digest of the
    companies it holds, cache key]). A task file of a task not `changed`, and a shard holding the
    same companies as before, none `reach`ed (the companies a changed task names), is linked as
    the last build made it; another shard keeps the records of the last build's it can (None:
    everything may have changed, all is made)."""
    drawn_in: dict[str, list[str]] = {}
    for task_id, draw in pub.draws.items():
        for s in draw.selected:
            drawn_in.setdefault(s.target, []).append(task_id)
    withdrawn: dict[str, list[dict]] = {}
    by_task: dict[str, list[dict]] = {}
    for w in pub.withdrawals:
        withdrawn.setdefault(w.target, []).append(w.to_json())
        by_task.setdefault(w.task, []).append(w.to_json())
    digits = shard_digits(len(pub.targets))
    where = {tid: target_api_path(tid, digits) for tid in sorted(pub.targets)}
    members: dict[str, list[str]] = {}
    for tid, path in where.items():
        members.setdefault(path, []).append(tid)
    holds = {path: hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest() for path, ids in members.items()}
    holds.update({f"api/tasks/{task_id}.json": "" for task_id in pub.tasks})
    api: dict[str, list] = {}
    kept: dict[str, str] = {}  # shard → the cache key of the last build's, whose unreached records it keeps
    if before is not None and changed is not None and reach is not None:
        stale = {f"api/tasks/{task_id}.json" for task_id in changed}
        stale.update(target_api_path(tid, digits) for tid in reach)
        for rel, digest in holds.items():
            old = before.api.get(rel)
            if old is None or not (cache / old[1][:2] / f"{old[1]}.json").exists():
                continue
            if rel not in stale and old[0] == digest and link_existing(cache / old[1][:2] / f"{old[1]}.json", out / rel):
                api[rel] = old
            elif digest:
                kept[rel] = old[1]
    shards = [path for path in sorted(members) if path not in api]
    tasks = [task_id for task_id in sorted(pub.tasks) if f"api/tasks/{task_id}.json" not in api]
    for rel, key in [*fork_map(_make_shard, shards, _workers(len(shards), jobs),
                               api=(pub, members, drawn_in, withdrawn, out, cache, kept, reach or set())),
                     *fork_map(_make_task, tasks, _workers(len(tasks), jobs), api=(pub, by_task, out, cache))]:
        api[rel] = [holds[rel], key]
    written = [out / rel for rel in [*sorted(members), *(f"api/tasks/{t}.json" for t in sorted(pub.tasks))]]
    index = {"targets": where, "tasks": sorted(pub.tasks),
             "data": [r["path"] for r in resources], "datapackage": "data/datapackage.json",
             "schemas": {k: f"api/schema/{k}.schema.json" for k in API_KINDS}}
    written.append(_atomic(out / "api" / "index.json", _compact_json(index)))
    for kind, schema in api_schemas(pub.config.site.base_url).items():
        written.append(_atomic(out / "api" / "schema" / f"{kind}.schema.json", _json_bytes(schema)))
    return written, dict(sorted(api.items()))


_WITHHELD = {"type": "object", "required": ["withheld", "notice"], "additionalProperties": False,
             "properties": {"withheld": {"type": "string"}, "notice": {"type": "string"}}}
_WITHDRAWAL = {"type": "object", "additionalProperties": False,
               "required": ["id", "task", "target", "department", "date", "reason"],
               "properties": {"id": {"type": "string"}, "task": {"type": "string"}, "target": {"type": "string"},
                              "department": {"type": "string"}, "date": {"type": ["string", "null"], "format": "date"},
                              "reason": {"type": ["string", "null"]}},
               "description": "撤回公告：只说明撤回了哪条结果、何时、为何，不含其内容"}
_DRAW = {"type": ["object", "null"], "required": ["tag", "task", "department", "commitment", "seed", "selected"],
         "properties": {"tag": {"const": "ssj-draw/1"}, "task": {"type": "string"},
                        "commitment": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
                        "seed": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
                        "selected": {"type": "array", "items": {"type": "object", "required": ["target"]}}},
         "description": "公开的抽取记录（ssj-draw/1），可用 ssj verify --public 复核"}


def _public_props(schema: dict) -> None:
    """Make a model's JSON Schema describe its `Public.to_json()`: private fields gone, withheld
    ones a value or a notice, masked ones any string (the mask breaks patterns); every field present."""
    for obj in [schema, *schema.get("$defs", {}).values()]:
        props = obj.get("properties")
        if props is None:
            continue
        kept = {}
        for name, p in props.items():
            vis = p.get("x-visibility")
            if vis == "private":
                continue
            if vis == "withheld":
                p = {"anyOf": [p, {"$ref": "#/$defs/Withheld"}], "title": p.get("title")}
            elif vis == "masked":
                p = {"type": ["string", "null"], "title": p.get("title"), "x-visibility": vis}
            kept[name] = p
        obj["properties"] = kept
        obj["required"] = sorted(kept)


def _model_schema(model) -> dict:
    s = model.model_json_schema(mode="serialization")
    _public_props(s)
    return s


def api_schemas(base_url: str) -> dict[str, dict]:
    """A JSON Schema (2020-12) per kind of API file, from the record models' declared visibility."""
    out: dict[str, dict] = {}
    defs: dict[str, Any] = {"Withheld": _WITHHELD, "Withdrawal": _WITHDRAWAL}

    def lift(model) -> dict:
        s = _model_schema(model)
        defs.update(s.pop("$defs", {}))
        defs[model.__name__] = s
        return {"$ref": f"#/$defs/{model.__name__}"}

    target, result, task = lift(Target), lift(Result), lift(Task)
    results = {"type": "array", "items": result}
    withdrawn = {"type": "array", "items": {"$ref": "#/$defs/Withdrawal"}}
    record = {"target": target, "results": results, "drawn_in": {"type": "array", "items": {"type": "string"}},
              "withdrawn": withdrawn}
    defs["TargetRecord"] = {"type": "object", "additionalProperties": False, "required": sorted(record),
                            "properties": record,
                            "description": "一户一档：一个检查对象的公开信息、检查结果、被抽中的任务与撤回公告"}
    bodies = {
        "target": ("检查对象分片文件 api/targets/<分片>.json：数百户的一户一档，以检查对象编号为键"
                   "（某户在哪个分片见 api/index.json 的 targets）",
                   {"shard": {"type": "string", "pattern": "^[0-9a-f]+$"},
                    "targets": {"type": "object", "additionalProperties": {"$ref": "#/$defs/TargetRecord"}}}),
        "task": ("一个抽查任务：任务公告、抽取记录、检查结果与撤回公告",
                 {"task": task, "department": {"type": "string"}, "draw": _DRAW, "results": results,
                  "withdrawn": withdrawn}),
        "index": ("接口目录：每个检查对象编号所在的分片文件、全部任务编号、开放数据文件、本目录的 JSON Schema",
                  {"targets": {"type": "object", "additionalProperties": {"type": "string"}},
                   "tasks": {"type": "array", "items": {"type": "string"}},
                   "data": {"type": "array", "items": {"type": "string"}}, "datapackage": {"type": "string"},
                   "schemas": {"type": "object", "additionalProperties": {"type": "string"}}}),
    }
    for kind, (title, props) in bodies.items():
        out[kind] = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                     "$id": f"{base_url.rstrip('/')}/api/schema/{kind}.schema.json", "title": title,
                     "type": "object", "additionalProperties": False, "required": sorted(props),
                     "properties": props, "$defs": defs if kind != "index" else {}}
    return out


# --- the data page ------------------------------------------------------------------------------

def human_size(n: int) -> str:
    """1.2 MB, 34.5 KB, 812 B: sizes as a person reads them."""
    for unit, size in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def catalog(out: Path) -> dict:
    """The data page's context from the written `datapackage.json`: each year's tables by
    department (formats, sizes, row counts), the item lists, the per-year zips, the API schemas."""
    data = Path(out) / "data"
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    tables: dict[tuple, dict] = {}
    for r in package["resources"]:
        s = r["ssj"]
        t = tables.setdefault((-(s["year"] or 0), s["department"] or "", TABLE_ORDER.index(s["table"])), {
            "title": r["title"], "table": s["table"], "department": s["department"], "rows": s["rows"], "files": []})
        t["files"].append({"format": r["format"].upper(), "path": f"data/{r['path']}", "size": human_size(s["size"])})
    years: dict[int, list[dict]] = {}
    for (year, _, _), t in sorted(tables.items()):
        years.setdefault(-year, []).append(t)
    bulk = {int(p.stem.removeprefix(BULK_PREFIX)): {"path": f"data/{p.name}", "size": human_size(p.stat().st_size)}
            for p in data.glob(f"{BULK_PREFIX}*.zip")}
    return {"package": {"path": "data/datapackage.json", "size": human_size((data / "datapackage.json").stat().st_size),
                        "created": package["created"], "publisher": package["contributors"][0]["title"],
                        "license": package["licenses"][0]},
            "years": [{"year": y, "bulk": bulk.get(y), "tables": ts} for y, ts in years.items() if y],
            "undated": years.get(0, []),
            "schemas": [{"kind": k, "path": f"api/schema/{k}.schema.json"} for k in API_KINDS]}
