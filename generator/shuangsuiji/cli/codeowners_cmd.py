"""`ssj codeowners`: CODEOWNERS files generated from departments.yaml, so reviews follow ownership."""

from __future__ import annotations

import sys
from pathlib import Path

from shuangsuiji.core.errors import UserError, fail
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import Registry, read_file
from shuangsuiji.registry.ownership import codeowners
from shuangsuiji.core.yamlio import atomic_write_text


def register(sub):
    p = sub.add_parser("codeowners",
                       description="生成 .github/CODEOWNERS（GitHub）和 .gitea/CODEOWNERS（Gitea/Forgejo）。 / "
                                   "Generate the CODEOWNERS files of GitHub and Gitea/Forgejo.")
    p.add_argument("--registry", default="registries", type=Path, metavar="DIR",
                   help="登记册目录（默认 registries）/ registry folder")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="写入文件 / write the files")
    mode.add_argument("--check", action="store_true",
                      help="文件与生成结果不一致时退出 1 / exit 1 if the committed files differ")
    p.set_defaults(func=run)


def repo_root(start: Path) -> Path:
    """The git work tree holding start (CODEOWNERS paths are relative to it)."""
    from shuangsuiji.registry.immutability import work_tree

    top = work_tree(start)
    if top is not None:
        return top
    fail("codeowners.no-repo", f"{start} 不在 git 仓库中", f"{start} is not inside a git repository",
         "在登记册所在的仓库中运行", "run it inside the registry's repository")


def departments_only(root: Path) -> Registry:
    """A registry holding only the departments: CODEOWNERS needs nothing else, and targets are big."""
    rf = match("departments.yaml")
    if not (root / rf.rel).is_file():
        fail("usage.no-registry", f"不是登记册目录（缺少 departments.yaml）：{root}",
             f"not a registry folder (no departments.yaml): {root}", "用 --registry 指定登记册目录",
             "name the registry folder with --registry")
    res = read_file(root, rf)
    if res.problems:
        raise UserError(*res.problems)
    return Registry(root=root, departments={d.id: d for d in res.record.departments})


def run(args) -> int:
    reg = departments_only(args.registry)
    top = repo_root(args.registry)
    files = codeowners(reg, top)
    if args.write:
        for rel, text in files.items():
            atomic_write_text(top / rel, text)
            print(f"已写入 / written: {top / rel}")
        return 0
    if args.check:
        stale = [rel for rel, text in files.items()
                 if not (top / rel).is_file() or (top / rel).read_text(encoding="utf-8") != text]
        for rel in stale:
            sys.stderr.write(f"{rel}: 与 departments.yaml 不一致，请运行 ssj codeowners --write 并提交 / "
                             f"out of date with departments.yaml: run ssj codeowners --write and commit\n")
        return 1 if stale else 0
    for rel, text in files.items():
        sys.stdout.write(f"==> {rel} <==\n{text}\n")
    return 0
