"""The public mirror: a git repository whose history follows the registry's, commit by
commit, holding only redacted data, so the public can clone the data and its history.

The source registry is internal; each of its commits that touches the registry folder
becomes one mirror commit made from that revision's redacted snapshot (same author,
author date and message, the message masked by `freetext`). A value that was private at
any time therefore never enters the mirror. The last mirrored source commit is kept as a
`Source-Commit:` trailer, so a run continues where the previous one stopped.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import git

from shuangsuiji.core.errors import fail
from shuangsuiji.registry.revisions import RegistryRepo
from shuangsuiji.privacy.redact import PublicRegistry, redact, require_public

TRAILER = "Source-Commit: "
COMMITTER = git.Actor("ssj export-public", "ssj@localhost")


@dataclass(frozen=True)
class Exported:
    source: str  # source commit sha
    mirror: str  # mirror commit sha
    problems: int  # load problems of that revision (its records in error are left out)


def public_files(pub: PublicRegistry) -> dict[str, bytes]:
    """Path → bytes of the public data: one JSON file per record of each collection."""
    require_public(pub)
    out: dict[str, bytes] = {}

    def dump(v) -> bytes:
        return (json.dumps(v, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")

    for name, value in pub.to_json().items():
        if isinstance(value, dict) and name not in ("config",):
            for key, v in value.items():
                out[f"{name}/{key}.json"] = dump(v)
        else:
            out[f"{name}.json"] = dump(value)
    return out


def _write_tree(work: Path, files: dict[str, bytes]) -> None:
    """Make the mirror's working tree hold exactly `files` (besides .git)."""
    for p in sorted(work.iterdir()):
        if p.name == ".git":
            continue
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    for rel, data in sorted(files.items()):
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)


def last_mirrored(mirror: git.Repo) -> str | None:
    if not mirror.head.is_valid():
        return None
    for line in reversed(mirror.head.commit.message.splitlines()):
        if line.startswith(TRAILER):
            return line[len(TRAILER):].strip()
    return None


def export_public(registry: Path, out: Path) -> list[Exported]:
    """Mirror every not yet mirrored source commit that touches the registry folder."""
    source = RegistryRepo.find(registry)
    if source is None:
        fail("mirror.no-repo", f"登记册不在 git 仓库中：{registry}", f"the registry is not in a git repository: {registry}",
             "在登记册所在的仓库中运行", "run it on a registry that is under git")
    repo, rel = source.repo, source.rel or "."
    out.mkdir(parents=True, exist_ok=True)
    mirror = git.Repo(out) if (out / ".git").exists() else git.Repo.init(out, initial_branch="main")
    last = last_mirrored(mirror)
    rev = f"{last}..HEAD" if last else "HEAD"
    try:
        commits = list(repo.iter_commits(rev, paths=rel, reverse=True, topo_order=True))
    except git.GitCommandError:
        fail("mirror.unknown-source", f"镜像记录的源提交 {last} 不在登记册仓库中", f"mirrored commit {last} is not in the source",
             "确认镜像目录对应这个登记册仓库", "check that the mirror belongs to this registry's repository")
    done: list[Exported] = []
    for c in commits:
        with tempfile.TemporaryDirectory() as tmp:
            reg, problems = source.registry_at(c.hexsha, Path(tmp), jobs=1)
            pub = redact(reg)
        _write_tree(out, public_files(pub))
        mirror.git.add("-A")
        # Neither the internal commit message nor its author is published: both are free text about
        # people and decisions that the registry's own fields keep private. The date is kept.
        day = c.authored_datetime.date().isoformat()
        mirror.git.commit("--allow-empty", "--no-verify", "-q", "-m",
                          f"公开数据更新 {day} / public data update\n\n{TRAILER}{c.hexsha}",
                          author=f"{COMMITTER.name} <{COMMITTER.email}>",
                          env={"GIT_AUTHOR_DATE": c.authored_datetime.isoformat(),
                               "GIT_COMMITTER_DATE": c.authored_datetime.isoformat(),
                               "GIT_COMMITTER_NAME": COMMITTER.name, "GIT_COMMITTER_EMAIL": COMMITTER.email})
        done.append(Exported(c.hexsha, mirror.head.commit.hexsha,
                             sum(1 for p in problems if p.severity == "error")))
    return done
