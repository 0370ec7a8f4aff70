"""`ssj draw …`: the verifiable draw. One action per sub-command.

Each action is an `(add_parser, run)` pair in ACTIONS; `freeze`, `run`, `recuse`,
`verify` and `beacon` (registry-backed) are added here beside `compute`.
"""

from __future__ import annotations

import sys

from shuangsuiji.cli.draw_registry import REGISTRY_ACTIONS


def _add_compute(actions):
    p = actions.add_parser(
        "compute", help="按 ssj-draw/1 计算交换格式的抽取结果 / compute a draw from interchange JSON",
        description="读取 INPUT.json，按 ssj-draw/1 计算，结果以 JSON 写到标准输出；不读写其他任何文件。 / "
                    "Reads INPUT.json, computes the draw, prints the result as JSON on stdout; touches nothing else.")
    p.add_argument("input", metavar="INPUT.json", help="交换格式输入 / interchange input")
    return p


def _run_compute(args) -> int:
    from shuangsuiji.draw.compute import compute_file

    out = compute_file(args.input)  # raises UserError before anything is written
    sys.stdout.buffer.write(out.encode("utf-8"))
    sys.stdout.flush()
    return 0


ACTIONS = [
    ("compute", _add_compute, _run_compute),
    *REGISTRY_ACTIONS,
]


def register(sub):
    p = sub.add_parser("draw")
    actions = p.add_subparsers(dest="draw_action", metavar="ACTION")
    for _name, add, action in ACTIONS:
        add(actions).set_defaults(func=action)

    def run(args) -> int:  # `ssj draw` without an action
        p.print_help(sys.stderr)
        return 2

    p.set_defaults(func=run)
