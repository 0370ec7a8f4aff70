"""Search at scale: index build time and peak memory, and bytes fetched by one typical search.

`--names N` (default for a city: 50,000) measures the company name index alone (nameindex.py
and search.js), on N plausible company names from synth's generator (every 20th target of the
city registry, so a city registry need not be generated): write time and size; recall of the
issue-12 rule (a 2–4 character part of a trade name that at most three names contain finds
the company among the first three; the USCC always does), run in Chromium in one page
session over loopback HTTP; then, each in a fresh browser context (an empty cache), the
bytes and milliseconds of a first search until the first results are shown (by name, by code,
and by filters 区域 + 结果 with and without a query).

On a site built by `ssj build` (pages rendered by our renderer):
1. a cold index build (empty cache): time, shards, largest Pagefind run's peak RSS;
2. a warm one (every shard from the cache) and one after changing one page;
3. the site served locally and searched in headless Chromium: bytes of every response for
   opening /search/, then for a search by a two-character part of a company name, then for a
   search by USCC, then with a filter and date sort.

Run: python bench/bench_search.py [--scale city | --site path/to/site | --names 50000]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from common import OUT, registry, run_ssj  # noqa: E402
from site_fixture import TOP_CODES, browser, serve, write_names_site  # noqa: E402
from test_search_names import trade_name  # noqa: E402

from shuangsuiji.registry.models.base import OUTCOMES  # noqa: E402
from shuangsuiji.site import index, nameindex  # noqa: E402
from shuangsuiji.synth import example as synth  # noqa: E402


def _company(site: Path) -> tuple[str, str]:
    """A company page's id and a two-character part of its name."""
    for page in sorted((site / "targets").glob("*/index.html"))[::97]:
        m = re.search(r'data-pagefind-meta="title:([^"]+)"', page.read_text(encoding="utf-8"))
        name = m.group(1) if m else ""
        part = re.sub(r"^(临沂市)?(\w\w[区县])?", "", name)[:2]
        if len(part) == 2:
            return page.parent.name, part
    raise SystemExit("no company pages in the site")


def _search(page, query: str) -> float:
    """Search; seconds until the company list is shown (the full-text list is awaited too)."""
    t = time.perf_counter()
    page.fill("#ssj-q", query)
    page.press("#ssj-q", "Enter")
    page.wait_for_function("() => /家/.test(document.querySelector('.ssj-company-status').textContent)",
                           timeout=120_000)
    first = time.perf_counter() - t
    page.wait_for_function("() => /\\d+ 条结果/.test(document.querySelector('.ssj-search-status').textContent)",
                           timeout=120_000)
    return first


def bench_index(site: Path) -> None:
    pages = sum(1 for _ in site.rglob("*.html"))
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        shutil.rmtree(site / "pagefind", ignore_errors=True)
        cold = index.build_index(site, cache)
        print(f"html files: {pages}; indexed pages: {cold.pages}; Pagefind shards: {cold.shards}")
        print(f"index cold: {cold.seconds:.1f} s, largest Pagefind run {cold.peak_rss_mb:.0f} MB "
              f"(2 at a time), bundle {cold.bundle_bytes / 1e6:.1f} MB")
        warm = index.build_index(site, cache)
        print(f"index warm (all cached): {warm.seconds:.1f} s, rebuilt {warm.rebuilt}")
        target = sorted((site / "results").glob("*/index.html"))[0]  # company pages are not indexed here
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
            first = _search(page, q)
            page.wait_for_load_state("networkidle")
            steps.append((f"{label}, companies shown after {first:.2f} s", time.perf_counter() - t))
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


def city_sample(n: int) -> list[nameindex.Company]:
    """n companies as synth writes the city's targets (every 20th), with a made-up latest result."""
    blocks = synth.blocks(synth.SCALES["city"])
    fields = synth.TARGET_FIELDS
    rng = random.Random(12)
    out = []
    for i in range(0, 20 * n, 20):
        block = next(b for b in blocks if b.start <= i < b.start + b.count)
        row = dict(zip(fields, synth.target_row(i, block)))
        codes = tuple(c for c in (row["uscc"], row["reg_no"]) if c)
        outcome = rng.choice(OUTCOMES)
        out.append(nameindex.Company(row["id"], row["name"], codes, block.area.name, outcome,
                                     f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                                     (("区域", block.area.name), ("年度", "2026"), ("结果", outcome))))
    return out


def probes(items: list[nameindex.Company], companies: int) -> list[tuple[str, str]]:
    """(part, id) for `companies` companies: every 2–4 character part of the trade name that at most
    three names contain (counted through bigram sets: a scan of every name per part is too slow)."""
    names = [nameindex.normalise(c.name) for c in items]
    grams: dict[str, set[int]] = {}
    for i, n in enumerate(names):
        for g in nameindex.bigrams(n):
            grams.setdefault(g, set()).add(i)

    def holders(s: str) -> int:
        sets = sorted((grams.get(g, set()) for g in nameindex.bigrams(s)), key=len)
        if len(sets[0]) > 3 and len(sets) == 1:
            return len(sets[0])
        return sum(s in names[i] for i in set.intersection(*sets))

    out = []
    for c in items[::max(1, len(items) // companies)][:companies]:
        t = nameindex.normalise(trade_name(c.name))
        subs = dict.fromkeys(t[i:i + n] for n in (2, 3, 4) for i in range(len(t) - n + 1))
        out += [(s, c.id) for s in subs if holders(s) <= 3]
    return out


_FIRST = """async ([q, filters]) => {
    await new Promise((ok) => { const t = () => window.ssjSearch ? ok() : setTimeout(t, 5); t(); });
    const t0 = performance.now();
    const l = await window.ssjSearch.names.find(q, filters);
    const rows = l ? await l.next(10) : [];
    return [performance.now() - t0, rows.length];
}"""


def bench_names(n: int) -> None:
    items = city_sample(n)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        files = nameindex.files(items)
        secs = time.perf_counter() - t
        site = write_names_site(Path(tmp), files)
        manifest = files["index.json"]
        print(f"name index of {n} companies: {secs:.1f} s, {len(files)} files, "
              f"{sum(map(len, files.values())) / 1e6:.1f} MB, index.json {len(manifest) / 1024:.1f} KB")
        parts = probes(items, 1000)
        codes = [(code, c.id) for c in items[::50] for code in c.codes]
        sizes: list[int] = []
        with serve(site, sizes) as base, browser() as b:
            page = b.new_page()
            page.goto(base + "search/")
            t = time.perf_counter()
            tops = page.evaluate(TOP_CODES, [[q for q, _ in parts], 3])
            per = (time.perf_counter() - t) / len(parts) * 1000
            ctops = page.evaluate(TOP_CODES, [[q for q, _ in codes], 1])
            page.close()
            hit = sum(cid in top for (_, cid), top in zip(parts, tops))
            chit = sum(top == [cid] for (_, cid), top in zip(codes, ctops))
            print(f"recall@3, part of a trade name in ≤ 3 names: {hit}/{len(parts)} = {hit / len(parts):.2%} "
                  f"({len({c for _, c in parts})} companies; {per:.1f} ms per query in one session)")
            print(f"USCC / registration number finds its company first: {chit}/{len(codes)}")
            rng = random.Random(5)
            region, outcome = items[0].region, items[0].latest
            firsts = [(q, {}) for q, _ in rng.sample(parts, 20)] \
                + [(q, {}) for q in ["通泰", "有限公司", "兰山区", "酒店", "临沂市兰山区"]] \
                + [(q, {}) for q, _ in rng.sample(codes, 5)] \
                + [("", {"区域": region, "结果": outcome}), ("有限公司", {"区域": region, "结果": outcome})]
            rows = []
            for q, filters in firsts:
                ctx = b.new_context()  # an empty cache: a first search
                page = ctx.new_page()
                page.goto(base + "search/")
                page.wait_for_load_state("networkidle")
                before = sum(sizes)
                ms, shown = page.evaluate(_FIRST, [q, filters])
                rows.append((q + "".join(f" {k}={v}" for k, v in filters.items()), ms, (sum(sizes) - before) / 1024, shown))
                ctx.close()
        for q, ms, kb, shown in rows:
            print(f"  first search {q!r}: {ms:.0f} ms, {kb:.0f} KB of the name index, {shown} shown")
        typical = rows[:20]
        print(f"first search by a part of a trade name (20 samples): median {statistics.median(r[1] for r in typical):.0f} ms, "
              f"max {max(r[1] for r in typical):.0f} ms; median {statistics.median(r[2] for r in typical):.0f} KB, "
              f"max {max(r[2] for r in typical):.0f} KB")
        print(f"all {len(rows)} first searches: max {max(r[1] for r in rows):.0f} ms, max {max(r[2] for r in rows):.0f} KB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--site", type=Path)
    ap.add_argument("--names", type=int, help="only the name index, on this many synthetic company names")
    args = ap.parse_args()
    if args.names:
        bench_names(args.names)
        return
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
