"""Stage 0 — memo: a build whose every input equals the last successful build's writes nothing.

The inputs: every registry file (its content address, as the loader keys its cache), the files
the site is made with (`content/`, `site_config/`, `mkdocs.yml`), this package's code and the
versions of the tools it runs, the revision draws are judged against, the last commit that
touched the registry (the history pages), an explicit build time. When they all equal the
last successful build's, and the site folder is as that build left it (every file's path,
size, modification time and inode: an edited or planted file makes a full build, audit
included), that site is the one this build would make, byte for byte, and is kept.

A build on the clock's time then keeps the previous build's time: nothing it shows changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from shuangsuiji.core.yamlio import atomic_write_bytes
from shuangsuiji.privacy.audit import site_stats

MEMO = "build.json"  # in the build's cache folder
TOOLS = ("mkdocs", "mkdocs-material", "pagefind-bin-extended", "feedgen", "jinja2", "openpyxl", "pydantic", "pyyaml",
         "markupsafe", "markdown", "pymdown-extensions")


@dataclass(frozen=True)
class Memo:
    inputs: str  # digest of every input (see the module docstring)
    tree: str  # digest of the site folder's listing when the build finished
    pages: int
    narrative: int
    files: int
    site_bytes: int


def _versions() -> list[str]:
    out = []
    for name in TOOLS:
        try:
            out.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}: absent")
    return out


def _folder(h: "hashlib._Hash", root: Path, under: Path) -> None:
    for p in sorted(root.rglob("*")) if root.is_dir() else [root] if root.is_file() else []:
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(under).as_posix().encode() + b"\0" + hashlib.sha1(p.read_bytes()).digest())


def inputs_digest(file_keys: dict[str, str], unknown: list[str], project: Path, code: str,
                  revisions: list[str | None], explicit_time: str | None) -> str:
    """One digest of everything a build's output depends on. `file_keys`: registry file → content
    address; `code`: the package's digest; `revisions`: the base commit and the registry's last
    commit (None outside git)."""
    h = hashlib.sha256()
    h.update(json.dumps([sorted(file_keys.items()), sorted(unknown), revisions, explicit_time, _versions()],
                        ensure_ascii=False).encode())
    for part in ("content", "site_config", "mkdocs.yml"):
        _folder(h, project / part, project)
    h.update(code.encode())
    return h.hexdigest()


def tree_digest(stats: dict[str, os.stat_result]) -> str:
    """Digest of a site folder's listing (`audit.site_stats`: path, size, modification time and
    inode of every file)."""
    h = hashlib.sha256()
    for rel, st in stats.items():
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def unchanged(cache: Path, inputs: str, out: Path) -> Memo | None:
    """The last build's memo when its inputs were `inputs` and `out` is still its site; else None."""
    try:
        memo = Memo(**json.loads((cache / MEMO).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if memo.inputs != inputs or not out.is_dir() or memo.tree != tree_digest(site_stats(out)):
        return None
    return memo


def remember(cache: Path, memo: Memo) -> None:
    atomic_write_bytes(cache / MEMO, json.dumps(asdict(memo), indent=1).encode())

