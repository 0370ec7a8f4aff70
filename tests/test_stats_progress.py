"""Supervision dashboard (every Annex 1 department, coverage, overdue) read back from the XLSX; duplicates."""

from __future__ import annotations

from datetime import date

import yaml
from openpyxl import load_workbook

from analysis_fixture import make_registry
from shuangsuiji.analysis import progress
from shuangsuiji.analysis import stats
from shuangsuiji.analysis.duplicates import duplicates
from shuangsuiji.registry.load import load_registry

AS_OF = date(2024, 12, 31)


def test_dashboard_and_xlsx(tmp_path):
    root = make_registry(tmp_path / "reg")
    reg, _ = load_registry(root)
    city, county = progress.dashboard(reg, stats.facts(reg), AS_OF)
    depts = yaml.safe_load((root / "departments.yaml").read_text(encoding="utf-8"))["departments"]
    city_ids = sorted(d["id"] for d in depts if d["level"] == "市级" and not d.get("coordinator"))
    assert [dp.dept for dp in city] == city_ids
    assert [dp.dept for dp in county] == sorted(d["id"] for d in depts if d["level"] == "县级")
    for dp in city:  # coverage recounted from matters.yaml and items.yaml
        mf, il = root / dp.dept / "matters.yaml", root / dp.dept / "items.yaml"
        if not mf.exists():
            assert dp.coverage is None
            continue
        matters = yaml.safe_load(mf.read_text(encoding="utf-8"))["matters"]
        covered = {m for it in yaml.safe_load(il.read_text(encoding="utf-8"))["items"] for m in it["matters"]}
        assert (dp.matters_random, dp.matters_total) == (
            sum(1 for m in matters if m.get("random", True) and m["id"] in covered), len(matters))
    by = {dp.dept: dp for dp in city}
    overdue = {dp.dept: {c.key for c in dp.checks if c.overdue(AS_OF)} for dp in city}
    assert overdue["scjgj"] == set()  # liaison 4/19, submitted 4/24, published 5/28, plan filed
    assert overdue["hbj"] == {"2017-liaison", "2017-publish"}  # no liaison table; list published 6/5
    assert overdue["tjj"] == {"2017-liaison", "2017-submit", "2017-publish", "2024-plan"}
    assert by["hbj"].coverage == 0.5 and by["scjgj"].coverage == 1.0

    out = tmp_path / "progress.xlsx"
    progress.write_xlsx(out, city, county, AS_OF)
    wb = load_workbook(out)
    ws = wb["市直部门进度"]
    rows = list(ws.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == city_ids
    header = rows[0]
    col = next(i for i, h in enumerate(header) if h.startswith("公布随机抽查事项清单"))
    hbj = rows[1 + city_ids.index("hbj")]
    assert hbj[col] == "逾期完成 2017-06-05"
    assert ws.cell(2 + city_ids.index("hbj"), col + 1).fill.fgColor.rgb.endswith("FFEB9C")
    assert ws.cell(2 + city_ids.index("scjgj"), col + 1).fill.fgColor.rgb.endswith("C6EFCE")
    county_rows = list(wb["县级进度"].iter_rows(values_only=True))
    assert county_rows[1][2] == "逾期未完成" and county_rows[0][2].startswith("县级公布随机抽查事项清单")


def test_duplicates_counted_from_results(tmp_path):
    root = make_registry(tmp_path / "reg")
    reg, _ = load_registry(root)
    visits: dict = {}
    for f in sorted(root.glob("*/results/*.yaml")):
        rf = yaml.safe_load(f.read_text(encoding="utf-8"))
        for r in rf["results"]:
            d = date.fromisoformat(r["inspected_on"])
            visits.setdefault((r["target"], d.year, (d.month - 1) // 3), {})[rf["task"]] = rf["department"]
    multi = [v for v in visits.values() if len(set(v.values())) >= 2]
    rep = duplicates(reg)
    assert rep.target_quarters == len(multi) > 0
    assert rep.avoidable_visits == sum(len(v) - 1 for v in multi)
    assert [(p.dept_a, p.dept_b, p.targets) for p in rep.pairs] == [("hbj", "scjgj", len(multi))]
