"""`ssj progress`: the supervision dashboard (工作进度) of every Annex 1 and county department; `--xlsx` for 市职能办."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from shuangsuiji.analysis import progress
from shuangsuiji.analysis import stats
from shuangsuiji.cli.args import as_of_date
from shuangsuiji.cli.registry_arg import add_registry_arg, load_for_report


def register(sub):
    p = sub.add_parser("progress",
                       description="各部门（含已并入部门、县级部门）的工作进度台账：实施方案及 config.yaml 中每个工作节点一栏，"
                                   "完成的注明日期，逾期标出。")
    add_registry_arg(p)
    p.add_argument("--as-of", type=as_of_date, default=None, metavar="YYYY-MM-DD", help="截至日期（默认今天）/ as of")
    p.add_argument("--xlsx", metavar="FILE", help="导出 Excel 工作簿 / export as XLSX")
    p.set_defaults(func=run)


def run(args) -> int:
    reg = load_for_report(args.registry)
    as_of = args.as_of or date.today()
    city, county = progress.dashboard(reg, stats.facts(reg), as_of)
    out = sys.stdout
    out.write(f"工作进度台账（截至 {as_of}）/ progress as of {as_of}\n"
              "✓ 按时完成（日期）/ done on time; 逾期完成 / done late; 逾期未完成 / overdue; "
              "未到期 / not yet due; — 不适用（未设立或已并入）/ not applicable\n")
    for title, rows in (("市直部门 / city departments", city), ("县级部门 / county departments", county)):
        out.write(f"\n{title}\n")
        out.writelines(line + "\n" for line in progress.text_table(rows, as_of))
    if args.xlsx:
        progress.write_xlsx(Path(args.xlsx), city, county, as_of)
        sys.stderr.write(f"已导出 / written: {args.xlsx}\n")
    return 0
