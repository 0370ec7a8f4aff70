"""Stage 1 — load: read every registry file into typed records, collecting problems.

Loading is per file and knows nothing of other files; cross-file rules (references,
dates, caps) belong to the validate stage. Each record remembers where it came from
so later problems can name file, line and field.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from operator import itemgetter
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

from shuangsuiji.core.errors import Problem, plural, problem
from shuangsuiji.core.unitmemo import keep_stamped, read_kept, read_stamped, settled, signature
from shuangsuiji.core.workers import no_gc
from shuangsuiji.registry.layout import RegistryFile, discover
from shuangsuiji.registry.models.approval import ApprovalsFile
from shuangsuiji.registry.models.config import RegistryConfig
from shuangsuiji.registry.models.department import Department, DepartmentConfig
from shuangsuiji.registry.models.draw import Ceremony, ConflictsFile, EventsFile, SourcesFile
from shuangsuiji.registry.models.inspector import Inspector, InspectorsFile
from shuangsuiji.registry.models.item import Item, ItemList, MattersFile
from shuangsuiji.registry.models.liaison import LiaisonFile
from shuangsuiji.registry.models.plan import AnnualPlan
from shuangsuiji.registry.models.region import Region
from shuangsuiji.registry.models.result import ResultsFile
from shuangsuiji.registry.models.target import Target
from shuangsuiji.registry.models.task import Task
from shuangsuiji.registry.schema_errors import field_path, parse_field_path, problems_from
from shuangsuiji.core.yamlio import LoadError, atomic_write_bytes, load_json, load_yaml, locate, read_csv, read_text

LIST_SEP = ";"  # list cells in CSV shards: 经营异常名录;投诉举报多


@dataclass(frozen=True)
class Origin:
    """Where a record was read: file and field path (line resolved only when reported)."""

    rel: str
    loc: tuple = ()
    line: int | None = None


@dataclass
class DrawFiles:
    """The files of one task's draw folder, as read."""

    dept: str
    task: str
    sources: SourcesFile | None = None
    events: EventsFile | None = None
    ceremony: Ceremony | None = None
    conflicts: ConflictsFile | None = None
    manifest: dict | None = None
    record: dict | None = None
    beacon: dict | None = None
    tables: dict[str, bytes] = field(default_factory=dict)  # name → raw canonical bytes

    def drawn(self) -> list[str] | None:
        """Targets the run draw selected (the keys of its initial assignments), or None before `ssj draw run`.

        Read from the record's committed, immutable part: events change who inspects, never who is drawn.
        A record in the `ssj draw compute` layout has no current part: its assignments are the draw."""
        rec = self.record
        if not isinstance(rec, dict):
            return None
        key = "initial_assignments" if "initial_assignments" in rec else "assignments"
        return sorted(rec[key]) if isinstance(rec.get(key), dict) else None


# Read with the ids: what free-text checks (name, legal_rep, registered_by) and the statistics' profiles
# (region, industry, type, credit_class) need of every target a result or a draw names.
HOT = ("name", "legal_rep", "registered_by", "region", "industry", "type", "credit_class")
_FEW = frozenset({"region", "industry", "type", "credit_class"})  # few distinct values: kept once each in the cache


@dataclass(eq=False)
class CachedShard:
    """A target shard read from the cache: its ids (and HOT columns) now, its rows only when needed."""

    ids: tuple[str, ...]
    hot: dict[str, tuple]  # column name → values, aligned with ids
    rows_file: Path | None = None  # set when the shard is read from a cache folder

    def load(self) -> list[tuple]:
        data = self.rows_file.read_bytes()
        with no_gc():  # 10,000 rows of new objects: the collector would walk the whole heap again and again
            return pickle.loads(data)

    def hot_value(self, key: str, name: str):
        pos = self.__dict__.get("_pos")
        if pos is None:
            pos = self.__dict__["_pos"] = {k: i for i, k in enumerate(self.ids)}
        return self.hot[name][pos[key]]


class TargetTable(Mapping[str, Target]):
    """The target directory: id → Target, stored as validated value tuples.

    A city holds a million targets; most stages touch few of them (validation checks
    ids, the site shows drawn ones). Rows become `Target` records only when asked for;
    `rows(...)` gives selected fields of every target without building records. Shards
    that come from the cache are kept as their ids until a row of theirs is needed.
    """

    NAMES = tuple(Target.model_fields)

    def __init__(self) -> None:
        self._rows: dict[str, tuple] = {}  # id → field values in NAMES order + (file, line)
        self._lazy: dict[str, CachedShard] = {}  # id → shard whose rows are not read yet
        self._segments: list[tuple[str, ...]] = []  # ids per shard, in file order: iteration order
        self.by_file: dict[str, tuple[str, ...]] = {}  # registry file → the ids it holds (duplicates aside)
        self._made: dict[str, Target] = {}

    def _add(self, ids: list[str], store, rel: str) -> list[int]:
        """Register the ids of file `rel` (store(i) files the i-th); returns the positions whose id is already taken."""
        batch = dict.fromkeys(ids)
        # key views: isdisjoint walks the smaller one (a dict argument would be walked whole)
        if len(batch) == len(ids) and batch.keys().isdisjoint(self._rows.keys()) \
                and batch.keys().isdisjoint(self._lazy.keys()):
            store(None)
            self._segments.append(tuple(ids))
            self.by_file[rel] = self._segments[-1]
            return []
        dups, seen, kept = [], set(), []
        for i, k in enumerate(ids):
            if k in self._rows or k in self._lazy or k in seen:
                dups.append(i)
            else:
                seen.add(k)
                kept.append(k)
                store(i)
        self._segments.append(tuple(kept))
        self.by_file[rel] = self._segments[-1]
        return dups

    def extend(self, rows: list[tuple], rel: str = "") -> list[tuple]:
        """Add the rows of file `rel` (field values + (file, line)); returns the rows whose id is already taken."""
        def store(i):
            if i is None:
                self._rows.update((v[0], v) for v in rows)
            else:
                self._rows[rows[i][0]] = rows[i]
        return [rows[i] for i in self._add([v[0] for v in rows], store, rel)]

    def extend_cached(self, shard: CachedShard, rel: str = "") -> list[tuple]:
        """Add a cached shard by its ids; a duplicate id needs the rows (to report its line)."""
        def store(i):
            if i is None:
                self._lazy.update(dict.fromkeys(shard.ids, shard))
            else:
                self._lazy[shard.ids[i]] = shard
        dups = self._add(list(shard.ids), store, rel)
        return [shard.load()[i] for i in dups] if dups else []

    def _row(self, key: str) -> tuple:
        v = self._rows.get(key)
        if v is None:
            shard = self._lazy[key]  # KeyError for an unknown id, as a dict would
            for row in shard.load():
                if self._lazy.get(row[0]) is shard:
                    self._rows[row[0]] = row
                    del self._lazy[row[0]]
            v = self._rows[key]
        return v

    def value(self, key: str, name: str):
        """One field of one target, without reading its shard's rows when the field is a HOT column."""
        shard = self._lazy.get(key)
        if shard is not None and name in shard.hot:
            return shard.hot_value(key, name)
        return self._row(key)[self.NAMES.index(name)]

    def __getitem__(self, key: str) -> Target:
        t = self._made.get(key)
        if t is None:
            t = Target.model_construct(**dict(zip(self.NAMES, self._row(key))))
            self._made[key] = t
        return t

    def __contains__(self, key: object) -> bool:
        return key in self._rows or key in self._lazy

    def __iter__(self) -> Iterator[str]:
        for ids in self._segments:
            yield from ids

    def __len__(self) -> int:
        return len(self._rows) + len(self._lazy)

    def rows(self, *names: str) -> Iterator[tuple]:
        """(value, …) of the named fields for every target, in file order, without building records."""
        getter = itemgetter(*[self.NAMES.index(n) for n in names])
        one = len(names) == 1
        for ids in self._segments:
            for k in ids:
                v = getter(self._row(k))
                yield (v,) if one else v

    def origin(self, key: str) -> "Origin | None":
        if key not in self:
            return None
        v = self._row(key)
        return Origin(v[-2], ("id",), v[-1])

    def file_of(self, key: str) -> str | None:
        """The shard file holding the target `key`, without reading its rows."""
        inverse = self.__dict__.get("_file_of")
        if inverse is None:
            inverse = self.__dict__["_file_of"] = {}
            for rel, ids in self.by_file.items():
                inverse.update(dict.fromkeys(ids, rel))
        return inverse.get(key)


@dataclass
class Registry:
    root: Path
    config: RegistryConfig = field(default_factory=RegistryConfig)
    regions: dict[str, Region] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    dept_configs: dict[str, DepartmentConfig] = field(default_factory=dict)
    item_lists: dict[str, ItemList] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    item_dept: dict[str, str] = field(default_factory=dict)
    matters: dict[str, MattersFile] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)
    targets: TargetTable = field(default_factory=TargetTable)
    inspector_files: dict[str, InspectorsFile] = field(default_factory=dict)
    inspectors: dict[str, Inspector] = field(default_factory=dict)
    inspector_dept: dict[str, str] = field(default_factory=dict)
    liaisons: dict[str, LiaisonFile] = field(default_factory=dict)
    plans: dict[str, AnnualPlan] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    task_dept: dict[str, str] = field(default_factory=dict)
    results: dict[str, ResultsFile] = field(default_factory=dict)  # by task id
    approvals: dict[str, ApprovalsFile] = field(default_factory=dict)
    draws: dict[str, DrawFiles] = field(default_factory=dict)  # by task id
    origins: dict[tuple[str, str], Origin] = field(default_factory=dict)  # (kind, id) → origin
    files: list[RegistryFile] = field(default_factory=list)
    incomplete: set[str] = field(default_factory=set)  # record kinds with a file that failed to load

    def origin(self, kind: str, key: str) -> Origin | None:
        if kind == "target":
            return self.targets.origin(key)
        return self.origins.get((kind, key))

    def all_results(self):
        """(task id, index, result) for every result, in file order."""
        for task_id in sorted(self.results):
            for i, r in enumerate(self.results[task_id].results):
                yield task_id, i, r

    def dept_name(self, dept_id: str) -> str:
        d = self.departments.get(dept_id)
        return d.name if d else dept_id


class Units:
    """Content addresses of the registry's units, which a stage's `UnitMemo` keys what it made by:
    a file (its loader key), a target (its shard's key and its id), a draw folder (its files' keys).
    Without keys (a registry read outside a build) every unit is unknown and made afresh."""

    def __init__(self, reg: "Registry", keys: Mapping[str, str] | None = None):
        self.reg, self.keys = reg, keys or {}
        self._folders: dict[str, str] | None = None

    def file(self, rel: str | None) -> str | None:
        return self.keys.get(rel) if rel else None

    def target(self, tid: str) -> str | None:
        key = self.file(self.reg.targets.file_of(tid))
        return f"{key}:{tid}" if key else None

    def draw(self, dept: str, task: str) -> str | None:
        if self._folders is None:
            parts: dict[str, list[str]] = {}
            for rel, key in sorted(self.keys.items()):
                folder, _, _ = rel.rpartition("/")
                if "/draws/" in rel:
                    parts.setdefault(folder, []).append(key)
            self._folders = {f: hashlib.sha1("".join(ks).encode()).hexdigest() for f, ks in parts.items()}
        return self._folders.get(f"{dept}/draws/{task}")


# --- reading one file ----------------------------------------------------------------------

def _validate(model: type[BaseModel], data: Any, rel: str) -> tuple[BaseModel | None, list[Problem]]:
    if isinstance(data, dict):
        data.pop("$schema", None)
    try:
        return model.model_validate(data), []
    except ValidationError as e:
        return None, problems_from(e, model, rel)


_TARGET_FIELDS = Target.model_fields
_TARGET_LISTS = {n for n, f in _TARGET_FIELDS.items() if getattr(f.annotation, "__origin__", None) is list}


def _read_targets(path: Path, rf: RegistryFile) -> tuple[list[tuple], list[Problem]]:
    """Validated field values + (file, line) per row: tuples are cheap to keep, cache and send between processes."""
    header, rows = read_csv(path, rf.rel)
    problems: list[Problem] = []
    unknown = [h for h in header if h not in _TARGET_FIELDS]
    missing = [n for n, f in _TARGET_FIELDS.items() if f.is_required() and n not in header]
    if unknown or missing:
        problems.append(problem(
            "csv.header", f"表头有误：未知列 {unknown or '无'}，缺少列 {missing or '无'}",
            f"bad header: unknown columns {unknown}, missing columns {missing}",
            "表头使用 registries/schema/targets.schema.json 中的字段名", "use the field names of targets.schema.json",
            file=rf.rel, line=1))
        return [], problems
    out: list[tuple] = []
    validate = Target.model_validate
    rel = sys.intern(rf.rel)
    for line, row in rows:
        if len(row) != len(header):
            problems.append(problem("csv.columns", f"本行有 {len(row)} 列，表头有 {len(header)} 列",
                                    f"row has {plural(len(row), 'cell')}, header has {len(header)}",
                                    "检查是否多了或少了逗号，含逗号的内容要加引号",
                                    "check for extra or missing commas; quote cells that hold commas",
                                    file=rf.rel, line=line))
            continue
        data = {}
        for h, v in zip(header, row):
            if v == "":
                continue
            data[h] = [x for x in v.split(LIST_SEP) if x] if h in _TARGET_LISTS else v
        try:
            out.append((*validate(data).__dict__.values(), rel, line))
        except ValidationError as e:
            for p in problems_from(e, Target, rf.rel, line=line):
                col = header.index(p.field) + 1 if p.field in header else None
                problems.append(p.at(column=col))
    return out, problems


@dataclass
class FileResult:
    rf: RegistryFile
    record: Any = None  # model instance, list of (line, Target), text or raw JSON/bytes
    problems: list[Problem] = field(default_factory=list)


def read_file(root: Path, rf: RegistryFile) -> FileResult:
    """Read and schema-check one file. Never raises for bad input."""
    path = root / rf.rel
    kind = rf.kind
    res = FileResult(rf)
    try:
        if kind.fmt == "csv":
            res.record, res.problems = _read_targets(path, rf)
        elif kind.fmt == "yaml":
            data = load_yaml(path, rf.rel)
            res.record, res.problems = _validate(kind.model, data, rf.rel)
        elif kind.fmt == "json":
            res.record = load_json(path, rf.rel)
        elif kind.fmt == "md":
            res.record = read_text(path, rf.rel)
        else:
            res.record = path.read_bytes()
    except LoadError as e:
        res.problems = [e.problem]
    return res


@functools.cache
def code_digest(*patterns: str) -> bytes:
    """Hash of the package files matching patterns: a cache of what that code computed is valid only for it."""
    pkg = Path(__file__).parents[1]
    h = hashlib.sha1()
    for p in sorted({p for pat in patterns for p in pkg.glob(pat)}):
        h.update(p.relative_to(pkg).as_posix().encode() + b"\0" + p.read_bytes())
    return h.digest()


@functools.cache
def _code_version() -> bytes:
    """The code that decides what a registry file means (read once a process: a city has 2,800 files to key)."""
    return code_digest("registry/models/*.py", "core/data/*", "registry/load.py", "core/yamlio.py", "core/codes.py",
                       "registry/schema_errors.py", "registry/layout.py")


def file_key(root: Path, rf: RegistryFile) -> str:
    """Content address of one file's reading: its path, its bytes (as git hashes a blob) and the code."""
    data = (root / rf.rel).read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(data))
    blob.update(data)
    return hashlib.sha1(_code_version() + rf.rel.encode() + b"\0" + blob.digest()).hexdigest()


def _cached(cache: Path, key: str) -> FileResult | None:
    hit = read_kept(cache / f"{key}.pkl")
    return hit if isinstance(hit, FileResult) else None


def _store(cache: Path, key: str, res: FileResult) -> None:
    """Cache one file's reading; a target shard's rows go in a file of their own, read only on demand."""
    if res.rf.kind.fmt == "csv" and isinstance(res.record, list):
        atomic_write_bytes(cache / f"{key}.rows", pickle.dumps(res.record, protocol=pickle.HIGHEST_PROTOCOL))
        cols = {n: TargetTable.NAMES.index(n) for n in HOT}
        shard = CachedShard(tuple(v[0] for v in res.record), {
            n: tuple(sys.intern(v[i]) if n in _FEW and type(v[i]) is str else v[i] for v in res.record)
            for n, i in cols.items()})
        res = FileResult(res.rf, shard, res.problems)
    atomic_write_bytes(cache / f"{key}.pkl", pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL))


def _read_and_store(root: Path, todo: list[tuple[RegistryFile, str | None]], cache: Path | None) -> list[FileResult]:
    with no_gc():  # a million small records: the cyclic collector would rescan them again and again
        out = []
        for rf, key in todo:
            res = read_file(root, rf)
            if cache is not None and key is not None:
                try:
                    _store(cache, key, res)
                except OSError:
                    pass  # a read-only registry still validates, only without the cache
            out.append(res)
        return out


def read_all(root: Path, rfs: list[RegistryFile], jobs: int | None = None,
             cache: Path | None = None, keys: dict[str, str] | None = None) -> list[FileResult]:
    """Read files; the CSV shards of a city (~1 M targets) in parallel processes.

    With a cache folder, a file whose bytes (and the code reading it) did not change is not
    parsed again; entries not used by this run are removed, so the cache stays one registry big.
    """
    jobs = jobs or os.cpu_count() or 1
    done: list[FileResult] = []
    todo: list[tuple[RegistryFile, str | None]] = []
    used: set[str] = set()
    with no_gc():  # unpickling a city's 200,000 records: the cyclic collector would walk them again and again
        for rf in rfs:
            key = (keys[rf.rel] if keys and rf.rel in keys else file_key(root, rf)) if cache is not None else None
            hit = _cached(cache, key) if key else None
            if key:
                used.add(f"{key}.pkl")
            if hit is not None and isinstance(hit.record, CachedShard):
                hit.record.rows_file = cache / f"{key}.rows"  # the cache folder may have moved with the registry
                if not hit.record.rows_file.is_file():
                    hit = None
            if hit is not None:
                done.append(hit)
            else:
                todo.append((rf, key))
        heavy = [t for t in todo if t[0].kind.fmt == "csv"]
        if jobs < 2 or len(heavy) < 4:
            done.extend(_read_and_store(root, todo, cache))
        else:
            light = [t for t in todo if t[0].kind.fmt != "csv"]
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(_read_and_store, root, heavy[i::jobs], cache) for i in range(jobs)]
                done.extend(_read_and_store(root, light, cache))
                for f in futures:
                    done.extend(f.result())
    if cache is not None and cache.is_dir():
        for entry in cache.iterdir():
            if entry.name.rsplit(".", 1)[0] + ".pkl" not in used:
                entry.unlink(missing_ok=True)
    order = {rf.rel: i for i, rf in enumerate(rfs)}
    return sorted(done, key=lambda r: order[r.rf.rel])


# --- assembling the registry -----------------------------------------------------------------

def _dup(kind_zh: str, kind_en: str, key: str, first: Origin, rel: str, fld: str) -> Problem:
    return problem("ref.duplicate-id", f"{kind_zh}编号 “{key}” 重复（已在 {first.rel} 中定义）",
                   f"duplicate {kind_en} id '{key}' (already defined in {first.rel})",
                   "每个编号只能出现一次，请改用新的编号", "ids must be unique; use a new id",
                   file=rel, field=fld)


def _register(reg: Registry, problems: list[Problem], kind: str, key: str, origin: Origin,
              zh: str, en: str) -> bool:
    prev = reg.origins.get((kind, key))
    if prev is not None:
        problems.append(_dup(zh, en, key, prev, origin.rel, field_path(origin.loc)).at(line=origin.line))
        return False
    reg.origins[(kind, key)] = origin
    return True


# Which kinds of record a file kind defines: when such a file fails, references to them are not reported.
_DEFINES = {"items": ("item",), "inspectors": ("inspector",), "targets": ("target",), "dept-targets": ("target",),
            "departments": ("department",), "task": ("task",), "results": ("result", "record"), "plan": ("plan",),
            "matters": ("matter",), "regions": ("region",), "dept-config": ("unit",)}


def assemble(root: Path, results: list[FileResult]) -> tuple[Registry, list[Problem]]:
    reg = Registry(root=root, files=[r.rf for r in results])
    problems: list[Problem] = []
    for fr in results:
        problems.extend(fr.problems)
        rec, rf = fr.record, fr.rf
        if fr.problems:
            reg.incomplete.update(_DEFINES.get(rf.kind.name, ()))
        if rec is None:
            continue
        k, dept, rel = rf.kind.name, rf.dept, rf.rel
        if k == "config":
            reg.config = rec
        elif k == "regions":
            for i, r in enumerate(rec.regions):
                if _register(reg, problems, "region", r.code, Origin(rel, ("regions", i, "code")), "区划", "region"):
                    reg.regions[r.code] = r
        elif k == "departments":
            for i, d in enumerate(rec.departments):
                if _register(reg, problems, "department", d.id, Origin(rel, ("departments", i, "id")), "部门",
                             "department"):
                    reg.departments[d.id] = d
        elif k in ("targets", "dept-targets"):
            add = reg.targets.extend_cached if isinstance(rec, CachedShard) else reg.targets.extend
            for values in add(rec, rel):
                problems.append(_dup("检查对象", "target", values[0], reg.targets.origin(values[0]), rel, "id").at(
                    line=values[-1]))
        elif k == "dept-config":
            reg.dept_configs[dept] = rec
            reg.origins[("dept-config", dept)] = Origin(rel)
        elif k == "items":
            reg.item_lists[dept] = rec
            reg.origins[("item-list", dept)] = Origin(rel)
            for i, it in enumerate(rec.items):
                if _register(reg, problems, "item", it.id, Origin(rel, ("items", i, "id")), "抽查事项", "item"):
                    reg.items[it.id] = it
                    reg.item_dept[it.id] = dept
        elif k == "matters":
            reg.matters[dept] = rec
            reg.origins[("matters", dept)] = Origin(rel)
        elif k == "rules":
            reg.rules[dept] = rec
        elif k == "inspectors":
            reg.inspector_files[dept] = rec
            reg.origins[("inspector-file", dept)] = Origin(rel)
            for i, ins in enumerate(rec.inspectors):
                if _register(reg, problems, "inspector", ins.id, Origin(rel, ("inspectors", i, "id")),
                             "执法检查人员", "inspector"):
                    reg.inspectors[ins.id] = ins
                    reg.inspector_dept[ins.id] = dept
        elif k == "liaison":
            reg.liaisons[dept] = rec
            reg.origins[("liaison", dept)] = Origin(rel)
        elif k == "approvals":
            reg.approvals[dept] = rec
            reg.origins[("approvals", dept)] = Origin(rel)
        elif k == "plan":
            if _register(reg, problems, "plan", rec.id, Origin(rel, ("id",)), "年度计划", "plan"):
                reg.plans[rec.id] = rec
        elif k == "task":
            if _register(reg, problems, "task", rec.id, Origin(rel, ("id",)), "抽查任务", "task"):
                reg.tasks[rec.id] = rec
                reg.task_dept[rec.id] = dept
        elif k == "results":
            reg.results[rf.groups["id"]] = rec
            reg.origins[("results", rf.groups["id"])] = Origin(rel)
            for i, r in enumerate(rec.results):
                _register(reg, problems, "result", r.id, Origin(rel, ("results", i, "id")), "检查结果", "result")
        elif k.startswith("draw-"):
            task_id = rf.groups["id"]
            d = reg.draws.setdefault(task_id, DrawFiles(dept, task_id))
            if k == "draw-table":
                d.tables[rf.groups["table"]] = (root / rel).read_bytes()
            else:
                setattr(d, k.removeprefix("draw-"), rec)
    return reg, problems


CACHE_DIR = ".ssj-cache/files"


KEYS_MEMO = ".ssj-cache/keys.pickle"  # each file's key by its stat, from the last `source_keys`


def source_keys(root: Path, memo: bool = True) -> tuple[dict[str, str], list[str]]:
    """The content address of every registry file (as the cache keys it) and the unknown files:
    what a build's result depends on in the registry.

    A file whose stat (device, inode, size, modification time) is the one the last call saw keeps
    the key it had then, unread, as git's index does; a file modified within `unitmemo.RACY_NS` of that
    call is read again (its clock tick may hide a second change)."""
    rfs, unknown = discover(root)
    code = _code_version()
    last = read_stamped(root / KEYS_MEMO, code) if memo else None
    last = last if isinstance(last, dict) else {}
    now = time.time_ns()
    keys: dict[str, str] = {}
    kept: dict[str, tuple] = {}
    for rf in rfs:
        try:
            st = os.stat(root / rf.rel)
        except OSError:
            st = None
        sig = signature(st) if st else None
        seen = last.get(rf.rel)
        key = seen[1] if sig and seen and seen[0] == sig else file_key(root, rf)
        keys[rf.rel] = key
        if sig and settled(st, now):
            kept[rf.rel] = (sig, key)
    if memo and kept != last:
        try:
            keep_stamped(root / KEYS_MEMO, code, kept)
        except OSError:
            pass  # a read-only registry is keyed by reading every file
    return keys, unknown


def load_registry(root: Path, jobs: int | None = None, cache: bool = True,
                  keys: dict[str, str] | None = None) -> tuple[Registry, list[Problem]]:
    """Load everything under root; unknown files are problems, not silently skipped.

    The per-file cache lives in `<root>/.ssj-cache/` (ignored by git and by the layout);
    `keys` (from `source_keys`) saves hashing the files a second time.
    """
    rfs, unknown = discover(root)
    problems = [problem("layout.unknown-file", "登记册中有无法识别的文件（文件名或位置不对）",
                        "file not recognised by the registry layout (wrong name or folder)",
                        "对照 registries/README.md 的目录结构改名或移动；不属于登记册的文件请移出",
                        "rename or move it per registries/README.md, or move it out of the registry",
                        file=u) for u in unknown]
    reg, more = assemble(root, read_all(root, rfs, jobs, root / CACHE_DIR if cache else None, keys))
    return reg, problems + more


def resolve_lines(root: Path, problems: list[Problem]) -> list[Problem]:
    """Fill in line and column for problems that know their field but not their line (YAML only)."""
    texts: dict[str, str | None] = {}
    out = []
    for p in problems:
        if p.line is None and p.file and p.field and p.file.endswith(".yaml"):
            if p.file not in texts:
                try:
                    texts[p.file] = (root / p.file).read_text(encoding="utf-8-sig")
                except (OSError, UnicodeDecodeError):
                    texts[p.file] = None
            text = texts[p.file]
            if text is not None:
                line, col = locate(text, parse_field_path(p.field))
                p = p.at(line=line, column=col)
        out.append(p)
    return out
