"""The import contract: the package's layers, read from every module's imports (lazy ones too).

core ← registry ← draw ← analysis ← privacy ← site ← synth ← cli: a module imports only its own
layer and the layers below it. The pure `ssj-draw/1` algorithm (`draw`, outside `draw.wiring`)
imports only `core`. The site's stages get records from the privacy layer's `PublicRegistry` only:
no site module but the build itself (which runs load and validate) and history (which reads and
redacts past revisions) imports the registry's loader, validator or revisions. No two modules
import each other, directly or round a loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import shuangsuiji

LAYERS = ("core", "registry", "draw", "analysis", "privacy", "site", "synth", "cli")
RAW_RECORDS = ("shuangsuiji.registry.load", "shuangsuiji.registry.validate", "shuangsuiji.registry.revisions")
SITE_READERS_OF_RAW_RECORDS = ("shuangsuiji.site.build", "shuangsuiji.site.history")
PKG = Path(shuangsuiji.__file__).parent


def modules(pkg: Path) -> dict[str, Path]:
    """{dotted name: file} of every module of the package (a package by its __init__)."""
    out = {}
    for f in sorted(pkg.rglob("*.py")):
        parts = list(f.relative_to(pkg.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = f
    return out


def imports(name: str, file: Path, known: dict[str, Path]) -> set[str]:
    """The project modules a module imports anywhere in its body; `from p import m` counts as p.m."""
    is_pkg = file.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[:len(name.split(".")) + is_pkg - node.level]
                mod = ".".join(base + [node.module] if node.module else base)
            else:
                mod = node.module
            out.update(f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names)
    return {m for m in out if m == "shuangsuiji" or m.startswith("shuangsuiji.")}


def layer(name: str) -> str | None:
    """The layer of a module, or None for the package root (`__init__`, `__main__`)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def is_pure_draw(name: str) -> bool:
    return layer(name) == "draw" and not name.startswith("shuangsuiji.draw.wiring")


def violations(pkg: Path) -> list[str]:
    known = modules(pkg)
    out = []
    for name, file in known.items():
        if layer(name) is None and name not in ("shuangsuiji", "shuangsuiji.__main__"):
            out.append(f"{name}: loose in the package root; put it in one of {LAYERS}")
        for target in sorted(imports(name, file, known)):
            mine, theirs = layer(name), layer(target)
            if mine is None or theirs is None:
                continue  # the root's __version__, and __main__ starting the CLI
            if LAYERS.index(theirs) > LAYERS.index(mine):
                out.append(f"{name} imports {target}: {mine} may not import the {theirs} layer above it")
            elif is_pure_draw(name) and not is_pure_draw(target) and theirs != "core":
                out.append(f"{name} imports {target}: the pure draw algorithm imports only core "
                           f"(registry wiring belongs in shuangsuiji.draw.wiring)")
            elif mine == "site" and target in RAW_RECORDS and name not in SITE_READERS_OF_RAW_RECORDS:
                out.append(f"{name} imports {target}: a site stage takes records from the PublicRegistry only")
    return out


def cycles(pkg: Path) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    known = modules(pkg)
    graph = {n: sorted(t for t in imports(n, f, known) if t in known and t != n) for n, f in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_every_layer_exists_and_holds_modules():
    known = modules(PKG)
    assert len(known) > 60
    for name in LAYERS:
        assert f"shuangsuiji.{name}" in known
        assert any(layer(m) == name and m != f"shuangsuiji.{name}" for m in known), name


def test_the_reader_sees_lazy_and_relative_imports(tmp_path):
    pkg = tmp_path / "shuangsuiji"
    (pkg / "core").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "__init__.py").write_text("from . import a\n")
    (pkg / "core" / "a.py").write_text("def f():\n    from shuangsuiji.site import b\n")
    (pkg / "site").mkdir()
    (pkg / "site" / "__init__.py").write_text("")
    (pkg / "site" / "b.py").write_text("from ..core.a import f\nimport shuangsuiji.registry.load\n")
    (pkg / "registry").mkdir()
    (pkg / "registry" / "__init__.py").write_text("")
    (pkg / "registry" / "load.py").write_text("")
    (pkg / "draw").mkdir()
    (pkg / "draw" / "__init__.py").write_text("from shuangsuiji.registry import load\n")
    known = modules(pkg)
    assert imports("shuangsuiji.core", known["shuangsuiji.core"], known) == {"shuangsuiji.core.a"}
    assert imports("shuangsuiji.core.a", known["shuangsuiji.core.a"], known) == {"shuangsuiji.site.b"}
    assert imports("shuangsuiji.site.b", known["shuangsuiji.site.b"], known) == {"shuangsuiji.core.a",
                                                                                 "shuangsuiji.registry.load"}
    assert violations(pkg) == [
        "shuangsuiji.core.a imports shuangsuiji.site.b: core may not import the site layer above it",
        "shuangsuiji.draw imports shuangsuiji.registry.load: the pure draw algorithm imports only core "
        "(registry wiring belongs in shuangsuiji.draw.wiring)",
        "shuangsuiji.site.b imports shuangsuiji.registry.load: a site stage takes records from the PublicRegistry "
        "only"]
    assert cycles(pkg) == [["shuangsuiji.core.a", "shuangsuiji.site.b"]]


@pytest.mark.parametrize("check", [violations, cycles], ids=["layers", "cycles"])
def test_the_package_keeps_its_import_contract(check):
    assert check(PKG) == []
