"""History at scale: a git repository with 10,000 registry files over 21 commits.

Measures the one-pass `git log --name-status -z`, a cold `history.collect` (every commit's
redacted diff computed), a warm one (all from the cache) and an incremental one after one
more commit (only LAST..HEAD). Run: python bench/bench_history.py [files]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import git
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from analysis_fixture import make_registry  # noqa: E402

from shuangsuiji.site import history  # noqa: E402


def _commit(repo: git.Repo, msg: str) -> None:
    repo.git.add("-A")
    repo.git.commit("-q", "-m", msg)


def main(n_files: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        reg = make_registry(root / "registries")
        repo = git.Repo.init(root)
        repo.config_writer().set_value("user", "name", "bench").set_value("user", "email", "b@example.org").release()
        _commit(repo, "registry")
        template = yaml.safe_load((reg / "scjgj" / "tasks" / "scjgj-2024-2.yaml").read_text(encoding="utf-8"))
        per_commit = n_files // 20
        made = 0
        for c in range(20):
            for i in range(per_commit):
                tid = f"scjgj-bench-{made:05d}"
                doc = dict(template, id=tid, seq=made + 100, title=f"基准任务{made}")
                (reg / "scjgj" / "tasks" / f"{tid}.yaml").write_text(
                    yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
                made += 1
            _commit(repo, f"tasks batch {c}")
        files = len(repo.git.ls_files().splitlines())

        t = time.perf_counter()
        repo.git.log("--name-status", "-z", "--no-renames", "--format=%x1e%H %ct", "--", "registries")
        one_pass = time.perf_counter() - t

        cache = root / "cache"
        t = time.perf_counter()
        cold = history.collect(root, "registries", cache)
        t_cold = time.perf_counter() - t
        t = time.perf_counter()
        warm = history.collect(root, "registries", cache)
        t_warm = time.perf_counter() - t
        for i in range(0, 100):
            p = reg / "scjgj" / "tasks" / f"scjgj-bench-{i:05d}.yaml"
            p.write_text(p.read_text(encoding="utf-8").replace("基准任务", "已调整基准任务"), encoding="utf-8")
        _commit(repo, "edit 100 tasks")
        t = time.perf_counter()
        inc = history.collect(root, "registries", cache)
        t_inc = time.perf_counter() - t
        revisions = sum(len(v) for v in inc.revisions.values())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"files in repo: {files}, commits: {len(inc.changelog())}, revisions: {revisions}")
        print(f"git log --name-status -z one pass: {one_pass:.2f} s")
        print(f"collect cold: {t_cold:.1f} s ({cold.computed} commits computed)")
        print(f"collect warm: {t_warm:.2f} s ({warm.computed} computed)")
        print(f"collect after 1 commit touching 100 files: {t_inc:.2f} s ({inc.computed} computed)")
        print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
