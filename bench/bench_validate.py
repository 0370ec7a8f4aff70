"""Cold and warm `ssj validate` on a synthetic registry (default: city scale).

Goal (issue 2): cold under 60 s and 2 GB on 2 cores; under 5 s when nothing changed.
Usage: python bench/bench_validate.py [city|province|example]
"""

from __future__ import annotations

import shutil
import sys

from common import registry, run_ssj


def main(scale: str = "city") -> None:
    root = registry(scale)
    files = sum(1 for p in root.rglob("*") if p.is_file() and ".ssj-cache" not in p.parts)
    shutil.rmtree(root / ".ssj-cache", ignore_errors=True)
    cold, cold_mem, status = run_ssj("validate", str(root))
    warm, warm_mem, _ = run_ssj("validate", str(root))
    print(f"validate {scale} ({files} files): cold {cold:.1f} s (peak RSS {cold_mem:.0f} MB), "
          f"warm {warm:.1f} s (peak RSS {warm_mem:.0f} MB), exit {status}")


if __name__ == "__main__":
    main(*sys.argv[1:])
