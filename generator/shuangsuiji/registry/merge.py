"""Merging imported records into the files where the registry keeps them, by id.

Layer: registry (beside excel.py; the `ssj import` command prints and writes what it plans).
An import never loses data: a record of the sheet replaces the record with its id (in the
file or CSV shard where it lives), a new one is added, and a record the sheet does not hold
is kept unless `replace` is asked for. The plan lists every addition, every changed field
(old → new) and every removal before anything is written; an item list records the change
in its own change log (动态调整记录).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from shuangsuiji.core.errors import Problem, UserError, problem
from shuangsuiji.registry.excel import FilledBook, Imported, Template, cell_problem, container_of, target_row
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import read_file
from shuangsuiji.registry.models.item import ListChange
from shuangsuiji.registry.models.target import Target
from shuangsuiji.core.yamlio import LoadError, dump_yaml, read_csv, read_text

_SCHEMA_LINE = "# yaml-language-server: $schema="


@dataclass
class Change:
    action: str  # added | changed | removed
    key: str  # the record's id (or role, for liaison people)
    label: str  # its name, for people reading the plan
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)  # (header, old, new) of a change
    where: str = ""  # the file the record lives in


@dataclass
class Plan:
    changes: list[Change]
    writes: dict[str, str]  # registry-relative path → new text
    kept: int  # records of the registry the sheet does not hold, kept (no --replace)
    problems: list[Problem] = field(default_factory=list)


def _shown(v: Any) -> str:
    if v is None or v == "" or v == []:
        return "（空）"
    if isinstance(v, list):
        return "；".join(_shown(x) for x in v)
    if isinstance(v, dict):
        return "".join(str(x) for x in v.values() if x is not None) if "law" in v else \
            "，".join(f"{k}={x}" for k, x in v.items())
    return str(v)


def _diff(headers: dict[str, str], old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    names = list(headers) + [n for n in {**old, **new} if n not in headers]
    return [(headers.get(n, n), _shown(old.get(n)), _shown(new.get(n))) for n in names
            if old.get(n) != new.get(n)]


def _headers(t: Template) -> dict[str, str]:
    return {c.name: c.header for c in t.main.columns} | {name: sheet.title for name, sheet in t.children.items()}


def _key(kind: str, rec: dict[str, Any], seen: dict[str, int]) -> str:
    """Liaison people have no id: the n-th person of a role is that role's n-th row."""
    if kind != "liaison":
        return rec["id"]
    seen[rec["role"]] = seen.get(rec["role"], 0) + 1
    return rec["role"] if seen[rec["role"]] == 1 else f"{rec['role']}（{seen[rec['role']]}）"


def _label(rec: dict[str, Any]) -> str:
    return str(rec.get("name") or "")


def _merge_lists(kind: str, t: Template, old: list[dict], new: list[dict], replace: bool, where: str
                 ) -> tuple[list[dict], list[Change], int]:
    seen_old: dict[str, int] = {}
    seen_new: dict[str, int] = {}
    old_by = {_key(kind, r, seen_old): r for r in old}
    new_by = {_key(kind, r, seen_new): r for r in new}
    headers = _headers(t)
    out, changes, kept = [], [], 0
    for k, rec in old_by.items():
        if k in new_by:
            fields = _diff(headers, rec, new_by[k])
            if fields:
                changes.append(Change("changed", k, _label(new_by[k]), fields, where))
            out.append(new_by[k])
        elif replace:
            changes.append(Change("removed", k, _label(rec), where=where))
        else:
            kept += 1
            out.append(rec)
    for k, rec in new_by.items():
        if k not in old_by:
            changes.append(Change("added", k, _label(rec), where=where))
            out.append(rec)
    return out, changes, kept


def _existing(root: Path, rel: str) -> tuple[BaseModel | None, str | None]:
    """The file's record and its schema line; a file that does not validate stops the import."""
    path = root / rel
    if not path.is_file():
        return None, None
    res = read_file(root, match(rel))
    if res.problems or res.record is None:
        raise UserError(*res.problems, problem(
            "import.existing-invalid", f"现有文件 {rel} 有错误，无法按编号合并", f"the existing {rel} has errors; "
            "cannot merge by id", "先改正上面的错误（ssj validate），再导入", "fix the errors above (ssj validate), "
            "then import again", file=rel))
    first = read_text(path, rel).split("\n", 1)[0]
    return res.record, first[len(_SCHEMA_LINE):].strip() if first.startswith(_SCHEMA_LINE) else None


def complete_partial(book: FilledBook, root: Path, dept: str, src: str) -> list[Problem]:
    """Rows of the site's item-list download, completed from the items they update.

    The download names departments by name and lacks some columns (主体类型, 公开方式, 检查表格…):
    names become ids, and the missing values are the item's current ones. A new item cannot be
    completed, so it is an error that says which template to use."""
    t = book.template
    depts = _existing(root, "departments.yaml")[0]
    ids = {k: d.id for d in (depts.departments if depts else ()) for k in (d.id, d.name, d.full_name)}
    current = _existing(root, f"{dept}/{t.kind}.yaml")[0]
    items = {it.id: it.model_dump(mode="json", exclude_defaults=True) for it in getattr(current, t.list_field, ())}
    missing = [c.header for c in t.main.columns if c.required and c.name not in book.partial]
    problems, known = [], []
    for row in book.rows[t.main.title]:
        for name in ("initiator", "partners"):
            names = row.data.get(name)
            for n in [names] if isinstance(names, str) else names or ():
                if n not in ids:
                    problems.append(cell_problem(src, row.sheet, row.number, row.sheet.column(name),
                                                 f"部门“{n}”不在 departments.yaml 中", f"department '{n}' is not in "
                                                 "departments.yaml", "填写部门简称、全称或编号",
                                                 "write the department's short name, full name or id"))
                    row.bad.add(name)
            if names is not None:
                row.data[name] = [ids.get(n, n) for n in names] if isinstance(names, list) else ids.get(names, names)
        old = items.get(row.data.get("id"))
        if old is None:
            problems.append(cell_problem(
                src, row.sheet, row.number, row.sheet.column("id"),
                f"事项“{row.data.get('id', '')}”是新事项，但网站下载的事项清单缺少{'、'.join(missing)}等列，无法新增",
                f"item '{row.data.get('id', '')}' is new, but the site's download lacks columns such as "
                f"{', '.join(missing)}", f"用 ssj template {t.kind} --dept {dept} 导出含现有数据的模板，在其中新增事项",
                f"export the template with current data (ssj template {t.kind} --dept {dept}) and add the item there",
                code="excel.site-download-new"))
            continue
        row.data.update({name: value for name, value in old.items() if name not in book.partial})
        known.append(row)
    book.rows[t.main.title] = known  # a new item is reported above, not again for each missing value
    return problems


def _change_summary(changes: list[Change], source: str) -> str:
    parts = []
    for action, zh in (("added", "新增"), ("changed", "修改"), ("removed", "删除")):
        group = [c for c in changes if c.action == action]
        if not group:
            continue
        if action == "changed":
            parts.append(zh + " " + "、".join(f"{c.key}（{'、'.join(h for h, _, _ in c.fields)}）" for c in group))
        else:
            parts.append(zh + " " + "、".join(f"{c.key}（{c.label}）" if c.label else c.key for c in group))
    return f"通过 Excel 导入（{source}）：{'；'.join(parts)}"


def plan_yaml(root: Path, imp: Imported, dept: str, replace: bool, source: str, today: dt.date) -> Plan:
    """The new `<dept>/<kind>.yaml`: records merged by id, container values kept, change logged (item lists)."""
    t = imp.template
    rel = f"{dept}/{t.kind}.yaml"
    old, schema = _existing(root, rel)
    old_data = old.model_dump(mode="json", exclude_defaults=True) if old is not None else {}
    new_list = [r.model_dump(mode="json", exclude_defaults=True) for r in imp.records]
    merged, changes, kept = _merge_lists(t.kind, t, old_data.get(t.list_field, []), new_list, replace, rel)
    info = to_jsonable_python(imp.info)
    info_changes = _diff({c.name: c.header for c in t.info.columns} if t.info else {},
                         {k: old_data.get(k) for k in info}, info) if old is not None else []
    if info_changes:
        changes.append(Change("changed", t.info.title, "", info_changes, rel))
    data = {**old_data, **info, "department": dept, t.list_field: merged}
    if t.kind == "items" and changes:
        entry = ListChange(date=today, summary=_change_summary(changes, Path(source).name))
        data["changes"] = [*data.get("changes", []), entry.model_dump(mode="json", exclude_defaults=True)]
    record, problems = container_of(imp, data, source, rel)
    if record is None:
        return Plan(changes, {}, kept, problems)
    text = dump_yaml(record.model_dump(mode="json", exclude_defaults=True),
                     schema=schema or f"../schema/{t.kind}.schema.json")
    return Plan(changes, {rel: text} if changes else {}, kept)


@dataclass
class _Shard:
    rel: str
    rows: list[dict[str, str] | None]  # by column name; None: removed


def _read_shards(root: Path, folder: str) -> list[_Shard]:
    shards = []
    for path in sorted((root / folder).glob("*.csv")):
        rel = f"{folder}/{path.name}"
        try:
            header, rows = read_csv(path, rel)
            shards.append(_Shard(rel, [dict(zip(header, row)) for _, row in rows]))
        except LoadError as e:
            raise UserError(e.problem) from None
    return shards


def plan_targets(root: Path, imp: Imported, folder: str, shard: str | None, replace: bool) -> Plan:
    """Targets merged by id into the CSV shard where each lives; new ones into `shard` or their region's shard.

    A shard that changes is written in the model's columns; the others are not touched."""
    names = list(Target.model_fields)
    headers = {c.name: c.header for c in imp.template.main.columns}
    shards = {s.rel: s for s in _read_shards(root, folder)}
    where = {row.get("id", ""): (s, i) for s in shards.values() for i, row in enumerate(s.rows)}
    touched: set[str] = set()
    changes: list[Change] = []
    for rec in imp.records:
        new = dict(zip(names, target_row(rec)))
        if rec.id in where:
            s, i = where[rec.id]
            fields = _diff(headers, {n: s.rows[i].get(n, "") for n in names}, new)
            if fields:
                s.rows[i] = new
                changes.append(Change("changed", rec.id, rec.name, fields, s.rel))
                touched.add(s.rel)
            continue
        rel = f"{folder}/{shard or rec.region}.csv"
        s = shards.setdefault(rel, _Shard(rel, []))
        s.rows.append(new)
        where[rec.id] = (s, len(s.rows) - 1)
        changes.append(Change("added", rec.id, rec.name, where=rel))
        touched.add(rel)
    imported = {rec.id for rec in imp.records}
    kept = 0
    for tid, (s, i) in where.items():
        if tid in imported:
            continue
        if replace:
            changes.append(Change("removed", tid, s.rows[i].get("name", ""), where=s.rel))
            s.rows[i] = None
            touched.add(s.rel)
        else:
            kept += 1
    writes = {}
    for rel in sorted(touched):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(names)
        w.writerows([row.get(n, "") for n in names] for row in shards[rel].rows if row is not None)
        writes[rel] = buf.getvalue()
    return Plan(changes, writes, kept)


def render_plan(plan: Plan) -> str:
    """The plan as a person reads it before (or instead of, with --dry-run) the writing."""
    lines = []
    zh = {"added": "新增 added", "changed": "修改 changed", "removed": "删除 removed"}
    for c in plan.changes:
        name = f" {c.label}" if c.label else ""
        lines.append(f"{zh[c.action]}: {c.key}{name}  ({c.where})")
        lines.extend(f"    {h}: {old} → {new}" for h, old, new in c.fields)
    n = {a: sum(1 for c in plan.changes if c.action == a) for a in zh}
    lines.append(f"新增 {n['added']} 条、修改 {n['changed']} 条、删除 {n['removed']} 条，未列入表格而保留 {plan.kept} 条 / "
                 f"{n['added']} added, {n['changed']} changed, {n['removed']} removed, {plan.kept} not in the sheet "
                 "and kept" + ("（删除须加 --replace / removing needs --replace）" if plan.kept else ""))
    return "\n".join(lines)
