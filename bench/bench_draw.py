"""Benchmark of `ssj-draw/1` at registry scale, against a bare loop of the same HMACs.

    python bench/bench_draw.py [--candidates 1000000] [--inspectors 3000] [--ratio 0.05]

Prints one line per stage. The target draw (freeze, seed, tickets, strata, reserves)
is compared with a bare loop of `hmac.digest` computing the same tickets. Matching
needs T("pair", x, i) for every selected target x and every inspector i
(50,000 × 3,000 = 150 million tickets at the default size): it is timed on its own,
compared with the same number of bare `hmac.digest` calls (extrapolated).
Times are CPU seconds of this process (time.process_time), so that other work on a
shared machine does not blur the comparison; each stage is the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import gc
import hmac
import random
import resource
import sys
import time

from shuangsuiji.draw import DrawInput, Ranker, Selection, Stratum, freeze, match, seed_for, select
from shuangsuiji.draw.canon import enc

_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=1_000_000)
    ap.add_argument("--inspectors", type=int, default=3000)
    ap.add_argument("--ratio", default="0.05")
    ap.add_argument("--match-targets", type=int, default=None,
                    help="match only this many selected targets and extrapolate (default: all)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs of the bare loop and the draw")
    args = ap.parse_args(argv)

    inp = synth(args.candidates, args.inspectors, args.ratio)
    ids = [c[0] for c in inp.candidates]
    sources = [("dice", "31415926535897932384")]
    gc.collect()
    base_rss = rss_mb()

    # Bare loop: the same target tickets, one hmac.digest each (best of --repeat, like the draw).
    seed = bytes(range(32))
    prefix = enc("target", inp.task)
    bare_s = float("inf")
    for _ in range(args.repeat):
        t0 = time.process_time()
        bare = [hmac.digest(seed, prefix + len(b).to_bytes(4, "big") + b, "sha256") for b in map(str.encode, ids)]
        bare_s = min(bare_s, time.process_time() - t0)
        del bare
    per_hmac = bare_s / len(ids)
    print(f"bare loop {len(ids)} hmac.digest: {bare_s:.2f} s ({per_hmac * 1e6:.2f} µs each)")

    draw_s = float("inf")
    for _ in range(args.repeat):
        t0 = time.process_time()
        frozen = freeze(inp)
        seed = seed_for(frozen.commitment, sources, frozen.input.seed_sources)
        selection = select(frozen, seed)
        n_sel = sum(s.n for s in selection.strata)
        draw_s = min(draw_s, time.process_time() - t0)
    print(f"draw {len(ids)} candidates: {draw_s:.2f} s ({draw_s / bare_s:.2f}x bare loop), "
          f"peak RSS {rss_mb():.0f} MB (input alone {base_rss:.0f} MB); {n_sel} selected in "
          f"{len(selection.strata)} strata")

    ranker = Ranker(frozen, seed)
    todo = n_sel if args.match_targets is None else min(args.match_targets, n_sel)
    left, part = todo, []
    for s in selection.strata:  # the first `todo` selected targets (caps as for those only)
        part.append(Stratum(s.key, s.N, s.ratio, min(s.n, left), s.keys))
        left -= part[-1].n
    t0 = time.process_time()
    m = match(frozen, seed, Selection(tuple(part)), ranker)
    match_s = time.process_time() - t0
    pairs = todo * args.inspectors
    scale = n_sel / todo
    overflow = sum(1 for e in m.log if e[0] == "overflow")
    print(f"match {todo} targets x {args.inspectors} inspectors ({pairs} pair tickets): {match_s:.2f} s "
          f"({match_s / (pairs * per_hmac):.2f}x a bare loop of as many hmac.digest), "
          f"caps {dict(m.caps)}, {overflow} overflow, peak RSS {rss_mb():.0f} MB"
          + (f"; all {n_sel} targets ≈ {match_s * scale:.0f} s" if scale != 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
