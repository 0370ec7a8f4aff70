"""A clerk's Excel round trip on a copy of the example registry: export, edit in openpyxl, import.

The import merges by id and never loses data; what people type (5%, 2026年4月5日, 企业、个体工商户,
full-width codes) is stored in one canonical form with a note; a wrong value gets words, not a regex.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from shuangsuiji.cli import main
from shuangsuiji.core.codes import make_reg_number
from shuangsuiji.registry.excel import FIRST_ROW, TEMPLATES
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import load_registry, read_file
from shuangsuiji.site.opendata import ITEMS, write_open_data
from shuangsuiji.privacy.redact import redact

EXAMPLE = Path(__file__).resolve().parents[1] / "registries"
DEPT = "scjgj"
REGEX_BITS = ("^(", "\\d", "[0-9", "$")


@pytest.fixture
def reg(tmp_path) -> Path:
    """The parts of the example registry an import touches, copied."""
    root = tmp_path / "reg"
    root.mkdir()
    for name in ("departments.yaml", "config.yaml", "regions.yaml"):
        shutil.copy(EXAMPLE / name, root / name)
    shutil.copytree(EXAMPLE / DEPT, root / DEPT, ignore=shutil.ignore_patterns("draws", "results", "tasks"))
    (root / "targets").mkdir()
    shutil.copy(EXAMPLE / "targets" / "371302.csv", root / "targets" / "371302.csv")
    return root


def _record(root: Path, rel: str):
    res = read_file(root, match(rel))
    assert res.problems == []
    return res.record


def _export(tmp_path: Path, root: Path, kind: str, *extra: str) -> Path:
    out = tmp_path / f"{kind}-{len(list(tmp_path.glob('*.xlsx')))}.xlsx"
    assert main(["template", kind, "--out", str(out), *extra, "--registry", str(root)]) == 0
    return out


def _blank(tmp_path: Path, kind: str) -> Path:
    out = tmp_path / f"blank-{kind}.xlsx"
    assert main(["template", kind, "--out", str(out)]) == 0
    return out


def _set_row(path: Path, row: int, values: dict, sheet: int = 0) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[sheet]
    names = [c.value for c in ws[2]]
    for name, value in values.items():
        cell = ws.cell(row, names.index(name) + 1)
        cell.value = value
        if isinstance(value, int) and cell.is_date:  # a number pasted over a date cell: general format
            cell.number_format = "General"
    wb.save(path)


def _row_of(path: Path, row: int) -> dict:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return dict(zip([c.value for c in ws[2]], [c.value for c in ws[row]]))


def _import(root: Path, path: Path, *extra: str, dept: str = DEPT) -> int:
    return main(["import", str(path), "--dept", dept, "--out", str(root), "--date", "2026-04-05", *extra])


def _new_item(path: Path, row: int, **over) -> None:
    """A new item in `row`: the first exported item's cells under a new id."""
    base = _row_of(path, FIRST_ROW)
    _set_row(path, row, {**base, "id": "SCJGJ-NEW", "seq": 99, "name": "新增的抽查事项", **over})


# --- a round trip that cannot lose data ---------------------------------------------------------

def test_export_add_one_row_with_percent_ratio_adds_exactly_one(tmp_path, reg, capsys):
    before = _record(reg, f"{DEPT}/items.yaml")
    path = _export(tmp_path, reg, "items", "--dept", DEPT)
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws.max_row == FIRST_ROW - 1 + len(before.items)  # every current item is in the export
    _new_item(path, ws.max_row + 1, ratio="5%")
    capsys.readouterr()
    assert _import(reg, path) == 0
    out = capsys.readouterr().out
    assert "新增 1 条、修改 0 条、删除 0 条" in out and "1 added, 0 changed, 0 removed" in out
    assert "“5%”按抽查比例读作 0.05" in out  # the normalisation is a note, not silent
    after = _record(reg, f"{DEPT}/items.yaml")
    assert after.items[:-1] == before.items and after.review == before.review
    assert after.items[-1].id == "SCJGJ-NEW" and after.items[-1].ratio == "0.05"
    assert after.changes[:-1] == before.changes
    assert after.changes[-1].date == dt.date(2026, 4, 5) and "新增 SCJGJ-NEW（新增的抽查事项）" in after.changes[-1].summary
    text = (reg / DEPT / "items.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schema/items.schema.json\n")
    assert "ratio: '0.05'" in text


def test_sheet_holding_only_a_new_row_adds_it_and_removes_nothing(tmp_path, reg, capsys):
    before = _record(reg, f"{DEPT}/items.yaml")
    exported = _export(tmp_path, reg, "items", "--dept", DEPT)
    path = _blank(tmp_path, "items")
    _set_row(path, FIRST_ROW, {**_row_of(exported, FIRST_ROW), "id": "SCJGJ-NEW", "seq": 99})
    capsys.readouterr()
    assert _import(reg, path) == 0
    out = capsys.readouterr().out
    assert f"未列入表格而保留 {len(before.items)} 条" in out and "--replace" in out
    after = _record(reg, f"{DEPT}/items.yaml")
    assert after.items[:-1] == before.items and [it.id for it in after.items[-1:]] == ["SCJGJ-NEW"]
    # asked for, --replace removes what the sheet does not hold, and says so first
    assert _import(reg, path, "--replace") == 0
    out = capsys.readouterr().out
    assert all(f"删除 removed: {it.id}" in out for it in before.items)
    assert [it.id for it in _record(reg, f"{DEPT}/items.yaml").items] == ["SCJGJ-NEW"]


def test_changed_field_is_shown_old_to_new_and_dry_run_writes_nothing(tmp_path, reg, capsys):
    before = _record(reg, f"{DEPT}/items.yaml")
    first = before.items[0]
    path = _export(tmp_path, reg, "items", "--dept", DEPT)
    _set_row(path, FIRST_ROW, {"frequency": "每年不少于2次"})
    bytes_before = (reg / DEPT / "items.yaml").read_bytes()
    capsys.readouterr()
    assert _import(reg, path, "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"修改 changed: {first.id}" in out and f"抽查频次: {first.frequency} → 每年不少于2次" in out
    assert "新增 0 条、修改 1 条、删除 0 条" in out and "dry run" in out
    assert (reg / DEPT / "items.yaml").read_bytes() == bytes_before
    assert _import(reg, path) == 0
    after = _record(reg, f"{DEPT}/items.yaml")
    assert after.items[0].frequency == "每年不少于2次" and after.items[1:] == before.items[1:]
    assert after.changes[-1].summary.endswith(f"修改 {first.id}（抽查频次）")


def test_unchanged_export_imports_as_no_change(tmp_path, reg, capsys):
    for kind in ("items", "inspectors"):
        path = _export(tmp_path, reg, kind, "--dept", DEPT)
        rel = f"{DEPT}/{kind}.yaml"
        before = (reg / rel).read_bytes()
        capsys.readouterr()
        assert _import(reg, path) == 0
        out = capsys.readouterr().out
        assert "没有变化" in out and "说明 note" not in out  # what the export writes reads back as it is
        assert (reg / rel).read_bytes() == before


def test_second_target_import_keeps_the_first_and_edits_where_a_target_lives(tmp_path, reg, capsys):
    central = _export(tmp_path, reg, "targets", "--dept", DEPT, "--central")
    rows = [_row_of(central, FIRST_ROW + i) for i in range(3)]
    numbers = [make_reg_number(f"3713020000000{i}") for i in range(2)]
    for row, number in zip(rows, numbers):  # two imports into the department's sub-library, one target each
        path = _blank(tmp_path, "targets")
        _set_row(path, FIRST_ROW, {**row, "id": None, "uscc": None, "reg_no": number})
        assert _import(reg, path) == 0
    sub = reg / DEPT / "targets" / "371302.csv"
    assert [line.split(",")[0] for line in sub.read_text(encoding="utf-8").splitlines()[1:]] == numbers
    # a changed target of the central library is rewritten in its own shard, the other rows untouched
    shard = reg / "targets" / "371302.csv"
    lines = shard.read_text(encoding="utf-8").splitlines()
    _set_row(central, FIRST_ROW + 2, {"name": "改名后的有限公司"})
    capsys.readouterr()
    assert _import(reg, central, "--central") == 0
    assert f"名称: {rows[2]['name']} → 改名后的有限公司" in capsys.readouterr().out
    changed = [(a, b) for a, b in zip(lines, shard.read_text(encoding="utf-8").splitlines()) if a != b]
    assert len(changed) == 1 and changed[0][1].startswith(f"{rows[2]['id']},改名后的有限公司,")


# --- forgiving input, strict storage: one test per form -------------------------------------------

def _import_item(tmp_path, reg, capsys, **cells) -> tuple[object, str]:
    path = _export(tmp_path, reg, "items", "--dept", DEPT)
    _new_item(path, openpyxl.load_workbook(path).worksheets[0].max_row + 1, **cells)
    capsys.readouterr()
    assert _import(reg, path) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    return next(it for it in _record(reg, f"{DEPT}/items.yaml").items if it.id == "SCJGJ-NEW"), out


@pytest.mark.parametrize("typed, stored", [
    ("5%", "0.05"), ("５％", "0.05"), ("5", "0.05"), (5, "0.05"), ("0.05", "0.05"), (0.05, "0.05"),
    ("1/20", "0.05"), ("1/3", "1/3"), ("12.5%", "0.125"), ("1", "1"), ("100%", "1")])
def test_ratio_forms_stored_canonically(tmp_path, reg, capsys, typed, stored):
    item, out = _import_item(tmp_path, reg, capsys, ratio=typed)
    assert item.ratio == stored
    assert (f"读作 {stored}" in out) == (str(typed) != stored)  # a note whenever the stored form differs


@pytest.mark.parametrize("typed", ["企业、个体工商户", "企业，个体工商户", "企业,个体工商户", "企业;个体工商户",
                                   "企业；个体工商户", "企业\n个体工商户", "企业 、 个体工商户"])
def test_list_separators(tmp_path, reg, capsys, typed):
    item, out = _import_item(tmp_path, reg, capsys, target_types=typed)
    assert item.target_types == ["企业", "个体工商户"]
    assert ("分成 2 项" in out) == any(sep in typed for sep in "、，,")


def test_legal_bases_split_only_between_laws(tmp_path, reg, capsys):
    item, _ = _import_item(tmp_path, reg, capsys,
                           basis="《企业信息公示暂行条例》第十四条、第十七条，《中华人民共和国食品安全法》第八十七条")
    assert [(b.law, b.articles) for b in item.basis] == [("《企业信息公示暂行条例》", "第十四条、第十七条"),
                                                         ("《中华人民共和国食品安全法》", "第八十七条")]


@pytest.mark.parametrize("typed", ["2029-04-05", "2029/4/5", "2029.4.5", "2029年4月5日", "２０２９年４月５日",
                                   "20290405", 20290405, "2029-4-5", dt.datetime(2029, 4, 5)])
def test_date_forms(tmp_path, reg, capsys, typed):
    path = _export(tmp_path, reg, "inspectors", "--dept", DEPT)
    _set_row(path, FIRST_ROW, {"cert_expiry": typed})
    capsys.readouterr()
    assert _import(reg, path) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    first = _record(reg, f"{DEPT}/inspectors.yaml").inspectors[0]
    assert first.cert_expiry == dt.date(2029, 4, 5)
    assert ("读作 2029-04-05" in out) == (typed not in ("2029-04-05", dt.datetime(2029, 4, 5)))
    assert "有效期至: " in out and "→ 2029-04-05" in out


@pytest.mark.parametrize("typed", ["1980/5", "1980年5月", "1980.05"])
def test_year_month_forms(tmp_path, reg, capsys, typed):
    path = _export(tmp_path, reg, "inspectors", "--dept", DEPT)
    _set_row(path, FIRST_ROW, {"birth": typed})
    assert _import(reg, path) == 0
    assert _record(reg, f"{DEPT}/inspectors.yaml").inspectors[0].birth == "1980-05"


def _import_target(tmp_path, reg, capsys, **cells):
    central = _export(tmp_path, reg, "targets", "--dept", DEPT, "--central")
    path = _blank(tmp_path, "targets")
    _set_row(path, FIRST_ROW, {**_row_of(central, FIRST_ROW), **cells})
    capsys.readouterr()
    code = _import(reg, path)
    return code, capsys.readouterr()


def test_full_width_code_read_as_ascii(tmp_path, reg, capsys):
    code = _row_of(_export(tmp_path, reg, "targets", "--dept", DEPT, "--central"), FIRST_ROW)["uscc"]
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in code)  # as typed with a Chinese input method in full-width mode
    rc, out = _import_target(tmp_path, reg, capsys, id=wide, uscc=wide.lower(), region="３７１３０２")
    assert rc == 0, out.err
    row = (reg / DEPT / "targets" / "371302.csv").read_text(encoding="utf-8").splitlines()[1].split(",")
    assert row[0] == row[2] == code and row[10] == "371302"
    assert f"读作 {code}" in out.out


def test_uscc_typed_once(tmp_path, reg, capsys):
    code = _row_of(_export(tmp_path, reg, "targets", "--dept", DEPT, "--central"), FIRST_ROW)["uscc"]
    rc, out = _import_target(tmp_path, reg, capsys, id=None, uscc=code)
    assert rc == 0, out.err
    assert "对象编号留空，取" in out.out
    rc, out = _import_target(tmp_path, reg, capsys, id=code, uscc=None)
    assert rc == 0, out.err
    row = (reg / DEPT / "targets" / "371302.csv").read_text(encoding="utf-8").splitlines()[1].split(",")
    assert row[0] == row[2] == code


# --- a genuinely wrong value still gets a clear error, in words --------------------------------

@pytest.mark.parametrize("typed, words", [("很多", "5% 或 0.05"), ("150%", "超过 100%"), ("1/0", "分母为 0"),
                                          ("-5%", "5% 或 0.05")])
def test_wrong_ratio_is_an_error_in_words(tmp_path, reg, capsys, typed, words):
    path = _export(tmp_path, reg, "items", "--dept", DEPT)
    _set_row(path, FIRST_ROW, {"ratio": typed})
    before = (reg / DEPT / "items.yaml").read_bytes()
    capsys.readouterr()
    assert _import(reg, path) == 1
    err = capsys.readouterr().err
    assert "“抽查比例”列" in err and words in err and "nothing was written" in err
    assert not any(bit in err for bit in REGEX_BITS)
    assert (reg / DEPT / "items.yaml").read_bytes() == before


def test_wrong_date_and_all_problems_of_a_row_at_once(tmp_path, reg, capsys):
    path = _export(tmp_path, reg, "inspectors", "--dept", DEPT)
    _set_row(path, FIRST_ROW, {"cert_expiry": "2029-02-30", "birth": "去年", "gender": "男性"})
    capsys.readouterr()
    assert _import(reg, path) == 1
    err = capsys.readouterr().err
    assert "“有效期至”列" in err and "不存在" in err
    assert "“出生年月”列" in err and "1980-05" in err
    assert "“性别”列" in err and "男性" in err
    assert "缺少必填字段" not in err  # an unreadable cell is reported once, not again as missing
    assert "3 errors, 0 warnings in 1 file" in err


def test_instruction_sheet_has_no_regular_expression(tmp_path):
    for kind in TEMPLATES:
        wb = openpyxl.load_workbook(_blank(tmp_path, kind))
        text = "\n".join(str(v) for row in wb["填表说明"].iter_rows(values_only=True) for v in row if v)
        assert not any(bit in text for bit in REGEX_BITS), kind
    wb = openpyxl.load_workbook(_blank(tmp_path, "items"))
    formats = {r[2]: r[4] for r in wb["填表说明"].iter_rows(values_only=True) if r[3] in ("是", "否")}
    assert "5%" in formats["ratio"] and "1/20" in formats["ratio"]


def test_yaml_ratio_in_a_natural_form_names_its_stored_form(reg, capsys):
    items = reg / DEPT / "items.yaml"
    items.write_text(re.sub(r"(?m)^  ratio: .*$", "  ratio: 5%", items.read_text(encoding="utf-8"), count=1),
                     encoding="utf-8")
    res = read_file(reg, match(f"{DEPT}/items.yaml"))
    [p] = res.problems
    assert "比例" in p.zh and "0.05" in p.zh and p.fix_zh == "改为 0.05" and p.fix_en == "write 0.05"
    assert not any(bit in p.zh + p.en for bit in REGEX_BITS)


# --- the site's own download of an item list ------------------------------------------------------

def _site_download(tmp_path: Path, root: Path) -> Path:
    reg, problems = load_registry(root)
    assert not [p for p in problems if p.severity == "error"]
    write_open_data(redact(reg), tmp_path / "site", datetime(2026, 6, 30, 12, 0, tzinfo=timezone(timedelta(hours=8))))
    return tmp_path / "site" / "data" / DEPT / "items.xlsx"


def test_site_download_updates_the_items_it_holds(tmp_path, reg, capsys):
    before = _record(reg, f"{DEPT}/items.yaml")
    path = _site_download(tmp_path, reg)
    capsys.readouterr()
    assert _import(reg, path) == 0
    assert "没有变化" in capsys.readouterr().out  # names of departments read back as their ids; nothing lost
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    heads = [c.value for c in ws[1]]
    assert [c.value for c in ws[2]][0] == "item_id"  # the download's second header row: field names
    ws.cell(3, heads.index("抽查比例") + 1).value = "5%"
    wb.save(path)
    assert _import(reg, path) == 0
    out = capsys.readouterr().out
    assert "新增 0 条、修改 1 条、删除 0 条" in out and f"抽查比例: {before.items[0].ratio} → 0.05" in out
    after = _record(reg, f"{DEPT}/items.yaml")
    assert after.items[0] == before.items[0].model_copy(update={"ratio": "0.05"})
    assert after.items[1:] == before.items[1:]  # columns the download lacks (检查表格, 主体类型…) are kept
    # a cell emptied in the download empties the field (a column it lacks is kept)
    ws.cell(3, heads.index("抽查比例") + 1).value = None
    wb.save(path)
    assert _import(reg, path) == 0
    assert _record(reg, f"{DEPT}/items.yaml").items[0] == before.items[0].model_copy(update={"ratio": None})


def test_site_download_with_field_name_headers_and_a_new_item(tmp_path, reg, capsys):
    path = _site_download(tmp_path, reg)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for cell, name in zip(ws[1], [c.name for c in ITEMS.columns]):  # open data may head columns by field name
        cell.value = name
    ws.append(["NEW-1", 50, "新事项"])
    wb.save(path)
    before = (reg / DEPT / "items.yaml").read_bytes()
    capsys.readouterr()
    assert _import(reg, path) == 1
    err = capsys.readouterr().err
    assert f"第 {ws.max_row} 行“item_id”列（A 列）" in err and "是新事项，但网站下载的事项清单缺少" in err
    assert f"ssj template items --dept {DEPT}" in err
    assert (reg / DEPT / "items.yaml").read_bytes() == before


def test_checks_across_fields_come_with_the_field_errors(tmp_path, reg, capsys):
    central = _export(tmp_path, reg, "targets", "--dept", DEPT, "--central")
    row, other = _row_of(central, FIRST_ROW), _row_of(central, FIRST_ROW + 1)
    # a wrong region and an id that is not the USCC: both in one report
    rc, out = _import_target(tmp_path, reg, capsys, region="999999", uscc=other["uscc"])
    assert rc == 1
    assert "区域代码 999999" in out.err and "对象编号 id 应等于统一社会信用代码" in out.err
    # a check that reads a failed field is not run on it: a bad USCC gives one error, not two
    wrong = row["uscc"][:-1] + ("0" if row["uscc"][-1] != "0" else "1")  # a check character that is not its own
    rc, out = _import_target(tmp_path, reg, capsys, uscc=wrong)
    assert rc == 1 and "对象编号 id 应等于" not in out.err and "1 error," in out.err
