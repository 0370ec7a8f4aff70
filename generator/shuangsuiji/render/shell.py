"""The narrative pages (MkDocs + Material) and the page shell cut out of the same build.

MkDocs renders only `content/` (a handful of pages). To give record pages the identical
look without MkDocs' per-page cost, one stub page is built alongside; its header, nav,
footer and asset links are cut around the content area and turned into a Jinja2 base
template. The shell's links are relative (`../assets/…`), so they are rewritten to a
`root` prefix that each page sets for its own depth.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from pathlib import Path

from shuangsuiji.errors import fail

SHELL_DIR = "_ssj_shell"  # the stub page's folder in the MkDocs build; removed afterwards
_TITLE = "SSJSHELLTITLE"
_BODY_START, _BODY_END = "<!--ssj:content-->", "<!--ssj:/content-->"
LANG = "zh-CN"  # one lang value on every page (Pagefind keeps one index per value)


def build_narrative(project: Path, out: Path, site_url: str, site_name: str, copyright: str) -> str:
    """Build content/ with MkDocs into `out` and return the shell template text.

    MkDocs' own sitemap is dropped (ours lists every page); every page gets lang="zh-CN".
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    with tempfile.TemporaryDirectory(prefix="ssj-docs-") as tmp:
        docs = Path(tmp) / "docs"
        shutil.copytree(project / "content", docs)
        (docs / f"{SHELL_DIR}.md").write_text(f"# {_TITLE}\n\nSSJSHELLBODY\n", encoding="utf-8")
        logging.getLogger("mkdocs").setLevel(logging.WARNING)
        try:
            cfg = load_config(str(project / "mkdocs.yml"), docs_dir=str(docs), site_dir=str(out),
                              site_url=site_url, site_name=site_name, copyright=copyright)
            cfg["extra"]["generator"] = False  # no "Made with" link out of the site
            build(cfg)
        except MkDocsException as e:
            fail("build.mkdocs", f"MkDocs 生成说明页面失败：{e}", f"MkDocs failed on the narrative pages: {e}",
                 "检查 content/ 与 mkdocs.yml", "check content/ and mkdocs.yml", file="mkdocs.yml")
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        (out / name).unlink(missing_ok=True)
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        fixed = text.replace('<html lang="zh"', f'<html lang="{LANG}"', 1)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
    stub = out / SHELL_DIR / "index.html"
    shell = shell_template(stub.read_text(encoding="utf-8"), site_url)
    shutil.rmtree(out / SHELL_DIR)
    return shell


def _raw(text: str) -> str:
    if "{% endraw" in text or "{%- endraw" in text:
        raise ValueError("shell text holds an endraw tag")
    return "{% raw %}" + text + "{% endraw %}" if text else ""


def shell_template(html: str, site_url: str) -> str:
    """Turn the stub page into a Jinja2 template.

    Blocks `head`, `body`, `scripts`; variables `root` ('../../'), `base` ('../..'), `title`, `canonical`.
    """
    if _BODY_START not in html or _BODY_END not in html:
        fail("build.shell", "页面外壳中找不到内容区标记（site_config/overrides/main.html 被改动？）",
             "content markers missing from the shell (was site_config/overrides/main.html changed?)",
             file="site_config/overrides/main.html")
    # Whitespace between lines is all the stub has to spare: one newline keeps inline spacing.
    html = "\n".join(line.strip() for line in html.splitlines() if line.strip())
    head, rest = html.split(_BODY_START, 1)
    _, tail = rest.split(_BODY_END, 1)
    # Placeholders, in the order they are searched for: (pattern, Jinja expression).
    subs = [
        (re.escape(f'href="{site_url}{SHELL_DIR}/"'), 'href="{{ canonical }}"'),
        (re.escape(f"#{_TITLE.lower()}"), "#ssj-main"),
        (re.escape(_TITLE), "{{ title }}"),
        (r'"\.\./', '"{{ root }}'),
        (r'"\.\."', '"{{ base }}"'),
        ("</head>", "{% block head %}{% endblock %}</head>"),
        ("</body>", "{% block scripts %}{% endblock %}</body>"),
    ]
    pattern = re.compile("|".join(f"({p})" for p, _ in subs))

    def template(text: str) -> str:
        out, pos = [], 0
        for m in pattern.finditer(text):
            out.append(_raw(text[pos:m.start()]))
            out.append(subs[m.lastindex - 1][1])
            pos = m.end()
        out.append(_raw(text[pos:]))
        return "".join(out)

    return template(head) + "{% block body %}{% endblock %}" + template(tail)
