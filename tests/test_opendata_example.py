"""Open data of the committed example, built once with `ssj build`'s pipeline, checked as a
journalist would: `frictionless validate` on the package, CSVs that Excel opens (BOM), the
更正与撤回 feeds against the registry, the per-year zips against the files, the API files
against their published JSON Schemas, and the citation in every kind of file."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import feedparser
import frictionless
import jsonschema
import openpyxl
import pytest

from shuangsuiji.registry.load import load_registry
from shuangsuiji.site.build import build
from shuangsuiji.site.opendata import BULK_PREFIX, LICENSE, ZIP_TIME

pytestmark = pytest.mark.slow  # one build of the example and four frictionless runs: about a minute
EXAMPLE = Path(__file__).resolve().parents[1] / "registries"
STAMP, BUILT = "2026-06-30 12:00", "2026-06-30T12:00:00+08:00"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example") / "site"
    build(EXAMPLE, out, jobs=2, build_time=STAMP)
    return out


@pytest.fixture(scope="module")
def package(site) -> dict:
    return json.loads((site / "data" / "datapackage.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry():
    reg, problems = load_registry(EXAMPLE)
    assert not [p for p in problems if p.severity == "error"]
    return reg


def test_the_package_validates(site, package):
    report = frictionless.validate(site / "data" / "datapackage.json")
    errors = report.flatten(["resourceName", "rowNumber", "fieldName", "type", "message"])
    assert report.valid and errors == [], errors[:20]
    assert len(report.tasks) == len(package["resources"])  # every resource was checked
    assert {r["format"] for r in package["resources"]} == {"csv", "json", "xlsx"}
    tables = {r["ssj"]["table"] for r in package["resources"]}
    assert tables == {"departments", "tasks", "results", "drawn", "items"}
    refs = {(r["ssj"]["table"], fk["reference"]["resource"].rsplit("-", 2)[-2])
            for r in package["resources"] for fk in r["schema"].get("foreignKeys", ())}
    assert refs == {("results", "tasks"), ("drawn", "tasks"), ("tasks", "departments"), ("items", "departments")}


def test_a_broken_foreign_key_fails_validation(site, package, tmp_path):
    """The check above can fail: a result naming a task its year does not have is caught."""
    data = tmp_path / "data"
    res = next(r for r in package["resources"] if r["ssj"]["table"] == "results" and r["format"] == "csv")
    keep = [r for r in package["resources"] if r["format"] == "csv"]
    for r in keep:
        (data / r["path"]).parent.mkdir(parents=True, exist_ok=True)
        (data / r["path"]).write_bytes((site / "data" / r["path"]).read_bytes())
    rows = list(csv.reader(io.StringIO((data / res["path"]).read_text(encoding="utf-8-sig"))))
    assert rows[0][1] == "task_id"
    rows[1][1] = "NO-SUCH-TASK"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    (data / res["path"]).write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    (data / "datapackage.json").write_text(json.dumps({**package, "resources": keep}, ensure_ascii=False),
                                           encoding="utf-8")
    report = frictionless.validate(data / "datapackage.json")
    assert not report.valid
    assert [e[0] for e in report.flatten(["type"])] == ["foreign-key"]


def test_every_csv_starts_with_a_bom_and_opens_as_excel_would(site, package):
    csvs = sorted((site / "data").rglob("*.csv"))
    assert len(csvs) == sum(r["format"] == "csv" for r in package["resources"]) > 0
    for p in csvs:
        assert p.read_bytes().startswith(b"\xef\xbb\xbf"), p
    for r in (r for r in package["resources"] if r["format"] == "csv"):
        rows = list(csv.reader(io.StringIO((site / "data" / r["path"]).read_text(encoding="utf-8-sig"))))
        assert rows[0] == [f["name"] for f in r["schema"]["fields"]]
        assert len(rows) - 1 == r["ssj"]["rows"]


def _changes_expected(registry) -> dict[str, tuple[str, str]]:
    """result id → (kind, department) for every corrected or withdrawn result of the registry."""
    out = {}
    for task_id, _, r in registry.all_results():
        if r.status in ("更正", "撤回"):
            out[r.id] = (r.status, registry.task_dept[task_id])
    return out


def test_the_changes_feed_holds_every_correction_and_withdrawal(site, registry):
    expected = _changes_expected(registry)
    assert {k for k, _ in expected.values()} == {"更正", "撤回"}  # the example has both kinds
    by_id = {}
    for ext in ("xml", "atom"):
        f = feedparser.parse((site / "feeds" / f"changes.{ext}").read_bytes())
        assert f.bozo == 0, f.get("bozo_exception")
        ids = {re.search(r":result/([^/]+)/", e.id).group(1): e for e in f.entries}
        assert ids.keys() == expected.keys(), ext
        by_id = ids
    doc = json.loads((site / "feeds" / "changes.json").read_text(encoding="utf-8"))
    assert {re.search(r":result/([^/]+)/", i["id"]).group(1) for i in doc["items"]} == expected.keys()
    for rid, (kind, _) in expected.items():
        e = by_id[rid]
        text = e.content[0].value
        r = next(r for _, _, r in registry.all_results() if r.id == rid)
        rev = next(rv for rv in r.revisions if rv.action == kind)
        assert e.tags[0].term == kind and rev.date.isoformat() in e.published and rev.reason in text
        if kind == "更正":  # what changed: the first published outcome, then the current one
            assert f"检查结果：{'、'.join(r.first.outcome)} → {'、'.join(r.outcome)}" in text
        else:  # a withdrawal says that it was withdrawn, never what the result said
            assert "已公示 → 撤回" in text and (r.remarks or "\0") not in text
    for dept in {d for _, d in expected.values()}:
        f = feedparser.parse((site / "feeds" / "changes" / f"{dept}.atom").read_bytes())
        assert f.bozo == 0
        assert {re.search(r":result/([^/]+)/", e.id).group(1) for e in f.entries} == {
            rid for rid, (_, d) in expected.items() if d == dept}


def test_changes_are_linked_from_the_feeds_and_result_pages(site, registry):
    feeds_page = (site / "feeds" / "index.html").read_text(encoding="utf-8")
    assert 'href="../feeds/changes.xml"' in feeds_page
    # every feed but a company's (named on its own page) is offered there, in each of its formats
    offered = set(re.findall(r'href="\.\./(feeds/[^"]+)"', feeds_page))
    written = {p.relative_to(site).as_posix() for p in (site / "feeds").rglob("*.*")}
    assert offered - {"feeds/index.json"} == {p for p in written if not p.startswith(("feeds/target/", "feeds/index."))}
    task_id, dept = next((t, registry.task_dept[t]) for t, _, r in registry.all_results() if r.status == "更正")
    page = (site / "results" / task_id / "index.html").read_text(encoding="utf-8")
    assert f'href="../../feeds/changes/{dept}.xml"' in page
    shards = json.loads((site / "api" / "index.json").read_text(encoding="utf-8"))["targets"]
    for target, shard in sorted(shards.items())[:20]:  # a company's page links the shard holding its record
        page = (site / "targets" / target / "index.html").read_text(encoding="utf-8")
        assert f'href="../../{shard}">JSON 接口</a>' in page and f"<code>{target}</code>" in page
        assert target in json.loads((site / shard).read_text(encoding="utf-8"))["targets"]


def test_one_zip_per_year_holds_that_years_files(site, package, tmp_path):
    data = site / "data"
    years = sorted({r["ssj"]["year"] for r in package["resources"] if r["ssj"]["year"]})
    zips = sorted(data.glob(f"{BULK_PREFIX}*.zip"))
    assert [p.name for p in zips] == [f"{BULK_PREFIX}{y}.zip" for y in years]
    page = (data / "index.html").read_text(encoding="utf-8")
    for y, p in zip(years, zips):
        assert f'href="../data/{p.name}"' in page
        with zipfile.ZipFile(p) as z:
            names = z.namelist()
            assert names == sorted(names) and all(i.date_time == ZIP_TIME for i in z.infolist())
            inner = json.loads(z.read("datapackage.json"))
            assert sorted([r["path"] for r in inner["resources"]] + ["datapackage.json"]) == names
            assert {r["path"] for r in inner["resources"]} == {
                r["path"] for r in package["resources"] if r["ssj"]["year"] in (y, None)
                and r["ssj"]["table"] != "items"}
            for r in inner["resources"]:
                assert z.read(r["path"]) == (data / r["path"]).read_bytes(), r["path"]
    with zipfile.ZipFile(zips[-1]) as z:  # a year's zip is a package of its own
        z.extractall(tmp_path / "bulk")
    assert frictionless.validate(tmp_path / "bulk" / "datapackage.json").valid


def test_api_files_match_their_published_schemas(site):
    api = site / "api"
    index = json.loads((api / "index.json").read_text(encoding="utf-8"))
    checked = 0
    assert len(list(api.glob("targets/*.json"))) < len(index["targets"]) / 10  # merged: not a file per company
    for kind, pattern in (("target", "targets/*.json"), ("task", "tasks/*.json"), ("index", "index.json")):
        schema = json.loads((site / index["schemas"][kind]).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        v = jsonschema.Draft202012Validator(schema)
        files = sorted(api.glob(pattern))
        assert files
        for p in files:
            doc = json.loads(p.read_text(encoding="utf-8"))
            errors = list(v.iter_errors(doc))
            assert not errors, (p.name, [e.message for e in errors[:3]])
            checked += 1
        if kind != "index":  # the schema can fail: a private field or a missing key is refused
            doc = json.loads(files[0].read_text(encoding="utf-8"))
            record = next(iter(doc["targets"].values())) if kind == "target" else doc
            record[kind]["credit_class"] = "B"
            assert not v.is_valid(doc)
            del record[kind]["credit_class"], record["results"]
            assert not v.is_valid(doc)
    assert checked == len(set(index["targets"].values())) + len(index["tasks"]) + 1


def test_every_data_file_cites_publisher_licence_and_the_datas_date(site, package, registry):
    """The package states the build time; each table the date its data is as of (never the build's)."""
    publisher = registry.config.site.authority
    assert package["created"] == BUILT and package["licenses"] == [LICENSE]
    assert package["contributors"] == [{"title": publisher, "role": "publisher"}]
    days = {str(d) for _, _, r in registry.all_results() for d in (r.published_on, *(v.date for v in r.revisions))}
    days |= {str(t.published) for t in registry.tasks.values()} | {
        str(s.date) for il in registry.item_lists.values() for s in il.review}
    for r in package["resources"]:
        path = site / "data" / r["path"]
        if r["format"] == "json":
            meta = json.loads(path.read_text(encoding="utf-8"))["meta"]
            assert (meta["publisher"], meta["license"]) == (publisher, LICENSE["name"]) and "built" not in meta
            assert meta["data_as_of"] in days, r["path"]  # a date the registry announced
        elif r["format"] == "xlsx":
            wb = openpyxl.load_workbook(path)
            props = {p.name: p.value for p in wb.custom_doc_props}
            assert (props["publisher"], props["license"]) == (publisher, LICENSE["name"]) and "built" not in props
            assert props["data_as_of"] in days and wb.properties.modified.date().isoformat() == props["data_as_of"]
            assert wb.properties.creator == publisher
            rows = list(wb.active.iter_rows(max_row=2, values_only=True))
            assert [list(rows[0]), list(rows[1])] == [[f["title"] for f in r["schema"]["fields"]],
                                                      [f["name"] for f in r["schema"]["fields"]]]
