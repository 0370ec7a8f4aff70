"""Measure `ssj audit-leaks` speed: a synthetic site of N MB (CJK pages, JSON, gzip'd index
shards) against a city-sized value set (names, addresses, phones, ID numbers).

    python bench/bench_audit.py [SITE_MB] [VALUES]
"""

from __future__ import annotations

import gzip
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from shuangsuiji.privacy.audit import Needles, audit_files, build_needles
from shuangsuiji.core.codes import make_id_number

HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
SURNAMES = HAN[::10]  # 300 first characters, as real surnames are few


def words(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(HAN) for _ in range(n))


def values(rng: random.Random, n: int) -> list[tuple[str, str, bool]]:
    out = []
    for i in range(n):
        k = i % 4
        if k == 0:
            out.append((rng.choice(SURNAMES) + words(rng, 2), "Result.persons", False))
        elif k == 1:
            out.append((f"临沂市兰山区{words(rng, 6)}{rng.randint(1, 999)}号", "Target.address", False))
        elif k == 2:
            out.append((f"13{rng.randint(0, 999999999):09d}", "Target.phone", False))
        else:
            out.append((make_id_number(f"371302{rng.randint(1950, 2005)}0101{rng.randint(0, 999):03d}"),
                        "Target.id_number", False))
    return out


def page(rng: random.Random, i: int) -> str:
    rows = "".join(f"<tr><td>{words(rng, 12)}有限公司</td><td>9137130{i:011d}</td><td>2026-0{1 + i % 9}-1{i % 10}</td>"
                   f"<td>{words(rng, 30)}，{words(rng, 20)}。</td></tr>\n" for _ in range(20))
    return f"<!doctype html><html><body><h1>{words(rng, 10)}</h1><table>{rows}</table></body></html>\n"


def make_site(root: Path, mb: int, rng: random.Random) -> None:
    size, i = 0, 0
    while size < mb * 1_000_000:
        d = root / "targets" / f"{i // 1000:03d}"
        d.mkdir(parents=True, exist_ok=True)
        text = page(rng, i)
        (d / f"{i}.html").write_text(text, encoding="utf-8")
        size += len(text.encode())
        if i % 10 == 0:
            data = json.dumps({"content": text}, ensure_ascii=False).encode()
            frag = root / "pagefind" / "fragment" / f"zh_{i}.pf_fragment"
            frag.parent.mkdir(parents=True, exist_ok=True)
            frag.write_bytes(gzip.compress(b"pagefind_dcd" + data))
            size += len(data)
        i += 1


def _cpu() -> float:
    """CPU seconds of this process and its finished children: comparable on a busy machine."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    mb = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        t = time.perf_counter()
        make_site(site, mb, rng)
        print(f"site {mb} MB written in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        needles: Needles = build_needles(values(rng, n))
        print(f"{len(needles)} values prepared in {time.perf_counter() - t:.1f} s")
        for jobs in (1, 2):
            t, cpu = time.perf_counter(), _cpu()
            leaks = audit_files(site, needles, jobs=jobs)
            dt, dcpu = time.perf_counter() - t, _cpu() - cpu
            print(f"jobs={jobs}: {dt:.1f} s, {mb / dt:.1f} MB/s uncompressed-equivalent "
                  f"(CPU {dcpu:.1f} s, {mb / dcpu:.1f} MB per CPU second), {len(leaks)} hits")


if __name__ == "__main__":
    main()
