"""Every statistics figure equals a count made independently from the registry files.

The expected numbers are counted here from the YAML/CSV/TSV files with yaml.safe_load
and csv, not through the loader or the stats module.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import html5lib
import pytest
import yaml

from analysis_fixture import make_registry
from shuangsuiji.analysis import stats
from shuangsuiji.site import statspages
from shuangsuiji.registry.load import load_registry

PROBLEM = {"发现问题已责令改正", "发现问题待后续处理", "不配合检查情节严重"}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return make_registry(tmp_path_factory.mktemp("reg"))


@pytest.fixture(scope="module")
def computed(root):
    reg, problems = load_registry(root)
    assert not problems
    return reg, stats.compute(reg, internal=True)


def _due(d: date, n: int = 20) -> date:
    while n:
        d += timedelta(days=1)
        if chinese_calendar.is_workday(d):
            n -= 1
    return d


def _day(v) -> date:
    return v if isinstance(v, date) else date.fromisoformat(v)


def _section(code: str) -> str:
    return {"13": "C", "52": "F", "62": "H", "72": "L"}.get(code[:2], code)


def expected(root: Path) -> dict[str, dict[str, Counter]]:
    """dimension → key → Counter of figures, counted straight from the files."""
    with open(root / "targets" / "0000.csv", encoding="utf-8") as f:
        targets = {r["id"]: r for r in csv.DictReader(f)}

    def tkeys(tid: str) -> dict[str, str]:
        t = targets[tid]
        return {"region": t["region"], "industry": _section(t["industry"]),
                "division": t["industry"][:2] if t["industry"][0].isdigit() else t["industry"], "type": t["type"],
                "credit": t["credit_class"]}

    out: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    task_keys: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for tf in sorted(root.glob("*/tasks/*.yaml")):
        task = yaml.safe_load(tf.read_text(encoding="utf-8"))
        tid, dept = task["id"], tf.parts[-3]
        fixed = {"dept": [dept], "year": [str(task["year"])], "item": task["items"]}
        draw = tf.parent.parent / "draws" / tid
        cands = [line.split("\t")[0] for line in (draw / "candidates.tsv").read_text().splitlines()]
        drawn = list(json.loads((draw / "record.json").read_text())["assignments"])
        for dim, keys in fixed.items():
            for k in keys:
                task_keys[dim][tid].add(k)
                out[dim][k]["candidates"] += len(cands)
                out[dim][k]["drawn"] += len(drawn)
        for t in cands:
            for dim, k in tkeys(t).items():
                task_keys[dim][tid].add(k)
                out[dim][k]["candidates"] += 1
        for t in drawn:
            for dim, k in tkeys(t).items():
                task_keys[dim][tid].add(k)
                out[dim][k]["drawn"] += 1
        rf = yaml.safe_load((tf.parent.parent / "results" / f"{tid}.yaml").read_text(encoding="utf-8"))
        for r in rf["results"]:
            if r["status"] not in ("已公示", "更正"):
                continue
            keys = dict(tkeys(r["target"]))
            groups = [(d, k) for d, k in keys.items()] + [("dept", dept), ("year", str(task["year"]))] + [
                ("item", i) for i in r["items"]]
            for dim, k in groups:
                task_keys[dim][tid].add(k)
                c = out[dim][k]
                c["inspected"] += 1
                c["problems"] += bool(PROBLEM & set(r["outcome"]))
                c["on_time"] += _day(r["published_on"]) <= _due(_day(r["inspected_on"]))
                c["visits"] += len(r["inspectors"])
                for o in r["outcome"]:
                    c["outcome:" + o] += 1
                for fu in r.get("follow_ups", []):
                    c["follow_up:" + fu] += 1
                out[dim].setdefault(("inspectors", k), Counter()).update({i: 1 for i in r["inspectors"]})
        for dim, by_task in task_keys.items():
            for k in by_task.get(tid, ()):
                out[dim][k]["tasks"] += 1
                out[dim][k]["joint"] += bool(task.get("partners"))
    return out


def test_every_figure_equals_an_independent_count(root, computed):
    reg, st = computed
    exp = expected(root)
    assert set(st.tables) == set(stats.INTERNAL_DIMENSIONS)
    checked = 0
    for dim, rows in st.tables.items():
        assert {r.key for r in rows} == {k for k in exp[dim] if isinstance(k, str)}, dim
        for r in rows:
            e = exp[dim][r.key]
            got = {"tasks": r.tasks, "joint": r.joint_tasks, "candidates": r.candidates, "drawn": r.drawn,
                   "inspected": r.inspected, "problems": r.problems, "on_time": r.on_time,
                   "visits": r.inspector_visits,
                   **{"outcome:" + o: n for o, n in r.outcomes.items()},
                   **{"follow_up:" + f: n for f, n in r.follow_ups.items()}}
            assert +Counter(got) == +e, (dim, r.key)
            assert r.inspectors == len(exp[dim].get(("inspectors", r.key), ()))
            checked += 1
    assert checked > 20
    assert st.total.inspected == sum(r.inspected for r in st.tables["dept"])
    assert st.total.inspected > 40 and st.total.problems > 5  # the fixture exercises the counts


def test_wilson_interval_known_values():
    lo, hi = stats.wilson(10, 100)
    assert (round(lo, 4), round(hi, 4)) == (0.0552, 0.1744)
    assert stats.wilson(0, 10)[0] == 0.0 and stats.wilson(10, 10)[1] == pytest.approx(1.0)


def _tables(html: str) -> list[list[str]]:
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    return [["".join(c.itertext()) for c in tr] for tr in doc.iter("tr")]


def test_pages_show_the_counted_figures_and_no_credit_class(root, computed):
    _, st = computed
    exp = expected(root)
    pages = statspages.stats_pages(st)
    assert [p.url for p in pages] == ["stats/", *(f"stats/{d}/" for d in stats.PUBLIC_DIMENSIONS)]
    for p in pages:
        assert "信用风险" not in p.html and "credit" not in p.html
    region = next(p for p in pages if p.url == "stats/region/")
    rows = _tables(region.html)
    assert rows[0][:6] == ["名称", "任务数", "候选对象", "抽中", "已检查", "发现问题"]
    for row in rows[1:-1]:
        key = row[0].split("（")[-1].rstrip("）")
        e = exp["region"][key]
        assert [int(x) for x in row[1:6]] == [e["tasks"], e["candidates"], e["drawn"], e["inspected"], e["problems"]]
    files = statspages.stats_files(st)
    assert sorted(files) == sorted(f"stats/{d}.csv" for d in stats.PUBLIC_DIMENSIONS)
    with_csv = list(csv.DictReader(files["stats/type.csv"].decode("utf-8-sig").splitlines()))
    for r in with_csv[:-1]:
        assert int(r["发现问题数"]) == exp["type"][r["编号"]]["problems"]
    assert with_csv[-1]["编号"] == "合计"


def test_cli_public_output_has_no_credit_table_and_internal_has(root):
    run = lambda *a: subprocess.run([sys.executable, "-m", "shuangsuiji", "stats", "--registry", str(root), *a],
                                    capture_output=True, text=True)
    pub = run("--format", "json")
    assert pub.returncode == 0, pub.stderr
    assert "credit" not in json.loads(pub.stdout)["tables"]
    internal = run("--format", "json", "--internal")
    assert set(json.loads(internal.stdout)["tables"]["credit"][0]) >= {"key", "inspected"}
    refused = run("--by", "credit")
    assert refused.returncode == 2 and "--internal" in refused.stderr
    csv_out = run("--by", "region", "--format", "csv")
    assert csv_out.stdout.splitlines()[0].startswith("编号,名称,任务数")
