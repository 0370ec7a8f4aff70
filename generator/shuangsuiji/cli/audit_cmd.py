"""`ssj audit-leaks SITE_DIR`: scan every output byte for private and withheld registry values.

Prints the file and the kind of value of each hit, never the value; exit 1 on any hit.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from shuangsuiji.privacy import audit
from shuangsuiji.cli.registry_arg import add_registry_arg, load_for_report
from shuangsuiji.core.errors import fail, plural


def register(sub):
    p = sub.add_parser("audit-leaks",
                       description="收集登记册中全部非公开与依法不予公开的值（原样与规范化形式），逐字节扫描网站输出"
                                   "（HTML、JSON、CSV、XLSX、订阅、站点地图、搜索索引解压后）。只报告文件与值的类别，"
                                   "不显示值本身。有任何命中则退出码为 1。")
    p.add_argument("site", metavar="SITE_DIR", help="网站输出目录 / built site folder")
    add_registry_arg(p)
    p.add_argument("--all-targets", action="store_true",
                   help="检查名录库中全部检查对象的非公开值（城市级较慢）/ include every target of the directory")
    p.add_argument("--jobs", type=int, default=None, help="并行进程数 / worker processes")
    p.set_defaults(func=run)


def run(args) -> int:
    site = Path(args.site)
    if not site.is_dir():
        fail("usage.no-site", f"网站目录不存在：{site}", f"no such site folder: {site}",
             "先运行 ssj build，或检查路径", "run ssj build first, or check the path")
    reg = load_for_report(args.registry)
    t0 = time.perf_counter()
    needles = audit.needles_for(reg, all_targets=args.all_targets)
    t1 = time.perf_counter()
    leaks = audit.audit_files(site, needles, args.jobs)
    t2 = time.perf_counter()
    files = audit.site_files(site)
    size = sum((site / f).stat().st_size for f in files)
    for leak in leaks:
        sys.stdout.write(f"{leak.file}: 泄露 leak: {leak.kind}\n")
    sys.stderr.write(f"检查值 {len(needles)} 个（另有 {needles.exempt} 个同时为公开值，不计）；扫描 {len(files)} 个文件 "
                     f"{size / 1e6:.1f} MB，用时 {t2 - t1:.1f} 秒（准备 {t1 - t0:.1f} 秒） / "
                     f"{len(needles)} values ({needles.exempt} also public, exempt); {len(files)} files, "
                     f"{size / 1e6:.1f} MB scanned in {t2 - t1:.1f} s (setup {t1 - t0:.1f} s)\n")
    if leaks:
        by_kind = Counter(leak.kind for leak in leaks)
        sys.stderr.write(f"发现 {len(leaks)} 处泄露，按类别 / {plural(len(leaks), 'leak')} by kind:\n"
                         + "".join(f"  {n:6d}  {k}\n" for k, n in sorted(by_kind.items())))
        return 1
    sys.stderr.write("未发现泄露 / no leaks found\n")
    return 0
