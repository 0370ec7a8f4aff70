"""`ssj draw compute`: the interchange form of a draw (spec draw.md, "Interchange").

JSON in, JSON out, nothing else touched: independent verifiers and tests drive the
algorithm through this without any registry. Input is checked strictly (duplicate
keys, floats, wrong types) so that two implementations never disagree on what an
ambiguous input meant.
"""

from __future__ import annotations

import json
from typing import Any

from shuangsuiji.draw.algorithm import DrawInput, DrawResult, Matching, Recusal, Selection, freeze, run
from shuangsuiji.core.errors import UserError, fail

_REQUIRED = ("task", "candidates", "inspectors", "ratios", "slots", "sources")
_DEFAULTS: dict[str, Any] = {"min_per_stratum": 1, "cap_slack": 1, "conflicts": [], "events": [],
                             "manifest_extra": {}}
_TABLES = {  # key -> names of the two fields of each row
    "candidates": ("target_id", "stratum_key"),
    "inspectors": ("inspector_id", "unit_id"),
    "conflicts": ("inspector_id", "target_id"),
    "sources": ("kind", "value"),
    "events": ("target_id", "inspector_id"),
}


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            fail("draw.duplicate-key", f"JSON 对象中键 {k!r} 重复", f"duplicate JSON key {k!r}",
                 "每个键只写一次", "write each key once", field=k)
        out[k] = v
    return out


def _no_float(text: str):
    fail("draw.float", f"输入中有小数 {text}：不允许浮点数", f"the input holds the float {text}; floats are forbidden",
         "比例写成字符串（如 \"0.25\"），其他数值写成整数", "quote ratios (\"0.25\"); other numbers are integers")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        fail("draw.type", f"{where} 应为字符串，实际为 {json.dumps(value, ensure_ascii=False)}",
             f"{where} must be a string, got {json.dumps(value, ensure_ascii=False)}", field=where)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            fail("draw.text", f"{where} 含有无效的 Unicode（孤立代理项）",
                 f"{where} holds invalid Unicode (a lone surrogate)", field=where)
    return value


def _rows(value: Any, key: str) -> list[tuple[str, str]]:
    names = _TABLES[key]
    if not isinstance(value, list):
        fail("draw.type", f"{key} 应为数组", f"{key} must be an array", field=key)
    rows = []
    for n, row in enumerate(value):
        if not isinstance(row, list) or len(row) != 2:
            fail("draw.type", f"{key}[{n}] 应为 [{names[0]}, {names[1]}] 两个字符串",
                 f"{key}[{n}] must be [{names[0]}, {names[1]}], two strings", field=f"{key}[{n}]")
        rows.append((_text(row[0], f"{key}[{n}][0]"), _text(row[1], f"{key}[{n}][1]")))
    return rows


def _checked_json(obj: Any, where: str) -> Any:
    """Every string of a free JSON value (manifest_extra) must be encodable."""
    if isinstance(obj, str):
        return _text(obj, where)
    if isinstance(obj, dict):
        return {_text(k, where): _checked_json(v, f"{where}.{k}") for k, v in obj.items()}
    if isinstance(obj, list):
        return [_checked_json(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    return obj


def parse_input(data: bytes) -> tuple[DrawInput, list[tuple[str, str]], list[Recusal]]:
    """The interchange input as (DrawInput, sources, events); any bad input raises UserError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("draw.encoding", f"输入不是 UTF-8 编码（第 {e.start} 字节）", f"the input is not UTF-8 (byte {e.start})",
             "以 UTF-8 保存文件", "save the file as UTF-8")
    try:
        doc = json.loads(text, object_pairs_hook=_object, parse_float=_no_float, parse_constant=_no_float)
    except json.JSONDecodeError as e:
        fail("draw.json", f"JSON 语法错误：{e.msg}", f"JSON syntax error: {e.msg}", line=e.lineno, column=e.colno)
    except RecursionError:
        fail("draw.json-depth", "JSON 嵌套层数过多", "JSON nested too deeply", "按规定的输入格式填写",
             "follow the interchange input format")
    if not isinstance(doc, dict):
        fail("draw.type", "输入应为 JSON 对象", "the input must be a JSON object")
    for key in sorted(doc):
        if key not in _REQUIRED and key not in _DEFAULTS:
            fail("draw.unknown-key", f"未知的键 {key!r}", f"unknown key {key!r}",
                 f"可用的键：{', '.join(sorted((*_REQUIRED, *_DEFAULTS)))}",
                 f"known keys: {', '.join(sorted((*_REQUIRED, *_DEFAULTS)))}", field=key)
    for key in _REQUIRED:
        if key not in doc:
            fail("draw.missing-key", f"缺少必填的键 {key!r}", f"the required key {key!r} is missing", field=key)
    doc = {**_DEFAULTS, **doc}
    ratios = doc["ratios"]
    if not isinstance(ratios, dict):
        fail("draw.type", "ratios 应为对象（分层键 → 比例字符串）", "ratios must be an object (stratum key → ratio)",
             field="ratios")
    if not isinstance(doc["slots"], list):
        fail("draw.type", "slots 应为单位编号数组", "slots must be an array of unit ids", field="slots")
    if not isinstance(doc["manifest_extra"], dict):
        fail("draw.type", "manifest_extra 应为对象", "manifest_extra must be an object", field="manifest_extra")
    sources = _rows(doc["sources"], "sources")
    inp = DrawInput(
        task=_text(doc["task"], "task"),
        candidates=_rows(doc["candidates"], "candidates"),
        inspectors=_rows(doc["inspectors"], "inspectors"),
        conflicts=_rows(doc["conflicts"], "conflicts"),
        ratios={_text(k, "ratios"): v for k, v in ratios.items()},  # values are checked as ratios
        min_per_stratum=doc["min_per_stratum"],
        slots=[_text(u, f"slots[{n}]") for n, u in enumerate(doc["slots"])],
        cap_slack=doc["cap_slack"],
        seed_sources=[k for k, _ in sources],
        manifest_extra=_checked_json(doc["manifest_extra"], "manifest_extra"),
    )
    events = [Recusal(t, i) for t, i in _rows(doc["events"], "events")]
    return inp, sources, events


def teams_json(matching: Matching) -> dict[str, list[str | None]]:
    return {x: list(v) for x, v in matching.assignments.items()}


def strata_json(selection: Selection) -> dict[str, dict[str, Any]]:
    return {s.key: {"N": s.N, "ratio": s.ratio, "n": s.n, "selected": list(s.selected), "reserve": list(s.reserve)}
            for s in selection.strata}


def result_json(result: DrawResult) -> dict[str, Any]:
    """The interchange output; `ranked` (whole) and assignments cover the selected targets only."""
    sel, initial, final = result.selection, result.initial, result.final
    return {
        "manifest": result.frozen.manifest,
        "commitment": result.frozen.commitment,
        "seed": result.seed.hex(),
        "strata": strata_json(sel),
        "tickets": {tid: t.hex() for tid, t in sel.tickets.items()},
        "order": list(initial.order),
        "caps": dict(initial.caps),
        "ranked": {x: result.ranker.ranked(x) for x in initial.order},
        "initial_assignments": teams_json(initial),
        "assignments": teams_json(final),
        "log": [list(e) for e in final.log],
    }


def compute(data: bytes) -> str:
    """Interchange input bytes -> output JSON text (keys sorted, UTF-8, one trailing newline)."""
    inp, sources, events = parse_input(data)
    result = run(freeze(inp), sources, events)
    return json.dumps(result_json(result), sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def compute_file(path: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        fail("draw.input-file", f"无法读取输入文件：{e.strerror}", f"cannot read the input file: {e.strerror}",
             file=path)
    try:
        return compute(data)
    except UserError as e:
        raise UserError(*(p.at(file=path) for p in e.problems)) from None
