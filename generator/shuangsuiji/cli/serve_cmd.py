"""`ssj serve`: preview the site on localhost and rebuild when the registry or templates change.

Changes are found by polling modification times (no extra dependency, works everywhere);
a failed rebuild prints its problems and keeps serving the last good site.
"""

from __future__ import annotations

import http.server
import re
import sys
import threading
import time
from pathlib import Path

from shuangsuiji.core.errors import UserError


def register(sub):
    p = sub.add_parser("serve",
                       description="生成网站并在本机提供预览；登记册、说明页面或模板改动后自动重新生成。")
    p.add_argument("--registry", default="registries", help="登记册目录 / registry folder")
    p.add_argument("--out", default="site", help="输出目录 / output folder")
    p.add_argument("--port", type=int, default=8000, help="端口（默认 8000）/ port")
    p.add_argument("--interval", type=float, default=1.0, help="检查改动的间隔秒数 / polling interval")
    p.set_defaults(func=run)


def snapshot(roots: list[Path]) -> dict[str, float]:
    """Modification time of every file under the watched folders."""
    out = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for p in files:
            if p.is_file() and ".git" not in p.parts:
                out[str(p)] = p.stat().st_mtime
    return out


def _rebuild(registry: Path, out: Path) -> None:
    from shuangsuiji.site.build import build

    try:
        # one process: the server's threads run meanwhile, and a fork copies whatever lock one holds
        sys.stdout.write(build(registry, out, jobs=1).line() + "\n")
    except UserError as e:
        for p in e.problems:
            sys.stderr.write(p.text() + "\n")
        sys.stderr.write("生成失败，继续提供上一次的网站 / build failed; serving the previous site\n")


_PREFIX = re.compile(r'(?:href|src)="([^"]*/)assets/')


def not_found_page(site_dir: Path) -> bytes | None:
    """The site's 404 page as the preview serves it: at the site root, not under the base URL's path.

    MkDocs writes the 404 page's links absolute, from `site.base_url` (`/ssj/assets/…`), so that
    it works at any depth of the published site; the preview serves the site at `/`.
    """
    page = site_dir / "404.html"
    if not page.is_file():
        return None
    text = page.read_text(encoding="utf-8")
    m = _PREFIX.search(text)
    if m and m.group(1).startswith("/") and m.group(1) != "/":
        text = text.replace(f'"{m.group(1)}', '"/')  # attributes and the theme's "base" setting
    return text.encode("utf-8")


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves whatever `server.site_dir` holds now (it is swapped on rebuild); a missing path gets the site's 404 page."""

    def translate_path(self, path):
        self.directory = str(self.server.site_dir)
        return super().translate_path(path)

    def send_error(self, code, message=None, explain=None):
        body = not_found_page(Path(self.server.site_dir)) if code == 404 else None
        if body is None:
            return super().send_error(code, message, explain)
        self.send_response(404, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the browser moved on
                pass

    def log_message(self, fmt, *args):
        pass


def make_server(site_dir: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """The preview server on 127.0.0.1 (port 0: any free port), not yet serving."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.site_dir = Path(site_dir).resolve()
    return server


def run(args) -> int:
    from shuangsuiji.site.build import project_for

    registry, out = Path(args.registry), Path(args.out)
    project = project_for(registry)
    watched = [registry, project / "content", project / "site_config", project / "mkdocs.yml"]
    _rebuild(registry, out)
    server = make_server(out, args.port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdout.write(f"预览地址 / preview: http://127.0.0.1:{server.server_address[1]}/ （Ctrl-C 退出）\n")
    seen = snapshot(watched)
    try:
        while True:
            time.sleep(args.interval)
            now = snapshot(watched)
            if now != seen:
                seen = now
                _rebuild(registry, out)
    finally:
        server.shutdown()
