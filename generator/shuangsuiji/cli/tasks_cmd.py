"""`ssj tasks overlaps [--period START..END] [--yaml]`: propose joint visits for doubly drawn targets."""

from __future__ import annotations

from datetime import date as Day
from pathlib import Path

from shuangsuiji.core.errors import fail


def register(sub):
    p = sub.add_parser("tasks")
    actions = p.add_subparsers(dest="tasks_action", metavar="ACTION")
    o = actions.add_parser(
        "overlaps", help="找出多个部门同期抽中的对象，建议合并为联合检查 / targets drawn by several departments",
        description="列出不同部门的任务在重叠的检查期间内抽中的相同对象，建议合并为一次联合检查（进一次门、查多项事）。")
    o.add_argument("--period", metavar="START..END", help="只看与该期间重叠的任务 / only tasks meeting this period")
    o.add_argument("--yaml", action="store_true", help="同时输出联合任务 YAML 草稿 / also print joint task sketches")
    o.add_argument("--registry", default="registries", help="登记册目录（默认 registries）/ registry folder")
    o.set_defaults(func=run_overlaps)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _period(text: str | None) -> tuple[Day | None, Day | None]:
    if not text:
        return None, None
    start, sep, end = text.partition("..")
    try:
        return (Day.fromisoformat(start) if start else None), (Day.fromisoformat(end) if end else None)
    except ValueError:
        fail("usage.period", f"期间 {text!r} 应写作 YYYY-MM-DD..YYYY-MM-DD", f"period {text!r} must be START..END",
             "例如 --period 2026-03-01..2026-06-30", "e.g. --period 2026-03-01..2026-06-30", field="--period")


def run_overlaps(args) -> int:
    from shuangsuiji.registry.load import load_registry
    from shuangsuiji.analysis.overlaps import find_overlaps, joint_task_sketch
    from shuangsuiji.core.yamlio import dump_yaml

    start, end = _period(args.period)
    root = Path(args.registry)
    if not (root / "departments.yaml").is_file():
        fail("usage.no-registry", f"{root} 不是登记册目录", f"{root} is not a registry folder", "用 --registry 指定",
             "name it with --registry")
    reg, _ = load_registry(root)
    found = find_overlaps(reg, start, end)
    if not found:
        print("没有发现不同部门同期重复抽中的对象。 / No target is drawn by several departments in overlapping periods.")
        return 0
    print("任务A\t部门A\t任务B\t部门B\t重叠期间\t对象数\t对象 / task A, dept A, task B, dept B, window, count, targets")
    for o in found:
        names = "；".join(f"{x} {reg.targets[x].name}" if x in reg.targets else x for x in o.targets)
        print(f"{o.tasks[0]}\t{reg.dept_name(o.departments[0])}\t{o.tasks[1]}\t{reg.dept_name(o.departments[1])}\t"
              f"{o.start}..{o.end}\t{len(o.targets)}\t{names}")
    print(f"建议：以上 {sum(len(o.targets) for o in found)} 户合并为联合检查，进一次门、查多项事。 / "
          "Proposal: merge these into joint visits.")
    if args.yaml:
        for o in found:
            print(f"---\n# {o.tasks[0]} + {o.tasks[1]}\n" + dump_yaml(joint_task_sketch(reg, o)))
    return 0
