"""`ssj synth`: the committed Linyi example is a fresh generation, generation is byte-stable,
scale registries are valid, and results for a real draw pass validation."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from shuangsuiji.core import codes
from shuangsuiji.synth import example as synth
from shuangsuiji.synth import content as C
from shuangsuiji.cli import main
from shuangsuiji.registry.load import load_registry
from shuangsuiji.registry.validate import validate

REGISTRY = Path(__file__).resolve().parents[1] / "registries"


def ssj(*args: str) -> int:
    try:
        return main(list(args))
    except SystemExit as e:
        return int(e.code)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


def errors(root: Path) -> list[str]:
    reg, problems = load_registry(root, jobs=1)
    return [p.text() for p in problems + validate(reg) if p.severity == "error"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("example")
    assert ssj("synth", "--scale", "example", "--out", str(root), "--jobs", "1") == 0
    return root


def test_example_generation_is_byte_stable(fresh, tmp_path):
    again = tmp_path / "again"
    synth.generate(again, synth.SCALES["example"], jobs=2)  # parallel shards give the same bytes
    assert tree(again) == tree(fresh)


def test_committed_registry_equals_a_fresh_generation(fresh):
    """Nobody edits generated parts by hand: regenerate with `ssj synth --scale example --out registries`."""
    owned = {p.relative_to(REGISTRY).as_posix(): p.read_bytes() for p in synth.owned_paths(REGISTRY)}
    new = {p.relative_to(fresh).as_posix(): p.read_bytes() for p in synth.owned_paths(fresh)}
    assert sorted(owned) == sorted(new)
    changed = [rel for rel in new if owned[rel] != new[rel]]
    assert not changed, f"regenerate the example registry: {changed[:5]}"


def test_example_is_the_2017_plan(fresh):
    reg, problems = load_registry(fresh, jobs=1)
    assert problems == []
    assert [p.text() for p in validate(reg)] == []
    annex1 = [d for d in reg.departments.values() if d.annex1]
    assert len(annex1) == len(C.ANNEX1) == 58
    assert annex1[0].name == "市发改委" and annex1[0].full_name == "临沂市发展和改革委员会"
    assert reg.departments["jxw"].name == "经信委" and synth.current_name(reg.departments["jxw"]) == "临沂市工业和信息化局"
    assert all(d.level == "市级" and d.region == "371300" for d in annex1)
    coord = [d for d in reg.departments.values() if d.coordinator]
    assert [d.name for d in coord] == ["市职能办"]
    for old in ("gsj", "zljj", "syjj"):
        d = reg.departments[old]
        assert not d.active and [(e.event, e.into) for e in d.history] == [("并入", "scjgj")]
    assert [e.event for e in reg.departments["scjgj"].history] == ["设立"]
    counties = [d for d in reg.departments.values() if d.level == "县级"]
    assert sorted(d.region for d in counties) == [c for c, _, k, _ in C.REGIONS if k != "功能区"]
    assert {r.code for r in reg.regions.values() if r.kind == "功能区"} == {"371371", "371372", "371373"}

    city_lists = {d: lst for d, lst in reg.item_lists.items() if reg.departments[d].level == "市级"}
    assert len(city_lists) >= 12
    assert {d.id for d in annex1} - set(city_lists) == set(C.MISSING_LISTS) | (set(C.MERGERS) - set(C.ITEM_LISTS))
    assert [d for d, lst in city_lists.items() if lst.published_on() is None] == list(C.UNPUBLISHED)
    for lst in reg.item_lists.values():
        for it in lst.items:
            assert it.basis and 3 <= len(it.checklist) <= 6
    random_share = {d: sum(m.random for m in f.matters) / len(f.matters) for d, f in reg.matters.items()}
    assert [d for d, s in random_share.items() if s < 1] == list(C.COVERAGE_GAP)

    targets = list(reg.targets.values())
    assert len(targets) == 5_000
    assert all(codes.check_uscc(t.uscc) is None for t in targets if t.uscc)
    assert any(t.uscc is None and len(t.id) == 15 for t in targets)  # old entities known by 注册号 only
    types = Counter(t.type for t in targets)
    assert types.most_common(1)[0][0] == "个体工商户" and set(types) == set(dict(C.TYPE_WEIGHTS))
    credit = Counter(t.credit_class for t in targets)
    assert 0.55 < credit["B"] / len(targets) < 0.65 and 0.03 < credit["D"] / len(targets) < 0.07
    assert {t.region for t in targets} == {c for c, *_ in C.REGIONS}

    inspectors = list(reg.inspectors.values())
    curated = [i for d, f in reg.inspector_files.items() if d not in C.MINOR_LISTS for i in f.inspectors]
    assert 280 <= len(curated) <= 320  # the scale's count; each short list's department adds 4
    assert len(inspectors) - len(curated) == 4 * sum(1 for d in C.MINOR_LISTS if d in reg.inspector_files) > 0
    assert any(i.expert for i in inspectors) and any(i.cert_expiry.year < 2026 for i in inspectors)
    assert set(reg.liaisons) == {d.id for d in annex1} - {C.NO_LIAISON}  # merged ones filed theirs in 2017
    late = [d for d, f in reg.liaisons.items() if f.submitted > reg.config.deadlines[0].due]
    assert late == [C.LATE_LIAISON]
    assert {p.department for p in reg.plans.values()} == {d for d, lst in reg.item_lists.items()
                                                          if lst.published_on() and reg.departments[d].active}


def test_tiny_scale_registry_is_valid(tmp_path):
    root = tmp_path / "tiny"
    counts = synth.generate(root, synth.SCALES["tiny"], jobs=2)
    assert counts["targets"] == 3_000 and counts["tasks"] == 6 and counts["results"] == 120
    assert errors(root) == []
    reg, _ = load_registry(root, jobs=1)
    statuses = Counter(r.status for _, _, r in reg.all_results())
    assert statuses["更正"] >= 1 and statuses["撤回"] >= 1
    for task_id, _, r in reg.all_results():
        assert r.target in reg.tasks[task_id].fixed_targets and reg.targets[r.target].status == "存续"
    assert len(list(reg.all_results())) == len({r.target for _, _, r in reg.all_results()})  # disjoint


def test_results_for_a_real_draw(fresh, tmp_path):
    root = tmp_path / "reg"
    for rel, data in tree(fresh).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    task = "SCJGJ-2026-001"
    (root / "scjgj/tasks").mkdir()
    (root / f"scjgj/tasks/{task}.yaml").write_text(yaml.safe_dump({
        "id": task, "department": "scjgj", "year": 2026, "seq": 1, "title": "2026年第一批企业公示信息抽查",
        "items": ["SCJGJ-01"], "scope": {"regions": ["371329", "371328"]}, "ratios": {"A": "0.1", "B": "0.1"},
        "period": {"start": "2026-03-02", "end": "2026-04-30"}, "published": "2026-02-20",
        "seed_sources": [{"kind": "dice", "date": "2026-02-25", "place": "临沂市政务服务中心"}]},
        allow_unicode=True), encoding="utf-8")
    r = str(root)
    assert ssj("draw", "freeze", task, "--registry", r) == 0
    d = root / "scjgj/draws" / task
    (d / "sources.yaml").write_text(f"task: {task}\nsources:\n- {{kind: dice, value: '2718281828459045'}}\n",
                                    encoding="utf-8")
    (d / "ceremony.yaml").write_text("ran_by: 临沂市市场监督管理局\nran_at: '2026-02-25T10:00:00+08:00'\n",
                                     encoding="utf-8")
    assert ssj("draw", "run", task, "--registry", r) == 0
    assert ssj("synth", "results", "--registry", r) == 0
    first = (root / f"scjgj/results/{task}.yaml").read_bytes()
    assert ssj("synth", "results", "--registry", r) == 0
    assert (root / f"scjgj/results/{task}.yaml").read_bytes() == first
    assert errors(root) == []
    reg, _ = load_registry(root, jobs=1)
    record = json.loads((d / "record.json").read_text("utf-8"))
    results = reg.results[task].results
    assert sorted(x.target for x in results) == sorted(record["assignments"])
    assert {x.status for x in results} >= {"已公示", "更正", "撤回"}
    period = reg.tasks[task].period
    assert all(period.start <= x.inspected_on <= period.end for x in results)
    corrected = next(x for x in results if x.status == "更正")
    assert corrected.first is not None and corrected.first.outcome != corrected.outcome
    assert ssj("synth", "results", "--registry", r, "--task", "NOPE") == 2


def test_regeneration_removes_stale_owned_files_only(fresh, tmp_path):
    root = tmp_path / "reg"
    synth.generate(root, synth.SCALES["example"], jobs=1)
    stale = root / "scjgj" / "plans" / "2019.yaml"
    stale.write_text("stale", encoding="utf-8")
    task = root / "scjgj" / "tasks" / "X-1.yaml"
    task.parent.mkdir()
    task.write_text("kept", encoding="utf-8")
    synth.generate(root, synth.SCALES["example"], jobs=1)
    assert not stale.exists() and task.read_text(encoding="utf-8") == "kept"


def test_missing_out_is_a_clear_usage_error(capsys):
    assert ssj("synth", "--scale", "tiny") == 2
    assert "--out" in capsys.readouterr().err
