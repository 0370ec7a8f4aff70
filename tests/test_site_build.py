"""`ssj build` on a real (synthetic) registry: valid pages, nothing external, reproducible,
escaped, atomic, content-addressed."""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import date
from pathlib import Path

import html5lib
import pytest

from shuangsuiji.site.build import STAGES, build
from shuangsuiji.core.errors import UserError
from shuangsuiji.site.render import engine
from shuangsuiji.site.render.sitemap import SitemapWriter
from shuangsuiji.core.workdays import add_working_days
from site_build_fixture import STAMP, TASK, copy_registry

# Anything the browser would fetch: scripts, images, frames, and links that load (not canonical/alternate).
_EXTERNAL = re.compile(rb'<(?:script|img|iframe|source|audio|video)\b[^>]*\bsrc="(?:https?:)?//'
                       rb'|<link\b(?=[^>]*\brel="(?:stylesheet|preconnect|preload|prefetch|dns-prefetch|icon|'
                       rb'modulepreload|manifest)")[^>]*\bhref="(?:https?:)?//', re.I)


@pytest.fixture
def registry(example_site) -> Path:
    return example_site.registry


@pytest.fixture
def site(example_site) -> tuple[Path, object]:
    return example_site.out, example_site.stats


def test_the_build_runs_its_stages_in_order(site):
    assert tuple(site[1].seconds) == STAGES


def _tree(root: Path, skip: str = "pagefind/") -> dict[str, str]:
    """Hash of every file; the Pagefind bundle (index.py's output, tested there) is left out."""
    return {rel: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()
            and not (rel := p.relative_to(root).as_posix()).startswith(skip)}


def test_every_kind_of_page_is_built(site):
    out, stats = site
    for page in ("index.html", "departments/index.html", "departments/scjgj/index.html", "items/index.html",
                 "items/scjgj/index.html", f"tasks/{TASK}/index.html", "tasks/index.html", "results/index.html",
                 "inspectors/index.html", "data/index.html", "feeds/index.html", "changelog/index.html",
                 "search/index.html", "plans/index.html", "about/index.html", "policy/index.html",
                 "verify/index.html", "sitemap.xml"):
        assert (out / page).is_file(), page
    assert len(list((out / "targets").iterdir())) > 100
    assert stats.pages > 300


def test_pages_are_valid_html_with_one_lang(site):
    out, _ = site
    pages = sorted(out.rglob("index.html"))
    sample = [p for p in pages if "/targets/" not in p.as_posix()] + \
        [p for p in pages if "/targets/" in p.as_posix()][:40]
    assert len(sample) > 60
    for page in sample:
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        doc = parser.parse(page.read_bytes())
        assert doc.get("lang") == "zh-CN", page


def test_no_external_script_style_or_font(site):
    out, _ = site
    pages, styles = sorted(out.rglob("*.html")), sorted(out.rglob("*.css"))
    assert len(pages) > 300 and styles
    for page in pages:
        assert not _EXTERNAL.search(page.read_bytes()), page
    for css in styles:
        assert b"fonts.googleapis" not in css.read_bytes() and b"@import url(http" not in css.read_bytes(), css


def test_registry_text_stays_text(site):
    out, _ = site
    page = (out / "tasks" / TASK / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert "alert(1)" not in page or "&lt;script&gt;alert(1)" in page or "\\u003cscript" in page


def test_task_page_official_form_and_deadline(site, registry):
    out, _ = site
    page = (out / "tasks" / TASK / "index.html").read_text(encoding="utf-8")
    assert "2026年度第001号抽查任务公告" in page
    for head in ("序号", "名称", "统一社会信用代码", "登记机关"):
        assert f"<th>{head}</th>" in page
    assert 'id="ssj-verify"' in page and 'id="ssj-draw"' in page
    due = add_working_days(date(2026, 5, 1), 20)  # May Day holiday 1–5 May and its 调休 Saturday
    assert due > date(2026, 5, 29)
    assert due.isoformat() in page


def test_sitemap_lists_every_record_page(site):
    out, stats = site
    index = (out / "sitemap.xml").read_text(encoding="utf-8")
    files = re.findall(r"<loc>[^<]*/(sitemap-\d+\.xml)</loc>", index)
    urls = [u for f in files for u in re.findall(r"<loc>([^<]+)</loc>", (out / f).read_text(encoding="utf-8"))]
    assert len(urls) == len(set(urls)) >= stats.pages
    assert any(u.endswith(f"/tasks/{TASK}/") for u in urls)


def test_sitemap_files_hold_at_most_the_limit(tmp_path):
    w = SitemapWriter(tmp_path, "https://example.org/", limit=3)
    w.add([f"targets/{i}/" for i in range(7)])
    w.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml",
                                                         "sitemap.xml"]
    assert (tmp_path / "sitemap-3.xml").read_text().count("<url>") == 1


def test_two_builds_differ_only_in_the_build_time(site, registry, tmp_path, monkeypatch):
    """A second build (its own cache, another build time, pages rendered in forked workers, which the
    first, below the pool threshold, did not): the same bytes but for the time on the home page."""
    out, stats = site
    assert stats.pages < engine.POOL_THRESHOLD
    monkeypatch.setattr(engine, "POOL_THRESHOLD", 0)
    again = tmp_path / "site"
    build(registry, again, jobs=2, cache=tmp_path / "cache", build_time="2027-01-01 00:00")
    a, b = _tree(out), _tree(again)
    assert a.keys() == b.keys()
    differ = [k for k in a if a[k] != b[k]]
    # The home page shows the build time, and so do the open data's package and the data page;
    # every table (CSV, JSON, XLSX) and year zip cites the data's date instead, and stays the
    # same, as does everything else.
    assert any(k.endswith(".xlsx") for k in a) and any(k.endswith(".zip") for k in a)
    assert sorted(differ) == ["data/datapackage.json", "data/index.html", "index.html"]
    home = (out / "index.html").read_text(encoding="utf-8")
    assert STAMP in home and (again / "index.html").read_text(encoding="utf-8") == home.replace(
        STAMP, "2027-01-01 00:00")


def test_failed_build_leaves_previous_site(site, registry, tmp_path):
    reg = copy_registry(registry, tmp_path / "reg")
    out = tmp_path / "site"
    shutil.copytree(site[0], out)  # the previous site
    before = _tree(out)
    task = reg / "scjgj" / "tasks" / f"{TASK}.yaml"
    task.write_text(task.read_text(encoding="utf-8") + "title: [unclosed\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        build(reg, out, jobs=1, build_time="2027-01-01 00:00")
    assert any(p.file and p.file.endswith(f"{TASK}.yaml") for p in e.value.problems)
    assert _tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site-")]  # no half-built tree left


def test_rebuild_reuses_unchanged_pages(site, registry, tmp_path):
    """A rebuild with the first build's page cache (copied) renders nothing again."""
    out, first = site
    cache = shutil.copytree(out.parent / ".ssj-cache", tmp_path / "cache")
    reg = copy_registry(registry, tmp_path / "reg")
    results = sorted((reg / "zjj" / "results").glob("*.yaml"))[0]
    text = results.read_text(encoding="utf-8")
    results.write_text(text.replace("published_on: '2026-", "published_on: '2026-", 1), encoding="utf-8")
    second = build(reg, tmp_path / "site", jobs=1, cache=cache, build_time=STAMP)
    assert first.rendered == first.pages and second.pages == first.pages
    assert second.rendered == 0 and second.reused == first.pages


def test_published_draw_verifies_publicly_and_tampering_fails(site, tmp_path, capsys):
    """`ssj verify --public` on the site's own task JSON (the published record): PASS; edited: FAIL."""
    import json

    from shuangsuiji.cli import main

    out, _ = site
    api = out / "api" / "tasks" / f"{TASK}.json"
    assert main(["verify", "--public", str(api)]) == 0
    doc = json.loads(api.read_text(encoding="utf-8"))
    assert "tickets" not in doc["draw"]  # selection tickets stay private (they hint at the risk class)
    x = next(iter(doc["draw"]["assignments"]))
    doc["draw"]["assignments"][x] = list(reversed(doc["draw"]["assignments"][x]))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", "--public", str(bad)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_feed_links_of_company_pages_resolve(site):
    """A company's feed is RSS only: its page (head and 订阅 block) links no other format."""
    out, _ = site
    links = [(p, href) for p in sorted(out.glob("targets/*/index.html"))
             for href in re.findall(r'href="([^"]*feeds/target/[^"]+)"', p.read_text(encoding="utf-8"))]
    assert links
    assert [href for p, href in links if not (p.parent / href).resolve().is_file()] == []
    assert {href.rsplit(".", 1)[1] for _, href in links} == {"xml"}


# Issue 14 (a city site that fits its host): measured 7.7–10.1 KB, median 8.2 KB, for the example's
# company pages, whose shell (all but the record's <article> and its 订阅 block) is 4.2–4.3 KB
# (13.8 KB before, around the theme's drawer, sidebars and scripts).
COMPANY_PAGE_MEDIAN_MAX = 8_800
SHELL_MAX = 4_500


def test_record_pages_carry_a_lean_shell(site):
    """Company pages stay within their byte budget, and what the shell adds loads from the site:
    no theme JavaScript, no phone drawer or empty sidebars, no line breaks between tags."""
    out, _ = site
    pages = sorted(out.glob("targets/*/index.html"))
    sizes = sorted(p.stat().st_size for p in pages)
    assert len(sizes) > 100
    assert sizes[len(sizes) // 2] <= COMPANY_PAGE_MEDIAN_MAX, sizes[len(sizes) // 2]
    for page in pages[:20]:
        text = page.read_text(encoding="utf-8")
        body = re.search(r'<article id="ssj-main".*?</article><aside class="ssj-subscribe".*?</aside>', text, re.S)
        shell = text[:body.start()] + text[body.end():]
        assert len(shell.encode()) <= SHELL_MAX, (page, len(shell.encode()))
        assert ">\n<" not in shell and "\n " not in shell, page
        for absent in ("__drawer", "md-sidebar", "__config", "md-dialog", "javascripts/"):
            assert absent not in shell, (page, absent)
        for ref in re.findall(r'<(?:link rel="(?:stylesheet|icon)"|script|img)[^>]* (?:href|src)="([^"]+)"', shell):
            assert (page.parent / ref).resolve().is_file(), (page, ref)
    assert not (out / "assets" / "javascripts").exists()


def test_narrative_pages_navigate_like_record_pages(site):
    """MkDocs' pages (说明) and record pages share the section tabs; with no drawer on a phone, a page
    of a nav section lists its section's pages, a MkDocs page (说明) and a record page (统计分析) alike."""
    out, _ = site

    def tabs(page: Path) -> list[tuple[str, str]]:
        nav = re.search(r'<nav class="md-tabs".*?</nav>', page.read_text(encoding="utf-8"), re.S).group(0)
        return [(label, (page.parent / href).resolve().relative_to(out.resolve()).as_posix())
                for href, label in re.findall(r'<a href="([^"]*)"[^>]*>([^<]+)</a>', nav)]

    company = sorted(out.glob("targets/*/index.html"))[0]
    record, narrative = tabs(company), tabs(out / "about" / "index.html")
    assert len(record) == 10 and record == narrative
    for _, target in record:
        assert (out / target / "index.html").is_file() or (out / target).is_file(), target
    about = (out / "about" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<nav class="ssj-section" aria-label="说明">.*?href="../policy/".*?</nav>', about, re.S)
    assert 'aria-current="true">说明</a>' in about and "aria-current" not in company.read_text(encoding="utf-8")
    for page, others in (("stats/warnings/", ("stats/", "credit/serious/")), ("credit/serious/", ("stats/", "stats/warnings/"))):
        html = (out / page / "index.html").read_text(encoding="utf-8")
        nav = re.search(r'<nav class="ssj-section" aria-label="统计分析">.*?</nav>', html).group(0)
        assert [h.removeprefix("../../") for h in re.findall(r'href="([^"]+)"', nav)] == list(others), nav
        assert all((out / h / "index.html").is_file() for h in others)
