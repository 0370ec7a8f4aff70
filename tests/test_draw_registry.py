"""`ssj draw freeze/run/recuse/withdraw/beacon` on real registry folders (spec draw.md, issue 3)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from draw_registry_fixture import (DICE, SIG_657413, SPEC_C, SPEC_SEED, TASK, add_partner, add_sources,
                                   luozhuang, make_example_registry, task_yaml)
from registry_fixture import target_row, write_targets, write_yaml
from shuangsuiji.cli import main
from shuangsuiji.draw.wiring.candidates import build_tables
from shuangsuiji.registry.load import load_registry

EXAMPLE = Path(__file__).parent / "data" / "draw" / "worked_example.json"
SPEC_MANIFEST = (
    '{"candidates_sha256":"4324eeffb7f851308ba54cf961d2622749850f3e9c2c4081bd6711b433bf88fe","cap_slack":1,'
    '"conflicts_sha256":"4b372eb48ed8c16071c94357cc359c4dbaa445dfe911cb16e8796e51b1d051d9",'
    '"inspectors_sha256":"96ecd77e032acca3c84f98957bcbb59845a3b99d3dcb7ce5edd50232e5111e11","min_per_stratum":1,'
    '"ratios":{"371302|一般":"0.25","371311|重点":"1"},"seed_sources":["dice","lottery"],"slots":["scjgj","scjgj"],'
    '"tag":"ssj-draw/1","task":"LY-SCJG-2026-001"}')


def ssj(*args: str) -> int:
    """Exit status of the real command (argparse usage errors exit through SystemExit)."""
    try:
        return main(list(args))
    except SystemExit as e:
        return int(e.code)


def folder(root: Path, task: str = TASK, dept: str = "scjgj") -> Path:
    return root / dept / "draws" / task


def snapshot(path: Path) -> dict[str, bytes]:
    """Registry files by path (tool state such as .ssj-cache is not registry data)."""
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)}


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = make_example_registry(tmp_path / "reg")
    add_sources(root)
    return root


def test_worked_example_by_freeze_run_recuse(example, capsys):
    r = str(example)
    assert ssj("draw", "freeze", TASK, "--registry", r, "--minimal") == 0
    d = folder(example)
    assert (d / "manifest.json").read_bytes().decode("utf-8") == SPEC_MANIFEST
    assert f"C = {SPEC_C}" in capsys.readouterr().out
    assert ssj("draw", "run", TASK, "--registry", r) == 0
    assert ssj("draw", "recuse", TASK, "91371302MA3C00006L", "SCJG-0002", "--reason", "其他关系可能影响公正",
               "--date", "2026-02-26", "--registry", r) == 0
    capsys.readouterr()
    record = json.loads((d / "record.json").read_text("utf-8"))
    assert record["commitment"] == SPEC_C and record["seed"] == SPEC_SEED
    assert ssj("draw", "compute", str(EXAMPLE)) == 0
    spec = json.loads(capsys.readouterr().out)
    for key in ("order", "caps", "ranked", "initial_assignments", "assignments", "log"):
        assert record[key] == spec[key], key
    assert record["tickets"] == {x: spec["tickets"][x] for x in spec["order"]}
    private = {k: {f: v[f] for f in ("N", "ratio", "n", "selected", "reserve")} for k, v in
               record["private"]["strata"].items()}
    assert private == spec["strata"]
    assert record["assignments"]["91371302MA3C00006L"] == ["SCJG-0004", "SCJG-0001"]
    assert sorted((s["N"], s["ratio"], s["n"]) for s in record["strata"]) == [(3, "1", 3), (8, "0.25", 2)]
    public = json.dumps({k: v for k, v in record.items() if k != "private"}, ensure_ascii=False)
    assert "一般" not in public and "重点" not in public  # stratum keys (credit classes) stay private
    events = yaml.safe_load((d / "events.yaml").read_text("utf-8"))["events"]
    assert events == [{"seq": 1, "type": "回避", "date": "2026-02-26", "declared_by": "临沂市市场监督管理局 信用监管科",
                       "target": "91371302MA3C00006L", "inspector": "SCJG-0002", "reason": "其他关系可能影响公正"}]


def test_full_manifest_fixes_seed_plan_and_chains(example, capsys):
    r = str(example)
    write_yaml(example / "scjgj/tasks/LY-SCJG-2026-002.yaml",
               task_yaml(id="LY-SCJG-2026-002", seq=2, published="2026-03-20",
                         seed_sources=[{"kind": "drand-quicknet", "delay_hours": 24}]))
    assert ssj("draw", "freeze", TASK, "--registry", r) == 0
    m1 = json.loads((folder(example) / "manifest.json").read_text("utf-8"))
    assert m1["seed_plan"] == [{"kind": "dice", "date": "2026-02-25", "place": "临沂市政务服务中心"},
                               {"kind": "lottery", "lottery": "双色球", "draw_id": "2026001", "date": "2026-02-24"}]
    assert m1["previous_commitment"] is None and m1["department"] == "scjgj"
    assert ssj("draw", "freeze", "LY-SCJG-2026-002", "--registry", r) == 0
    m2_bytes = (folder(example, "LY-SCJG-2026-002") / "manifest.json").read_bytes()
    m2 = json.loads(m2_bytes)
    import hashlib
    assert m2["previous_commitment"] == hashlib.sha256((folder(example) / "manifest.json").read_bytes()).hexdigest()
    # published 2026-03-20 (Beijing): public by 2026-03-20T16:00Z; + 24 h → first round at or after 2026-03-21T16:00Z
    from shuangsuiji.draw.sources import round_time
    plan = m2["seed_plan"][0]
    t = round_time(plan["round"])
    assert 0 <= t - 1774108800 < 3 and plan["round_time"] == "2026-03-21T16:00:00Z"
    # A task published earlier than an already frozen one cannot join the chain any more.
    write_yaml(example / "scjgj/tasks/LY-SCJG-2026-000.yaml", task_yaml(id="LY-SCJG-2026-000", published="2026-02-01"))
    before = snapshot(example)
    assert ssj("draw", "freeze", "LY-SCJG-2026-000", "--registry", r) == 2
    assert "publication order" in capsys.readouterr().err
    assert snapshot(example) == before


def test_bad_input_to_every_command_writes_nothing(example, capsys):
    r = str(example)
    cases = [
        ("draw", "freeze", "NO-SUCH-TASK", "--registry", r),
        ("draw", "run", TASK, "--registry", r),  # not frozen
        ("draw", "recuse", TASK, "91371302MA3C00006L", "SCJG-0002", "--reason", "当事人或其近亲属", "--registry", r),
        ("draw", "recuse", TASK, "X", "Y", "--reason", "不喜欢", "--registry", r),
        ("draw", "withdraw", TASK, "--by", "局长", "--date", "2026-13-01", "--registry", r),
        ("draw", "beacon", TASK, "--signature", SIG_657413, "--registry", r),
        ("draw", "freeze", TASK, "--registry", str(example / "scjgj")),
        ("verify",),
        ("verify", "NO-SUCH-TASK", "--registry", r),
    ]
    before = snapshot(example)
    for args in cases:
        assert ssj(*args) == 2, args
        err = capsys.readouterr().err
        assert "Traceback" not in err and "/" in err, args  # one message, Chinese / English
        assert snapshot(example) == before, args
    assert ssj("draw", "freeze", TASK, "--registry", r) == 0
    before = snapshot(example)
    for args in [("draw", "freeze", TASK, "--registry", r),  # already frozen
                 ("draw", "recuse", TASK, "91371302MA3C00006L", "SCJG-0002", "--reason", "当事人或其近亲属",
                  "--registry", r)]:  # not drawn yet
        assert ssj(*args) == 2
    (folder(example) / "sources.yaml").unlink()
    assert ssj("draw", "run", TASK, "--registry", r) == 2  # no source values
    add_sources(example)
    assert ssj("draw", "run", TASK, "--registry", r) == 0
    before = snapshot(example)
    for args in [("draw", "run", TASK, "--registry", r),  # already run
                 ("draw", "recuse", TASK, "91371302MA3C00006L", "SCJG-0003", "--reason", "当事人或其近亲属",
                  "--registry", r),  # SCJG-0003 is not on that target
                 ("draw", "recuse", TASK, "91371302MA3C000015", "SCJG-0001", "--reason", "当事人或其近亲属",
                  "--registry", r)]:  # target not selected
        assert ssj(*args) == 2
        assert "Traceback" not in capsys.readouterr().err
    assert snapshot(example) == before


def test_tampered_frozen_files_or_sources_stop_the_run(example, capsys):
    r = str(example)
    assert ssj("draw", "freeze", TASK, "--registry", r) == 0
    tsv = folder(example) / "candidates.tsv"
    good = tsv.read_bytes()
    tsv.write_bytes(good.replace(b"0.25", b"0.5").replace(b"91371302MA3C000015", b"91371302MA3C000023"))
    assert ssj("draw", "run", TASK, "--registry", r) == 2
    assert "candidates" in capsys.readouterr().err
    tsv.write_bytes(good)
    write_yaml(folder(example) / "sources.yaml", {"task": TASK, "sources": [
        {"kind": "dice", "value": DICE}, {"kind": "lottery", "value": "2026002:01.02.03.04.05.06.07"}]})
    assert ssj("draw", "run", TASK, "--registry", r) == 2
    assert "2026002" in capsys.readouterr().err  # the lottery draw id is not the planned one
    assert not (folder(example) / "record.json").exists()


def test_withdrawn_task_is_still_drawn_and_published(example, capsys):
    r = str(example)
    assert ssj("draw", "freeze", TASK, "--registry", r) == 0
    assert ssj("draw", "withdraw", TASK, "--by", "局长办公会", "--date", "2026-02-22", "--note", "内部说明",
               "--registry", r) == 0
    assert ssj("draw", "run", TASK, "--registry", r) == 0
    record = json.loads((folder(example) / "record.json").read_text("utf-8"))
    assert record["events"] == [{"seq": 1, "type": "撤回任务", "date": "2026-02-22", "declared_by": "局长办公会"}]
    assert len(record["order"]) == 5
    assert "内部说明" not in json.dumps(record, ensure_ascii=False)


def _reg_with_targets(tmp_path: Path, rows: list[dict], **task_over):
    root = make_example_registry(tmp_path / "reg", **task_over)
    write_targets(root / "targets/371302.csv", rows)
    (root / "targets/371311.csv").unlink()
    (folder(root) / "conflicts.yaml").unlink()
    reg, problems = load_registry(root)
    assert not [p for p in problems if p.severity == "error"], problems
    return reg


def test_class_a_exemption_frequency_cap_and_flagged_stratum(tmp_path):
    rows = [target_row(1, credit_class="A"), target_row(2, credit_class="B"), target_row(3, credit_class="D"),
            target_row(4, credit_class="B", flags="经营异常名录"), target_row(5, credit_class="A", flags="投诉举报多"),
            target_row(6, status="注销"), target_row(7, credit_class="C")]
    reg = _reg_with_targets(tmp_path, rows, ratios={})
    task = reg.tasks[TASK]
    t = build_tables(reg, task)
    ids = {r["id"]: r for r in rows}
    keys = dict(t.candidates)
    assert rows[0]["id"] not in keys  # class A: exempt from a proactive check
    assert rows[5]["id"] not in keys  # 注销
    assert keys[rows[3]["id"]] == "371302|重点" and keys[rows[4]["id"]] == "371302|重点"
    assert keys[rows[1]["id"]] == "371302|一般" and keys[rows[2]["id"]] == "371302|高"
    # items agree on 0.05 → it is the 一般 ratio; riskier classes and flagged targets keep their raised ratios
    assert t.ratios == {"371302|一般": "0.05", "371302|较高": "0.2", "371302|重点": "0.2", "371302|高": "1"}
    assert len(ids) == 7
    # A trigger (complaint) lifts the class-A exemption; 普查 takes everyone at ratio 1.
    reg2 = _reg_with_targets(tmp_path / "b", rows, trigger="投诉举报")
    assert rows[0]["id"] in dict(build_tables(reg2, reg2.tasks[TASK]).candidates)
    reg3 = _reg_with_targets(tmp_path / "c", rows, mode="普查")
    t3 = build_tables(reg3, reg3.tasks[TASK])
    assert len(t3.candidates) == 6 and set(t3.ratios.values()) == {"1"}


def test_frequency_cap_from_past_results(tmp_path):
    rows = [target_row(i) for i in range(1, 5)]
    root = make_example_registry(tmp_path / "reg")
    write_targets(root / "targets/371302.csv", rows)
    (root / "targets/371311.csv").unlink()
    (folder(root) / "conflicts.yaml").unlink()
    old = task_yaml(id="LY-SCJG-2026-000", seq=9, mode="单随机-人员", fixed_targets=[rows[0]["id"]],
                    published="2026-01-05", period={"start": "2026-01-06", "end": "2026-01-30"})
    write_yaml(root / "scjgj/tasks/LY-SCJG-2026-000.yaml", old)
    write_yaml(root / "scjgj/results/LY-SCJG-2026-000.yaml", {"department": "scjgj", "task": "LY-SCJG-2026-000",
               "results": [{"id": "R-1", "target": rows[0]["id"], "items": ["SCJG-01"],
                            "inspectors": ["SCJG-0001", "SCJG-0002"], "inspected_on": "2026-01-20",
                            "outcome": ["未发现问题"], "remarks": None, "status": "已公示",
                            "published_on": "2026-02-01"}]})
    reg, problems = load_registry(root)
    assert not [p for p in problems if p.severity == "error"], problems
    t = build_tables(reg, reg.tasks[TASK])
    assert rows[0]["id"] not in dict(t.candidates) and rows[1]["id"] in dict(t.candidates)
    assert sum(t.excluded.values()) == 1
    write_yaml(root / f"scjgj/tasks/{TASK}.yaml", task_yaml(trigger="上级专项检查"))
    reg, _ = load_registry(root)
    assert rows[0]["id"] in dict(build_tables(reg, reg.tasks[TASK]).candidates)


def test_joint_task_gives_each_target_inspectors_of_each_department(example, capsys):
    add_partner(example)
    write_yaml(example / f"scjgj/tasks/{TASK}.yaml", task_yaml(
        partners=[{"department": "swj", "items": ["SWJ-01"], "slots": 1}], random_date=True))
    r = str(example)
    assert ssj("draw", "freeze", TASK, "--registry", r) == 0
    assert ssj("draw", "run", TASK, "--registry", r) == 0
    record = json.loads((folder(example) / "record.json").read_text("utf-8"))
    assert record["manifest"]["slots"] == ["scjgj", "scjgj", "swj"]
    for x, people in record["assignments"].items():
        assert [p.split("-")[0] for p in people] == ["SCJG", "SCJG", "SWJ"] and len(set(people)) == 3
    days = record["manifest"]["inspection_days"]
    assert "2026-04-06" not in days and "2026-03-02" in days  # 清明节 holiday; a Monday
    assert set(record["dates"]) == set(record["order"]) and set(record["dates"].values()) <= set(days)
    assert ssj("verify", TASK, "--registry", r) == 0


def test_single_random_modes(example, capsys):
    r = str(example)
    fixed = [luozhuang(9)["id"], luozhuang(10)["id"]]
    write_yaml(example / f"scjgj/tasks/{TASK}.yaml", task_yaml(mode="单随机-人员", fixed_targets=fixed))
    assert ssj("draw", "freeze", TASK, "--registry", r) == 0 and ssj("draw", "run", TASK, "--registry", r) == 0
    record = json.loads((folder(example) / "record.json").read_text("utf-8"))
    assert sorted(record["order"]) == sorted(fixed) and all(len(v) == 2 for v in record["assignments"].values())
    other = "LY-SCJG-2026-009"
    write_yaml(example / f"scjgj/tasks/{other}.yaml", task_yaml(
        id=other, seq=9, published="2026-03-01", mode="单随机-对象", named_inspectors=["SCJG-0003", "SCJG-0004"],
        seed_sources=[{"kind": "dice", "date": "2026-03-02", "place": "会议室"}]))
    assert ssj("draw", "freeze", other, "--registry", r) == 0
    write_yaml(folder(example, other) / "sources.yaml", {"task": other, "sources": [{"kind": "dice", "value": "123"}]})
    write_yaml(folder(example, other) / "ceremony.yaml", {"ran_by": "科室", "ran_at": "2026-03-02T10:00:00+08:00"})
    assert ssj("draw", "run", other, "--registry", r) == 0
    rec2 = json.loads((folder(example, other) / "record.json").read_text("utf-8"))
    assert rec2["manifest"]["slots"] == [] and rec2["named_inspectors"] == ["SCJG-0003", "SCJG-0004"]
    assert len(rec2["order"]) == 5 and all(v == [] for v in rec2["assignments"].values())
    assert ssj("draw", "recuse", other, rec2["order"][0], "SCJG-0003", "--reason", "当事人或其近亲属",
               "--registry", r) == 2
    assert "单随机-对象" in capsys.readouterr().err
    assert ssj("verify", "--all", "--registry", r) == 0


def test_drand_beacon_archived_by_hand_and_checked_offline(example, capsys):
    """The spec's archived round 657413 (2023-09-15T11:00:03Z) serves a task published on 2023-09-13."""
    write_yaml(example / f"scjgj/tasks/{TASK}.yaml", task_yaml(
        year=2023, published="2023-09-13", period={"start": "2023-09-18", "end": "2023-10-31"},
        seed_sources=[{"kind": "drand-quicknet", "round": 657413}]))
    r = str(example)
    (folder(example) / "sources.yaml").unlink()
    assert ssj("draw", "freeze", TASK, "--registry", r) == 0
    assert ssj("draw", "beacon", TASK, "--signature", "00" * 48, "--registry", r) == 2
    assert not (folder(example) / "beacon.json").exists()
    assert ssj("draw", "beacon", TASK, "--signature", SIG_657413, "--registry", r) == 0
    beacon = json.loads((folder(example) / "beacon.json").read_text())
    assert beacon["beacons"] == [{"round": 657413, "signature": SIG_657413,
                                  "randomness": "fc1873a13f3545aeade8401532ef5519920652eee6b0d2b19ca12643b87b3587"}]
    assert ssj("draw", "run", TASK, "--registry", r) == 0
    capsys.readouterr()
    assert ssj("verify", TASK, "--registry", r) == 0
    out = capsys.readouterr().out
    assert "BLS" in out and "2023-09-15T11:00:03Z" in out and "PASS" in out


def test_explicit_drand_round_before_publication_is_refused(example, capsys):
    write_yaml(example / f"scjgj/tasks/{TASK}.yaml", task_yaml(
        year=2023, published="2023-09-15", period={"start": "2023-09-18", "end": "2023-10-31"},
        seed_sources=[{"kind": "drand-quicknet", "round": 657413}]))
    assert ssj("draw", "freeze", TASK, "--registry", str(example)) == 2
    assert "657413" in capsys.readouterr().err
    assert not (folder(example) / "manifest.json").exists()


def test_beacon_fetch_of_a_future_round_fails_clearly(example, capsys):
    write_yaml(example / f"scjgj/tasks/{TASK}.yaml", task_yaml(
        year=2028, published="2028-01-05", period={"start": "2028-01-12", "end": "2028-02-25"},
        seed_sources=[{"kind": "drand-quicknet"}]))
    assert ssj("draw", "freeze", TASK, "--registry", str(example)) == 0
    assert ssj("draw", "beacon", TASK, "--registry", str(example)) == 2
    err = capsys.readouterr().err
    assert "2028-01-06" in err and "does not exist yet" in err


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin"}).stdout


def test_committed_draw_is_append_only(example, capsys):
    r = str(example)
    assert ssj("draw", "freeze", TASK, "--registry", r) == 0 and ssj("draw", "run", TASK, "--registry", r) == 0
    _git(example, "init", "-q")
    _git(example, "add", "-A")
    _git(example, "commit", "-qm", "draw")
    capsys.readouterr()
    assert ssj("validate", r) == 0
    first = json.loads((folder(example) / "record.json").read_text())["order"][0]
    gone = json.loads((folder(example) / "record.json").read_text())["assignments"][first][0]
    assert ssj("draw", "recuse", TASK, first, gone, "--reason", "与案件有直接利害关系", "--date", "2026-02-26",
               "--registry", r) == 0
    capsys.readouterr()
    assert ssj("validate", r) == 0  # an appended event and the updated current assignments are fine
    _git(example, "add", "-A")
    _git(example, "commit", "-qm", "recusal")
    events = folder(example) / "events.yaml"
    events.write_text(events.read_text("utf-8").replace("与案件有直接利害关系", "其他关系可能影响公正"), "utf-8")
    rec = folder(example) / "record.json"
    rec.write_text(rec.read_text("utf-8").replace('"n": 2', '"n": 3'), "utf-8")
    (folder(example) / "conflicts.tsv").unlink()
    assert ssj("validate", r) == 1
    out = capsys.readouterr().out
    for name in ("events.yaml", "record.json", "conflicts.tsv"):
        assert f"draws/{TASK}/{name}" in out and "draw.immutable" in out
    _git(example, "checkout", "-q", "--", ".")
    assert ssj("validate", r, "--base", "HEAD~1") == 0


def test_overlaps_propose_a_joint_visit(capsys):
    """The example registry: the city and the 罗庄区 market regulators drew the same targets in overlapping periods."""
    reg_dir = str(Path(__file__).parents[1] / "registries")
    assert ssj("tasks", "overlaps", "--yaml", "--registry", reg_dir) == 0
    out = capsys.readouterr().out
    assert "SCJGJ-2026-001\t市场监管局\tSCJG-371311-2026-001" in out and "2026-03-23..2026-05-15" in out
    sketch = yaml.safe_load(out.split("# SCJGJ-2026-001 + SCJG-371311-2026-001\n", 1)[1].split("---\n")[0])
    assert sketch["mode"] == "单随机-人员" and sketch["partners"][0]["department"] == "scjg-371311"
    assert sketch["fixed_targets"] and sketch["period"] == {"start": "2026-03-23", "end": "2026-05-15"}
    assert ssj("tasks", "overlaps", "--period", "2026-07-01..2026-12-31", "--registry", reg_dir) == 0
    assert "没有发现" in capsys.readouterr().out
    assert ssj("tasks", "overlaps", "--period", "2026-07", "--registry", reg_dir) == 2


def test_scope_by_province_or_prefecture_matches_only_its_counties():
    from shuangsuiji.draw.wiring.candidates import _in_regions

    assert _in_regions("371302", ["371300"]) and _in_regions("371302", ["370000"])
    assert not _in_regions("371302", ["371000"])  # 威海市 is not a prefix of 临沂 codes
    assert not _in_regions("510104", ["500000"])  # 重庆 does not reach into 四川
    assert _in_regions("371302", ["371302"]) and not _in_regions("371311", ["371302"])
