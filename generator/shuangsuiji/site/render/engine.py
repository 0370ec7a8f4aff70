"""Streaming page writer: one page at a time, content-addressed, in two processes when there are many.

A page is a template name plus a context of plain data. Its output depends only on
those and on the templates, so the SHA-256 of (templates, path, template, context) names
the output in a cache: an unchanged page is hard-linked from the cache instead of being
rendered again, which is what makes a rebuild after one changed file fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import jinja2
from markupsafe import Markup, escape

from shuangsuiji.core.workers import fork_map, shared
from shuangsuiji.core.write import link_cached, link_existing, same_file
from shuangsuiji.site.render.shell import LANG, Shell

CHUNK = 400  # pages per pool task
POOL_THRESHOLD = 2000  # below this many pages a pool costs more than it saves


@dataclass(frozen=True)
class Page:
    path: str  # URL path relative to the site root: "" (home), "tasks/T1/", "404.html"
    template: str
    context: dict[str, Any]
    title: str
    feeds: tuple[tuple[str, str], ...] = ()  # (key under feeds/, title) of the feeds that fit the page

    @property
    def file(self) -> str:
        return page_file(self.path)


def page_file(path: str) -> str:
    """The file of the page at URL path `path` ("" and folders: their index.html)."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def show(x: Any) -> Markup:
    """A value as page text: withheld values as their notice, lists joined, booleans as 是/否.

    A Python function rather than a template macro: it runs several times on every page.
    """
    if x is None or x == "":
        return Markup('<span class="ssj-none">—</span>')
    if isinstance(x, dict) and "notice" in x:
        return Markup('<span class="ssj-withheld">%s</span>') % x["notice"]
    if x is True or x is False:
        return Markup("是" if x else "否")
    if isinstance(x, (list, tuple)):
        return escape("、".join(map(str, x))) if x else Markup("—")
    return escape(x)


_TABLE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.S)
_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.S)
_TH = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_CELL = re.compile(r"<(td|th)\b([^>]*)>")
_SPAN = re.compile(r'colspan="(\d+)"')
_TAGS = re.compile(r"<[^>]+>")


def _plain(html: str) -> str:
    return " ".join(_TAGS.sub(" ", html).split())


def stack_tables(body: str) -> str:
    """Tables made fit for a phone and a keyboard.

    Every body cell of a table with a header row gets `data-label` (its column's header), so
    on a narrow screen ssj.css shows each row as stacked "label: value" lines instead of columns
    cut off; every table sits in a focusable, named scroll region (a wide table on a desktop
    scrolls by keyboard too). Key-value tables (`ssj-kv`, header cells in the rows) only get the
    region. Our templates write tables flat (no nested tables), which the patterns rely on.
    """
    if "<table" not in body:
        return body
    out, pos = [], 0
    for m in _TABLE.finditer(body):
        attrs, inner = m.group(1), m.group(2)
        heads = [h.group(1) for h in _HEADING.finditer(body, 0, m.start())]
        name = _plain(heads[-1]) if heads else "表格"
        head, sep, rows = inner.partition("</thead>")
        if sep and "ssj-kv" not in attrs:
            labels = [_plain(h) for h in _TH.findall(head)]

            def label_row(row: re.Match) -> str:
                col = 0

                def label(c: re.Match) -> str:
                    nonlocal col
                    text = labels[col] if col < len(labels) else ""
                    span = _SPAN.search(c.group(2))
                    col += int(span.group(1)) if span else 1
                    return f'<{c.group(1)}{c.group(2)} data-label="{escape(text)}">' if text else c.group(0)

                return _CELL.sub(label, row.group(0))

            inner = head + sep + _ROW.sub(label_row, rows)
        out += [body[pos:m.start()], f'<div class="ssj-table" role="region" tabindex="0" aria-label="{escape(name)}">',
                f"<table{attrs}>{inner}</table></div>"]
        pos = m.end()
    out.append(body[pos:])
    return "".join(out)


def make_env(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=False, auto_reload=False)
    env.globals.update(lang=LANG, v=show)
    return env


def templates_digest(templates: Path, shell: Shell) -> str:
    """Everything besides the context that a page's bytes depend on."""
    h = hashlib.sha256(shell.text().encode("utf-8"))
    for p in sorted(templates.rglob("*.html")):
        h.update(p.relative_to(templates).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


class Writer:
    """Renders pages into `out`, reusing cached outputs by input hash."""

    def __init__(self, env: jinja2.Environment, shell: Shell, out: Path, site_url: str, salt: str,
                 cache: Path | None):
        self.env, self.shell, self.out, self.site_url, self.salt = env, shell, out, site_url, salt
        self.cache = cache
        self.rendered = 0
        self.reused = 0
        # a spare folder of the last tree was taken into `out` (core.write.take_spare): a page may be
        # there already, the cached file itself (kept) or another (replaced, never written through:
        # it is a hard link of an older cached page)
        self.existing = False

    def key(self, page: Page) -> str:
        data = json.dumps([page.path, page.template, page.title, page.feeds, page.context], sort_keys=True,
                          ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256((self.salt + data).encode("utf-8")).hexdigest()

    def render(self, page: Page) -> bytes:
        """The record body through its template, then the shell around it (with the page's feeds)."""
        depth = page.file.count("/")
        root = "../" * depth
        body = self.shell.section_nav(page.path, root) + stack_tables(
            self.env.get_template(page.template).render(page.context, root=root, path=page.path))
        head = ""
        if page.feeds:
            # One discovery link per feed, in RSS (every feed has it); the other formats are on feeds/.
            head = "".join(f'<link rel="alternate" type="application/rss+xml" title="{escape(title)}" '
                           f'href="{root}feeds/{key}.xml">' for key, title in page.feeds)
            body += self.env.get_template("_subscribe.html").render(feeds=page.feeds, root=root)
        return self.shell.wrap(depth, page.title, self.site_url + page.path, body, head).encode("utf-8")

    def _cached(self, key: str) -> Path:
        return self.cache / key[:2] / f"{key}.html"

    def relink(self, file: str, key: str) -> bool:
        """Put the cached output `key` at `file` (a page known unchanged, its context not made); False if not cached.

        Two system calls for a page in a folder of its own (a company's): its folder, new in the
        fresh tree, is made first (rather than after a failed link), and paths stay strings. In a
        taken spare folder, two `stat`s when the page is there already."""
        if self.cache is None:
            return False
        dest = f"{self.out}/{file}"
        cached = f"{self.cache}/{key[:2]}/{key}.html"
        if self.existing:
            same = same_file(dest, cached)
            if same:
                self.reused += 1
                return True
            if same is False:
                os.unlink(dest)
        if file.endswith("/index.html"):
            try:
                os.mkdir(dest[:-len("/index.html")])
            except OSError:  # there already (a page below another's folder) or its parent missing: link_existing sees to it
                pass
        if not link_existing(cached, dest):
            return False
        self.reused += 1
        return True

    def write(self, page: Page) -> str:
        if self.cache is None:
            dest = self.out / page.file
            dest.parent.mkdir(parents=True, exist_ok=True)
            if self.existing:  # never written through: it may be a hard link of a cached page
                dest.unlink(missing_ok=True)
            dest.write_bytes(self.render(page))
            self.rendered += 1
            return ""
        key = self.key(page)
        if not self.relink(page.file, key):
            link_cached(self._cached(key), self.out / page.file, lambda: self.render(page))
            self.rendered += 1
        return key


# A section is a named family of pages: its keys, and how to make the page of one key.
Maker = Callable[[Any, str], Page]

def _work(task: tuple[str, Sequence[str]]) -> tuple[list[str], list[str], int, int]:
    name, keys = task
    make: Maker = shared()["makers"][name]
    writer: Writer = shared()["writer"]
    pub = shared()["pub"]
    reuse = shared()["reuse"].get(name, {})
    before = writer.rendered, writer.reused
    paths, hashes = [], []
    for k in keys:
        known = reuse.get(k)
        if known is not None and writer.relink(page_file(known[0]), known[1]):
            paths.append(known[0])
            hashes.append(known[1])
            continue
        page = make(pub, k)
        hashes.append(writer.write(page))
        paths.append(page.path)
    return paths, hashes, writer.rendered - before[0], writer.reused - before[1]


def _chunks(sections: Iterable[tuple[str, Sequence[str]]]) -> Iterator[tuple[str, Sequence[str]]]:
    for name, keys in sections:
        for i in range(0, len(keys), CHUNK):
            yield name, keys[i:i + CHUNK]


@dataclass
class RenderStats:
    pages: int = 0
    rendered: int = 0
    reused: int = 0


def render_sections(pub: Any, writer: Writer, makers: dict[str, Maker], sections: list[tuple[str, Sequence[str]]],
                    jobs: int, on_paths: Callable[[list[str]], None],
                    reuse: dict[str, dict[str, tuple[str, str]]] | None = None
                    ) -> tuple[RenderStats, dict[str, dict[str, tuple[str, str]]]]:
    """Render every page of every section; `on_paths` receives page paths in a stable order.

    `reuse`: per section, the keys whose page is known unchanged → (page path, cache key): linked
    from the cache without their context being made. Returns the stats and, per section, every
    key's (page path, cache key) ("" as cache key without a cache)."""
    stats = RenderStats()
    made: dict[str, dict[str, tuple[str, str]]] = {}
    chunks = list(_chunks(sections))
    total = sum(len(k) for _, k in sections)
    workers = jobs if total >= POOL_THRESHOLD else 1
    results = fork_map(_work, chunks, workers, pub=pub, writer=writer, makers=makers, reuse=reuse or {})
    for (name, keys), (paths, hashes, rendered, reused) in zip(chunks, results):
        on_paths(paths)
        made.setdefault(name, {}).update(zip(keys, zip(paths, hashes)))
        stats.pages += len(paths)
        stats.rendered += rendered
        stats.reused += reused
    return stats, made
