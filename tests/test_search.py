"""Search: the real pagefind-extended binary on real HTML, and the search page in headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shuangsuiji.privacy.redact import redact
from shuangsuiji.registry.load import load_registry
from shuangsuiji.site import index, nameindex
from site_fixture import COMPANIES, browser, serve, write_site


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site = write_site(tmp_path_factory.mktemp("site"))
    cache = tmp_path_factory.mktemp("cache")
    stats = index.build_index(site, cache, max_pages=1)
    nameindex.write_name_index(site, [nameindex.Company(
        c[0], c[1], (c[0],), c[3], c[7], c[8], (("部门", c[5]), ("区域", c[3]), ("年度", c[6]), ("结果", c[7]), ("行业", c[4])))
        for c in COMPANIES])
    return site, cache, stats


def test_shards(built):
    site, _, stats = built
    manifest = json.loads((site / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    names = [s["name"] for s in manifest["shards"]]
    # announcements go by year, one page per shard here; company pages are the name index's, and
    # the search page itself has no data-pagefind-body mark
    assert stats.pages == 3
    assert sum(s["pages"] for s in manifest["shards"]) == stats.pages
    assert sorted(names) == ["y2018", "y2019", "y2020"]
    # the filters counted are the announcements' only
    assert manifest["filters"]["区域"] == {} and manifest["filters"]["年度"] == {"2018": 1, "2019": 1, "2020": 1}
    assert manifest["filters"]["部门"] == {"市场监管局": 3}
    for name in names:
        bundle = site / "pagefind" / name
        assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-entry.json").is_file()
        assert not (bundle / "pagefind-ui.js").exists()
        entry = json.loads((bundle / "pagefind-entry.json").read_text())
        assert list(entry["languages"]) == ["zh-cn"]  # one language for every page


def test_unchanged_shards_come_from_cache(built, tmp_path):
    site, cache, first = built
    assert first.rebuilt == first.shards and first.reused == 0
    again = index.build_index(site, cache, max_pages=1)
    assert again.rebuilt == 0 and again.reused == first.shards
    page = site / "results" / "scjg-2019-001" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</article>", "<p>更正</p></article>"), encoding="utf-8")
    changed = index.build_index(site, cache, max_pages=1)
    assert changed.rebuilt == 1 and changed.reused == first.shards - 1


def test_company_pages_are_not_read(built, tmp_path):
    """A company page garbled after rendering (still marked for indexing) changes nothing in the index."""
    site, cache, first = built
    before = index.build_index(site, cache, max_pages=1)
    shards = (site / "pagefind" / "shards.json").read_bytes()
    page = site / "targets" / COMPANIES[0][0] / "index.html"
    original = page.read_bytes()
    try:
        page.write_bytes(b'<html><main data-pagefind-body><h1>\xff\xfe garbled \x00</h1>'
                         b'<span data-pagefind-filter="\xe5\x8c\xba\xe5\x9f\x9f:X"></span></main></html>')
        after = index.build_index(site, cache, max_pages=1)
    finally:
        page.write_bytes(original)
    assert (after.pages, after.rebuilt, after.reused) == (before.pages, 0, before.shards)
    assert (site / "pagefind" / "shards.json").read_bytes() == shards
    # while a garbled announcement is read: its shard is rebuilt
    other = site / "results" / "scjg-2018-001" / "index.html"
    original = other.read_bytes()
    try:
        other.write_bytes(original.replace(b"</article>", b"<p>\xff garbled</p></article>"))
        assert index.build_index(site, cache, max_pages=1).rebuilt == 1
    finally:
        other.write_bytes(original)


def test_a_page_known_by_its_content_key_is_not_read(built, tmp_path):
    """With the renderer's content keys, a rebuild reads only the pages it does not know: a page
    whose key the last index kept is taken as it was (its bytes garbled here, unseen); under a
    new key it is read again, and its shard rebuilt."""
    site, _, _ = built
    cache = tmp_path / "cache"
    files = index._html_files(site)
    keys = {rel: f"key-{n}" for n, rel in enumerate(files)}
    first = index.build_index(site, cache, max_pages=1, keys=keys)
    shards = (site / "pagefind" / "shards.json").read_bytes()
    page = site / "results" / "scjg-2019-001" / "index.html"
    original = page.read_bytes()
    try:
        page.write_bytes(original.replace(b"</article>", b"<p>\xff garbled</p></article>"))
        kept = index.build_index(site, cache, max_pages=1, keys=keys)
        assert (kept.rebuilt, kept.reused) == (0, first.shards)
        assert (site / "pagefind" / "shards.json").read_bytes() == shards
        again = index.build_index(site, cache, max_pages=1, keys={**keys, "results/scjg-2019-001/index.html": "new"})
        assert (again.rebuilt, again.reused) == (1, first.shards - 1)
    finally:
        page.write_bytes(original)


def test_a_year_goes_in_buckets_and_departments_apart(monkeypatch):
    """A year's announcements are split in buckets of about `SHARD_PAGES` (a new result re-indexes
    one of them, not the year), and department pages are not packed with the pages every result changes."""
    monkeypatch.setattr(index, "SHARD_PAGES", 3)
    pages = [index._Page(f"results/r{n}/index.html", b"", (("年度", "2026"),)) for n in range(7)]
    pages += [index._Page(f"departments/d{n}/index.html", b"", ()) for n in range(2)]
    pages += [index._Page(p, b"", ()) for p in ("index.html", "data/index.html")]
    shards = index._shards(pages, index.MAX_PAGES)
    assert sorted(shards) == ["departments", "general", "y2026-0", "y2026-1", "y2026-2"]
    assert sorted(p.rel for k in shards if k.startswith("y") for p in shards[k]) == sorted(p.rel for p in pages[:7])


def test_date_meta_added_for_merged_sorting():
    page = b'<html><main data-pagefind-body><i data-pagefind-sort="date:2019-05-12"></i></main></html>'
    out = index._indexed_bytes(page)
    assert b'data-pagefind-meta="date:2019-05-12"' in out
    assert index._indexed_bytes(out) == out


# A search has settled when the full-text count is shown: search.js writes it after the company
# list and the first step of other pages are drawn.
SETTLED = "/找到 \\d+ 条结果/.test(document.querySelector('.ssj-search-status').textContent)"


def _hrefs(page, lists: str) -> list[str]:
    return page.eval_on_selector_all(", ".join(f"{x} a" for x in lists.split(", ")),
                                     "as => as.map(a => a.getAttribute('href'))")


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
        # typing alone searches, once the reader pauses: no Enter needed
        page.fill("#ssj-q", "")
        page.wait_for_function("() => document.querySelector('#ssj-companies').children.length === 0")
        page.type("#ssj-q", "华宇", delay=30)
        page.wait_for_function(f"() => document.querySelector('#ssj-companies a[href=\"/targets/{uscc}/\"]')"
                               f" && ({SETTLED})")
        assert page.eval_on_selector("#ssj-companies", "e => e.textContent").count(name) == 1
        # the USCC finds that company only, not companies sharing pieces of the code
        _search(page, uscc)
        companies = page.eval_on_selector_all("#ssj-companies a", "as => as.map(a => a.getAttribute('href'))")
        assert companies == [f"/targets/{uscc}/"]
        _search(page, uscc[:-1] + "G")  # a code nobody has: its pieces are indexed, the code is not
        assert page.eval_on_selector_all("#ssj-companies a", "as => as.length") == 0
        _search(page, uscc.lower())
        assert page.eval_on_selector_all("#ssj-companies a", "as => as.length") == 1
        # the region filter narrows the company list: 有限公司 in 兰山区 only; no announcement has a region
        all_hits = _search(page, "有限公司")
        page.select_option("select[data-filter='区域']", "兰山区")
        page.wait_for_function("() => new URLSearchParams(location.search).get('区域') === '兰山区' && /：2 家/.test(document.querySelector('.ssj-company-status').textContent)"
                               " && /全文找到 0 条结果/.test(document.querySelector('.ssj-search-status').textContent)")
        lanshan = sorted(f"/targets/{c[0]}/" for c in COMPANIES if c[3] == "兰山区")
        assert sorted(_hrefs(page, "#ssj-companies")) == lanshan
        assert len(set(all_hits)) > len(lanshan)
        # a second filter intersects too: 市卫健委 inspected none in 兰山区
        page.select_option("select[data-filter='部门']", "市卫健委")
        page.wait_for_function("() => /没有/.test(document.querySelector('.ssj-company-status').textContent)"
                               " && /全文找到 0 条/.test(document.querySelector('.ssj-search-status').textContent)")
        assert _hrefs(page, "#ssj-companies, #ssj-results") == []
        # filters alone (no query): the companies having every value, and the announcements of the department
        page.fill("#ssj-q", "")
        page.select_option("select[data-filter='区域']", "")
        page.select_option("select[data-filter='部门']", "市场监管局")
        page.select_option("select[data-filter='结果']", "未发现问题")
        page.wait_for_function("() => new URLSearchParams(location.search).get('结果') === '未发现问题' && !/q=/.test(location.search)"
                               " && /符合筛选条件的企业：\\d+ 家/.test(document.querySelector('.ssj-company-status').textContent)"
                               " && /全文找到 0 条/.test(document.querySelector('.ssj-search-status').textContent)")
        expected = sorted(f"/targets/{c[0]}/" for c in COMPANIES if c[5] == "市场监管局" and c[7] == "未发现问题")
        assert len(expected) == 2 and sorted(_hrefs(page, "#ssj-companies")) == expected
        assert "2 家" in page.eval_on_selector(".ssj-company-status", "e => e.textContent")
        # the options count pages and companies together: 3 announcements + 3 companies of 市场监管局
        assert page.eval_on_selector("select[data-filter='部门'] option[value='市场监管局']", "o => o.textContent") \
            == "市场监管局（6）"
        # the announcements, sorted by date across shards (newest first), the department filter kept
        page.select_option("select[data-filter='结果']", "")
        page.select_option("#ssj-sort", "desc")
        page.wait_for_function("() => document.querySelectorAll('#ssj-results a').length === 3"
                               " && /sort=desc/.test(location.search)")
        assert _hrefs(page, "#ssj-results") == [f"/results/scjg-{y}-001/" for y in ("2020", "2019", "2018")]
        assert sorted(_hrefs(page, "#ssj-companies")) == sorted(f"/targets/{c[0]}/" for c in COMPANIES
                                                               if c[5] == "市场监管局")
        # reach the company page and follow its feed link
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
    import html
    import re

    names = {}
    for page in sorted((site / "targets").glob("*/index.html")):
        text = page.read_text(encoding="utf-8")
        title = html.unescape(re.search(r"<h1>([^<]+)</h1>", text).group(1))
        region = re.search(r'<th scope="row">区域：</th><td>([^<]+)</td>', text).group(1)
        names[page.parent.name] = (title, region)
    for tid, (name, region) in names.items():
        for i in range(len(name) - 1):
            part = name[i:i + 2]
            if sum(part in n for n, _ in names.values()) == 1 and not re.search(r"[市区县省]", part):
                return tid, name, part, region
    raise AssertionError("no company with a distinctive two-character part")


def _all_companies(page, n: int) -> list[str]:
    """The whole company list of the search just started, clicking 更多企业 (n rows expected)."""
    page.wait_for_function("() => /家/.test(document.querySelector('.ssj-company-status').textContent)")
    more = "#ssj-company-section button"
    for _ in range(n // 10 + 1):
        shown = len(_hrefs(page, "#ssj-companies"))
        if page.eval_on_selector(more, "b => b.hidden"):
            break
        page.click(more)
        page.wait_for_function("(k) => document.querySelectorAll('#ssj-companies a').length > k", arg=shown)
    assert page.eval_on_selector(more, "b => b.hidden")
    return _hrefs(page, "#ssj-companies")


@pytest.mark.browser
def test_search_on_built_site(example_site):
    """The site `ssj build` makes of the tiny synthetic registry (our pages, index and feeds)."""
    site = example_site.out
    tid, name, part, region = _company_to_find(site)
    reg, _ = load_registry(example_site.registry, jobs=1, cache=False)
    pub = redact(reg)
    # a region and an outcome that more than one page of the company list (10) has, computed from the
    # public registry: the companies there with a published result of that outcome, in rank order
    having: dict[tuple[str, str], list[str]] = {}
    for t in sorted(pub.targets):
        for o in sorted({str(o) for r in pub.results_of_target(t) for o in r.outcome}):
            having.setdefault((pub.region_name(pub.targets[t].region), o), []).append(t)
    (region_pick, outcome_pick), expected = min(((k, v) for k, v in having.items() if 10 < len(v)),
                                                key=lambda kv: (len(kv[1]), kv[0]))
    expected.sort(key=lambda t: (len(nameindex.normalise(pub.targets[t].name)), nameindex.normalise(pub.targets[t].name), t))
    with serve(site) as base, browser() as b:
        page = b.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "search/")
        assert tid and f"/targets/{tid}/" in _search(page, part)
        # the company is listed under 企业 only (company pages are not in Pagefind); below it, pages
        # holding the part as typed come first
        assert _hrefs(page, "#ssj-companies")[:1] == [f"/targets/{tid}/"]
        pages = _hrefs(page, "#ssj-results")
        assert not [p for p in pages if p.startswith("/targets/")]
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
        # filters alone: exactly the companies of that region with that outcome, in rank order,
        # over several pages of the list
        page.select_option("select[data-filter='区域']", region_pick)
        page.fill("#ssj-q", "")
        page.select_option("select[data-filter='结果']", outcome_pick)
        listed = _all_companies(page, len(expected))
        assert listed == [f"/targets/{t}/" for t in expected]
        assert f"符合筛选条件的企业：{len(expected)} 家" in page.eval_on_selector(".ssj-company-status", "e => e.textContent")
        # a query and the filters: their intersection
        page.fill("#ssj-q", "有限公司")
        page.press("#ssj-q", "Enter")
        both = [t for t in expected if "有限公司" in nameindex.normalise(pub.targets[t].name)]
        assert 0 < len(both) < len(expected)
        assert _all_companies(page, len(both)) == [f"/targets/{t}/" for t in both]
        page.select_option("select[data-filter='结果']", "")
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
