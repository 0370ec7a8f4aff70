"""Stage — write: build into a temporary folder beside the site, swap it in only when complete.

A failed build (bad registry, leak found, crash) leaves the previous site untouched:
nothing is written under `site/` until the whole new tree exists.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A fresh folder next to `out` (same file system, so the swap is a rename); removed on failure."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def swap_in(staging: Path, out: Path) -> None:
    """Replace `out` by the finished `staging` tree: two renames, then the old tree is removed."""
    out = out.resolve()
    os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a web server must read it
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.rename(out, old / "site")
    os.rename(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
