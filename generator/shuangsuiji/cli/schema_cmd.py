"""`ssj schema`: write the JSON Schemas of the registry files."""

from __future__ import annotations

from pathlib import Path

from shuangsuiji.registry.schema import write_schemas


def register(sub):
    p = sub.add_parser("schema")
    p.add_argument("--registry", default="registries", help="登记册目录 / registry folder (default: registries)")
    p.set_defaults(func=run)


def run(args) -> int:
    for path in write_schemas(Path(args.registry)):
        print(path)
    return 0
