"""Validation rule (run last by `validate.validate`): a committed draw is never edited or deleted, only appended to.

Once a draw's files are on the base revision (HEAD, or `--base REV`: a pull request's base
commit, the previous main on a push), the working tree must hold them unchanged: the manifest, tables,
sources, beacon, ceremony and declared conflicts byte for byte; the record except its
current assignments, log and events; events.yaml and sources.yaml may only gain
entries. Withdrawing a task is an appended 撤回任务 event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from shuangsuiji.core.errors import Problem, fail, problem
from shuangsuiji.core.yamlio import LoadError, parse_yaml
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import Registry
from shuangsuiji.registry.models.draw import RECORD_CURRENT_KEYS
from shuangsuiji.registry.revisions import RegistryRepo

NO_BASE = "0" * 40  # git's name for "no previous commit" (a first push): nothing was committed before
APPEND_ONLY = {"draw-events": "events", "draw-sources": "sources"}


def check_base(root: Path, rev: str | None) -> None:
    """A rev this clone does not have is a usage error, never a silent pass (`--base REV`; None means HEAD)."""
    if rev is None or rev == NO_BASE:
        return
    repo = RegistryRepo.find(root)
    if repo is None or repo.commit(rev) is None:
        fail("usage.base-missing", f"找不到基准版本 {rev}：{root} 不在 git 仓库中，或本地没有这个提交",
             f"base revision {rev} not found: {root} is not in a git repository, or this clone lacks the commit",
             "检出完整历史（actions/checkout 设 fetch-depth: 0，或 git fetch origin 该提交）；"
             "若主分支历史被强制推送改写，请市职能办核对后手工校验",
             "check out the full history (fetch-depth: 0, or git fetch origin REV); if main's history was "
             "rewritten by a force-push, have the coordinating office check it by hand")


def base_commit(root: Path, rev: str | None) -> str | None:
    """The commit files are judged against (`--base`, else HEAD), or None outside git."""
    if rev == NO_BASE:
        return NO_BASE
    repo = RegistryRepo.find(root)
    commit = repo.commit(rev or "HEAD") if repo else None
    return commit.hexsha if commit else None


def work_tree(root: Path) -> Path | None:
    """The top folder of the git repository holding root, or None outside git."""
    repo = RegistryRepo.find(root)
    return Path(repo.repo.working_tree_dir) if repo else None


def base_name(rev: str | None) -> str:
    return rev or "HEAD"


def read_at_base(root: Path, rel: str, rev: str | None) -> bytes | None:
    """The bytes of the registry file rel at the base revision; None if it was not there (or nothing was)."""
    repo = RegistryRepo.find(root) if rev != NO_BASE else None
    return repo.file_at(rev or "HEAD", rel) if repo else None


def yaml_list(data: bytes, rel: str, key: str) -> list[Any] | None:
    """The list under `key` of a YAML file's bytes, or None if it does not parse or holds none."""
    try:
        doc = parse_yaml(data.decode("utf-8-sig"), rel)
    except (LoadError, UnicodeDecodeError):
        return None
    return doc.get(key) if isinstance(doc, dict) and isinstance(doc.get(key), list) else None


def _kept(old: list, new: list) -> bool:
    """Every old entry is still there, in the same order (entries may be added)."""
    it = iter(new)
    return all(any(o == n for n in it) for o in old)


def _record_core(data: bytes) -> Any:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or "initial_assignments" not in doc:
        return doc  # no current part (the `ssj draw compute` layout): nothing in it may change
    return {k: v for k, v in doc.items() if k not in RECORD_CURRENT_KEYS}


def _error(rel: str, what_zh: str, what_en: str, rev: str) -> Problem:
    return problem("draw.immutable", f"已提交（{rev}）的抽取文件被{what_zh}：承诺与抽取记录只能追加，不能修改或删除",
                   f"a committed draw file ({rev}) was {what_en}: commitments and draw records are append-only",
                   f"恢复原文件（git checkout {rev} -- 该文件）；回避、撤回请用 ssj draw recuse / withdraw 追加事件",
                   f"restore it from {rev}; record recusals and withdrawals as appended events", file=rel)


def committed_draws_unchanged(reg: Registry, base: str | None) -> Iterator[Problem]:
    repo = RegistryRepo.find(reg.root) if base != NO_BASE else None
    committed = repo.draw_files_at(base or "HEAD") if repo else None
    if committed is None:
        return  # not in git, no commit yet, or a first push: nothing is committed
    rev = base_name(base)
    for rel, old in sorted(committed.items()):
        path = reg.root / rel
        if not path.is_file():
            yield _error(rel, "删除", "deleted", rev)
            continue
        new = path.read_bytes()
        if new == old:
            continue
        rf = match(rel)
        kind = rf.kind.name if rf else ""
        if kind in APPEND_ONLY:
            before, after = yaml_list(old, rel, APPEND_ONLY[kind]), yaml_list(new, rel, APPEND_ONLY[kind])
            if before is not None and after is not None and _kept(before, after):
                continue
            yield _error(rel, "修改（已有条目变了或被删了）", "edited (an existing entry changed or was removed)", rev)
        elif kind == "draw-record" and _record_core(old) == _record_core(new) is not None:
            continue
        else:
            yield _error(rel, "修改", "edited", rev)
