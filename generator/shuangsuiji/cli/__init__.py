"""The `ssj` command: one module per sub-command, each with `register(subparsers)`.

A sub-command module adds its parser and sets `func` to a callable taking the parsed
arguments and returning the exit status. Bad input raises `UserError` (exit 2).
Only the module of the sub-command being run is imported, so `ssj --help` stays fast;
the one-line help of every sub-command is in `COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from shuangsuiji import __version__
from shuangsuiji.core.errors import UserError

# Sub-commands in the order `ssj --help` lists them: (name, module in shuangsuiji.cli, one-line help).
COMMANDS = (
    ("validate", "validate_cmd", "校验登记册 / validate the registry"),
    ("schema", "schema_cmd", "生成 JSON Schema / write the JSON Schemas into registries/schema/"),
    ("draw", "draw_cmd", "可复核的双随机抽取 / verifiable double-random draw"),
    ("verify", "verify_cmd", "复核抽取 / verify draws (PASS/FAIL)"),
    ("tasks", "tasks_cmd", "抽查任务工具 / task tools"),
    ("synth", "synth_cmd", "生成示例或压力测试登记册 / write the example or a scale registry"),
    ("stats", "stats_cmd", "统计分析 / statistics"),
    ("credit", "credit_cmd", "信用联动 / credit linkage"),
    ("progress", "progress_cmd", "工作进度 / supervision dashboard"),
    ("report", "report_cmd", "分析报告：重复检查、风险预警 / analysis reports"),
    ("template", "template_cmd", "生成 Excel 填报模板（可含部门现有数据） / write an Excel template of an annex"),
    ("import", "import_cmd", "导入 Excel 模板（按编号合并） / import a filled Excel template (merged by id)"),
    ("codeowners", "codeowners_cmd", "由部门名单生成 CODEOWNERS / generate CODEOWNERS from departments.yaml"),
    ("audit-leaks", "audit_cmd", "泄露审计 / scan the built site for private values"),
    ("export-public", "export_cmd", "公开镜像仓库 / public git mirror of the registry"),
    ("build", "build_cmd", "生成公开网站 / build the public site"),
    ("serve", "serve_cmd", "本地预览网站 / preview the site locally"),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage mistakes: Chinese first, exit 2, no traceback
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: 命令行参数错误 / usage error: {message}\n")
        raise SystemExit(2)


def _command_of(argv: list[str]) -> str | None:
    """The sub-command argv names; None when the top-level help comes first (`ssj -h validate`)."""
    for a in argv:  # `ssj` has no option taking a value
        if a in ("-h", "--help"):
            return None
        if not a.startswith("-"):
            return a
    return None


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser for argv: the named sub-command's module adds its own; the others are listed by name and help."""
    chosen = _command_of(argv)
    parser = _Parser(prog="ssj", description="双随机、一公开：登记册校验、可复核抽取与公开网站生成")
    parser.add_argument("--version", action="version", version=f"ssj {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module, help in COMMANDS:
        if name == chosen:
            importlib.import_module(f"shuangsuiji.cli.{module}").register(sub)
        else:
            sub.add_parser(name, help=help)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)  # a bad value (a date) is a UserError, reported like any other
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except UserError as e:
        for p in e.problems:
            sys.stderr.write(p.text() + "\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("已中断 / interrupted\n")
        return 130


def entry() -> None:
    """`ssj` as a command: `main`, then out at once, without Python freeing every object first (a
    build leaves a city's millions of records, `build(keep=…)`; the system frees the process whole)."""
    code = main()
    for stream in (sys.stdout, sys.stderr):  # os._exit would drop what is still buffered
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a reader that left (`| head`), or a closed stream
            pass
    os._exit(code)
