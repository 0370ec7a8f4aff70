"""`core.unitmemo.UnitMemo`: a unit is made again only when it is new or its context changed, and a
build rewrites only the memo files whose units changed."""

from __future__ import annotations

from types import MappingProxyType

from shuangsuiji.core.unitmemo import UnitMemo


def _run(folder, context, keys, made):
    memo = UnitMemo(folder, context)
    got = {k: memo.get(k, lambda k=k: made.append(k) or MappingProxyType({"v": k})) for k in keys}
    memo.save()
    return memo, got


def test_units_are_made_once_per_context(tmp_path):
    keys = [f"{i:040x}:T{i}" for i in range(200)]
    made: list[str] = []
    _run(tmp_path, "code-1", keys, made)
    assert made == keys
    files = {p.name: p.stat().st_ino for p in tmp_path.iterdir()}
    made.clear()
    memo, got = _run(tmp_path, "code-1", keys[:-1] + ["new"], made)
    assert made == ["new"] and memo.made == 1 and got[keys[0]] == {"v": keys[0]}
    rewritten = {p.name for p in tmp_path.iterdir() if files.get(p.name) != p.stat().st_ino}
    assert 1 <= len(rewritten) <= 2 < len(files)  # the buckets of the new and the dropped unit only
    made.clear()
    _run(tmp_path, "code-2", keys[:3], made)  # another context: nothing is taken from the memo
    assert made == keys[:3]
    made.clear()
    _run(None, "code-2", keys[:3] + [None], made)  # no folder, or no key: always made
    assert made == keys[:3] + [None]
