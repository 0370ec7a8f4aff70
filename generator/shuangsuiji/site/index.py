"""Stage — index: Pagefind search bundles built from the rendered HTML, sharded and content-addressed.

One Pagefind run over a city (≈55,000 record pages) needs far more than 2 GB and a single
bundle makes every query scan every hit, so the site is split into shards that the browser
merges with `mergeIndex` (see `site_config/assets/search.js`):

- `general`: pages that are not record pages of a year, nor item pages;
- `items`: the item pages (they change only with an item list);
- `departments`: the department pages (apart from `general`, which every new result changes);
- `y<year>`: task, result and plan pages of one year, in buckets of about `SHARD_PAGES` by a
  hash of the page path: a new result changes its result page, and the one bucket holding it is
  indexed again, not the whole year;
- any group over `max_pages` is split further into buckets by a hash of the page path, and
  small neighbouring groups are packed into one shard up to `SHARD_PAGES` (`general--items`).

Company pages (一户一档, `targets/<id>/`: 50,000 of a city's 53,000 pages) are neither read nor
indexed here: the name index (`nameindex.py`) finds companies by name or code and carries their
filter values, which the search page applies to its company list. `shards.json` counts the
filter values of the pages indexed here.

Each shard is built by the extended binary (the only one that segments Chinese) from the
shard's pages alone, into a cache directory keyed by a hash of the shard's page bytes: a shard
whose pages did not change is copied from the cache, not rebuilt. What a page holds for the
index (the digest of its bytes, its filters) is kept in the cache under the page's content key
(the renderer's page cache key, a digest of everything the page is made of): a rebuild reads
only the pages it made, and the pages of the shards it indexes again.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pagefind_bin_extended

from shuangsuiji.core.unitmemo import keep_stamped, read_stamped

BUNDLE = "pagefind"  # site sub-directory holding every shard: /pagefind/<shard>/
LANG = "zh-cn"  # one language for every page: zh and zh-CN would make two indexes
MAX_PAGES = 8000  # ≈ 450 MB per Pagefind run (measured: 10,000 pages → 546 MB, 9 s)
SHARD_PAGES = 250  # a year's bucket holds about this many pages, small groups are packed into one shard up to it:
# a change re-indexes only its shard (≈ 1.5 s for 250 pages; a city's year of 1,200 took 8 s)
PAGES = "pages.pickle"  # in the cache: page content key → (digest of its indexed bytes, its filters)
SHARD_FILTER = "分片"  # mergeFilter key: lets search.js query one shard at a time (date sort)
_UNUSED_RE = re.compile(r"pagefind-(?:[a-z-]*ui|highlight)\.(?:js|css)")  # search.js is the UI

_BODY_RE = re.compile(rb"<[^>]*\bdata-pagefind-body\b[^>]*>")
FILTERS = ("部门", "区域", "年度", "结果", "行业")  # the filters of the search page, in its order
_FILTER_RE = re.compile(rb'data-pagefind-filter="([^":]+):([^"]*)"')
_SORT_RE = re.compile(rb'data-pagefind-sort="date:(\d{4}-\d{2}-\d{2})"')
_DATE_META_RE = re.compile(rb'data-pagefind-meta="[^"]*\bdate:')
_COMPANY_RE = re.compile(r"targets/([0-9A-Z]{15}|[0-9A-Z]{18})/index\.html")


@dataclass(frozen=True)
class IndexStats:
    pages: int  # pages indexed (those with data-pagefind-body, company pages aside)
    shards: int
    rebuilt: int  # shards built by Pagefind in this run
    reused: int  # shards copied from the cache
    seconds: float
    peak_rss_mb: float  # largest resident size of one Pagefind run (`jobs` run at once)
    bundle_bytes: int  # bytes under /pagefind/


@dataclass(frozen=True)
class _Page:
    rel: str  # path under the site, '/'-separated
    digest: bytes  # SHA-256 of the bytes Pagefind indexes (`_indexed_bytes`)
    filters: tuple[tuple[str, str], ...]  # `_filters` of those bytes


def _indexed_bytes(data: bytes) -> bytes:
    """The page as indexed: search.js sorts merged shards by date, read from the result's meta."""
    sort = _SORT_RE.search(data)
    body = _BODY_RE.search(data)
    if sort is None or body is None or _DATE_META_RE.search(data):
        return data
    tag = b'<span hidden data-pagefind-meta="date:' + sort.group(1) + b'"></span>'
    return data[:body.end()] + tag + data[body.end():]


def _filters(data: bytes) -> tuple[tuple[str, str], ...]:
    """(filter, value) pairs of a page, unescaped, without repeats, in page order."""
    pairs = [(html.unescape(m.group(1).decode()), html.unescape(m.group(2).decode()).strip())
             for m in _FILTER_RE.finditer(data)]
    return tuple(dict.fromkeys(pairs))


def _shard_key(page: _Page) -> str:
    """A year's announcements together; the item pages (a city has 1,500, changed only with a
    list) and the department pages (changed with their own tasks and results) apart from the
    other pages, which every new result changes (home, indexes, statistics, the data page)."""
    year = next((v for k, v in page.filters if k == "年度"), "")
    if re.fullmatch(r"\d{4}", year):
        return "y" + year
    top = page.rel.split("/", 1)[0]
    return top if top in ("items", "departments") and "/" in page.rel else "general"


def _filter_counts(pages: list[_Page]) -> dict[str, dict[str, int]]:
    """Pages per filter value, so the search page can offer its filters before loading any shard."""
    counts: dict[str, dict[str, int]] = {k: {} for k in FILTERS}
    for p in pages:
        for k, v in p.filters:
            if k in counts and v:
                counts[k][v] = counts[k].get(v, 0) + 1
    return {k: dict(sorted(v.items())) for k, v in counts.items()}


def _shards(pages: list[_Page], max_pages: int) -> dict[str, list[_Page]]:
    """Group pages by key; split a group over `max_pages` by a hash of the path; pack small
    neighbouring groups together (every Pagefind run costs about a second, and every shard
    one more fetch per search)."""
    groups: dict[str, list[_Page]] = {}
    for p in pages:
        groups.setdefault(_shard_key(p), []).append(p)
    parts: list[tuple[str, list[_Page]]] = []
    for key in sorted(groups):
        members = groups[key]
        n = -(-len(members) // (min(max_pages, SHARD_PAGES) if key.startswith("y") else max_pages))
        if n == 1:
            parts.append((key, members))
            continue
        buckets: dict[int, list[_Page]] = {}
        for p in members:
            buckets.setdefault(int.from_bytes(hashlib.sha1(p.rel.encode()).digest()[:4], "big") % n, []).append(p)
        parts.extend((f"{key}-{b}", buckets[b]) for b in sorted(buckets))
    out: dict[str, list[_Page]] = {}
    packed: list[tuple[str, list[_Page]]] = []
    for key, members in parts:
        if packed and len(packed[-1][1]) + len(members) <= min(max_pages, SHARD_PAGES):
            packed[-1] = (packed[-1][0].split("--")[0] + "--" + key, packed[-1][1] + members)
        else:
            packed.append((key, members))
    for key, members in packed:
        out[key] = sorted(members, key=lambda p: p.rel)
    return out


def _digest(pages: list[_Page]) -> str:
    h = hashlib.sha256()
    h.update(f"pagefind-extended {_version()} {LANG}\n".encode())
    for p in pages:
        h.update(p.rel.encode() + b"\0" + p.digest)
    return h.hexdigest()[:32]


def _binary() -> str:
    return str(pagefind_bin_extended.get_executable())


@functools.cache
def _version() -> str:
    return subprocess.run([_binary(), "--version"], capture_output=True, text=True, check=True).stdout.strip()


def _run_pagefind(site_dir: Path, pages: list[_Page], dest: Path) -> float:
    """Index the pages into `dest` (atomically); returns the run's peak resident size in MB."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".build-") as tmp:
        src = Path(tmp) / "site"
        for p in pages:
            f = src / p.rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(_indexed_bytes((site_dir / p.rel).read_bytes()))
        out = Path(tmp) / "bundle"
        cmd = [_binary(), "--site", str(src), "--output-path", str(out), "--force-language", LANG, "--silent"]
        log = Path(tmp) / "pagefind.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
            peak = _watch_peak(proc)
            code = proc.returncode
        if code != 0:
            tail = log.read_text(errors="replace")[-500:]
            raise RuntimeError(f"Pagefind 建立索引失败 / Pagefind failed (exit {code}): {tail}")
        for f in sorted(out.iterdir()):
            if _UNUSED_RE.fullmatch(f.name):
                f.unlink()
        os.replace(out, dest)
    return peak


def _watch_peak(proc: subprocess.Popen) -> float:
    """Wait for the process; its peak resident size in MB, sampled from /proc (VmHWM).

    Not `ru_maxrss`: Linux carries the parent's resident size over fork and exec into it,
    so a Pagefind run started by a 2 GB build would report 2 GB."""
    peak_kb = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.05)
    return peak_kb / 1024


def _copy_tree(src: Path, dst: Path) -> None:
    for f in sorted(src.rglob("*")):
        t = dst / f.relative_to(src)
        if f.is_dir():
            t.mkdir(parents=True, exist_ok=True)
            continue
        t.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(f, t)
        except OSError:
            shutil.copyfile(f, t)


def _html_files(site_dir: Path) -> list[str]:
    """The site's HTML files ('/'-separated, sorted), neither the bundle's nor the company folders'
    (`targets/<id>/`: the name index's), which are not even listed: a city has 50,000 of them."""
    out = []
    for root, dirs, files in os.walk(site_dir):
        rel = Path(root).relative_to(site_dir).as_posix()
        if rel == BUNDLE:
            dirs.clear()
            continue
        if rel == "targets":
            dirs[:] = [d for d in dirs if not _COMPANY_RE.fullmatch(f"targets/{d}/index.html")]
        out += [f if rel == "." else f"{rel}/{f}" for f in files if f.endswith(".html")]
    return sorted(out)


@functools.cache
def _salt() -> bytes:
    """What a page's entry in `PAGES` is made with besides the page: this module, the Pagefind version."""
    return hashlib.sha256(Path(__file__).read_bytes() + _version().encode()).digest()


def _read_pages(site_dir: Path, keys: dict[str, str], cache: Path | None) -> list[_Page]:
    """The pages to index. A page whose content key (`keys`: file → key) the last build kept is
    not read; the others are, and what they hold is kept under their key for the next build."""
    kept = read_stamped(cache / PAGES, _salt()) if cache is not None else None
    kept = kept if isinstance(kept, dict) else {}
    pages, now = [], {}
    for rel in _html_files(site_dir):
        key = keys.get(rel, "")
        entry = kept.get(key) if key else None
        if entry is None:
            data = (site_dir / rel).read_bytes()
            entry = ()  # a page without data-pagefind-body is not meant to be found
            if _BODY_RE.search(data):
                data = _indexed_bytes(data)
                entry = (hashlib.sha256(data).digest(), _filters(data))
        if key:
            now[key] = entry
        if entry:
            pages.append(_Page(rel, *entry))
    if cache is not None and now.keys() != kept.keys():
        keep_stamped(cache / PAGES, _salt(), now)
    return pages


def build_index(site_dir: Path, cache_dir: Path | None = None, max_pages: int = MAX_PAGES,
                jobs: int = 2, keys: dict[str, str] | None = None) -> IndexStats:
    """Index `site_dir` into `site_dir/pagefind/<shard>/` and write `site_dir/pagefind/shards.json`.
    `keys`: site file → its content key, for the pages the renderer wrote through its page cache."""
    start = time.perf_counter()
    site_dir = Path(site_dir)
    with tempfile.TemporaryDirectory(prefix="ssj-index-") as scratch:
        cache = Path(cache_dir) / "pagefind" if cache_dir else Path(scratch)
        pages = _read_pages(site_dir, keys or {}, Path(cache_dir) if cache_dir else None)
        shards = _shards(pages, max_pages)
        digests = {name: _digest(members) for name, members in shards.items()}
        todo = [name for name in shards if not (cache / digests[name]).is_dir()]
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            peaks = list(pool.map(lambda n: _run_pagefind(site_dir, shards[n], cache / digests[n]), todo))
        out = site_dir / BUNDLE
        if out.exists():
            shutil.rmtree(out)
        manifest = {"version": 1, "lang": LANG, "filter": SHARD_FILTER, "filters": _filter_counts(pages),
                    "shards": [{"name": n, "pages": len(shards[n]), "digest": digests[n]} for n in shards]}
        for name in shards:
            _copy_tree(cache / digests[name], out / name)
        if cache_dir:  # keep only the shards of this build: the cache does not grow without end
            for old in sorted(cache.iterdir()):
                if old.is_dir() and old.name not in digests.values():
                    shutil.rmtree(old)
        tmp = out / "shards.json.tmp"
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, out / "shards.json")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return IndexStats(len(pages), len(shards), len(todo), len(shards) - len(todo),
                      round(time.perf_counter() - start, 2), round(max(peaks, default=0.0), 1), size)
