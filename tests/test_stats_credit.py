"""Credit linkage: a result that lists a target in 经营异常名录 gives it the flag, and the next
candidates table puts it in the flagged stratum with the department's raised ratio."""

from __future__ import annotations

import csv
from datetime import date
from fractions import Fraction

import yaml

from analysis_fixture import make_registry
from shuangsuiji.analysis import credit
from shuangsuiji.draw.wiring.candidates import build_candidates, class_ratios
from shuangsuiji.registry.load import load_registry
from shuangsuiji.registry.models.task import Task
from shuangsuiji.core.workdays import add_working_days


def _next_task() -> Task:
    return Task.model_validate({
        "id": "scjgj-2025-1", "department": "scjgj", "year": 2025, "seq": 1, "title": "2025年抽查", "items": ["SC-1"],
        "period": {"start": "2025-05-05", "end": "2025-07-05"}, "published": "2025-04-28",
        "seed_sources": [{"kind": "dice", "date": "2025-05-05", "place": "市行政服务中心"}]})


def _listing_result(root):
    """The first published result (independently read from the YAML) whose problem is a listing ground."""
    for f in sorted(root.glob("*/results/*.yaml")):
        for r in yaml.safe_load(f.read_text(encoding="utf-8"))["results"]:
            if r["status"] in ("已公示", "更正") and set(r.get("problems", [])) & set(credit.ABNORMAL_GROUNDS):
                return r
    raise AssertionError("fixture has no listing result")


def test_listing_sets_flag_and_raises_ratio(tmp_path):
    root = make_registry(tmp_path / "reg")
    r = _listing_result(root)
    target, inspected = r["target"], date.fromisoformat(r["inspected_on"])
    reg, problems = load_registry(root)
    assert not problems
    events = credit.credit_events(reg, date(2025, 1, 1))
    listing = [e for e in events if e.target == target and e.kind == credit.ABNORMAL]
    assert len(listing) == 1
    assert listing[0].date == add_working_days(inspected, 10) and not listing[0].recorded
    assert "第十七条" in listing[0].basis

    before_rows, before_ratios, _ = build_candidates(reg, _next_task())
    before = dict(before_rows).get(target)
    assert before is None or not before.endswith("|" + "flagged")

    updates = credit.feedback_updates(reg, events)
    assert target in {u.target for u in updates}
    shard = root / "targets" / "0000.csv"
    changed = [u.target.encode() for u in updates]

    def untouched() -> list[bytes]:  # rows of targets not updated keep their exact bytes (CRLF included)
        return [x for x in shard.read_bytes().splitlines(keepends=True) if not any(c in x for c in changed)]

    before_bytes = untouched()
    assert credit.write_flags(root, updates) == ["targets/0000.csv"]
    assert untouched() == before_bytes
    with open(shard, encoding="utf-8") as f:
        row = next(x for x in csv.DictReader(f) if x["id"] == target)
    assert "经营异常名录" in row["flags"].split(";")

    reg2, problems = load_registry(root)
    assert not problems
    assert credit.feedback_updates(reg2, credit.credit_events(reg2, date(2025, 1, 1))) == []  # idempotent
    rows, ratios, _ = build_candidates(reg2, _next_task())
    key = dict(rows)[target]
    flagged_ratio = class_ratios(reg2, _next_task())["flagged"]
    assert ratios[key] == flagged_ratio
    cls = reg2.targets[target].credit_class
    if cls in ("A", "B"):  # the flag raised the ratio (A was not even a candidate before)
        assert Fraction(flagged_ratio) > Fraction(class_ratios(reg2, _next_task())[cls])


def test_serious_list_after_three_years_and_page(tmp_path):
    root = make_registry(tmp_path / "reg")
    reg, _ = load_registry(root)
    first = credit.credit_events(reg, date(2024, 12, 31))
    assert not any(e.kind == credit.SERIOUS for e in first)
    later = credit.credit_events(reg, date(2028, 1, 1))
    serious = [e for e in later if e.kind == credit.SERIOUS]
    listed = {e.target: e.date for e in later if e.kind == credit.ABNORMAL}
    assert serious and all(e.date == listed[e.target].replace(year=listed[e.target].year + 3) for e in serious)
    from shuangsuiji.site.statspages import serious_list_page
    page = serious_list_page(later, {t: reg.targets[t].name for t in listed})
    assert all(e.target in page.html for e in serious) and "第十三条" in page.html
    assert "credit_class" not in page.html and "风险" not in page.html
