"""Benchmark of the whole `ssj-draw/1` draw at registry scale, beside a bare loop of the same HMACs.

    python bench/bench_draw.py [--candidates 1000000] [--inspectors 3000] [--ratio 0.05]

Prints one line per stage, then the whole draw as `ssj draw run` does it: freeze, seed,
target tickets, strata and reserves, matching (T("pair", x, i) for every selected target
and every inspector: 50,000 × 3,000 = 150 million tickets, in worker processes), the
record's ranked(x) prefixes and the record's JSON. The bare loop is 1,000,000
`hmac.digest` computing the target tickets, run in the same process.
Each line gives wall time and CPU time (this process and its worker processes): on a
loaded machine wall time is blurred by other work, CPU time much less.
"""

from __future__ import annotations

import argparse
import gc
import hmac
import json
import random
import resource
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from shuangsuiji.draw import DrawInput, Ranker, freeze, match, seed_for, select
from shuangsuiji.draw.algorithm import PARALLEL_PAIRS, SHORTLIST
from shuangsuiji.draw.canon import enc
from shuangsuiji.draw.compute import strata_json, teams_json
from shuangsuiji.draw.verifier import record_ranked

_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SOURCES = [("dice", "31415926535897932384")]


def synth(n_candidates: int, n_inspectors: int, ratio: str) -> DrawInput:
    rnd = random.Random(20260101)
    ids: dict[str, None] = {}
    while len(ids) < n_candidates:
        ids["91" + "3713" + f"{rnd.randrange(100):02d}" + "".join(rnd.choices(_CHARS, k=10))] = None
    classes = ("A", "B", "C", "D")
    regions = [f"3713{k:02d}" for k in range(1, 21)]
    candidates = [(i, f"{rnd.choice(regions)}|{rnd.choice(classes)}") for i in ids]
    inspectors = [(f"SCJG-{k:05d}", "scjgj") for k in range(1, n_inspectors + 1)]
    some = rnd.sample(list(ids), 1000)
    conflicts = [(inspectors[rnd.randrange(n_inspectors)][0], t) for t in some]
    return DrawInput(task="BENCH-2026-001", candidates=candidates, inspectors=inspectors, conflicts=conflicts,
                     ratios={f"{r}|{c}": ratio for r in regions for c in classes}, slots=["scjgj", "scjgj"],
                     seed_sources=["dice"])


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _kb(path: str, *fields: str) -> int:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:  # the process has just ended
        return 0
    return sum(int(line.split()[1]) for line in lines if line.split(":")[0] in fields)


class MemoryWatch(threading.Thread):
    """Peak of this process's RSS plus its worker processes' private memory, sampled every 0.2 s.

    Forked workers share this process's pages; their RSS counts those again, their private
    memory (smaps_rollup Private_*) does not: this sum is what the machine really holds.
    """

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            kids = [pid for t in Path("/proc/self/task").iterdir()
                    for pid in (t / "children").read_text().split()]
            total = _kb("/proc/self/status", "VmRSS") + sum(
                _kb(f"/proc/{pid}/smaps_rollup", "Private_Clean", "Private_Dirty") for pid in kids)
            self.peak_kb = max(self.peak_kb, total)

    def stop(self) -> float:
        self.done.set()
        self.join()
        return max(self.peak_kb / 1024, rss_mb())


def cpu() -> float:
    """CPU seconds of this process and its finished worker processes."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Clock:
    """Wall and CPU seconds since start."""

    wall: float = 0.0
    cpu: float = 0.0

    @classmethod
    def start(cls) -> "Clock":
        return cls(time.perf_counter(), cpu())

    def stop(self) -> "Clock":
        return Clock(time.perf_counter() - self.wall, cpu() - self.cpu)

    def text(self, bare: "Clock | None" = None) -> str:
        ratio = f" = {self.wall / bare.wall:.2f}x / {self.cpu / bare.cpu:.2f}x bare" if bare else ""
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU{ratio}"


def bare_loop(ids: list[str], task: str, repeat: int) -> Clock:
    """1 hmac.digest per candidate: the same target tickets, the best of `repeat` runs."""
    seed = bytes(range(32))
    prefix = enc("target", task)
    best = None
    for _ in range(repeat):
        c = Clock.start()
        bare = [hmac.digest(seed, prefix + len(b).to_bytes(4, "big") + b, "sha256") for b in map(str.encode, ids)]
        c = c.stop()
        del bare
        best = c if best is None or c.wall < best.wall else best
    return best


def record_parts(frozen, seed, selection, matching, ranker) -> bytes:
    """What `ssj draw run` writes beyond the stages timed on their own: ranked(x) as published, the record's JSON."""
    ranked, margin = record_ranked(matching, ranker, len(frozen.input.slots))
    record = {"seed": seed.hex(), "order": list(matching.order), "caps": dict(matching.caps), "ranked": ranked,
              "ranked_prefix": margin, "initial_assignments": teams_json(matching),
              "tickets": {k[32:].decode(): k[:32].hex() for s in selection.strata for k in s.keys[:s.n]},
              "private": {"strata": strata_json(selection)}}
    return (json.dumps(record, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=1_000_000)
    ap.add_argument("--inspectors", type=int, default=3000)
    ap.add_argument("--ratio", default="0.05")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs of the bare loop and target draw")
    args = ap.parse_args(argv)

    inp = synth(args.candidates, args.inspectors, args.ratio)
    ids = [c[0] for c in inp.candidates]
    gc.collect()
    base_rss = rss_mb()
    bare = bare_loop(ids, inp.task, args.repeat)
    del ids
    print(f"bare loop {args.candidates:,} hmac.digest: {bare.text()} ({bare.wall / args.candidates * 1e6:.2f} µs each)")

    target = frozen = selection = None
    for _ in range(args.repeat):
        frozen = selection = None  # one draw in memory at a time, as in `ssj draw run`
        c = Clock.start()
        frozen = freeze(inp)
        seed = seed_for(frozen.commitment, SOURCES, frozen.input.seed_sources)
        selection = select(frozen, seed)
        c = c.stop()
        target = c if target is None or c.wall < target.wall else target
    n_sel = sum(s.n for s in selection.strata)
    print(f"target draw (freeze, C, seed, {args.candidates:,} tickets, {len(selection.strata)} strata, reserves): "
          f"{target.text(bare)}; {n_sel:,} selected")

    watch = MemoryWatch()
    watch.start()
    c = Clock.start()
    ranker = Ranker(frozen, seed)
    m = match(frozen, seed, selection, ranker)
    matched = c.stop()
    pairs = n_sel * args.inspectors
    whole = sum(1 for kept, exact in ranker._short.values() if exact == args.inspectors)
    per_bare = bare.wall / args.candidates
    print(f"matching {n_sel:,} targets × {args.inspectors:,} inspectors ({pairs / 1e6:.0f} M pair tickets, "
          f"short lists of ~{SHORTLIST} in worker processes from {PARALLEL_PAIRS:,} pairs): {matched.text()} "
          f"= {matched.wall / (pairs * per_bare):.2f}x wall of {pairs / 1e6:.0f} M bare hmac.digest on one core "
          f"(extrapolated); {whole} targets needed their whole order; caps {dict(m.caps)}, "
          f"{sum(1 for e in m.log if e[0] == 'overflow')} overflow")

    c = Clock.start()
    data = record_parts(frozen, seed, selection, m, ranker)
    rec = c.stop()
    print(f"record (ranked(x) prefixes, tickets, strata and reserves as JSON, {len(data) / 1e6:.0f} MB): {rec.text()}")
    total = Clock(target.wall + matched.wall + rec.wall, target.cpu + matched.cpu + rec.cpu)
    print(f"full draw {args.candidates:,} candidates: {total.text(bare)}; peak memory {watch.stop():.0f} MB "
          f"(RSS + workers' private memory; peak RSS of this process {rss_mb():.0f} MB, input alone "
          f"{base_rss:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
