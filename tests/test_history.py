"""History: a real git repository with several commits; only redacted values ever reach history."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import git
import pytest
import yaml

from analysis_fixture import make_registry
from shuangsuiji.site import history

PRIVATE_PHONE = "13912345678"
PRIVATE_REP = "李大壮"
PRIVATE_PERSON = "赵六六"


def _commit(repo: git.Repo, message: str, day: str) -> str:
    repo.git.add("-A")
    env = {"GIT_AUTHOR_DATE": f"{day}T10:00:00+08:00", "GIT_COMMITTER_DATE": f"{day}T10:00:00+08:00"}
    with repo.git.custom_environment(**env):
        repo.git.commit("-q", "-m", message)
    return repo.head.commit.hexsha


def _edit_yaml(path: Path, fn) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _edit_target(path: Path, tid: str, **values) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for r in rows:
        r.update(values if r["id"] == tid else {k: r.get(k, "") for k in values})
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    reg = make_registry(root / "registries")
    r = git.Repo.init(root)
    r.config_writer().set_value("user", "name", "test").set_value("user", "email", "t@example.org").release()
    shas = [_commit(r, "initial registry", "2024-01-02")]
    results = reg / "scjgj" / "results" / "scjgj-2023-1.yaml"
    doc = yaml.safe_load(results.read_text(encoding="utf-8"))
    rid, target = doc["results"][0]["id"], doc["results"][0]["target"]
    targets = reg / "targets" / "0000.csv"

    # 2: a private phone and a private person appear (in private fields and in a remark)
    _edit_target(targets, target, phone=PRIVATE_PHONE)
    _edit_yaml(results, lambda d: d["results"][0].update(persons=[PRIVATE_PERSON],
                                                         remarks=f"现场由{PRIVATE_PERSON}陪同，电话{PRIVATE_PHONE}"))
    shas.append(_commit(r, f"remark with {PRIVATE_PHONE}", "2024-02-03"))
    # 3: only private fields of a target change: credit class and legal representative's full name (masked)
    _edit_target(targets, target, credit_class="D", legal_rep=PRIVATE_REP)
    shas.append(_commit(r, "credit class", "2024-03-04"))
    # 4: the result is corrected; the private remark is removed
    _edit_yaml(results, lambda d: d["results"][0].update(outcome=["发现问题待后续处理"], remarks=None, persons=[],
                                                         problems=["未按规定公示应当公示的信息"],
                                                         follow_ups=["列入经营异常名录"], status="更正"))
    shas.append(_commit(r, "correct result", "2024-04-05"))
    return root, r, shas, rid, target


def _all_output(h: history.History) -> str:
    docs = [rev.to_json() for revs in h.revisions.values() for rev in revs] + [e.to_json() for e in h.changelog()]
    return json.dumps(docs, ensure_ascii=False)


def test_record_history(repo, tmp_path):
    root, _, shas, rid, target = repo
    h = history.collect(root, "registries", tmp_path / "cache")
    revs = h.for_record("results", "scjgj-2023-1")
    assert [r.date for r in revs] == ["2024-04-05", "2024-02-03", "2024-01-02"]  # newest first
    assert revs[-1].action == "新增" and revs[0].action == "修改"
    fields = {c.field: c for c in revs[0].changes}
    assert fields[f"{rid}.outcome"].value == ["发现问题待后续处理"] and fields[f"{rid}.status"].value == "更正"
    assert f"{rid} 检查结果：发现问题待后续处理" in revs[0].summary
    assert revs[0].department == "工商局" and revs[0].commit == shas[3][:10]
    assert {c.field for c in revs[1].changes} == {f"{rid}.remarks"}  # persons is private: no trace
    assert revs[1].summary == f"修改 {rid} 备注（已修改）"
    t = h.for_record("target", target)
    # the change of the legal representative is seen only masked; the credit class not at all
    assert [r.date for r in t] == ["2024-03-04", "2024-01-02"]
    assert [(c.field, c.value) for c in t[0].changes] == [("legal_rep", "李*")]
    log = h.changelog()
    assert [e.date for e in log] == ["2024-04-05", "2024-03-04", "2024-02-03", "2024-01-02"]
    assert "修改抽查结果 1 项" in log[0].summary and log[-1].revisions > 100


def test_private_values_never_in_history(repo, tmp_path):
    root, _, _, _, _ = repo
    out = _all_output(history.collect(root, "registries", tmp_path / "cache"))
    for secret in (PRIVATE_PHONE, PRIVATE_REP, PRIVATE_PERSON, "remark with", "王小明", "credit_class"):
        assert secret not in out


def test_cached_by_commit_and_extended(repo, tmp_path):
    root, r, _, _, target = repo
    cache = tmp_path / "cache"
    first = history.collect(root, "registries", cache)
    assert first.computed == 4
    again = history.collect(root, "registries", cache)
    assert again.computed == 0 and _all_output(again) == _all_output(first)
    (root / "registries" / "scjgj" / "tasks" / "scjgj-2024-2.yaml").write_text(
        (root / "registries" / "scjgj" / "tasks" / "scjgj-2024-2.yaml").read_text(encoding="utf-8")
        .replace("title: 2024年抽查", "title: 2024年企业公示信息抽查"), encoding="utf-8")
    _commit(r, "rename task", "2024-05-06")
    try:
        more = history.collect(root, "registries", cache)
        assert more.computed == 1  # only LAST..HEAD
        revs = more.for_record("task", "scjgj-2024-2")
        assert revs[0].summary == "修改 任务名称：2024年企业公示信息抽查"
        assert len(more.changelog()) == 5
    finally:
        r.git.reset("-q", "--hard", "HEAD~1")


def test_not_a_repository_without_commits(tmp_path):
    git.Repo.init(tmp_path)
    assert history.collect(tmp_path, "registries", tmp_path / "c").changelog() == []
