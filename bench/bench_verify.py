"""Benchmark of `ssj verify`'s recomputation at registry scale, beside a bare HMAC loop.

    python bench/bench_verify.py [--candidates 1000000] [--inspectors 3000] [--ratio 0.05]

A draw is frozen and run and its files written as `ssj draw freeze/run` write them; then
the auditor's work is timed as `ssj verify` does it: read and check the canonical tables
(byte-exact), rebuild the manifest and C, the seed, every ticket, every stratum's
selection and reserve, the whole matching (150 million pair tickets, in worker processes)
and the record's ranked(x) prefixes, and compare the record field by field. Then the
public verifier (`ssj verify --public`) on the record alone. Wall and CPU time (with the
worker processes) beside 1,000,000 bare `hmac.digest` in the same run.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_draw import SOURCES, Clock, MemoryWatch, bare_loop, rss_mb, synth  # noqa: E402
from shuangsuiji.draw import freeze, run  # noqa: E402
from shuangsuiji.draw.canon import canonical_table  # noqa: E402
from shuangsuiji.draw.wiring.folder import TABLES, build_record, frozen_from_bytes, record_bytes  # noqa: E402
from shuangsuiji.draw.verifier import compare, public_checks  # noqa: E402
from shuangsuiji.registry.models.draw import Ceremony, SourcesFile  # noqa: E402

SOURCES_FILE = SourcesFile(task="BENCH-2026-001", sources=[{"kind": k, "value": v} for k, v in SOURCES])
CEREMONY = Ceremony(ran_by="bench", ran_at=datetime(2026, 3, 1, tzinfo=timezone.utc))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=1_000_000)
    ap.add_argument("--inspectors", type=int, default=3000)
    ap.add_argument("--ratio", default="0.05")
    ap.add_argument("--public", action="store_true", help="also time the public verifier (another matching run)")
    args = ap.parse_args(argv)

    inp = synth(args.candidates, args.inspectors, args.ratio)
    ids = [c[0] for c in inp.candidates]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        frozen = freeze(inp)
        for name, rows in zip(TABLES, (frozen.input.candidates, frozen.input.inspectors, frozen.input.conflicts)):
            (folder / f"{name}.tsv").write_bytes(canonical_table(rows, name))
        (folder / "manifest.json").write_bytes(frozen.manifest_json)
        (folder / "record.json").write_bytes(record_bytes(build_record(run(frozen, SOURCES), SOURCES_FILE, CEREMONY,
                                                                       None, [])))
        del frozen, inp
        gc.collect()
        base_rss = rss_mb()
        bare = bare_loop(ids, "BENCH-2026-001", 1)
        del ids
        print(f"bare loop {args.candidates:,} hmac.digest: {bare.text()} "
              f"({bare.wall / args.candidates * 1e6:.2f} µs each)")

        watch = MemoryWatch()
        watch.start()
        c = Clock.start()
        recorded = json.loads((folder / "record.json").read_bytes())
        tables = {n: (folder / f"{n}.tsv").read_bytes() for n in TABLES}
        again, diffs = frozen_from_bytes((folder / "manifest.json").read_bytes(), tables)
        del tables
        result = run(again, SOURCES)
        mine = build_record(result, SOURCES_FILE, CEREMONY, None, [])
        checks = [compare(key, recorded.get(key), mine.get(key), path=key) for key in sorted(set(recorded) | set(mine))]
        verdict = "PASS" if not diffs and all(ch.status == "PASS" for ch in checks) else "FAIL"
        audit = c.stop()
        n_sel = len(result.initial.order)
        print(f"verify (auditor) {args.candidates:,} candidates: tables → C → seed → tickets → selection, reserve → "
              f"matching {n_sel:,} × {args.inspectors:,} → ranked(x) prefixes → record compared field by field: "
              f"{audit.text(bare)}; {verdict}; peak memory {watch.stop():.0f} MB (RSS + workers' private memory; "
              f"before: {base_rss:.0f} MB)")
        del result, mine, again
        if args.public:
            public = {k: v for k, v in recorded.items() if k != "private"}
            watch = MemoryWatch()
            watch.start()
            c = Clock.start()
            checks = public_checks(public)
            pub = c.stop()
            verdict = "FAIL" if any(ch.status == "FAIL" for ch in checks) else "PASS"
            print(f"verify --public (record alone: seed, {n_sel:,} tickets, conflicts from the prefixes, matching, "
                  f"ranked(x) prefixes): {pub.text(bare)}; {verdict}; peak memory {watch.stop():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
