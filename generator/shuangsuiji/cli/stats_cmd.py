"""`ssj stats`: statistics of tasks, draws and results by department, region, industry, type, item, year.

`--internal` adds the table by credit-risk class: it is for the departments only and
never reaches the site (the site gets `stats.compute(...).public()`).
"""

from __future__ import annotations

import sys

from shuangsuiji.analysis import stats
from shuangsuiji.cli.registry_arg import add_registry_arg, load_for_report
from shuangsuiji.core.errors import fail


def register(sub):
    p = sub.add_parser("stats",
                       description="按部门、区域、行业、主体类型、事项、年度统计任务、候选、抽中、检查、结果、处置、"
                                   "问题发现率（95% 置信区间）、按时公示率、联合抽查率、人均检查户次。")
    add_registry_arg(p)
    p.add_argument("--by", action="append", choices=[*stats.DIMENSIONS, "credit"],
                   help="统计维度，可重复（默认全部）；credit 仅与 --internal 同用 / dimension, repeatable")
    p.add_argument("--format", choices=["text", "csv", "json"], default="text", help="输出格式 / output format")
    p.add_argument("--internal", action="store_true",
                   help="内部报告：增加按信用风险分类的统计（不得公开）/ internal: add the table by credit class")
    p.set_defaults(func=run)


def run(args) -> int:
    dims = args.by or list(stats.INTERNAL_DIMENSIONS if args.internal else stats.PUBLIC_DIMENSIONS)
    if "credit" in dims and not args.internal:
        fail("usage.credit-internal", "按信用风险分类的统计只能在内部报告中查看", "the credit-class table is internal only",
             "加上 --internal（结果不得公开）", "add --internal (the output must not be published)")
    reg = load_for_report(args.registry)
    st = stats.compute(reg, internal=args.internal)
    out = sys.stdout
    if args.format == "json":
        out.write(stats.to_json(st, dims) + "\n")
    elif args.format == "csv":
        if len(dims) != 1:
                fail("usage.csv-one", "CSV 输出一次只能选一个维度", "CSV output takes exactly one --by",
                 "例如 ssj stats --by region --format csv", "e.g. ssj stats --by region --format csv")
        out.write(stats.table_csv(st.tables[dims[0]], st.total).lstrip("\ufeff"))
    else:
        if args.internal:
            out.write("【内部资料，含信用风险分类，不得公开】 / INTERNAL: holds credit classes, do not publish\n")
        for d in dims:
            out.write(f"\n== 按{stats.DIMENSIONS.get(d, '信用风险分类')}统计 / by {d} ==\n")
            out.write("\n".join(stats.text_table(st.tables[d], st.total)) + "\n")
    return 0
