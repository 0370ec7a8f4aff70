"""Who may change which registry file: each department its own folder, the coordinator everything.

`departments.yaml` names each department's folder (its id) and its `owners` (forge
accounts). A change submitted as one department that touches another department's
folder, or the shared files (departments.yaml, regions.yaml, config.yaml, targets/,
schema/), is refused unless it comes from the coordinating office (市职能办,
`coordinator: true`). Who owns what is read from departments.yaml at the base revision,
so a pull request cannot make itself the coordinator. The same table generates CODEOWNERS
so the forge asks the right people to review.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shuangsuiji.core.errors import Problem, fail, problem
from shuangsuiji.registry.immutability import base_name, read_at_base, work_tree, yaml_list
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import Registry
from shuangsuiji.registry.models.department import Department
from shuangsuiji.registry.revisions import RegistryRepo

CODEOWNERS_FILES = (".github/CODEOWNERS", ".gitea/CODEOWNERS")  # GitHub globs; Gitea/Forgejo regexps
_OWNER_RE = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?|[^@\s]+@[^@\s]+\.[^@\s]+")


def coordinators(reg: Registry) -> list[Department]:
    return [d for _, d in sorted(reg.departments.items()) if d.coordinator]


def owner_of(departments: dict[str, Department], rel: str) -> Department | None:
    """The department whose folder holds rel; None for shared files (the coordinator's)."""
    head, sep, _ = rel.partition("/")
    return departments.get(head) if sep else None


def departments_at_base(reg: Registry, base: str | None) -> dict[str, Department] | None:
    """The departments as the base revision lists them (None if its departments.yaml does not load);
    the working tree's only for a registry with no departments.yaml committed yet."""
    if read_at_base(reg.root, "departments.yaml", base) is None:
        return reg.departments
    with tempfile.TemporaryDirectory() as tmp:
        old, problems = RegistryRepo.find(reg.root).registry_at(base or "HEAD", Path(tmp), ["departments.yaml"])
    return None if problems or not old.departments else old.departments


_PATH_FIX_ZH = "写成相对仓库根目录（registries/scjgj/items.yaml）、相对 registries/（scjgj/items.yaml）或绝对路径，只列出本次修改的登记册文件"
_PATH_FIX_EN = ("give a path relative to the repository root (registries/scjgj/items.yaml), to registries/ "
                "(scjgj/items.yaml), or an absolute one; list only the registry files this change touches")


def resolve_changed(given: list[str], roots: list[Path],
                    base: str | None) -> tuple[dict[Path, list[str]], list[Problem]]:
    """Each `--changed` path as a file relative to its registry root, spelt however the user spelt it.

    A path may be relative to the working directory, the repository root or a registry folder,
    or absolute; `..`, `./` and symlinks are resolved. A path outside every registry, or naming
    no file in the working tree or at the base revision (a deleted file is there), is refused."""
    out: dict[Path, list[str]] = {r: [] for r in roots}
    resolved = [(r, r.resolve()) for r in roots]
    bases = [Path.cwd(), *{t for r in roots if (t := work_tree(r))}, *roots]

    def place(q: Path) -> tuple[Path, str] | None:
        return next(((r, q.relative_to(rr).as_posix()) for r, rr in resolved if q != rr and q.is_relative_to(rr)),
                    None)

    problems = []
    for text in given:
        p = Path(text)
        where = [(q, place(q)) for q in ([p.resolve()] if p.is_absolute() else [(b / p).resolve() for b in bases])]
        # the first spelling that names a file (in the working tree, or at the base if deleted) decides
        hit = next(((q, at) for q, at in where if q.is_file() or (at and read_at_base(*at, base) is not None)), None)
        if hit and hit[1]:
            out[hit[1][0]].append(hit[1][1])
        elif not hit and any(at for _, at in where):
            problems.append(problem(
                "ownership.no-such-file", f"--changed 列出的文件在工作区和基准版本（{base_name(base)}）中都不存在",
                f"--changed names a file that exists neither in the working tree nor at the base ({base_name(base)})",
                f"检查拼写；{_PATH_FIX_ZH}", f"check the spelling; {_PATH_FIX_EN}", file=text))
        else:
            folders = "、".join(str(r) for r in roots)
            problems.append(problem(
                "ownership.outside-registry", f"--changed 列出的路径不在登记册（{folders}）中",
                f"--changed names a path outside the registry ({folders})", _PATH_FIX_ZH, _PATH_FIX_EN, file=text))
    return out, problems


def check_ownership(reg: Registry, changed: list[str], as_dept: str, base: str | None = None) -> list[Problem]:
    """Problems for each changed file (relative to the registry root) that as_dept may not change.

    Who owns which folder and who coordinates is judged by departments.yaml at the base revision."""
    departments = departments_at_base(reg, base)
    if departments is None:  # never judge who may change what by the change's own departments.yaml
        return [problem("ownership.base-unreadable", f"基准版本（{base_name(base)}）的 departments.yaml 无法读取，无法判断修改归属",
                        f"departments.yaml at the base ({base_name(base)}) does not load: ownership cannot be judged",
                        "请市职能办先修复主分支上的 departments.yaml", "have the coordinating office fix departments.yaml "
                        "on main first", file="departments.yaml")]
    me = departments.get(as_dept)
    if me is None:
        known = "、".join(sorted(departments)) or "无"
        return [problem("ownership.unknown-department", f"提交部门 “{as_dept}” 不在 departments.yaml 中",
                        f"submitting department '{as_dept}' is not in departments.yaml",
                        f"使用部门编号之一：{known}", f"use one of the department ids: {known}",
                        file="departments.yaml")]
    if me.coordinator:
        return []
    coord = "、".join(d.name for _, d in sorted(departments.items()) if d.coordinator) or "市职能办"
    out = []
    for rel in sorted(set(changed)):
        owner = owner_of(departments, rel)
        if owner is not None and owner.id == me.id:
            out.extend(_review_steps_kept(reg, rel, base, coord))
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


def _review_steps_kept(reg: Registry, rel: str, base: str | None, coord: str) -> list[Problem]:
    """A department records only its own 提交; the coordinating office's review and 公布 steps are judged at the base.

    Otherwise a department could mark its own list as reviewed and published."""
    rf = match(rel)
    if rf is None or rf.kind.name != "items" or not (reg.root / rel).is_file():
        return []
    old, new = (yaml_list(data, rel, "review") or [] if data is not None else []
                for data in (read_at_base(reg.root, rel, base), (reg.root / rel).read_bytes()))
    old, new = ([s for s in steps if not (isinstance(s, dict) and s.get("step") == "提交")] for steps in (old, new))
    if old == new:
        return []
    return [problem("ownership.review-step", f"审核、审查和公布环节只能由{coord}记录，提交部门只能记录“提交”环节",
                    "only the coordinating office records the review, legal-review and publication steps; "
                    "a department records its own submission (提交) only",
                    f"把对这些环节的修改撤出本次提交，由{coord}在审核后记录", "take the change to those steps out "
                    "of the submission; the coordinating office records them after its review",
                    file=rel, field="review")]


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
    """GitHub syntax: globs, the last matching line wins. Everything outside the registry (code, workflows,
    templates, pages) is the coordinator's first: a pull request that edits the checks themselves needs its review."""
    lines = _head("GitHub")
    everything = rules(reg)
    lines += ["# 仓库中登记册以外的文件（程序、工作流、网站模板与说明页面）：市职能办",
              f"* {' '.join(everything[0].owners)}"]
    for r in everything:
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
