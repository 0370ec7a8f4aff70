"""Open data: CSV, JSON and XLSX per department and year, a Frictionless `datapackage.json`,
and the static JSON API (`/api/targets/<id>.json`, `/api/tasks/<id>.json`, `/api/index.json`).

Only from the `PublicRegistry`, so only public (and masked or withheld-as-notice) values.
Every file is byte-identical across builds: sorted rows, no clock (the XLSX creation and
modification times and its zip entry times are the newest date in its rows).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from shuangsuiji.privacy.redact import PublicRegistry, Withheld, require_public
from shuangsuiji.core.yamlio import atomic_write_bytes

EPOCH = date(2017, 1, 1)  # the date of a file with no dated row
SEP = ";"  # list cells (检查结果 may hold several values)


@dataclass(frozen=True)
class Column:
    name: str  # CSV header and JSON key
    title: str  # Chinese title (XLSX header, datapackage title)
    type: str  # Frictionless type: string | integer | date
    get: Callable[[dict], Any]


@dataclass(frozen=True)
class Table:
    name: str  # results | drawn | items
    title: str
    columns: tuple[Column, ...]


def _c(name: str, title: str, type_: str = "string", key: str | None = None) -> Column:
    k = key or name
    return Column(name, title, type_, lambda row: row.get(k))


RESULTS = Table("results", "抽查结果", (
    _c("result_id", "结果编号"), _c("task_id", "任务编号"), _c("task_title", "任务名称"),
    _c("announcement", "公告编号"), _c("kind", "抽查类型"), _c("authority", "检查机关"),
    _c("target_name", "主体名称"), _c("uscc", "统一社会信用代码"), _c("region", "区域"),
    _c("inspected_on", "检查完成日期", "date"), _c("outcome", "检查结果"), _c("problems", "问题类型"),
    _c("follow_ups", "后续处置"), _c("remarks", "备注"), _c("status", "状态"),
    _c("published_on", "公示日期", "date")))
DRAWN = Table("drawn", "抽查任务及抽取名单", (
    _c("task_id", "任务编号"), _c("task_title", "任务名称"), _c("announcement", "公告编号"),
    _c("published", "任务公告日期", "date"), _c("no", "序号", "integer"), _c("target_name", "名称"),
    _c("uscc", "统一社会信用代码"), _c("registered_by", "登记机关"),
    _c("inspectors", "执法检查人员")))
ITEMS = Table("items", "随机抽查事项清单", (
    _c("item_id", "事项编号"), _c("seq", "序号", "integer"), _c("name", "事项名称"), _c("category", "事项类别"),
    _c("basis", "抽查依据"), _c("objects", "抽查对象"), _c("content", "抽查内容"), _c("methods", "抽查方式"),
    _c("ratio", "抽查比例"), _c("frequency", "抽查频次"), _c("subject", "检查主体"), _c("level", "检查层级"),
    _c("initiator", "发起部门"), _c("partners", "配合部门"), _c("published", "清单公布日期", "date")))
TABLES = (RESULTS, DRAWN, ITEMS)


def _cell(v: Any) -> Any:
    if isinstance(v, (tuple, list)):
        return SEP.join(str(_cell(x)) for x in v)
    if isinstance(v, Withheld):
        return str(v)
    if isinstance(v, date):
        return v.isoformat()
    return v


# --- rows ---------------------------------------------------------------------------------------

def _result_rows(pub: PublicRegistry) -> dict[tuple[str, int], list[dict]]:
    out: dict[tuple[str, int], list[dict]] = {}
    for task_id, results in pub.results.items():
        task = pub.tasks.get(task_id)
        if task is None:
            continue
        dept = pub.task_dept.get(task_id, task.department)
        d = pub.departments.get(dept)
        for r in results:
            t = pub.targets.get(r.target)
            out.setdefault((dept, task.year), []).append({
                "result_id": r.id, "task_id": task_id, "task_title": task.title,
                "announcement": pub.announcement_no(dept, task.year, task.seq, "抽查结果公告"), "kind": task.kind,
                "authority": d.full_name if d is not None else dept, "target_name": t.name if t is not None else "",
                "uscc": (t.uscc or t.id) if t is not None else r.target, "region": t.region if t is not None else "",
                "inspected_on": r.inspected_on, "outcome": r.outcome, "problems": r.problems,
                "follow_ups": r.follow_ups, "remarks": r.remarks, "status": r.status, "published_on": r.published_on})
    return out


def _drawn_rows(pub: PublicRegistry) -> dict[tuple[str, int], list[dict]]:
    out: dict[tuple[str, int], list[dict]] = {}
    for task_id, task in pub.tasks.items():
        draw = pub.draws.get(task_id)
        dept = pub.task_dept.get(task_id, task.department)
        rows = out.setdefault((dept, task.year), [])
        if draw is None:
            continue
        selected = {s.target for s in draw.selected}
        chosen = [x for x in draw.order if x in selected] or sorted(selected)  # the draw's processing order
        for no, tid in enumerate(chosen, 1):
            t = pub.targets.get(tid)
            names = [pub.inspectors[i].name if i in pub.inspectors else i for i in draw.assignments.get(tid, ())]
            rows.append({"task_id": task_id, "task_title": task.title,
                         "announcement": pub.announcement_no(dept, task.year, task.seq, "抽查任务公告"),
                         "published": task.published, "no": no, "target_name": t.name if t is not None else "",
                         "uscc": (t.uscc or t.id) if t is not None else tid,
                         "registered_by": t.registered_by if t is not None else "",
                         "inspectors": names})
    return {k: v for k, v in out.items() if v}


def _item_rows(pub: PublicRegistry) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for dept, il in pub.item_lists.items():
        published = pub.list_published_on(dept)
        out[dept] = [{"item_id": it.id, "seq": it.seq, "name": it.name, "category": it.category,
                      "basis": [f"{b.law}{b.articles or ''}" for b in it.basis], "objects": it.objects,
                      "content": it.content, "methods": it.methods, "ratio": it.ratio, "frequency": it.frequency,
                      "subject": it.subject, "level": it.level, "initiator": pub.dept_name(it.initiator),
                      "partners": [pub.dept_name(p) for p in it.partners], "published": published}
                     for it in sorted(il.items, key=lambda it: (it.seq, it.id))]
    return out


# --- writers ------------------------------------------------------------------------------------

def _atomic(path: Path, data: bytes) -> Path:
    atomic_write_bytes(path, data)
    return path


def _json_bytes(doc: Any) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _csv_bytes(table: Table, rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c.name for c in table.columns])
    for row in rows:
        w.writerow(["" if (v := _cell(c.get(row))) is None else v for c in table.columns])
    return buf.getvalue().encode("utf-8")


def _newest(rows: list[dict]) -> date:
    days = [v for row in rows for v in row.values() if isinstance(v, date)]
    return max(days, default=EPOCH)


def xlsx_bytes(title: str, header: list[str], rows: list[list[Any]], stamp: date) -> bytes:
    """An XLSX file whose bytes depend only on its content: openpyxl stamps the save time into
    docProps/core.xml and the zip entries, so both are set from `stamp` here."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for r in rows:
        ws.append(r)
    ws.freeze_panes = "A2"
    when = datetime(stamp.year, stamp.month, stamp.day)
    wb.properties.created = wb.properties.modified = when
    wb.properties.creator = "shuangsuiji"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
        ExcelWriter(wb, z).save()  # save_workbook() would set modified = now
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(when.year, when.month, when.day, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _write_table(base: Path, stem: str, table: Table, rows: list[dict], label: str) -> list[tuple[Path, str]]:
    stamp = _newest(rows)
    header = [c.title for c in table.columns]
    cells = [[_cell(c.get(r)) for c in table.columns] for r in rows]
    return [
        (_atomic(base / f"{stem}.csv", _csv_bytes(table, rows)), "csv"),
        (_atomic(base / f"{stem}.json", _json_bytes([{c.name: _cell(c.get(r)) for c in table.columns}
                                                     for r in rows])), "json"),
        (_atomic(base / f"{stem}.xlsx", xlsx_bytes(label, header, cells, stamp)), "xlsx"),
    ]


_MEDIA = {"csv": "text/csv", "json": "application/json",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _schema(table: Table) -> dict:
    return {"fields": [{"name": c.name, "title": c.title, "type": c.type} for c in table.columns]}


def write_open_data(pub: PublicRegistry, out: Path) -> list[Path]:
    """Write `data/…` (tables + datapackage.json) and `api/…` under `out`; returns the paths written."""
    require_public(pub)
    out = Path(out)
    data = out / "data"
    written: list[Path] = []
    resources: list[dict] = []

    def add(table: Table, dept: str, year: int | None, rows: list[dict]) -> None:
        label = f"{pub.dept_name(dept)}{f'{year}年度' if year else ''}{table.title}"
        stem_dir = data / dept / (str(year) if year else "")
        key = f"{dept}-{year}-{table.name}" if year else f"{dept}-{table.name}"
        for path, fmt in _write_table(stem_dir, table.name, table, rows, label):
            written.append(path)
            resources.append({"name": f"{key}-{fmt}".lower(), "title": label,
                              "path": path.relative_to(data).as_posix(), "format": fmt, "mediatype": _MEDIA[fmt],
                              **({"encoding": "utf-8"} if fmt != "xlsx" else {}),
                              "profile": "tabular-data-resource", "schema": _schema(table)})

    for (dept, year), rows in sorted(_result_rows(pub).items()):
        add(RESULTS, dept, year, sorted(rows, key=lambda r: (r["task_id"], r["result_id"])))
    for (dept, year), rows in sorted(_drawn_rows(pub).items()):
        add(DRAWN, dept, year, sorted(rows, key=lambda r: (r["task_id"], r["no"])))
    for dept, rows in sorted(_item_rows(pub).items()):
        add(ITEMS, dept, None, rows)

    package = {"profile": "tabular-data-package", "name": "shuangsuiji-open-data",
               "title": f"{pub.config.site.title} 开放数据", "homepage": pub.config.site.base_url,
               "licenses": [{"name": "CC-BY-4.0", "title": "知识共享署名 4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
               "resources": resources}
    written.append(_atomic(data / "datapackage.json", _json_bytes(package)))
    written.extend(_write_api(pub, out / "api", resources))
    return written


def _write_api(pub: PublicRegistry, api: Path, resources: list[dict]) -> list[Path]:
    written = []
    by_task_target: dict[str, list[str]] = {}
    for task_id, draw in pub.draws.items():
        for s in draw.selected:
            by_task_target.setdefault(s.target, []).append(task_id)
    withdrawn: dict[str, list[dict]] = {}
    for w in pub.withdrawals:
        withdrawn.setdefault(w.target, []).append(w.to_json())
    for tid, t in pub.targets.items():
        doc = {"target": t.to_json(), "results": [r.to_json() for r in pub.results_of_target(tid)],
               "drawn_in": sorted(by_task_target.get(tid, [])), "withdrawn": withdrawn.get(tid, [])}
        written.append(_atomic(api / "targets" / f"{tid}.json", _json_bytes(doc)))
    for task_id, task in pub.tasks.items():
        draw = pub.draws.get(task_id)
        doc = {"task": task.to_json(), "department": pub.task_dept.get(task_id, task.department),
               "draw": draw.to_json() if draw is not None else None,
               "results": [r.to_json() for r in pub.results_of_task(task_id)],
               "withdrawn": [w.to_json() for w in pub.withdrawals if w.task == task_id]}
        written.append(_atomic(api / "tasks" / f"{task_id}.json", _json_bytes(doc)))
    index = {"targets": sorted(pub.targets), "tasks": sorted(pub.tasks),
             "data": [r["path"] for r in resources], "datapackage": "data/datapackage.json"}
    written.append(_atomic(api / "index.json", _json_bytes(index)))
    return written
