"""A registry built to match the worked example of spec draw.md (same ids, strata, inspectors, conflict, sources)."""

from __future__ import annotations

from pathlib import Path

from registry_fixture import make_registry, target_row, write_targets, write_yaml
from shuangsuiji.core.codes import make_uscc

TASK = "LY-SCJG-2026-001"
DICE = "31415926535897932384"
LOTTERY = "2026001:03.07.12.19.25.31.08"
SPEC_C = "bd2583c91b8291ea80254ee3aa46ed2251a8da92754c5bcd6a532d65bdb0128f"
SPEC_SEED = "b52033fb4f18f7f2ff02f16bf027b10419df74647a56eb83f346137e759cf7bb"


def luozhuang(i: int, **over) -> dict:
    uscc = make_uscc(f"92371311MA3D{i:05d}")
    return target_row(i, region="371311", kind="2", id=uscc, uscc=uscc, **over)


def task_yaml(**over) -> dict:
    task = {
        "id": TASK, "department": "scjgj", "year": 2026, "seq": 1, "title": "2026年第一批企业公示信息抽查",
        "items": ["SCJG-01"], "ratios": {"B": "0.25", "flagged": "1"},
        "period": {"start": "2026-03-02", "end": "2026-04-30"}, "published": "2026-02-20",
        "seed_sources": [{"kind": "dice", "date": "2026-02-25", "place": "临沂市政务服务中心"},
                         {"kind": "lottery", "lottery": "双色球", "draw_id": "2026001", "date": "2026-02-24"}],
    }
    task.update(over)
    return task


def make_example_registry(root: Path, **task_over) -> Path:
    """The spec's 8 + 3 candidates: 兰山区 class B (→ 371302|一般), 罗庄区 flagged (→ 371311|重点)."""
    make_registry(root, n_targets=8)
    write_targets(root / "targets/371311.csv", [luozhuang(i, flags="经营异常名录", credit_class="C")
                                               for i in (9, 10, 11)])
    write_yaml(root / f"scjgj/tasks/{TASK}.yaml", task_yaml(**task_over))
    d = root / f"scjgj/draws/{TASK}"
    write_yaml(d / "conflicts.yaml", {"task": TASK, "conflicts": [
        {"inspector": "SCJG-0001", "target": "92371311MA3D00009E", "reason": "当事人或其近亲属",
         "declared_by": "SCJG-0001", "date": "2026-02-18"}]})
    return root


def add_sources(root: Path) -> None:
    d = root / f"scjgj/draws/{TASK}"
    write_yaml(d / "sources.yaml", {"task": TASK, "sources": [
        {"kind": "dice", "value": DICE, "witnesses": ["张三（市人大代表）", "李四（市政协委员）"]},
        {"kind": "lottery", "value": LOTTERY}]})
    write_yaml(d / "ceremony.yaml", {"ran_by": "临沂市市场监督管理局 信用监管科", "ran_at": "2026-02-25T10:00:00+08:00",
                                     "witnesses": [{"name": "张三", "role": "人大代表"}]})


SIG_657413 = ("b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be"
              "41076862b98fad56e91a6b85b89cd97b")


def add_partner(root: Path, dept: str = "swj", n: int = 3) -> None:
    """A second department (市商务局) with its own item and inspectors, for joint tasks."""
    import yaml

    from registry_fixture import ITEM, inspector
    doc = yaml.safe_load((root / "departments.yaml").read_text("utf-8"))
    doc["departments"].append({"id": dept, "name": "市商务局", "full_name": "临沂市商务局", "level": "市级",
                               "region": "371300", "owners": [f"@linyi/{dept}"]})
    write_yaml(root / "departments.yaml", doc)
    write_yaml(root / f"{dept}/config.yaml", {"department": dept, "units": [{"id": dept, "name": "临沂市商务局"}]})
    item = {**ITEM, "id": "SWJ-01", "name": "单用途商业预付卡抽查", "initiator": dept, "matters": []}
    write_yaml(root / f"{dept}/items.yaml", {"department": dept, "items": [item]})
    write_yaml(root / f"{dept}/inspectors.yaml", {"department": dept, "inspectors": [
        inspector(100 + i, id=f"SWJ-{i:04d}", unit=dept, items=["SWJ-01"]) for i in range(1, n + 1)]})
