"""`ssj export-public DIR`: the public git mirror of the registry (only redacted data, same history)."""

from __future__ import annotations

import sys
from pathlib import Path

from shuangsuiji.core.errors import plural
from shuangsuiji.privacy.audit import audit_files, needles_for
from shuangsuiji.cli.registry_arg import add_registry_arg, load_for_report
from shuangsuiji.privacy.mirror import export_public


def register(sub):
    p = sub.add_parser("export-public",
                       description="为登记册每个提交生成一个只含公开数据的镜像提交（作者、时间、说明相同，说明经遮蔽），"
                                   "可增量运行；完成后对镜像做泄露审计。")
    p.add_argument("out", metavar="DIR", help="镜像仓库目录 / mirror repository folder")
    add_registry_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    registry = Path(args.registry)
    done = export_public(registry, Path(args.out))
    for e in done:
        err = f"（该版本 {e.problems} 个错误记录未导出 / {plural(e.problems, 'record')} in error left out）" if e.problems else ""
        sys.stdout.write(f"{e.source[:12]} → {e.mirror[:12]}{err}\n")
    sys.stdout.write(f"镜像了 {len(done)} 个提交 / mirrored {plural(len(done), 'commit')}\n")
    leaks = audit_files(Path(args.out), needles_for(load_for_report(args.registry)), skip=(".git",))
    for leak in leaks:
        sys.stdout.write(f"{leak.file}: 泄露 leak: {leak.kind}\n")
    return 1 if leaks else 0
