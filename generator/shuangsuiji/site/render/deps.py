"""Which company pages (一户一档), task pages and results pages a change can reach, so that a
rebuild makes only those again.

A city has ≈ 50,000 company pages; making each one's context only to find its cache key
unchanged costs more than the rest of a rebuild's rendering. A company page shows its
target's public record, the tasks that drew it (title, department, kind, date, the inspectors
assigned to it), its results and withdrawals, the names of its region, industry and
departments, the feeds that exist for it and the revisions of its record. So a change of
- a target file reaches the companies it holds, before and after;
- a task, draw or results file reaches the companies that task drew or has results or
  withdrawals for, before and after;
- an annual plan, item list, matters, rules, liaison, README or schema file reaches none;
- anything else (config, regions, departments, inspectors, approvals, a department's config,
  an unknown file), the templates, the shell, the code, the site's address or the number of
  hex digits naming the API shards (`opendata.shard_digits`) reaches all.
With git history, a file that commits since the last build touched counts as changed even if
its bytes came back to what they were (its records' revisions grew). `CompanyPages` is what
the last successful build recorded; the pages of the other companies are linked from the page
cache under the keys it recorded, without their contexts being made.

A task's page and its results page (500 each in a city, a results page lists a hundred rows)
show the task's own files, the names of the companies it names, and the names of items, plans,
inspectors, departments and regions, and link the department, region and site feeds that exist.
So a task, results or draw file reaches its own task; a target file reaches the tasks that name
a company it holds, before or after; a readme or schema none; anything else all, as does a
change of the feeds that exist (`task_stamp`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

from shuangsuiji.core.yamlio import atomic_write_bytes
from shuangsuiji.registry.layout import ignored, match

STATE = "companies.json"  # in the page cache folder
_TASK_KINDS = frozenset({"task", "results"})
_TARGET_KINDS = frozenset({"targets", "dept-targets"})
_NO_COMPANY_KINDS = frozenset({"plan", "items", "matters", "rules", "liaison", "readme", "schema"})


@dataclass
class CompanyPages:
    stamp: str  # what every company page depends on at once (templates, shell, code, address …)
    files: dict[str, str]  # registry file → content address
    head: str | None  # the last commit that touched the registry
    held: dict[str, list[str]]  # target file → the companies with a page it holds (a city's file holds thousands more)
    tasks: dict[str, list[str]]  # task id → companies it drew or has results or withdrawals for
    pages: dict[str, list[str]] = field(default_factory=dict)  # company → [page path, page cache key]
    task_stamp: str = ""  # what every task and results page depends on besides `stamp` (the feeds that exist)
    records: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # "task"/"result" → task → [path, key]

    @classmethod
    def load(cls, folder: Path) -> "CompanyPages | None":
        try:
            return cls(**json.loads((folder / STATE).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def save(self, folder: Path) -> None:
        """Not `asdict`: it deep-copies every list (seconds for a city's 50,000 pages)."""
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        atomic_write_bytes(folder / STATE, json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def reached(before: CompanyPages | None, now: CompanyPages, touched: set[str] | None) -> set[str] | None:
    """The companies whose page a change since `before` can reach; None when it may reach all.
    `touched`: the registry files commits since `before.head` touched (None: unknown)."""
    changed = _changed(before, now, touched)
    split = _split(changed, _NO_COMPANY_KINDS) if changed is not None else None
    if split is None:
        return None
    tasks, directories = split
    named = {c for t in tasks for c in (*before.tasks.get(t, ()), *now.tasks.get(t, ()))}
    return _held(before, now, directories) | named


_NO_RECORD_KINDS = frozenset({"readme", "schema"})  # no public record is made of them


def _changed(before: CompanyPages | None, now: CompanyPages, touched: set[str] | None) -> set[str] | None:
    """The registry files changed or touched by commits since `before`; None: unknown, or every page changed."""
    if before is None or before.stamp != now.stamp or (touched is None and before.head != now.head):
        return None
    changed = {rel for rel in before.files.keys() | now.files.keys() if before.files.get(rel) != now.files.get(rel)}
    return changed | {rel for rel in touched or () if not ignored(rel)}


def reached_tasks(before: CompanyPages | None, now: CompanyPages, touched: set[str] | None) -> set[str] | None:
    """The tasks whose task and results pages a change since `before` can reach; None when it may reach all."""
    changed = _changed(before, now, touched)
    same = changed is not None and before.task_stamp == now.task_stamp
    split = _split(changed, _NO_RECORD_KINDS) if same else None
    if split is None:
        return None
    tasks, directories = split
    companies = _held(before, now, directories)
    return tasks | {t for state in (before, now) for t, named in state.tasks.items()
                    if not companies.isdisjoint(named)}


def _split(changed: set[str], unseen: frozenset[str]) -> tuple[set[str], set[str]] | None:
    """Changed files as (the tasks whose task, results or draw files they are, the directory files
    among them), files of the kinds `unseen` left out; None when another kind changed."""
    tasks: set[str] = set()
    directories: set[str] = set()
    for rel in changed:
        rf = match(rel)
        kind = rf.kind.name if rf is not None else None
        if kind in unseen:
            continue
        if kind in _TARGET_KINDS:
            directories.add(rel)
            continue
        task = _task_of(rf)
        if task is None:
            return None
        tasks.add(task)
    return tasks, directories


def _held(before: CompanyPages, now: CompanyPages, directories: set[str]) -> set[str]:
    """The companies with a page the directory files hold, before or after."""
    return {c for rel in directories for c in (*before.held.get(rel, ()), *now.held.get(rel, ()))}


def load_state(cls: type, path: Path, stamp: str):
    """The `cls` a stage kept at `path` for the next build, if kept under `stamp`; else None."""
    try:
        state = cls(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return state if state.stamp == stamp else None


@dataclass(frozen=True)
class Sources:
    """What a build's public records are made of: the registry files (file → content address, as
    `source_keys` gives them) and the code (its digest). Stages that keep what they made for the
    next build compare these with the last build's."""

    files: dict[str, str]
    code: str


def changed_tasks(before: dict[str, str] | None, now: dict[str, str]) -> set[str] | None:
    """The tasks whose task, results or draw files differ between two builds' registry files
    (file → content address); None when any other file public records are made of changed, or
    `before` is unknown. Outputs made of one task's records (open data, feeds) are then made
    again for these tasks only. (Public records come from the files alone, never from git.)"""
    if before is None:
        return None
    split = _split({rel for rel in before.keys() | now.keys() if before.get(rel) != now.get(rel)}, _NO_RECORD_KINDS)
    return split[0] if split is not None and not split[1] else None


def _task_of(rf) -> str | None:
    """The task a task, results or draw file belongs to (None: another kind of file)."""
    kind = rf.kind.name if rf is not None else ""
    return rf.groups.get("id") if kind in _TASK_KINDS or kind.startswith("draw-") else None
