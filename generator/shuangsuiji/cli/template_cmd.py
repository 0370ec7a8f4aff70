"""`ssj template KIND [--dept D]`: an Excel template of one of the plan's annexes (附件2–5),
empty or holding the department's current records (the starting point of an edit and re-import)."""

from __future__ import annotations

from pathlib import Path

from shuangsuiji.core.errors import UserError, fail, plural
from shuangsuiji.registry.excel import TEMPLATES, template_bytes
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import read_file
from shuangsuiji.registry.models.target import Target
from shuangsuiji.core.yamlio import atomic_write_bytes


def register(sub):
    kinds = "、".join(f"{k}（{t.title}）" for k, t in TEMPLATES.items())
    p = sub.add_parser("template",
                       description=f"生成填报模板：{kinds}。加 --dept 时填入该部门现有记录，改好后用 ssj import 导回。 / "
                                   "Write the Excel template of an annex; with --dept, holding the department's "
                                   "current records, to edit and import back.")
    p.add_argument("kind", choices=list(TEMPLATES), metavar="KIND", help=" | ".join(TEMPLATES))
    p.add_argument("--out", type=Path, help="输出文件（缺省为“附件N 名称.xlsx”） / output file")
    p.add_argument("--dept", help="填入该部门的现有记录 / fill in this department's current records")
    p.add_argument("--registry", type=Path, default=Path("registries"), metavar="DIR",
                   help="登记册目录（默认 registries） / registry folder")
    p.add_argument("--central", action="store_true",
                   help="检查对象取自公共名录库 targets/，缺省取部门子库 <dept>/targets/ / "
                        "targets from the central library instead of the department's sub-library")
    p.set_defaults(func=run)


def _read(root: Path, rel: str):
    res = read_file(root, match(rel))
    if res.problems or res.record is None:
        raise UserError(*res.problems)
    return res.record


def _current(root: Path, kind: str, dept: str, central: bool):
    """The department's records of the kind, and the file record they belong to (None for targets)."""
    if kind == "targets":
        folder = root / ("targets" if central else f"{dept}/targets")
        names = list(Target.model_fields)
        rows = [row for path in sorted(folder.glob("*.csv")) for row in _read(root, path.relative_to(root).as_posix())]
        return [Target.model_construct(**dict(zip(names, row[:len(names)]))) for row in rows], None
    rel = f"{dept}/{kind}.yaml"
    if not (root / rel).is_file():
        fail("template.no-file", f"部门 {dept} 还没有 {rel}", f"department {dept} has no {rel} yet",
             "不加 --dept 生成空白模板", "leave out --dept for an empty template", file=rel)
    record = _read(root, rel)
    return getattr(record, TEMPLATES[kind].list_field), record


def run(args) -> int:
    t = TEMPLATES[args.kind]
    out = args.out or Path(t.filename)
    records = info = None
    if args.dept:
        records, info = _current(args.registry, args.kind, args.dept, args.central)
    atomic_write_bytes(out, template_bytes(args.kind, records, info))
    filled = f"，含 {len(records)} 条现有记录 / with {plural(len(records), 'current record')}" \
        if records is not None else ""
    print(f"已生成 {t.title} 模板{filled}：{out} / template written: {out}")
    if records == [] and args.kind == "targets" and not args.central:
        print(f"部门 {args.dept} 的子库 {args.dept}/targets/ 没有检查对象；公共名录库的对象请加 --central 导出 / "
              "the department's sub-library is empty; add --central for the central library")
    return 0
