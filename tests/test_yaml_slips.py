"""The YAML mistakes people actually make, named as such at the line where they were made."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shuangsuiji.cli import main
from shuangsuiji.core.yamlio import LoadError, load_yaml

EXAMPLE = Path(__file__).resolve().parents[1] / "registries"
ITEMS = EXAMPLE / "scjgj" / "items.yaml"


def _lines() -> list[str]:
    return ITEMS.read_text(encoding="utf-8").split("\n")


def _at(lines: list[str], start: str) -> int:
    """0-based index of the first line starting with `start`."""
    return next(i for i, ln in enumerate(lines) if ln.startswith(start))


def _edit(kind: str) -> tuple[str, int]:
    """The example's item list with one mistake; the 1-based line it is on."""
    lines = _lines()
    if kind == "fullwidth-colon":  # status：已公示
        i = _at(lines, "  frequency: ")
        lines[i] = lines[i].replace("frequency: ", "frequency：")
    elif kind == "fullwidth-colon-continuation":  # parses, but the key would vanish into the text above
        i = _at(lines, "  frequency: ")
        lines[i] = "    " + lines[i].strip().replace("frequency: ", "frequency：")
    elif kind == "fullwidth-space":
        i = _at(lines, "  frequency: ")
        lines[i] = "\u3000" + lines[i][1:]
    elif kind == "tab":
        i = _at(lines, "  frequency: ")
        lines[i] = "\t" + lines[i].lstrip()
    elif kind == "unclosed-quote":
        i = _at(lines, "  frequency: ")
        lines[i] = lines[i].replace("frequency: ", 'frequency: "')
    elif kind == "list-dash":  # the second method without "- "
        i = _at(lines, "  methods:") + 2
        lines[i] = lines[i].replace("- ", "", 1)
    return "\n".join(lines), i + 1


@pytest.mark.parametrize("kind", ["fullwidth-colon", "fullwidth-colon-continuation", "fullwidth-space", "tab",
                                  "unclosed-quote", "list-dash"])
def test_slip_named_at_its_line(tmp_path, kind):
    text, line = _edit(kind)
    path = tmp_path / "items.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as e:
        load_yaml(path, "scjgj/items.yaml")
    p = e.value.problem
    assert p.code == f"yaml.{kind.removesuffix('-continuation')}"
    assert p.line == line and p.file == "scjgj/items.yaml"
    assert p.zh and p.en and p.fix_zh and p.fix_en and "YAML 语法错误" not in p.zh


def test_chinese_text_with_full_width_colon_and_indent_is_fine(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("note: |\n  \u3000\u3000首行缩进的正文：说明\n  备注：无\nname: 名称：甲\n", encoding="utf-8")
    assert load_yaml(path, "x.yaml")["name"] == "名称：甲"


def test_ssj_validate_shows_the_slip(tmp_path, capsys):
    root = tmp_path / "reg"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".ssj-cache"))
    text, line = _edit("fullwidth-colon")
    (root / "scjgj" / "items.yaml").write_text(text, encoding="utf-8")
    assert main(["validate", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"scjgj/items.yaml:{line}:" in out and "全角冒号" in out and "full-width colon" in out
