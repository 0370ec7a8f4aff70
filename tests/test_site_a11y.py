"""The citizen's view of the built site in headless Chromium, served by `ssj serve`'s own server:
axe-core (WCAG 2.1 AA) on one page of every kind at 1280 and 390 px with no serious or critical
violation, nothing wider than a 360 px screen, and the government-site shell (footer items, 网站地图,
无障碍, 关怀版 that persists, titles "page – site", feed links, 404 page, file:// search notice)."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from shuangsuiji.cli.serve_cmd import make_server
from site_build_fixture import TASK
from site_fixture import browser

pytestmark = pytest.mark.browser
SITE = "临沂市“双随机、一公开”监管信息公示"


@pytest.fixture
def site(example_site) -> Path:
    return example_site.out


def kinds(site: Path) -> dict[str, str]:
    """One page of every kind; the company is one with its own feed, the result list the first one."""
    company = sorted((site / "feeds" / "target").glob("*.xml"))[0].stem
    result = sorted(p.name for p in (site / "results").iterdir() if p.is_dir())[0]
    return {"home": "", "department": "departments/scjgj/", "task": f"tasks/{TASK}/", "result": f"results/{result}/",
            "company": f"targets/{company}/", "stats": "stats/", "stats-dimension": "stats/region/",
            "warnings": "stats/warnings/", "serious-list": "credit/serious/", "search": "search/", "feeds": "feeds/",
            "data": "data/", "sitemap": "sitemap/", "404": "no/such/page/", "privacy": "privacy/", "verify": "verify/",
            "accessibility": "accessibility/"}


@contextmanager
def preview(site: Path):
    server = make_server(site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_every_kind_of_page_is_accessible_and_fits_a_phone(site):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    pages = kinds(site)
    failures: list[str] = []
    checked = 0
    with preview(site) as base, browser() as b:
        for width in (1280, 390, 360):
            ctx = b.new_context(viewport={"width": width, "height": 900})
            page = ctx.new_page()
            for kind, path in pages.items():
                resp = page.goto(base + path)
                assert resp.status == (404 if kind == "404" else 200), (kind, resp.status)
                if width == 360:
                    w = page.evaluate("document.scrollingElement.scrollWidth")
                    if w > 360:
                        failures.append(f"{kind} @360: scrollWidth {w}")
                    checked += 1
                    continue
                for v in axe.run(page).response["violations"]:
                    if v["impact"] in ("serious", "critical"):
                        failures.append(f"{kind} @{width}: {v['id']} {[n['target'] for n in v['nodes'][:3]]}")
                checked += 1
            ctx.close()
    assert checked == 3 * len(pages)
    assert not failures, "\n".join(failures)


def test_government_site_shell(site):
    pages = kinds(site)
    with preview(site) as base, browser() as b:
        ctx = b.new_context(viewport={"width": 390, "height": 844})
        page = ctx.new_page()
        page.goto(base)
        assert page.title() == SITE  # the home page does not repeat the site name
        # No drawer on a phone: every section tab is on the screen, wrapped, none scrolled out of sight.
        tabs = page.locator(".md-tabs a")
        assert tabs.count() == 10
        for i in range(tabs.count()):
            box = tabs.nth(i).bounding_box()
            assert tabs.nth(i).is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390, tabs.nth(i).inner_text()
        assert page.evaluate("document.querySelector('.md-tabs ul').scrollWidth <= document.querySelector('.md-tabs ul').clientWidth")
        footer = page.inner_text("footer")
        for label in ("主办单位", "承办单位", "联系电话", "电子邮箱", "网站标识码", "ICP备案号", "公安机关备案号", "（示例）"):
            assert label in footer, label
        assert page.locator("footer a[href^='https://beian.mps.gov.cn/'][href$='37130202000000']").count() == 1
        assert page.locator("footer a[href^='https://'] img[src='assets/ssj/dzjg.svg']").count() == 1  # local, not hot-linked
        assert page.locator("footer a", has_text="我为政府网站找错").get_attribute("href").startswith("https://")
        assert page.locator("link[rel=alternate][type='application/rss+xml'][href='feeds/all.xml']").count() == 1

        # 关怀版: on, kept on the next page (applied before paint from localStorage), then off again.
        page.click("#ssj-care")
        small = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        page.goto(base + pages["company"])
        assert page.evaluate("document.documentElement.classList.contains('ssj-care')")
        assert page.get_attribute("#ssj-care", "aria-pressed") == "true"
        page.click("#ssj-care")
        assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") < small

        # The company page: "page – site", its own feed and its region's, a visible 订阅 block,
        # the industry in words, label and value apart on a phone.
        assert page.title() == f"{page.inner_text('h1')} – {SITE}"
        feeds = page.eval_on_selector_all("link[rel=alternate]", "ls => ls.map(l => l.getAttribute('href'))")
        company = pages["company"].split("/")[1]
        assert f"../../feeds/target/{company}.xml" in feeds  # a company's feed is RSS only (issue 14: site size)
        assert [f for f in feeds if f.startswith(f"../../feeds/target/{company}.")] == [f"../../feeds/target/{company}.xml"]
        assert "RSS 是一种订阅格式" in page.inner_text(".ssj-subscribe")
        industry = page.inner_text("table.ssj-kv tr:has(th:text('行业')) td")
        assert any("\u4e00" <= c <= "\u9fff" for c in industry), industry
        assert re.search(r"统一社会信用代码：[0-9A-Z]{18}", page.text_content("table.ssj-kv"))  # in the text itself
        th = page.locator("table.ssj-kv th").first
        td = page.locator("table.ssj-kv td").first
        assert th.bounding_box()["y"] + th.bounding_box()["height"] <= td.bounding_box()["y"] + 1  # stacked

        # The task page: seed source kind and scope in words; the drawn list stacked as label: value.
        page.goto(base + pages["task"])
        assert "掷骰子" in page.inner_text(".ssj-table[aria-label^='随机源']")
        assert "抽查范围：区域：兰山区；" in page.text_content("table.ssj-kv")
        assert "dice" not in page.inner_text("article")
        cell = page.locator("#drawn + .ssj-table td[data-label='统一社会信用代码']").first
        assert page.evaluate("e => getComputedStyle(e, '::before').content", cell.element_handle()) == '"统一社会信用代码："'
        assert page.locator("link[rel=alternate][href='../../feeds/dept/scjgj.xml']").count() == 1

        # Visible focus on the search box; the scroll regions take the keyboard.
        page.goto(base)
        page.focus("#ssj-q")
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
        assert page.locator(".ssj-table[tabindex='0'][role=region][aria-label]").count() >= 1

        # 网站地图 lists every section; 404 is the site's own page.
        page.goto(base + pages["sitemap"])
        assert page.title() == f"网站地图 – {SITE}"
        for href in ("tasks/", "results/", "stats/warnings/", "departments/scjgj/", "accessibility/"):
            assert page.locator(f"#ssj-main a[href='../{href}']").count() == 1, href
        resp = page.goto(base + pages["404"])
        assert resp.status == 404 and page.title() == f"找不到页面 – {SITE}"
        assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") != "static"  # styled
        ctx.close()

        # Opened from disk, the search page says what it needs.
        page = b.new_page()
        page.goto((site / "search" / "index.html").as_uri())
        assert "ssj serve" in page.inner_text(".ssj-file-notice")
