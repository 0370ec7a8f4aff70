"""Search at scale: index build time and peak memory, and bytes fetched by one typical search.

On a site built by `ssj build` (pages rendered by our renderer):
1. a cold index build (empty cache): time, shards, largest Pagefind run's peak RSS;
2. a warm one (every shard from the cache) and one after changing one page;
3. the site served locally and searched in headless Chromium: bytes of every response for
   opening /search/, then for a search by a two-character part of a company name, then for a
   search by USCC, then with a filter and date sort.

Run: python bench/bench_search.py [--scale city | --site path/to/site]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from common import OUT, registry, run_ssj  # noqa: E402
from site_fixture import browser, serve  # noqa: E402

from shuangsuiji.site import index  # noqa: E402


def _company(site: Path) -> tuple[str, str]:
    """A company page's id and a two-character part of its name."""
    for page in sorted((site / "targets").glob("*/index.html"))[::97]:
        m = re.search(r'data-pagefind-meta="title:([^"]+)"', page.read_text(encoding="utf-8"))
        name = m.group(1) if m else ""
        part = re.sub(r"^(临沂市)?(\w\w[区县])?", "", name)[:2]
        if len(part) == 2:
            return page.parent.name, part
    raise SystemExit("no company pages in the site")


def _search(page, query: str) -> None:
    page.fill("#ssj-q", query)
    page.press("#ssj-q", "Enter")
    page.wait_for_function("() => /\\d+ 条结果/.test(document.querySelector('.ssj-search-status').textContent)",
                           timeout=120_000)


def bench_index(site: Path) -> None:
    pages = sum(1 for _ in site.rglob("*.html"))
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        shutil.rmtree(site / "pagefind", ignore_errors=True)
        cold = index.build_index(site, cache)
        print(f"html files: {pages}; indexed pages: {cold.pages}; shards: {cold.shards} (directory included)")
        print(f"index cold: {cold.seconds:.1f} s, largest Pagefind run {cold.peak_rss_mb:.0f} MB "
              f"(2 at a time), bundle {cold.bundle_bytes / 1e6:.1f} MB")
        warm = index.build_index(site, cache)
        print(f"index warm (all cached): {warm.seconds:.1f} s, rebuilt {warm.rebuilt}")
        target = sorted((site / "targets").glob("*/index.html"))[0]
        original = target.read_bytes()
        target.write_bytes(original.replace(b"</article>", b"<p>bench</p></article>", 1))
        one = index.build_index(site, cache)
        print(f"index after one page changed: {one.seconds:.1f} s, rebuilt {one.rebuilt} of {one.shards}")
        target.write_bytes(original)
        index.build_index(site, cache)


def bench_fetch(site: Path) -> None:
    tid, part = _company(site)
    sizes: list[int] = []
    with serve(site, sizes) as base, browser() as b:
        page = b.new_page()
        page.goto(base + "search/")
        page.wait_for_selector("#ssj-q")
        page.wait_for_load_state("networkidle")
        steps = [("open /search/", None)]
        marks = [sum(sizes)]
        t = time.perf_counter()
        for label, q in ((f"search '{part}' (2-char part of a name)", part), (f"search USCC {tid}", tid)):
            _search(page, q)
            page.wait_for_load_state("networkidle")
            steps.append((label, time.perf_counter() - t))
            marks.append(sum(sizes))
            t = time.perf_counter()
        region = page.eval_on_selector_all("select[data-filter='区域'] option", "os => os.map(o => o.value)")[1]
        page.select_option("select[data-filter='区域']", region)
        page.select_option("#ssj-sort", "desc")
        page.wait_for_function("() => /sort=desc/.test(location.search)"
                               " && /\\d+ 条结果/.test(document.querySelector('.ssj-search-status').textContent)",
                               timeout=120_000)
        page.wait_for_load_state("networkidle")
        steps.append((f"filter 区域={region} + date sort", time.perf_counter() - t))
        marks.append(sum(sizes))
    prev = 0
    for (label, secs), total in zip(steps, marks):
        print(f"{label}: {(total - prev) / 1024:.0f} KB fetched" + (f", {secs:.2f} s" if secs else ""))
        prev = total
    print(f"typical search (open page + one name search): {marks[1] / 1024:.0f} KB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--site", type=Path)
    args = ap.parse_args()
    site = args.site
    if site is None:
        reg = registry(args.scale)
        site = OUT / f"site-{args.scale}"
        wall, peak, _ = run_ssj("build", "--registry", str(reg), "--out", str(site), "--cache",
                                str(OUT / f"cache-{args.scale}"))
        print(f"ssj build {args.scale}: {wall:.1f} s, peak {peak:.0f} MB")
    bench_index(site)
    bench_fetch(site)


if __name__ == "__main__":
    main()
