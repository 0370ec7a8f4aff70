"""The `ssj` command: one module per sub-command, each with `register(subparsers)`.

A sub-command module adds its parser and sets `func` to a callable taking the parsed
arguments and returning the exit status. Bad input raises `UserError` (exit 2).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from shuangsuiji import __version__
from shuangsuiji.core.errors import UserError

# Sub-command modules, in the order `ssj --help` lists them.
COMMANDS = [
    "shuangsuiji.cli.validate_cmd",
    "shuangsuiji.cli.schema_cmd",
    "shuangsuiji.cli.draw_cmd",
    "shuangsuiji.cli.verify_cmd",
    "shuangsuiji.cli.tasks_cmd",
    "shuangsuiji.cli.synth_cmd",
    "shuangsuiji.cli.stats_cmd",
    "shuangsuiji.cli.credit_cmd",
    "shuangsuiji.cli.progress_cmd",
    "shuangsuiji.cli.report_cmd",
    "shuangsuiji.cli.template_cmd",
    "shuangsuiji.cli.import_cmd",
    "shuangsuiji.cli.codeowners_cmd",
    "shuangsuiji.cli.audit_cmd",
    "shuangsuiji.cli.export_cmd",
    "shuangsuiji.cli.build_cmd",
    "shuangsuiji.cli.serve_cmd",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage mistakes: Chinese first, exit 2, no traceback
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: 命令行参数错误 / usage error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ssj", description="双随机、一公开：登记册校验、可复核抽取与公开网站生成")
    parser.add_argument("--version", action="version", version=f"ssj {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        for p in e.problems:
            sys.stderr.write(p.text() + "\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("已中断 / interrupted\n")
        return 130
