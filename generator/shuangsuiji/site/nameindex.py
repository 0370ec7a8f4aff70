"""Stage — index (layer: site): the company name index, static JSON shards that search.js queries.

Pagefind segments Chinese into words and matches single characters, so a part of a trade
name (通泰) ranks a shop called 通程 above the company called 通泰, and addresses match too.
This index answers "which companies' names contain this string" exactly, at city scale
(≈ 50,000 company pages) with a few small fetches:

- companies get ids 0…N-1 in rank order (shorter names first, then by name): a query's
  candidates come out of the postings already ranked;
- `g/<h>.json`: for every character bigram of every normalised name, the ids of the names
  containing it (delta-coded), sharded by an FNV-1a hash of the bigram;
- `h/<n>.json`: the postings of one heavy bigram (in more than one name in `HEAVY_SHARE`
  and more than `HEAVY_MIN` names: 有限, 公司, region names), listed in the manifest with its
  count; the browser fetches one only when the query has no rarer bigram, and otherwise
  confirms the substring on the names;
- `t/<k>.json`: the company table, `TABLE` rows per file: code, name, region, latest result;
- `c/<h>.json`: every USCC and registration number → company id (an exact lookup);
- `f/<n>.json`: the search page's filters (部门, 区域, 年度, 结果, 行业, as `pages.company_filters`
  gives them): filter → value → the ids of the companies having it (delta-coded), values packed
  in order into files of about `FILTER_BYTES`; the manifest maps filter → value → [file, count].
  Company pages are not in Pagefind (index.py): these postings are how the search page filters
  companies, with or without a query.

search.js intersects the postings of the query's bigrams and of the active filters, and
confirms the substring on the names. Inputs are the redaction stage's targets (only companies that have a page). The
files go under `names/<digest>/` (a digest of their contents) with `names/index.json`
pointing there, so a browser never mixes the shards of two builds.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from shuangsuiji.core.unitmemo import keep_stamped, read_stamped
from shuangsuiji.core.yamlio import atomic_write_bytes
from shuangsuiji.site.render.pages import Site, company_filters

FOLDER = "names"  # /names/index.json and /names/<digest>/
COMPANIES = "companies.pickle"  # in the build cache's `names` folder: each company page key → its `Company`
NAMES = "names.pickle"  # there too: the files of the names and codes, under a digest of those
TABLE = 64  # company rows per table file: a result list of 10 fetches at most 10 such files
SHARD_BYTES = 8_000  # aim for posting files of about this size
FILTER_BYTES = 32_000  # filter postings per file: a region of a city (≈ 4,000 companies) is ≈ 12 KB
HEAVY_SHARE = 16  # a bigram in more than 1/16 of all names …
HEAVY_MIN = 1000  # … and in more than 1,000 (≈ 3 KB of postings: cheaper to fetch than to confirm) is heavy


@dataclass(frozen=True)
class Company:
    id: str  # the page's id: the USCC, or the registration number of an old entity
    name: str
    codes: tuple[str, ...]  # USCC and registration number, whichever it has
    region: str  # region name
    latest: str  # outcome of the latest published result ("" if none)
    latest_on: str  # its inspection date (ISO) or ""
    filters: tuple[tuple[str, str], ...] = ()  # (filter, value) pairs: `pages.company_filters`


def normalise(s: str) -> str:
    """The form names and queries are compared in (search.js does the same): NFKC, lower case, no spaces."""
    return "".join(unicodedata.normalize("NFKC", s).lower().split())


def fnv(s: str) -> int:
    """FNV-1a (32 bits) over code points: the shard of a bigram or a code, computed alike in search.js."""
    h = 2166136261
    for ch in s:
        h = ((h ^ ord(ch)) * 16777619) & 0xFFFFFFFF
    return h


def bigrams(s: str) -> list[str]:
    return [s[i:i + 2] for i in range(len(s) - 1)]


def _company(site: Site, tid: str) -> Company:
    pub = site.pub
    t = pub.targets[tid]
    results = sorted(pub.results_of_target(tid), key=lambda r: (r.inspected_on, r.id))
    last = results[-1] if results else None
    codes = tuple(dict.fromkeys(c for c in (tid, t.uscc, t.reg_no) if c))
    return Company(tid, t.name, codes, pub.region_name(t.region), "、".join(map(str, last.outcome)) if last else "",
                   last.inspected_on.isoformat() if last else "", tuple(company_filters(site, tid)))


def companies(site: Site, pages: dict[str, str] | None = None, cache: Path | None = None,
              stamp: str = "") -> list[Company]:
    """The companies with a page on the site, with their latest published result and filter values.

    With `pages` (company → its page's cache key: a digest of everything the page shows, which is
    all a `Company` is made of) and a `cache` folder, a company whose page key the last build
    kept is taken from there, not made again (a city's 50,000 cost seconds). `stamp` names the code
    they were made with (the company pages' stamp): another stamp drops what is kept."""
    kept = read_stamped(cache / COMPANIES, stamp) if cache is not None and pages else None
    kept = kept if isinstance(kept, dict) else {}
    out, rows = [], {}
    for tid in sorted(site.pub.targets):
        key = (pages or {}).get(tid, "")
        row = kept.get(key) if key else None  # the key names the page's path, so its company too
        c = Company(*row) if row is not None else _company(site, tid)
        out.append(c)
        if key:
            rows[key] = row or (c.id, c.name, c.codes, c.region, c.latest, c.latest_on, c.filters)
    if cache is not None and pages and rows.keys() != kept.keys():
        keep_stamped(cache / COMPANIES, stamp, rows)
    return out


def _power_of_two(n: float) -> int:
    k = 1
    while k < n:
        k *= 2
    return k


def _dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _deltas(ids: list[int]) -> list[int]:
    """A sorted posting list as search.js reads it: the first id, then the gaps."""
    return ids[:1] + [b - a for a, b in zip(ids, ids[1:])]


def _filter_files(ranked: list[Company]) -> tuple[dict[str, bytes], dict[str, dict[str, list[int]]]]:
    """The filter postings, `f/<n>.json` → {filter: {value: deltas}}, and the manifest's map
    filter → value → [file number, companies]."""
    ids: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(ranked):
        for pair in dict.fromkeys(c.filters):
            ids.setdefault(pair, []).append(i)
    parts: list[dict] = []
    size = FILTER_BYTES
    where: dict[str, dict[str, list[int]]] = {}
    for k, v in sorted(ids):
        cost = len(ids[k, v]) * 3 + len(v) * 3 + 6  # a rough JSON size
        if size + cost > FILTER_BYTES:
            parts.append({})
            size = 0
        size += cost
        parts[-1].setdefault(k, {})[v] = _deltas(ids[k, v])
        where.setdefault(k, {})[v] = [len(parts) - 1, len(ids[k, v])]
    return {f"f/{n}.json": _dumps(part) for n, part in enumerate(parts)}, where


def _name_files(ranked: list[Company], heavy_min: int) -> tuple[dict[str, bytes], dict]:
    """The files only the ranked names and codes make (bigram postings, heavy bigrams, the code
    lookup: most of the work) and their part of the manifest."""
    postings: dict[str, list[int]] = {}
    for i, c in enumerate(ranked):
        for g in dict.fromkeys(bigrams(normalise(c.name))):
            postings.setdefault(g, []).append(i)
    coded = {g: _deltas(ids) for g, ids in postings.items()}
    heavy = sorted(g for g, ids in postings.items() if len(ids) > max(len(ranked) / HEAVY_SHARE, heavy_min))
    out: dict[str, bytes] = {f"h/{n}.json": _dumps(coded.pop(g)) for n, g in enumerate(heavy)}
    size = sum(len(g) * 3 + 6 + len(ids) * 3 for g, ids in coded.items())  # a rough JSON size
    gram_shards = _power_of_two(size / SHARD_BYTES)
    code_shards = _power_of_two(len(ranked) / 256)
    grams: list[dict] = [{} for _ in range(gram_shards)]
    for g in sorted(coded):
        grams[fnv(g) % gram_shards][g] = coded[g]
    for k, part in enumerate(grams):
        out[f"g/{k}.json"] = _dumps(part)
    lookup: list[dict] = [{} for _ in range(code_shards)]
    for i, c in enumerate(ranked):
        for code in c.codes:
            lookup[fnv(code.upper()) % code_shards][code.upper()] = i
    for k, part in enumerate(lookup):
        out[f"c/{k}.json"] = _dumps(part)
    return out, {"gram_shards": gram_shards, "code_shards": code_shards,
                 "heavy": {g: [n, len(postings[g])] for n, g in enumerate(heavy)}}


def files(items: list[Company], heavy_min: int = HEAVY_MIN, cache: Path | None = None) -> dict[str, bytes]:
    """Every file of the index, path (under `names/`) → bytes; deterministic for the same companies.
    With a `cache` folder, the files of the names and codes are kept under a digest of those: a
    rebuild that changed no company's name or code (a new result) makes only the table and filters."""
    ranked = sorted(items, key=lambda c: (len(normalise(c.name)), normalise(c.name), c.id))
    regions = sorted({c.region for c in ranked})
    outcomes = sorted({c.latest for c in ranked if c.latest})
    key = hashlib.sha256(Path(__file__).read_bytes() + repr((heavy_min, [(c.id, c.name, c.codes) for c in ranked]))
                         .encode()).hexdigest()  # this module's code: it makes them
    named = read_stamped(cache / NAMES, key) if cache is not None else None
    if not isinstance(named, tuple):
        named = _name_files(ranked, heavy_min)
        if cache is not None:
            keep_stamped(cache / NAMES, key, named)
    out = dict(named[0])
    for k in range(0, len(ranked), TABLE):
        out[f"t/{k // TABLE}.json"] = _dumps([
            [c.id, c.name, regions.index(c.region), outcomes.index(c.latest) if c.latest else -1, c.latest_on]
            for c in ranked[k:k + TABLE]])
    filter_files, filters = _filter_files(ranked)
    out.update(filter_files)
    digest = hashlib.sha256()
    for rel in sorted(out):
        digest.update(rel.encode() + b"\0" + out[rel])
    base = digest.hexdigest()[:16]
    manifest = {"version": 1, "base": f"{base}/", "companies": len(ranked), "table": TABLE, **named[1],
                "regions": regions, "outcomes": outcomes, "filters": filters}
    return {"index.json": _dumps(manifest), **{f"{base}/{rel}": data for rel, data in out.items()}}


def write_name_index(site_dir: Path, items: list[Company], cache: Path | None = None) -> int:
    """Write the index of `items` (`companies(site)`) under `site_dir/names/`; returns the bytes written."""
    written = files(items, cache=cache)
    for rel, data in written.items():
        atomic_write_bytes(Path(site_dir) / FOLDER / rel, data)
    return sum(map(len, written.values()))
