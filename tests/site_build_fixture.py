"""A small registry with one real double-random draw, and its site, built once per test session
(the `example_site` fixture of conftest.py).

The registry is the synthetic `tiny` scale; one task is switched to 双随机 and drawn with
the real `ssj draw freeze` / `ssj draw run` commands, so task pages carry a draw record.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from shuangsuiji.cli import main as ssj
from shuangsuiji.synth.example import SCALES, generate

TASK = "SCJGJ-2026-001"
EVIL = "王<script>alert(1)</script>"  # a witness name that must stay text
STAMP = "2026-06-30 12:00"  # the build time of the shared site


@dataclass(frozen=True)
class ExampleSite:
    registry: Path
    out: Path  # the built site; its cache is out.parent / ".ssj-cache"
    stats: object  # build.BuildStats


def build_example(base: Path) -> ExampleSite:
    """The registry below, and its site built as `ssj build` builds it. Tests read both, never change them."""
    from shuangsuiji.site.build import build

    registry = make_registry(base / "registries")
    out = base / "site"
    return ExampleSite(registry, out, build(registry, out, jobs=2, build_time=STAMP))


def make_registry(root: Path) -> Path:
    generate(root, SCALES["tiny"], jobs=1)
    task = root / "scjgj" / "tasks" / f"{TASK}.yaml"
    text = task.read_text(encoding="utf-8").replace("mode: 单随机-人员", "mode: 双随机")
    task.write_text(re.sub(r"fixed_targets:\n(- .*\n)+", "", text), encoding="utf-8")
    (root / "scjgj" / "results" / f"{TASK}.yaml").unlink()  # its results named the fixed targets
    assert ssj(["draw", "freeze", "--registry", str(root), TASK]) == 0
    folder = root / "scjgj" / "draws" / TASK
    (folder / "sources.yaml").write_text(f'task: {TASK}\nsources:\n- kind: dice\n  value: "31415926535897932384"\n',
                                         encoding="utf-8")
    (folder / "ceremony.yaml").write_text(
        f"ran_by: 临沂市市场监督管理局\nran_at: 2026-02-27T10:00:00+08:00\nwitnesses:\n- name: {EVIL}\n"
        "  role: 社会第三方\n", encoding="utf-8")
    assert ssj(["draw", "run", "--registry", str(root), TASK]) == 0
    return root


def copy_registry(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def assert_same_files(a: Path, a_files: list[Path], b: Path, b_files: list[Path]) -> None:
    """Two writes' files: the same paths under their folders `a` and `b`, in order, byte for byte."""
    assert [p.relative_to(a) for p in a_files] == [p.relative_to(b) for p in b_files]
    for x, y in zip(a_files, b_files):
        assert x.read_bytes() == y.read_bytes(), x
