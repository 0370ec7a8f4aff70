"""The workflows' exact steps in a real git repository: a committed draw never changes, a department
touches only its own files however the path is spelt, and the site is never built from a main whose
committed draws changed (issue 9).

One repository per module (a registry with two departments and a committed draw); each test starts
from a fresh branch off main.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from draw_registry_fixture import TASK, add_partner, add_sources, make_example_registry
from registry_fixture import write_yaml
from workflow_fixture import ENV, REPO, git, pull_request, push, run_workflow, uses

from shuangsuiji.registry.ownership import resolve_changed

DRAW = f"registries/scjgj/draws/{TASK}"
OTHER = "registries/scjgj/liaison.yaml"  # a file of 市场监督管理局 (scjgj), not of 市商务局 (swj)


def ssj(repo: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shuangsuiji", *args], cwd=cwd or repo, env=ENV,
                          capture_output=True, text=True)


def recuse(repo: Path, k: int) -> None:
    """`ssj draw recuse` of the k-th drawn target's first inspector: an event appended to events.yaml."""
    record = json.loads((repo / DRAW / "record.json").read_text(encoding="utf-8"))
    target = record["order"][k]
    done = ssj(repo, "draw", "recuse", TASK, target, record["assignments"][target][0], "--reason",
               "其他关系可能影响公正", "--date", "2026-02-26", "--registry", "registries")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def main_repo(tmp_path_factory) -> Path:
    """main: a registry (市职能办, 市场监管局, 市商务局), CODEOWNERS, and the worked example drawn with a recusal."""
    repo = tmp_path_factory.mktemp("repo")
    root = make_example_registry(repo / "registries")
    add_partner(root)
    add_sources(root)
    shutil.copy(REPO / ".gitignore", repo / ".gitignore")
    git(repo, "init", "-q", "-b", "main")
    git(repo.parent, "init", "-q", "--bare", f"{repo.name}-origin.git")  # where the site workflow pushes its tag
    git(repo, "remote", "add", "origin", str(repo.parent / f"{repo.name}-origin.git"))
    for args in (("codeowners", "--write"), ("draw", "freeze", TASK, "--registry", "registries"),
                 ("draw", "run", TASK, "--registry", "registries")):
        done = ssj(repo, *args)
        assert done.returncode == 0, done.stdout + done.stderr
    recuse(repo, 0)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "registry and a committed draw")
    return repo


@pytest.fixture
def repo(main_repo) -> Path:
    """A branch `pr` fresh from main (ssj's caches are kept: they are keyed by content)."""
    git(main_repo, "checkout", "-q", "-f", "-B", "pr", "main")
    git(main_repo, "clean", "-q", "-fd")
    shutil.rmtree(main_repo / "site", ignore_errors=True)
    for where in ([], ["origin"]):  # no main has passed the site's check yet
        git(main_repo, *(["push", "-q", "origin", ":refs/tags/ssj-checked"] if where else ["tag", "-d", "ssj-checked"]),
            check=False)
    return main_repo


def sha(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def commit(repo: Path, merge: bool = True) -> None:
    """Commit the change on `pr`; with merge, check out what the forge tests: pr merged into main."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    if merge:
        git(repo, "checkout", "-q", "--detach", "main")
        git(repo, "merge", "-q", "--no-ff", "-m", "merge pr", "pr")


def validate_pr(repo: Path, dept: str) -> subprocess.CompletedProcess:
    return run_workflow(repo, "validate.yml", "validate", pull_request(sha(repo, "main"), [f"dept:{dept}", "文档"]))


def edit_text(path: Path, fn) -> None:
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")


def drop_candidate_row(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[:1] + lines[2:])


def change_record_seed(text: str) -> str:
    doc = json.loads(text)
    doc["seed"] = "0" * 64
    return json.dumps(doc, ensure_ascii=False)


def change_event(text: str) -> str:
    doc = yaml.safe_load(text)
    doc["events"][0]["reason"] = "当事人或其近亲属"
    return yaml.safe_dump(doc, allow_unicode=True)


EDITS = {"candidates.tsv": drop_candidate_row, "record.json": change_record_seed,
         "manifest.json": lambda t: t.replace('"cap_slack":1', '"cap_slack":2'), "events.yaml": change_event}


def test_validate_workflow_runs_on_any_forge():
    assert uses("validate.yml", "validate") == ["actions/checkout", "actions/setup-python"]


@pytest.mark.parametrize("name", sorted(EDITS))
def test_pr_editing_a_committed_draw_fails(repo, name):
    path = repo / DRAW / name
    before = path.read_bytes()
    edit_text(path, EDITS[name])
    assert path.read_bytes() != before
    commit(repo)
    run = validate_pr(repo, "scjgj")  # by the draw's own department: still refused
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"::error file={DRAW}/{name}" in run.stdout and "draw.immutable" in run.stdout


@pytest.mark.parametrize("how", ["head", "push"])
def test_deleting_a_committed_draw_file_fails_on_a_head_checkout_and_on_push(repo, how):
    (repo / DRAW / "candidates.tsv").unlink()
    commit(repo, merge=False)
    if how == "head":  # Gitea/Forgejo may test the pull request's head rather than a merge
        run = validate_pr(repo, "scjgj")
    else:
        run = run_workflow(repo, "validate.yml", "validate", push(sha(repo, "main")))
    assert run.returncode == 1 and "draw.immutable" in run.stdout, run.stdout + run.stderr


def test_owner_clean_change_passes_as_pr_and_push(repo):
    edit_text(repo / "registries/scjgj/liaison.yaml", lambda t: t + "# 备注\n")
    recuse(repo, 1)  # an appended event is allowed
    commit(repo)
    run = validate_pr(repo, "scjgj")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "changed files: 3" in run.stdout  # liaison, events.yaml, record.json
    pushed = run_workflow(repo, "validate.yml", "validate", push(sha(repo, "main")))
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_pr_changing_another_departments_file_fails(repo, change):
    if change == "edit":
        edit_text(repo / OTHER, lambda t: t + "# 备注\n")
    else:  # a deleted file exists only at the base, and is still checked
        (repo / OTHER).unlink()
    commit(repo)
    run = validate_pr(repo, "swj")
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"::error file={OTHER}" in run.stdout and "ownership.not-owner" in run.stdout


def test_pr_cannot_make_itself_coordinator(repo):
    """Who owns what is read at the base: editing departments.yaml in the same change does not help."""
    path = repo / "registries/departments.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for d in doc["departments"]:
        d["coordinator"] = d["id"] == "swj"
    write_yaml(path, doc)
    edit_text(repo / OTHER, lambda t: t + "# 备注\n")
    assert ssj(repo, "codeowners", "--write").returncode == 0
    commit(repo)
    run = validate_pr(repo, "swj")
    assert run.returncode == 1
    assert "::error file=registries/departments.yaml" in run.stdout and f"::error file={OTHER}" in run.stdout


def _spellings(repo: Path, tmp: Path) -> dict[str, str]:
    link = tmp / "link"
    link.symlink_to(repo / "registries/swj")  # a symlink into swj's folder, walked out of with ..
    return {"root-relative": OTHER, "registries-relative": "scjgj/liaison.yaml",
            "absolute": str(repo / OTHER), "dot": "./registries/./scjgj/liaison.yaml",
            "dotdot": "registries/swj/../scjgj/liaison.yaml", "registries-dotdot": "swj/../scjgj/liaison.yaml",
            "symlink": str(link / "../scjgj/liaison.yaml")}


def test_another_departments_file_is_refused_under_every_spelling(repo, tmp_path, monkeypatch):
    (repo / OTHER).unlink()  # deleted: the file is only at the base, and is still checked
    commit(repo)
    spellings = _spellings(repo, tmp_path)
    assert len(set(spellings.values())) == 7
    monkeypatch.chdir(repo)  # as the workflow runs: from the repository root
    out, bad = resolve_changed(list(spellings.values()), [Path("registries")], "main")
    assert bad == [] and out == {Path("registries"): ["scjgj/liaison.yaml"] * 7}
    for as_dept, code in (("swj", 1), ("scjgj", 0)):  # refused for 市商务局, fine for its owner
        run = ssj(repo, "validate", "registries", "--json", "--base", "main", "--changed", *spellings.values(),
                  "--as", as_dept)
        probs = [(p["code"], p["file"]) for p in json.loads(run.stdout)["problems"]]
        assert run.returncode == code and probs == [("ownership.not-owner", OTHER)] * code, (as_dept, probs)
    inside = ssj(repo, "validate", ".", "--json", "--base", "main", "--changed", "scjgj/liaison.yaml", "--as", "swj",
                 cwd=repo / "registries")  # from inside the registry folder
    assert [p["code"] for p in json.loads(inside.stdout)["problems"]] == ["ownership.not-owner"]


def test_nonexistent_or_outside_path_is_refused(repo):
    bad = {"registries/scjgj/results/LY-SCJG-2026-001.yaml": "ownership.no-such-file",
           "swj/nosuch.yaml": "ownership.no-such-file", "registries/../.gitignore": "ownership.outside-registry",
           "/etc/hostname": "ownership.outside-registry"}
    run = ssj(repo, "validate", "registries", "--json", "--base", "main", "--changed", *bad, "--as", "swj")
    probs = json.loads(run.stdout)["problems"]
    assert run.returncode == 1 and {p["file"]: p["code"] for p in probs} == bad, probs
    assert all(p["fix_zh"] and p["fix_en"] and "--changed" in p["zh"] for p in probs)


def test_missing_or_null_base(repo):
    edit_text(repo / "registries/scjgj/liaison.yaml", lambda t: t + "# 备注\n")
    commit(repo, merge=False)
    gone = run_workflow(repo, "validate.yml", "validate", push("1" * 40))  # e.g. after a force-push
    assert gone.returncode == 2 and "找不到基准版本 " + "1" * 40 in gone.stderr and "fetch-depth" in gone.stderr
    assert "Traceback" not in gone.stderr
    first = run_workflow(repo, "validate.yml", "validate", push("0" * 40))  # a first push: nothing before
    assert first.returncode == 0, first.stdout + first.stderr
    pr = run_workflow(repo, "validate.yml", "validate", pull_request("1" * 40, ["dept:scjgj"]))
    assert pr.returncode == 1 and "::error title=base.missing" in pr.stdout


def test_site_workflow_refuses_a_main_whose_committed_draw_changed(repo):
    edit_text(repo / DRAW / "candidates.tsv", drop_candidate_row)
    commit(repo, merge=False)  # pushed straight to main
    run = run_workflow(repo, "site.yml", "build", push(sha(repo, "main")))
    assert run.returncode == 2 and "candidates.tsv: 错误 error: 已提交" in run.stderr, run.stderr
    assert not (repo / "site").exists()
    manual = run_workflow(repo, "site.yml", "build", {"event_name": "workflow_dispatch"})  # against main's parent
    assert manual.returncode == 2 and "candidates.tsv: 错误 error: 已提交" in manual.stderr, manual.stderr
    git(repo, "checkout", "-q", "-f", "main")  # the previous main builds
    built = run_workflow(repo, "site.yml", "build", push(sha(repo, "main~0")))
    assert built.returncode == 0, built.stdout + built.stderr
    assert (repo / "site/index.html").is_file()


def test_a_refused_draw_change_stays_refused_after_a_later_push(repo):
    """Push A edits a committed draw (refused); push B changes something else on top: B is judged against
    the last main that passed (tag ssj-checked), not against A, so the edit is never published."""
    good = run_workflow(repo, "site.yml", "build", push(sha(repo, "main")))
    assert good.returncode == 0, good.stdout + good.stderr
    assert sha(repo) in git(repo, "ls-remote", "--tags", "origin", "ssj-checked")
    edit_text(repo / DRAW / "candidates.tsv", drop_candidate_row)
    commit(repo, merge=False)
    a = run_workflow(repo, "site.yml", "build", push(sha(repo, "main")))
    assert a.returncode == 2 and "candidates.tsv: 错误 error: 已提交" in a.stderr, a.stderr
    edit_text(repo / "registries/scjgj/liaison.yaml", lambda t: t + "# 备注\n")
    commit(repo, merge=False)
    b = run_workflow(repo, "site.yml", "build", push(sha(repo, "HEAD~1")))
    assert b.returncode == 2 and "candidates.tsv: 错误 error: 已提交" in b.stderr, b.stderr
    assert sha(repo, "main") in git(repo, "ls-remote", "--tags", "origin", "ssj-checked")  # the tag did not move


def test_the_current_part_of_a_draw_record_follows_its_events(repo):
    """The current part is the one part of a committed record that may change: drawing in a target or
    swapping an inspector there without an event is refused; the appended recusal itself is fine."""
    path = repo / DRAW / "record.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    clean = ssj(repo, "validate", "registries", "--json")
    assert "draw.current-part" not in clean.stdout and any(e["type"] == "回避" for e in record["events"])
    someone = next(iter(record["assignments"]))
    for change in (lambda r: r["assignments"].update({"91371302MA3C0FAKE1": r["assignments"][someone]}),
                   lambda r: r["assignments"].update({someone: list(reversed(r["inspector_units"]))[:2]}),
                   lambda r: r["events"].pop()):
        tampered = json.loads(json.dumps(record))
        change(tampered)
        path.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
        run = ssj(repo, "validate", "registries", "--json")
        probs = [(p["code"], p["file"]) for p in json.loads(run.stdout)["problems"] if p["code"] == "draw.current-part"]
        assert run.returncode == 1 and probs == [("draw.current-part", f"{DRAW}/record.json")], run.stdout


def test_a_committed_cache_is_refused(repo):
    """A cache in the checkout would be trusted instead of the files reviewers saw."""
    forged = repo / "registries/.ssj-cache/files/forged.pkl"
    forged.parent.mkdir(parents=True, exist_ok=True)
    forged.write_bytes(b"not what reviewers saw")
    git(repo, "add", "-f", str(forged))
    commit(repo, merge=False)
    for workflow, job, ctx in (("validate.yml", "validate", push(sha(repo, "main"))),
                               ("site.yml", "build", push(sha(repo, "main")))):
        run = run_workflow(repo, workflow, job, ctx)
        assert run.returncode == 1 and "::error title=cache.tracked" in run.stdout, (workflow, run.stdout)
