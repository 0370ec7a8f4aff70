"""Open data: CSV/JSON/XLSX read back for real, datapackage.json checked against the files,
identical bytes across two runs, and only public values."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from datetime import datetime, timedelta, timezone

import frictionless
import openpyxl
import pytest
import yaml

from analysis_fixture import make_registry
from site_build_fixture import assert_same_files
from shuangsuiji.site import opendata
from shuangsuiji.registry.load import load_registry, source_keys
from shuangsuiji.site.render.deps import Sources
from shuangsuiji.privacy.redact import Public, redact

BUILT = datetime(2026, 6, 30, 12, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = make_registry(tmp_path_factory.mktemp("reg") / "registry")
    registry, problems = load_registry(root)
    assert not [p for p in problems if p.severity == "error"]
    return root, registry


@pytest.fixture(scope="module")
def built(registry, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    return out, opendata.write_open_data(redact(registry[1]), out, BUILT)


def _as_of(reg, dept: str, year: int) -> str:
    """The newest date the department's year announced: a task, a result, a correction, a withdrawal."""
    tasks = {t for t, task in reg.tasks.items() if reg.task_dept[t] == dept and task.year == year}
    days = [reg.tasks[t].published for t in tasks] + [
        d for t, _, r in reg.all_results() if t in tasks and r.status in ("已公示", "更正", "撤回")
        for d in (r.published_on, *(rv.date for rv in r.revisions)) if d is not None]
    return max(days).isoformat()


def test_tables_read_back(registry, built):
    root, _ = registry
    out, paths = built
    doc = yaml.safe_load((root / "scjgj" / "results" / "scjgj-2023-1.yaml").read_text(encoding="utf-8"))
    published = sorted(r["id"] for r in doc["results"] if r["status"] in ("已公示", "更正"))
    base = out / "data" / "scjgj" / "2023"
    rows = list(csv.DictReader(io.StringIO((base / "results.csv").read_text(encoding="utf-8-sig"))))
    assert sorted(r["result_id"] for r in rows) == published  # 待审核 results are not published
    as_json = json.loads((base / "results.json").read_text(encoding="utf-8"))["data"]
    assert [r["result_id"] for r in as_json] == [r["result_id"] for r in rows]
    assert list(as_json[0]) == list(rows[0])  # keys in column order, as frictionless reads them
    wb = openpyxl.load_workbook(base / "results.xlsx")
    ws = wb.active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "结果编号" and values[0][6] == "主体名称"
    assert list(values[1]) == list(rows[0])  # row 2: the field names
    assert [v[0] for v in values[2:]] == [r["result_id"] for r in rows]
    assert [v[10] for v in values[2:]] == [r["outcome"] for r in rows]
    assert [v[9].date().isoformat() for v in values[2:]] == [r["inspected_on"] for r in rows]  # real dates
    assert ws["J3"].number_format == "yyyy-mm-dd" and ws.freeze_panes == "A3"  # titles and names stay on screen
    assert ws["A1"].font.b and not ws["A2"].font.b and ws["A2"].font.sz == 9 and not ws["A3"].font.b
    as_of = _as_of(registry[1], "scjgj", 2023)
    assert wb.properties.created == wb.properties.modified == datetime.fromisoformat(as_of)  # not the build's
    assert {p.name: p.value for p in wb.custom_doc_props}["data_as_of"] == as_of
    assert json.loads((base / "results.json").read_text(encoding="utf-8"))["meta"]["data_as_of"] == as_of
    drawn = list(csv.DictReader(io.StringIO((base / "drawn.csv").read_text(encoding="utf-8-sig"))))
    assert [int(r["no"]) for r in drawn] == list(range(1, len(drawn) + 1)) and len(drawn) == 24
    assert drawn[0]["announcement"] == "临沂市工商行政管理局2023年度第001号抽查任务公告"
    items = list(csv.DictReader(io.StringIO((out / "data" / "hbj" / "items.csv").read_text(encoding="utf-8-sig"))))
    assert [r["item_id"] for r in items] == ["HB-1"]


def test_datapackage_describes_every_file(built):
    out, paths = built
    package = json.loads((out / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    report = frictionless.validate(out / "data" / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "message"])[:10]
    names = [r["name"] for r in package["resources"]]
    assert len(names) == len(set(names))
    data_files = {p.relative_to(out / "data").as_posix() for p in paths
                  if p.is_relative_to(out / "data") and p.name != "datapackage.json" and p.suffix != ".zip"}
    assert {r["path"] for r in package["resources"]} == data_files
    for r in package["resources"]:
        assert r["name"] == r["name"].lower() and all(c.isalnum() or c in "-._" for c in r["name"])
        fields = r["schema"]["fields"]
        assert all(f["type"] in ("string", "integer", "date") and f["title"] for f in fields)
        path = out / "data" / r["path"]
        if r["format"] == "csv":
            header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            assert header == [f["name"] for f in fields]
            for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
                for f in fields:
                    if f["type"] == "date" and row[f["name"]]:
                        time.strptime(row[f["name"]], "%Y-%m-%d")
                    if f["type"] == "integer":
                        int(row[f["name"]])
        elif r["format"] == "xlsx":
            titles, names = openpyxl.load_workbook(path).active.iter_rows(max_row=2, values_only=True)
            assert (list(titles), list(names)) == ([f["title"] for f in fields], [f["name"] for f in fields])
            assert r["dialect"] == {"headerRows": [2]}


def test_api(registry, built):
    _, reg = registry
    out, _ = built
    pub = redact(reg)
    index = json.loads((out / "api" / "index.json").read_text(encoding="utf-8"))
    assert index["tasks"] == sorted(reg.tasks)
    assert sorted(index["targets"]) == sorted(pub.targets)
    shards = {p: json.loads((out / p).read_text(encoding="utf-8")) for p in sorted(set(index["targets"].values()))}
    assert sorted(p.name for p in (out / "api" / "targets").iterdir()) == sorted(p.rsplit("/", 1)[1] for p in shards)
    assert 1 < len(shards) < len(pub.targets)  # merged, a few companies to a file
    for path, shard in shards.items():  # each shard holds exactly the companies the index sends to it
        assert sorted(shard["targets"]) == sorted(i for i, p in index["targets"].items() if p == path)
        assert path == f"api/targets/{shard['shard']}.json"
    for tid, path in index["targets"].items():  # and each company's record is exactly its public record
        drawn_in = sorted(t for t, d in pub.draws.items() if tid in {s.target for s in d.selected})
        assert shards[path]["targets"][tid] == json.loads(json.dumps({
            "target": pub.targets[tid].to_json(), "results": [r.to_json() for r in pub.results_of_target(tid)],
            "drawn_in": drawn_in, "withdrawn": [w.to_json() for w in pub.withdrawals if w.target == tid]}))
    person = next(i for i in index["targets"] if reg.targets[i].type == "个体工商户")
    t = shards[index["targets"][person]]["targets"][person]
    assert t["target"]["id"] == person and t["target"]["name"] == reg.targets[person].name
    assert t["target"]["address"] == {"withheld": "个人隐私", "notice": "依法不予公开：涉及个人隐私"}
    assert sorted(r["id"] for r in t["results"]) == sorted(
        r.id for _, _, r in reg.all_results() if r.target == person and r.status in ("已公示", "更正"))
    task = json.loads((out / "api" / "tasks" / "scjgj-2024-2.json").read_text(encoding="utf-8"))
    assert task["task"]["id"] == "scjgj-2024-2" and len(task["draw"]["selected"]) == 24


def test_only_public_values(registry, built):
    _, reg = registry
    out, paths = built
    blob = b"".join(p.read_bytes() for p in paths if p.suffix not in (".xlsx", ".zip"))
    blob += b"".join(zipfile.ZipFile(p).read(n) for p in paths if p.suffix in (".xlsx", ".zip")
                     for n in zipfile.ZipFile(p).namelist() if not n.endswith(".xlsx"))  # zipped xlsx: copies
    text = blob.decode("utf-8")
    assert "王小明" not in text  # legal representatives are masked (王*)
    assert "credit_class" not in text and "风险等级" not in text
    for t in reg.targets.values():
        if t.type == "个体工商户":
            assert t.address not in text  # a person's address is withheld


def test_identical_bytes_across_runs(registry, built, tmp_path):
    out, paths = built
    time.sleep(2.1)  # zip entry times have a 2-second resolution: a clock leak would show
    again = opendata.write_open_data(redact(registry[1]), tmp_path, BUILT)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in paths]
    for a, b in zip(paths, again):
        assert a.read_bytes() == b.read_bytes(), a


def test_a_rebuild_at_another_time_gives_the_same_tables_from_the_cache(registry, tmp_path):
    """Files cite the data's date, not the build's: a build at another time gives the same bytes,
    and every table and year zip is linked from the cache the first build filled; only
    datapackage.json states the build time."""
    cache = tmp_path / "cache"
    first = opendata.write_open_data(redact(registry[1]), tmp_path / "a", BUILT, cache)
    filled = sorted(cache.rglob("*.*"))
    later = BUILT + timedelta(days=40, hours=3)
    second = opendata.write_open_data(redact(registry[1]), tmp_path / "b", later, cache)
    assert sorted(cache.rglob("*.*")) == filled  # nothing made again
    linked = 0
    for a, b in zip(first, second):
        rel = b.relative_to(tmp_path / "b")
        assert a.relative_to(tmp_path / "a") == rel
        if rel.as_posix() == "data/datapackage.json":
            assert a.read_bytes() != b.read_bytes()
            continue
        assert a.read_bytes() == b.read_bytes(), rel
        if rel.parts[0] == "data":
            assert any(b.samefile(c) for c in filled if c.suffix == b.suffix), rel  # linked from the cache
            linked += 1
    package = json.loads((tmp_path / "b" / "data" / "datapackage.json").read_text(encoding="utf-8"))
    years = {r["ssj"]["year"] for r in package["resources"]} - {None}
    assert linked == len(package["resources"]) + len(years) and len(years) > 1
    assert package["created"] == later.isoformat()


def test_a_rebuild_makes_only_what_the_changed_task_reaches(tmp_path, monkeypatch):
    """After one results file changed, a write with the last one's cache and the registry files'
    addresses gives the bytes of a cold write, yet makes only the rows of that task's department
    and year, its task file and the API records of the companies it names: the rest is linked
    or kept as the last write made it."""
    root = make_registry(tmp_path / "registry")

    def write(out, cache):
        reg, _ = load_registry(root, cache=False)
        return reg, opendata.write_open_data(redact(reg), out, BUILT, cache, jobs=1,
                                             sources=Sources(source_keys(root)[0], "code") if cache else None)

    write(tmp_path / "first", tmp_path / "cache")
    f = root / "hbj" / "results" / "hbj-2023-1.yaml"
    text = f.read_text(encoding="utf-8")
    assert "  remarks: null\n  status: 已公示" in text
    f.write_text(text.replace("  remarks: null\n  status: 已公示", "  remarks: 复查时已整改\n  status: 已公示", 1),
                 encoding="utf-8")
    rows, records, task_files = [], [], []
    real_rows, real_task, real_json = opendata._result_rows, opendata._make_task, Public.to_json
    monkeypatch.setattr(opendata, "_result_rows", lambda pub, tasks: rows.extend(tasks) or real_rows(pub, tasks))
    monkeypatch.setattr(opendata, "_make_task", lambda task_id: task_files.append(task_id) or real_task(task_id))
    monkeypatch.setattr(Public, "to_json", lambda self: (self.model == "Target" and records.append(self.id))
                        or real_json(self))
    reg, again = write(tmp_path / "again", tmp_path / "cache")
    monkeypatch.undo()
    _, cold = write(tmp_path / "cold", None)
    assert_same_files(tmp_path / "again", again, tmp_path / "cold", cold)
    year = [t for t, task in reg.tasks.items() if reg.task_dept[t] == "hbj" and task.year == 2023]
    pub = redact(reg)
    draw = pub.draws.get("hbj-2023-1")
    named = {r.target for r in reg.results["hbj-2023-1"].results} | {s.target for s in (draw.selected if draw else ())}
    assert sorted(rows) == sorted(year) and task_files == ["hbj-2023-1"]
    assert records and set(records) <= named and len(records) < len(pub.targets) / 3, records


def test_xlsx_holds_what_was_written(tmp_path):
    """The text-written XLSX read back by openpyxl: markup characters, spaces, line breaks,
    numbers, dates, empty cells, a long row; XML-illegal control characters dropped."""
    from shuangsuiji.core.xlsx import BOLD, write_xlsx
    rows = [["标题", "b", "c"], ["a<b>&\"c\"", "  前后空格 ", "两行\n第二行"], [3, 2.5, datetime(2024, 2, 29).date()],
            ["控制\x1b字符", None, ""], [f"v{i}" for i in range(30)]]
    stamp = datetime(2024, 3, 1)
    data = write_xlsx("名称[1]:?", rows, stamp, creator="发布单位", custom={"data_as_of": "2024-03-01"},
                      styles={1: BOLD}, frozen=1)
    assert write_xlsx("名称[1]:?", rows, stamp, creator="发布单位", custom={"data_as_of": "2024-03-01"},
                      styles={1: BOLD}, frozen=1) == data  # no clock in it
    assert all(i.date_time == (2024, 3, 1, 0, 0, 0) for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    (tmp_path / "t.xlsx").write_bytes(data)
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    ws = wb.active
    got = [list(r) for r in ws.iter_rows(values_only=True)]
    assert ws.title == "名称_1___" and ws.freeze_panes == "A2" and ws["A1"].font.b and not ws["A2"].font.b
    assert got[1][:3] == ["a<b>&\"c\"", "  前后空格 ", "两行\n第二行"]
    assert got[2][:3] == [3, 2.5, datetime(2024, 2, 29)] and ws["C3"].number_format == "yyyy-mm-dd"
    assert got[3][:3] == ["控制字符", None, None]
    assert got[4] == [f"v{i}" for i in range(30)] and len(got) == 5
    assert wb.properties.creator == "发布单位" and wb.properties.created == stamp
    assert {p.name: p.value for p in wb.custom_doc_props} == {"data_as_of": "2024-03-01"}
