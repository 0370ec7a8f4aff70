"""JSON Schema of every registry file kind, generated from the models.

Committed under `registries/schema/` and referenced from each YAML file's first
line (`# yaml-language-server: $schema=…`), so an editor checks a file while a
department types it. Each property carries its `x-visibility`.
"""

from __future__ import annotations

import json
from pathlib import Path

from shuangsuiji.registry.layout import SCHEMA_KINDS
from shuangsuiji.core.yamlio import atomic_write_text

SCHEMA_DIR = "schema"


def schema_for(kind) -> dict:
    schema = kind.model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{kind.name}.schema.json"
    schema.setdefault("title", kind.title)
    schema["description"] = f"{kind.title}（{kind.pattern.pattern}）"
    if kind.fmt == "csv":
        schema["description"] += "：CSV 每一行对应一个对象，列名即字段名，列表用 ';' 分隔"
    return schema


def render_schemas() -> dict[str, str]:
    return {f"{k.name}.schema.json": json.dumps(schema_for(k), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
            for k in SCHEMA_KINDS}


def write_schemas(registry_root: Path) -> list[Path]:
    out = []
    for name, text in render_schemas().items():
        path = registry_root / SCHEMA_DIR / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            atomic_write_text(path, text)
        out.append(path)
    return out


def stale_schemas(registry_root: Path) -> list[str]:
    """Schema files that differ from what the models say (someone changed a model without regenerating)."""
    return [name for name, text in render_schemas().items()
            if not (registry_root / SCHEMA_DIR / name).exists()
            or (registry_root / SCHEMA_DIR / name).read_text(encoding="utf-8") != text]
