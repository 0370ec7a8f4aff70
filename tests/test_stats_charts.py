"""The statistics charts render in headless Chromium with Chinese labels and no external request."""

from __future__ import annotations

import pytest

from analysis_fixture import make_registry
from shuangsuiji.analysis import stats
from shuangsuiji.site import statspages
from shuangsuiji.registry.load import load_registry
from site_fixture import browser

pytestmark = pytest.mark.browser


def test_charts_render_offline_with_chinese_labels(tmp_path):
    reg, _ = load_registry(make_registry(tmp_path / "reg"))
    st = stats.compute(reg)
    site = tmp_path / "site"
    for p in statspages.stats_pages(st):
        f = site / p.url / "index.html"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{p.title}</title>'
                     f"<body>{p.html}</body></html>", encoding="utf-8")
    for rel, data in statspages.stats_files(st).items():
        (site / rel).write_bytes(data)
    requests: list[str] = []
    with browser() as b:
        page = b.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto((site / "stats" / "region" / "index.html").as_uri())
        labels = page.eval_on_selector_all(
            "svg text", "els => els.map(e => [e.textContent, e.getBBox().width, e.getBBox().height])")
        links = page.eval_on_selector_all("figcaption a", "els => els.map(e => e.href)")
    names = [t for t, _, _ in labels]
    assert "兰山区（371302）" in names and any(n.startswith("问题发现率") for n in names)
    assert all(w > 0 and h > 0 for _, w, h in labels)
    assert requests and all(u.startswith("file://") for u in requests), requests
    assert len(links) == 2 and all(u.endswith("/stats/region.csv") for u in links)
    assert (site / "stats" / "region.csv").read_bytes().startswith("\ufeff编号".encode())
