"""The auditor's verification of a draw (spec draw.md, "Verification"), with the registry at hand.

The registry changes after a draw (targets close, inspectors leave), so the tables are
rebuilt from the registry as it was when the manifest entered git: the commit that
added `manifest.json` (or the working tree when it is not committed yet).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from shuangsuiji.draw.algorithm import freeze, run
from shuangsuiji.draw.wiring.candidates import build_tables
from shuangsuiji.draw.canon import canonical_table, sha256_hex
from shuangsuiji.draw.wiring.folder import (TABLES, build_record, draw_input, frozen_from_bytes, manifest_extra,
                                     recusals, source_dicts, source_pairs)
from shuangsuiji.draw.verifier import Check, commitment_moment, compare, invariants, source_checks, utc_text
from shuangsuiji.draw.sources import round_time
from shuangsuiji.core.errors import UserError
from shuangsuiji.registry.load import Registry
from shuangsuiji.registry.revisions import RegistryRepo


@dataclass
class Snapshots:
    """Registries as they were at given commits, loaded once each."""

    root: Path
    repo: RegistryRepo | None = None
    cache: dict[str, Registry] = field(default_factory=dict)
    tmp: list[tempfile.TemporaryDirectory] = field(default_factory=list)

    @classmethod
    def open(cls, root: Path) -> "Snapshots":
        return cls(root, RegistryRepo.find(root))

    def first_commit(self, rel_file: str) -> tuple[str, datetime] | None:
        """The commit that added a registry file, and its commit time; None if not committed."""
        if self.repo is None:
            return None
        path = self.repo.path(rel_file)
        out = self.repo.repo.git.log("--diff-filter=A", "--format=%H %ct", "--", path).strip()
        if not out:
            return None
        sha, ct = out.splitlines()[-1].split()
        return sha, datetime.fromtimestamp(int(ct), timezone.utc)

    def at(self, commit: str) -> Registry:
        if commit not in self.cache:
            tmp = tempfile.TemporaryDirectory(prefix="ssj-verify-")
            self.tmp.append(tmp)
            self.cache[commit] = self.repo.registry_at(commit, Path(tmp.name))[0]  # type: ignore[union-attr]
        return self.cache[commit]

    def close(self) -> None:
        for t in self.tmp:
            t.cleanup()


def _rows_diff(name: str, recorded: bytes, rebuilt: bytes) -> list[str]:
    a = set(recorded.decode("utf-8", "replace").splitlines())
    b = set(rebuilt.decode("utf-8", "replace").splitlines())
    out = [f"{name}.tsv 多出 extra row: {r!r}" for r in sorted(a - b)[:5]]
    out += [f"{name}.tsv 缺少 missing row: {r!r}" for r in sorted(b - a)[:5]]
    return out


def chain_check(reg: Registry, task_id: str, manifest: dict) -> Check:
    """previous_commitment = C of the department's previous frozen task (by publication date, then id)."""
    if "previous_commitment" not in manifest:
        return Check("NOTE", "清单不含承诺链 / the manifest holds no commitment chain")
    dept = manifest.get("department")
    me = (manifest.get("published", ""), task_id)
    before = []
    for other, d in reg.draws.items():
        if other != task_id and isinstance(d.manifest, dict) and d.manifest.get("department") == dept:
            key = (d.manifest.get("published", ""), other)
            if key < me:
                before.append((key, d))
    expected = None
    if before:
        d = max(before, key=lambda kd: kd[0])[1]
        expected = sha256_hex((reg.root / d.dept / "draws" / d.task / "manifest.json").read_bytes())
    ok = manifest["previous_commitment"] == expected
    return Check("PASS" if ok else "FAIL", "承诺链：上一承诺值 / commitment chain: previous commitment",
                 f"recorded {manifest['previous_commitment']}" + ("" if ok else f" ≠ expected {expected}"))


def dates_note(manifest: dict, added: tuple[str, datetime] | None) -> Check:
    """What the recorded dates and the git history can and cannot prove about the order of C and the seed."""
    times = []
    for p in manifest.get("seed_plan") or []:
        if p.get("kind") == "drand-quicknet":
            times.append((round_time(p["round"]), f"drand round {p['round']} at {utc_text(round_time(p['round']))}"))
        elif p.get("date"):
            day = datetime.fromisoformat(p["date"] + "T00:00:00+08:00")
            times.append((day.timestamp(), f"{p['kind']} on {p['date']}"))
    published = commitment_moment(manifest)
    lines = [f"记录的公布时间 recorded publication: {utc_text(published.timestamp()) if published else '无 none'}"]
    lines += [f"随机源 source: {t}" for _, t in times]
    if added is None:
        lines.append("manifest.json 尚未提交到 git：没有独立的时间证据 / not committed to git: no independent time evidence")
        return Check("NOTE", "日期能证明什么 / what the dates prove", "\n          ".join(lines))
    sha, when = added
    lines.append(f"manifest.json 首次提交 first committed {utc_text(when.timestamp())} ({sha[:12]})")
    earliest = min((t for t, _ in times), default=None)
    if earliest is not None and when.timestamp() < earliest:
        lines.append("git 记录显示承诺早于随机源产生；提交时间由提交者填写，推送到公共托管平台的时间或带时间戳的公告才是更强的证据 / "
                     "git shows C before the sources; commit times are set by the committer — a public push or a "
                     "timestamped notice is stronger evidence")
        return Check("PASS", "日期能证明什么 / what the dates prove", "\n          ".join(lines))
    lines.append("承诺进入 git 的时间晚于随机源：只能证明登记的公布日期早于随机源，不能证明承诺当时确已公开"
                 "（示例数据即如此）/ C entered git after the sources: the registry only claims the publication came "
                 "first; it cannot prove C was public before the seed existed (so it is with the example data)")
    return Check("NOTE", "日期能证明什么 / what the dates prove", "\n          ".join(lines))


def audit_task(reg: Registry, task_id: str, snaps: Snapshots) -> list[Check]:
    """Every check of the spec's verification procedure for one task, as Checks."""
    d = reg.draws.get(task_id)
    folder = reg.root / (d.dept if d else "?") / "draws" / task_id
    if d is None or not (folder / "manifest.json").exists():
        return [Check("FAIL", "没有冻结的清单 manifest.json / no frozen manifest", str(folder))]
    out: list[Check] = []
    manifest_bytes = (folder / "manifest.json").read_bytes()
    tables = {n: (folder / f"{n}.tsv").read_bytes() for n in TABLES if (folder / f"{n}.tsv").exists()}
    try:
        frozen, diffs = frozen_from_bytes(manifest_bytes, tables)
    except UserError as e:
        return [Check("FAIL", "冻结文件无法读取 / frozen files unreadable", e.problems[0].zh + " / " + e.problems[0].en)]
    manifest = json.loads(manifest_bytes)
    for name in TABLES:
        out.append(Check("PASS" if sha256_hex(tables[name]) == manifest[f"{name}_sha256"] else "FAIL",
                         f"{name}.tsv 哈希与清单一致 / hashes to the manifest", f"SHA-256 {sha256_hex(tables[name])}"))
    out.append(Check("FAIL" if diffs else "PASS", "清单为规范 JSON，C = SHA-256(清单) / manifest canonical, C",
                     "\n          ".join(diffs) if diffs else f"C = {frozen.commitment}"))
    # 1. Rebuild the tables and the manifest from the registry as it was when frozen.
    added = snaps.first_commit(f"{d.dept}/draws/{task_id}/manifest.json")
    snap = snaps.at(added[0]) if added else reg
    where = f"git {added[0][:12]}" if added else "工作区 working tree"
    task = snap.tasks.get(task_id)
    if task is None:
        out.append(Check("FAIL", f"冻结时的登记册中没有该任务 / task not in the registry at {where}"))
    else:
        try:
            rebuilt = build_tables(snap, task)
            minimal = "seed_plan" not in manifest
            again = freeze(draw_input(task.id, rebuilt, task, manifest_extra(task, manifest.get("previous_commitment"), minimal)))
            for name, rows in zip(TABLES, (again.input.candidates, again.input.inspectors, again.input.conflicts)):
                data = canonical_table(rows, name)
                same = data == tables[name]
                out.append(Check("PASS" if same else "FAIL",
                                 f"由登记册（{where}）重建 {name}.tsv / rebuilt from the registry",
                                 f"SHA-256 {sha256_hex(data)}" if same else "\n          ".join(
                                     _rows_diff(name, tables[name], data))))
            out.append(compare(f"由登记册重建清单 / manifest rebuilt from the registry ({where})", manifest,
                               dict(again.manifest), f"C = {again.commitment}", path="manifest"))
        except UserError as e:
            out.append(Check("FAIL", f"无法由登记册重建 / cannot rebuild from the registry ({where})",
                             e.problems[0].zh + " / " + e.problems[0].en))
    out.append(chain_check(reg, task_id, manifest))
    # 2. Sources.
    archive = d.beacon if isinstance(d.beacon, dict) else None
    sources = source_checks(manifest, source_dicts(d.sources), archive)
    out += sources
    out.append(dates_note(manifest, added))
    # 3. Recompute and compare with the record; 4. invariants.
    record = d.record if isinstance(d.record, dict) else None
    if record is None:
        out.append(Check("NOTE", "尚未抽取（没有 record.json）/ not drawn yet (no record.json)"))
        return out
    if any(c.status == "FAIL" for c in sources) or d.sources is None:
        out.append(Check("FAIL", "随机源无效，无法重算 / sources invalid, cannot recompute"))
        return out
    try:
        result = run(frozen, source_pairs(d.sources), recusals(d.events))
        again_record = build_record(result, d.sources, d.ceremony, d.events, list(reg.tasks[task_id].named_inspectors)
                                    if task_id in reg.tasks else [])
    except UserError as e:
        out.append(Check("FAIL", "重算失败 / recomputation failed", e.problems[0].zh + " / " + e.problems[0].en))
        return out
    out.append(compare("种子 seed", record.get("seed"), again_record["seed"], again_record["seed"]))
    for key in sorted(set(record) | set(again_record)):
        if key != "seed":
            out.append(compare(f"记录字段 record.{key}", record.get(key), again_record.get(key), path=f"record.{key}"))
    out += invariants(record, manifest)
    conflicted = set(frozen.input.conflicts)
    bad = [(i, x) for x, people in (record.get("assignments") or {}).items()
           for i in people if (i, x) in conflicted]
    out.append(Check("FAIL" if bad else "PASS", "无回避冲突的分配 / no conflicted pair assigned", str(bad) if bad else ""))
    return out
