"""`ssj build`: compile the registry into the public static site."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from shuangsuiji.cli.args import add_base_argument


def register(sub):
    p = sub.add_parser("build",
                       description="校验登记册、脱敏、生成网站（记录页面、说明页面、搜索索引、订阅、开放数据），"
                                   "完成后整体替换输出目录；出错时原网站保持不变。")
    p.add_argument("--registry", default="registries", help="登记册目录（默认 registries）/ registry folder")
    p.add_argument("--out", default="site", help="输出目录（默认 site）/ output folder")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="并行进程数 / worker processes")
    p.add_argument("--cache", default=None, help="缓存目录（默认输出目录旁的 .ssj-cache）/ cache folder")
    add_base_argument(p)
    p.set_defaults(func=run)


_LAST: list = []  # the last build's records, left for the process's end (`cli.entry` does not free them)


def run(args) -> int:
    from shuangsuiji.registry.immutability import check_base
    from shuangsuiji.site.build import build

    check_base(Path(args.registry), args.base)
    _LAST.clear()  # a caller running builds in one process holds one build's records at most
    stats = build(Path(args.registry), Path(args.out), jobs=max(1, args.jobs),
                  cache=Path(args.cache) if args.cache else None, base=args.base, keep=_LAST)
    sys.stdout.write(stats.line() + "\n")
    return 0
