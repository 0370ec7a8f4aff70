"""Text tables for the terminal, aligned by display width (a CJK character takes two columns).

Layer: core. `str.ljust` counts characters, so Chinese columns drift; `wcwidth` gives each
character's width in a terminal.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from wcwidth import wcswidth, wcwidth

MAX_NAME = 30  # display columns of a name column; longer names lose the end of their label, never of a code


def width(text: str) -> int:
    w = wcswidth(text)
    return w if w >= 0 else sum(max(wcwidth(ch), 0) for ch in text)  # control characters count as nothing


def pad(text: str, cols: int, right: bool = False) -> str:
    fill = " " * max(cols - width(text), 0)
    return fill + text if right else text + fill


def shorten(label: str, code: str = "", cols: int = MAX_NAME) -> str:
    """`label code` within `cols` display columns: the label is cut (with …), the code stays whole."""
    full = f"{label} {code}" if code and code != label else label
    if width(full) <= cols:
        return full
    room = cols - (width(code) + 1 if code and code != label else 0) - 1
    cut = ""
    for ch in label:
        if width(cut + ch) > room:
            break
        cut += ch
    return f"{cut}… {code}" if code and code != label else f"{cut}…"


def table(header: Sequence[str], rows: Iterable[Sequence[str]], right: Sequence[bool], gap: int = 2) -> list[str]:
    """Lines of a table whose columns are as wide as their widest cell; `right` aligns numbers right."""
    rows = [list(r) for r in rows]
    cols = [max(width(str(r[i])) for r in [list(header), *rows]) for i in range(len(header))]
    return [(" " * gap).join(pad(str(c), w, a) for c, w, a in zip(r, cols, right)).rstrip()
            for r in [list(header), *rows]]
