"""The narrative pages (MkDocs + Material) and the page shell cut out of the same build.

MkDocs renders only `content/` (a handful of pages). To give record pages the identical
look without MkDocs' per-page cost, one stub page is built alongside; its header, tabs,
footer and asset links are cut around the content area into a `Shell`. The stub's links
are relative (`../assets/…`), so they become a `root` slot filled for each page's depth.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from pathlib import Path

from markupsafe import escape

from shuangsuiji.core.errors import fail

SHELL_DIR = "_ssj_shell"  # the stub page's folder in the MkDocs build; removed afterwards
_TITLE = "SSJSHELLTITLE"
_BODY_START, _BODY_END = "<!--ssj:content-->", "<!--ssj:/content-->"
LANG = "zh-CN"  # one lang value on every page (Pagefind keeps one index per value)


def police_url(police: str) -> str:
    """The police filing mark's standard link: the national lookup with the filing number's digits."""
    return "https://beian.mps.gov.cn/#/query/webSearch?code=" + "".join(c for c in police if c.isdigit())


def build_narrative(project: Path, out: Path, site_url: str, site: dict) -> "Shell":
    """Build content/ with MkDocs into `out` and return the page shell cut from it.

    `site` is the registry's site configuration (SiteConfig as JSON): the shell's title, footer
    items and 找错 address. MkDocs' own sitemap is dropped (ours lists every page; the HTML
    网站地图 is a record page); every page gets lang="zh-CN".
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    extra = mkdocs_extra(site)
    with tempfile.TemporaryDirectory(prefix="ssj-docs-") as tmp:
        docs = Path(tmp) / "docs"
        shutil.copytree(project / "content", docs)
        (docs / f"{SHELL_DIR}.md").write_text(f"# {_TITLE}\n\nSSJSHELLBODY\n", encoding="utf-8")
        logging.getLogger("mkdocs").setLevel(logging.WARNING)
        try:
            cfg = load_config(str(project / "mkdocs.yml"), docs_dir=str(docs), site_dir=str(out),
                              site_url=site_url, site_name=site["title"], copyright=site["authority"])
            cfg["extra"].update(extra)
            build(cfg)
        except MkDocsException as e:
            fail("build.mkdocs", f"MkDocs 生成说明页面失败：{e}", f"MkDocs failed on the narrative pages: {e}",
                 "检查 content/ 与 mkdocs.yml", "check content/ and mkdocs.yml", file="mkdocs.yml")
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        (out / name).unlink(missing_ok=True)
    # The theme's scripts, source maps and palette: no page links them (see main.html).
    shutil.rmtree(out / "assets" / "javascripts", ignore_errors=True)
    for unused in (out / "assets" / "stylesheets").iterdir():
        if unused.name != Path(extra["ssj_css"]).name:
            unused.unlink()
    stub = out / SHELL_DIR / "index.html"
    shell = shell_from_page(stub.read_text(encoding="utf-8"), site_url, site["title"], _sections(cfg["nav"]))
    shutil.rmtree(out / SHELL_DIR)
    return shell


def mkdocs_extra(site: dict) -> dict:
    """What main.html reads from MkDocs' `config.extra`: the site configuration (SiteConfig as JSON),
    the page language and the theme's stylesheet."""
    return {"ssj": {**site, "police_url": police_url(site["police"])}, "lang": LANG, "ssj_css": _theme_stylesheet()}


def _sections(nav: list) -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    """mkdocs.yml's nav sections by the URL of each of their pages: (section title, its (title, URL)s).

    A phone has no sidebar, so a page of a section lists its section's pages (main.html does it for
    MkDocs' pages, `Shell.section_nav` for record pages such as 统计分析's)."""
    def url(target: str) -> str:
        if target.endswith(".md"):  # a content page, at its folder (use_directory_urls)
            stem = target[:-3]
            return "" if stem == "index" else stem[:-5] if stem.endswith("/index") else stem + "/"
        return "" if target == "./" else target

    out = {}
    for entry in nav:
        for title, children in entry.items():
            if isinstance(children, list):
                pages = tuple((t, url(target)) for child in children for t, target in child.items())
                out.update({u: (title, pages) for _, u in pages})
    return out


def _theme_stylesheet() -> str:
    """The theme's one stylesheet (its name carries a content hash that changes with the theme's version)."""
    import material

    found = sorted((Path(material.__file__).parent / "templates" / "assets" / "stylesheets").glob("main.*.min.css"))
    if len(found) != 1:
        fail("build.mkdocs", f"找不到 mkdocs-material 的样式表（找到 {len(found)} 个）",
             f"expected one mkdocs-material stylesheet, found {len(found)}",
             "重新安装依赖：pip install -e .", "reinstall the dependencies: pip install -e .")
    return f"assets/stylesheets/{found[0].name}"


class Shell:
    """The page around a record body, as literal text and a few slots.

    Slots: `root` ('../../', a page's way back to the site root), `base` ('../..'), `doctitle`
    (the <title>: "page – site", the home page only the site), `canonical`, `head` (the page's
    own head tags: feed links) and `body`. Everything but the per-page slots depends only on a
    page's depth, so it is joined once per depth: wrapping a page is then a handful of string
    joins instead of a template run.
    """

    def __init__(self, parts: list[tuple[str, str]], site_name: str,
                 sections: dict[str, tuple[str, tuple[tuple[str, str], ...]]] | None = None):
        self.parts = parts  # ("text", literal) | ("slot", name)
        self.site_name = site_name
        self.sections = sections or {}  # page URL → its nav section (_sections)
        self._by_depth: dict[int, list[str | None]] = {}

    def text(self) -> str:
        """A stable description of the shell, for the page cache key."""
        return ("".join(v if k == "text" else "{" + v + "}" for k, v in self.parts) + self.site_name
                + repr(sorted(self.sections.items())))

    def section_nav(self, path: str, root: str) -> str:
        """The list of the section a record page belongs to (as main.html writes it for MkDocs' pages), or ""."""
        if path not in self.sections:
            return ""
        title, pages = self.sections[path]
        items = "".join(f'<li><strong aria-current="page">{escape(t)}</strong></li>' if u == path
                        else f'<li><a href="{root}{u}">{escape(t)}</a></li>' for t, u in pages)
        return f'<nav class="ssj-section" aria-label="{escape(title)}"><ul>{items}</ul></nav>'

    def _layout(self, depth: int) -> list:
        root = "../" * depth
        fixed = {"root": root, "base": root.rstrip("/") or "."}
        out: list = []
        for kind, value in self.parts:
            piece = value if kind == "text" else fixed.get(value)
            if piece is None:
                out.append(value)  # doctitle, canonical, head, body: filled per page
            elif out and isinstance(out[-1], tuple):
                out[-1] = (out[-1][0] + piece,)
            else:
                out.append((piece,))
        return out

    def pieces(self, depth: int) -> tuple[str | None, ...]:
        """The shell of a page at `depth` as its literal pieces in order, None where the page's own
        text goes: what the leak audit scans once instead of on every page."""
        return tuple(p[0] if isinstance(p, tuple) else None for p in self._by_depth.get(depth) or self._layout(depth))

    def wrap(self, depth: int, title: str, canonical: str, body: str, head: str = "") -> str:
        layout = self._by_depth.get(depth)
        if layout is None:
            layout = self._by_depth[depth] = self._layout(depth)
        doctitle = title if title == self.site_name else f"{title} – {self.site_name}"
        slots = {"doctitle": str(escape(doctitle)), "canonical": str(escape(canonical)), "head": head, "body": body}
        return "".join(p[0] if isinstance(p, tuple) else slots[p] for p in layout)


def shell_from_page(html: str, site_url: str, site_name: str,
                    sections: dict[str, tuple[str, tuple[tuple[str, str], ...]]] | None = None) -> Shell:
    """Cut the stub page around its content markers and turn its links into slots."""
    if _BODY_START not in html or _BODY_END not in html:
        fail("build.shell", "页面外壳中找不到内容区标记（site_config/overrides/main.html 被改动？）",
             "content markers missing from the shell (was site_config/overrides/main.html changed?)",
             file="site_config/overrides/main.html")
    # Indentation, and line breaks between two tags, are all the stub has to spare (main.html keeps
    # no inline element beside another, so none of them is a visible space).
    html = re.sub(r">\n<", "><", "\n".join(line.strip() for line in html.splitlines() if line.strip()))
    head, rest = html.split(_BODY_START, 1)
    _, tail = rest.split(_BODY_END, 1)
    # (pattern, replacement parts), searched for in this order.
    subs = [
        (re.escape(f'href="{site_url}{SHELL_DIR}/"'), [("text", 'href="'), ("slot", "canonical"), ("text", '"')]),
        (f"<title>{_TITLE}[^<]*</title>", [("text", "<title>"), ("slot", "doctitle"), ("text", "</title>")]),
        (r'"\.\./', [("text", '"'), ("slot", "root")]),
        (r'"\.\."', [("text", '"'), ("slot", "base"), ("text", '"')]),
        ("</head>", [("slot", "head"), ("text", "</head>")]),
    ]
    pattern = re.compile("|".join(f"({p})" for p, _ in subs))
    parts: list[tuple[str, str]] = []
    for text in (head, None, tail):
        if text is None:
            parts.append(("slot", "body"))
            continue
        pos = 0
        for m in pattern.finditer(text):
            parts.append(("text", text[pos:m.start()]))
            parts.extend(subs[m.lastindex - 1][1])
            pos = m.end()
        parts.append(("text", text[pos:]))
    return Shell([p for p in parts if p != ("text", "")], site_name, sections)
