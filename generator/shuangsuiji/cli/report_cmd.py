"""`ssj report duplicates|warnings`: internal analysis reports (重复检查, 风险预警)."""

from __future__ import annotations

import json
import sys

from shuangsuiji.analysis import stats
from shuangsuiji.analysis import warning
from shuangsuiji.cli.registry_arg import add_registry_arg, load_for_report
from shuangsuiji.analysis.duplicates import duplicates


def register(sub):
    p = sub.add_parser("report")
    s = p.add_subparsers(dest="report", metavar="REPORT", required=True, parser_class=type(p))
    d = s.add_parser("duplicates", help="同一季度多个部门分别检查同一对象 / repeated visits by several departments")
    w = s.add_parser("warnings", help="区域、行业问题发现率显著上升 / regions and industries whose problem rate rose")
    w.add_argument("--period", choices=["year", "quarter"], default="year", help="比较周期 / period")
    w.add_argument("--current", help="当前周期，如 2024 或 2024Q2（默认最近）/ current period")
    w.add_argument("--min-n", type=int, default=30, help="每期最少检查户次 / minimum results per period")
    w.add_argument("--alpha", type=float, default=0.05, help="BH 校正后的显著性水平 / FDR level")
    for q in (d, w):
        add_registry_arg(q)
        q.add_argument("--format", choices=["text", "json"], default="text", help="输出格式 / output format")
        q.set_defaults(func=run)


def run(args) -> int:
    reg = load_for_report(args.registry)
    out = sys.stdout
    if args.report == "duplicates":
        rep = duplicates(reg)
        if args.format == "json":
            out.write(json.dumps({"target_quarters": rep.target_quarters, "avoidable_visits": rep.avoidable_visits,
                                  "pairs": [vars(p) for p in rep.pairs],
                                  "examples": [list(e) for e in rep.examples]}, ensure_ascii=False, indent=1) + "\n")
            return 0
        out.write(f"同一季度被两个以上部门分别检查的对象（户·季度）：{rep.target_quarters}；可避免的检查：{rep.avoidable_visits} 次\n"
                  f"/ target-quarters visited separately by ≥2 departments: {rep.target_quarters}; "
                  f"avoidable visits: {rep.avoidable_visits}\n")
        for p in rep.pairs:
            out.write(f"  {reg.dept_name(p.dept_a)} + {reg.dept_name(p.dept_b)}：{p.targets} 户·季度，"
                      f"可避免 {p.avoidable} 次\n")
        return 0
    labels = {(dim, r.key): r.label for dim in warning.DIMS for r in stats.compute(reg).tables[dim]}
    tests = warning.early_warnings(stats.facts(reg), period=args.period, current=args.current, alpha=args.alpha,
                                   min_n=args.min_n, labels=labels)
    if args.format == "json":
        out.write(json.dumps([t.as_dict() for t in tests], ensure_ascii=False, indent=1) + "\n")
        return 0
    out.write("单侧两比例 z 检验（合并方差），每期 n ≥ {0}，Benjamini–Hochberg 校正（α = {1}）\n".format(
        args.min_n, args.alpha))
    for t in tests:
        mark = "【预警】" if t.flagged else "        "
        out.write(f"{mark}{warning.DIMS[t.dim]} {t.label}：{t.previous} {t.k0}/{t.n0}（{t.rate0:.1%}）→ "
                  f"{t.current} {t.k1}/{t.n1}（{t.rate1:.1%}） z={t.z:.2f} p={t.p:.3g} 校正后 p={t.p_adjusted:.3g}\n")
    if not tests:
        out.write("没有样本量足够的区域或行业 / no region or industry with enough results in both periods\n")
    return 0
