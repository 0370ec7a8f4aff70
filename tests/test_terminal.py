"""Terminal tables line up by display width, names keep their codes whole, English glosses count right."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from shuangsuiji.core.errors import Problem, Report, plural
from shuangsuiji.core.terminal import shorten, table, width

EXAMPLE = Path(__file__).resolve().parents[1] / "registries"


def test_ssj_stats_columns_line_up_in_display_width():
    run = subprocess.run([sys.executable, "-m", "shuangsuiji", "stats", "--registry", str(EXAMPLE), "--by", "dept"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = [ln for ln in run.stdout.splitlines() if ln and not ln.startswith("==")]
    assert len(lines) >= 3 and lines[0].startswith("名称")
    # the last column is right-aligned: every line ends at the same display column
    assert len({width(ln) for ln in lines}) == 1, lines
    # each count of the 任务 column ends at the display column where its header ends
    head_end = width(lines[0][:lines[0].index("任务") + 2])
    for ln in lines[1:]:
        m = re.match(r"(.*?\S)\s{2,}(\d+)\s", ln)
        assert width(ln[:m.end(2)]) == head_end, ln
    names = [ln.split()[0:2] for ln in lines[1:-1]]
    assert all(len(n) == 2 and not n[1].endswith("…") for n in names)  # label and its whole code


def test_table_pads_cjk_by_two_columns():
    lines = table(["名称", "数"], [["兰山区", "1"], ["ab", "22"]], [False, True])
    assert [width(ln) for ln in lines] == [10, 10, 10]
    assert lines[1] == "兰山区   1" and lines[2] == "ab      22"


def test_shorten_cuts_the_label_never_the_code():
    out = shorten("临沂市罗庄区市场监督管理局高新技术产业开发区分局", "scjg-371311", cols=24)
    assert out.endswith("… scjg-371311") and width(out) <= 24
    assert shorten("合计", "合计") == "合计"


def test_plural_glosses():
    assert plural(1, "error") == "1 error" and plural(2, "error") == "2 errors" and plural(0, "file") == "0 files"
    one = Report([Problem("x", "错", "wrong", file="a.yaml")], files_checked=1).summary()
    assert "1 error, 0 warnings in 1 file," in one
    assert "OK: 1 file checked" in Report([], files_checked=1).summary()
