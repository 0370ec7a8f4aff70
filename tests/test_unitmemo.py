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


def test_source_keys_know_an_unchanged_file_by_its_stat(tmp_path):
    """`source_keys` reads a file again when its stat changed, or when it was modified so shortly
    before the last call that a second change could share its clock tick (same size, same time)."""
    import os
    from shuangsuiji.registry.load import KEYS_MEMO, source_keys
    f = tmp_path / "departments.yaml"
    f.write_text("departments: []\n", encoding="utf-8")
    first = source_keys(tmp_path)[0]["departments.yaml"]
    st = f.stat()
    f.write_text("departments: [1]\n", encoding="utf-8")  # same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # same time: racily clean, so not remembered
    second = source_keys(tmp_path)[0]["departments.yaml"]
    assert second != first
    old = st.st_mtime_ns - 10**10
    os.utime(f, ns=(old, old))
    assert source_keys(tmp_path)[0]["departments.yaml"] == second
    assert (tmp_path / KEYS_MEMO).is_file()
    f.write_text("departments: [2]\n", encoding="utf-8")  # an edit: a new modification time
    assert source_keys(tmp_path)[0]["departments.yaml"] not in (first, second)
