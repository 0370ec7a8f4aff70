"""A task's draw folder `<dept>/draws/<task>/`: freeze, run, recuse, withdraw, beacon.

The order of events is the point of the design: `freeze` writes the canonical tables
and the manifest (commitment C) before any seed exists, fixing which value each
source will supply (`seed_plan`); `run` refuses unless the frozen files still hash to
C and every source value is present and genuine; events are appended, never edited.
Every write happens after every check, so bad input leaves the folder untouched.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date as Day, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from shuangsuiji.draw.algorithm import MANIFEST_KEYS, TAG, DrawInput, DrawResult, Frozen, Recusal, freeze, rank_dates, run
from shuangsuiji.draw.wiring.candidates import Tables, build_tables
from shuangsuiji.draw.canon import canonical_table, sha256_hex
from shuangsuiji.draw.compute import strata_json, teams_json
from shuangsuiji.draw.sources import QUICKNET_CHAIN_HASH, drand_randomness, round_at, round_time, verify_quicknet
from shuangsuiji.draw.verifier import PRIVATE_MANIFEST_KEYS, record_ranked, source_checks, utc_text
from shuangsuiji.core.errors import UserError, fail, plural, problem
from shuangsuiji.registry.load import DrawFiles, Registry, load_registry
from shuangsuiji.registry.models.draw import RECORD_CURRENT_KEYS, Ceremony, DrawEvent, EventsFile, SourcesFile
from shuangsuiji.registry.models.task import Task
from shuangsuiji.core.workdays import is_working_day
from shuangsuiji.core.yamlio import atomic_write_bytes, atomic_write_text, dump_yaml

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
TABLES = ("candidates", "inspectors", "conflicts")
PUBLIC_EVENT_FIELDS = ("seq", "type", "date", "declared_by", "target", "inspector", "reason")


# ---------------------------------------------------------------- loading

def load_task(root: Path, task_id: str) -> tuple[Registry, Task]:
    """The registry and one of its tasks; any load error is bad input (a dropped row would drop a candidate)."""
    if not (root / "departments.yaml").is_file():
        fail("draw.no-registry", f"{root} 不是登记册目录（没有 departments.yaml）",
             f"{root} is not a registry folder (no departments.yaml)", "用 --registry 指定登记册目录",
             "name the registry folder with --registry")
    reg, problems = load_registry(root)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise UserError(*errors[:20], problem(
            "draw.registry-errors", f"登记册有 {len(errors)} 个错误，先修正再抽取",
            f"the registry has {plural(len(errors), 'error')}; fix them before drawing", "运行 ssj validate 查看全部错误",
            "run ssj validate to see them all"))
    task = reg.tasks.get(task_id)
    if task is None:
        fail("draw.unknown-task", f"任务 {task_id} 不存在", f"no task {task_id}",
             "使用 <部门>/tasks/<任务编号>.yaml 中的任务编号", "use the id of a task file", field="task")
    return reg, task


def draw_dir(root: Path, task: Task) -> Path:
    return root / task.department / "draws" / task.id


def files_of(reg: Registry, task: Task) -> DrawFiles:
    return reg.draws.get(task.id) or DrawFiles(task.department, task.id)


# ---------------------------------------------------------------- freeze

def publication_moment(task: Task) -> datetime:
    """When the commitment is public at the latest: `published_at`, else the end of the publication day (Beijing)."""
    if task.published_at is not None:
        at = task.published_at
        return at if at.tzinfo else at.replace(tzinfo=CHINA)
    return datetime.combine(task.published + timedelta(days=1), time(0), CHINA)


def first_round_after(moment: datetime) -> int:
    """The first quicknet round produced at or after `moment`."""
    t = int(moment.timestamp()) + (moment.microsecond > 0)
    r = round_at(t)
    return r if round_time(r) >= t else r + 1


def seed_plan(task: Task) -> list[dict[str, Any]]:
    """Which value each source will supply, fixed before C (spec: nothing chosen after the seed)."""
    plan = []
    published = publication_moment(task)
    for n, s in enumerate(task.seed_sources):
        where = f"seed_sources[{n}]"
        if s.kind == "drand-quicknet":
            earliest = first_round_after(published + timedelta(hours=s.delay_hours))
            rnd = s.round if s.round is not None else earliest
            if rnd < earliest:
                fail("draw.round-too-early",
                     f"drand 轮次 {rnd}（{utc_text(round_time(rnd))}）早于公布时间加 {s.delay_hours} 小时，最早可用轮次 {earliest}",
                     f"drand round {rnd} ({utc_text(round_time(rnd))}) is before publication + {s.delay_hours} h; "
                     f"the earliest allowed round is {earliest}", "删去 round 让系统计算，或填写更晚的轮次",
                     "drop round to let it be computed, or give a later one", field=where)
            plan.append({"kind": s.kind, "chain_hash": QUICKNET_CHAIN_HASH, "round": rnd,
                         "round_time": utc_text(round_time(rnd))})
        elif s.kind == "lottery":
            _not_before(s.date, task, where)
            plan.append({"kind": s.kind, "lottery": s.lottery, "draw_id": s.draw_id,
                         "date": s.date.isoformat() if s.date else None})
        else:
            _not_before(s.date, task, where)
            plan.append({"kind": s.kind, "date": s.date.isoformat(), "place": s.place})
    return plan


def _not_before(day: Day | None, task: Task, where: str) -> None:
    if day is not None and day < task.published:
        fail("draw.source-date", f"随机源日期 {day} 早于任务公告日期 {task.published}",
             f"the source's date {day} is before the task's publication {task.published}",
             "随机源必须在承诺值公布之后产生", "a source must come after the commitment is published", field=where)


def previous_commitment(reg: Registry, task: Task) -> str | None:
    """C of the department's previous frozen task (by publication date, then id): the chain."""
    me = (task.published.isoformat(), task.id)
    before = []
    for other_id, d in sorted(reg.draws.items()):
        t = reg.tasks.get(other_id)
        if other_id == task.id or t is None or t.department != task.department or not isinstance(d.manifest, dict):
            continue
        key = (str(d.manifest.get("published", t.published.isoformat())), other_id)
        if key > me:
            fail("draw.chain-order", f"本部门已冻结公告日期更晚的任务 {other_id}（{key[0]}）：须按公告日期顺序冻结",
                 f"task {other_id} of the department, published later ({key[0]}), is already frozen; "
                 "freeze tasks in publication order", "调整本任务的公告日期，或新建任务", "fix the dates or make a new task",
                 field="published")
        before.append((key, other_id))
    if not before:
        return None
    prev = reg.draws[max(before)[1]]
    return sha256_hex((reg.root / prev.dept / "draws" / prev.task / "manifest.json").read_bytes())


def manifest_extra(task: Task, previous: str | None, minimal: bool = False) -> dict[str, Any]:
    """What the manifest holds beyond the spec's minimum: the seed plan, dates, chain, mode."""
    if minimal:
        return {}
    extra: dict[str, Any] = {
        "department": task.department,
        "partners": [p.department for p in task.partners],
        "items": list(task.items) + [i for p in task.partners for i in p.items],
        "mode": task.mode,
        "published": task.published.isoformat(),
        "period": {"start": task.period.start.isoformat(), "end": task.period.end.isoformat()},
        "random_date": task.random_date,
        "seed_plan": seed_plan(task),
        "previous_commitment": previous,
    }
    if task.published_at is not None:
        extra["published_at"] = publication_moment(task).isoformat()
    if task.random_date:  # the candidate days are committed too: a later calendar change cannot move a date
        extra["inspection_days"] = working_days(task.period.start, task.period.end)
    return extra


def draw_input(task_id: str, tables: Tables, task: Task, extra: dict[str, Any]) -> DrawInput:
    return DrawInput(task=task_id, candidates=tables.candidates, inspectors=tables.inspectors,
                     conflicts=tables.conflicts, ratios=tables.ratios, min_per_stratum=task.min_per_stratum,
                     slots=tables.slots, cap_slack=task.cap_slack,
                     seed_sources=[s.kind for s in task.seed_sources], manifest_extra=extra)


def freeze_task(root: Path, task_id: str, minimal: bool = False) -> tuple[Frozen, Tables]:
    """Build and write the canonical tables and manifest; refuses if the task is already frozen."""
    reg, task = load_task(root, task_id)
    out = draw_dir(root, task)
    if (out / "manifest.json").exists():
        fail("draw.already-frozen", f"任务 {task_id} 已冻结（{out / 'manifest.json'} 已存在），承诺不能更改",
             f"task {task_id} is already frozen; a commitment is never changed",
             "如需重新抽取，新建一个任务（原承诺照常执行并公开）", "make a new task; the old commitment is still executed")
    tables = build_tables(reg, task)
    previous = None if minimal else previous_commitment(reg, task)
    frozen = freeze(draw_input(task.id, tables, task, manifest_extra(task, previous, minimal)))
    inp = frozen.input
    for name, rows in zip(TABLES, (inp.candidates, inp.inspectors, inp.conflicts)):
        atomic_write_bytes(out / f"{name}.tsv", canonical_table(rows, name))
    atomic_write_bytes(out / "manifest.json", frozen.manifest_json)  # last: its presence means "frozen"
    return frozen, tables


# ---------------------------------------------------------------- reading a frozen draw

def parse_table(data: bytes, name: str) -> list[tuple[str, str]]:
    """Rows of a canonical table file; anything not canonical (order, NFC, line ends) is refused."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        fail("draw.table-encoding", f"{name}.tsv 不是 UTF-8", f"{name}.tsv is not UTF-8", file=f"{name}.tsv")
    rows = [tuple(line.split("\t")) for line in text.split("\n")[:-1]] if text else []
    if any(len(r) != 2 for r in rows) or (text and not text.endswith("\n")) or \
            canonical_table(rows, name) != data:
        fail("draw.table-not-canonical", f"{name}.tsv 不是规范表（排序、制表符、换行或 Unicode 规范化不对）",
             f"{name}.tsv is not a canonical table (order, TABs, line ends or NFC)",
             "不要手工修改冻结的表；它们由 ssj draw freeze 生成", "never edit frozen tables by hand",
             file=f"{name}.tsv")
    return rows  # type: ignore[return-value]


def frozen_from_bytes(manifest_bytes: bytes, tables: dict[str, bytes]) -> tuple[Frozen, list[str]]:
    """Rebuild the Frozen draw from its files; returns it and the differences found (empty: all consistent)."""
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"), parse_float=lambda s: fail(
            "draw.float", "清单含浮点数", "the manifest holds a float"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        fail("draw.manifest-json", f"manifest.json 无法解析：{e}", f"manifest.json cannot be parsed: {e}",
             file="manifest.json")
    if not isinstance(manifest, dict) or manifest.get("tag") != TAG:
        fail("draw.manifest-tag", f"manifest.json 不是 {TAG} 清单", f"manifest.json is not a {TAG} manifest",
             file="manifest.json")
    diffs = []
    rows = {}
    for name in TABLES:
        data = tables.get(name)
        if data is None:
            fail("draw.table-missing", f"缺少 {name}.tsv", f"{name}.tsv is missing", file=f"{name}.tsv")
        rows[name] = parse_table(data, name)
        if sha256_hex(data) != manifest.get(f"{name}_sha256"):
            diffs.append(f"{name}.tsv SHA-256 {sha256_hex(data)} ≠ manifest {manifest.get(f'{name}_sha256')}")
    missing = [k for k in MANIFEST_KEYS if k not in manifest]
    if missing:
        fail("draw.manifest-keys", f"manifest.json 缺少字段 {missing}", f"manifest.json lacks {missing}",
             file="manifest.json")
    inp = DrawInput(task=manifest["task"], candidates=rows["candidates"], inspectors=rows["inspectors"],
                    conflicts=rows["conflicts"], ratios=manifest["ratios"],
                    min_per_stratum=manifest["min_per_stratum"], slots=manifest["slots"],
                    cap_slack=manifest["cap_slack"], seed_sources=manifest["seed_sources"],
                    manifest_extra={k: v for k, v in manifest.items() if k not in MANIFEST_KEYS})
    frozen = freeze(inp)
    if frozen.manifest_json != manifest_bytes:
        diffs.append("manifest.json 不是规范 JSON 或与规范表不符 / manifest.json is not the canonical JSON of "
                     "its content, or its table hashes differ")
    return frozen, diffs


def read_frozen(root: Path, task: Task) -> Frozen:
    out = draw_dir(root, task)
    path = out / "manifest.json"
    if not path.exists():
        fail("draw.not-frozen", f"任务 {task.id} 尚未冻结", f"task {task.id} is not frozen yet",
             f"先运行 ssj draw freeze {task.id}", f"run ssj draw freeze {task.id} first")
    tables = {n: (out / f"{n}.tsv").read_bytes() for n in TABLES if (out / f"{n}.tsv").exists()}
    frozen, diffs = frozen_from_bytes(path.read_bytes(), tables)
    if diffs:
        raise UserError(*(problem("draw.frozen-changed", f"冻结的文件被改动：{d}", f"frozen files changed: {d}",
                                  "恢复 git 中的原文件；承诺不能更改", "restore the files from git",
                                  file=str(out)) for d in diffs))
    return frozen


# ---------------------------------------------------------------- seed sources

def source_pairs(sources: SourcesFile) -> list[tuple[str, str]]:
    return [(s.kind, s.value) for s in sources.sources]


def source_dicts(sources: SourcesFile | None) -> list[dict[str, Any]]:
    return [s.model_dump(mode="json", exclude_none=True) for s in sources.sources] if sources else []


# ---------------------------------------------------------------- the record

def recusals(events: EventsFile | None) -> list[Recusal]:
    return [Recusal(e.target, e.inspector) for e in (events.events if events else []) if e.type == "回避"]


def event_json(e: DrawEvent) -> dict[str, Any]:
    data = e.model_dump(mode="json")
    return {k: data[k] for k in PUBLIC_EVENT_FIELDS if data.get(k) is not None}


def working_days(start: Day, end: Day) -> list[str]:
    out, day = [], start
    while day <= end:
        if is_working_day(day):
            out.append(day.isoformat())
        day += timedelta(days=1)
    return out


def inspection_dates(result: DrawResult) -> dict[str, str]:
    """Per selected target, the first working day of the period by T("date", x, day)."""
    m = result.frozen.manifest
    days = m.get("inspection_days") if m.get("random_date") else None
    if not days:
        return {}
    task = result.frozen.task
    return {x: rank_dates(result.seed, task, x, days)[0] for x in sorted(result.initial.order)}


def current_part(result: DrawResult, events: EventsFile | None) -> dict[str, Any]:
    """What changes as events are appended: assignments, log, events."""
    return {"assignments": teams_json(result.final), "log": [list(e) for e in result.final.log],
            "events": [event_json(e) for e in (events.events if events else [])]}


def build_record(result: DrawResult, sources: SourcesFile, ceremony: Ceremony | None,
                 events: EventsFile | None, named: list[str]) -> dict[str, Any]:
    """The draw record: public fields at the top, everything private under `private`.

    Opaque labels S1, S2, … follow the stratum keys' order; per target only its ticket is
    public, never its stratum (the key holds the private credit class). A large draw's
    `ranked` holds prefixes (`record_ranked`), marked by `ranked_prefix`.
    """
    manifest = result.frozen.manifest
    sel, initial = result.selection, result.initial
    labels = opaque_labels(result.frozen.commitment, [s.key for s in sel.strata])
    selected = {k[32:].decode("utf-8"): k[:32].hex() for s in sel.strata for k in s.keys[:s.n]}
    ranked, margin = record_ranked(initial, result.ranker, len(result.frozen.input.slots))
    record: dict[str, Any] = {
        "tag": TAG,
        "task": result.frozen.task,
        "commitment": result.frozen.commitment,
        "manifest": {k: v for k, v in manifest.items() if k not in PRIVATE_MANIFEST_KEYS},
        "sources": source_dicts(sources),
        "seed": result.seed.hex(),
        "strata": sorted(({"label": labels[s.key], "N": s.N, "ratio": s.ratio, "n": s.n}
                          for s in sel.strata), key=lambda s: int(s["label"][1:])),
        "tickets": dict(sorted(selected.items())),
        "order": list(initial.order),
        "inspector_units": dict(sorted(result.frozen.input.inspectors)),
        "caps": dict(initial.caps),
        "ranked": ranked,
        **({"ranked_prefix": margin} if margin is not None else {}),
        "initial_assignments": teams_json(initial),
        "initial_log": [list(e) for e in initial.log],
        "dates": inspection_dates(result),
        "named_inspectors": named,
        "ceremony": ceremony.model_dump(mode="json") if ceremony else None,
        **current_part(result, events),
        "private": {"strata": {key: {"label": labels[key], **v} for key, v in strata_json(sel).items()}},
    }
    return record


def opaque_labels(commitment: str, keys: list[str]) -> dict[str, str]:
    """S1, S2, … in an order that follows neither the keys nor the classes: by SHA-256(C, key)."""
    order = sorted(keys, key=lambda k: hashlib.sha256(f"{commitment}\0{k}".encode("utf-8")).hexdigest())
    return {k: f"S{n + 1}" for n, k in enumerate(order)}


def record_bytes(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def compute_record(root: Path, reg: Registry, task: Task, events: EventsFile | None = None) -> dict[str, Any]:
    """Check everything `run` needs and compute the record (writes nothing)."""
    frozen = read_frozen(root, task)
    d = files_of(reg, task)
    archive = d.beacon if isinstance(d.beacon, dict) else None
    bad = [c for c in source_checks(frozen.manifest, source_dicts(d.sources), archive) if c.status == "FAIL"]
    rel = f"{task.department}/draws/{task.id}/sources.yaml"
    if bad:
        raise UserError(*(problem("draw.source-invalid", f"{c.what.split(' / ')[0]}（{c.detail}）",
                                  c.what.split(" / ")[-1] + (f" ({c.detail})" if c.detail else ""),
                                  "在 sources.yaml 中填写计划中的随机源取值；drand 用 ssj draw beacon 存档",
                                  "fill in the planned values; archive drand rounds with ssj draw beacon",
                                  file=rel) for c in bad))
    if d.ceremony is None:
        fail("draw.no-ceremony", "缺少抽取过程记录 ceremony.yaml（操作人、时间、现场监督）",
             "ceremony.yaml is missing (who ran the draw, when, witnesses)", "先填写 ceremony.yaml",
             "write ceremony.yaml first", file=f"{task.department}/draws/{task.id}/ceremony.yaml")
    result = run(frozen, source_pairs(d.sources), recusals(events if events is not None else d.events))
    return build_record(result, d.sources, d.ceremony, events if events is not None else d.events,
                        list(task.named_inspectors))


def run_task(root: Path, task_id: str) -> dict[str, Any]:
    reg, task = load_task(root, task_id)
    path = draw_dir(root, task) / "record.json"
    if path.exists():
        fail("draw.already-run", f"任务 {task_id} 已抽取（record.json 已存在）", f"task {task_id} was already drawn",
             "抽取结果不能重做；回避用 ssj draw recuse", "a draw is never redone; use ssj draw recuse for recusals")
    record = compute_record(root, reg, task)
    atomic_write_bytes(path, record_bytes(record))
    return record


# ---------------------------------------------------------------- events (append-only)

def _append_event(root: Path, task_id: str, make) -> tuple[DrawEvent, dict[str, Any] | None]:
    reg, task = load_task(root, task_id)
    d = files_of(reg, task)
    out = draw_dir(root, task)
    if not (out / "manifest.json").exists():
        fail("draw.not-frozen", f"任务 {task_id} 尚未冻结", f"task {task_id} is not frozen yet",
             f"先运行 ssj draw freeze {task_id}", f"run ssj draw freeze {task_id} first")
    old = d.events.events if d.events else []
    event = make(task, d, len(old) + 1)
    events = EventsFile(task=task.id, events=[*old, event])
    record = None
    if (out / "record.json").exists():
        record = d.record if isinstance(d.record, dict) else None
        if record is None:
            fail("draw.record-unreadable", "record.json 无法读取", "record.json cannot be read")
        fresh = compute_record(root, reg, task, events)
        record = {**record, **{k: fresh[k] for k in RECORD_CURRENT_KEYS}}
    elif event.type == "回避":
        fail("draw.not-run", f"任务 {task_id} 尚未抽取，不能登记回避", f"task {task_id} has not been drawn yet",
             "抽取前已知的回避请写入 conflicts.yaml 再冻结", "declare known conflicts in conflicts.yaml before freezing")
    data = events.model_dump(mode="json", exclude_none=True)
    atomic_write_text(out / "events.yaml", dump_yaml(data))
    if record is not None:
        atomic_write_bytes(out / "record.json", record_bytes(record))
    return event, record


def recuse(root: Path, task_id: str, target: str, inspector: str, reason: str, day: Day | None,
           by: str | None) -> tuple[DrawEvent, dict[str, Any]]:
    """Append a 回避 event and re-apply the replacement rule (递补 by ranked(x))."""

    def make(task: Task, d: DrawFiles, seq: int) -> DrawEvent:
        if not task_has_slots(d):
            fail("draw.no-slots", "本任务不抽取执法检查人员（单随机-对象），人员由部门指定，不适用递补规则",
                 "this task draws no inspectors (单随机-对象); the department names them", field="task")
        when = day or datetime.now(CHINA).date()
        ran = d.ceremony.ran_at.date() if d.ceremony else None
        if ran and when < ran:
            fail("draw.event-date", f"回避日期 {when} 早于抽取日期 {ran}", f"recusal date {when} is before the draw {ran}",
                 field="date")
        return _event(seq=seq, type="回避", date=when, declared_by=by or (d.ceremony.ran_by if d.ceremony else ""),
                      target=target, inspector=inspector, reason=reason)

    event, record = _append_event(root, task_id, make)
    return event, record  # type: ignore[return-value]


def withdraw(root: Path, task_id: str, day: Day | None, by: str, note: str | None) -> DrawEvent:
    """Append 撤回任务: the committed draw is still executed and published."""
    return _append_event(root, task_id, lambda task, d, seq: _event(
        seq=seq, type="撤回任务", date=day or datetime.now(CHINA).date(), declared_by=by, note=note))[0]


def task_has_slots(d: DrawFiles) -> bool:
    return bool(isinstance(d.manifest, dict) and d.manifest.get("slots"))


def _event(**kw) -> DrawEvent:
    from pydantic import ValidationError

    from shuangsuiji.registry.schema_errors import problems_from
    try:
        return DrawEvent.model_validate(kw)
    except ValidationError as e:
        raise UserError(*problems_from(e, DrawEvent, "events.yaml")) from None


# ---------------------------------------------------------------- drand beacon

def planned_rounds(manifest: dict) -> list[int]:
    return [p["round"] for p in manifest.get("seed_plan") or [] if p.get("kind") == "drand-quicknet"]


def archive_beacon(root: Path, task_id: str, signature_hex: str | None, fetch_timeout: float = 10.0) -> dict:
    """Archive the planned drand round (fetched, or given by hand) in beacon.json and sources.yaml."""
    reg, task = load_task(root, task_id)
    d = files_of(reg, task)
    out = draw_dir(root, task)
    if not isinstance(d.manifest, dict):
        fail("draw.not-frozen", f"任务 {task_id} 尚未冻结", f"task {task_id} is not frozen yet",
             f"先运行 ssj draw freeze {task_id}", f"run ssj draw freeze {task_id} first")
    rounds = planned_rounds(d.manifest)
    if not rounds:
        fail("draw.no-drand", f"任务 {task_id} 的随机源计划中没有 drand", f"task {task_id} plans no drand source")
    rnd = rounds[0]
    if signature_hex is None:
        signature_hex = _fetch_signature(rnd, fetch_timeout)
    signature_hex = signature_hex.strip().lower()
    try:
        sig = bytes.fromhex(signature_hex)
    except ValueError:
        sig = b""
    if not verify_quicknet(rnd, sig):
        fail("draw.bad-signature", f"该签名不是 drand quicknet 第 {rnd} 轮的有效 BLS 签名",
             f"the signature is not a valid quicknet BLS signature for round {rnd}",
             "核对签名（96 位十六进制）与轮次", "check the signature (96 hex digits) and the round")
    beacon = {"round": rnd, "randomness": drand_randomness(sig), "signature": signature_hex}
    archive = d.beacon if isinstance(d.beacon, dict) else {"chain_hash": QUICKNET_CHAIN_HASH, "beacons": []}
    if any(b.get("round") == rnd and b != beacon for b in archive.get("beacons", [])):
        fail("draw.beacon-differs", "beacon.json 已存档该轮次的不同取值", "beacon.json already holds a different value")
    archive = {**archive, "beacons": sorted([b for b in archive.get("beacons", []) if b.get("round") != rnd] + [beacon],
                                            key=lambda b: b["round"])}
    value = {"kind": "drand-quicknet", "value": f"{rnd}:{beacon['randomness']}", "signature": signature_hex}
    if d.sources is not None and d.sources.sources:
        entries = [s.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for s in d.sources.sources]
    else:
        entries = []
    entries = [e for e in entries if e.get("kind") != "drand-quicknet"]
    position = list(d.manifest["seed_sources"]).index("drand-quicknet")
    entries.insert(min(position, len(entries)), value)
    atomic_write_bytes(out / "beacon.json", (json.dumps(archive, sort_keys=True, indent=1) + "\n").encode())
    atomic_write_text(out / "sources.yaml", dump_yaml({"task": task.id, "sources": entries}))
    return beacon


def _fetch_signature(rnd: int, timeout: float) -> str:
    import urllib.error
    import urllib.request

    if round_time(rnd) > datetime.now(timezone.utc).timestamp():
        fail("draw.round-future", f"drand 第 {rnd} 轮将于 {utc_text(round_time(rnd))} 产生，现在还没有",
             f"drand round {rnd} is produced at {utc_text(round_time(rnd))}; it does not exist yet",
             "到时间后再运行", "run again after that time")
    url = f"https://api.drand.sh/{QUICKNET_CHAIN_HASH}/public/{rnd}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            data = json.loads(resp.read().decode("utf-8"))
        return str(data["signature"])
    except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
        fail("draw.fetch-failed", f"无法从 drand 取得第 {rnd} 轮（{e}）", f"cannot fetch drand round {rnd} ({e})",
             f"在能联网的电脑上打开 {url}，复制 signature，再运行 ssj draw beacon TASK --signature HEX",
             f"open {url} on a connected computer, copy the signature, then run ssj draw beacon TASK --signature HEX")
