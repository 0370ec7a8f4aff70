"""The `--registry` option of the analysis commands (stats, credit, progress, report), and loading for them."""

from __future__ import annotations

import sys
from pathlib import Path

from shuangsuiji.core.errors import fail, plural
from shuangsuiji.registry.load import Registry, load_registry


def add_registry_arg(p) -> None:
    p.add_argument("--registry", default="registries", metavar="DIR",
                   help="登记册目录（默认 registries）/ registry folder")


def load_for_report(path: str) -> Registry:
    """Load the registry; problems do not stop a report but are counted on stderr (figures may be incomplete)."""
    root = Path(path)
    if not (root / "departments.yaml").is_file():
        fail("usage.no-registry", f"不是登记册目录（缺少 departments.yaml）：{root}",
             f"not a registry folder (no departments.yaml): {root}",
             "用 --registry 指定登记册目录", "name the registry folder with --registry")
    reg, problems = load_registry(root)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        sys.stderr.write(f"注意：登记册有 {len(errors)} 个错误，出错的记录未计入，请先运行 ssj validate / "
                         f"note: the registry has {plural(len(errors), 'error')}; records in error are not counted "
                         "(run ssj validate)\n")
    return reg
