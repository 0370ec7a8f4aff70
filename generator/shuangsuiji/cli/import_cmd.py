"""`ssj import FILE --dept D`: a filled Excel template merged by id into the registry, all or nothing."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from shuangsuiji.cli.args import day
from shuangsuiji.core.errors import Report, fail
from shuangsuiji.registry.excel import read_workbook, records_of
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import read_file
from shuangsuiji.registry.merge import complete_partial, plan_targets, plan_yaml, render_plan
from shuangsuiji.registry.models.base import check_slug
from shuangsuiji.core.yamlio import atomic_write_text


def register(sub):
    p = sub.add_parser("import",
                       description="校验每一行，全部无误才写入登记册（有错误时不写任何文件）。按编号合并：表中的记录新增或更新，"
                                   "表中没有的记录保留（加 --replace 才删除）；先列出新增、修改（逐字段）和删除。 / "
                                   "Checks every row and writes only if there is no error. Records are merged by id: "
                                   "the sheet's records are added or updated, the others kept unless --replace; "
                                   "every addition, changed field and removal is listed first.")
    p.add_argument("file", type=Path, metavar="FILE", help="填好的 .xlsx 模板 / the filled .xlsx template")
    p.add_argument("--dept", required=True, help="部门编号（文件夹名） / department id (its folder)")
    p.add_argument("--registry", "--out", dest="out", type=Path, default=Path("registries"), metavar="DIR",
                   help="登记册目录（默认 registries） / registry folder")
    p.add_argument("--replace", action="store_true",
                   help="删除登记册中有、表中没有的记录 / remove the records the sheet does not hold")
    p.add_argument("--dry-run", action="store_true", help="只列出变化，不写入 / show the changes, write nothing")
    p.add_argument("--date", type=day, metavar="YYYY-MM-DD", help="记入事项清单动态调整记录的日期（默认今天） / date of the item-list change record "
                                  "(default: today)")
    p.add_argument("--shard", help="新增检查对象写入的分片名（targets/<shard>.csv，默认按区域代码） / "
                                   "shard for new targets (default: their region code)")
    p.add_argument("--central", action="store_true",
                   help="检查对象写入公共名录库 targets/（市职能办），缺省写入部门子库 <dept>/targets/ / "
                        "write targets to the central library instead of the department's sub-library")
    p.set_defaults(func=run)


def _check_ids(args) -> None:
    for what, value in (("部门编号 / department id", args.dept), ("分片名 / shard name", args.shard)):
        if value is None:
            continue
        try:
            check_slug(value)
        except ValueError as e:
            zh, _, en = str(e).partition(" / ")
            fail("import.bad-id", f"{what.split(' / ')[0]} “{value}” 无效：{zh}", f"bad {what.split(' / ')[1]} "
                 f"'{value}': {en}")
    rf = match("departments.yaml")
    if (args.out / rf.rel).is_file():
        depts = read_file(args.out, rf).record
        if depts is not None and args.dept not in {d.id for d in depts.departments}:
            fail("import.unknown-dept", f"部门编号 “{args.dept}” 不在 departments.yaml 中",
                 f"department '{args.dept}' is not in departments.yaml",
                 "使用 departments.yaml 中的部门编号（文件夹名）", "use a department id from departments.yaml")


def run(args) -> int:
    _check_ids(args)
    today = args.date or dt.date.today()
    src = str(args.file)
    book = read_workbook(args.file, src)
    if book.partial is not None:  # the site's item-list download: completed from the current items
        book.problems += complete_partial(book, args.out, args.dept, src)
    imp = records_of(book, args.dept, src)
    plan = None
    if not any(p.severity == "error" for p in imp.problems):
        if imp.template.kind == "targets":
            folder = "targets" if args.central else f"{args.dept}/targets"
            plan = plan_targets(args.out, imp, folder, args.shard, args.replace)
        else:
            plan = plan_yaml(args.out, imp, args.dept, args.replace, src, today)
        imp.problems += plan.problems
    report = Report(imp.problems, files_checked=1)
    if report.errors:
        sys.stderr.write(report.render("text") + "\n未写入任何文件 / nothing was written\n")
        return 1
    if imp.problems:  # notes: what was read in its canonical form
        print(report.render("text"))
    print(render_plan(plan))
    if args.dry_run:
        print("试运行，未写入任何文件 / dry run: nothing was written")
        return 0
    for rel, text in plan.writes.items():
        atomic_write_text(args.out / rel, text)
        print(f"已写入 {args.out / rel} / written")
    if not plan.writes:
        print("没有变化，未写入任何文件 / no changes: nothing was written")
    return 0
