"""A small rendered site with the search markup of the site contract, and a local server for it.

Used by the search tests until they run on a site built by `ssj build`; the markup is the
contract's: `data-pagefind-body` on the record element, filters 部门/区域/年度/结果/行业,
`data-pagefind-sort="date:…"`, `data-pagefind-meta="title:…"`, `lang="zh-CN"`.
"""

from __future__ import annotations

import functools
import html
import http.server
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMPANIES = [  # (USCC, name, region code, region name, industry, department, year, result, date)
    ("91371302MA3C4D5E6F", "临沂华宇建材有限公司", "371302", "兰山区", "批发和零售业", "市场监管局", "2019",
     "未发现问题", "2019-05-12"),
    ("91371302MA3C4D5E7K", "临沂金叶商贸有限公司", "371302", "兰山区", "批发和零售业", "市场监管局", "2020",
     "发现问题已责令改正", "2020-06-03"),
    ("92371311MA4ABCDE1X", "罗庄区张记小吃店", "371311", "罗庄区", "住宿和餐饮业", "市场监管局", "2019",
     "未发现问题", "2019-08-20"),
    ("91371312MA3XYZ1234", "山东沂蒙食品股份有限公司", "371312", "河东区", "制造业", "市卫健委", "2020",
     "未发现问题", "2020-03-15"),
    ("91371321MA3QRS5678", "沂南县宏达机械制造有限公司", "371321", "沂南县", "制造业", "市应急局", "2018",
     "发现问题待后续处理", "2018-11-02"),
]

_SHELL = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} - 临沂市双随机一公开</title>
<link rel="alternate" type="application/atom+xml" href="{root}feeds/all.atom"></head>
<body><header><nav><a href="{root}">首页</a> <a href="{root}search/">搜索</a> <a href="{root}feeds/">订阅</a></nav></header>
{body}
<footer>临沂市推进政府职能转变领导小组办公室</footer></body></html>
"""


def _e(s: str) -> str:
    return html.escape(s, quote=True)


def _company(c) -> str:
    uscc, name, rcode, rname, ind, dept, year, result, day = c
    return (f'<article data-pagefind-body><h1 data-pagefind-meta="title:{_e(name)}">{_e(name)}</h1>'
            f"<p>统一社会信用代码：{uscc}</p><p>区域：<span data-pagefind-filter=\"区域:{rname}\">{rname}</span>"
            f' 行业：<span data-pagefind-filter="行业:{ind}">{ind}</span></p>'
            f'<table><tr><td data-pagefind-filter="部门:{dept}">{dept}</td>'
            f'<td data-pagefind-filter="年度:{year}">{year}</td><td data-pagefind-filter="结果:{result}">{result}</td>'
            f'<td data-pagefind-sort="date:{day}">{day}</td></tr></table>'
            f'<p><a class="ssj-feed" href="../../feeds/target/{uscc}.xml">订阅本企业 RSS</a></p></article>')


def write_site(site: Path) -> Path:
    """Write the fixture site into `site` (pages, search page, search.js, one feed per company)."""
    for c in COMPANIES:
        page = site / "targets" / c[0] / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(_SHELL.format(title=_e(c[1]), root="../../", body=_company(c)), encoding="utf-8")
        feed = site / "feeds" / "target" / f"{c[0]}.xml"
        feed.parent.mkdir(parents=True, exist_ok=True)
        feed.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{_e(c[1])}'
                        f"</title><link>http://example.org/</link><description>x</description></channel></rss>\n",
                        encoding="utf-8")
    for year in ("2018", "2019", "2020"):
        page = site / "results" / f"scjg-{year}-001" / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        body = (f'<article data-pagefind-body><h1 data-pagefind-meta="title:市场监管局{year}年度第001号抽查结果公告">'
                f"市场监管局{year}年度第001号抽查结果公告</h1>"
                f'<span data-pagefind-filter="部门:市场监管局"></span><span data-pagefind-filter="年度:{year}"></span>'
                f'<span data-pagefind-sort="date:{year}-12-01"></span>'
                + "".join(f"<p>{_e(c[1])} {c[0]}</p>" for c in COMPANIES if c[6] == year) + "</article>")
        page.write_text(_SHELL.format(title=f"{year}年度抽查结果公告", root="../../", body=body), encoding="utf-8")
    search = site / "search" / "index.html"
    search.parent.mkdir(parents=True, exist_ok=True)
    search.write_text(_SHELL.format(title="搜索", root="../", body='<div id="ssj-search" data-root="../"></div>'
                                    '<script type="module" src="../assets/search.js"></script>'), encoding="utf-8")
    (site / "assets").mkdir(exist_ok=True)
    shutil.copyfile(ROOT / "site_config" / "assets" / "search.js", site / "assets" / "search.js")
    (site / "index.html").write_text(_SHELL.format(title="首页", root="", body="<p>首页</p>"), encoding="utf-8")
    return site


def write_names_site(site: Path, files: dict[str, bytes]) -> Path:
    """A site of the name index alone (`nameindex.files`): the search page and search.js, no Pagefind."""
    for rel, data in files.items():
        f = site / "names" / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    (site / "search").mkdir(parents=True, exist_ok=True)
    (site / "search" / "index.html").write_text(_SHELL.format(
        title="搜索", root="../", body='<div id="ssj-search" data-root="../"></div>'
        '<script type="module" src="../assets/search.js"></script>'), encoding="utf-8")
    (site / "assets").mkdir(exist_ok=True)
    shutil.copyfile(ROOT / "site_config" / "assets" / "search.js", site / "assets" / "search.js")
    return site


# Waits for search.js, then the first k company codes of each query, from one page session.
TOP_CODES = """async ([qs, k]) => {
    await new Promise((ok) => { const t = () => window.ssjSearch ? ok() : setTimeout(t, 20); t(); });
    const out = [];
    for (const q of qs) out.push(await window.ssjSearch.names.top(q, k));
    return out;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(site: Path, sizes: list[int] | None = None):
    """Serve `site` on a free local port; yields the base URL. `sizes` collects response body sizes."""

    class Handler(_Quiet):
        def copyfile(self, source, outputfile):
            data = source.read()
            if sizes is not None:
                sizes.append(len(data))
            outputfile.write(data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
