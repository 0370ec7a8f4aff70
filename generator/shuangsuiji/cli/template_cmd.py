"""`ssj template KIND`: an Excel template of one of the plan's annexes (附件2–5)."""

from __future__ import annotations

from pathlib import Path

from shuangsuiji.registry.excel import TEMPLATES, template_bytes
from shuangsuiji.core.yamlio import atomic_write_bytes


def register(sub):
    kinds = "、".join(f"{k}（{t.title}）" for k, t in TEMPLATES.items())
    p = sub.add_parser("template",
                       description=f"生成填报模板：{kinds}。 / Write the Excel template of an annex.")
    p.add_argument("kind", choices=list(TEMPLATES), metavar="KIND", help=" | ".join(TEMPLATES))
    p.add_argument("--out", type=Path, help="输出文件（缺省为“附件N 名称.xlsx”） / output file")
    p.set_defaults(func=run)


def run(args) -> int:
    t = TEMPLATES[args.kind]
    out = args.out or Path(t.filename)
    atomic_write_bytes(out, template_bytes(args.kind))
    print(f"已生成 {t.title} 模板：{out} / template written: {out}")
    return 0
