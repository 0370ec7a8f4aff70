"""Who may change which registry file: each department its own folder, the coordinator everything.

`departments.yaml` names each department's folder (its id) and its `owners` (forge
accounts). A change submitted as one department that touches another department's
folder, or the shared files (departments.yaml, regions.yaml, config.yaml, targets/,
schema/), is refused unless it comes from the coordinating office (市职能办,
`coordinator: true`). The same table generates CODEOWNERS so the forge asks the right
people to review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from shuangsuiji.core.errors import Problem, fail, problem
from shuangsuiji.registry.load import Registry
from shuangsuiji.registry.models.department import Department

CODEOWNERS_FILES = (".github/CODEOWNERS", ".gitea/CODEOWNERS")  # GitHub globs; Gitea/Forgejo regexps
_OWNER_RE = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?|[^@\s]+@[^@\s]+\.[^@\s]+")


def coordinators(reg: Registry) -> list[Department]:
    return [d for _, d in sorted(reg.departments.items()) if d.coordinator]


def owner_of(reg: Registry, rel: str) -> Department | None:
    """The department whose folder holds rel; None for shared files (the coordinator's)."""
    head, sep, _ = rel.partition("/")
    return reg.departments.get(head) if sep else None


def check_ownership(reg: Registry, changed: list[str], as_dept: str) -> list[Problem]:
    """Problems for each changed file (relative to the registry root) that as_dept may not change."""
    me = reg.departments.get(as_dept)
    if me is None:
        known = "、".join(sorted(reg.departments)) or "无"
        return [problem("ownership.unknown-department", f"提交部门 “{as_dept}” 不在 departments.yaml 中",
                        f"submitting department '{as_dept}' is not in departments.yaml",
                        f"使用部门编号之一：{known}", f"use one of the department ids: {known}",
                        file="departments.yaml")]
    if me.coordinator:
        return []
    coord = "、".join(d.name for d in coordinators(reg)) or "市职能办"
    out = []
    for rel in sorted(set(changed)):
        owner = owner_of(reg, rel)
        if owner is not None and owner.id == me.id:
            continue
        if owner is None:
            zh = f"此文件是共享数据，由{coord}维护，{me.name}（{me.id}）不能修改"
            en = f"shared file, maintained by the coordinating office; {me.id} may not change it"
            fix_zh = f"把这处修改撤出本次提交，另请{coord}修改或审核合并"
            fix_en = "take this change out of the submission and ask the coordinating office to make or merge it"
        else:
            zh = f"此文件属于{owner.name}（{owner.id}），{me.name}（{me.id}）不能修改"
            en = f"file belongs to department {owner.id}; {me.id} may not change it"
            fix_zh = f"把这处修改撤出本次提交，请{owner.name}自行提交，或由{coord}审核合并"
            fix_en = f"take this change out of the submission; ask {owner.id} to submit it, or the coordinating office"
        out.append(problem("ownership.not-owner", zh, en, fix_zh, fix_en, file=rel))
    return out


# --- CODEOWNERS ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    folder: str | None  # department folder, None for the shared files
    owners: tuple[str, ...]
    comment: str


def _owners(d: Department) -> tuple[str, ...]:
    for o in d.owners:
        if not _OWNER_RE.fullmatch(o):
            fail("codeowners.bad-owner", f"{d.name}（{d.id}）的维护人账号 “{o}” 格式不对",
                 f"owner '{o}' of department {d.id} is not @user, @org/team or an e-mail address",
                 "写成 @账号、@组织/团队 或电子邮箱", "write @user, @org/team or an e-mail address",
                 file="departments.yaml")
    return tuple(o for o in d.owners)


def rules(reg: Registry) -> list[Rule]:
    """Shared files → the coordinator's owners; each department folder → its owners (coordinator's if none)."""
    coords = coordinators(reg)
    coord_owners = tuple(sorted({o for d in coords for o in _owners(d)}))
    if not coord_owners:
        fail("codeowners.no-coordinator", "departments.yaml 中没有填写维护人的市职能办（coordinator: true）",
             "departments.yaml names no coordinating office (coordinator: true) with owners",
             "为市职能办填写 owners", "give the coordinating office its owners", file="departments.yaml")
    out = [Rule(None, coord_owners, "共享文件（部门名单、区划、全局配置、公共名录库、schema）：市职能办")]
    for dept_id, d in sorted(reg.departments.items()):
        owners = _owners(d)
        note = "" if owners else "；未填写维护人，由市职能办审核"
        out.append(Rule(dept_id, owners or coord_owners, f"{d.name}{note}"))
    return out


def codeowners_github(reg: Registry, prefix: str) -> str:
    """GitHub syntax: globs, the last matching line wins."""
    lines = _head("GitHub")
    for r in rules(reg):
        lines.append(f"# {r.comment}")
        path = f"/{prefix}{r.folder}/" if r.folder else f"/{prefix}"
        lines.append(f"{path} {' '.join(r.owners)}")
        if r.folder is None:
            lines.append(f"/{prefix}schema/ {' '.join(r.owners)}")
    return "\n".join(lines) + "\n"


def codeowners_gitea(reg: Registry, prefix: str) -> str:
    """Gitea/Forgejo syntax: Go regular expressions, every matching line adds owners."""
    lines = _head("Gitea/Forgejo")
    p = re.escape(prefix)
    for r in rules(reg):
        lines.append(f"# {r.comment}")
        if r.folder is None:
            lines.append(f"{p}[^/]+ {' '.join(r.owners)}")
            lines.append(f"{p}(targets|schema)/.* {' '.join(r.owners)}")
        else:
            lines.append(f"{p}{re.escape(r.folder)}/.* {' '.join(r.owners)}")
    return "\n".join(lines) + "\n"


def _head(forge: str) -> list[str]:
    return [f"# 由 ssj codeowners 根据 departments.yaml 生成（{forge} 格式），请勿手工修改。",
            f"# Generated by `ssj codeowners` from departments.yaml ({forge} syntax); do not edit.", ""]


def codeowners(reg: Registry, repo_root: Path) -> dict[str, str]:
    """Each CODEOWNERS file (relative to the repository root) and its generated text."""
    rel = reg.root.resolve().relative_to(repo_root.resolve()).as_posix()
    prefix = "" if rel == "." else rel + "/"
    return {CODEOWNERS_FILES[0]: codeowners_github(reg, prefix), CODEOWNERS_FILES[1]: codeowners_gitea(reg, prefix)}
