"""Registry-backed actions of `ssj draw`: freeze, run, recuse, withdraw, beacon.

Each is an `(name, add_parser, run)` triple that `draw_cmd.ACTIONS` lists beside `compute`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shuangsuiji.cli.args import day


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("task", metavar="TASK", help="任务编号 / task id")
    p.add_argument("--registry", default="registries", help="登记册目录（默认 registries）/ registry folder")


def _add_freeze(actions):
    p = actions.add_parser(
        "freeze", help="冻结候选名单与人员名单，计算承诺值 C / freeze the tables, compute the commitment C",
        description="按任务的范围、排除条件和比例生成规范表与清单（manifest.json），写入 <部门>/draws/<任务>/。"
                    "已冻结的任务拒绝再次冻结。 / Builds the canonical tables and the manifest; refuses if frozen.")
    _common(p)
    p.add_argument("--minimal", action="store_true",
                   help="只含规范要求的字段（一致性测试用；不固定随机源计划）/ spec fields only (conformance tests)")
    return p


def _run_freeze(args) -> int:
    from shuangsuiji.draw.wiring.folder import freeze_task

    frozen, tables = freeze_task(Path(args.registry), args.task, args.minimal)
    m = frozen.manifest
    print(f"已冻结 / frozen: {args.task}")
    print(f"  候选对象 candidates: {len(frozen.input.candidates)}（{len(tables.ratios)} 层 strata）"
          f"  sha256 {m['candidates_sha256']}")
    for why, n in sorted(tables.excluded.items()):
        print(f"    排除 excluded {n}: {why}")
    print(f"  执法检查人员 inspectors: {len(frozen.input.inspectors)}  sha256 {m['inspectors_sha256']}")
    print(f"  回避 conflicts: {len(frozen.input.conflicts)}  sha256 {m['conflicts_sha256']}")
    print(f"  每户人员 slots: {', '.join(m['slots']) or '（不抽取人员 none）'}")
    for p in m.get("seed_plan", []):
        print(f"  随机源计划 seed plan: {', '.join(f'{k}={v}' for k, v in sorted(p.items()))}")
    if "previous_commitment" in m:
        print(f"  上一承诺 previous commitment: {m['previous_commitment'] or '（无 none）'}")
    print(f"承诺值 commitment C = {frozen.commitment}")
    print("请在随机源产生之前公布 C（任务公告）。 / Publish C (the task notice) before the sources exist.")
    return 0


def _add_run(actions):
    p = actions.add_parser(
        "run", help="用已公布的随机源执行抽取，写出 record.json / run the draw, write record.json",
        description="核对冻结文件仍与承诺值一致、随机源取值齐全有效（drand 离线验签）后执行抽取。 / "
                    "Checks the frozen files against C and every source, then draws.")
    _common(p)
    return p


def _run_run(args) -> int:
    from shuangsuiji.draw.wiring.folder import run_task

    record = run_task(Path(args.registry), args.task)
    print(f"已抽取 / drawn: {args.task}")
    print(f"  承诺值 commitment: {record['commitment']}")
    print(f"  种子 seed: {record['seed']}")
    for s in record["strata"]:
        print(f"  {s['label']}: N={s['N']} r={s['ratio']} n={s['n']}")
    print(f"  抽中 selected: {len(record['order'])}；容量 caps: {record['caps']}；记录 log: {len(record['initial_log'])}")
    return 0


def _add_recuse(actions):
    from typing import get_args

    from shuangsuiji.registry.models.base import RecusalReason

    p = actions.add_parser(
        "recuse", help="登记回避并按排序递补 / record a recusal and apply the replacement rule",
        description="向 events.yaml 追加回避事件（只追加，不修改），按 ranked(x) 递补，更新 record.json 的当前分配。 / "
                    "Appends a recusal event and re-applies the replacement rule.")
    _common(p)
    p.add_argument("target", metavar="TARGET", help="检查对象编号 / target id")
    p.add_argument("inspector", metavar="INSPECTOR", help="回避的执法检查人员编号 / inspector leaving")
    p.add_argument("--reason", required=True, choices=get_args(RecusalReason),
                   help="回避理由（行政处罚法第四十三条）/ reason code")
    p.add_argument("--date", help="日期 YYYY-MM-DD（默认今天）/ date (default today)")
    p.add_argument("--by", help="申报/决定人（默认抽取操作人）/ who declared it (default: who ran the draw)")
    return p


def _run_recuse(args) -> int:
    from shuangsuiji.draw.wiring.folder import recuse

    event, record = recuse(Path(args.registry), args.task, args.target, args.inspector, args.reason,
                           day(args.date) if args.date else None, args.by)
    now = record["assignments"][args.target]
    print(f"已登记回避 / recusal recorded: #{event.seq} {args.target} {args.inspector}（{args.reason}）")
    print(f"  当前检查人员 now assigned: {', '.join(i or '（空缺 empty）' for i in now)}")
    return 0


def _add_withdraw(actions):
    p = actions.add_parser(
        "withdraw", help="撤回任务（追加事件；已承诺的抽取照常执行并公开）/ withdraw a task (appended event)",
        description="向 events.yaml 追加“撤回任务”事件。已公布承诺的抽取仍须执行并公开结果。 / "
                    "Appends a 撤回任务 event; a committed draw is still executed and published.")
    _common(p)
    p.add_argument("--by", required=True, help="决定人 / who decided")
    p.add_argument("--date", help="日期 YYYY-MM-DD（默认今天）/ date (default today)")
    p.add_argument("--note", help="说明（内部）/ internal note")
    return p


def _run_withdraw(args) -> int:
    from shuangsuiji.draw.wiring.folder import withdraw

    event = withdraw(Path(args.registry), args.task, day(args.date) if args.date else None, args.by, args.note)
    print(f"已撤回 / withdrawn: {args.task}（事件 event #{event.seq}，{event.date}）")
    return 0


def _add_beacon(actions):
    p = actions.add_parser(
        "beacon", help="取得并存档计划中的 drand 轮次 / fetch and archive the planned drand round",
        description="联网时从 drand 取得计划轮次；离线时用 --signature 手工提供签名。验签后写入 beacon.json 与 "
                    "sources.yaml。 / Fetches the planned round (or takes --signature), checks it, archives it.")
    _common(p)
    p.add_argument("--signature", metavar="HEX", help="该轮次的 BLS 签名（96 位十六进制）/ the round's signature")
    return p


def _run_beacon(args) -> int:
    from shuangsuiji.draw.wiring.folder import archive_beacon

    b = archive_beacon(Path(args.registry), args.task, args.signature)
    print(f"已存档 drand 第 {b['round']} 轮 / archived drand round {b['round']}: randomness {b['randomness']}")
    return 0


REGISTRY_ACTIONS = [
    ("freeze", _add_freeze, _run_freeze),
    ("run", _add_run, _run_run),
    ("recuse", _add_recuse, _run_recuse),
    ("withdraw", _add_withdraw, _run_withdraw),
    ("beacon", _add_beacon, _run_beacon),
]
