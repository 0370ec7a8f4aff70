"""Personal data typed into any published text, derived from the models: a mobile number, a
mistyped ID number (wrong check character) and a bank card number failing the Luhn check are
planted in every public string field the models say is scanned (`freetext.is_scanned`), so a new
field is covered without editing this test. ID and card numbers are refused by `ssj validate`
(one report per value) and so by `ssj build`; mobiles are published masked. Either way no raw
value reaches any output byte. The leak audit's second net (`audit.shape_leaks`) catches
what the redaction misses, in a copy of the real built site."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

import openpyxl
import pytest
from pydantic import BaseModel

from shuangsuiji.registry.models.target import Target
from privacy_fixture import FIRM, SOLE, edit_yaml, make_canary_registry, model_fields
from registry_fixture import write_yaml
from shuangsuiji.privacy.audit import _expand, shape_leaks
from shuangsuiji.cli import main
from shuangsuiji.core.codes import is_valid_id_number, luhn_ok, make_id_number
from shuangsuiji.registry.freetext import is_scanned, mask_card, mask_id_number, mask_mobile
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import load_registry
from shuangsuiji.registry.models.base import Visibility, visibility_of
from shuangsuiji.privacy.redact import redact
from shuangsuiji.registry.validate import validate


def published(model, name) -> bool:
    """A public or withheld field whose strings are scanned (`freetext.is_scanned`)."""
    return visibility_of(model, name) in (Visibility.PUBLIC, Visibility.WITHHELD) and is_scanned(model, name)


def published_scanned_fields() -> set[tuple[str, str]]:
    """(model, field) of every published scanned field, from the models."""
    return model_fields(published)


def _nested(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for a in get_args(annotation) if (m := _nested(a)) is not None), None)


class Planter:
    """Unique values per planted field: mobile 139****NNNN, ID 371302…NNN?, card 6222…NNNN."""

    def __init__(self, blocking: bool):
        self.blocking = blocking
        self.planted: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        self.n = 0

    def payload(self, model: str, name: str) -> str:
        self.n += 1
        i = self.n
        mobile = f"1390539{i:04d}"
        first17 = "371302" + (date(1980, 1, 1) + timedelta(days=i)).strftime("%Y%m%d") + f"{i % 1000:03d}"
        good = make_id_number(first17)
        typo = first17 + ("1" if good[-1] != "1" else "2")
        card = next(c for x in "01" if not luhn_ok(c := f"6222020{x}{i:08d}"))  # last 4 digits unique
        assert not is_valid_id_number(typo) and not luhn_ok(card)
        values = (mobile, typo, card) if self.blocking else (mobile,)
        self.planted.setdefault((model, name), []).append(values)
        return "，".join(("联系电话 " + mobile, "身份证 " + typo, "卡号 " + card)[:len(values)])

    def plant(self, data: dict, model: type[BaseModel]) -> None:
        """Append a payload to every scanned published string of `data` (YAML as written), and fill
        scanned optional strings that are missing."""
        for name, info in model.model_fields.items():
            sub = _nested(info.annotation)
            v = data.get(name)
            if sub is not None:
                for x in v if isinstance(v, list) else [v] if isinstance(v, dict) else []:
                    self.plant(x, sub)
            elif published(model, name):
                if isinstance(v, list):
                    data[name] = [f"{x} {self.payload(model.__name__, name)}" for x in v]
                else:
                    data[name] = f"{v or ''} {self.payload(model.__name__, name)}".strip()


def _complete(root: Path) -> None:
    """Give the canary registry the records it lacks, so every model appears at least once."""
    write_yaml(root / "config.yaml", {"deadlines": [{"key": "2026-plan", "what": "公布计划", "due": "2026-03-31"}]})
    edit_yaml(root / "departments.yaml", lambda d: d["departments"][1].update(
        history=[{"date": "2019-01-01", "event": "更名", "name": "临沂市市场监督管理局", "basis": "机构改革"}]))
    edit_yaml(root / "scjgj/items.yaml", lambda d: (
        d.update(changes=[{"date": "2018-01-01", "summary": "新增事项", "basis": "文件"}]),
        d["items"][0]["checklist"][0].update(basis="第十四条", standard="按时报送")))
    edit_yaml(root / "scjgj/matters.yaml", lambda d: d["matters"].append(
        {"id": "M-02", "name": "其他检查", "basis": "条例", "random": "false", "reason": "依申请"}))
    write_yaml(root / "scjgj/plans/2026.yaml", {
        "id": "P-2026", "department": "scjgj", "year": 2026, "seq": 1, "title": "2026年度抽查计划",
        "filed": "2026-01-10", "published": "2026-01-20",
        "tasks": [{"title": "企业公示信息抽查", "items": ["SCJG-01"], "start": "2026-03-01", "end": "2026-06-30"}]})
    task = root / "scjgj/tasks/LY-SCJG-2026-002.yaml"
    write_yaml(task, {"id": "LY-SCJG-2026-002", "department": "scjgj", "year": 2026, "seq": 2, "title": "彩票随机源任务",
                      "items": ["SCJG-01"], "period": {"start": "2026-07-01", "end": "2026-09-30"},
                      "published": "2026-06-20", "seed_sources": [
                          {"kind": "lottery", "lottery": "福彩3D", "draw_id": "2026170", "date": "2026-06-27",
                           "place": "临沂市"}]})


def _plant_registry(root: Path, blocking: bool) -> Planter:
    _complete(root)
    planter = Planter(blocking)
    for p in sorted(root.rglob("*.yaml")):
        f = match(p.relative_to(root).as_posix())
        if f is not None and f.kind.model is not None:
            edit_yaml(p, lambda d, model=f.kind.model: planter.plant(d, model))
    for p in sorted((root / "targets").glob("*.csv")):  # the targets a page can be about
        rows = list(csv.DictReader(io.StringIO(p.read_text(encoding="utf-8"))))
        for row in rows:
            if row["id"] in (SOLE, FIRM):
                planter.plant(row, Target)
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        p.write_text(buf.getvalue(), encoding="utf-8")
    return planter


def _site_bytes(site: Path) -> bytes:
    return b"\n".join(part for p in sorted(site.rglob("*")) if p.is_file() for _, part in _expand(p.name, p.read_bytes()))


def test_every_published_scanned_field_is_planted(tmp_path):
    """Derived from the models: a new published text field fails here until a record of its kind exists."""
    planter = _plant_registry(make_canary_registry(tmp_path / "registries"), blocking=True)
    missing = published_scanned_fields() - set(planter.planted)
    assert not missing, f"add a record holding these fields to _complete(): {sorted(missing)}"


def test_ids_and_cards_refused_one_report_each_and_masked(tmp_path, capsys):
    root = make_canary_registry(tmp_path / "registries")
    planter = _plant_registry(root, blocking=True)
    reg, problems = load_registry(root)
    assert not [p for p in problems if p.severity == "error"], [p.text() for p in problems]
    found = [p for p in validate(reg) if p.code.startswith("freetext.")]
    other = [p.text() for p in validate(reg) if p.severity == "error" and not p.code.startswith("freetext.")]
    assert not other
    for (model, name), triples in planter.planted.items():
        for mobile, typo, card in triples:
            for value, masked, code in ((mobile, mask_mobile(mobile), "freetext.mobile"),
                                        (typo, mask_id_number(typo), "freetext.id_typo"),
                                        (card, mask_card(card), "freetext.bank_card")):
                reports = [p for p in found if p.code == code and masked in p.zh]
                assert len(reports) == 1, (model, name, code, [p.text() for p in reports])
                assert value not in reports[0].text()  # reported masked
                assert reports[0].file and reports[0].field
    typo_report = next(p for p in found if p.code == "freetext.id_typo")
    assert typo_report.severity == "error" and "校验位不符，可能是输错的身份证号码" in typo_report.zh
    # redaction masks them all the same
    text = json.dumps(redact(reg).to_json(), ensure_ascii=False)
    for triples in planter.planted.values():
        for values in triples:
            for v in values:
                assert v not in text
    # and the build refuses the registry
    capsys.readouterr()
    assert main(["build", "--registry", str(root), "--out", str(tmp_path / "site")]) != 0
    out = capsys.readouterr()
    assert "可能是输错的身份证号码" in out.out + out.err and "银行卡号" in out.out + out.err
    assert not (tmp_path / "site").exists()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The canary registry with a mobile number in every published text field, built for real."""
    tmp = tmp_path_factory.mktemp("shapes")
    root = make_canary_registry(tmp / "registries", blocking_text=False)
    planter = _plant_registry(root, blocking=False)
    site = tmp / "site"
    assert main(["build", "--registry", str(root), "--out", str(site)]) == 0
    return root, site, planter


def test_mobiles_everywhere_are_published_masked(built):
    root, site, planter = built
    blobs = _site_bytes(site)
    mobiles = [values[0] for triples in planter.planted.values() for values in triples]
    assert len(mobiles) >= len(published_scanned_fields())
    for m in mobiles:
        assert m.encode() not in blobs, m
    shown = [m for m in mobiles if mask_mobile(m).encode() in blobs]
    by_field = {(mo, f) for (mo, f), triples in planter.planted.items() for (m,) in triples if m in shown}
    assert {("Result", "remarks"), ("Item", "content"), ("ListChange", "summary"), ("AnnualPlan", "summary"),
            ("ChecklistRow", "check")} <= by_field


def _plant_file(site: Path, rel: str, data: bytes) -> None:
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    (site / rel).write_bytes(data)


def _xlsx(value: str) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["名称", "备注"])
    wb.active.append(["某公司", value])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


TYPO = make_id_number("37132419880808123")[:17] + "0"
TYPO = TYPO if not is_valid_id_number(TYPO) else TYPO[:17] + "1"
PLANTED = [  # values no registry field holds: only the shape scan can find them
    ("planted/a.html", "<p>联系人手机：１５８ ６６６６ ０００１</p>".encode(), "手机号码 158****0001"),
    ("planted/b.json", json.dumps({"remark": f"身份证 {TYPO}"}).encode(), "身份证号码（校验位不符"),
    ("planted/c.xml.gz", gzip.compress("<r>卡号 6222 0000 1111 2222 333</r>".encode()), "银行卡号 6222"),
    ("planted/d.xlsx", _xlsx("邮箱 wang.xiaoer@qq.com"), "电子邮箱 w***@qq.com"),
]


@pytest.mark.parametrize("rel,data,kind", PLANTED, ids=[p[0] for p in PLANTED])
def test_audit_catches_planted_shapes_in_a_built_site(built, tmp_path, capsys, rel, data, kind):
    root, site, _ = built
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    assert main(["audit-leaks", str(copy), "--registry", str(root)]) == 0
    capsys.readouterr()
    _plant_file(copy, rel, data)
    assert main(["audit-leaks", str(copy), "--registry", str(root)]) == 1
    out = capsys.readouterr().out
    assert any(line.startswith(rel) and kind in line for line in out.splitlines()), out


def test_audit_catches_a_field_the_redaction_missed(built, tmp_path, capsys):
    """Redaction bypassed for one field: a mobile appended to a built record page after the build."""
    root, site, _ = built
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / "targets" / FIRM / "index.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("</main>", "<p>负责人电话 13705398888</p></main>", 1), encoding="utf-8")
    assert "13705398888" in page.read_text(encoding="utf-8")
    assert main(["audit-leaks", str(copy), "--registry", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"targets/{FIRM}/index.html" in out and "手机号码 137****8888" in out and "13705398888" not in out


def test_shape_scan_spares_codes_and_declared_contacts():
    """No false positives on USCCs, registration numbers, dates, amounts, hashes, signatures, task ids;
    an office number the registry declares public passes."""
    from shuangsuiji.registry.freetext import PublicContacts, contact_key

    clean = ("91371302MA3C00001X 923713119148149915 371300200012345 20170901 35000000元 "
             "a13812345678b 3f9c13812345678e SCJG-371311-2026-001 2026年 1234567 "
             "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 icon@2x.png")
    assert shape_leaks(clean) == set()
    # all-digit USCCs of 社会组织 (5…) and 机关 (1…), as company pages of a city print them: codes
    others = "（52371322709932868X） 52371328937138981X"
    assert shape_leaks(others) == set()
    assert shape_leaks(f"身份证 {make_id_number('37130219790303123')}")  # an ID number is still one
    office = "办公电话 13805391234 邮箱 ban@linyi.gov.cn"
    assert len(shape_leaks(office)) == 2
    declared = PublicContacts(("linyi.gov.cn",), frozenset({contact_key("138-0539-1234")}))
    assert shape_leaks(office, declared) == set()


def test_shapes_in_free_text():
    """What the recogniser takes and leaves, including everything it took before shapes."""
    from shuangsuiji.registry.freetext import find_hits

    def kinds(text):
        return [h.kind for h in find_hits(text)]

    valid = make_id_number("99130219900101123")  # unknown province, right check character: as before
    typo = make_id_number("37130219900101123")[:17]
    typo += "0" if not is_valid_id_number(typo + "0") else "1"
    no_province = "99" + typo[2:]
    bad_date = typo[:6] + "19901301" + typo[14:]
    luhn_nine = next(f"91234567890123{x}{y}" for x in "0123456789" for y in "0123456789"
                     if luhn_ok(f"91234567890123{x}{y}"))  # no issuer prefix, passes Luhn: as before
    assert kinds(f"号码{valid}") == ["id_number"]
    assert kinds(f"号码{typo}") == ["id_typo"]
    assert kinds(f"号码{no_province}，{bad_date}") == []
    assert kinds(f"卡 {luhn_nine}") == ["bank_card"]
    assert kinds("卡 6222 0212 3456 7890 123，卡 622202 1234567890123") == ["bank_card", "bank_card"]
    assert kinds("SCJG-621102-2026-001 2026年，91371302MA3C00001X，371300200012345，20170901") == []
    assert kinds("＋８６ １３８－１２３４－５６７８，+86 13812345678") == ["mobile", "mobile"]
