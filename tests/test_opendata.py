"""Open data: CSV/JSON/XLSX read back for real, datapackage.json checked against the files,
identical bytes across two runs, and only public values."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile

import openpyxl
import pytest
import yaml

from analysis_fixture import make_registry
from shuangsuiji.site import opendata
from shuangsuiji.registry.load import load_registry
from shuangsuiji.privacy.redact import redact


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = make_registry(tmp_path_factory.mktemp("reg") / "registry")
    registry, problems = load_registry(root)
    assert not [p for p in problems if p.severity == "error"]
    return root, registry


@pytest.fixture(scope="module")
def built(registry, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    return out, opendata.write_open_data(redact(registry[1]), out)


def test_tables_read_back(registry, built):
    root, _ = registry
    out, paths = built
    doc = yaml.safe_load((root / "scjgj" / "results" / "scjgj-2023-1.yaml").read_text(encoding="utf-8"))
    published = sorted(r["id"] for r in doc["results"] if r["status"] in ("已公示", "更正"))
    base = out / "data" / "scjgj" / "2023"
    rows = list(csv.DictReader(io.StringIO((base / "results.csv").read_text(encoding="utf-8"))))
    assert sorted(r["result_id"] for r in rows) == published  # 待审核 results are not published
    as_json = json.loads((base / "results.json").read_text(encoding="utf-8"))
    assert [r["result_id"] for r in as_json] == [r["result_id"] for r in rows]
    wb = openpyxl.load_workbook(base / "results.xlsx")
    ws = wb.active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "结果编号" and values[0][6] == "主体名称"
    assert [v[0] for v in values[1:]] == [r["result_id"] for r in rows]
    assert [v[10] for v in values[1:]] == [r["outcome"] for r in rows]
    newest = max(r["published_on"] for r in rows if r["published_on"])
    assert wb.properties.modified.date().isoformat() == newest == wb.properties.created.date().isoformat()
    drawn = list(csv.DictReader(io.StringIO((base / "drawn.csv").read_text(encoding="utf-8"))))
    assert [int(r["no"]) for r in drawn] == list(range(1, len(drawn) + 1)) and len(drawn) == 24
    assert drawn[0]["announcement"] == "临沂市工商行政管理局2023年度第001号抽查任务公告"
    items = list(csv.DictReader(io.StringIO((out / "data" / "hbj" / "items.csv").read_text(encoding="utf-8"))))
    assert [r["item_id"] for r in items] == ["HB-1"]


def test_datapackage_describes_every_file(built):
    out, paths = built
    package = json.loads((out / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    names = [r["name"] for r in package["resources"]]
    assert len(names) == len(set(names))
    data_files = {p.relative_to(out / "data").as_posix() for p in paths
                  if p.is_relative_to(out / "data") and p.name != "datapackage.json"}
    assert {r["path"] for r in package["resources"]} == data_files
    for r in package["resources"]:
        assert r["name"] == r["name"].lower() and all(c.isalnum() or c in "-._" for c in r["name"])
        fields = r["schema"]["fields"]
        assert all(f["type"] in ("string", "integer", "date") and f["title"] for f in fields)
        path = out / "data" / r["path"]
        if r["format"] == "csv":
            header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
            assert header == [f["name"] for f in fields]
            for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
                for f in fields:
                    if f["type"] == "date" and row[f["name"]]:
                        time.strptime(row[f["name"]], "%Y-%m-%d")
                    if f["type"] == "integer":
                        int(row[f["name"]])
        elif r["format"] == "xlsx":
            header = next(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
            assert list(header) == [f["title"] for f in fields]


def test_api(registry, built):
    _, reg = registry
    out, _ = built
    index = json.loads((out / "api" / "index.json").read_text(encoding="utf-8"))
    assert index["tasks"] == sorted(reg.tasks)
    person = next(i for i in index["targets"] if reg.targets[i].type == "个体工商户")
    t = json.loads((out / "api" / "targets" / f"{person}.json").read_text(encoding="utf-8"))
    assert t["target"]["id"] == person and t["target"]["name"] == reg.targets[person].name
    assert t["target"]["address"] == {"withheld": "个人隐私", "notice": "依法不予公开：涉及个人隐私"}
    assert sorted(r["id"] for r in t["results"]) == sorted(
        r.id for _, _, r in reg.all_results() if r.target == person and r.status in ("已公示", "更正"))
    task = json.loads((out / "api" / "tasks" / "scjgj-2024-2.json").read_text(encoding="utf-8"))
    assert task["task"]["id"] == "scjgj-2024-2" and len(task["draw"]["selected"]) == 24


def test_only_public_values(registry, built):
    _, reg = registry
    out, paths = built
    blob = b"".join(p.read_bytes() for p in paths if p.suffix != ".xlsx")
    blob += b"".join(zipfile.ZipFile(p).read(n) for p in paths if p.suffix == ".xlsx"
                     for n in zipfile.ZipFile(p).namelist())
    text = blob.decode("utf-8")
    assert "王小明" not in text  # legal representatives are masked (王*)
    assert "credit_class" not in text and "风险等级" not in text
    for t in reg.targets.values():
        if t.type == "个体工商户":
            assert t.address not in text  # a person's address is withheld


def test_identical_bytes_across_runs(registry, built, tmp_path):
    out, paths = built
    time.sleep(2.1)  # zip entry times have a 2-second resolution: a clock leak would show
    again = opendata.write_open_data(redact(registry[1]), tmp_path)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in paths]
    for a, b in zip(paths, again):
        assert a.read_bytes() == b.read_bytes(), a
