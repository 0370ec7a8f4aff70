"""`ssj progress`, the 督查台账: every verdict of a department with known done and missing
milestones, the example registry's dashboard, and the workbook's rows and fills."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from openpyxl import load_workbook

from analysis_fixture import _dump, make_registry
from shuangsuiji.analysis import progress
from shuangsuiji.analysis import stats
from shuangsuiji.cli import main
from shuangsuiji.registry.load import load_registry
from shuangsuiji.core.workdays import add_working_days

REGISTRY = Path(__file__).resolve().parents[1] / "registries"
AS_OF = date(2024, 12, 31)
ON, LATE, OVER, PEND, NA = progress.ON_TIME, progress.LATE, progress.OVERDUE, progress.PENDING, progress.NOT_APPLICABLE


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _publish_all(root: Path, task_rel: str, late_one: bool) -> str:
    """Publish every result of a task 5 working days after inspection (one after 30 if late_one);
    returns the last publication date."""
    f = root / task_rel
    data = _load(f)
    for k, r in enumerate(data["results"]):
        r["status"] = "已公示"
        r["published_on"] = str(add_working_days(date.fromisoformat(r["inspected_on"]), 30 if late_one and k == 0 else 5))
    _dump(f, data)
    return max(r["published_on"] for r in data["results"])


def test_every_verdict_of_known_departments(tmp_path):
    root = make_registry(tmp_path / "reg")
    _dump(root / "config.yaml", {"deadlines": [
        {"key": "2023-tasks", "what": "完成2023年度抽查任务", "due": "2023-12-31"},
        {"key": "2024-plan", "what": "报备2024年度抽查计划", "due": "2024-03-31"},
        {"key": "2024-lists", "what": "2024年度清单动态调整", "due": "2024-06-30"},
        {"key": "2024-tasks", "what": "完成2024年度抽查任务", "due": "2024-12-31"},
        {"key": "2025-plan", "what": "报备2025年度抽查计划", "due": "2025-03-31"},
        {"key": "2017-publish", "what": "县级公布清单（县级）", "due": "2017-05-31", "level": "县级"}]})
    depts = _load(root / "departments.yaml")
    depts["departments"] += [
        {"id": "gsj", "name": "工商局", "full_name": "临沂市工商行政管理局", "level": "市级", "region": "371300",
         "annex1": True, "active": False,
         "history": [{"date": "2019-01-01", "event": "并入", "into": "scjgj"}]},
        {"id": "xjj", "name": "新局", "full_name": "临沂市新设局", "level": "市级", "region": "371300",
         "history": [{"date": "2020-01-01", "event": "设立"}]}]
    _dump(root / "departments.yaml", depts)
    _dump(root / "gsj/liaison.yaml", {"department": "gsj", "lead_office": "法规科", "submitted": "2017-04-21",
                                       "people": [{"role": "联络员", "name": "王五", "title": "科员"}]})
    items = _load(root / "scjgj/items.yaml")
    items["changes"] = [{"date": "2024-07-10", "summary": "动态调整", "basis": "动态调整"}]
    _dump(root / "scjgj/items.yaml", items)
    sc_done = _publish_all(root, "scjgj/results/scjgj-2023-1.yaml", late_one=False)
    hb_done = _publish_all(root, "hbj/results/hbj-2023-1.yaml", late_one=True)

    reg, problems = load_registry(root)
    assert [p for p in problems if p.severity == "error"] == []
    city, county = progress.dashboard(reg, stats.facts(reg), AS_OF)
    got = {dp.dept: {c.key: c.cell(AS_OF) for c in dp.checks} for dp in city + county}
    keys = ["2017-liaison", "2017-submit", "2017-publish", "2023-tasks", "2024-plan", "2024-lists", "2024-tasks",
            "2025-plan"]
    expected = {
        "scjgj": [f"{ON} 2017-04-19", f"{ON} 2017-04-24", f"{ON} 2017-05-28", f"{ON} {sc_done}",
                  f"{ON} 2024-03-20", f"{LATE} 2024-07-10", f"{PEND} 1/1 项任务未完成", PEND],
        "gsj": [f"{LATE} 2017-04-21", OVER, OVER, f"{NA} 2019-01-01已并入或撤销", f"{NA} 2019-01-01已并入或撤销",
                f"{NA} 2019-01-01已并入或撤销", f"{NA} 2019-01-01已并入或撤销", f"{NA} 2019-01-01已并入或撤销"],
        "hbj": [OVER, f"{ON} 2017-04-24", f"{LATE} 2017-06-05", f"{LATE} {hb_done} 1 条结果逾期公示", f"{ON} 2024-03-20", OVER,
                f"{PEND} 1/1 项任务未完成", PEND],
        "tjj": [OVER, OVER, OVER, f"{OVER} 无本年度任务", OVER, OVER, f"{PEND} 无本年度任务", PEND],
        "xjj": [f"{NA} 2020-01-01设立"] * 3 + [f"{OVER} 无本年度任务", OVER, OVER, f"{PEND} 无本年度任务", PEND],
    }
    for dept, cells in expected.items():
        assert [got[dept][k] for k in keys] == cells, dept
    assert list(got["yn-scj"]) == ["2017-publish", "2023-tasks", "2024-plan", "2024-lists", "2024-tasks", "2025-plan"]
    assert got["yn-scj"]["2017-publish"] == OVER
    # the merged-away department comes right after its successor, and says so
    order = [dp.dept for dp in city]
    assert order[order.index("scjgj") + 1] == "gsj"
    assert city[order.index("gsj")].label == "↳ 工商局（2019-01-01并入工商局）"


def test_example_dashboard_is_believable(tmp_path, capsys):
    """On the committed example: each milestone once per department; a department whose evidence (read
    from the YAML files here) is all in time shows nothing overdue; most departments with a list are
    complete; the few late or missing are named."""
    as_of = date(2026, 12, 1)
    reg, _ = load_registry(REGISTRY)
    city, county = progress.dashboard(reg, stats.facts(reg), as_of)
    deadlines = {d["key"]: date.fromisoformat(d["due"]) for d in _load(REGISTRY / "config.yaml")["deadlines"]}
    assert len(city) == sum(1 for d in reg.departments.values() if d.level == "市级" and not d.coordinator)
    for dp in city + county:
        keys = [c.key for c in dp.checks]
        assert len(keys) == len(set(keys)), dp.dept
    complete, checked = [], 0
    for dp in city:
        d = REGISTRY / dp.dept
        if not (d / "items.yaml").exists() or any(e.event != "更名" for e in reg.departments[dp.dept].history):
            continue  # established or merged away since 2017: the plan's milestones are not all theirs
        checked += 1
        items = _load(d / "items.yaml")
        review = {s["step"]: date.fromisoformat(s["date"]) for s in items["review"]}
        liaison = _load(d / "liaison.yaml") if (d / "liaison.yaml").exists() else None
        plans = [_load(p) for p in (d / "plans").glob("2026.yaml")]
        in_time = (liaison and date.fromisoformat(liaison["submitted"]) <= deadlines["2017-liaison"]
                   and review.get("提交", date.max) <= deadlines["2017-submit"] and (d / "inspectors.yaml").exists()
                   and review.get("公布", date.max) <= deadlines["2017-publish"]
                   and plans and date.fromisoformat(plans[0]["filed"]) <= deadlines["2026-plan"]
                   and any(date.fromisoformat(c["date"]).year == 2026
                           and date.fromisoformat(c["date"]) <= deadlines["2026-lists"] for c in items.get("changes", ())))
        overdue = [c.key for c in dp.checks if c.overdue(as_of)]
        if in_time:
            complete.append(dp.dept)
            assert overdue == [] or overdue == ["2026-tasks"], (dp.dept, overdue)
        else:
            assert overdue, dp.dept
    assert "swj" in complete and checked - 6 <= len(complete) < checked  # most on time, a few late or missing
    swj = next(dp for dp in city if dp.dept == "swj")
    assert all(c.status(as_of) in (ON, PEND) for c in swj.checks) and swj.results_on_time == swj.results_published

    assert main(["progress", "--registry", str(REGISTRY), "--as-of", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert out.count("商务局（swj）") == 1 and "↳ 工商局" in out and "罗庄区市场监管局（scjg-371311）" in out


def test_workbook_one_row_per_department_and_fills(tmp_path):
    as_of = date(2026, 12, 1)
    out = tmp_path / "台账.xlsx"
    assert main(["progress", "--registry", str(REGISTRY), "--as-of", "2026-12-01", "--xlsx", str(out)]) == 0
    reg, _ = load_registry(REGISTRY)
    city, county = progress.dashboard(reg, stats.facts(reg), as_of)
    wb = load_workbook(out)
    colours = {ON: "C6EFCE", LATE: "FFEB9C", OVER: "FFC7CE", NA: "EDEDED"}
    seen = set()
    for sheet, rows in (("市直部门进度", city), ("县级进度", county)):
        ws = wb[sheet]
        ids = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
        assert ids == [dp.dept for dp in rows] and len(ids) == len(set(ids))
        n = len(rows[0].checks)
        assert ws.cell(1, 3 + n).value.startswith("覆盖率")
        for r in range(2, ws.max_row + 1):
            for c in range(3, 3 + n):
                text = ws.cell(r, c).value
                status = text.split()[0]
                seen.add(status)
                rgb = ws.cell(r, c).fill.fgColor.rgb
                if status in colours:
                    assert rgb.endswith(colours[status]), (sheet, r, c, text)
                else:
                    assert status == PEND and rgb in (None, "00000000")
                if status in (ON, LATE):  # done shows its date
                    assert date.fromisoformat(text.split()[1])
    assert {ON, LATE, OVER, PEND, NA} <= seen
    legend = [row[0] for row in wb["图例"].iter_rows(min_row=2, values_only=True)]
    assert legend == [ON, LATE, OVER, PEND, NA]
