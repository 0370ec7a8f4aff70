"""Strict reading and atomic writing of registry files (YAML, CSV, JSON, text).

Strict because departments type these files by hand: duplicate keys, aliases,
implicit type guessing, wrong encodings and huge files are errors with a precise
place, never silent. Fast because the C parser (libyaml) does the parsing; only
construction runs in Python, as it does in PyYAML's own CSafeLoader.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterator

import yaml

from shuangsuiji.core.errors import Problem, problem

MAX_BYTES = 20 * 1024 * 1024  # a single registry file; a city's target shard is ~1 MB
MAX_DEPTH = 16


class LoadError(Exception):
    """A file that cannot be read at all; carries one Problem."""

    def __init__(self, p: Problem):
        super().__init__(p.en)
        self.problem = p


# --- bytes and encodings -------------------------------------------------------------------

def read_text(path: Path, rel: str, *, max_bytes: int = MAX_BYTES) -> str:
    """UTF-8 (with or without BOM); a GBK/GB18030 file from Excel gets a clear error and its fix."""
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(problem(
            "file.too-large", f"文件过大（{size / 1048576:.1f} MB，上限 {max_bytes / 1048576:.0f} MB）",
            f"file too large ({size / 1048576:.1f} MB, limit {max_bytes / 1048576:.0f} MB)",
            "把数据拆分为多个文件（如按区域分片）", "split the data into several files (e.g. one per region)",
            file=rel))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        enc = sniff_legacy_encoding(data)
        if enc:
            raise LoadError(problem(
                "file.encoding", f"文件编码是 {enc}（Windows 版 Excel/记事本的默认编码），不是 UTF-8",
                f"file is encoded in {enc} (the default of Excel/Notepad on Windows), not UTF-8",
                f"另存为 UTF-8，或运行：ssj validate --fix-encoding {rel}",
                f"save as UTF-8, or run: ssj validate --fix-encoding {rel}", file=rel, line=line)) from None
        raise LoadError(problem(
            "file.encoding", f"文件不是有效的 UTF-8 文本（第 {e.start} 字节）",
            f"file is not valid UTF-8 (byte {e.start})", "用 UTF-8 编码重新保存文件",
            "save the file again as UTF-8", file=rel, line=line)) from None
    return text


def sniff_legacy_encoding(data: bytes) -> str | None:
    """Name the Chinese legacy encoding the bytes are in, if they decode as one."""
    for enc in ("gbk", "gb18030"):
        try:
            data.decode(enc)
        except UnicodeDecodeError:
            continue
        return enc.upper()
    return None


def fix_encoding(path: Path) -> str | None:
    """Rewrite a GBK/GB18030 file as UTF-8 in place (atomically); returns the old encoding."""
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
        return None
    except UnicodeDecodeError:
        pass
    enc = sniff_legacy_encoding(data)
    if enc is None:
        return None
    atomic_write_bytes(path, data.decode(enc.lower()).encode("utf-8"))
    return enc


# --- YAML ------------------------------------------------------------------------------------

class _StrictLoader(yaml.CSafeLoader):
    """C parser; construction refuses duplicate keys, aliases and deep nesting; no type guessing.

    Only `null`/`~`/empty resolve implicitly; every other plain scalar is a string, so
    `0123` stays "0123" and a date is a date only where the schema expects one.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._depth: dict[int, int] = {}
        self._seen: set[int] = set()

    def construct_object(self, node, deep=False):
        if id(node) in self._seen and node in self.constructed_objects:
            raise _Located("yaml.alias", node,
                           "不允许使用 YAML 锚点和别名（& 与 *）", "YAML anchors and aliases are not allowed",
                           "把引用的内容直接写出来", "write the referenced content out in full")
        self._seen.add(id(node))
        return super().construct_object(node, deep)

    def _check_depth(self, node) -> None:
        d = self._depth.pop(id(node), 0)
        if d > MAX_DEPTH:
            raise _Located("yaml.too-deep", node, f"嵌套层数超过 {MAX_DEPTH}",
                           f"nesting deeper than {MAX_DEPTH} levels", "减少嵌套层次", "flatten the structure")
        for child in (node.value if isinstance(node, yaml.SequenceNode) else
                      [v for _, v in node.value]):
            if not isinstance(child, yaml.ScalarNode):
                self._depth[id(child)] = d + 1

    def construct_sequence(self, node, deep=False):
        self._check_depth(node)
        return super().construct_sequence(node, deep)

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep)
        self._check_depth(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Located("yaml.key-type", key_node, "键必须是简单文本", "a key must be a plain scalar",
                               "把键改为文本", "make the key plain text")
            key = self.construct_object(key_node, deep=deep)
            if key in mapping:
                first = next(k for k, _ in node.value if k.value == key_node.value)
                raise _Located("yaml.duplicate-key", key_node,
                               f"键 “{key}” 重复（第一次出现在第 {first.start_mark.line + 1} 行）",
                               f"duplicate key '{key}' (first at line {first.start_mark.line + 1})",
                               "删除或合并重复的键", "remove or merge the duplicate key")
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


_StrictLoader.yaml_implicit_resolvers = {}
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", yaml.resolver.Resolver.yaml_implicit_resolvers[
    "~"][0][1], ["~", "n", "N", ""])


class _Located(Exception):
    def __init__(self, code, node, zh, en, fix_zh, fix_en):
        super().__init__(en)
        self.args_ = (code, node.start_mark.line + 1, node.start_mark.column + 1, zh, en, fix_zh, fix_en)


# Slips that still parse, into something else than meant: a key with a full-width colon becomes part of
# the text above it, a key indented with a full-width space becomes a key "\u3000status". Field names
# are lower-case ASCII, so an ASCII word before "：" at the start of a line is always such a slip.
_WIDE_COLON_KEY = re.compile(r"^[ \u3000]*(?:- )?([a-z_][a-z0-9_]*)[ \u3000]*：", re.M)
_WIDE_SPACE_KEY = re.compile(r"^ *\u3000[ \u3000]*(?:- )?[a-z_][a-z0-9_]*[ \u3000]*[:：]", re.M)


def _wide_colon(text: str, line: int, key: str):
    got = text.splitlines()[line - 1].strip()
    meant = got.replace("：", ": ", 1).replace(":  ", ": ")
    return ("yaml.fullwidth-colon", line, text.splitlines()[line - 1].index("：") + 1,
                 f"“{got}”用了全角冒号“：”，YAML 只认半角冒号", f"'{key}' is followed by a full-width colon '：'; "
                 "YAML needs the ASCII colon", f"改为半角冒号加一个空格：{meant}", f"write an ASCII colon and a space: {meant}")


def _human_slips(text: str):
    """The first slip of the pattern checks above, as (code, line, column, zh, en, fix_zh, fix_en), or None."""
    found = []
    if "：" in text and (m := _WIDE_COLON_KEY.search(text)):
        found.append(_wide_colon(text, text.count("\n", 0, m.start()) + 1, m[1]))
    if "\u3000" in text and (m := _WIDE_SPACE_KEY.search(text)):
        line = text.count("\n", 0, m.start()) + 1
        found.append(("yaml.fullwidth-space", line, m.group().index("\u3000") + 1,
                           "缩进里有全角空格“　”，YAML 只认半角空格", "the indentation holds a full-width space; "
                           "YAML indents with ASCII spaces", "把全角空格换成半角空格，与同级的键对齐",
                           "replace it with ASCII spaces, aligned with the keys of the same level"))
    return min(found, key=lambda f: f[1]) if found else None


def _explain_syntax(text: str, e: yaml.MarkedYAMLError):
    """libyaml's error as the mistake people actually made, at the line they made it, where it is known."""
    lines = text.splitlines()
    mark = e.problem_mark or e.context_mark
    line = mark.line + 1 if mark else None
    if e.context == "while scanning a quoted scalar" and e.context_mark is not None:
        start = e.context_mark.line + 1
        quote = lines[start - 1][e.context_mark.column] if e.context_mark.column < len(lines[start - 1]) else '"'
        return ("yaml.unclosed-quote", start, e.context_mark.column + 1,
                     f"第 {start} 行开始的引号 {quote} 没有结束", f"the quote {quote} opened on line {start} is never "
                     "closed", f"在值的末尾补上 {quote}，或去掉开头的 {quote}",
                     f"close it with {quote} at the end of the value, or remove the opening {quote}")
    tabbed = next((n for n, ln in enumerate(lines[:line or len(lines)], 1)
                   if "\t" in ln[:len(ln) - len(ln.lstrip())]), None)
    if tabbed is not None and ("tab" in f"{e.problem} {e.context}"
                               or e.problem == "found character that cannot start any token"):
        return ("yaml.tab", tabbed, 1, "用了 Tab 缩进，YAML 只能用空格缩进", "indented with a TAB; YAML indents with "
                     "spaces", "把 Tab 换成空格（每级两个空格）", "replace the TAB with spaces (two per level)")
    if e.context == "while scanning a simple key" and e.context_mark is not None:
        at = e.context_mark.line + 1
        got = lines[at - 1].strip()
        if "：" in got:
            return _wide_colon(text, at, got.split("：", 1)[0])
        indent = len(lines[at - 1]) - len(lines[at - 1].lstrip())
        above = next((ln for ln in reversed(lines[:at - 1]) if ln.strip() and not ln.lstrip().startswith("#")), "")
        if above.lstrip().startswith("- ") and len(above) - len(above.lstrip()) == indent:
            return ("yaml.list-dash", at, indent + 1, f"“{got}”像是列表的一项，但没有以“- ”开头",
                         f"'{got}' looks like a list entry but does not start with '- '",
                         f"在前面加“- ”，与上一项对齐：- {got}", f"start it with '- ', aligned with the entry above: - {got}")
        return ("yaml.missing-colon", at, indent + 1, f"“{got}”既不是“键: 值”，也不是列表项“- 值”",
                     f"'{got}' is neither 'key: value' nor a list entry '- value'",
                     "写成“键: 值”（冒号后加空格），或在列表项前加“- ”",
                     "write 'key: value' (a space after the colon), or start a list entry with '- '")
    return None


def parse_yaml(text: str, rel: str) -> Any:
    """Parse one YAML document strictly; bad input raises LoadError naming line and column.

    The mistakes people make typing YAML by hand (full-width colon or space, TAB, unclosed quote,
    list entry without '- ') are named as such, at the line where they were made."""
    slip = _human_slips(text)
    if slip is not None:
        code, line, col, zh, en, fix_zh, fix_en = slip
        raise LoadError(problem(code, zh, en, fix_zh, fix_en, file=rel, line=line, column=col))
    loader = _StrictLoader(text)
    try:
        doc = loader.get_single_node()
        return loader.construct_document(doc) if doc is not None else None
    except _Located as e:
        code, line, col, zh, en, fix_zh, fix_en = e.args_
        raise LoadError(problem(code, zh, en, fix_zh, fix_en, file=rel, line=line, column=col)) from None
    except yaml.MarkedYAMLError as e:
        slip = _explain_syntax(text, e)
        if slip is not None:
            code, line, col, zh, en, fix_zh, fix_en = slip
            raise LoadError(problem(code, zh, en, fix_zh, fix_en, file=rel, line=line, column=col)) from None
        mark = e.problem_mark or e.context_mark
        what = " ".join(x for x in (e.context, e.problem) if x)
        raise LoadError(problem(
            "yaml.syntax", f"YAML 语法错误：{what}", f"YAML syntax error: {what}",
            "检查缩进、冒号后的空格和引号是否成对", "check indentation, the space after ':' and matching quotes",
            file=rel, line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None)) from None
    except yaml.YAMLError as e:
        raise LoadError(problem("yaml.syntax", f"YAML 错误：{e}", f"YAML error: {e}", file=rel)) from None
    except RecursionError:
        raise LoadError(problem("yaml.too-deep", "嵌套层数过多", "nesting too deep", "减少嵌套层次",
                                "flatten the structure", file=rel)) from None
    finally:
        loader.dispose()


def load_yaml(path: Path, rel: str) -> Any:
    return parse_yaml(read_text(path, rel), rel)


def locate(text: str, loc: tuple) -> tuple[int | None, int | None]:
    """Line and column (1-based) of the node at a pydantic error location; slow path, errors only."""
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None, None
    best = node
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == str(part):
                    best, nxt = k, v
                    break
            if nxt is None:
                break
            node = nxt
            best = node if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) else best
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            best = node
        else:
            break
    if best is None:
        return None, None
    return best.start_mark.line + 1, best.start_mark.column + 1


def dump_yaml(data: Any, schema: str | None = None) -> str:
    """YAML as departments write it: block style, key order kept, Chinese as is."""
    head = f"# yaml-language-server: $schema={schema}\n" if schema else ""
    return head + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                            default_flow_style=False)


class _Dumper(yaml.CSafeDumper):
    pass


def _str_representer(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


# --- CSV ---------------------------------------------------------------------------------

def read_csv(path: Path, rel: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and (line number, row) pairs of a UTF-8 CSV file."""
    text = read_text(path, rel, max_bytes=MAX_BYTES * 10)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise LoadError(problem("csv.empty", "CSV 文件为空（缺少表头）", "CSV file is empty (no header)",
                                "第一行写字段名", "put the field names on the first line", file=rel)) from None
    except csv.Error as e:
        raise LoadError(problem("csv.syntax", f"CSV 格式错误：{e}", f"CSV error: {e}", file=rel, line=1)) from None

    def rows():
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as e:
            raise LoadError(problem("csv.syntax", f"CSV 格式错误：{e}", f"CSV error: {e}",
                                    "检查引号是否成对", "check that quotes are balanced",
                                    file=rel, line=reader.line_num)) from None

    return header, rows()


def load_json(path: Path, rel: str) -> Any:
    text = read_text(path, rel)

    def no_dupes(pairs):
        out = {}
        for k, v in pairs:
            if k in out:
                raise ValueError(f"duplicate key {k!r}")
            out[k] = v
        return out

    try:
        return json.loads(text, object_pairs_hook=no_dupes)
    except json.JSONDecodeError as e:
        raise LoadError(problem("json.syntax", f"JSON 语法错误：{e.msg}", f"JSON syntax error: {e.msg}",
                                file=rel, line=e.lineno, column=e.colno)) from None
    except ValueError as e:
        raise LoadError(problem("json.duplicate-key", f"JSON 键重复：{e}", f"JSON: {e}", file=rel)) from None


# --- atomic writes -------------------------------------------------------------------------

_UMASK = os.umask(0)
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _FILE_MODE)  # mkstemp makes 0600; outputs are read by web servers and colleagues
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
