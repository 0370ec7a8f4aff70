"""Excel round trip: template → filled by hand (openpyxl, as a person types) → import → equal records."""

from __future__ import annotations

import datetime as dt
import re
import time
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from registry_fixture import make_registry

from shuangsuiji.cli import main
from shuangsuiji.registry.excel import FIRST_ROW, INFO_SHEET, TEMPLATES, template_bytes
from shuangsuiji.registry.load import load_registry
from shuangsuiji.registry.models.item import LegalBasis

EXAMPLE = Path(__file__).resolve().parents[1] / "registries"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = EXAMPLE if (EXAMPLE / "departments.yaml").is_file() else make_registry(tmp_path_factory.mktemp("reg"))
    reg, _ = load_registry(root)
    return reg


def _typed(value, shape: str):
    """A value as a person types it into Excel: numbers as numbers, dates as date cells, codes with 0 as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, LegalBasis):
        return value.law + (value.articles or "")
    if isinstance(value, list):
        return "；".join(str(_typed(v, shape)) for v in value)
    if shape == "year-month":
        y, m = value.split("-")
        return dt.datetime(int(y), int(m), 1)  # a person picks a date; the importer keeps year and month
    if isinstance(value, str) and value.isdigit() and not value.startswith("0") and len(value) < 15:
        return int(value)  # 371302, 5211 typed as numbers
    if isinstance(value, str) and re.fullmatch(r"\d+\.\d*[1-9]", value):
        return float(value)  # a ratio such as 0.05
    return value


def _fill(ws, sheet, rows: list[dict]) -> None:
    names = [c.value for c in ws[2]]
    assert names == [c.name for c in sheet.columns]
    for r, rec in enumerate(rows, start=FIRST_ROW):
        for i, c in enumerate(sheet.columns, start=1):
            ws.cell(r, i).value = _typed(rec.get(c.name), c.shape)


def _as_cells(model) -> dict:
    return {name: getattr(model, name) for name in type(model).model_fields}


def _template(tmp_path: Path, kind: str) -> Path:
    out = tmp_path / f"{kind}.xlsx"
    assert main(["template", kind, "--out", str(out)]) == 0
    return out


def _loaded(out: Path):
    """The imported files as the loader reads them; they must load without a problem."""
    reg, problems = load_registry(out)
    assert problems == []
    return reg


def _some_dept(reg, attr: str) -> str:
    return sorted(getattr(reg, attr))[0]


def test_items_round_trip(tmp_path, registry):
    dept = _some_dept(registry, "item_lists")
    original = registry.item_lists[dept]
    path = _template(tmp_path, "items")
    wb = openpyxl.load_workbook(path)
    t = TEMPLATES["items"]
    _fill(wb[t.main.title], t.main, [_as_cells(it) for it in original.items])
    checklist = [{"item": it.id, **_as_cells(row)} for it in original.items for row in it.checklist]
    _fill(wb[t.children["checklist"].title], t.children["checklist"], checklist)
    wb.save(path)
    out = tmp_path / "reg"
    # an existing items.yaml: its review chain and change log survive the import
    (out / dept).mkdir(parents=True)
    (out / dept / "items.yaml").write_bytes((registry.root / dept / "items.yaml").read_bytes())
    assert main(["import", str(path), "--dept", dept, "--out", str(out)]) == 0
    assert _loaded(out).item_lists[dept] == original


def test_targets_round_trip(tmp_path, registry):
    targets = [registry.targets[k] for k in sorted(registry.targets)][:50]
    path = _template(tmp_path, "targets")
    wb = openpyxl.load_workbook(path)
    t = TEMPLATES["targets"]
    _fill(wb[t.main.title], t.main, [_as_cells(x) for x in targets])
    wb.save(path)
    out = tmp_path / "reg"
    assert main(["import", str(path), "--dept", "scjgj", "--out", str(out), "--shard", "shop"]) == 0
    assert sorted(_loaded(out).targets.values(), key=lambda x: x.id) == targets
    # into the central library, without a shard name: each new target goes to its region's shard
    central = tmp_path / "central"
    assert main(["import", str(path), "--dept", "scjgj", "--out", str(central), "--central"]) == 0
    assert {p.name for p in (central / "targets").glob("*.csv")} == {f"{x.region}.csv" for x in targets}
    assert sorted(_loaded(central).targets.values(), key=lambda x: x.id) == targets


def test_inspectors_round_trip(tmp_path, registry):
    dept = _some_dept(registry, "inspector_files")
    original = registry.inspector_files[dept]
    path = _template(tmp_path, "inspectors")
    wb = openpyxl.load_workbook(path)
    t = TEMPLATES["inspectors"]
    _fill(wb[t.main.title], t.main, [_as_cells(x) for x in original.inspectors])
    wb.save(path)
    out = tmp_path / "reg"
    assert main(["import", str(path), "--dept", dept, "--out", str(out)]) == 0
    assert _loaded(out).inspector_files[dept] == original


def test_liaison_round_trip_over_prefilled_roles(tmp_path, registry):
    dept = _some_dept(registry, "liaisons")
    original = registry.liaisons[dept]
    path = _template(tmp_path, "liaison")
    wb = openpyxl.load_workbook(path)
    t = TEMPLATES["liaison"]
    ws = wb[t.main.title]
    assert [ws.cell(r, 1).value for r in range(FIRST_ROW, FIRST_ROW + 3)] == ["分管负责人", "牵头科室负责人", "联络员"]
    # Annex 5's headers, exactly as the plan prints them
    assert [c.value for c in ws[1]] == ["人员", "姓名", "职务", "办公电话", "手机号", "备注"]
    _fill(ws, t.main, [_as_cells(x) for x in original.people])
    info = wb[t.info.title]
    info["B1"] = original.lead_office
    info["B2"] = dt.datetime.combine(original.submitted, dt.time())
    wb.save(path)
    out = tmp_path / "reg"
    assert main(["import", str(path), "--dept", dept, "--out", str(out)]) == 0
    assert _loaded(out).liaisons[dept] == original


def test_annex2_headers_and_help_sheet(tmp_path):
    wb = openpyxl.load_workbook(_template(tmp_path, "items"))
    heads = [c.value for c in wb.worksheets[0][1]]
    assert heads[:9] == ["序号", "事项名称", "抽查依据", "抽查对象", "抽查内容", "抽查方式", "抽查频次", "联合抽查部门",
                         "抽查情况及查处结果公开方式"]
    assert wb.worksheets[0].row_dimensions[2].hidden
    assert wb["lists"].sheet_state == "hidden"
    rows = list(wb["填表说明"].iter_rows(values_only=True))
    listed = {r[2]: r for r in rows if r[0] and len(r) > 5 and r[2] and r[3] in ("是", "否")}
    assert {c.name for c in TEMPLATES["items"].main.columns} <= set(listed)
    targets = openpyxl.load_workbook(_template(tmp_path, "targets"))
    vis = {r[2]: r[5] for r in targets["填表说明"].iter_rows(values_only=True) if r[3] in ("是", "否")}
    assert vis["name"] == "公开" and vis["credit_class"] == "不公开"
    assert vis["legal_rep"].startswith("遮蔽") and vis["address"].startswith("依法不予公开（涉及个人隐私）")


def test_dropdowns_for_every_enumeration(tmp_path):
    checked = 0
    for kind, t in TEMPLATES.items():
        wb = openpyxl.load_workbook(_template(tmp_path, kind))
        lists = wb["lists"]
        for sheet in [t.main, *t.children.values()]:
            ws = wb[sheet.title]
            by_col = {}
            for dv in ws.data_validations.dataValidation:
                if dv.type == "list":
                    for rng in dv.sqref.ranges:
                        by_col[rng.min_col] = dv
            for i, c in enumerate(sheet.columns, start=1):
                if not (c.choices or c.shape == "bool"):
                    continue
                dv = by_col.get(i)
                assert dv is not None, (kind, c.name)
                ref = dv.formula1.split("!")[1].replace("$", "")
                values = tuple(cell.value for row in lists[ref] for cell in row)
                assert values == (c.choices or ("是", "否")), (kind, c.name)
                checked += 1
        dates = [c for c in t.main.columns if c.shape == "date" and not c.many]
        for c in dates:
            letter = openpyxl.utils.get_column_letter(t.main.columns.index(c) + 1)
            assert wb[t.main.title].column_dimensions[letter].number_format == "yyyy-mm-dd"
    assert checked > 10


def test_bad_cells_named_by_sheet_row_header_and_nothing_written(tmp_path, registry, capsys):
    path = _template(tmp_path, "inspectors")
    wb = openpyxl.load_workbook(path)
    t = TEMPLATES["inspectors"]
    ins = next(iter(registry.inspectors.values()))
    rows = [_as_cells(ins), {**_as_cells(ins), "id": "X-2", "gender": "男性", "cert_expiry": "2029-02-30"}]
    _fill(wb[t.main.title], t.main, rows)
    wb[t.main.title].cell(FIRST_ROW + 2, 1).value = "X-3"  # a row with only an id: many required cells missing
    wb[t.main.title].cell(FIRST_ROW, t.main.columns.index(t.main.column("id_number")) + 1).value = 371302198506010011
    wb.save(path)
    out = tmp_path / "reg"
    assert main(["import", str(path), "--dept", "scjgj", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "工作表“执法检查人员名录库”第 4 行“性别”列（C 列）" in err
    assert "'男性'" in err
    assert "第 4 行“有效期至”列" in err and "row 4 column '有效期至'" in err
    assert "第 5 行“姓名”列" in err and "缺少必填字段" in err
    assert "第 3 行“身份证号码”列" in err and "丢失精度" in err  # an 18-digit number typed as a number
    assert not out.exists()


def test_bad_legal_basis_and_unknown_checklist_item(tmp_path, registry, capsys):
    path = _template(tmp_path, "items")
    wb = openpyxl.load_workbook(path)
    t = TEMPLATES["items"]
    it = next(iter(registry.items.values()))
    _fill(wb[t.main.title], t.main, [{**_as_cells(it), "basis": [], "methods": ["随便查"]}])
    wb[t.main.title].cell(FIRST_ROW, 3).value = "《食品安全法第八十七条"
    _fill(wb[t.children["checklist"].title], t.children["checklist"], [{"item": "NOPE", "no": 1, "check": "x"}])
    wb.save(path)
    assert main(["import", str(path), "--dept", "scjgj", "--out", str(tmp_path / "reg")]) == 1
    err = capsys.readouterr().err
    assert "第 3 行“抽查依据”列（C 列）" in err and "格式不对" in err
    assert "第 3 行“抽查方式”列" in err and "随便查" in err
    assert "工作表“检查表格”第 3 行“事项编号”列" in err


def test_unreadable_or_foreign_files_exit_2(tmp_path):
    fake = tmp_path / "notes.xlsx"
    fake.write_text("序号,事项名称\n1,x\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "shuangsuiji", "import", str(fake), "--dept", "scjgj", "--out",
                          str(tmp_path / "reg")], capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    assert "无法读取 Excel 文件" in run.stderr and "Traceback" not in run.stderr
    foreign = tmp_path / "foreign.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "事项名称"])
    wb.save(foreign)
    assert main(["import", str(foreign), "--dept", "scjgj", "--out", str(tmp_path / "reg")]) == 2
    altered = _template(tmp_path, "targets")
    wb = openpyxl.load_workbook(altered)
    wb.worksheets[0].delete_cols(3)
    wb.save(altered)
    assert main(["import", str(altered), "--dept", "scjgj", "--out", str(tmp_path / "reg")]) == 2
    assert not (tmp_path / "reg").exists()


def test_blank_template_has_no_rows(tmp_path, capsys):
    path = _template(tmp_path, "liaison")  # only the pre-filled 人员 column: no data
    wb = openpyxl.load_workbook(path)
    wb[INFO_SHEET]["B1"] = "信用监管科"
    wb[INFO_SHEET]["B2"] = dt.datetime(2017, 4, 19)
    wb.save(path)
    assert main(["import", str(path), "--dept", "scjgj", "--out", str(tmp_path / "reg")]) == 1
    assert "表中没有数据行" in capsys.readouterr().err


def test_template_bytes_are_deterministic():
    first = {kind: template_bytes(kind) for kind in TEMPLATES}
    time.sleep(2.1)  # zip entries carry time in 2-second steps, document properties in seconds
    assert {kind: template_bytes(kind) for kind in TEMPLATES} == first
