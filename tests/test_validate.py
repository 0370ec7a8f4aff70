"""`ssj validate` on a clean registry and on broken copies: one precise message per mistake."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from registry_fixture import ITEM, inspector, make_registry, target_row, write_targets, write_yaml
from shuangsuiji.cli import main


@pytest.fixture
def reg(tmp_path: Path) -> Path:
    return make_registry(tmp_path / "registries")


def run_json(capsys, *args) -> tuple[int, dict]:
    code = main(["validate", "--json", *map(str, args)])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_clean_registry_passes(reg, capsys):
    code, data = run_json(capsys, reg)
    assert code == 0, data["problems"]
    assert data["errors"] == 0 and data["files_checked"] > 5


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, text[:400])
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _items(reg: Path, **over) -> None:
    items = dict(ITEM, **over)
    write_yaml(reg / "scjgj/items.yaml", {"department": "scjgj", "items": [items]})


# Each case: (name, mutation, expected code, expected file suffix, expected field or None, line expected?)
CASES = [
    ("bad yaml", lambda r: _edit(r / "scjgj/liaison.yaml", "lead_office: 信用监管科", "lead_office: [信用监管科"),
     "yaml.syntax", "scjgj/liaison.yaml", None),
    ("duplicate key", lambda r: _edit(r / "scjgj/liaison.yaml", "lead_office: 信用监管科",
                                      "lead_office: 信用监管科\nlead_office: 办公室"),
     "yaml.duplicate-key", "scjgj/liaison.yaml", None),
    ("alias", lambda r: _edit(r / "scjgj/liaison.yaml", "lead_office: 信用监管科", "lead_office: &x 信用监管科\nx2: *x"),
     "yaml.alias", "scjgj/liaison.yaml", None),
    ("wrong uscc check", lambda r: write_targets(r / "targets/371302.csv", [
        target_row(1), dict(target_row(2), id="91371302MA3C000020", uscc="91371302MA3C000020")]),
     "code.uscc.check", "targets/371302.csv", "uscc"),
    ("missing legal basis", lambda r: _items(r, basis=[]), "schema.too_short", "scjgj/items.yaml", "items[0].basis"),
    ("id with ../", lambda r: _items(r, id="../etc"), "schema.value_error", "scjgj/items.yaml", "items[0].id"),
    ("unknown department", lambda r: _items(r, partners=["nosuch"]), "ref.department", "scjgj/items.yaml",
     "items[0].partners[0]"),
    ("unknown file", lambda r: (r / "scjgj/notes.txt").write_text("x"), "layout.unknown-file", "scjgj/notes.txt", None),
    ("unknown field", lambda r: _edit(r / "scjgj/liaison.yaml", "lead_office:", "lead_ofice:"),
     "schema.misspelled-field", "scjgj/liaison.yaml", "lead_ofice"),
    ("bad date", lambda r: _edit(r / "scjgj/liaison.yaml", "2017-04-19", "2017-02-30"),
     "schema.date_from_datetime_parsing", "scjgj/liaison.yaml", "submitted"),
    ("bad region code", lambda r: write_targets(r / "targets/371302.csv", [target_row(1, region="379999")]),
     "code.region", "targets/371302.csv", "region"),
    ("bad industry", lambda r: write_targets(r / "targets/371302.csv", [target_row(1, industry="9999")]),
     "code.industry", "targets/371302.csv", "industry"),
    ("bad id number", lambda r: write_targets(r / "targets/371302.csv", [target_row(1, id_number="371302198001010010")]),
     "code.id.check", "targets/371302.csv", "id_number"),
    ("duplicate target", lambda r: write_targets(r / "targets/371311.csv", [target_row(1)]),
     "ref.duplicate-id", "targets/371311.csv", "id"),
    ("id not the code", lambda r: write_targets(r / "targets/371302.csv", [target_row(1, id="91371302MA3C00002X")]),
     "target.id", "targets/371302.csv", None),
    ("inspector unknown unit", lambda r: write_yaml(r / "scjgj/inspectors.yaml", {
        "department": "scjgj", "inspectors": [inspector(1, unit="nounit"), inspector(2)]}),
     "ref.unit", "scjgj/inspectors.yaml", "inspectors[0].unit"),
    ("unknown deadline key", lambda r: write_yaml(r / "config.yaml", {"deadlines": [
        {"key": "2026-plan", "what": "报备年度抽查计划", "due": "2026-03-31"},
        {"key": "2017-liason", "what": "报送联络表", "due": "2017-04-20"}]}),
     "config.deadline-key", "config.yaml", "deadlines[1].key"),
    ("department mismatch", lambda r: _edit(r / "scjgj/liaison.yaml", "department: scjgj", "department: szbn"),
     "ref.department-mismatch", "scjgj/liaison.yaml", "department"),
]


@pytest.mark.parametrize("name,mutate,code,file,field", CASES, ids=[c[0] for c in CASES])
def test_each_mistake_gives_one_precise_message(reg, capsys, name, mutate, code, file, field):
    mutate(reg)
    status, data = run_json(capsys, reg)
    assert status == 1
    errors = [p for p in data["problems"] if p["severity"] == "error"]
    assert len(errors) == 1, errors
    p = errors[0]
    assert p["code"] == code
    assert p["file"].endswith(file)
    if field:
        assert p["field"] == field
    if file.endswith((".yaml", ".csv")) and code != "layout.unknown-file":
        assert p["line"] is not None and p["line"] >= 1
    assert p["zh"] and p["en"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in p["zh"])


def test_unknown_deadline_key_names_the_known_milestones(reg, capsys):
    write_yaml(reg / "config.yaml", {"deadlines": [{"key": "2017-liason", "what": "报送联络表", "due": "2017-04-20"}]})
    _, data = run_json(capsys, reg)
    p = next(p for p in data["problems"] if p["code"] == "config.deadline-key")
    assert p["line"] == 2 and "2017-liason" in p["zh"] and "2017-liason" in p["en"]
    for key in ("liaison", "submit", "publish", "rules", "plan", "lists", "tasks"):
        assert key in p["fix_zh"] and key in p["fix_en"]


def test_line_numbers_point_at_the_field(reg, capsys):
    _edit(reg / "scjgj/liaison.yaml", "lead_office: 信用监管科", "lead_office: 信用监管科\nbogus: 1")
    _, data = run_json(capsys, reg)
    p = data["problems"][0]
    lines = (reg / "scjgj/liaison.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[p["line"] - 1].startswith("bogus:")


def test_codes_stay_strings_and_dates_only_where_expected(reg, capsys):
    # 0123 in a text field stays "0123"; a date-like text in a text field is text
    _edit(reg / "scjgj/liaison.yaml", "lead_office: 信用监管科", "lead_office: 0123")
    _edit(reg / "scjgj/liaison.yaml", "title: 科员", "title: 2026-04-25")
    from shuangsuiji.registry.load import load_registry
    r, problems = load_registry(reg)
    assert problems == []
    assert r.liaisons["scjgj"].lead_office == "0123"
    assert r.liaisons["scjgj"].people[0].title == "2026-04-25"


def test_gbk_file_gets_encoding_message_and_fix(reg, capsys):
    path = reg / "scjgj/liaison.yaml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    status, data = run_json(capsys, reg)
    assert status == 1
    [p] = data["problems"]
    assert p["code"] == "file.encoding" and "GBK" in p["zh"] and "--fix-encoding" in p["fix_zh"]
    assert main(["validate", "--fix-encoding", str(reg)]) == 0
    capsys.readouterr()
    assert path.read_text(encoding="utf-8").startswith("# yaml") or "department" in path.read_text(encoding="utf-8")


def test_utf8_bom_is_accepted(reg, capsys):
    path = reg / "scjgj/liaison.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run_json(capsys, reg)[0] == 0


def test_huge_file_is_refused(reg, capsys):
    path = reg / "scjgj/liaison.yaml"
    with path.open("a", encoding="utf-8") as f:
        f.write("# " + "x" * (50 * 1024 * 1024) + "\n")
    status, data = run_json(capsys, reg)
    assert status == 1
    assert [p["code"] for p in data["problems"]] == ["file.too-large"]


def test_github_format_and_cli_subprocess(reg):
    _items(reg, basis=[])
    proc = subprocess.run([sys.executable, "-m", "shuangsuiji", "validate", "--format", "github", str(reg)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("::error "))
    assert "file=" in line and "line=" in line and "title=schema.too_short" in line


def test_usage_errors_exit_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "shuangsuiji", "validate", str(tmp_path / "nope")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "路径不存在" in proc.stderr


def test_single_file_path_reports_only_that_file(reg, capsys):
    _items(reg, basis=[])
    (reg / "scjgj/notes.txt").write_text("x")
    status, data = run_json(capsys, reg / "scjgj/items.yaml")
    assert status == 1
    assert {Path(p["file"]).name for p in data["problems"]} == {"items.yaml"}


def test_stale_schema_is_reported(reg, capsys):
    (reg / "schema/items.schema.json").write_text("{}\n", encoding="utf-8")
    status, data = run_json(capsys, reg)
    assert status == 1 and [p["code"] for p in data["problems"]] == ["schema.stale"]


def test_second_load_from_the_cache_is_the_same_registry(reg, capsys):
    from shuangsuiji.registry.load import load_registry

    first, p1 = load_registry(reg)
    rows1 = list(first.targets.rows(*first.targets.NAMES))
    assert (reg / ".ssj-cache" / "files").is_dir()
    second, p2 = load_registry(reg)  # every file from the cache; target rows read only on demand
    assert p1 == p2 == []
    assert list(second.targets) == list(first.targets)
    some = next(iter(first.targets))
    assert second.targets.origin(some) == first.targets.origin(some)
    assert second.targets[some] == first.targets[some]
    assert list(second.targets.rows(*second.targets.NAMES)) == rows1
    # a duplicate against a cached shard is still found, with its line
    write_targets(reg / "targets/371311.csv", [target_row(3)])
    status, data = run_json(capsys, reg)
    assert status == 1 and [(p["code"], p["line"]) for p in data["problems"]] == [("ref.duplicate-id", 2)]


def test_unchanged_registry_reuses_the_report_and_any_change_invalidates_it(reg, capsys):
    assert run_json(capsys, reg)[0] == 0
    assert len(list((reg / ".ssj-cache" / "reports").glob("*.pkl"))) == 1
    assert run_json(capsys, reg)[0] == 0  # from the cache
    _edit(reg / "scjgj/liaison.yaml", "lead_office: 信用监管科", "lead_office: [")
    status, data = run_json(capsys, reg)
    assert status == 1 and data["problems"][0]["code"] == "yaml.syntax"
    assert len(list((reg / ".ssj-cache" / "reports").glob("*.pkl"))) == 1  # one report kept
