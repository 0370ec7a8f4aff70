"""Stage — feeds: RSS 2.0 and Atom (feedgen) and JSON Feed 1.1 from the public registry.

Feeds: everything, per department, per region (of the inspected target), per result
category and per company; and 更正与撤回 (`changes`, site-wide and per department): every
correction (date, reason, the public fields before → after) and withdrawal of a published result.
A company's feed is RSS only (the one its page links): a city has ≈50,000 of them, and three
formats of each were two thirds of the site's files. Entry ids are `tag:` URIs made of record ids, so they never
change (never a commit hash, never the site's address). A correction and a withdrawal
are entries of their own; a withdrawal entry says that a result was withdrawn, never
what it said. An RSS item carries its text once (`<description>`, no copy in
`<content:encoded>`), Atom in `<content>`. Times are Asia/Shanghai; newest first; two builds give the same bytes
(the channel's build/updated time is the newest entry's, not the clock's).

With a cache folder, a feed's files are named by the digest of everything they are made
of (its entries, titles, the site's address, this module's code): a feed whose entries did not
change is hard-linked from the cache, not made again.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator

from shuangsuiji.registry.models.base import OUTCOMES
from shuangsuiji.privacy.redact import PublicRegistry, require_public
from shuangsuiji.analysis.warning import feed_entries
from shuangsuiji.core.unitmemo import read_kept
from shuangsuiji.core.workers import fork_map, shared
from shuangsuiji.core.write import drop_cached, link_cached, link_existing, prune_cache
from shuangsuiji.core.yamlio import atomic_write_bytes
from shuangsuiji.site.render.deps import Sources, changed_tasks, load_state

TZ = ZoneInfo("Asia/Shanghai")
TAG_DATE = "2017"  # the year the 2017 plan started publishing: part of every entry id
# Result categories in URLs: /feeds/result/<slug>.xml
OUTCOME_SLUGS = dict(zip(OUTCOMES, ("no-problem", "corrected-on-order", "pending-follow-up", "no-such-business",
                                    "closed", "refused", "deregistered", "revoked", "cancelled", "moved-out")))
FORMATS = ("xml", "atom", "json")  # RSS 2.0, Atom 1.0, JSON Feed 1.1
FORMAT_KEYS = {"xml": "rss", "atom": "atom", "json": "json"}  # as feeds/index.json names them
PARALLEL_MIN = 2000  # feeds below which forking workers costs more than it saves
MAX_ENTRIES = 50  # newest entries per feed: a reader needs what is new (a department's 200 made 100 MB at city scale); open data holds everything
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def clean(s: object) -> str:
    """Text as a feed may carry it: no control characters (XML 1.0 forbids them)."""
    return _CONTROL_RE.sub("", str(s)) if s is not None else ""


@dataclass(frozen=True)
class Entry:
    id: str  # tag: URI, stable for ever
    kind: str  # 结果公告 | 更正 | 撤回 | 任务公告 | 计划公告 | 风险预警
    title: str
    link: str  # path under the site, no leading '/'
    day: date
    text: str
    dept: str
    region: str | None = None  # region code of the target (results only)
    outcomes: tuple[str, ...] = ()
    target: str | None = None

    @property
    def when(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=TZ)


@dataclass(frozen=True)
class Feed:
    key: str  # path under feeds/ without extension: all, dept/scjgj, region/…, result/…, target/…, changes[/<dept>]
    title: str
    entries: tuple[Entry, ...]


def _tag(pub: PublicRegistry, path: str) -> str:
    host = urlsplit(pub.config.site.base_url).hostname or "example.gov.cn"
    return f"tag:{host},{TAG_DATE}:{path}"


def _result_text(task, r, target_name: str) -> str:
    lines = [f"检查对象：{target_name}（{r.get('target')}）", f"抽查任务：{task.get('title') if task else ''}",
             f"检查完成日期：{r.get('inspected_on').isoformat()}", f"检查结果：{'、'.join(r.get('outcome'))}"]
    if r.get("problems"):
        lines.append(f"问题类型：{'、'.join(r.get('problems'))}")
    if r.get("follow_ups"):
        lines.append(f"后续处置：{'、'.join(r.get('follow_ups'))}")
    if r.get("remarks"):
        lines.append(f"备注：{r.get('remarks')}")
    return "\n".join(lines)


CHANGE_KINDS = ("更正", "撤回")  # the entries of the 更正与撤回 feeds
_COMPARED = (("outcome", "检查结果"), ("problems", "问题类型"), ("follow_ups", "后续处置"))


def _changes_text(r) -> str:
    """What a correction changed: each public field of the first published content, before → after."""
    first = r.get("first")
    if first is None:
        return "更正前的内容未登记 / the content before the correction is not on record"
    lines = [f"{title}：{'、'.join(first.get(f)) or '（无）'} → {'、'.join(r.get(f)) or '（无）'}"
             for f, title in _COMPARED if tuple(first.get(f)) != tuple(r.get(f))]
    return "更正内容（更正前 → 更正后）：\n" + ("\n".join(lines) if lines else "检查结果各项未变（仅备注等说明更正）")


def entries(pub: PublicRegistry, by_task: dict[str, list[Entry]] | None = None) -> list[Entry]:
    """Every feed entry, newest first (ties by id); `by_task`: the tasks' (`task_entries`)."""
    host = _tag(pub, "")
    out = [e for task_entries_ in (task_entries(pub) if by_task is None else by_task).values() for e in task_entries_]
    for plan_id, plan in pub.plans.items():
        if plan.published is None:
            continue
        out.append(Entry(f"{host}plan/{plan_id}", "计划公告", f"{pub.dept_name(plan.department)}抽查计划公告：{plan.title}",
                         f"plans/{plan_id}/", plan.published, clean(plan.summary or plan.title), plan.department))
    out.sort(key=lambda e: (e.day, e.id), reverse=True)
    return out


def task_entries(pub: PublicRegistry, known: dict[str, list[Entry]] | None = None) -> dict[str, list[Entry]]:
    """Each task's entries (`_task_entries`), those `known` (a task's from the last build) as they are."""
    withdrawn: dict[str, list] = {}
    for w in pub.withdrawals:
        withdrawn.setdefault(w.task, []).append(w)
    host, known = _tag(pub, ""), known or {}
    return {task_id: known[task_id] if task_id in known else _task_entries(pub, task_id, withdrawn.get(task_id, ()), host)
            for task_id in sorted(pub.results.keys() | withdrawn.keys() | pub.tasks.keys())}


def _task_entries(pub: PublicRegistry, task_id: str, withdrawn, host: str) -> list[Entry]:
    """A task's entries: its announcement, its results' publications and corrections, its withdrawals.
    (Records are read with `get`: a city has ≈50,000 results, and a missing attribute's path is slow.)"""
    out: list[Entry] = []
    task = pub.tasks.get(task_id)
    dept = pub.task_dept.get(task_id, task.get("department") if task else "")
    who = pub.dept_name(dept)
    for r in pub.results.get(task_id, ()):
        t = pub.targets.get(r.get("target"))
        name = t.get("name") if t is not None else r.get("target")
        outcome = "、".join(r.get("outcome"))
        text = _result_text(task, r, name)
        common = dict(link=f"results/{task_id}/#{r.get('id')}", dept=dept, region=t.get("region") if t is not None else None,
                      outcomes=tuple(r.get("outcome")), target=r.get("target"))
        if r.get("published_on") is not None:
            out.append(Entry(f"{host}result/{r.get('id')}", "结果公告", f"{who}抽查结果：{name}（{outcome}）",
                             day=r.get("published_on"), text=text, **common))
        corrections = [(rv.date, rv.reason) for rv in r.get("revisions") if rv.action == "更正"]
        if r.get("status") == "更正" and not corrections and r.get("published_on") is not None:
            corrections = [(r.get("published_on"), None)]
        if corrections:
            changed = _changes_text(r)
        for n, (day, reason) in enumerate(corrections, 1):
            out.append(Entry(f"{host}result/{r.get('id')}/correction/{n}", "更正",
                             f"【更正】{who}抽查结果：{name}（{outcome}）", day=day,
                             text=f"更正日期：{day.isoformat()}" + (f"\n更正理由：{reason}" if reason else "")
                             + f"\n{changed}\n\n更正后的结果：\n{text}", **common))
    for w in withdrawn:
        if w.date is None:
            continue
        t = pub.targets.get(w.target)
        name = t.name if t is not None else w.target
        who = pub.dept_name(w.department)
        text = (f"{who}已于{w.date.isoformat()}撤回对{name}（{w.target}）的一条检查结果"
                f"（结果编号 {w.id}，抽查任务：{task.title if task else w.task}）。撤回的内容不再公示。"
                + (f"\n撤回理由：{w.reason}" if w.reason else "") + "\n变更：状态 已公示 → 撤回")
        out.append(Entry(f"{host}result/{w.id}/withdrawal", "撤回", f"【撤回】{who}撤回一条检查结果：{name}",
                         f"results/{w.task}/", w.date, text, w.department,
                         t.region if t is not None else None, (), w.target))
    if task is not None:
        out.append(Entry(f"{host}task/{task_id}", "任务公告", f"{pub.dept_name(task.department)}抽查任务公告：{task.title}",
                         f"tasks/{task_id}/", task.published,
                         f"检查期间：{task.period.start.isoformat()} 至 {task.period.end.isoformat()}\n"
                         f"抽取方式：{task.mode}；抽查类型：{task.kind}", task.department))
    return out


def feeds(pub: PublicRegistry, es: list[Entry] | None = None, companies: set[str] | None = None) -> list[Feed]:
    """The feeds to publish: everything, per department, region, result category and company;
    each holds its newest `MAX_ENTRIES` entries, except 更正与撤回, which holds every one.
    `companies`: the companies whose feeds to make (None: every one's)."""
    es = entries(pub) if es is None else es
    groups: dict[str, list[Entry]] = {}
    titles: dict[str, str] = {"all": "全部公告"}
    groups["all"] = es
    for e in es:
        groups.setdefault(f"dept/{e.dept}", []).append(e)
        titles[f"dept/{e.dept}"] = pub.dept_name(e.dept)
        if e.region:
            groups.setdefault(f"region/{e.region}", []).append(e)
            r = pub.regions.get(e.region)
            titles[f"region/{e.region}"] = r.name if r is not None else e.region
        for o in e.outcomes:
            groups.setdefault(f"result/{OUTCOME_SLUGS[o]}", []).append(e)
            titles[f"result/{OUTCOME_SLUGS[o]}"] = f"检查结果：{o}"
        if e.kind in CHANGE_KINDS:
            for key in ("changes", f"changes/{e.dept}"):
                groups.setdefault(key, []).append(e)
            titles["changes"], titles[f"changes/{e.dept}"] = "更正与撤回", f"{pub.dept_name(e.dept)}：更正与撤回"
        if e.target and (companies is None or e.target in companies):
            groups.setdefault(f"target/{e.target}", []).append(e)
            t = pub.targets.get(e.target)
            titles[f"target/{e.target}"] = t.name if t is not None else e.target
    warns = [Entry(_tag(pub, w["path"]), w["kind"], w["title"], w["link"], w["day"], w["text"], dept="")
             for w in feed_entries(pub.warnings)]
    groups["warnings"], titles["warnings"] = sorted(warns, key=lambda e: (e.day, e.id), reverse=True), "风险预警"
    return [Feed(k, titles[k], tuple(groups[k] if k.split("/")[0] == "changes" else groups[k][:MAX_ENTRIES]))
            for k in sorted(groups)]


def _feedgen(pub: PublicRegistry, feed: Feed, site: str, name: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(_tag(pub, f"feed/{feed.key}"))
    fg.title(clean(name))
    fg.subtitle(clean(f"{pub.config.site.authority} · 双随机、一公开"))
    fg.language("zh-CN")
    fg.author({"name": clean(pub.config.site.authority)})
    newest = feed.entries[0].when if feed.entries else datetime(2017, 1, 1, tzinfo=TZ)
    fg.updated(newest)
    fg.lastBuildDate(newest)
    fg.generator("shuangsuiji")
    if feed.key.startswith("target/"):  # 50,000 at city: no line for the RSS documentation's address
        fg.docs("")
    for e in reversed(feed.entries):  # feedgen prepends: add oldest first, get newest first
        fe = fg.add_entry()
        fe.id(e.id)
        fe.guid(e.id, permalink=False)
        fe.title(clean(e.title))
        fe.link(href=site + e.link)
        fe.updated(e.when)
        fe.published(e.when)
        fe.content(clean(e.text), type="text")  # Atom <content>; RSS carries it once, as <description>
        fe.category(term=e.kind)
    return fg


def _json_feed(pub: PublicRegistry, feed: Feed, site: str, name: str) -> bytes:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": clean(name),
        "home_page_url": site,
        "feed_url": f"{site}feeds/{feed.key}.json",
        "description": clean(f"{pub.config.site.authority} · 双随机、一公开"),
        "language": "zh-CN",
        "authors": [{"name": clean(pub.config.site.authority)}],
        "items": [{"id": e.id, "url": site + e.link, "title": clean(e.title), "content_text": clean(e.text),
                   "date_published": e.when.isoformat(), "date_modified": e.when.isoformat(), "tags": [e.kind]}
                  for e in feed.entries],
    }
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")  # C encoder


def formats_of(key: str) -> tuple[str, ...]:
    """The formats of the feed `key`: a company's feed in RSS only; every other in all three."""
    return FORMATS[:1] if key.startswith("target/") else FORMATS



def _feed_bytes(pub: PublicRegistry, feed: Feed, site: str) -> dict[str, bytes]:
    name = f"{feed.title} · {pub.config.site.title}"
    fg = _feedgen(pub, feed, site, name)
    out = {}
    for ext in formats_of(feed.key):
        if ext == "json":
            out[ext] = _json_feed(pub, feed, site, name)
        else:
            # the site last: feedgen makes the last link RSS's channel <link>, which names the website
            fg.link([{"href": f"{site}feeds/{feed.key}.{ext}", "rel": "self"}, {"href": site, "rel": "alternate"}],
                    replace=True)
            pretty = not feed.key.startswith("target/")  # a company's feed: one line, 50,000 of them at city
            out[ext] = fg.rss_str(pretty=pretty) if ext == "xml" else fg.atom_str(pretty=pretty)
    return out


_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _feed_key(pub: PublicRegistry, feed: Feed, site: str, digests: dict[int, bytes]) -> str:
    """The digest of all a feed's bytes depend on; an entry's digest (`digests`, by the entry
    object) is made once a build, though the entry is in several feeds."""
    h = hashlib.sha256(json.dumps([_CODE, site, pub.config.site.title, pub.config.site.authority, _tag(pub, ""),
                                   feed.key, feed.title], ensure_ascii=False).encode("utf-8"))
    for e in feed.entries:
        d = digests.get(id(e))
        if d is None:
            d = digests[id(e)] = hashlib.sha256(repr(e).encode("utf-8")).digest()
        h.update(d)
    return h.hexdigest()


def _write_one(pub: PublicRegistry, feed: Feed, base: Path, site: str, cache: Path | None,
               digests: dict[int, bytes]) -> str:
    """The feed's files; returns its cache key ("" without a cache)."""
    paths = [base / f"{feed.key}.{ext}" for ext in formats_of(feed.key)]
    if cache is None:
        for path, data in zip(paths, _feed_bytes(pub, feed, site).values()):
            atomic_write_bytes(path, data)
        return ""
    key = _feed_key(pub, feed, site, digests)
    made: dict[str, bytes] = {}

    def make(ext: str) -> bytes:  # the formats are made together, at most once
        if not made:
            made.update(_feed_bytes(pub, feed, site))
        return made[ext]

    for ext, path in zip(formats_of(feed.key), paths):
        link_cached(cache / key[:2] / f"{key}.{ext}", path, lambda: make(ext))
    return key


def _write_range(bounds: tuple[int, int]) -> list[tuple[str, str | None]]:
    """Feeds `bounds` of the made ones then the kept ones (a company's, linked as the last build
    named it): each feed's key and cache key (None: a kept one no longer cached)."""
    pub, fs, kept, base, site, cache = shared()["feeds"]
    digests: dict[int, bytes] = {}
    out: list[tuple[str, str | None]] = []
    for i in range(*bounds):
        if i < len(fs):
            out.append((fs[i].key, _write_one(pub, fs[i], base, site, cache, digests)))
        else:  # 50,000 at city: the paths as strings, the folder made once
            key, (made, _, _) = kept[i - len(fs)]
            linked = link_existing(f"{cache}/{made[:2]}/{made}.xml", f"{base}/{key}.xml")
            out.append((key, made if linked else None))
    return out


STATE = "state.json"  # in the cache folder
ENTRIES = "entries.pkl"  # in the cache folder: each task's entries (`task_entries`) as the last build made them


@dataclass
class _State:
    """What the last build wrote of which registry files (kept in the cache folder): a rebuild
    links the feeds of the companies no changed task (`deps.changed_tasks`) names as that build
    named them, without grouping their entries or digesting them again."""

    stamp: str  # what every feed depends on at once: the code, the site, the masking
    files: dict[str, str]  # registry file → content address
    tasks: dict[str, list[str]]  # task id → the companies its entries are about
    companies: dict[str, list]  # a company's feed (target/<id>) → [cache key, title, entries]
    others: dict[str, str]  # every other feed → its cache key

    def keys(self) -> set[str]:
        return {v[0] for v in self.companies.values()} | set(self.others.values())


def write_feeds(pub: PublicRegistry, out: Path, site_url: str, jobs: int = 2, cache: Path | None = None,
                sources: Sources | None = None) -> list[str]:
    """Write every feed under `out/feeds/` (+ `feeds/index.json` listing them); returns the files
    written (paths under `out`, '/'-separated: 50,000 at city), in the order of their keys. With a
    `cache` folder, unchanged feeds are linked from it (and what no feed uses is dropped); with
    `sources` too (the registry files' content addresses and the code), the entries of the tasks
    unchanged since the last build are that build's, and the feeds of the companies no changed
    task names are linked as it named them, unmade.

    A city has a feed per company (≈50,000, about 1.5 ms each in feedgen): with many feeds,
    `jobs` forked processes write contiguous ranges (no pickling of the registry)."""
    require_public(pub)
    site = site_url.rstrip("/") + "/"
    base = Path(out) / "feeds"
    stamp = hashlib.sha256(repr((sources.code if sources else "", site, pub.masking)).encode()).hexdigest()
    before = load_state(_State, cache / STATE, stamp) if cache is not None and sources is not None else None
    changed = changed_tasks(before.files, sources.files) if before is not None and sources is not None else None
    known = {}
    kept = read_kept(cache / ENTRIES) if changed is not None else None
    if isinstance(kept, dict):  # else made again
        known = {t: v for t, v in kept.items() if t not in changed}
    by_task = task_entries(pub, known)
    es = entries(pub, by_task)
    tasks = {task_id: sorted({e.target for e in v if e.target}) for task_id, v in by_task.items()}
    kept: list[tuple[str, list]] = []
    reach = None
    if changed is not None:
        reach = {c for task_id in changed for c in (*before.tasks.get(task_id, ()), *tasks.get(task_id, ()))}
        kept = [(k, v) for k, v in sorted(before.companies.items()) if k[len("target/"):] not in reach]
    fs = feeds(pub, es, reach)
    total = len(fs) + len(kept)
    step = max(1, -(-total // (jobs * 8)))
    ranges = [(i, min(i + step, total)) for i in range(0, total, step)]
    workers = jobs if total > PARALLEL_MIN else 1
    done = [x for part in fork_map(_write_range, ranges, workers, feeds=(pub, fs, kept, base, site, cache)) for x in part]
    made = dict(done)
    lost = {key[len("target/"):] for key, made_key in done if made_key is None}
    if lost:  # a kept feed no longer cached: made after all
        redo = [f for f in feeds(pub, es, lost) if f.key.startswith("target/") and f.key[len("target/"):] in lost]
        made.update((f.key, _write_one(pub, f, base, site, cache, {})) for f in redo)
        fs += redo
    companies = {k: v for k, v in kept if made[k] is not None}
    companies.update({f.key: [made[f.key], f.title, len(f.entries)] for f in fs if f.key.startswith("target/")})
    catalog = sorted([*({"key": f.key, "title": f.title, "entries": len(f.entries)} for f in fs
                        if not f.key.startswith("target/")),
                      *({"key": k, "title": title, "entries": n} for k, (_, title, n) in companies.items())],
                     key=lambda c: c["key"])
    for c in catalog:
        c.update({FORMAT_KEYS[ext]: f"feeds/{c['key']}.{ext}" for ext in formats_of(c["key"])})
    if cache is not None:
        state = _State(stamp, dict(sources.files if sources else {}), tasks, companies,
                       {f.key: made[f.key] for f in fs if not f.key.startswith("target/")})
        if before is None:
            prune_cache(cache, state.keys())
        else:
            drop_cached(cache, before.keys() - state.keys())
        if sources is not None:
            atomic_write_bytes(cache / ENTRIES, pickle.dumps(by_task, protocol=pickle.HIGHEST_PROTOCOL))
            atomic_write_bytes(cache / STATE, json.dumps(vars(state), ensure_ascii=False,
                                                         separators=(",", ":")).encode("utf-8"))
    line = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # one feed a line: 50,000 at city
    atomic_write_bytes(base / "index.json", ("[\n" + ",\n".join(map(line, catalog)) + "\n]\n").encode("utf-8"))
    return [f"feeds/{c['key']}.{ext}" for c in catalog for ext in formats_of(c["key"])] + ["feeds/index.json"]
