"""Measure `ssj build`: full build, record pages/s, peak memory, site size, the rebuild after one
changed results file, and MkDocs + Material on a sample of the same pages as a reference.

    python bench/bench_build.py [SCALE ...]        (default: tiny city)

The MkDocs reference builds SAMPLE record-like Markdown pages with this project's mkdocs.yml
plus an automatic nav of those pages (what MkDocs would need to list records), times it, and
extrapolates linearly to the record page count of the scale (stated in the output).
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import OUT, registry

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = 500


def ssj_build(reg: Path, out: Path) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "shuangsuiji", "build", "--registry", str(reg), "--out", str(out)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"ssj build failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024, proc.stdout.strip().splitlines()[-1]


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def mkdocs_reference(n: int) -> tuple[float, int]:
    """Seconds MkDocs + Material take for `n` record-like pages with an automatic nav."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        shutil.copytree(ROOT / "content", docs)
        (docs / "targets").mkdir()
        for i in range(n):
            (docs / "targets" / f"T{i:06d}.md").write_text(
                f"# 临沂示例商贸有限公司{i}\n\n| 项目 | 内容 |\n|---|---|\n| 统一社会信用代码 | 91371302MA3C{i:06d} |\n"
                "| 检查结果 | 未发现问题 |\n\n## 检查结果\n\n- 2026-05-01 临沂市市场监督管理局 未发现问题\n",
                encoding="utf-8")
        cfg = load_config(str(ROOT / "mkdocs.yml"), docs_dir=str(docs), site_dir=str(Path(tmp) / "site"))
        cfg["nav"] = None  # automatic nav: every page listed on every page
        t = time.perf_counter()
        build(cfg)
        return time.perf_counter() - t, n


def bench(scale: str) -> None:
    reg = registry(scale)
    out = OUT / f"site-{scale}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(OUT / ".ssj-cache", ignore_errors=True)
    wall, peak, line = ssj_build(reg, out)
    pages = int(re.search(r"(\d+) 个记录页面", line).group(1))
    render = float(re.search(r"render ([\d.]+)s", line).group(1))
    print(f"[{scale}] full build: {wall:.1f} s wall, peak RSS {peak:.0f} MB, site {size_mb(out):.0f} MB, "
          f"{pages} record pages rendered in {render:.2f} s = {pages / render:.0f} pages/s (2 processes)")
    print(f"[{scale}]   stages: {line.split('；', 1)[-1]}")
    results = sorted(reg.glob("*/results/*.yaml"))
    if results:
        f = results[0]
        original = f.read_bytes()
        try:
            f.write_bytes(original + b"# bench: touched\n")
            wall2, peak2, line2 = ssj_build(reg, out)
        finally:
            f.write_bytes(original)
        print(f"[{scale}] rebuild after changing {f.relative_to(reg)}: {wall2:.1f} s wall, peak RSS {peak2:.0f} MB; "
              f"{line2.split('：', 1)[-1].split('，')[0]}")
    sample = min(SAMPLE, pages)
    secs, n = mkdocs_reference(sample)
    rate = n / secs
    print(f"[{scale}] MkDocs + Material reference: {n} pages (automatic nav) in {secs:.1f} s = {rate:.0f} pages/s; "
          f"extrapolated to {pages} pages: {pages / rate:.0f} s (linear, a lower bound: the nav grows per page)")


if __name__ == "__main__":
    os.chdir(ROOT)
    for s in sys.argv[1:] or ["tiny", "city"]:
        bench(s)
