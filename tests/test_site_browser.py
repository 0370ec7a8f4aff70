"""Headless Chromium on the built site: home page, a task page, the in-browser draw verifier
(PASS on the published record, FAIL when a value is tampered with), and no request leaving
localhost. The search flow is tested in test_search.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from site_build_fixture import TASK
from site_fixture import browser, serve

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def site(example_site) -> Path:
    return example_site.out


def _verify(page) -> str:
    page.click("#ssj-verify")
    page.wait_for_selector(".ssj-verdict.ssj-pass, .ssj-verdict.ssj-fail", timeout=60_000)
    return page.inner_text("#ssj-verify-status")


def test_home_task_and_verifier_pass_offline(site):
    requests: list[str] = []
    with serve(site) as base, browser() as b:
        page = b.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(base)
        assert "监管信息公示" in page.title()
        assert page.locator(".ssj-figure").count() >= 5
        page.click(".md-tabs a[href='tasks/']")
        page.click(f"a[href$='tasks/{TASK}/']")
        assert "抽查任务公告" in page.inner_text("h1")
        assert "PASS" in _verify(page)
        assert page.locator("#ssj-verify-log .ssj-fail").count() == 0
        # Tamper with one published assignment: the same page must now say FAIL.
        page.evaluate("""() => {
            const el = document.getElementById('ssj-draw');
            const rec = JSON.parse(el.textContent);
            const x = rec.order[0];
            rec.assignments[x] = rec.assignments[x].slice().reverse();
            el.textContent = JSON.stringify(rec);
        }""")
        assert "FAIL" in _verify(page)
    assert requests
    hosts = {urlparse(u).hostname for u in requests if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}


def test_verifier_reproduces_the_worked_example(site):
    """verify.js against the normative example of draw.md, computed by `ssj draw compute`."""
    inp = ROOT / "tests" / "data" / "draw" / "worked_example.json"
    out = json.loads(subprocess.run([sys.executable, "-m", "shuangsuiji", "draw", "compute", str(inp)],
                                    check=True, capture_output=True).stdout)
    data = json.loads(inp.read_text(encoding="utf-8"))
    units = dict(data["inspectors"])
    sizes: dict[str, int] = {}
    for u in units.values():
        sizes[u] = sizes.get(u, 0) + 1
    selected = [x for s in out["strata"].values() for x in s["selected"]]
    rec = {"task": data["task"], "commitment": out["commitment"], "seed": out["seed"],
           "manifest": out["manifest"], "sources": data["sources"], "min_per_stratum": 1,
           "slots": data["slots"], "cap_slack": 1,
           "strata": [{"label": f"层{i}", "N": s["N"], "ratio": s["ratio"], "n": s["n"]}
                      for i, s in enumerate(out["strata"].values(), 1)],
           "selected": selected, "order": out["order"], "caps": out["caps"],
           "unit_sizes": sizes, "ranked": out["ranked"], "units": units,
           "initial_assignments": out["initial_assignments"], "events": data.get("events", []),
           "assignments": out["assignments"], "log": out["log"]}
    assert out["commitment"] == "bd2583c91b8291ea80254ee3aa46ed2251a8da92754c5bcd6a532d65bdb0128f"
    with serve(site) as base, browser() as b:
        page = b.new_page()
        page.goto(base + f"tasks/{TASK}/")
        script = """async (rec) => {
            const v = new window.ssjDraw.Verifier(rec);
            await v.run(() => {});
            return {ok: v.ok, lines: v.lines};
        }"""
        good = page.evaluate(script, rec)
        assert good["ok"], [l for l in good["lines"] if l["ok"] is False]
        assert any("SHA-256(清单)" in l["zh"] and l["ok"] for l in good["lines"])  # C recomputed
        bad = dict(rec, seed="0" * 64)
        assert not page.evaluate(script, bad)["ok"]
        enc = page.evaluate("() => Array.from(window.ssjDraw.enc(['ab', '临沂']))")
        assert bytes(enc).hex() == "00000002616200000006e4b8b4e6b282"
