"""Ownership: a department changes only its own folder; CODEOWNERS follows departments.yaml.

Real git repositories in temporary folders, the real `ssj` command, and the workflow's own script.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from registry_fixture import make_registry, write_yaml
from workflow_fixture import ENV, REPO, git, pull_request, run_workflow, uses

from shuangsuiji.registry.load import load_registry
from shuangsuiji.registry.ownership import check_ownership, codeowners


def ssj(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shuangsuiji", *args], cwd=repo, env=ENV, capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A repository with a small valid registry: 市职能办 (coordinator), 市场监管局 and 教育局."""
    repo = tmp_path_factory.mktemp("repo")
    reg = make_registry(repo / "registries")
    depts = yaml.safe_load((reg / "departments.yaml").read_text(encoding="utf-8"))
    depts["departments"].append({"id": "jyj", "name": "教育局", "full_name": "临沂市教育局", "level": "市级",
                                 "region": "371300", "annex1": True, "owners": ["@linyi/jyj", "zhang@example.org"]})
    write_yaml(reg / "departments.yaml", depts)
    shutil.copy(REPO / ".gitignore", repo / ".gitignore")  # the project's ignores (ssj's caches)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "registry")
    assert ssj(repo, "codeowners", "--write").returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "codeowners")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")  # as after actions/checkout with full history
    return repo


@pytest.fixture
def repo(base, tmp_path) -> Path:
    r = tmp_path / "repo"
    shutil.copytree(base, r)
    git(r, "checkout", "-q", "-b", "change")
    return r


def _edit(repo: Path, rel: str, line: str = "# 备注\n") -> None:
    p = repo / "registries" / rel
    p.write_text(p.read_text(encoding="utf-8") + line, encoding="utf-8")


def _changed(repo: Path) -> list[str]:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    return git(repo, "diff", "--name-only", "--no-renames", "origin/main...HEAD", "--", "registries/").split()


def _ownership(run: subprocess.CompletedProcess) -> list[dict]:
    return [p for p in json.loads(run.stdout)["problems"] if p["code"].startswith("ownership.")]


def test_other_departments_folder_and_shared_files_are_refused(repo):
    _edit(repo, "scjgj/liaison.yaml")
    _edit(repo, "regions.yaml")
    (repo / "registries/scjgj/matters.yaml").unlink()  # a deletion is a change too
    changed = _changed(repo)
    run = ssj(repo, "validate", "registries", "--format", "json", "--base", "origin/main", "--changed", *changed,
              "--as", "jyj")
    assert run.returncode == 1, run.stderr
    probs = {p["file"]: p for p in _ownership(run)}
    assert {p["code"] for p in probs.values()} == {"ownership.not-owner"}
    assert set(probs) == {"registries/scjgj/liaison.yaml", "registries/scjgj/matters.yaml", "registries/regions.yaml"}
    assert "市场监督管理局（scjgj）" in probs["registries/scjgj/liaison.yaml"]["zh"]
    assert "教育局（jyj）不能修改" in probs["registries/scjgj/liaison.yaml"]["zh"]
    assert "市职能办" in probs["registries/regions.yaml"]["zh"] and probs["registries/regions.yaml"]["fix_zh"]


def test_own_folder_passes_and_coordinator_may_touch_all(repo):
    _edit(repo, "scjgj/liaison.yaml")
    _edit(repo, "scjgj/items.yaml")
    changed = _changed(repo)
    own = ssj(repo, "validate", "registries", "--changed", *changed, "--as", "scjgj")
    assert own.returncode == 0, own.stdout + own.stderr
    _edit(repo, "departments.yaml")
    changed = _changed(repo)
    assert len(changed) == 3
    coord = ssj(repo, "validate", "registries", "--changed", *changed, "--as", "szbn")
    assert coord.returncode == 0, coord.stdout + coord.stderr
    other = ssj(repo, "validate", "registries", "--format", "json", "--changed", *changed, "--as", "scjgj")
    assert [p["file"] for p in _ownership(other)] == ["registries/departments.yaml"]


def test_unknown_department(repo):
    reg, _ = load_registry(repo / "registries")
    probs = check_ownership(reg, ["scjgj/items.yaml"], "nosuch")
    assert [p.code for p in probs] == ["ownership.unknown-department"]
    assert "scjgj" in probs[0].fix_zh


def _run_workflow(repo: Path, labels: list[str]) -> subprocess.CompletedProcess:
    assert uses("validate.yml", "validate") == ["actions/checkout", "actions/setup-python"]  # Gitea/Forgejo too
    return run_workflow(repo, "validate.yml", "validate", pull_request(git(repo, "rev-parse", "origin/main").strip(),
                                                                       labels))


def test_workflow_step_uses_the_dept_label(repo):
    _edit(repo, "scjgj/liaison.yaml")
    _changed(repo)
    assert _run_workflow(repo, ["dept:scjgj", "文档"]).returncode == 0
    refused = _run_workflow(repo, ["dept:jyj"])
    assert refused.returncode == 1
    assert "::error file=registries/scjgj/liaison.yaml" in refused.stdout and "ownership.not-owner" in refused.stdout
    unlabeled = _run_workflow(repo, [])
    assert unlabeled.returncode == 1 and "dept:" in unlabeled.stdout
    assert _run_workflow(repo, ["dept:jyj", "dept:scjgj"]).returncode == 1


def test_codeowners_generated_and_checked(repo):
    gh = (repo / ".github/CODEOWNERS").read_text(encoding="utf-8")
    lines = [ln for ln in gh.splitlines() if ln and not ln.startswith("#")]
    assert lines == ["* @linyi/szbn", "/registries/ @linyi/szbn", "/registries/schema/ @linyi/szbn",
                     "/registries/jyj/ @linyi/jyj zhang@example.org", "/registries/scjgj/ @linyi/scjgj",
                     "/registries/szbn/ @linyi/szbn"]
    gitea = [ln.split(" ")[0] for ln in (repo / ".gitea/CODEOWNERS").read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]

    def owners(path: str) -> list[str]:  # Gitea: anchored Go regexps, every matching line adds its owners
        return [rx for rx in gitea if re.fullmatch(rx, path)]

    assert owners("registries/scjgj/items.yaml") == ["registries/scjgj/.*"]
    assert owners("registries/departments.yaml") == ["registries/[^/]+"]
    assert owners("registries/targets/371302.csv") == ["registries/(targets|schema)/.*"]
    assert ssj(repo, "codeowners", "--check").returncode == 0
    _edit(repo, "departments.yaml", "")
    depts = yaml.safe_load((repo / "registries/departments.yaml").read_text(encoding="utf-8"))
    depts["departments"][1]["owners"] = ["@linyi/market"]
    write_yaml(repo / "registries/departments.yaml", depts)
    stale = ssj(repo, "codeowners", "--check")
    assert stale.returncode == 1 and ".github/CODEOWNERS" in stale.stderr
    reg, _ = load_registry(repo / "registries")
    assert "/registries/scjgj/ @linyi/market" in codeowners(reg, repo)[".github/CODEOWNERS"]


def test_bad_owner_is_a_user_error(repo):
    depts = yaml.safe_load((repo / "registries/departments.yaml").read_text(encoding="utf-8"))
    depts["departments"][1]["owners"] = ["linyi market"]
    write_yaml(repo / "registries/departments.yaml", depts)
    run = ssj(repo, "codeowners")
    assert run.returncode == 2 and "linyi market" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.skipif(not (REPO / "registries/departments.yaml").is_file(), reason="example registry not there yet")
def test_committed_codeowners_match_the_example_registry():
    run = ssj(REPO, "codeowners", "--check")
    assert run.returncode == 0, run.stderr


def test_review_chain_is_the_coordinators(repo):
    """A department may record its own 提交, not the office's review or 公布 (judged against the base)."""
    p = repo / "registries/scjgj/items.yaml"
    doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    doc["review"][0]["date"] = "2017-04-23"  # its own submission step: fine
    write_yaml(p, doc)
    changed = _changed(repo)
    own = ssj(repo, "validate", "registries", "--format", "json", "--base", "origin/main", "--changed", *changed,
              "--as", "scjgj")
    assert own.returncode == 0 and _ownership(own) == [], own.stdout
    doc["review"][-1]["date"] = "2017-05-31"  # moving the publication date: the coordinator's step
    write_yaml(p, doc)
    changed = _changed(repo)
    moved = ssj(repo, "validate", "registries", "--format", "json", "--base", "origin/main", "--changed", *changed,
                "--as", "scjgj")
    assert moved.returncode == 1
    assert [(q["code"], q["file"], q["field"]) for q in _ownership(moved)] == [
        ("ownership.review-step", "registries/scjgj/items.yaml", "review")]
    coord = ssj(repo, "validate", "registries", "--format", "json", "--base", "origin/main", "--changed", *changed,
                "--as", "szbn")
    assert coord.returncode == 0 and _ownership(coord) == [], coord.stdout
