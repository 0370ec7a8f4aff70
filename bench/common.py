"""Helpers shared by the bench scripts: a synthetic registry per scale, timed commands."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"


def registry(scale: str) -> Path:
    """The synthetic registry of a scale, generated once (deterministic) under bench/out/."""
    root = OUT / scale
    if not (root / "departments.yaml").exists():
        t = time.perf_counter()
        run_ssj("synth", "--scale", scale, "--out", str(root))
        print(f"synth {scale}: {time.perf_counter() - t:.1f} s", flush=True)
    return root


_WRAP = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]).returncode; "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r, file=sys.stderr)")


def run_ssj(*args: str, check: bool = True) -> tuple[float, float, int]:
    """Run `ssj ARGS` in a fresh process: (wall seconds, peak RSS of its largest process in MB, exit status).

    A small wrapper process runs it, so the peak is this run's alone, not the largest of every run so far."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAP, sys.executable, "-m", "shuangsuiji", *args],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    wall = time.perf_counter() - t
    peak_kb, status = proc.stderr.strip().splitlines()[-1].split()
    if check and int(status) not in (0, 1):
        raise SystemExit(f"ssj {' '.join(args)} failed ({status}):\n{proc.stderr[-2000:]}")
    return wall, int(peak_kb) / 1024, int(status)
