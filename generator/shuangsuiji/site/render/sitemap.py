"""Our sitemap: every page, in files of at most 50,000 URLs, under one sitemap index.

Written as pages stream by (no list of all URLs in memory); no lastmod, so two builds
of the same registry give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

LIMIT = 50_000
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


class SitemapWriter:
    def __init__(self, out: Path, site_url: str, limit: int = LIMIT):
        self.out, self.site_url, self.limit = out, site_url, limit
        self.files: list[str] = []
        self._fh = None
        self._count = 0

    def add(self, paths: list[str]) -> None:
        for p in paths:
            if p.endswith(".html") and not p.endswith("index.html"):
                continue  # 404.html and similar are not pages to list
            if self._fh is None or self._count >= self.limit:
                self._next()
            self._fh.write(f"<url><loc>{escape(self.site_url + p)}</loc></url>\n")
            self._count += 1

    def _next(self) -> None:
        self._close()
        name = f"sitemap-{len(self.files) + 1}.xml"
        self.files.append(name)
        self._fh = open(self.out / name, "w", encoding="utf-8")
        self._fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{_NS}">\n')
        self._count = 0

    def _close(self) -> None:
        if self._fh is not None:
            self._fh.write("</urlset>\n")
            self._fh.close()
            self._fh = None

    def close(self) -> Path:
        self._close()
        index = self.out / "sitemap.xml"
        body = "".join(f"<sitemap><loc>{escape(self.site_url + f)}</loc></sitemap>\n" for f in self.files)
        index.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{_NS}">\n{body}'
                         "</sitemapindex>\n", encoding="utf-8")
        return index
