"""`ssj verify [TASK…|--all] [--public]`: re-run draws and say PASS or FAIL, step by step.

Auditor mode (default) re-runs everything from the registry; `--public` works from the
published record alone (a record file, the site's `/api/tasks/<id>.json`, or a task's
record.json without its `private` part) and says what it could not check.
Exit 0 when everything passes, 1 when anything fails, 2 for bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

from shuangsuiji.core.errors import fail


def register(sub):
    p = sub.add_parser("verify",
                       description="复核抽取：重建规范表与承诺值，离线验证随机源，重算签号、抽取、匹配与回避递补。 / "
                                   "Re-runs draws: tables, commitment, sources (offline BLS), tickets, selection, "
                                   "matching, recusals. Exit 0 all pass, 1 any fail, 2 bad input.")
    p.add_argument("tasks", nargs="*", metavar="TASK",
                   help="任务编号；--public 时也可以是公开记录文件 / task ids (or record files with --public)")
    p.add_argument("--all", action="store_true", help="复核登记册中全部已冻结任务 / every frozen task")
    p.add_argument("--public", action="store_true", help="只用公开记录复核 / from the published record only")
    p.add_argument("--registry", default="registries", help="登记册目录（默认 registries）/ registry folder")
    p.set_defaults(func=run)


def _record_from_file(path: Path) -> dict:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        fail("verify.record-file", f"无法读取公开记录 {path}：{e}", f"cannot read the record {path}: {e}",
             "提供 record.json 或网站的 /api/tasks/<id>.json", "give a record.json or the site's task JSON", file=str(path))
    if isinstance(data, dict) and isinstance(data.get("draw"), dict):
        data = data["draw"]
    if not isinstance(data, dict) or data.get("tag") != "ssj-draw/1" or "commitment" not in data:
        fail("verify.not-a-record", f"{path} 不是 ssj-draw/1 抽取记录", f"{path} is not an ssj-draw/1 draw record",
             file=str(path))
    return {k: v for k, v in data.items() if k != "private"}


def _registry(root: Path):
    from shuangsuiji.registry.load import load_registry

    if not (root / "departments.yaml").is_file():
        fail("verify.no-registry", f"{root} 不是登记册目录（没有 departments.yaml）",
             f"{root} is not a registry folder (no departments.yaml)", "用 --registry 指定登记册目录",
             "name the registry folder with --registry")
    return load_registry(root)[0]


def _print(title: str, checks) -> bool:
    from shuangsuiji.draw.verifier import worst

    status = worst(checks)
    print(f"== {title}")
    for c in checks:
        print(c.line())
    print(f"== {title}: {'通过 PASS' if status == 'PASS' else '未通过 FAIL'}\n")
    return status == "PASS"


def _public(title: str, record: dict):
    """public_checks, with a malformed record (missing or mistyped fields) as bad input, not a traceback."""
    from shuangsuiji.draw.verifier import public_checks

    try:
        return public_checks(record)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        fail("verify.bad-record", f"{title} 的抽取记录格式不对：{type(e).__name__} {e}",
             f"{title}: malformed draw record ({type(e).__name__}: {e})",
             "使用 ssj draw run 写出的 record.json 或网站的 /api/tasks/<id>.json，不要手工修改结构",
             "use a record written by ssj draw run or the site's task JSON, unedited in shape", file=title)


def run(args) -> int:
    if not args.tasks and not args.all:
        fail("usage.verify", "请指定任务编号、记录文件或 --all", "name tasks, record files or --all",
             "例如：ssj verify --all", "e.g. ssj verify --all")
    root = Path(args.registry)
    jobs: list[tuple[str, object]] = []  # (title, task id or record dict)
    reg = None
    for t in args.tasks:
        if args.public and Path(t).is_file():
            jobs.append((t, _record_from_file(Path(t))))
            continue
        reg = reg or _registry(root)
        if t not in reg.draws or not isinstance(reg.draws[t].manifest, dict):
            fail("verify.unknown-task", f"任务 {t} 不存在或尚未冻结", f"task {t} does not exist or is not frozen",
                 "使用已冻结任务的编号", "use the id of a frozen task", field="TASK")
        jobs.append((t, t))
    if args.all:
        reg = reg or _registry(root)
        jobs += [(t, t) for t in sorted(reg.draws) if isinstance(reg.draws[t].manifest, dict)]
    ok = True
    if args.public:
        from shuangsuiji.draw.verifier import Check

        for title, what in jobs:
            if isinstance(what, str):
                rec = reg.draws[what].record
                if not isinstance(rec, dict):
                    ok &= _print(f"{title}（公开记录 public record）", [Check("FAIL", "尚未抽取 / not drawn yet")])
                    continue
                what = {k: v for k, v in rec.items() if k != "private"}
            ok &= _print(f"{title}（公开记录 public record）", _public(title, what))
        return 0 if ok else 1
    from shuangsuiji.draw.wiring.audit import Snapshots, audit_task

    snaps = Snapshots.open(root)
    try:
        for title, task_id in jobs:
            ok &= _print(f"{title}（审计 auditor, registry {root}）", audit_task(reg, task_id, snaps))
    finally:
        snaps.close()
    return 0 if ok else 1
