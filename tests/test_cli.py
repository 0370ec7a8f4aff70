"""The `ssj` command line: a fast `--help`, every sub-command's own help, bad values as messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from shuangsuiji.cli import COMMANDS, main

HEAVY = ("pydantic", "openpyxl", "git", "jinja2", "yaml", "mkdocs", "feedgen", "ahocorasick", "py_ecc")


def test_help_imports_no_sub_command_and_no_heavy_library():
    code = ("import json, sys\nfrom shuangsuiji.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n"
            "    pass\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith('shuangsuiji'))))\n"
            f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    ours, heavy = (json.loads(line) for line in out.splitlines()[-2:])
    assert ours == ["shuangsuiji", "shuangsuiji.cli", "shuangsuiji.core", "shuangsuiji.core.errors"]
    assert heavy == []


def test_help_lists_every_sub_command_in_order(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    places = [out.index(f"    {name}") for name, _module, _help in COMMANDS]
    assert places == sorted(places) and len(places) == 17
    for _name, _module, help in COMMANDS:
        assert help.split(" / ")[0] in out


def test_top_level_help_before_a_command_is_the_whole_listing(capsys):
    outs = []
    for argv in (["--help"], ["-h", "validate"], ["--help", "draw", "freeze"]):
        with pytest.raises(SystemExit):
            main(argv)
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] == outs[2] and "校验登记册 / validate the registry" in outs[0]


@pytest.mark.parametrize("name", [name for name, _module, _help in COMMANDS])
def test_each_sub_command_has_its_own_help(name, capsys):
    with pytest.raises(SystemExit) as e:
        main([name, "--help"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: ssj {name} ")


@pytest.mark.parametrize("argv, option", [(["progress", "--as-of", "2026-13-01"], "--as-of"),
                                          (["credit", "events", "--as-of", "x"], "--as-of"),
                                          (["draw", "withdraw", "T1", "--date", "2026-02-30", "--by", "x"], "--date")])
def test_a_bad_date_is_a_message_not_a_traceback(argv, option, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"[{option}] 错误 error: 日期 " in err and "应为 YYYY-MM-DD" in err
    assert "Traceback" not in err


def test_the_command_exits_with_mains_code_and_all_its_output(tmp_path):
    """`ssj` leaves without freeing its objects (cli.entry): its exit code and every line written
    (a build's line to a pipe) must still come out."""
    bad = subprocess.run([sys.executable, "-m", "shuangsuiji", "build", "--registry", str(tmp_path)],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "departments.yaml" in bad.stderr and "Traceback" not in bad.stderr
    listing = subprocess.run([sys.executable, "-m", "shuangsuiji", "--help"], capture_output=True, text=True)
    assert listing.returncode == 0 and "build" in listing.stdout
    code = ("from shuangsuiji import cli\ncli.main = lambda: print('生成完成 / built') or 7\ncli.entry()")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as a shell's pipe has it
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 7 and run.stdout == "生成完成 / built\n"  # a short line stays buffered until flushed
