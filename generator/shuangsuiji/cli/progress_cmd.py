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
                       description="附件1各部门及县级部门的工作进度：清单公布、两库、实施细则、联络人、覆盖率、"
                                   "年度计划、任务、按时公示；逾期标出。")
    add_registry_arg(p)
    p.add_argument("--as-of", type=as_of_date, default=None, metavar="YYYY-MM-DD", help="截至日期（默认今天）/ as of")
    p.add_argument("--xlsx", metavar="FILE", help="导出 Excel 工作簿 / export as XLSX")
    p.set_defaults(func=run)


def run(args) -> int:
    reg = load_for_report(args.registry)
    as_of = args.as_of or date.today()
    city, county = progress.dashboard(reg, stats.facts(reg), as_of)
    out = sys.stdout
    out.write(f"工作进度（截至 {as_of}）/ progress as of {as_of}\n")
    for dp in city:
        late = [c.what for c in dp.checks if c.overdue(as_of)]
        cov = f"{dp.coverage:.0%}" if dp.coverage is not None else "—"
        out.write(f"{dp.name}（{dp.dept}） 覆盖率 {cov}  任务 {dp.tasks_done}/{dp.tasks_total}  "
                  f"按时公示 {dp.results_on_time}/{dp.results_published}"
                  + (f"  逾期：{'、'.join(late)}" if late else "") + "\n")
    for dp in county:
        c = dp.checks[0]
        out.write(f"[县级] {dp.name}（{dp.dept}） 清单公布 {c.done_on or '—'}  {c.status(as_of)}\n")
    if args.xlsx:
        progress.write_xlsx(Path(args.xlsx), city, county, as_of)
        sys.stderr.write(f"已导出 / written: {args.xlsx}\n")
    return 0
