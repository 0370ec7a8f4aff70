"""Revision history of every record page, and the site-wide 更新日志, from git.

One `git log --name-status -z` pass lists which registry files each commit touched
(per-file `git log` costs 0.23 s a file: 40 minutes for 10,000 files). The list is cached
by commit and extended with `git log LAST..HEAD`. For each commit, the touched files are
read at the commit and at its parent (through git's persistent `cat-file --batch`), loaded
by the loader, redacted by `redact.redact`, and the public fields compared: a revision shows
only what the redaction lets through. Free-text values (remarks, notes) are never shown in
history, only that they changed: an old text was masked without the rest of the registry's
names. Computed changes are cached per commit too: a commit never changes.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import git
from pydantic import BaseModel

from shuangsuiji.registry.freetext import is_text_annotation
from shuangsuiji.registry.layout import KINDS, match
from shuangsuiji.registry.load import DrawFiles, code_digest
from shuangsuiji.registry.revisions import RegistryRepo
from shuangsuiji.privacy.redact import PublicRegistry, redact, rules_of
from shuangsuiji.core.yamlio import atomic_write_bytes, load_yaml

TZ = ZoneInfo("Asia/Shanghai")
CACHE_VERSION = 1
# Record kinds with a history, as SITE pages ask for them: kind → Chinese name.
KIND_NAMES = {"target": "检查对象", "task": "抽查任务", "results": "抽查结果", "plan": "年度计划",
              "item-list": "抽查事项清单", "item": "抽查事项"}
_FILE_KINDS = ("targets", "dept-targets", "task", "results", "plan", "items")
_HISTORY_TASK = "_history"  # a draw naming every target of a snapshot, so redact() publishes them


def _model_fields() -> tuple[dict[str, str], frozenset[str]]:
    """Field titles, and the names of free-text fields, over every record model and its parts."""
    titles: dict[str, str] = {}
    texts: set[str] = set()
    seen: set[type] = set()
    todo: list[type] = [k.model for k in KINDS if k.model is not None]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        for r in rules_of(m):
            titles.setdefault(r.name, m.model_fields[r.name].title or r.name)
            if is_text_annotation(r.annotation):  # typed free text: long, and names masked only site-wide
                texts.add(r.name)
        for info in m.model_fields.values():
            stack = [info.annotation]
            while stack:
                a = stack.pop()
                if isinstance(a, type) and issubclass(a, BaseModel):
                    todo.append(a)
                stack.extend(getattr(a, "__args__", ()))
    return titles, frozenset(texts)


TITLES, FREE_TEXT = _model_fields()


@dataclass(frozen=True)
class Change:
    field: str  # dotted path of the public field (results: "<result id>.<field>")
    title: str  # Chinese title of the field
    value: Any  # the new public value; None when removed or free text

    @property
    def text(self) -> str:
        if self.field.rsplit(".", 1)[-1] in FREE_TEXT:
            return f"{self.title}（已修改）"
        v = self.value
        if isinstance(v, dict) and "notice" in v:
            v = v["notice"]
        elif isinstance(v, list):
            v = "、".join(str(x.get("notice", x) if isinstance(x, dict) else x) for x in v)
        return f"{self.title}：{'—' if v in (None, '') else v}"


@dataclass(frozen=True)
class Revision:
    date: str  # YYYY-MM-DD, Asia/Shanghai
    kind: str  # target | task | results | plan | item-list | item
    id: str
    action: str  # 新增 | 修改 | 删除
    changes: tuple[Change, ...]
    department: str  # name of the department whose file changed ("" for the shared directory)
    commit: str  # short commit id (informational: links and ids never use it)

    @property
    def summary(self) -> str:
        if self.action != "修改":
            return f"{self.action}{KIND_NAMES.get(self.kind, self.kind)}"
        return "修改 " + "；".join(c.text for c in self.changes)

    def to_json(self) -> dict:
        return {"date": self.date, "kind": self.kind, "id": self.id, "action": self.action, "summary": self.summary,
                "changes": [{"field": c.field, "title": c.title, "text": c.text} for c in self.changes],
                "department": self.department, "commit": self.commit}


@dataclass(frozen=True)
class ChangelogEntry:
    date: str
    department: str
    summary: str  # what kinds of records changed, counted; never a commit message (free text)
    commit: str
    revisions: int

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class History:
    revisions: dict[tuple[str, str], list[Revision]] = field(default_factory=dict)  # newest first
    entries: list[ChangelogEntry] = field(default_factory=list)  # newest first
    head: str | None = None
    computed: int = 0  # commits whose changes were computed in this run (the rest came from the cache)

    def for_record(self, kind: str, id: str) -> list[Revision]:
        return self.revisions.get((kind, id), [])

    def changelog(self, limit: int | None = None) -> list[ChangelogEntry]:
        return self.entries[:limit] if limit is not None else list(self.entries)


# --- one git log pass -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Commit:
    sha: str
    time: int  # committer time, Unix seconds
    files: tuple[tuple[str, str], ...]  # (status A/M/D/T, path)


def _parse_log(out: str) -> list[_Commit]:
    """`git log --name-status -z --format=%x1e%H %ct`: records split by RS; in each, the header
    and then status, path, status, path, … split by NUL (a newline ends the header)."""
    commits = []
    for rec in out.split("\x1e"):
        parts = [p.strip("\n") for p in rec.split("\0")]
        if not parts[0]:
            continue
        sha, ct = parts[0].split()
        tokens = [p for p in parts[1:] if p]
        files = tuple((tokens[i][0], tokens[i + 1]) for i in range(0, len(tokens) - 1, 2))
        commits.append(_Commit(sha, int(ct), files))
    return commits


def _log(repo: git.Repo, rev: str, registry_rel: str) -> list[_Commit]:
    out = repo.git.log("--name-status", "-z", "--no-renames", "--format=%x1e%H %ct", rev, "--",
                       registry_rel or ".", strip_newline_in_stdout=False)
    return _parse_log(out)


# --- redacted snapshots -----------------------------------------------------------------------

def _snapshot(source: RegistryRepo, rev: str, files: list[str], tmp: Path) -> dict[tuple[str, str], dict]:
    """Public records of the given registry files at `rev`: (kind, id) → flattened public fields."""
    reg, _ = source.registry_at(rev, tmp / rev.replace("^", "_p"), files)
    if len(reg.targets):
        reg.draws[_HISTORY_TASK] = DrawFiles("", _HISTORY_TASK, record={"strata": {"all": {"selected": sorted(reg.targets)}}})
    return _records(redact(reg))


def _flat(v: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(v, dict) and not ("notice" in v and "withheld" in v):
        out: dict[str, Any] = {}
        for k in sorted(v):
            out.update(_flat(v[k], f"{prefix}{k}."))
        return out
    return {prefix[:-1]: v}


def _records(pub: PublicRegistry) -> dict[tuple[str, str], dict]:
    out: dict[tuple[str, str], dict] = {}
    for tid, t in pub.targets.items():
        out[("target", tid)] = _flat(t.to_json())
    for k, t in pub.tasks.items():
        out[("task", k)] = _flat(t.to_json())
    for k, rs in pub.results.items():
        out[("results", k)] = _flat({r.id: r.to_json() for r in rs})
    for w in pub.withdrawals:
        out.setdefault(("results", w.task), {})[f"{w.id}.status"] = "撤回"
    for k, p in pub.plans.items():
        out[("plan", k)] = _flat(p.to_json())
    for dept, il in pub.item_lists.items():
        doc = il.to_json()
        doc["items"] = sorted(it["id"] for it in doc["items"])
        out[("item-list", dept)] = _flat(doc)
    for k, it in pub.items.items():
        out[("item", k)] = _flat(it.to_json())
    return out


def _title(path: str) -> str:
    parts = path.split(".")
    name = TITLES.get(parts[-1], parts[-1])
    return f"{parts[0]} {name}" if len(parts) > 1 and parts[0] not in TITLES else name


def _diff(old: dict[tuple[str, str], dict], new: dict[tuple[str, str], dict]) -> list[tuple[str, str, str, list]]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if a is None:
            out.append((*key, "新增", []))
        elif b is None:
            out.append((*key, "删除", []))
        else:
            changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            out.append((*key, "修改", [[k, _title(k), None if k.rsplit(".", 1)[-1] in FREE_TEXT else b.get(k)]
                                     for k in changed]))
    return out


def _commit_changes(source: RegistryRepo, c: _Commit, tmp: Path) -> list[list]:
    """[kind, id, action, [[field, title, value], …], dept id] for one commit (cacheable: JSON)."""
    prefix = source.path("")
    by_dept: dict[str, list[tuple[str, str, str]]] = {}
    for status, path in c.files:
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix):]
        rf = match(rel)
        if rf is None or rf.kind.name not in _FILE_KINDS:
            continue
        by_dept.setdefault(rf.dept or "", []).append((status, path, rel))
    out = []
    for dept in sorted(by_dept):
        files = by_dept[dept]
        old = _snapshot(source, f"{c.sha}^", [r for s, _, r in files if s != "A"], tmp)
        new = _snapshot(source, c.sha, [r for s, _, r in files if s != "D"], tmp)
        out.extend([*d, dept] for d in _diff(old, new))
    return out


# --- collect ----------------------------------------------------------------------------------

def _dept_names(repo_root: Path, registry_rel: str) -> dict[str, str]:
    path = repo_root / registry_rel / "departments.yaml"
    try:
        doc = load_yaml(path, "departments.yaml")
        return {d["id"]: d["name"] for d in doc.get("departments", []) if isinstance(d, dict) and "id" in d}
    except Exception:  # no or broken departments file: ids are shown instead of names
        return {}


def _atomic_json(path: Path, doc: Any) -> None:
    atomic_write_bytes(path, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _cache_version() -> str:
    """The cached diffs are redacted values: they hold only for the same models and redaction code."""
    code = code_digest('registry/models/*.py', 'privacy/redact.py', 'registry/freetext.py', 'registry/load.py')
    return f"{CACHE_VERSION}:{code.hex()}"


def _load_cache(path: Path, registry_rel: str) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("version") == _cache_version() and doc.get("registry") == registry_rel:
            return doc
    except (OSError, ValueError):
        pass
    return {"version": _cache_version(), "registry": registry_rel, "head": None, "commits": [], "changes": {}}


def registry_head(repo_root: Path, registry_rel: str) -> str | None:
    """The last commit that touched the registry: what the history pages show depends on no later one."""
    try:
        return git.Repo(repo_root).git.log("-1", "--format=%H", "HEAD", "--", registry_rel or ".").strip() or None
    except git.GitCommandError:  # no commit yet
        return None


def touched_since(repo_root: Path, registry_rel: str, since: str | None, head: str | None) -> set[str] | None:
    """Registry files (relative to the registry) that commits after `since` up to `head` touched;
    None when that cannot be told (no `since`, or it is not an ancestor: history was rewritten)."""
    if since == head:
        return set()
    if not since or not head:
        return None
    repo = git.Repo(repo_root)
    try:
        if not repo.is_ancestor(since, head):
            return None
    except git.GitCommandError:
        return None
    prefix = registry_rel.strip("/") + "/" if registry_rel not in ("", ".") else ""
    return {path[len(prefix):] for c in _log(repo, f"{since}..{head}", registry_rel) for _, path in c.files}


def collect(repo_root: Path, registry_rel: str, cache_dir: Path) -> History:
    """The history of every record under `registry_rel` in the git repository at `repo_root`."""
    repo = git.Repo(repo_root)
    source = RegistryRepo(repo, registry_rel.strip("/") if registry_rel not in ("", ".") else "")
    try:
        head = repo.head.commit.hexsha
    except ValueError:  # no commit yet
        return History()
    cache_path = Path(cache_dir) / "history.json"
    cache = _load_cache(cache_path, registry_rel)
    last = cache["head"]
    if last == head:
        commits = [_Commit(s, t, tuple(map(tuple, f))) for s, t, f in cache["commits"]]
    elif last and repo.is_ancestor(last, head):
        old = [_Commit(s, t, tuple(map(tuple, f))) for s, t, f in cache["commits"]]
        commits = _log(repo, f"{last}..{head}", registry_rel) + old
    else:
        commits = _log(repo, head, registry_rel)
    changes: dict[str, list] = cache["changes"]
    computed = 0
    with tempfile.TemporaryDirectory(prefix="ssj-history-") as tmp:
        for c in commits:
            if c.sha not in changes:
                changes[c.sha] = _commit_changes(source, c, Path(tmp))
                computed += 1
    known = {c.sha for c in commits}
    cache.update(head=head, commits=[[c.sha, c.time, [list(f) for f in c.files]] for c in commits],
                 changes={s: v for s, v in changes.items() if s in known})
    if computed or last != head:
        _atomic_json(cache_path, cache)
    return _history(commits, cache["changes"], _dept_names(Path(repo_root), registry_rel), head, computed)


def _history(commits: Iterable[_Commit], changes: dict[str, list], names: dict[str, str], head: str,
             computed: int) -> History:
    h = History(head=head, computed=computed)
    for c in sorted(commits, key=lambda c: (c.time, c.sha), reverse=True):
        rows = changes.get(c.sha) or []
        if not rows:
            continue
        day = datetime.fromtimestamp(c.time, TZ).date().isoformat()
        counts: dict[tuple[str, str], int] = {}
        depts: list[str] = []
        for kind, rid, action, fields, dept in rows:
            who = names.get(dept, dept) if dept else "检查对象名录库"
            rev = Revision(day, kind, rid, action, tuple(Change(*f) for f in fields), who, c.sha[:10])
            h.revisions.setdefault((kind, rid), []).append(rev)
            counts[(action, kind)] = counts.get((action, kind), 0) + 1
            if who not in depts:
                depts.append(who)
        summary = "；".join(f"{a}{KIND_NAMES.get(k, k)} {n} 项" for (a, k), n in sorted(counts.items()))
        h.entries.append(ChangelogEntry(day, "、".join(depts), summary, c.sha[:10], len(rows)))
    return h
