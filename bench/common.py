"""Helpers shared by the bench scripts: a synthetic registry per scale, timed commands."""

from __future__ import annotations

import os
import resource
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


def run_ssj(*args: str, check: bool = True) -> tuple[float, float, int]:
    """Run `ssj ARGS` in a fresh process: (wall seconds, peak RSS of the largest process in MB, exit status)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "shuangsuiji", *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if check and proc.returncode not in (0, 1):
        raise SystemExit(f"ssj {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, max(peak, before) / 1024, proc.returncode
