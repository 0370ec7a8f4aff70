"""`ssj export-public`: a git mirror of the registry's history with public data only, incremental."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git

from privacy_fixture import CANARY, make_canary_registry
from shuangsuiji.cli import main


def _commit(repo: git.Repo, message: str, date: str) -> None:
    repo.git.add("-A")
    repo.git.commit("-q", "-m", message, env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
                                             "GIT_AUTHOR_NAME": "市场监管局", "GIT_AUTHOR_EMAIL": "scjgj@example.gov.cn",
                                             "GIT_COMMITTER_NAME": "x", "GIT_COMMITTER_EMAIL": "x@example.gov.cn"})


def _all_history_bytes(path: Path) -> bytes:
    """Every blob and commit message of every commit of a repository."""
    r = git.Repo(path)
    out = [r.git.log("--all", "--format=%an%n%ae%n%B", "-p", "--text").encode("utf-8")]
    return b"\n".join(out)


def test_mirror_follows_history_without_private_values(tmp_path):
    src = tmp_path / "src"
    reg = make_canary_registry(src / "registries")
    repo = git.Repo.init(src)
    _commit(repo, f"登记抽查结果（联系人 {CANARY['remark.person']} {CANARY['remark.mobile']}）", "2026-04-10T09:00:00+08:00")
    (src / "README.md").write_text("not registry data\n", encoding="utf-8")
    _commit(repo, "readme", "2026-04-11T09:00:00+08:00")  # does not touch registries/: not mirrored
    out = tmp_path / "mirror"
    assert main(["export-public", str(out), "--registry", str(reg)]) == 0
    mirror = git.Repo(out)
    (c1,) = list(mirror.iter_commits())
    assert c1.authored_datetime.isoformat() == "2026-04-10T09:00:00+08:00"
    # the internal message and author are not published, not even masked
    assert c1.message.startswith("公开数据更新 2026-04-10") and "孙" not in c1.message and "135" not in c1.message
    assert c1.author.name == "ssj export-public"
    assert (out / "targets").is_dir() and (out / "draws").is_dir()

    # A second registry commit: an incremental run adds exactly one mirror commit.
    rules = reg / "scjgj/rules.md"
    rules.write_text("# 实施细则\n\n投诉电话 13712345678\n", encoding="utf-8")
    _commit(repo, "实施细则", "2026-04-12T09:00:00+08:00")
    assert main(["export-public", str(out), "--registry", str(reg)]) == 0
    assert len(list(mirror.iter_commits())) == 2
    assert main(["export-public", str(out), "--registry", str(reg)]) == 0
    assert len(list(mirror.iter_commits())) == 2  # nothing new

    history = _all_history_bytes(out).decode("utf-8")
    for kind, value in CANARY.items():
        assert value not in history, kind
    assert "13712345678" not in history and "137****5678" in history
    fsck = subprocess.run(["git", "-C", str(out), "fsck", "--no-progress"], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stderr
