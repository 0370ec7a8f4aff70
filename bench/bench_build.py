"""Measure `ssj build` as a department's workflow meets it: a cold build, the rebuild after one
changed results file, after one changed item list, and with nothing changed; each with wall
and CPU time, peak PSS summed over all its processes, site size and file count (per top
folder after the cold build), record pages/s, and MkDocs + Material on a sample of the same
pages as a reference.

    python bench/bench_build.py [SCALE ...]        (default: tiny city)

Goals (issue 14, city): rebuild after one results file < 20 s, nothing changed < 10 s, cold
< 3 min on 2 cores, peak PSS < 4 GB, site ≤ 700 MB and ≤ 150,000 files, ≥ 3,000 pages/s.

CPU time is user + system of the build and every process it waited for (workers, Pagefind);
the detached process after the swap (which removes the previous site's tree and keeps its
company folders, or after the cold build links a copy of them, for the next build) is not in it:
each build starts once the last one's detached process is done (the wait is printed). The MkDocs
reference builds SAMPLE record-like Markdown pages with this project's mkdocs.yml plus an
automatic nav of those pages, times it, and extrapolates linearly to the record page count
of the scale (stated in the output).
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import OUT, registry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "generator"))
from shuangsuiji.privacy.audit import site_sizes  # noqa: E402  (one walk of the site, as the build does)
from shuangsuiji.registry.models.config import SiteConfig  # noqa: E402
from shuangsuiji.site.render.shell import mkdocs_extra  # noqa: E402

SAMPLE = 500


def _tree_pss_kb(root: int) -> int:
    """PSS of `root` and all its descendants (from /proc), in kB."""
    parents: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    parents[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    tree, todo = {root}, [root]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in tree:
                tree.add(child)
                todo.append(child)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            pass
    return total


def ssj_build(reg: Path, out: Path) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak PSS MB, the build's last line) of one `ssj build`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "shuangsuiji", "build", "--registry", str(reg), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def watch() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_pss_kb(proc.pid))
            time.sleep(0.5)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"ssj build failed ({proc.returncode}):\n{stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak[0] / 1024, stdout.strip().splitlines()[-1]


def size_line(out: Path) -> tuple[str, list[str]]:
    """'N MB in M files' of the site, and one line per top folder, largest first."""
    sizes = site_sizes(out)
    tops: dict[str, list[int]] = {}
    for rel, n in sizes.items():
        top = rel.split("/", 1)[0] if "/" in rel else "(top-level files)"
        t = tops.setdefault(top, [0, 0])
        t[0] += n
        t[1] += 1
    rows = [f"{name:<20} {b / 1e6:9.1f} MB {files:9,d} files"
            for name, (b, files) in sorted(tops.items(), key=lambda kv: -kv[1][0])]
    return f"site {sum(sizes.values()) / 1e6:.0f} MB in {len(sizes):,d} files", rows


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
        site = SiteConfig.model_validate({}).model_dump(mode="json")  # the shell's footer, as the build gives it
        cfg["extra"].update(mkdocs_extra(site))
        t = time.perf_counter()
        build(cfg)
        return time.perf_counter() - t, n


_REMARKS = re.compile(r'("remarks": |remarks: )null')
_NAME = re.compile(r'(?m)^(\s*"name": "|\s*name: )([^"\n]+)')


def _edit(f: Path, pattern: re.Pattern, repl: str) -> bytes:
    """Change the first match of `pattern` in `f` (a real change of a record); returns the original bytes."""
    original = f.read_bytes()
    text, n = pattern.subn(repl, original.decode("utf-8"), count=1)
    if not n:
        raise SystemExit(f"bench: nothing to change in {f}")
    f.write_text(text, encoding="utf-8")
    return original


def _settle(out: Path) -> float:
    """Wait until the last build's detached process is done (its old tree removed, the company
    folders kept for the next build): builds a workflow runs are minutes apart, not back to back."""
    start = time.perf_counter()
    while time.perf_counter() - start < 300:
        if not list(out.parent.glob(f".{out.name}-old-*")) and (
                not (out / "targets").is_dir() or (out.parent / ".ssj-cache" / "spare" / "targets").is_dir()):
            break
        time.sleep(0.1)
    return time.perf_counter() - start


def bench(scale: str) -> None:
    reg = registry(scale)
    out = OUT / f"site-{scale}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(OUT / ".ssj-cache", ignore_errors=True)  # the build's caches
    shutil.rmtree(reg / ".ssj-cache", ignore_errors=True)  # the loader's: a cold build starts from nothing

    def run(what: str) -> tuple[str, list[str]]:
        settled = _settle(out)
        if settled > 0.5:
            print(f"[{scale}]   (waited {settled:.1f} s for the last build's detached process)", flush=True)
        wall, cpu, pss, line = ssj_build(reg, out)
        size, tops = size_line(out)
        m = re.search(r"(\d+) 个记录页面（新渲染 (\d+)，复用 (\d+)）", line)
        built = f"record pages: {m[1]}, rendered {m[2]}, reused {m[3]}"
        print(f"[{scale}] {what}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak PSS {pss:.0f} MB, {size}; {built}",
              flush=True)
        print(f"[{scale}]   stages: {line.split('；', 1)[-1]}", flush=True)
        return line, tops

    line, tops = run("cold build")
    print("\n".join(f"[{scale}]   {r}" for r in tops), flush=True)
    pages = int(re.search(r"(\d+) 个记录页面", line).group(1))
    render = float(re.search(r"render ([\d.]+)s", line).group(1))
    print(f"[{scale}]   {pages} record pages rendered in {render:.2f} s = {pages / render:.0f} pages/s "
          f"(2 processes, cold)", flush=True)
    results = sorted(f for f in reg.glob("*/results/*.yaml") if _REMARKS.search(f.read_text(encoding="utf-8")))
    items = sorted(reg.glob("*/items.yaml"))[0]
    originals = {}
    try:
        if results:
            originals[results[0]] = _edit(results[0], _REMARKS, r'\1"复查时已整改"')
            run(f"rebuild after one results file ({results[0].relative_to(reg)})")
        else:
            print(f"[{scale}] (no results file to change)", flush=True)
        originals[items] = _edit(items, _NAME, r"\1\2（调整）")
        run(f"rebuild after one item-list change ({items.relative_to(reg)})")
        run("rebuild with nothing changed")
    finally:
        for f, data in originals.items():
            f.write_bytes(data)
    sample = min(SAMPLE, pages)
    secs, n = mkdocs_reference(sample)
    rate = n / secs
    print(f"[{scale}] MkDocs + Material reference: {n} pages (automatic nav) in {secs:.1f} s = {rate:.0f} pages/s; "
          f"extrapolated to {pages} pages: {pages / rate:.0f} s (linear, a lower bound: the nav grows per page); "
          f"ssj render is {pages / render / rate:.1f}× faster", flush=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    for s in sys.argv[1:] or ["tiny", "city"]:
        bench(s)
