"""The site build, stage by stage as `STAGES` lists them (ARCHITECTURE.md shows the same list).

Each stage takes only what the one before gives. The whole site is built in a folder
beside `site/` and swapped in at the end: a registry with errors, a leak found by the
audit, or a crash leaves the previous site as it was.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone, timedelta
from pathlib import Path
from typing import Any

from shuangsuiji import __version__
from shuangsuiji.site import statspages
from shuangsuiji.privacy.audit import Shells, audit_files, needles_digest, needles_for, site_stats
from shuangsuiji.site.feeds import write_feeds
from shuangsuiji.site import memo
from shuangsuiji.site.history import collect, registry_head, touched_since
from shuangsuiji.site.render.deps import CompanyPages, Sources, reached, reached_tasks
from shuangsuiji.site.index import build_index
from shuangsuiji.site.nameindex import companies, write_name_index
from shuangsuiji.core.errors import UserError, fail, problem
from shuangsuiji.registry.immutability import base_commit, work_tree
from shuangsuiji.registry.freetext import name_index, public_contacts
from shuangsuiji.registry.load import Units, code_digest, load_registry, resolve_lines, source_keys
from shuangsuiji.site.opendata import catalog, write_open_data
from shuangsuiji.privacy.redact import masking_digest, redact, released, require_public
from shuangsuiji.site.render.engine import Writer, make_env, page_file, render_sections, templates_digest
from shuangsuiji.site.render.pages import MAKERS, Site
from shuangsuiji.site.render.shell import build_narrative
from shuangsuiji.site.render.sitemap import SitemapWriter
from shuangsuiji.registry.validate import Context, validate
from shuangsuiji.core.unitmemo import UnitMemo
from shuangsuiji.core.workers import Background, no_gc
from shuangsuiji.core.write import keep_only, prune_cache, staged, swap_in, take_spare
from shuangsuiji.core.yamlio import atomic_write_bytes

REPO = Path(__file__).resolve().parents[3]  # holds mkdocs.yml, content/ and site_config/
SHANGHAI = timezone(timedelta(hours=8))
STAMP_FORMAT = "%Y-%m-%d %H:%M"
SHELL_DEPTHS = 8  # folder depths of record pages whose shell the leak audit scans once (items/<d>/<id>/ is 3)
# The stages of `build`, in the order it runs and times them (BuildStats.seconds has the same keys).
STAGES = ("memo", "load", "validate", "redact", "mkdocs", "opendata", "feeds", "history", "render", "index", "audit", "write")


@dataclass
class BuildStats:
    pages: int = 0  # record pages written by our renderer
    rendered: int = 0  # of which rendered in this build (the rest reused from the cache)
    reused: int = 0
    narrative: int = 0  # MkDocs pages
    current: bool = False  # no input changed since the last build: the site was kept as it was
    seconds: dict[str, float] = field(default_factory=dict)  # per stage (validate: its own time, beside redact)
    site_bytes: int = 0
    files: int = 0
    index: Any = None  # index.IndexStats
    units: dict[str, tuple[int, int]] = field(default_factory=dict)  # memo of validate, redact, audit: (made, of units)

    def line(self) -> str:
        stages = " ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items())
        done = "网站已是最新，未改写 / up to date, nothing written" if self.current else "生成完成 / built"
        return (f"{done}: {self.pages} 个记录页面（新渲染 {self.rendered}，复用 {self.reused}），"
                f"{self.narrative} 个说明页面，{self.files} 个文件，{self.site_bytes / 1e6:.1f} MB；{stages}")


def build_time_stamp() -> str:
    """The explicit build time (Asia/Shanghai, to the minute); SOURCE_DATE_EPOCH fixes it for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and not epoch.isdigit():
        fail("build.epoch", f"环境变量 SOURCE_DATE_EPOCH 应为整数秒，得到 {epoch!r}",
             f"SOURCE_DATE_EPOCH must be whole seconds, got {epoch!r}", "设为 Unix 时间戳或删除该变量",
             "set it to a Unix timestamp or unset it")
    now = datetime.fromtimestamp(int(epoch), SHANGHAI) if epoch else datetime.now(SHANGHAI)
    return now.strftime(STAMP_FORMAT)


def project_for(registry: Path) -> Path:
    """The folder with mkdocs.yml, content/ and site_config/ a registry is built with: its parent, else ours."""
    parent = registry.resolve().parent
    return parent if (parent / "mkdocs.yml").exists() and (parent / "site_config").is_dir() else REPO


def _held(reg, pub) -> dict[str, list[str]]:
    """Directory file → the companies with a page it holds (a city's files hold a million rows, 50,000 with a page)."""
    held: dict[str, list[str]] = {}
    for tid in pub.targets:
        held.setdefault(reg.targets.file_of(tid), []).append(tid)
    return {f: sorted(ids) for f, ids in sorted(held.items())}


def _raise_errors(registry: Path, problems: list) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise UserError(*resolve_lines(registry, errors))


def analysis_pages(pub) -> list:
    """统计分析, 风险预警 and the 严重违法失信名单: aggregates the redaction stage lets through."""
    require_public(pub)
    names = {t: pub.targets[t].name for t in pub.targets}
    return [*statspages.stats_pages(pub.stats, pub.config.publish_within_working_days),
            statspages.warnings_page(pub.warnings), statspages.serious_list_page(pub.credit_events, names)]


def _validated(reg, base: str | None, names, units: Units, folder: Path, context: str):
    """Validation with its unit memo, beside redaction (`Background`): (problems, units made and
    used, seconds). Its memo is kept even when the build stops later: it holds verdicts, not outputs."""
    start = time.perf_counter()
    m = UnitMemo(folder, context)
    problems = validate(reg, Context(base, names, m, units))
    m.save()
    return problems, m.counts, round(time.perf_counter() - start, 3)


def _needles(reg, pub, names, units: Units, folder: Path, context: str, cache: Path):
    """The leak audit's needles with their unit memo, gathered while the site is written: (needles,
    their digest, units made and used). The memos hold private values: they live in the build cache only."""
    m = UnitMemo(folder, context)
    needles = needles_for(reg, pub, names=names, memo=m, units=units, cache=cache)
    m.save()
    return needles, needles_digest(needles), m.counts


def build(registry: Path, out: Path, jobs: int = 2, cache: Path | None = None,
          build_time: str | None = None, base: str | None = None, keep: list | None = None) -> BuildStats:
    """Build the public site of `registry` into `out`. Raises UserError (nothing written) on bad input.

    `base` is the revision whose committed draws must be unchanged (the previous main on a push).
    `keep` receives the build's records (a city's millions of objects) instead of their being freed
    one by one on return, a second's work: for a command that exits right after (`cli.entry`)."""
    try:
        with no_gc():  # a build's objects live to its end (`core.workers.no_gc`)
            return _build(registry, out, jobs, cache, build_time, base, keep)
    finally:
        gc.unfreeze()  # what the build froze after loading may go now (a test runs many builds in one process)


def _build(registry: Path, out: Path, jobs: int, cache: Path | None, build_time: str | None,
           base: str | None, keep: list | None) -> BuildStats:
    registry = registry.resolve()
    if not (registry / "departments.yaml").exists():
        fail("build.no-registry", f"找不到登记册：{registry} 中没有 departments.yaml",
             f"no registry at {registry} (departments.yaml missing)", "用 --registry 指定登记册目录",
             "point --registry at the registry folder", file=str(registry))
    project = project_for(registry)
    cache = (cache or out.resolve().parent / ".ssj-cache").resolve()
    stats = BuildStats()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stats.seconds[name] = round(now - clock, 3)
        clock = now

    keys, unknown = source_keys(registry)
    repo_root = work_tree(registry)
    reg_rel = registry.relative_to(repo_root).as_posix() if repo_root is not None else ""
    explicit = build_time or (build_time_stamp() if os.environ.get("SOURCE_DATE_EPOCH") else None)
    head = registry_head(repo_root, reg_rel) if repo_root is not None else None
    code = code_digest("**/*.py", "core/data/*").hex()  # any change of the code may change any output
    inputs = memo.inputs_digest(keys, unknown, project, code, [base_commit(registry, base), head], explicit)
    kept = memo.unchanged(cache, inputs, out.resolve())
    lap("memo")
    if kept is not None:
        stats.current, stats.rendered = True, 0
        stats.pages = stats.reused = kept.pages
        stats.narrative, stats.files, stats.site_bytes = kept.narrative, kept.files, kept.site_bytes
        return stats
    reg, problems = load_registry(registry, jobs=jobs, keys=keys)
    gc.freeze()  # a city's million loaded records: later collections need not walk them again (they live to the end)
    lap("load")
    # What free text is masked with, once for validation, redaction and the audit; each keeps what it
    # made of a unit (a file, a target row) for the next build, under the code and this masking.
    names = name_index(reg)
    units = Units(reg, keys)
    context = f"{code}:{masking_digest(released(reg), names, public_contacts(reg))}"
    stats.seconds["validate"] = 0.0  # its own time, once known (STAGES order)
    with Background(jobs, _validated, reg, base, names, units, cache / "units" / "validate", context) as checking:
        redact_memo = UnitMemo(cache / "units" / "redact", context)
        gc.freeze()  # the memo's records too: each collection would walk them again
        try:  # draws: the record.json files read with the registry
            pub = redact(reg, names=names, memo=redact_memo, units=units, jobs=jobs)
        except Exception:  # on input validation rejects, its word comes first
            _raise_errors(registry, problems + checking.result()[0])
            raise
        found, stats.units["validate"], stats.seconds["validate"] = checking.result()
    _raise_errors(registry, problems + found)
    lap("redact")  # with the wait for validation, when it took longer
    site_url = pub.config.site.base_url.rstrip("/") + "/"
    stamp = build_time or build_time_stamp()
    with Background(jobs, _needles, reg, pub, names, units, cache / "units" / "audit", context,
                    cache / "audit") as needles, staged(out) as tmp:
        shell = build_narrative(project, tmp, site_url, pub.config.site.to_json())
        narrative = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("index.html"))
        stats.narrative = len(narrative)
        shutil.copytree(project / "site_config" / "assets", tmp / "assets" / "ssj")
        lap("mkdocs")
        built = datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=SHANGHAI)
        sources = Sources(keys, code)  # what open data and feeds compare with the last build's
        write_open_data(pub, tmp, built, cache / "opendata", jobs, sources)
        data_page = catalog(tmp)
        lap("opendata")
        feed_files = [{"path": p} for p in write_feeds(pub, tmp, site_url, jobs, cache / "feeds", sources)]
        lap("feeds")
        history = None
        if repo_root is not None:
            history = collect(repo_root, reg_rel, cache / "history")
        lap("history")

        fragments = analysis_pages(pub)
        for rel, data in sorted(statspages.stats_files(pub.stats).items()):
            atomic_write_bytes(tmp / rel, data)

        templates = project / "site_config" / "templates"
        site = Site(pub, stamp, history, data_page, feed_files, {p.url: p for p in fragments})
        salt = f"{__version__}:{templates_digest(templates, shell)}:{site_url}"
        writer = Writer(make_env(templates), shell, tmp, site_url, salt, cache / "pages")
        sitemap = SitemapWriter(tmp, site_url)
        sitemap.add([p.removesuffix("index.html") for p in narrative])
        region_feeds = sorted(k for k in site.feed_keys if k.startswith("region/"))  # every company page links its region's
        company_pages = CompanyPages(
            stamp=hashlib.sha256(repr((salt, code, pub.masking, region_feeds, history is None,
                                       site.api_digits)).encode())  # api_digits: the API shard each page links
            .hexdigest(), files=keys, head=head, held=_held(reg, pub),
            tasks=site.companies_of_tasks(),
            task_stamp=repr(sorted(k for k in site.feed_keys if not k.startswith("target/"))))
        before = CompanyPages.load(cache / "pages")
        touched = touched_since(repo_root, reg_rel, before.head, head) if before is not None and repo_root else set()
        reach = reached(before, company_pages, touched)
        known = {"target": {} if before is None or reach is None else {
            tid: tuple(before.pages[tid]) for tid in pub.targets if tid in before.pages and tid not in reach}}
        reach = reached_tasks(before, company_pages, touched)
        for section, ids in (("task", pub.tasks), ("result", pub.results)):
            last = before.records.get(section, {}) if before is not None and reach is not None else {}
            known[section] = {tid: tuple(last[tid]) for tid in ids if tid in last and tid not in reach}
        writer.existing = take_spare(cache / "spare" / "targets", tmp / "targets")  # the last tree's company folders
        rs, made = render_sections(site, writer, MAKERS, site.sections(), jobs, sitemap.add, known)
        if writer.existing:
            keep_only(tmp / "targets", {page_file(path).split("/")[1] for path, _ in made.get("target", {}).values()})
        sitemap.close()
        company_pages.pages = {tid: list(v) for tid, v in sorted(made.get("target", {}).items())}
        company_pages.records = {section: {tid: list(v) for tid, v in sorted(made.get(section, {}).items())}
                                 for section in ("task", "result")}
        stats.pages, stats.rendered, stats.reused = rs.pages, rs.rendered, rs.reused
        lap("render")

        stats.index = build_index(tmp, cache / "index", jobs=jobs, keys={
            page_file(path): key for pages in made.values() for path, key in pages.values() if key})
        write_name_index(tmp, companies(site, {tid: key for tid, (_, key) in made.get("target", {}).items()},
                                        cache / "names", company_pages.stamp), cache / "names")
        lap("index")
        listing = site_stats(tmp)  # the files keep their stat when the folder is swapped in: the memo's listing too
        stats.files, stats.site_bytes = len(listing), sum(st.st_size for st in listing.values())
        shells = Shells({depth: shell.pieces(depth) for depth in range(SHELL_DEPTHS)})
        found_needles, digest, stats.units["audit"] = needles.result()
        leaks = audit_files(tmp, found_needles, jobs, cache=cache / "audit", listing=listing, shells=shells,
                            digest=digest)
        if leaks:
            raise UserError(*(problem("build.leak", f"网站中出现不应公开的数据：{leak.kind}（已停止发布）",
                                      f"non-public data in the built site: {leak.kind} (not published)",
                                      "检查该字段的公开级别与模板；单位公开的联系方式可在 config.yaml 的 privacy 中声明；"
                                      "原网站保持不变",
                                      "check the field's visibility and the templates; an office's public contact can be "
                                      "declared under privacy in config.yaml; the old site is kept",
                                      file=leak.file) for leak in leaks))
        lap("audit")
        swap_in(tmp, out, spare=cache / "spare", keep=("targets",))
    redact_memo.save()
    stats.units["redact"] = redact_memo.counts
    prune_cache(cache / "pages", {key for pages in made.values() for _, key in pages.values()} - {""})
    company_pages.save(cache / "pages")
    memo.remember(cache, memo.Memo(inputs, memo.tree_digest(listing), stats.pages, stats.narrative, stats.files,
                                   stats.site_bytes))
    lap("write")  # the swap, and what the next build reuses: memos, page cache, listing
    if keep is not None:
        keep.extend((reg, pub, site, made, listing, redact_memo, company_pages))
    return stats
