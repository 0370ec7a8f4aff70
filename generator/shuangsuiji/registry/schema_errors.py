"""Pydantic validation errors turned into Problems a department can act on."""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from shuangsuiji.core.errors import Problem
from shuangsuiji.registry.models.base import FORMAT_WORDS, RATIO_PATTERN, YEAR_MONTH_PATTERN
from shuangsuiji.core.normalize import BadValue, read_code, read_date, read_ratio, read_year_month

# Readers of forgiving input: a refused value that one of them can read is named in its stored form.
_CANONICAL = {RATIO_PATTERN: read_ratio, YEAR_MONTH_PATTERN: read_year_month}


def field_path(loc: tuple) -> str:
    """('results', 3, 'target') → 'results[3].target'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_field_path(path: str) -> tuple:
    """Inverse of field_path."""
    loc: list[Any] = []
    for chunk in path.replace("]", "").split("."):
        name, *idx = chunk.split("[")
        if name:
            loc.append(name)
        loc.extend(int(i) for i in idx)
    return tuple(loc)


def _title(model: type[BaseModel] | None, loc: tuple) -> tuple[str, str]:
    """Chinese title and description of the field at loc, following nested models where it can."""
    title, hint = "", ""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            current = None
            continue
        f = fields[part]
        title, hint = f.title or title, f.description or ""
        ann = f.annotation
        current = _inner_model(ann)
    return title, hint


def _inner_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        m = _inner_model(arg)
        if m is not None:
            return m
    return None


def _explain(err: dict) -> tuple[str, str, str, str]:
    """(zh, en, fix_zh, fix_en) for one pydantic error."""
    t = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    if t == "missing":
        return "缺少必填字段", "required field is missing", "补上这个字段", "add this field"
    if t == "extra_forbidden":
        return ("未知字段（可能是拼写错误）", "unknown field (a typo?)",
                "删除该字段，或对照 registries/schema/ 中的字段名更正", "remove it or correct its name (see registries/schema/)")
    if t == "literal_error":
        return (f"取值 {shown} 不在允许的范围内：{ctx.get('expected')}",
                f"value {shown} is not one of {ctx.get('expected')}", "改为列出的取值之一", "use one of the listed values")
    if t == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        zh, en = FORMAT_WORDS.get(pattern, ("要求的格式", "the required format"))
        meant = _stored_form(_CANONICAL.get(pattern, lambda v: read_code(v, upper=True)), got)
        meant = meant if meant and re.search(pattern, meant) else None
        fix_zh, fix_en = (f"改为 {meant}", f"write {meant}") if meant else (f"写成{zh}", f"write {en}")
        return f"取值 {shown} 格式不对，应为{zh}", f"value {shown} is not {en}", fix_zh, fix_en
    if t == "too_short":
        n, have = ctx.get("min_length"), ctx.get("actual_length")
        return (f"至少需要 {n} 项（现有 {have} 项）", f"at least {n} entries needed ({have} given)",
                "补足条目", "add the missing entries")
    if t == "too_long":
        return (f"条目过多（{err['msg']}）", err["msg"], "删减条目", "remove entries")
    if t in ("date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"):
        meant = _stored_form(lambda v: read_date(v).isoformat(), got)
        return (f"日期 {shown} 无效", f"invalid date {shown}",
                f"改为 {meant}（日期写成 年-月-日）" if meant else "按 年-月-日 填写，如 2026-04-25",
                f"write {meant} (dates are year-month-day)" if meant else "write dates as year-month-day, e.g. 2026-04-25")
    if t in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"):
        return (f"时间 {shown} 无效", f"invalid date-time {shown}", "按 2026-04-25T09:30:00+08:00 格式填写",
                "write as 2026-04-25T09:30:00+08:00")
    if t in ("int_parsing", "int_type", "int_from_float"):
        return f"{shown} 不是整数", f"{shown} is not a whole number", "填写整数", "write a whole number"
    if t in ("bool_parsing", "bool_type"):
        return f"{shown} 不是是/否值", f"{shown} is not true/false", "填写 true 或 false", "write true or false"
    if t in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"数值 {shown} 超出范围（{err['msg']}）", f"{shown}: {err['msg']}", "改为范围内的数值", "use a value in range"
    if t in ("list_type", "tuple_type"):
        return "这里应是列表", "a list is expected here", "用 “- ” 开头逐行列出", "write a list, one '- ' line each"
    if t in ("dict_type", "model_type", "model_attributes_type"):
        return "这里应是键值对（映射）", "a mapping is expected here", "按 字段: 值 的形式填写", "write key: value pairs"
    if t in ("string_type",):
        return f"这里应是文本，得到 {shown}", f"text expected, got {shown}", "填写文本", "write text"
    if "zh" in ctx and "en" in ctx:  # our own checks carry their words and fix
        return ctx["zh"], ctx["en"], ctx.get("fix_zh", ""), ctx.get("fix_en", "")
    if t == "value_error":
        msg = str(ctx.get("error", err["msg"]))
        zh, _, en = msg.partition(" / ")
        return zh, en or msg, "", ""
    return err["msg"], err["msg"], "", ""


def _stored_form(read, got: Any) -> str | None:
    """What a refused value would be stored as, if it is a forgiving form of a valid one."""
    if not isinstance(got, str):
        return None
    try:
        meant = read(got)
    except BadValue:
        return None
    return meant if meant != got else None


def _misspellings(errors: list[dict]) -> dict[tuple, str]:
    """Unknown keys that are near a missing required key of the same mapping: one typo, one message."""
    missing = {tuple(e["loc"]) for e in errors if e["type"] == "missing"}
    out = {}
    for e in errors:
        loc = tuple(e["loc"])
        if e["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
            near = difflib.get_close_matches(loc[-1], [m[-1] for m in missing if m[:-1] == loc[:-1]], n=1)
            if near:
                out[loc] = near[0]
                missing.discard(loc[:-1] + (near[0],))
    return out


def problems_from(e: ValidationError, model: type[BaseModel] | None, rel: str,
                  prefix: tuple = (), line: int | None = None) -> list[Problem]:
    out = []
    errors = e.errors(include_url=False)
    typos = _misspellings(errors)
    fixed = {tuple(loc[:-1]) + (name,) for loc, name in typos.items()}
    for err in errors:
        loc0 = tuple(err["loc"])
        if err["type"] == "missing" and loc0 in fixed:
            continue
        if loc0 in typos:
            out.append(Problem("schema.misspelled-field", f"字段名 “{loc0[-1]}” 拼写有误，应为 “{typos[loc0]}”",
                               f"field '{loc0[-1]}' is misspelled: it should be '{typos[loc0]}'",
                               f"改为 {typos[loc0]}", f"rename it to {typos[loc0]}", file=rel, line=line,
                               field=field_path(prefix + loc0)))
            continue
        loc = prefix + tuple(err["loc"])
        zh, en, fix_zh, fix_en = _explain(err)
        title, hint = _title(model, tuple(err["loc"]))
        if title:
            zh = f"{title}：{zh}"
        if hint and err["type"] in ("missing", "too_short"):
            fix_zh = f"{fix_zh}（{hint}）"
        kind = err["type"] if err["type"].startswith(("code.", "target.")) else f"schema.{err['type']}"
        out.append(Problem(kind, zh, en, fix_zh, fix_en, file=rel, line=line,
                           field=field_path(loc) or None))
    return out
