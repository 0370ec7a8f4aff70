"""Search: the real pagefind-extended binary on real HTML, and the search page in headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shuangsuiji.site import index, nameindex
from site_fixture import COMPANIES, browser, serve, write_site


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site = write_site(tmp_path_factory.mktemp("site"))
    cache = tmp_path_factory.mktemp("cache")
    stats = index.build_index(site, cache, max_pages=3)
    nameindex.write_name_index(site, [nameindex.Company(c[0], c[1], (c[0],), c[3], c[7], c[8]) for c in COMPANIES])
    return site, cache, stats


def test_shards(built):
    site, _, stats = built
    manifest = json.loads((site / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    names = [s["name"] for s in manifest["shards"]]
    # company pages go by region, announcements by year, packed up to max_pages; the search page
    # itself has no data-pagefind-body mark
    assert stats.pages == len(COMPANIES) + 3
    assert sum(s["pages"] for s in manifest["shards"]) == stats.pages
    assert len(names) == len(set(names))
    assert all(0 < s["pages"] <= 3 for s in manifest["shards"]) and len(names) >= 3
    assert any("y2019" in n for n in names)  # announcements go by year
    assert manifest["filters"]["区域"]["兰山区"] == 2 and manifest["filters"]["年度"]["2019"] == 3
    for name in names:
        bundle = site / "pagefind" / name
        assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-entry.json").is_file()
        assert not (bundle / "pagefind-ui.js").exists()
        entry = json.loads((bundle / "pagefind-entry.json").read_text())
        assert list(entry["languages"]) == ["zh-cn"]  # one language for every page


def test_unchanged_shards_come_from_cache(built, tmp_path):
    site, cache, first = built
    assert first.rebuilt == first.shards and first.reused == 0
    again = index.build_index(site, cache, max_pages=3)
    assert again.rebuilt == 0 and again.reused == first.shards
    page = site / "results" / "scjg-2019-001" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</article>", "<p>更正</p></article>"), encoding="utf-8")
    changed = index.build_index(site, cache, max_pages=3)
    assert changed.rebuilt == 1 and changed.reused == first.shards - 1


def test_date_meta_added_for_merged_sorting():
    page = b'<html><main data-pagefind-body><i data-pagefind-sort="date:2019-05-12"></i></main></html>'
    out = index._indexed_bytes(page)
    assert b'data-pagefind-meta="date:2019-05-12"' in out
    assert index._indexed_bytes(out) == out


# A search has settled when the full-text count is shown: search.js writes it after the company
# list and the first step of other pages are drawn (a step may be empty: companies listed above).
SETTLED = "/找到 \\d+ 条结果/.test(document.querySelector('.ssj-search-status').textContent)"


def _search(page, query: str) -> list[str]:
    page.fill("#ssj-q", query)
    page.press("#ssj-q", "Enter")
    page.wait_for_function(f"() => {SETTLED}")
    return page.eval_on_selector_all("#ssj-companies a, #ssj-results a", "as => as.map(a => a.getAttribute('href'))")


@pytest.mark.browser
def test_search_page_in_chromium(built):
    site, _, _ = built
    uscc, name = COMPANIES[0][0], COMPANIES[0][1]
    with serve(site) as base, browser() as b:
        page = b.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "search/")
        # a two-character part of the name, from the middle of it
        hits = _search(page, "华宇")
        assert hits and all(h == f"/targets/{uscc}/" for h in hits[:1])
        assert page.eval_on_selector("#ssj-companies", "e => e.textContent").count(name) == 1
        # the USCC finds that company only, not companies sharing pieces of the code
        _search(page, uscc)
        companies = page.eval_on_selector_all("#ssj-companies a", "as => as.map(a => a.getAttribute('href'))")
        assert companies == [f"/targets/{uscc}/"]
        _search(page, uscc[:-1] + "G")  # a code nobody has: its pieces are indexed, the code is not
        assert page.eval_on_selector_all("#ssj-companies a", "as => as.length") == 0
        _search(page, uscc.lower())
        assert page.eval_on_selector_all("#ssj-companies a", "as => as.length") == 1
        # the region filter narrows the company list: 有限公司 in 兰山区 only, not repeated below
        all_hits = _search(page, "有限公司")
        page.select_option("select[data-filter='区域']", "兰山区")
        page.wait_for_function("() => new URLSearchParams(location.search).get('区域') === '兰山区' && /：2 家/.test(document.querySelector('.ssj-company-status').textContent)"
                               " && /条结果/.test(document.querySelector('.ssj-search-status').textContent)")
        lanshan = sorted(f"/targets/{c[0]}/" for c in COMPANIES if c[3] == "兰山区")
        listed = page.eval_on_selector_all("#ssj-companies a", "as => as.map(a => a.getAttribute('href'))")
        assert sorted(listed) == lanshan
        assert not set(lanshan) & set(page.eval_on_selector_all("#ssj-results a", "as => as.map(a => a.getAttribute('href'))"))
        assert len(set(all_hits)) > len(listed)
        # another filter is Pagefind's: the company list steps aside and the pages list has them
        page.select_option("select[data-filter='部门']", "市场监管局")
        page.wait_for_function("() => /^全文找到 2 条/.test(document.querySelector('.ssj-search-status').textContent)"
                               " && document.getElementById('ssj-company-section').hidden")
        filtered = page.eval_on_selector_all("#ssj-results a", "as => as.map(a => a.getAttribute('href'))")
        assert sorted(filtered) == lanshan
        # sorted by date across shards (newest first), the filters kept
        page.select_option("#ssj-sort", "desc")
        page.wait_for_function("() => document.querySelectorAll('#ssj-results a').length === 2"
                               " && /sort=desc/.test(location.search)")
        ordered = page.eval_on_selector_all("#ssj-results a", "as => as.map(a => a.getAttribute('href'))")
        assert ordered == ["/targets/91371302MA3C4D5E7K/", f"/targets/{uscc}/"]
        # reach the company page and follow its feed link
        page.select_option("select[data-filter='区域']", "")
        page.select_option("select[data-filter='部门']", "")
        _search(page, uscc)
        page.click(f"#ssj-companies a[href='/targets/{uscc}/']")
        page.wait_for_url(f"**/targets/{uscc}/")
        assert page.title().startswith(name)
        page.click("a.ssj-feed")
        page.wait_for_url(f"**/feeds/target/{uscc}.xml")
        assert errors == []


def _company_to_find(site: Path) -> tuple[str, str, str, str]:
    """(id, name, a two-character part of the name found in no other company name, region) of a company page."""
    import re

    names = {}
    for page in sorted((site / "targets").glob("*/index.html")):
        text = page.read_text(encoding="utf-8")
        title = re.search(r'data-pagefind-meta="title:([^"]+)"', text).group(1)
        region = re.search(r'data-pagefind-filter="区域:([^"]+)"', text).group(1)
        names[page.parent.name] = (title, region)
    for tid, (name, region) in names.items():
        for i in range(len(name) - 1):
            part = name[i:i + 2]
            if sum(part in n for n, _ in names.values()) == 1 and not re.search(r"[市区县省]", part):
                return tid, name, part, region
    raise AssertionError("no company with a distinctive two-character part")


@pytest.mark.browser
def test_search_on_built_site(example_site):
    """The site `ssj build` makes of the tiny synthetic registry (our pages, index and feeds)."""
    site = example_site.out
    tid, name, part, region = _company_to_find(site)
    with serve(site) as base, browser() as b:
        page = b.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "search/")
        assert tid and f"/targets/{tid}/" in _search(page, part)
        # the company is listed once, under 企业; below it, pages holding the part as typed come first
        assert page.eval_on_selector_all("#ssj-companies a", "as => as.map(a => a.getAttribute('href'))")[:1] == \
            [f"/targets/{tid}/"]
        pages = page.eval_on_selector_all("#ssj-results a", "as => as.map(a => a.getAttribute('href'))")
        assert f"/targets/{tid}/" not in pages
        holds = [part in re.sub(r"<[^>]+>|\s", "", (site / url.strip("/") / "index.html").read_text(encoding="utf-8"))
                 for url in pages]
        assert holds and holds[0] and holds == sorted(holds, reverse=True)
        _search(page, tid)
        assert page.eval_on_selector_all("#ssj-companies a", "as => as.map(a => a.getAttribute('href'))") == \
            [f"/targets/{tid}/"]
        # a filter: the company's region keeps it, another region drops it
        hits = _search(page, part)
        page.select_option("select[data-filter='区域']", region)
        page.wait_for_function(f"(r) => new URLSearchParams(location.search).get('区域') === r && ({SETTLED})",
                               arg=region)
        assert f"/targets/{tid}/" in page.eval_on_selector_all("#ssj-companies a, #ssj-results a",
                                                                "as => as.map(a => a.getAttribute('href'))")
        other = next(o for o in page.eval_on_selector_all("select[data-filter='区域'] option", "os => os.map(o => o.value)")
                     if o and o != region)
        page.select_option("select[data-filter='区域']", other)
        page.wait_for_function(f"(r) => new URLSearchParams(location.search).get('区域') === r && ({SETTLED})",
                               arg=other)
        assert f"/targets/{tid}/" not in page.eval_on_selector_all("#ssj-companies a, #ssj-results a",
                                                                    "as => as.map(a => a.getAttribute('href'))")
        assert hits
        # reach the company page, then follow its feed link to a feed that parses
        page.select_option("select[data-filter='区域']", "")
        _search(page, tid)
        page.click(f"#ssj-companies a[href='/targets/{tid}/']")
        page.wait_for_url(f"**/targets/{tid}/")
        assert name in page.title()
        with page.expect_response(f"**/feeds/target/{tid}.xml") as resp:
            page.click(f"a[href$='feeds/target/{tid}.xml']")
        import feedparser

        feed = feedparser.parse(resp.value.body())
        assert feed.bozo == 0 and feed.entries
        assert errors == []
