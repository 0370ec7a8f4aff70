"""Benchmark of `ssj verify`'s recomputation at registry scale, beside a bare HMAC loop.

    python bench/bench_verify.py [--candidates 1000000] [--inspectors 3000] [--ratio 0.05]

A draw is frozen and run, its files written as `ssj draw freeze/run` write them; then
the verifier's work is timed: read and check the canonical tables (byte-exact), rebuild
the manifest and C, the seed, every ticket, every stratum's selection and reserve, and
compare them with the record. Matching (T("pair") for each selected target × every
inspector) is timed on one stratum's selected targets and extrapolated, as in bench_draw.py.
"""

from __future__ import annotations

import argparse
import gc
import hmac
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_draw import rss_mb, synth  # noqa: E402
from shuangsuiji.draw import freeze, match, seed_for, select  # noqa: E402
from shuangsuiji.draw.canon import canonical_table, enc  # noqa: E402
from shuangsuiji.draw.folder import TABLES, frozen_from_bytes  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=1_000_000)
    ap.add_argument("--inspectors", type=int, default=3000)
    ap.add_argument("--ratio", default="0.05")
    args = ap.parse_args(argv)

    inp = synth(args.candidates, args.inspectors, args.ratio)
    sources = [("dice", "31415926535897932384")]
    frozen = freeze(inp)
    seed = seed_for(frozen.commitment, sources, frozen.input.seed_sources)
    selection = select(frozen, seed)
    recorded = {s.key: (s.selected, s.reserve) for s in selection.strata}  # what record.json's private part holds
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = {"candidates": frozen.input.candidates, "inspectors": frozen.input.inspectors,
                "conflicts": frozen.input.conflicts}
        for name in TABLES:
            (folder / f"{name}.tsv").write_bytes(canonical_table(rows[name], name))
        (folder / "manifest.json").write_bytes(frozen.manifest_json)
        del frozen, selection, rows, inp
        gc.collect()
        base_rss = rss_mb()

        ids = [line.split(b"\t", 1)[0].decode() for line in (folder / "candidates.tsv").read_bytes().splitlines()]
        t0 = time.perf_counter()
        prefix = enc("target", "BENCH-2026-001")
        bare = [hmac.digest(seed, prefix + enc(i), "sha256") for i in ids]
        bare_s = time.perf_counter() - t0
        per_hmac = bare_s / len(ids)
        del bare, ids
        print(f"bare loop {args.candidates} hmac.digest: {bare_s:.2f} s ({per_hmac * 1e6:.2f} µs each)")

        t0 = time.perf_counter()
        tables = {n: (folder / f"{n}.tsv").read_bytes() for n in TABLES}
        again, diffs = frozen_from_bytes((folder / "manifest.json").read_bytes(), tables)
        del tables
        seed2 = seed_for(again.commitment, sources, again.input.seed_sources)
        sel2 = select(again, seed2)
        same = not diffs and seed2 == seed and all(recorded[s.key] == (s.selected, s.reserve) for s in sel2.strata)
        verify_s = time.perf_counter() - t0
        print(f"verify {args.candidates} candidates (tables → C → seed → tickets → selection and reserve, "
              f"compared): {verify_s:.2f} s ({verify_s / bare_s:.2f}x bare loop), peak RSS {rss_mb():.0f} MB "
              f"(before: {base_rss:.0f} MB); {'PASS' if same else 'FAIL'}")

        from dataclasses import replace
        one = replace(sel2, strata=tuple(s for s in sel2.strata if s.selected)[:1])
        t0 = time.perf_counter()
        m = match(again, seed2, one) if one.strata else None
        match_s = time.perf_counter() - t0
        done = len(m.order) if m else 0
        pairs = done * args.inspectors
        total = len(sel2.selected)
        print(f"verify matching {done} targets x {args.inspectors} inspectors: {match_s:.2f} s "
              f"({match_s / max(pairs * per_hmac, 1e-9):.2f}x as many bare hmac.digest); all {total} targets ≈ "
              f"{match_s * total / max(done, 1):.0f} s; peak RSS {rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
