"""`ssj draw compute` driven as a real subprocess: the worked example, and every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shuangsuiji.cli import main

EXAMPLE = Path(__file__).parent / "data" / "draw" / "worked_example.json"


def ssj(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shuangsuiji", *args], capture_output=True, timeout=120)


def example() -> dict:
    return json.loads(EXAMPLE.read_text("utf-8"))


def test_worked_example_output():
    p = ssj("draw", "compute", str(EXAMPLE))
    assert p.returncode == 0, p.stderr.decode()
    assert p.stderr == b""
    text = p.stdout.decode("utf-8")
    out = json.loads(text)
    assert text == json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    assert out["commitment"] == "bd2583c91b8291ea80254ee3aa46ed2251a8da92754c5bcd6a532d65bdb0128f"
    assert out["seed"] == "b52033fb4f18f7f2ff02f16bf027b10419df74647a56eb83f346137e759cf7bb"
    assert out["manifest"]["candidates_sha256"] == "4324eeffb7f851308ba54cf961d2622749850f3e9c2c4081bd6711b433bf88fe"
    assert out["strata"] == {
        "371302|一般": {"N": 8, "ratio": "0.25", "n": 2, "selected": ["91371302MA3C00008T", "91371302MA3C00006L"],
                      "reserve": ["91371302MA3C000028", "91371302MA3C000015", "91371302MA3C00005H",
                                  "91371302MA3C00004E", "91371302MA3C00007P", "91371302MA3C00003B"]},
        "371311|重点": {"N": 3, "ratio": "1", "n": 3, "reserve": [],
                      "selected": ["92371311MA3D00011N", "92371311MA3D00009E", "92371311MA3D00010K"]},
    }
    assert len(out["tickets"]) == 11 and all(len(t) == 64 for t in out["tickets"].values())
    # the selected of a stratum are its smallest tickets
    t = out["tickets"]
    assert max(t[x] for x in out["strata"]["371302|一般"]["selected"]) < \
        min(t[x] for x in out["strata"]["371302|一般"]["reserve"])
    assert out["order"] == ["91371302MA3C00008T", "92371311MA3D00009E", "92371311MA3D00010K",
                            "91371302MA3C00006L", "92371311MA3D00011N"]
    assert out["caps"] == {"scjgj": 4}
    assert out["ranked"]["91371302MA3C00006L"] == ["SCJG-0002", "SCJG-0001", "SCJG-0004", "SCJG-0003"]
    assert out["ranked"]["92371311MA3D00009E"] == [i for i in out["ranked"]["92371311MA3D00009E"]
                                                   if i != "SCJG-0001"]
    assert len(out["ranked"]) == 5
    assert out["initial_assignments"]["91371302MA3C00006L"] == ["SCJG-0002", "SCJG-0001"]
    assert out["initial_assignments"]["91371302MA3C00008T"] == ["SCJG-0004", "SCJG-0001"]
    assert out["assignments"]["91371302MA3C00006L"] == ["SCJG-0004", "SCJG-0001"]
    assert out["log"] == []


def test_overflow_and_infeasible_are_logged(tmp_path):
    doc = example()
    doc["inspectors"] = [["SCJG-0001", "scjgj"], ["SCJG-0002", "scjgj"], ["A-1", "other"]]
    doc["slots"] = ["scjgj", "scjgj", "nobody"]
    doc["cap_slack"] = 0
    doc["events"] = []
    f = tmp_path / "in.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    p = ssj("draw", "compute", str(f))
    assert p.returncode == 0, p.stderr.decode()
    out = json.loads(p.stdout)
    assert out["caps"] == {"nobody": 0, "scjgj": 5}
    kinds = [e[0] for e in out["log"]]
    assert kinds.count("infeasible") >= 5  # unit without inspectors, and …09E has only SCJG-0002
    assert ["infeasible", "91371302MA3C00008T", "nobody"] in out["log"]
    assert out["assignments"]["92371311MA3D00009E"] == ["SCJG-0002", None, None]
    assert "A-1" in out["ranked"]["91371302MA3C00008T"]  # ranked(x) holds every unit


def bad(tmp_path, capsys, doc_or_text, *needles: str):
    """Bad input through the real CLI entry point (in-process: a subprocess each costs seconds)."""
    f = tmp_path / "in.json"
    data = doc_or_text if isinstance(doc_or_text, (str, bytes)) else json.dumps(doc_or_text, ensure_ascii=False)
    f.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    status = main(["draw", "compute", str(f)])
    out, err = capsys.readouterr()
    assert status == 2, (status, err)
    assert out == ""
    assert "Traceback" not in err
    assert "错误" in err and "error" in err
    assert len(err.strip().splitlines()) <= 2  # one message (and its fix line)
    for n in needles:
        assert n in err, err
    return err


def _with(**changes):
    doc = example()
    doc.update(changes)
    return doc


def _without(key):
    doc = example()
    del doc[key]
    return doc


CASES = {
    "duplicate id": lambda d: _with(candidates=d["candidates"] + [["91371302MA3C000015", "371302|一般"]]),
    "duplicate id after NFC": lambda d: _with(candidates=d["candidates"] + [["e\u0301", "371302|一般"],
                                                                           ["\u00e9", "371302|一般"]]),
    "duplicate inspector": lambda d: _with(inspectors=d["inspectors"] + [["SCJG-0001", "x"]]),
    "duplicate conflict": lambda d: _with(conflicts=d["conflicts"] * 2),
    "stratum without ratio": lambda d: _with(ratios={"371302|一般": "0.25"}),
    "tab in id": lambda d: _with(candidates=d["candidates"] + [["X\tY", "371302|一般"]]),
    "newline in stratum": lambda d: _with(candidates=d["candidates"] + [["X", "371302|一般\n"]],
                                          ratios={**d["ratios"], "371302|一般\n": "1"}),
    "CR in unit id": lambda d: _with(inspectors=d["inspectors"] + [["SCJG-0009", "scj\rgj"]]),
    "tab in slot": lambda d: _with(slots=["scj\tgj"]),
    "float ratio": lambda d: _with(ratios={"371302|一般": 0.25, "371311|重点": "1"}),
    "malformed ratio": lambda d: _with(ratios={"371302|一般": "25%", "371311|重点": "1"}),
    "ratio above one": lambda d: _with(ratios={"371302|一般": "5/4", "371311|重点": "1"}),
    "zero denominator": lambda d: _with(ratios={"371302|一般": "1/0", "371311|重点": "1"}),
    "negative min_per_stratum": lambda d: _with(min_per_stratum=-1),
    "negative cap_slack": lambda d: _with(cap_slack=-2),
    "boolean cap_slack": lambda d: _with(cap_slack=True),
    "float cap_slack": lambda d: _with(cap_slack=1.0),
    "unknown source kind": lambda d: _with(sources=[["coin", "1"]]),
    "dice with letters": lambda d: _with(sources=[["dice", "12a4"]]),
    "lottery without numbers": lambda d: _with(sources=[["lottery", "2026001"]]),
    "drand short hex": lambda d: _with(sources=[["drand-quicknet", "657413:abcd"]]),
    "drand uppercase hex": lambda d: _with(sources=[["drand-quicknet", "657413:" + "A" * 64]]),
    "no source": lambda d: _with(sources=[]),
    "event for unselected target": lambda d: _with(events=[["91371302MA3C000015", "SCJG-0001"]]),
    "event for inspector not on target": lambda d: _with(events=[["91371302MA3C00006L", "SCJG-0003"]]),
    "event replayed twice": lambda d: _with(events=[["91371302MA3C00006L", "SCJG-0002"]] * 2),
    "manifest_extra repeats a field": lambda d: _with(manifest_extra={"task": "x"}),
    "float in manifest_extra": lambda d: _with(manifest_extra={"seed_plan": {"x": 1.5}}),
    "missing task": lambda d: _without("task"),
    "missing sources": lambda d: _without("sources"),
    "unknown key": lambda d: _with(extra=1),
    "row of three": lambda d: _with(candidates=[["a", "371302|一般", "z"]]),
    "number as id": lambda d: _with(candidates=[[12, "371302|一般"]]),
    "ratios not an object": lambda d: _with(ratios=["0.25"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(tmp_path, capsys, case):
    bad(tmp_path, capsys, CASES[case](example()))


@pytest.mark.parametrize("text, needle", [
    ('{"task": "a", "task": "b"}', "'task'"),
    ('{"task": "a",', "JSON"),
    ('[1, 2]', "JSON"),
    ('{"task": NaN}', "NaN"),
    (b'\xff\xfe{}', "UTF-8"),
    ('{"task": "\\ud800", "candidates": [], "inspectors": [], "ratios": {}, "slots": [], '
     '"sources": [["dice", "1"]]}', "Unicode"),
])
def test_bad_json(tmp_path, capsys, text, needle):
    bad(tmp_path, capsys, text, needle)


def test_duplicate_key_deep_inside(tmp_path, capsys):
    text = EXAMPLE.read_text("utf-8").replace('"371311|重点": "1"', '"371311|重点": "1", "371311|重点": "1"')
    bad(tmp_path, capsys, text, "371311|重点")


def test_bad_input_as_subprocess(tmp_path):
    """The real `ssj` process: exit 2, one message on stderr, nothing on stdout."""
    f = tmp_path / "in.json"
    f.write_text(json.dumps(_with(ratios={"371302|一般": 0.25, "371311|重点": "1"})), "utf-8")
    for path in (f, tmp_path / "nope.json"):
        p = ssj("draw", "compute", str(path))
        err = p.stderr.decode("utf-8")
        assert p.returncode == 2 and p.stdout == b"" and path.name in err and "Traceback" not in err, err


def test_nfc_input_gives_nfc_output(tmp_path, capsys):
    doc = example()
    doc["candidates"].append(["X1", "371302|e\u0301"])
    doc["ratios"]["371302|\u00e9"] = "1"
    doc["events"] = []
    doc["task"] = "Caf\u0065\u0301"
    f = tmp_path / "in.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    assert main(["draw", "compute", str(f)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["manifest"]["task"] == "Caf\u00e9"
    assert out["strata"]["371302|\u00e9"]["selected"] == ["X1"]
    assert "371302|\u00e9" in out["manifest"]["ratios"]
