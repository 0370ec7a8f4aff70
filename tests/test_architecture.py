"""ARCHITECTURE.md cannot drift: it shows the build's stages in their order, names only modules
(and module attributes) that exist, and names every module."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import shuangsuiji
from shuangsuiji.site.build import STAGES

PKG = Path(shuangsuiji.__file__).parent
ROOT = PKG.parents[1]
DOC = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
TOKENS = re.findall(r"`([^`\n]+)`", DOC)
PATHS = {t for t in TOKENS if re.fullmatch(r"[\w-]+(?:/[\w.-]+)*(?:\.py|/)", t)}
MODULES = sorted(p.relative_to(PKG).as_posix() for p in PKG.rglob("*.py") if p.name != "__init__.py")


def test_the_pipeline_is_the_build_s_stage_list_in_order():
    pipeline = re.search(r"```\n(.+?)\n```", DOC).group(1)  # the first block of the document
    assert pipeline == " → ".join(STAGES)
    table = re.findall(r"^\| (\w+) \| `", DOC, re.M)
    assert table == list(STAGES)


def test_named_paths_exist():
    assert len(PATHS) > 50
    missing = [t for t in sorted(PATHS) if not (PKG / t).exists() and not (ROOT / t).exists()]
    assert missing == []


def test_named_module_attributes_exist():
    """`load.resolve_lines`, `models.base.Text`, …: the module (by the end of its dotted name) has it."""
    names = [m.removesuffix(".py").replace("/", ".") for m in MODULES if m != "__main__.py"]
    checked = []
    for t in TOKENS:
        ref = re.fullmatch(r"([a-z_]+(?:\.[a-z_]+)*)\.([A-Za-z_]\w*)(?:\(.*)?", t)
        if not ref:
            continue
        mods = [n for n in names if n == ref.group(1) or n.endswith("." + ref.group(1))]
        if mods:
            checked.append(t)
            assert any(hasattr(importlib.import_module(f"shuangsuiji.{m}"), ref.group(2)) for m in mods), t
    assert len(checked) > 10


def test_every_module_is_named():
    """By its path, or by the folder of a sub-package below its layer (`registry/models/`)."""
    def named(path: str) -> bool:
        parts = path.split("/")
        return path in PATHS or any("/".join(parts[:i]) + "/" in PATHS for i in range(2, len(parts)))
    assert len(MODULES) > 60
    assert [m for m in MODULES if not named(m)] == []
