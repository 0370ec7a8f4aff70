"""Benchmark of the analysis stage at city scale (1,000,000 targets, 50,000 results): goal < 30 s.

    python bench/bench_stats.py [--dir /tmp/ssj-bench-city] [--scale city]

Generates the registry with `ssj synth --scale city` (kept in --dir and reused), then
times, in one process as `ssj stats` runs them: loading the registry, the facts and
every statistics table, the early-warning tests and the credit events. Wall-clock
seconds (loading uses all cores); the statistics also in CPU seconds of this process, which a
busy shared machine does not inflate.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from shuangsuiji.analysis import credit
from shuangsuiji.analysis import stats
from shuangsuiji.analysis import warning
from shuangsuiji.registry.load import load_registry


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/ssj-bench-city")
    ap.add_argument("--scale", default="city")
    args = ap.parse_args()
    root = Path(args.dir)
    if not (root / "departments.yaml").exists():
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "shuangsuiji", "synth", "--scale", args.scale, "--out", str(root)],
                       check=True)
        subprocess.run([sys.executable, "-m", "shuangsuiji", "synth", "results", "--registry", str(root)], check=True)
        print(f"synth {args.scale}: {time.perf_counter() - t:.1f} s (not counted)")
    t0 = time.perf_counter()
    reg, problems = load_registry(root)
    t1 = time.perf_counter()
    c1 = time.process_time()
    fs = stats.facts(reg)
    stats.compute(reg, internal=True, fact_list=fs)
    t2 = time.perf_counter()
    c2 = time.process_time()
    tests = warning.early_warnings(fs)
    t3 = time.perf_counter()
    events = credit.credit_events(reg, date(2026, 12, 31))
    t4 = time.perf_counter()
    n_cand = sum(len(stats.candidate_ids(d) or ()) for d in reg.draws.values())
    print(f"targets {len(reg.targets):,}  tasks {len(reg.tasks):,}  results {sum(1 for _ in reg.all_results()):,}  "
          f"published {len(fs):,}  candidate rows {n_cand:,}  load problems {len(problems)}")
    print(f"load {t1 - t0:.2f} s | stats (all tables) {t2 - t1:.2f} s ({c2 - c1:.2f} s CPU) | warnings ({len(tests)} tests) {t3 - t2:.2f} s"
          f" | credit ({len(events):,} events) {t4 - t3:.2f} s")
    total = t4 - t0
    print(f"total {total:.2f} s  (goal < 30 s: {'PASS' if total < 30 else 'FAIL'})")
    return 0 if total < 30 else 1


if __name__ == "__main__":
    sys.exit(main())
