"""Checks of a draw that need nothing but the standard library (and py_ecc for the BLS check).

`public_checks(record)` is the citizen's verifier: it takes the published record alone
(no registry) and re-runs everything that can be re-run from it, and says plainly what
it cannot check. `source_checks` is shared with the auditor's verifier and `ssj draw run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, date as Day
from typing import Any, Iterable

from shuangsuiji.draw.algorithm import (DrawInput, Matching, Ranker, Recusal, Tickets, freeze, match, rank_dates,
                                        replay, sample_size, seed_for, select)
from shuangsuiji.draw.canon import canonical_table, parse_ratio, sha256_hex
from shuangsuiji.draw.sources import check_drand_value, round_time
from shuangsuiji.core.errors import UserError, plural

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
# Manifest keys the record publishes: not the ratios (keyed by private stratum keys) nor the
# hashes of the candidates and conflicts tables (a small table could be guessed and checked).
PRIVATE_MANIFEST_KEYS = ("ratios", "candidates_sha256", "conflicts_sha256")
RANKED_WHOLE_PAIRS = 1_000_000  # up to this many (selected target, inspector) pairs a record lists ranked(x) whole
RANKED_MARGIN = 8  # a published prefix of ranked(x) holds at least len(slots) + this many inspectors


def record_ranked(initial: Matching, ranker: Ranker, n_slots: int) -> tuple[dict[str, list[str]], int | None]:
    """ranked(x) as the draw record publishes it, and the prefix margin (None: whole lists).

    Whole lists of 50,000 targets × 3,000 inspectors would take 1.5 GB. A larger draw publishes
    the start of ranked(x): through the last inspector the initial matching gave x, and at least
    len(slots) + RANKED_MARGIN entries; the whole list for a target with an overflow or infeasible
    entry (its whole order was read). The rest is recomputable by anyone from the seed and
    `inspector_units`; the interchange output (`ssj draw compute`) always lists ranked(x) whole.
    """
    if len(initial.order) * len(ranker.inspectors) <= RANKED_WHOLE_PAIRS:
        return {x: ranker.ranked(x) for x in initial.order}, None
    read_whole = {e[1] for e in initial.log}
    out = {}
    for x in initial.order:
        if x in read_whole:
            out[x] = ranker.ranked(x)
            continue
        n = max([n_slots + RANKED_MARGIN] + [ranker.position(x, i) + 1 for i in initial.assignments[x] if i])
        out[x] = ranker.prefix(x, n)
    return out, RANKED_MARGIN


def prefix_conflicts(ranker: Ranker, ranked: dict[str, list[str]],
                     teams: dict[str, list[str | None]]) -> tuple[list[tuple[str, str]], int]:
    """The conflicts published prefixes show, and how many current inspectors stand beyond their prefix.

    `ranker` knows no conflicts. Whoever ranks before a prefix's last entry but is left out of it is
    in conflict. A replacement (递补) may stand beyond the prefix: whoever it passed over there is taken
    as in conflict too, since the public cannot tell a conflict from a full load there (the auditor can).
    """
    out, beyond = [], 0
    for x, prefix in sorted(ranked.items()):
        shown = set(prefix)
        team = [i for i in teams.get(x) or [] if i in ranker.units]
        later = [i for i in team if i not in shown]
        ends = [i for i in [*prefix[-1:], *later] if i in ranker.units]
        if not ends:
            continue  # nothing to infer; the comparison of ranked(x) names any difference
        beyond += len(later)
        reach = max(ranker.position(x, i) for i in ends)
        out += [(i, x) for i in ranker.prefix(x, reach + 1) if i not in shown and i not in team]
    return out, beyond


@dataclass(frozen=True)
class Check:
    """One verification step: PASS, FAIL, or NOTE (what the data cannot prove), with details."""

    status: str
    what: str  # "中文 / English"
    detail: str = ""

    def line(self) -> str:
        return f"  {self.status:<4}  {self.what}" + (f"\n          {self.detail}" if self.detail else "")


def utc_text(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def commitment_moment(manifest: dict) -> datetime | None:
    """Latest moment the manifest says C was public: `published_at`, else the end of `published` (Beijing)."""
    if manifest.get("published_at"):
        return datetime.fromisoformat(manifest["published_at"])
    if manifest.get("published"):
        return datetime.combine(Day.fromisoformat(manifest["published"]) + timedelta(days=1), time(0), CHINA)
    return None


def source_checks(manifest: dict, sources: list[dict], archive: dict | None = None,
                  need_archive: bool = True) -> list[Check]:
    """Every declared source present, as planned in `seed_plan`; drand signatures checked offline."""
    kinds = list(manifest.get("seed_sources", []))
    plan = manifest.get("seed_plan")
    got = [s.get("kind") for s in sources]
    if not sources:
        return [Check("FAIL", "随机源取值缺失 / the source values are missing")]
    if got != kinds:
        return [Check("FAIL", "随机源与清单不一致 / sources differ from the manifest", f"{got} ≠ manifest {kinds}")]
    out = []
    if plan is None:
        out.append(Check("NOTE", "清单未固定随机源计划（seed_plan）/ the manifest fixes no seed plan",
                         "无法证明随机源取值是在承诺之前指定的 / cannot prove which values were fixed before C"))
    elif len(plan) != len(kinds):
        return [Check("FAIL", "seed_plan 与 seed_sources 数量不一致 / seed_plan and seed_sources differ")]
    published = commitment_moment(manifest)
    beacons = {b.get("round"): b for b in (archive or {}).get("beacons", [])}
    for n, s in enumerate(sources):
        p = plan[n] if plan else {}
        label = f"随机源 source {n + 1} {s.get('kind')}"
        value = str(s.get("value", ""))
        if s.get("kind") == "drand-quicknet":
            rnd_text, _, rand = value.partition(":")
            if p and str(p.get("round")) != rnd_text:
                out.append(Check("FAIL", f"{label}：轮次与计划不符 / round differs from the plan",
                                 f"{rnd_text} ≠ planned {p.get('round')}"))
                continue
            try:
                genuine = bool(s.get("signature")) and check_drand_value(value, s["signature"])
            except UserError:
                genuine = False
            if not genuine:
                out.append(Check("FAIL", f"{label}：BLS 签名缺失或无效 / BLS signature missing or invalid",
                                 f"value {value}"))
                continue
            out.append(Check("PASS", f"{label}：BLS 签名有效（离线验证，quicknet 公钥）/ BLS signature valid offline",
                             f"round {rnd_text}, randomness {rand} = SHA-256(signature)"))
            if need_archive:
                b = beacons.get(int(rnd_text))
                ok = bool(b) and b.get("signature") == s["signature"] and b.get("randomness") == rand
                out.append(Check("PASS" if ok else "FAIL", f"{label}：beacon.json 存档 / archived in beacon.json"))
            t = round_time(int(rnd_text))
            if published is not None:
                ok = t > published.timestamp()
                out.append(Check("PASS" if ok else "FAIL",
                                 f"{label}：轮次时间晚于记录的承诺公布时间 / round after the recorded publication",
                                 f"round {rnd_text} produced {utc_text(t)}; commitment public by "
                                 f"{utc_text(published.timestamp())} (recorded)"))
        elif s.get("kind") == "lottery":
            draw_id = value.split(":")[0]
            if p and draw_id != p.get("draw_id"):
                out.append(Check("FAIL", f"{label}：期号与计划不符 / draw id differs from the plan",
                                 f"{draw_id} ≠ planned {p.get('draw_id')}"))
                continue
            out.append(Check("PASS", f"{label}：期号与计划一致 / draw id as planned", f"{p.get('lottery', '')} {value}"))
            out.append(Check("NOTE", f"{label}：号码须对照官方开奖公告 / compare the numbers with the official notice",
                             f"开奖日期 draw date {p.get('date')}；本工具离线 / offline, not checked here"))
        else:
            witnesses = s.get("witnesses") or []
            out.append(Check("PASS" if witnesses else "NOTE", f"{label}：公开摇号 / public dice ceremony",
                             f"{p.get('date', '')} {p.get('place', '')}; 见证人 witnesses: "
                             f"{'、'.join(witnesses) or '无 none'}; 证据 evidence: {len(s.get('evidence_sha256') or [])}"))
    return out


def diff(a: Any, b: Any, path: str = "", limit: int = 12) -> list[str]:
    """Field-by-field differences between a recorded and a recomputed value, named by path."""
    out: list[str] = []

    def walk(x, y, p):
        if len(out) >= limit:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                if k not in x:
                    out.append(f"{p}.{k}: 记录中缺少 / missing in the record")
                elif k not in y:
                    out.append(f"{p}.{k}: 重新计算中没有 / not in the recomputation")
                else:
                    walk(x[k], y[k], f"{p}.{k}" if p else str(k))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{p}[{i}]")
        elif x != y:
            out.append(f"{p}: 记录 recorded {_short(x)} ≠ 重算 recomputed {_short(y)}")

    walk(a, b, path)
    return out


def _short(v: Any) -> str:
    text = str(v)
    return text if len(text) <= 120 else text[:117] + "…"


def compare(what: str, recorded: Any, recomputed: Any, detail: str = "", path: str = "") -> Check:
    d = diff(recorded, recomputed, path)
    return Check("FAIL" if d else "PASS", what, "\n          ".join(d) if d else detail)


def _public_shape(record: dict) -> dict:
    """The draw as the site publishes it (`/api/tasks/<id>.json` → draw) in the record's own shape:
    sources as a list, the selected targets as ids (the site publishes no selection tickets)."""
    r = dict(record)
    if isinstance(r.get("sources"), dict):
        r["sources"] = r["sources"].get("sources") or []
    chosen = r.get("selected")
    if chosen is None:
        chosen = list(r.get("tickets") or {})
    r["selected"] = sorted(x["target"] if isinstance(x, dict) else x for x in chosen)
    return r


def public_checks(record: dict) -> list[Check]:
    """Re-run what the published record allows: seed, tickets (when published), counts, order, caps,
    matching, events."""
    record = _public_shape(record)
    out: list[Check] = []
    manifest = record.get("manifest") or {}
    task, commitment = record.get("task"), record.get("commitment")
    out.append(Check("NOTE", "承诺值 C 取自公开记录，无法由公众重算 / C is taken from the record; the public "
                     "cannot recompute it", "比例、候选名单和回避名单不公开；审计方持登记册可重算 / ratios, candidates "
                     "and conflicts are private; an auditor with the registry can"))
    out += source_checks(manifest, record.get("sources") or [], need_archive=False)
    sources = [(s["kind"], s["value"]) for s in record.get("sources") or []]
    seed = seed_for(commitment, sources, manifest.get("seed_sources"))
    out.append(compare("种子 seed = SHA-256(ENC(tag, C, 随机源…))", record.get("seed"), seed.hex(), seed.hex()))
    tickets = Tickets(seed, task)
    selected = record["selected"]
    if isinstance(record.get("tickets"), dict):
        mine = {x: tickets.one("target", x).hex() for x in selected}
        out.append(compare(f"抽中对象的签号 tickets of the {len(selected)} selected targets", record.get("tickets"),
                           mine, path="tickets"))
    else:
        out.append(Check("NOTE", "抽中对象的签号不公开 / selection tickets are not published",
                         "签号大小会透露所在层的比例（即信用风险分类）；审计方核对 / a ticket's size hints at its "
                         "stratum's ratio (the risk class); the auditor checks them"))
    strata = record.get("strata") or []
    min_n = manifest.get("min_per_stratum", 1)
    sizes = [{"label": s["label"], "n": sample_size(s["N"], parse_ratio(s["ratio"]), min_n)} for s in strata]
    out.append(compare("各层抽取数 n = ceil(N·r)… / sample sizes", [{"label": s["label"], "n": s["n"]} for s in strata],
                       sizes, ", ".join(f"{s['label']}: N={s['N']} r={s['ratio']} n={s['n']}" for s in strata)))
    total = sum(s["n"] for s in strata)
    out.append(Check("PASS" if total == len(selected) else "FAIL", "抽中总数等于各层 n 之和 / selected = Σ n",
                     f"{len(selected)} selected, Σ n = {total}"))
    units = record.get("inspector_units") or {}
    table = canonical_table(sorted(units.items()), "inspectors")
    out.append(compare("执法检查人员表哈希 / inspectors table SHA-256", manifest.get("inspectors_sha256"),
                       sha256_hex(table), sha256_hex(table)))
    # Matching: conflicts are whoever ranked(x) leaves out (of a prefix: before its last entry); everything
    # else is recomputed. One Ranker serves it all: short lists of ranked(x) do not depend on the conflicts.
    ranked = record.get("ranked") or {}
    slots = manifest.get("slots", [])
    margin = record.get("ranked_prefix")
    frozen = freeze(DrawInput(task=task, candidates=[(x, "*") for x in selected], inspectors=sorted(units.items()),
                              ratios={"*": "1"}, min_per_stratum=0, slots=slots,
                              cap_slack=manifest.get("cap_slack", 1), seed_sources=manifest.get("seed_sources", [])))
    ranker = Ranker(frozen, seed)
    if margin is None:
        conflicts = [(i, x) for x in selected for i in sorted(set(units) - set(ranked.get(x, [])))]
    else:
        ranker.prepare(sorted(set(selected) & set(ranked)))
        conflicts, beyond = prefix_conflicts(ranker, ranked, record.get("assignments") or {})
    frozen = freeze(DrawInput(**{**frozen.input.__dict__, "conflicts": conflicts}))
    ranker = ranker.with_conflicts(frozen.input.conflicts)
    initial = match(frozen, seed, select(frozen, seed), ranker)  # one stratum, ratio 1: every selected target
    out.append(compare("处理顺序 order by T(\"order\")", record.get("order"), list(initial.order), path="order"))
    out.append(compare("人员负载上限 caps", record.get("caps"), dict(initial.caps), str(dict(initial.caps))))
    mine_ranked, mine_margin = record_ranked(initial, ranker, len(slots))
    out.append(compare("每户递补顺序 ranked(x) by T(\"pair\")", ranked, mine_ranked, path="ranked"))
    if mine_margin is not None or margin is not None:
        out.append(compare("ranked(x) 只公布开头 / ranked(x) published as prefixes", margin, mine_margin,
                           f"每户至少 {len(slots)}+{mine_margin} 人，直到初始分配的最后一人；其余可由种子重算；"
                           f"公布部分之后的回避冲突公众看不到，由审计方核对 / at least len(slots)+{mine_margin} per "
                           "target, through the last one initially assigned; the rest is recomputable from the "
                           "seed; conflicts beyond a prefix are invisible to the public (the auditor checks them)"))
        if beyond:
            out.append(Check("NOTE", f"{beyond} 名递补人员位于公布的开头之后 / {beyond} replacements stand beyond "
                             "the published prefix", "其前被跳过的人员按回避处理（公众无法区分回避与满额）；审计方核对 / "
                             "those passed over before them are taken as conflicts (the public cannot tell a conflict "
                             "from a full load there); the auditor checks them"))
    out.append(compare("初始分配 initial assignments", record.get("initial_assignments"),
                       {x: list(v) for x, v in initial.assignments.items()}, path="initial_assignments"))
    out.append(compare("分配记录 matching log", record.get("initial_log"), [list(e) for e in initial.log],
                       path="initial_log"))
    events = [Recusal(e["target"], e["inspector"]) for e in record.get("events") or [] if e.get("type") == "回避"]
    try:
        final = replay(frozen, seed, initial, events, ranker)
        out.append(compare(f"回避递补重放（{len(events)} 个事件）/ recusal replay", record.get("assignments"),
                           {x: list(v) for x, v in final.assignments.items()}, path="assignments"))
        out.append(compare("当前记录 current log", record.get("log"), [list(e) for e in final.log], path="log"))
    except UserError as e:
        out.append(Check("FAIL", "回避事件无法重放 / events cannot be replayed", e.problems[0].en))
    seqs = [e.get("seq") for e in record.get("events") or []]
    out.append(Check("PASS" if seqs == list(range(1, len(seqs) + 1)) else "FAIL",
                     "事件序号连续（只追加）/ event numbers consecutive (append-only)", str(seqs)))
    if manifest.get("random_date"):
        days = manifest.get("inspection_days") or []
        mine_dates = {x: rank_dates(seed, task, x, days)[0] for x in selected} if days else {}
        out.append(compare("随机检查日期 dates by T(\"date\")", record.get("dates"), mine_dates, path="dates"))
    out += invariants(record, manifest)
    out.append(Check("NOTE", "公众无法核对 / the public cannot check",
                     "分层归属与未抽中对象的签号（信用分类不公开）、候选名单是否完整、回避是否事先申报；"
                     "这些由持登记册的审计方用 ssj verify 核对 / stratum membership and unselected tickets (the credit "
                     "class is private), completeness of the candidate list, whether conflicts were declared in advance: "
                     "an auditor with the registry checks these with ssj verify"))
    return out


def invariants(record: dict, manifest: dict) -> list[Check]:
    """k distinct inspectors per target, the slot's unit, loads ≤ cap unless logged, nothing outside the lists."""
    units = record.get("inspector_units") or {}
    slots = manifest.get("slots", [])
    caps = record.get("caps") or {}
    assignments = record.get("assignments") or {}
    logged = {(e[1], e[2]) for e in record.get("log") or [] if e and e[0] == "overflow"}
    problems = []
    prefix = record.get("ranked_prefix") is not None
    loads: dict[str, int] = {}
    for x, people in sorted(assignments.items()):
        ranked = set((record.get("ranked") or {}).get(x, []))
        real = [i for i in people if i is not None]
        if len(set(real)) != len(real):
            problems.append(f"{x}: 同一人重复 / duplicate inspector")
        for slot, i in enumerate(people):
            if i is None:
                continue
            loads[i] = loads.get(i, 0) + 1
            if units.get(i) != slots[slot]:
                problems.append(f"{x}: {i} 不属于该席位单位 / not of the slot's unit {slots[slot]}")
            if i not in ranked and not (prefix and i in units):  # a replacement may stand beyond a prefix
                problems.append(f"{x}: {i} 不在 ranked(x) 中（回避或名单外）/ not in ranked(x)")
    for i, n in sorted(loads.items()):
        cap = caps.get(units.get(i, ""), 0)
        if n > cap and not any(who == i for _, who in logged):
            problems.append(f"{i}: 负载 {n} 超过上限 {cap} 且未记录 / load over cap, not logged")
    return [Check("FAIL" if problems else "PASS", "不变量：每户人员不重复、无回避冲突、负载不超上限（除已记录）/ invariants",
                  "\n          ".join(problems[:12]) if problems else f"{plural(len(assignments), 'target')}, {plural(len(loads), 'inspector')}")]


def worst(checks: Iterable[Check]) -> str:
    statuses = {c.status for c in checks}
    return "FAIL" if "FAIL" in statuses else "PASS"
