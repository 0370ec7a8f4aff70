"""Stage 4 — redact: the only way from registry records to public data.

Driven only by the visibility each field declares (`models/base.py`: public, masked,
private, withheld). `Public` records can be made only here (a module-private token
guards the constructor) and `PublicRegistry` is the only input later stages accept
(`require_public`), so no renderer, feed or export can be handed a raw record.

Only the targets that were ever drawn or inspected are redacted: a city holds a
million targets, and the others are never published.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import InitVar, dataclass, field, fields, is_dataclass
from datetime import date as Day
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping

from pydantic import BaseModel

from shuangsuiji.analysis import stats
from shuangsuiji.analysis.credit import credit_events
from shuangsuiji.draw.canon import canonical_json, sha256_hex
from shuangsuiji.registry.freetext import (MASKERS, OFFICE_CONTACTS, NameIndex, PublicContacts, is_scanned, mask_text, name_index,
                                  public_contacts)
from shuangsuiji.core.unitmemo import UnitMemo
from shuangsuiji.core.workers import Background
from shuangsuiji.registry.load import Units
from shuangsuiji.registry.models.base import PUBLISHED_STATUSES, Visibility
from shuangsuiji.analysis.warning import DIMS, early_warnings

_TOKEN = object()  # only this module holds it: nothing else can make a Public or a PublicRegistry


class Withheld:
    """A value the law keeps from the public, shown as a notice with its reason category."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        object.__setattr__(self, "reason", reason)

    def __setattr__(self, name, value):
        raise AttributeError("Withheld is immutable")

    def __str__(self) -> str:
        return f"依法不予公开：涉及{self.reason}"

    def __repr__(self) -> str:
        return f"Withheld({self.reason!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Withheld) and other.reason == self.reason

    def __hash__(self) -> int:
        return hash(("Withheld", self.reason))

    def __reduce__(self):
        return Withheld, (self.reason,)

    def to_json(self) -> dict[str, str]:
        return {"withheld": self.reason, "notice": str(self)}


_JSON_LEAVES = frozenset({str, int, float, bool, type(None)})


def _json(v: Any) -> Any:
    if type(v) in _JSON_LEAVES:  # most values: skip the isinstance checks (Mapping is an ABC, slow to ask)
        return v
    if isinstance(v, (Public, Withheld)):
        return v.to_json()
    if isinstance(v, tuple | list):
        return [_json(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _json(x) for k, x in v.items()}
    if isinstance(v, Day):
        return v.isoformat()
    if is_dataclass(v) and not isinstance(v, type):  # the aggregates (stats tables, warning tests)
        return {f.name: _json(getattr(v, f.name)) for f in fields(v)}
    return v


class Public:
    """An immutable redacted record: public values as they are, masked values masked,
    withheld values as `Withheld` notices; private fields do not exist on it."""

    __slots__ = ("_model", "_values")

    def __init__(self, token: object, model: str, values: Mapping[str, Any]):
        if token is not _TOKEN:
            raise TypeError("Public 记录只能由 shuangsuiji.privacy.redact.redact() 生成 / "
                            "Public records are made only by shuangsuiji.privacy.redact.redact()")
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_values", MappingProxyType(dict(values)))

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        if name == "kind":  # the model's name, unless the model has a field called kind
            return object.__getattribute__(self, "_model")
        raise AttributeError(f"{object.__getattribute__(self, '_model')} has no public field {name!r}")

    def __setattr__(self, name, value):
        raise AttributeError("Public records are immutable")

    def __delattr__(self, name):
        raise AttributeError("Public records are immutable")

    def __reduce__(self):  # worker processes of the renderer receive pickled records
        return _unpickle, (self._model, dict(self._values))

    def __eq__(self, other) -> bool:
        return isinstance(other, Public) and (self._model, self._values) == (other._model, other._values)

    def __hash__(self) -> int:
        return hash((self._model, tuple(self._values)))

    def __repr__(self) -> str:
        return f"Public[{self._model}]({', '.join(f'{k}={v!r}' for k, v in self._values.items())})"

    @property
    def model(self) -> str:
        """The record's model name (`Target`, `Result`, `Draw`, …)."""
        return self._model

    def fields(self) -> tuple[str, ...]:
        return tuple(self._values)

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def to_json(self) -> dict[str, Any]:
        return {k: _json(v) for k, v in self._values.items()}


def _unpickle(model: str, values: dict) -> Public:
    return Public(_TOKEN, model, values)


def _public(model: str, **values: Any) -> Public:
    return Public(_TOKEN, model, values)


def require_public(x: Any) -> "PublicRegistry":
    """Entry-point guard of every later stage: refuse anything but a PublicRegistry."""
    if not isinstance(x, PublicRegistry):
        raise TypeError(f"需要 redact() 生成的 PublicRegistry，得到 {type(x).__name__} / "
                        f"expected a PublicRegistry from redact(), got {type(x).__name__}")
    return x


# --- field rules from the declared visibility --------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    vis: Visibility
    mask: str | None
    reason: str | None
    public_for_types: tuple[str, ...]
    text: bool
    annotation: Any


_RULES: dict[type, tuple[_Rule, ...]] = {}


def rules_of(model: type[BaseModel]) -> tuple[_Rule, ...]:
    """Each field's visibility as declared in the model's JSON Schema extras (cached per model)."""
    r = _RULES.get(model)
    if r is None:
        out = []
        for name, info in model.model_fields.items():
            extra = dict(info.json_schema_extra or {})  # type: ignore[arg-type]
            if "x-visibility" not in extra:
                raise TypeError(f"{model.__name__}.{name} declares no visibility")
            out.append(_Rule(name, Visibility(extra["x-visibility"]), extra.get("x-mask"),
                             extra.get("x-withheld-reason"), tuple(extra.get("x-public-for-types") or ()),
                             is_scanned(model, name), info.annotation))
        r = _RULES[model] = tuple(out)
    return r


_SCALARS = frozenset({int, bool, float, Day, type(None)})


def approval_key(rec: BaseModel) -> str | None:
    """`result:R-1`, `target:9137…`: how an approval names the record it releases."""
    rid = rec.__dict__.get("id")
    return f"{type(rec).__name__.lower()}:{rid}" if isinstance(rid, str) else None


class _Redactor:
    """Redacts records with one registry's approvals and private names."""

    def __init__(self, released: set[tuple[str, str]], names: NameIndex, contacts: PublicContacts):
        self.released = released  # (approval key, field)
        self.names = names
        self.contacts = contacts

    def text(self, s: str, keep: frozenset[str] = frozenset()) -> str:
        return mask_text(s, self.names, keep, self.contacts)[0]

    def value(self, v: Any, text: bool, key: str | None) -> Any:
        t = type(v)
        if t is str:
            return self.text(v) if text else v
        if t in _SCALARS:
            return v
        if t is list or t is tuple:
            if not text and all(type(x) in _SCALARS or type(x) is str for x in v):
                return tuple(v)  # the common case: a list of ids or vocabulary
            return tuple(self.value(x, text, key) for x in v)
        if isinstance(v, BaseModel):
            return self.record(v, key)
        if isinstance(v, dict):
            return MappingProxyType({k: self.value(x, text, key) for k, x in sorted(v.items())})
        return v

    def record(self, rec: BaseModel, key: str | None = None) -> Public:
        key = approval_key(rec) or key
        values: dict[str, Any] = {}
        d = rec.__dict__
        for r in rules_of(type(rec)):
            v = d[r.name]
            if r.vis is Visibility.PRIVATE:
                continue
            if r.vis is Visibility.PUBLIC:
                values[r.name] = self.value(v, r.text, key)
            elif r.vis is Visibility.MASKED:
                values[r.name] = MASKERS[r.mask](v) if isinstance(v, str) else v
            elif v is None:  # withheld, but nothing to withhold
                values[r.name] = None
            elif d.get("type") in r.public_for_types or (key, r.name) in self.released:
                values[r.name] = self.value(v, r.text, key)
            else:
                values[r.name] = Withheld(r.reason or "个人隐私")
        return Public(_TOKEN, type(rec).__name__, values)


# --- draws ------------------------------------------------------------------------------------

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Manifest keys that say nothing about a target: the ratios (by stratum key) and the hashes of
# the candidates and conflicts tables (small tables can be brute-forced) are never shown.
PUBLIC_MANIFEST_KEYS = ("tag", "task", "department", "partners", "items", "mode", "published", "period",
                        "random_date", "slots", "cap_slack", "min_per_stratum", "seed_sources", "seed_plan",
                        "previous_commitment", "inspectors_sha256", "inspection_days")


def _ids(v: Any) -> tuple:
    return tuple(x if isinstance(x, str) or x is None else str(x) for x in v) if isinstance(v, list) else ()


def _str_map(v: Any) -> Mapping[str, Any]:
    if not isinstance(v, dict):
        return MappingProxyType({})
    return MappingProxyType({str(k): (_ids(x) if isinstance(x, list) else x)
                             for k, x in sorted(v.items()) if isinstance(x, (list, str, int))})


def _strata(rec: dict, salt: str) -> tuple[list[Public], list[str]]:
    """Opaque strata (label, N, r, n) and the selected targets, from either record layout:
    `ssj draw run` (a list already labelled) or `ssj draw compute` (keyed by stratum key,
    relabelled here in an order that follows neither the keys nor the classes)."""
    raw = rec.get("strata")
    if isinstance(raw, list):
        rows = sorted((s for s in raw if isinstance(s, dict)), key=lambda s: str(s.get("label")))
        return [_public("Stratum", label=str(s.get("label")), N=s.get("N"), ratio=s.get("ratio"), n=s.get("n"))
                for s in rows], []
    if not isinstance(raw, dict):
        return [], []
    keys = sorted(raw, key=lambda k: hashlib.sha256(f"{salt}\0{k}".encode()).hexdigest())
    strata, selected = [], []
    for i, k in enumerate(keys, 1):
        s = raw[k] if isinstance(raw[k], dict) else {}
        strata.append(_public("Stratum", label=f"S{i}", N=s.get("N"), ratio=s.get("ratio"), n=s.get("n")))
        selected.extend(x for x in s.get("selected", ()) if isinstance(x, str))
    return strata, selected


def public_draw(task_id: str, files, record: dict | None, rd: _Redactor) -> Public:
    """The public part of one task's draw (spec draw.md, "Private strata"), read by whitelist.

    Shown: commitment, seed, public manifest keys, seed sources and values, each stratum as
    an opaque label with N, r and n, the selected targets (not grouped by stratum),
    processing order, caps, ranked lists, initial and current assignments, the matching
    log, the event log without internal notes, the ceremony.
    Never: stratum keys, which stratum a target is in, reserves, per-target ratios, the
    record's `private` part, and no selection ticket at all: the n smallest tickets of a
    stratum lie below about r·2^256, so a selected target's ticket tells roughly its
    stratum's ratio, i.e. its risk class. Pair and order tickets carry no such signal.
    """
    rec = record if isinstance(record, dict) else {}
    current = rec.get("current") if isinstance(rec.get("current"), dict) else rec
    manifest = rec.get("manifest") if isinstance(rec.get("manifest"), dict) else (files.manifest or {})
    commitment = rec.get("commitment")
    if not isinstance(commitment, str) and isinstance(files.manifest, dict):
        # A frozen draw not run yet: its commitment is published with the task, before the seed exists.
        commitment = sha256_hex(canonical_json(files.manifest))
    strata, selected = _strata(rec, commitment if isinstance(commitment, str) else task_id)
    tickets = rec.get("tickets") if isinstance(rec.get("tickets"), dict) else {}  # only their keys: who was chosen
    assigned = current.get("assignments") if isinstance(current.get("assignments"), dict) else {}
    initial = rec.get("initial_assignments") if isinstance(rec.get("initial_assignments"), dict) else {}
    # who was drawn comes from the committed part only: events change who inspects, never who is drawn
    # (a record of `ssj draw compute` has no current part: its assignments are the draw)
    drawn = initial if "initial_assignments" in rec else assigned
    chosen = sorted(set(selected) | set(drawn) | (set(tickets) if isinstance(rec.get("strata"), list) else set()))
    log = current.get("log")
    prefix = rec.get("ranked_prefix")
    return _public(
        "Draw",
        tag="ssj-draw/1",
        task=task_id,
        department=files.dept,
        commitment=commitment if isinstance(commitment, str) and _HEX64.match(commitment) else None,
        seed=rec.get("seed") if isinstance(rec.get("seed"), str) and _HEX64.match(rec["seed"]) else None,
        manifest=MappingProxyType({k: manifest[k] for k in PUBLIC_MANIFEST_KEYS if k in manifest}),
        strata=tuple(strata),
        selected=tuple(_public("DrawnTarget", target=t) for t in chosen),
        order=_ids(rec.get("order")),
        caps=_str_map(rec.get("caps")),
        inspector_units=_str_map(rec.get("inspector_units")),
        named_inspectors=_ids(rec.get("named_inspectors")),
        ranked=_str_map(rec.get("ranked")),
        ranked_prefix=prefix if type(prefix) is int else None,
        initial_assignments=_str_map(initial),
        initial_log=tuple(_ids(e) for e in rec.get("initial_log", ()) if isinstance(e, list))
        if isinstance(rec.get("initial_log"), list) else (),
        assignments=_str_map(assigned),
        dates=_str_map(rec.get("dates")),
        log=tuple(_ids(e) for e in log if isinstance(e, list)) if isinstance(log, list) else (),
        sources=rd.record(files.sources) if files.sources is not None else None,
        events=tuple(rd.record(e) for e in files.events.events) if files.events is not None else (),
        ceremony=rd.record(files.ceremony) if files.ceremony is not None else None,
    )


def drawn_target_ids(draw: Public) -> tuple[str, ...]:
    return tuple(s.target for s in draw.selected)


# --- the public registry -----------------------------------------------------------------------

def _ro(d: dict) -> Mapping:
    return MappingProxyType(dict(sorted(d.items())))


@dataclass(frozen=True)
class PublicRegistry:
    """Everything the world may see, redacted; the only input of render, index, feeds, exports."""

    token: InitVar[object]
    config: Public
    regions: Mapping[str, Public]
    departments: Mapping[str, Public]
    dept_configs: Mapping[str, Public]
    item_lists: Mapping[str, Public]  # published lists only
    items: Mapping[str, Public]  # items of published lists
    item_dept: Mapping[str, str]
    matters: Mapping[str, Public]
    rules: Mapping[str, str]
    inspectors: Mapping[str, Public]
    inspector_dept: Mapping[str, str]
    liaisons: Mapping[str, Public]
    plans: Mapping[str, Public]
    tasks: Mapping[str, Public]
    task_dept: Mapping[str, str]
    results: Mapping[str, tuple[Public, ...]]  # by task id: 已公示 and 更正 only
    withdrawals: tuple[Public, ...]  # one notice per withdrawn result, never its content
    targets: Mapping[str, Public]  # only targets ever drawn or inspected
    draws: Mapping[str, Public]  # by task id
    credit_events: tuple[Public, ...]
    approvals: tuple[Public, ...]
    stats: stats.PublicStats  # aggregates of published results, never by credit class
    warnings: tuple  # warning.Test per region/industry tested (counts and test statistics only)
    _by_target: Mapping[str, tuple[Public, ...]] = field(repr=False, default_factory=lambda: MappingProxyType({}))
    _masking: str = ""  # digest of what free text was masked with (names, public contacts, approvals)
    _unit_strings: tuple = field(repr=False, default=())  # `public_strings` of targets, results, withdrawals, draws

    def __post_init__(self, token: object):
        if token is not _TOKEN:
            raise TypeError("PublicRegistry 只能由 redact() 生成 / PublicRegistry is made only by redact()")

    @property
    def masking(self) -> str:
        """Digest of the private names, public contacts and approvals every redacted text depends on:
        a page made under another one may read differently though its own records did not change."""
        return self._masking

    def target(self, target_id: str) -> Public | None:
        return self.targets.get(target_id)

    def results_of_target(self, target_id: str) -> tuple[Public, ...]:
        return self._by_target.get(target_id, ())

    def results_of_task(self, task_id: str) -> tuple[Public, ...]:
        return self.results.get(task_id, ())

    def all_results(self) -> Iterator[Public]:
        for task_id in self.results:
            yield from self.results[task_id]

    def dept_name(self, dept_id: str) -> str:
        d = self.departments.get(dept_id)
        return d.name if d is not None else dept_id

    def region_name(self, code: str | None) -> str:
        r = self.regions.get(code) if code else None
        return r.name if r else (code or "")

    def authority(self, dept_id: str) -> str:
        """The department's full name: the accountable body named on announcements."""
        d = self.departments.get(dept_id)
        return d.full_name if d is not None else dept_id

    def list_published_on(self, dept_id: str) -> Day | None:
        """When the department's item list reached 公布 in its review chain (only such lists are public)."""
        il = self.item_lists.get(dept_id)
        return next((s.date for s in il.review if s.step == "公布"), None) if il is not None else None

    def announcement_no(self, dept_id: str, year: int, seq: int, kind: str) -> str:
        """Official numbering: 临沂市市场监督管理局2026年度第001号抽查任务公告 (the department's full name)."""
        return f"{self.authority(dept_id)}{year}年度第{seq:03d}号{kind}"

    def to_json(self) -> dict[str, Any]:
        """All public data as one JSON-ready document (open data, the public mirror, tests)."""
        return {name: _json(getattr(self, name)) for name in self.__dataclass_fields__
                if not name.startswith("_") and name != "token"}


def released(registry) -> set[tuple[str, str]]:
    """(record, field) pairs an approval releases. A result's approval counts only from the
    department that owns the result's task; a target's from any department (targets are shared)."""
    out: set[tuple[str, str]] = set()
    if not registry.approvals:
        return out
    owner = {r.id: registry.task_dept.get(t) for t, _, r in registry.all_results()}
    for dept, f in registry.approvals.items():
        for a in f.approvals:
            kind, _, rid = a.record.partition(":")
            if kind == "result" and owner.get(rid) != dept:
                continue
            out.add((a.record, a.field))
    return out


def _withdrawn_on(result) -> Day | None:
    return next((rv.date for rv in reversed(result.revisions) if rv.action == "撤回"), None)


def registry_date(registry) -> Day | None:
    """The latest date the published results record (inspection, publication, revisions,
    listing, referral): the registry's own "today", so a build does not depend on the clock."""
    days = [d for _, _, r in registry.all_results() if r.status in PUBLISHED_STATUSES
            for d in (r.inspected_on, r.published_on, r.abnormal_listed_on, r.referred_on,
                      *(rv.date for rv in r.revisions)) if d is not None]
    return max(days, default=None)


def public_credit_events(registry) -> tuple[Public, ...]:
    """`credit.credit_events` as of `registry_date`: all their fields come from published results
    and the law (target, kind, date, recorded, ground, basis, result, task, department)."""
    as_of = registry_date(registry)
    if as_of is None:
        return ()
    return tuple(_public("CreditEvent", target=e.target, kind=e.kind, date=e.date, recorded=e.recorded,
                         ground=e.ground, basis=e.basis, result=e.result, task=e.task, department=e.dept)
                 for e in credit_events(registry, as_of))


def masking_digest(released_fields: set[tuple[str, str]], names: NameIndex, contacts: PublicContacts) -> str:
    """What every redacted text depends on besides its own record: the approvals, the private names
    and the public contacts (`PublicRegistry.masking`; with the code, the context of a redaction memo)."""
    return hashlib.sha256(repr((sorted(released_fields), names.digest(), contacts.domains,
                                sorted(contacts.values))).encode("utf-8")).hexdigest()


def _results_file(rd: _Redactor, task_id: str, dept: str, f) -> tuple[tuple[Public, ...], tuple[Public, ...]]:
    """One results file's published results and withdrawal notices."""
    out, withdrawals = [], []
    for r in f.results:
        if r.status in PUBLISHED_STATUSES:
            out.append(rd.record(r))
        elif r.status == "撤回" and r.published_on is not None:  # never published: nothing to withdraw publicly
            reason = next((rv.reason for rv in reversed(r.revisions) if rv.action == "撤回"), None)
            withdrawals.append(_public("Withdrawal", id=r.id, task=task_id, target=r.target, department=dept,
                                       date=_withdrawn_on(r), reason=rd.text(reason) if reason else None))
    return tuple(out), tuple(withdrawals)


def _aggregates(registry, rd: "_Redactor") -> tuple[Any, tuple, tuple[Public, ...]]:
    """The public statistics tables, early warnings and credit events: made of the whole registry
    at once, so a build makes them beside the records' redaction (`redact(jobs=2)`)."""
    facts = stats.facts(registry)  # published results only; the public tables leave out the credit class
    st = stats.compute(registry, fact_list=facts, labels=rd.text)  # names of groups are public text too
    warnings = tuple(early_warnings(facts, labels={k: rd.text(stats.label(registry, *k)) for k in {
        (dim, f.profile.key(dim)) for f in facts for dim in DIMS}}))
    return st.public(), warnings, public_credit_events(registry)


def redact(registry, draws: Mapping[str, dict] | None = None, names: NameIndex | None = None,
           memo: UnitMemo | None = None, units: Units | None = None, jobs: int = 1) -> PublicRegistry:
    """The registry's public part. `draws` (task id → draw record) overrides the record.json
    files read with the registry, so a build can pass draw results it has just computed.
    `names`: the registry's `name_index`, when the caller has it. With a `memo` (its context: the
    code and `masking_digest`) and the `units`' content addresses, the targets, results files and
    draws whose files did not change are taken from the last build's redaction. With `jobs` > 1
    the aggregates are made in a forked child meanwhile."""
    rd = _Redactor(released(registry), name_index(registry) if names is None else names, public_contacts(registry))
    with Background(jobs, _aggregates, registry, rd) as aggregating:
        return _redact(registry, rd, draws, memo, units, aggregating)


def _redact(registry, rd: "_Redactor", draws: Mapping[str, dict] | None, memo: UnitMemo | None,
            units: Units | None, aggregating: Background) -> PublicRegistry:
    rec = rd.record
    masking = masking_digest(rd.released, rd.names, rd.contacts)
    memo = memo or UnitMemo(None, "")
    units = units or Units(registry)

    def each(kind: str, records: Mapping[str, Any]) -> dict[str, Public]:
        """The records of one kind, each taken from the memo when its file did not change."""
        out = {}
        for k, v in records.items():
            o = registry.origin(kind, k)
            key = units.file(o.rel if o else None)
            out[k] = memo.get(key and f"{key}:{kind}:{k}", lambda: rec(v))
        return out

    item_lists = each("item-list", {d: il for d, il in registry.item_lists.items() if il.published_on() is not None})
    items = {it.id: it for il in item_lists.values() for it in il.items}

    results: dict[str, tuple[Public, ...]] = {}
    withdrawals: list[Public] = []
    shown_targets: set[str] = set()
    strings: list[tuple[str, ...]] = []  # of each unit's records, kept with them (the audit's exemptions)

    def unit(key: str | None, make: Callable[[], Any]) -> Any:
        """A unit's records (from the memo when its files did not change), their strings noted."""
        value = memo.get(key, make)
        strings.append(memo.get(key and f"{key}#strings", lambda: _strings_of(value)))
        return value

    for task_id, f in registry.results.items():
        dept = registry.task_dept.get(task_id, f.department)
        o = registry.origin("results", task_id)
        key = units.file(o.rel if o else None)
        out, gone = unit(key and f"{key}:{dept}", lambda: _results_file(rd, task_id, dept, f))
        withdrawals += gone
        shown_targets.update(p.target for p in (*out, *gone))
        if out:
            results[task_id] = out

    draw_records = dict(draws or {})
    public_draws: dict[str, Public] = {}
    for task_id, files in registry.draws.items():
        key = None if task_id in draw_records else units.draw(files.dept, task_id)
        public_draws[task_id] = unit(key, lambda: public_draw(task_id, files, draw_records.get(task_id, files.record), rd))
        shown_targets.update(drawn_target_ids(public_draws[task_id]))
    for t in registry.tasks.values():
        shown_targets.update(t.fixed_targets)

    targets = {tid: unit(units.target(tid), lambda: rec(registry.targets[tid]))
               for tid in shown_targets if tid in registry.targets}
    by_target: dict[str, list[Public]] = {}
    for task_id in sorted(results):
        for p in results[task_id]:
            by_target.setdefault(p.target, []).append(p)

    public_stats, warnings, credit_events = aggregating.result()
    return PublicRegistry(
        _TOKEN,
        config=rec(registry.config),
        regions=_ro(each("region", registry.regions)),
        departments=_ro(each("department", registry.departments)),
        dept_configs=_ro(each("dept-config", registry.dept_configs)),
        item_lists=_ro(item_lists),
        items=_ro(items),
        item_dept=_ro({i: registry.item_dept[i] for i in items if i in registry.item_dept}),
        matters=_ro(each("matters", registry.matters)),
        rules=_ro({k: memo.get(units.file(f"{k}/rules.md"), lambda: rd.text(v, keep=OFFICE_CONTACTS))
                   for k, v in registry.rules.items()}),
        inspectors=_ro(each("inspector", registry.inspectors)),
        inspector_dept=_ro(dict(registry.inspector_dept)),
        liaisons=_ro(each("liaison", registry.liaisons)),
        plans=_ro(each("plan", registry.plans)),
        tasks=_ro(each("task", registry.tasks)),
        task_dept=_ro(dict(registry.task_dept)),
        results=_ro(results),
        withdrawals=tuple(sorted(withdrawals, key=lambda w: (w.task, w.id))),
        targets=_ro(targets),
        draws=_ro(public_draws),
        credit_events=credit_events,
        approvals=tuple(rec(a) for d in sorted(registry.approvals) for a in registry.approvals[d].approvals),
        stats=public_stats,
        warnings=warnings,
        _by_target=_ro({k: tuple(v) for k, v in by_target.items()}),
        _masking=masking,
        _unit_strings=tuple(strings),
    )


_UNITS = frozenset({"targets", "results", "withdrawals", "draws"})  # fields whose strings redaction keeps per unit


def _walk_strings(stack: list[Any], seen: dict[str, None]) -> None:
    """Add every distinct string of the values on `stack` to `seen`, as `to_json` would give them (keys,
    values, dates, withheld notices). Walks the records themselves: `to_json` of a city makes millions of dicts."""
    while stack:
        v = stack.pop()
        if type(v) is str:
            seen[v] = None
        elif type(v) is Public:
            values = object.__getattribute__(v, "_values")
            seen.update(dict.fromkeys(values))
            stack.extend(values.values())
        elif type(v) is tuple or type(v) is list:
            stack.extend(v)
        elif type(v) is MappingProxyType or type(v) is dict:  # not typing.Mapping: its isinstance is slow
            seen.update(dict.fromkeys(map(str, v)))
            stack.extend(v.values())
        elif isinstance(v, Withheld):
            seen.update(dict.fromkeys(("withheld", "notice", v.reason, str(v))))
        elif isinstance(v, Day):
            seen[v.isoformat()] = None
        elif is_dataclass(v) and not isinstance(v, type):  # the aggregates (stats tables, warning tests)
            names = [f.name for f in fields(v)]
            seen.update(dict.fromkeys(names))
            stack.extend(getattr(v, n) for n in names)


def _strings_of(*values: Any) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    _walk_strings(list(values), seen)
    return tuple(seen)


def public_strings(pub: PublicRegistry) -> list[str]:
    """Every distinct string of the public registry, as `to_json` would give them, in a fixed order;
    the audit exempts private values that are also public. The strings of the targets, results,
    withdrawals and draws come as redaction kept them, per unit (a city's 100,000 records are not walked)."""
    names = [name for name in pub.__dataclass_fields__ if not name.startswith("_") and name != "token"]
    seen: dict[str, None] = dict.fromkeys(names)
    _walk_strings([getattr(pub, name) for name in names if name not in _UNITS], seen)
    for name in sorted(_UNITS):
        value = getattr(pub, name)
        if isinstance(value, Mapping):
            seen.update(dict.fromkeys(value))
    for part in pub._unit_strings:
        seen.update(dict.fromkeys(part))
    return list(seen)
