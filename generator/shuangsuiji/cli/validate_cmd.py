"""`ssj validate [PATHS]`: check the registry and say precisely what to fix.

Exit 0 when clean, 1 when there are errors, 2 when the command itself is misused.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

from shuangsuiji.core.unitmemo import read_kept
from shuangsuiji.core.errors import Problem, Report, fail, problem
from shuangsuiji.cli.args import add_base_argument
from shuangsuiji.registry.immutability import base_commit, check_base
from shuangsuiji.registry.layout import discover
from shuangsuiji.registry.load import code_digest, file_key, load_registry, resolve_lines
from shuangsuiji.registry.schema import stale_schemas
from shuangsuiji.registry.validate import Context, validate
from shuangsuiji.core.yamlio import atomic_write_bytes, fix_encoding


def register(sub):
    p = sub.add_parser("validate",
                       description="校验登记册：格式、编码、编号、引用关系和规则。无错误退出 0，有错误退出 1。")
    p.add_argument("paths", nargs="*", default=["registries"],
                   help="登记册目录或其中的文件（默认 registries）/ registry folder or files in it")
    p.add_argument("--format", choices=["text", "github", "json"], default="text",
                   help="输出格式：text、github（工作流注释）、json / output format")
    p.add_argument("--json", action="store_const", const="json", dest="format", help="同 --format json")
    p.add_argument("--fix-encoding", action="store_true",
                   help="把 GBK/GB18030 编码的文件改存为 UTF-8 / rewrite GBK/GB18030 files as UTF-8")
    p.add_argument("--changed", nargs="+", metavar="FILE",
                   help="本次修改（含删除）的文件，相对仓库根目录、相对 registries/ 或绝对路径（配合 --as 检查归属）"
                        " / changed or deleted files: relative to the repository root, to registries/, or absolute")
    p.add_argument("--as", dest="as_dept", metavar="DEPT", help="以哪个部门的身份提交 / the submitting department")
    p.add_argument("--jobs", type=int, default=None, help="并行进程数 / worker processes")
    add_base_argument(p)
    p.set_defaults(func=run)


def find_root(path: Path) -> Path:
    """The registry folder holding path: the nearest folder with departments.yaml."""
    p = path if path.is_dir() else path.parent
    for cand in (p, *p.parents):
        if (cand / "departments.yaml").exists():
            return cand
    return p


REPORTS = ".ssj-cache/reports"


def _report_key(root: Path, changed: list[str] | None, as_dept: str | None, base: str | None) -> str:
    """Content address of a whole validation: every file's bytes, the code, the options and the git base."""
    rfs, unknown = discover(root)
    h = hashlib.sha1(code_digest("**/*.py", "core/data/*"))
    for rf in rfs:
        h.update(f"{rf.rel}\0{file_key(root, rf)}\n".encode())
    h.update(repr((unknown, changed, as_dept, base_commit(root, base))).encode())
    return h.hexdigest()


def check(root: Path, jobs: int | None = None, changed: list[str] | None = None,
          as_dept: str | None = None, base: str | None = None) -> Report:
    """Everything `ssj validate` checks for one registry folder; files are named relative to root.

    When nothing changed since the last run (same bytes, code, options and git base), the
    last report is reused: a city's registry then validates in about a second."""
    key = _report_key(root, changed, as_dept, base)
    entry = root / REPORTS / f"{key}.pkl"
    kept = read_kept(entry)
    if isinstance(kept, Report):
        return kept
    report = _check(root, jobs, changed, as_dept, base)
    try:
        for old in (root / REPORTS).glob("*.pkl"):
            old.unlink(missing_ok=True)
        atomic_write_bytes(entry, pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only registry validates without the cache
    return report


def _check(root: Path, jobs: int | None, changed: list[str] | None, as_dept: str | None,
           base: str | None) -> Report:
    reg, problems = load_registry(root, jobs=jobs)
    problems += validate(reg, Context(base))
    for name in stale_schemas(root):
        problems.append(problem("schema.stale", "JSON Schema 与数据模型不一致（模型改了但没有重新生成）",
                                "JSON Schema out of date with the models", "运行 ssj schema", "run ssj schema",
                                file=f"schema/{name}"))
    if changed is not None:
        from shuangsuiji.registry.ownership import check_ownership
        problems += check_ownership(reg, changed, as_dept, base)
    report = Report(resolve_lines(root, problems), files_checked=len(reg.files))
    return report


def _display(p: Problem, root: Path) -> Problem:
    if p.file is None:
        return p
    return Problem(p.code, p.zh, p.en, p.fix_zh, p.fix_en, os.path.normpath(os.path.join(str(root), p.file)),
                   p.line, p.column, p.field, p.severity)


def run(args) -> int:
    if bool(args.changed) != bool(args.as_dept):
        fail("usage.changed-as", "--changed 与 --as 须同时使用", "--changed and --as go together",
             "例如：ssj validate --changed registries/jyj/items.yaml --as jyj", "e.g. --changed FILE --as DEPT")
    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.exists():
            fail("usage.no-path", f"路径不存在：{p}", f"no such path: {p}", "检查路径拼写", "check the path")
    if args.fix_encoding:
        for p in paths:
            files = [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file() and x.suffix in (
                ".yaml", ".yml", ".csv", ".md"))
            for f in files:
                enc = fix_encoding(f)
                if enc:
                    sys.stderr.write(f"{f}: 已从 {enc} 转为 UTF-8 / converted from {enc} to UTF-8\n")
    roots: dict[Path, set[str] | None] = {}
    for p in paths:
        root = find_root(p)
        if p.is_file():
            sel = roots.setdefault(root, set())
            if sel is not None:
                sel.add(p.resolve().relative_to(root.resolve()).as_posix())
        else:
            roots[root] = None
    check_base(next(iter(roots)), args.base)
    total = Report()
    changed: dict[Path, list[str]] = {}
    if args.changed:
        from shuangsuiji.registry.ownership import resolve_changed

        changed, bad = resolve_changed(args.changed, list(roots), args.base)
        total.extend(bad)
    for root, only in roots.items():
        rep = check(root, args.jobs, changed.get(root), args.as_dept, args.base)
        total.files_checked += rep.files_checked
        total.extend(_display(p, root) for p in rep.problems if only is None or p.file in only)
    print(total.render(args.format))
    return 1 if total.errors else 0
