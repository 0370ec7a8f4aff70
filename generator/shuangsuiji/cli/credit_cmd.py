"""`ssj credit`: credit events from results, and the feedback of flags into the target directory.

`ssj credit feedback` lists the targets whose directory flags lack what their results
imply (经营异常名录, 严重违法失信名单); with `--write` it writes them into the CSV shards
(atomically), so the next task freeze applies the department's raised `flagged` ratio.
Internal report: the flags are private and never published.
"""

from __future__ import annotations

import json
import sys
from datetime import date

from shuangsuiji.analysis import credit
from shuangsuiji.cli.args import as_of_date
from shuangsuiji.cli.registry_arg import add_registry_arg, load_for_report
from shuangsuiji.core.errors import plural


def register(sub):
    p = sub.add_parser("credit",
                       description="由抽查结果生成信用事件（列入经营异常名录、严重违法失信名单、移送司法机关），"
                                   "并把信用标记回写检查对象名录库（内部）。")
    s = p.add_subparsers(dest="credit_command", metavar="ACTION", required=True, parser_class=type(p))
    for name, help_zh in (("events", "列出信用事件 / list credit events"),
                          ("feedback", "信用标记回写报告（内部）/ flags to write back (internal)")):
        q = s.add_parser(name, help=help_zh)
        add_registry_arg(q)
        q.add_argument("--as-of", type=as_of_date, default=None, metavar="YYYY-MM-DD",
                       help="截至日期（默认今天）/ as of this date (default today)")
        q.add_argument("--format", choices=["text", "json"], default="text", help="输出格式 / output format")
        if name == "feedback":
            q.add_argument("--write", action="store_true",
                           help="写回名录库 CSV 分片（原子写入）/ write the flags into the CSV shards")
        q.set_defaults(func=run)


def run(args) -> int:
    reg = load_for_report(args.registry)
    as_of = args.as_of or date.today()
    events = credit.credit_events(reg, as_of)
    out = sys.stdout
    if args.credit_command == "events":
        if args.format == "json":
            out.write(json.dumps([e.as_dict() for e in events], ensure_ascii=False, indent=1) + "\n")
        else:
            for e in events:
                mark = "" if e.recorded else "（按时限推定）"
                out.write(f"{e.target}  {e.kind}  {e.date}{mark}  {e.ground}  依据：{e.basis}  结果 {e.result}\n")
            out.write(f"截至 {as_of}：共 {len(events)} 个信用事件 / {len(events)} credit events as of {as_of}\n")
        return 0
    updates = credit.feedback_updates(reg, events)
    if args.format == "json":
        out.write(json.dumps([{"target": u.target, "file": u.file, "old": list(u.old), "new": list(u.new)}
                              for u in updates], ensure_ascii=False, indent=1) + "\n")
    else:
        out.write("【内部资料：信用标记不得公开】 / INTERNAL: flags are never published\n")
        for u in updates:
            out.write(f"{u.file}  {u.target}  {';'.join(u.old) or '（无）'} → {';'.join(u.new)}\n")
    if args.write and updates:
        files = credit.write_flags(reg.root, updates)
        sys.stderr.write(f"已回写 {len(updates)} 个检查对象的信用标记（{len(files)} 个文件）/ "
                         f"wrote flags of {plural(len(updates), 'target')} into {plural(len(files), 'file')}\n")
    elif not updates:
        sys.stderr.write("名录库的信用标记已是最新 / flags are up to date\n")
    return 0
