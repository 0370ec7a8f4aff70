"""The draw `ssj-draw/1` as pure functions (spec draw.md is normative).

Stages, each a pure function of typed records, so the registry can run them at
different times and `verify` can re-run them:

    freeze(DrawInput) -> Frozen            manifest and commitment C (before any seed exists)
    seed_for(C, sources) -> bytes          seed from public sources fixed in the manifest
    select(frozen, seed) -> Selection      stratified target draw with ordered reserves
    match(frozen, seed, selection)         inspector matching -> Matching
    replay(frozen, seed, matching, events) recusal events (回避/递补) -> Matching
    run(frozen, sources, events) -> DrawResult   all of the above

Every ordering is by the key (ticket, id UTF-8 bytes); tickets are HMAC-SHA256 digests
compared as bytes (big-endian bytes of equal length order like the integers).
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import os
import re
from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from fractions import Fraction
from itertools import compress, count
from operator import itemgetter, lt
from typing import Any, Iterable, Mapping, Sequence

from shuangsuiji.draw.canon import (canonical_json, canonical_table, check_field, enc, ids_of, nfc, nfc_all,
                                    parse_ratio, sha256_hex)
from shuangsuiji.draw.sources import SOURCE_KINDS, check_source, check_source_kind
from shuangsuiji.core.errors import fail
from shuangsuiji.core.workers import fork_map, shared

TAG = "ssj-draw/1"
MANIFEST_KEYS = ("tag", "task", "candidates_sha256", "inspectors_sha256", "conflicts_sha256", "ratios",
                 "min_per_stratum", "slots", "cap_slack", "seed_sources")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LEN = [n.to_bytes(4, "big") for n in range(256)]  # length prefixes of short ENC fields


def encoded_field(b: bytes) -> bytes:
    """One ENC field from its UTF-8 bytes: 4-byte big-endian length, then the bytes."""
    n = len(b)
    return (_LEN[n] if n < 256 else n.to_bytes(4, "big")) + b


# ---------------------------------------------------------------- inputs and commitment

@dataclass(frozen=True, kw_only=True)
class DrawInput:
    """Everything the commitment covers. Strings may be in any normal form and rows in any order."""

    task: str
    candidates: Sequence[tuple[str, str]]  # (target_id, stratum_key)
    inspectors: Sequence[tuple[str, str]]  # (inspector_id, unit_id)
    conflicts: Sequence[tuple[str, str]] = ()  # (inspector_id, target_id), declared before freezing
    ratios: Mapping[str, str] = field(default_factory=dict)  # stratum_key -> ratio string
    min_per_stratum: int = 1
    slots: Sequence[str] = ()  # one unit id per inspector needed per target
    cap_slack: int = 1
    seed_sources: Sequence[str] = ()  # source kinds, in seed order
    manifest_extra: Mapping[str, Any] = field(default_factory=dict)  # seed_plan, dates, chain, …


@dataclass(frozen=True)
class Frozen:
    """A validated, NFC-normalised input with its manifest and commitment C."""

    input: DrawInput
    manifest: Mapping[str, Any]
    manifest_json: bytes  # canonical JSON; C is its SHA-256
    commitment: str  # lowercase hex

    @property
    def task(self) -> str:
        return self.input.task


def _nfc_json(obj: Any) -> Any:
    """NFC every string (keys too) of a JSON value; keys that collide after NFC are an error."""
    if isinstance(obj, str):
        return nfc(obj)
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            nk = nfc(k)
            if nk in out:
                fail("draw.duplicate-key", f"键 {k!r} 重复（Unicode 规范化后）",
                     f"key {k!r} is repeated (after Unicode NFC)", "删除重复的键", "remove the repeated key",
                     field=nk)
            out[nk] = _nfc_json(v)
        return out
    if isinstance(obj, (list, tuple)):
        return [_nfc_json(v) for v in obj]
    return obj


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        fail("draw.bad-integer", f"{name} 应为非负整数，实际为 {value!r}",
             f"{name} must be a non-negative integer, got {value!r}",
             "填写 0 或正整数", "write 0 or a positive integer", field=name)
    return value


def _duplicates(values: Sequence, what: str, code: str = "draw.duplicate-id") -> None:
    if len(set(values)) == len(values):
        return
    dup = sorted(v for v, n in Counter(values).items() if n > 1)[0]
    fail(code, f"{what} 重复（Unicode 规范化后）：{dup!r}", f"duplicate {what} (after Unicode NFC): {dup!r}",
         "每个编号只能出现一次", "each id may appear only once", field=what)


def normalised(inp: DrawInput) -> DrawInput:
    """NFC every string and check everything the spec calls bad input (raises UserError)."""
    if not isinstance(inp.task, str) or not inp.task:
        fail("draw.task", "缺少任务编号 task", "the task id is missing", field="task")
    cand_ids = nfc_all(map(itemgetter(0), inp.candidates))
    cand_keys = nfc_all(map(itemgetter(1), inp.candidates))
    _duplicates(cand_ids, "candidates target_id")
    insp = [(nfc(i), nfc(u)) for i, u in inp.inspectors]
    _duplicates([i for i, _ in insp], "inspectors inspector_id")
    conflicts = [(nfc(i), nfc(t)) for i, t in inp.conflicts]
    _duplicates(conflicts, "conflicts row", "draw.duplicate-conflict")
    ratios: dict[str, str] = _nfc_json(inp.ratios)
    for key, text in ratios.items():
        check_field(key, "ratios key")
        parse_ratio(text, f"ratios[{key}]")
    for key in sorted(set(cand_keys)):
        if key not in ratios:
            fail("draw.ratio-missing", f"分层 {key!r} 有候选对象但没有抽取比例",
                 f"stratum {key!r} has candidates but no ratio", "在 ratios 中为该分层填写比例",
                 "add a ratio for this stratum key", field="ratios")
    slots = [nfc(u) for u in inp.slots]
    for u in slots:
        check_field(u, "slots unit id")
    kinds = [nfc(k) for k in inp.seed_sources]
    if not kinds:
        fail("draw.no-source", "没有指定随机种子来源", "no seed source is given",
             f"至少指定一个来源：{'、'.join(SOURCE_KINDS)}", f"name at least one of {', '.join(SOURCE_KINDS)}",
             field="sources")
    for k in kinds:
        check_source_kind(k)
    extra = _nfc_json(inp.manifest_extra)
    for k in sorted(extra):
        if k in MANIFEST_KEYS:
            fail("draw.extra-key", f"manifest_extra 的键 {k!r} 与清单固有字段重名",
                 f"manifest_extra key {k!r} repeats a manifest field", "换一个键名（如 seed_plan）",
                 "use another key name (e.g. seed_plan)", field=f"manifest_extra.{k}")
    return DrawInput(task=nfc(inp.task), candidates=list(zip(cand_ids, cand_keys)), inspectors=insp,
                     conflicts=conflicts, ratios=ratios,
                     min_per_stratum=_count(inp.min_per_stratum, "min_per_stratum"), slots=slots,
                     cap_slack=_count(inp.cap_slack, "cap_slack"), seed_sources=kinds, manifest_extra=extra)


def freeze(inp: DrawInput) -> Frozen:
    """Validate, build the manifest and its commitment C = SHA-256(canonical JSON)."""
    inp = normalised(inp)
    manifest = {
        "tag": TAG,
        "task": inp.task,
        "candidates_sha256": sha256_hex(canonical_table(inp.candidates, "candidates", unique_first=True)),
        "inspectors_sha256": sha256_hex(canonical_table(inp.inspectors, "inspectors", unique_first=True)),
        "conflicts_sha256": sha256_hex(canonical_table(inp.conflicts, "conflicts")),
        "ratios": dict(inp.ratios),
        "min_per_stratum": inp.min_per_stratum,
        "slots": list(inp.slots),
        "cap_slack": inp.cap_slack,
        "seed_sources": list(inp.seed_sources),
        **inp.manifest_extra,
    }
    data = canonical_json(manifest)
    return Frozen(inp, manifest, data, sha256_hex(data))


# ---------------------------------------------------------------- seed and tickets

def seed_for(commitment: str, sources: Sequence[tuple[str, str]],
             kinds: Sequence[str] | None = None) -> bytes:
    """seed = SHA-256(ENC("ssj-draw/1/seed", C_hex, kind1, value1, …)), sources in manifest order.

    `kinds`, when given, are the manifest's `seed_sources`: the sources must match them.
    """
    sources = [(nfc(k), nfc(v)) for k, v in sources]
    if not sources:
        fail("draw.no-source", "没有随机种子来源", "no seed source is given", field="sources")
    for k, v in sources:
        check_source(k, v)
    if kinds is not None and [k for k, _ in sources] != list(kinds):
        fail("draw.source-mismatch", f"种子来源 {[k for k, _ in sources]} 与清单承诺的 {list(kinds)} 不一致",
             f"seed sources {[k for k, _ in sources]} differ from the manifest's {list(kinds)}",
             "按清单中的顺序提供全部来源", "give every source, in manifest order", field="sources")
    fields = [f for kv in sources for f in kv]
    return hashlib.sha256(enc(TAG + "/seed", commitment, *fields)).digest()


class Tickets:
    """T(purpose, f…) = HMAC-SHA256(seed, ENC(purpose, task, f…)) as 32 big-endian bytes.

    The HMAC key pads are hashed once (RFC 2104), and a message prefix can be absorbed
    once for many tickets: a million tickets then cost far less than a million
    `hmac.digest` calls, with identical results.
    """

    def __init__(self, seed: bytes, task: str):
        if len(seed) != 32:
            raise ValueError("the seed is 32 raw bytes")
        key = seed + bytes(32)
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
        self.task = task

    def one(self, purpose: str, *fields: str) -> bytes:
        inner = self._inner.copy()
        inner.update(enc(purpose, self.task, *fields))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def many(self, purpose: str, head: Sequence[str], last: Iterable[bytes]) -> list[bytes]:
        """[T(purpose, *head, x) for x in last] (x as UTF-8 bytes), sharing the absorbed prefix."""
        return self.many_encoded(purpose, head, map(encoded_field, last))

    def many_encoded(self, purpose: str, head: Sequence[str], last: Iterable[bytes]) -> list[bytes]:
        """Like `many`, with each last field already ENC-encoded (length prefix included)."""
        prefix = self._inner.copy()
        prefix.update(enc(purpose, self.task, *head))
        inner_copy, outer_copy = prefix.copy, self._outer.copy
        out: list[bytes] = []
        append = out.append
        for b in last:
            inner = inner_copy()
            inner.update(b)
            outer = outer_copy()
            outer.update(inner.digest())
            append(outer.digest())
        return out

    def ranked(self, purpose: str, head: Sequence[str], ids: Sequence[str]) -> list[str]:
        """`ids` ordered by (T(purpose, *head, id), id UTF-8 bytes)."""
        encoded = [i.encode("utf-8") for i in ids]
        keys = [t + b for t, b in zip(self.many(purpose, head, encoded), encoded)]
        keys.sort()
        return ids_of(keys)


# ---------------------------------------------------------------- (a) target draw

def sample_size(N: int, r: Fraction, min_per_stratum: int) -> int:
    """n = ceil(N·r); at least min_per_stratum when N > 0 and r > 0; at most N."""
    n = -((-N * r.numerator) // r.denominator)
    if N > 0 and r > 0:
        n = max(n, min_per_stratum)
    return min(n, N)


@dataclass(frozen=True)
class Stratum:
    """One stratum's draw. `keys` is the whole ordered stratum; ids and tickets are read from it."""

    key: str
    N: int
    ratio: str  # as written
    n: int
    keys: tuple[bytes, ...]  # sort keys ticket + id UTF-8 bytes, ascending

    @cached_property
    def selected(self) -> tuple[str, ...]:
        """The first n, in ticket order."""
        return tuple(ids_of(self.keys[:self.n]))

    @cached_property
    def reserve(self) -> tuple[str, ...]:
        """The rest, in ticket order: only for a rule-based, logged top-up."""
        return tuple(ids_of(self.keys[self.n:]))


@dataclass(frozen=True)
class Selection:
    strata: tuple[Stratum, ...]  # by stratum key (code point order)

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(t for s in self.strata for t in s.selected)

    @cached_property
    def tickets(self) -> Mapping[str, bytes]:
        """T("target", id) of every candidate (built on first use: a million entries)."""
        return {k[32:].decode("utf-8"): k[:32] for s in self.strata for k in s.keys}


def select(frozen: Frozen, seed: bytes) -> Selection:
    """Per stratum: order by T("target", id); the first n are selected, the rest are the reserve."""
    inp = frozen.input
    encoded = [c[0].encode("utf-8") for c in inp.candidates]
    tickets = Tickets(seed, inp.task).many("target", (), encoded)
    groups: dict[str, list[bytes]] = {key: [] for key in sorted({c[1] for c in inp.candidates})}
    for (_, key), t, b in zip(inp.candidates, tickets, encoded):
        groups[key].append(t + b)
    del encoded, tickets
    strata = []
    for key, group in groups.items():
        group.sort()
        n = sample_size(len(group), parse_ratio(inp.ratios[key]), inp.min_per_stratum)
        strata.append(Stratum(key, len(group), inp.ratios[key], n, tuple(group)))
    return Selection(tuple(strata))


# ---------------------------------------------------------------- (b) matching and recusal

LogEntry = tuple[str, str, str]  # ("overflow", target, inspector) | ("infeasible", target, unit)


@dataclass(frozen=True)
class Recusal:
    """One 回避 event: `inspector_id` leaves `target_id` (reason, date, declarer live in the registry)."""

    target_id: str
    inspector_id: str


@dataclass(frozen=True)
class Matching:
    order: tuple[str, ...]  # selected targets in processing order (T("order"))
    caps: Mapping[str, int]  # unit -> cap, for every unit named in slots
    assignments: Mapping[str, tuple[str | None, ...]]  # target -> inspector per slot (None: infeasible)
    loads: Mapping[str, int]  # inspector -> number of slots held
    log: tuple[LogEntry, ...]  # matching, then events, in order
    recused: tuple[tuple[str, str], ...] = ()  # (target, inspector) pairs, in event order


SHORTLIST = 40  # inspectors of a unit a target's short list holds on average: slots, recusals, cap skips
PARALLEL_PAIRS = 2_000_000  # from this many pair tickets, short lists are computed in worker processes
_KEEP_ALL = b"\xff" * 33  # above every 32-byte ticket


def _bound(members: int, keep: int) -> bytes:
    """A ticket bound below which about `keep` of a unit's `members` uniform tickets fall (all of a small unit's)."""
    if members <= 2 * keep:
        return _KEEP_ALL
    return ((keep << 256) // members).to_bytes(32, "big")


def _shortlist(tickets: Tickets, suffixes: Sequence[bytes], bounds: Sequence[bytes], floor: bytes,
               target: str) -> tuple[array, int]:
    """Indices of the inspectors whose T("pair", target, i) is below their unit's bound, in ranked order.

    Inspectors are indexed in id order, so sorting (ticket, index) sorts by (ticket, id bytes). The
    first `exact` entries (tickets below every bound) are the whole start of the order, all units together.
    """
    ts = tickets.many_encoded("pair", (target,), suffixes)
    kept = sorted(compress(zip(ts, count()), map(lt, ts, bounds)))
    return array("I", [k for _, k in kept]), bisect_left(kept, (floor,))


def _shortlists(targets: list[str]) -> list[tuple[array, int]]:
    return [_shortlist(*shared()["ranking"], x) for x in targets]


class Ranker:
    """ranked(x): every inspector not in conflict with x, by T("pair", x, i).

    Matching only ever reads the start of ranked(x) per unit, so for each target only the
    inspectors whose ticket falls below a bound (about `shortlist` per unit) are kept, in
    order: an exact prefix. When a prefix runs out (everyone in it on x or at the cap) the
    whole order of that target is computed: the same result as ranking everything, for a
    fraction of the memory. Short lists of many targets are computed in worker processes.
    """

    def __init__(self, frozen: Frozen, seed: bytes, shortlist: int = SHORTLIST, workers: int | None = None):
        inp = frozen.input
        self.seed = seed
        self.tickets = Tickets(seed, inp.task)
        self.units = dict(inp.inspectors)
        self.inspectors = sorted(self.units)
        self.workers = workers
        self._index = {i: k for k, i in enumerate(self.inspectors)}
        self._unit_of = [self.units[i] for i in self.inspectors]
        self._suffixes = [encoded_field(i.encode("utf-8")) for i in self.inspectors]
        size = Counter(self._unit_of)
        bound = {u: _bound(m, shortlist) for u, m in size.items()}
        self._partial = {u for u, b in bound.items() if b != _KEEP_ALL}  # units whose lists may run out
        self._bounds = [bound[u] for u in self._unit_of]
        self._floor = min(self._bounds, default=_KEEP_ALL)
        self._short: dict[str, tuple[array, int]] = {}
        self._banned = self.with_conflicts(inp.conflicts)._banned

    def with_conflicts(self, conflicts: Iterable[tuple[str, str]]) -> Ranker:
        """The same tickets and short lists (they do not depend on conflicts), other conflicts."""
        other = copy.copy(self)
        other._banned = {}
        for i, t in conflicts:
            if i in self._index:
                other._banned.setdefault(t, set()).add(self._index[i])
        return other

    def prepare(self, targets: Sequence[str]) -> None:
        """Short lists of many targets at once, in worker processes when there are many pair tickets."""
        todo = [x for x in dict.fromkeys(targets) if x not in self._short]
        workers = self.workers or len(os.sched_getaffinity(0))
        if workers < 2 or len(todo) * len(self.inspectors) < PARALLEL_PAIRS:
            results: Iterable = (_shortlist(self.tickets, self._suffixes, self._bounds, self._floor, x) for x in todo)
        else:
            size = max(1, min(500, len(todo) // (workers * 8)))
            chunks = [todo[k:k + size] for k in range(0, len(todo), size)]
            ranking = (self.tickets, self._suffixes, self._bounds, self._floor)
            results = [r for chunk in fork_map(_shortlists, chunks, workers, ranking=ranking) for r in chunk]
        for x, r in zip(todo, results):
            self._short[x] = r

    def _whole(self, target: str) -> tuple[array, int]:
        n = len(self.inspectors)
        return _shortlist(self.tickets, self._suffixes, [_KEEP_ALL] * n, _KEEP_ALL, target)

    def _entry(self, target: str) -> tuple[Sequence[int], int]:
        """x's short list without its conflicts, and how many of its first entries are exact."""
        if target not in self._short:
            self.prepare([target])
        kept, exact = self._short[target]
        banned = self._banned.get(target)
        if not banned:
            return kept, exact
        return [k for k in kept if k not in banned], exact - sum(1 for k in kept[:exact] if k in banned)

    def ranked(self, target: str) -> list[str]:
        kept, exact = self._short.get(target) or (None, 0)
        if exact < len(self.inspectors) or kept is None:
            kept, _ = self._whole(target)
        banned = self._banned.get(target) or ()
        names = self.inspectors
        return [names[k] for k in kept if k not in banned]

    def prefix(self, target: str, n: int) -> list[str]:
        """The first n of ranked(x)."""
        kept, exact = self._entry(target)
        if exact < n and self._short[target][1] < len(self.inspectors):
            return self.ranked(target)[:n]
        return [self.inspectors[k] for k in kept[:n]]

    def position(self, target: str, inspector: str) -> int:
        """Where an inspector of ranked(x) stands in it."""
        kept, exact = self._entry(target)
        k = self._index[inspector]
        head = list(kept[:exact])
        return head.index(k) if k in head else self.ranked(target).index(inspector)

    def fill(self, target: str, unit: str, taken: Iterable[str | None], loads: Mapping[str, int],
             cap: int) -> tuple[str | None, str | None]:
        """Fill one slot of `unit` from ranked(x) (spec (b)); see `_fill`."""
        kept, _ = self._entry(target)
        names, unit_of = self.inspectors, self._unit_of
        taken = set(taken)
        who, kind = _fill([names[k] for k in kept if unit_of[k] == unit], taken, loads, cap)
        if kind is None or unit not in self._partial or self._short[target][1] == len(names):
            return who, kind
        self._short[target] = self._whole(target)  # the short list ran out: rank everyone
        return self.fill(target, unit, taken, loads, cap)


def caps_for(frozen: Frozen, n_selected: int) -> dict[str, int]:
    """cap_u = ceil(S_u / M_u) + cap_slack; 0 for a unit without inspectors."""
    inp = frozen.input
    members = Counter(u for _, u in inp.inspectors)
    caps = {}
    for u, per_target in sorted(Counter(inp.slots).items()):
        m = members.get(u, 0)
        caps[u] = -((-n_selected * per_target) // m) + inp.cap_slack if m else 0
    return caps


def _fill(ranked: list[str], taken: set[str | None], loads: Mapping[str, int],
          cap: int) -> tuple[str | None, str | None]:
    """First of `ranked` (one unit's inspectors) not taken, under the cap; else first ignoring it
    ("overflow"); else "infeasible"."""
    first_over = None
    for i in ranked:
        if i in taken:
            continue
        if loads[i] < cap:
            return i, None
        if first_over is None:
            first_over = i
    return first_over, ("overflow" if first_over is not None else "infeasible")


def _log(kind: str | None, target: str, who: str | None, unit: str) -> list[LogEntry]:
    if kind == "overflow":
        return [("overflow", target, who)]
    if kind == "infeasible":
        return [("infeasible", target, unit)]
    return []


def match(frozen: Frozen, seed: bytes, selection: Selection, ranker: Ranker | None = None) -> Matching:
    """Fill every slot of every selected target, in T("order") order (spec (b))."""
    inp = frozen.input
    ranker = ranker or Ranker(frozen, seed)
    selected = selection.selected
    order = tuple(ranker.tickets.ranked("order", (), sorted(selected)))
    caps = caps_for(frozen, len(selected))
    loads = dict.fromkeys(ranker.inspectors, 0)
    assignments: dict[str, tuple[str | None, ...]] = {}
    log: list[LogEntry] = []
    if inp.slots:
        ranker.prepare(order)
    for x in order:
        on: list[str | None] = []
        for unit in inp.slots:
            who, kind = ranker.fill(x, unit, on, loads, caps[unit])
            log += _log(kind, x, who, unit)
            if who is not None:
                loads[who] += 1
            on.append(who)
        assignments[x] = tuple(on)
    return Matching(order, caps, assignments, loads, tuple(log))


def replay(frozen: Frozen, seed: bytes, matching: Matching, events: Sequence[Recusal],
           ranker: Ranker | None = None) -> Matching:
    """Apply recusal events in order: the leaver's slot goes to the next eligible in ranked(x)."""
    inp = frozen.input
    if not events:
        return matching
    ranker = ranker or Ranker(frozen, seed)
    loads = dict(matching.loads)
    assignments = dict(matching.assignments)
    recused = list(matching.recused)
    log = list(matching.log)
    for n, ev in enumerate(events):
        x, leaver = nfc(ev.target_id), nfc(ev.inspector_id)
        where = f"events[{n}]"
        if x not in assignments:
            fail("draw.event-target", f"回避事件的对象 {x!r} 不在抽中名单中",
                 f"recusal event names target {x!r}, which was not selected",
                 "只能对抽中的对象登记回避", "record recusals only for selected targets", field=where)
        on = list(assignments[x])
        if leaver not in on:
            fail("draw.event-inspector", f"检查人员 {leaver!r} 当前不在对象 {x!r} 的检查组中",
                 f"inspector {leaver!r} is not currently on target {x!r}",
                 "核对回避事件的顺序和人员编号", "check the event order and the inspector id", field=where)
        slot = on.index(leaver)
        unit = inp.slots[slot]
        recused.append((x, leaver))
        loads[leaver] -= 1
        gone = {i for t, i in recused if t == x}
        on[slot] = None
        who, kind = ranker.fill(x, unit, [*on, *gone], loads, matching.caps[unit])
        log += _log(kind, x, who, unit)
        if who is not None:
            loads[who] += 1
        on[slot] = who
        assignments[x] = tuple(on)
    return Matching(matching.order, matching.caps, assignments, loads, tuple(log), tuple(recused))


# ---------------------------------------------------------------- dates and the whole draw

def rank_dates(seed: bytes, task: str, target: str, days: Sequence[str]) -> list[str]:
    """Working days (ISO `YYYY-MM-DD`) ordered by T("date", x, day); the first is x's date."""
    days = nfc_all(days)
    for d in days:
        try:
            ok = bool(_ISO_DAY.fullmatch(d)) and datetime.date.fromisoformat(d).isoformat() == d
        except ValueError:
            ok = False
        if not ok:
            fail("draw.bad-date", f"日期 {d!r} 不是 YYYY-MM-DD 格式的有效日期",
                 f"{d!r} is not a valid YYYY-MM-DD date", field="days")
    _duplicates(days, "working day")
    return Tickets(seed, nfc(task)).ranked("date", (nfc(target),), days)


@dataclass(frozen=True)
class DrawResult:
    frozen: Frozen
    seed: bytes
    selection: Selection
    initial: Matching  # before any event
    final: Matching  # after the events
    ranker: Ranker  # ranked(x) on demand


def run(frozen: Frozen, sources: Sequence[tuple[str, str]], events: Sequence[Recusal] = ()) -> DrawResult:
    """The whole draw from a frozen input and the seed sources' values."""
    seed = seed_for(frozen.commitment, sources, frozen.input.seed_sources)
    selection = select(frozen, seed)
    ranker = Ranker(frozen, seed)
    initial = match(frozen, seed, selection, ranker)
    return DrawResult(frozen, seed, selection, initial, replay(frozen, seed, initial, events, ranker), ranker)
