"""`ssj import FILE --dept D`: a filled Excel template into the registry, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path

from shuangsuiji.core.errors import Report, UserError, fail
from shuangsuiji.registry.excel import container_of, read_workbook, records_of, targets_csv
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import read_file
from shuangsuiji.registry.models.base import check_slug
from shuangsuiji.core.yamlio import LoadError, atomic_write_text, dump_yaml, load_yaml

# Fields of an existing file that the Excel table does not hold, so an import keeps them.
KEPT = {"items": ("review", "changes")}


def register(sub):
    p = sub.add_parser("import",
                       description="校验每一行，全部无误才写入登记册（有错误时不写任何文件）。 / "
                                   "Checks every row; writes only if there is no error.")
    p.add_argument("file", type=Path, metavar="FILE", help="填好的 .xlsx 模板 / the filled .xlsx template")
    p.add_argument("--dept", required=True, help="部门编号（文件夹名） / department id (its folder)")
    p.add_argument("--out", type=Path, default=Path("registries"), help="登记册目录 / registry folder")
    p.add_argument("--shard", default="import",
                   help="检查对象写入的分片名（targets/<shard>.csv） / shard name for targets")
    p.add_argument("--central", action="store_true",
                   help="检查对象写入公共名录库 targets/（市职能办），缺省写入部门子库 <dept>/targets/ / "
                        "write targets to the central library instead of the department's sub-library")
    p.set_defaults(func=run)


def _check_ids(args) -> None:
    for what, value in (("部门编号 / department id", args.dept), ("分片名 / shard name", args.shard)):
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


def _kept(out: Path, rel: str, names: tuple[str, ...]) -> dict:
    path = out / rel
    if not names or not path.is_file():
        return {}
    try:
        data = load_yaml(path, rel)
    except LoadError as e:
        raise UserError(e.problem) from None
    if not isinstance(data, dict):
        return {}
    return {k: data[k] for k in names if k in data}


def run(args) -> int:
    _check_ids(args)
    src = str(args.file)
    imp = records_of(read_workbook(args.file, src), args.dept, src)
    kind = imp.template.kind
    if kind == "targets":
        rel = f"targets/{args.shard}.csv" if args.central else f"{args.dept}/targets/{args.shard}.csv"
        text = targets_csv(imp.records)
    else:
        rel = f"{args.dept}/{kind}.yaml"
        record, more = container_of(imp, args.dept, _kept(args.out, rel, KEPT.get(kind, ())), src, rel)
        imp.problems += more
        if record is not None:
            text = dump_yaml(record.model_dump(mode="json", exclude_defaults=True),
                             schema=f"../schema/{kind}.schema.json")
    if imp.problems:
        report = Report(imp.problems, files_checked=1)
        sys.stderr.write(report.render("text") + "\n")
        sys.stderr.write("未写入任何文件 / nothing was written\n")
        return 1
    atomic_write_text(args.out / rel, text)
    print(f"已导入 {len(imp.records)} 条记录：{args.out / rel} / imported {len(imp.records)} records into "
          f"{args.out / rel}")
    return 0
