"""`ssj synth`: write the example or a scale registry; `ssj synth results`: results of drawn tasks."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from shuangsuiji.core.errors import UserError, fail
from shuangsuiji.registry.load import load_registry


def register(sub):
    p = sub.add_parser("synth",
                       description="ssj synth --scale example --out registries：生成临沂示例登记册；"
                                   "ssj synth results --registry registries：为已抽取的任务生成检查结果。")
    p.add_argument("what", nargs="?", choices=("registry", "results"), default="registry",
                   help="registry（默认）或 results / what to write")
    p.add_argument("--scale", choices=("tiny", "example", "city", "province"), default="example",
                   help="规模 / size: tiny, example (临沂示例), city (100 万对象), province (1000 万对象)")
    p.add_argument("--out", help="输出目录 / output folder (registry)")
    p.add_argument("--jobs", type=int, default=None, help="并行进程数 / worker processes")
    p.add_argument("--registry", default="registries", help="登记册目录 / registry folder (results)")
    p.add_argument("--task", action="append", default=[], help="只为该任务生成结果（可重复）/ only this task")
    p.add_argument("--as-of", type=date.fromisoformat, default=None,
                   help="截至日期：此后才公示的结果记为待审核或草稿 / results published later stay unpublished")
    p.set_defaults(func=run)


def run(args) -> int:
    from shuangsuiji.synth import example as synth  # heavy imports only when the command runs

    if args.what == "results":
        root = Path(args.registry)
        if not root.is_dir():
            fail("synth.no-registry", f"找不到登记册目录 {root}", f"registry folder {root} not found",
                 "用 --registry 指定登记册目录", "give the folder with --registry")
        reg, problems = load_registry(root)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise UserError(*errors)
        unknown = [t for t in args.task if t not in reg.tasks]
        if unknown:
            fail("synth.unknown-task", f"任务 {', '.join(unknown)} 不存在", f"unknown task {', '.join(unknown)}",
                 "使用 <部门>/tasks/ 下已有的任务编号", "use an existing task id")
        for rel in synth.write_results(reg, args.task or None, args.as_of):
            print(rel)
        return 0
    if not args.out:
        fail("synth.no-out", "缺少输出目录 --out", "missing --out", "例如：ssj synth --scale example --out registries",
             "e.g. ssj synth --scale example --out registries")
    start = time.monotonic()
    counts = synth.generate(Path(args.out), synth.SCALES[args.scale], args.jobs)
    summary = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    print(f"已生成 {args.scale} 登记册 / wrote the {args.scale} registry in {args.out}: {summary} "
          f"({time.monotonic() - start:.1f} s)")
    return 0
