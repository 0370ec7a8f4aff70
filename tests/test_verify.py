"""`ssj verify`: tampering with any ticket, id, ratio, beacon value or event is caught and named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from draw_registry_fixture import SIG_657413, TASK, add_sources, make_example_registry, task_yaml
from registry_fixture import write_yaml
from test_draw_registry import _git, folder, ssj


def draw_with_recusal(root: Path, slot: int) -> Path:
    """The worked-example registry at root, frozen (full manifest), drawn, and the first target's
    inspector in `slot` recused."""
    make_example_registry(root)
    add_sources(root)
    r = str(root)
    assert ssj("draw", "freeze", TASK, "--registry", r) == 0 and ssj("draw", "run", TASK, "--registry", r) == 0
    rec = json.loads((folder(root) / "record.json").read_text("utf-8"))
    x = rec["order"][0]
    assert ssj("draw", "recuse", TASK, x, rec["assignments"][x][slot], "--reason", "当事人或其近亲属", "--date",
               "2026-02-26", "--registry", r) == 0
    return root


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> Path:
    return draw_with_recusal(tmp_path_factory.mktemp("verify") / "reg", slot=1)


def copy(drawn: Path, tmp_path: Path) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(drawn, out, ignore=shutil.ignore_patterns(".*"))
    return out


def verify(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = ssj("verify", *args)
    return code, capsys.readouterr().out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_untouched_draw_passes_with_every_hash(drawn, capsys):
    code, out = verify(capsys, "--all", "--registry", str(drawn))
    assert code == 0, out
    manifest = json.loads((folder(drawn) / "manifest.json").read_text("utf-8"))
    for name in ("candidates", "inspectors", "conflicts"):
        assert manifest[f"{name}_sha256"] in out
    record = json.loads((folder(drawn) / "record.json").read_text("utf-8"))
    assert f"C = {record['commitment']}" in out and record["seed"] in out and "FAIL" not in out


def test_tampered_ticket(drawn, tmp_path, capsys):
    root = copy(drawn, tmp_path)
    rec = folder(root) / "record.json"
    record = json.loads(rec.read_text("utf-8"))
    x = sorted(record["tickets"])[0]
    edit(rec, record["tickets"][x], "0" * 64)
    code, out = verify(capsys, TASK, "--registry", str(root))
    assert code == 1 and f"record.tickets.{x}" in out and "0" * 64 in out


def test_tampered_candidate_id(drawn, tmp_path, capsys):
    root = copy(drawn, tmp_path)
    edit(folder(root) / "candidates.tsv", "91371302MA3C000015", "91371302MA3C000023")
    code, out = verify(capsys, TASK, "--registry", str(root))
    assert code == 1 and "candidates.tsv" in out and "91371302MA3C000023" in out


def test_tampered_ratio(drawn, tmp_path, capsys):
    root = copy(drawn, tmp_path)
    edit(folder(root) / "manifest.json", '"371302|一般":"0.25"', '"371302|一般":"0.5"')
    code, out = verify(capsys, TASK, "--registry", str(root))
    assert code == 1 and "ratios.371302|一般" in out and "record.commitment" in out


def test_tampered_event(drawn, tmp_path, capsys):
    root = copy(drawn, tmp_path)
    events = folder(root) / "events.yaml"
    edit(events, "date: '2026-02-26'", "date: '2026-02-27'")
    code, out = verify(capsys, TASK, "--registry", str(root))
    assert code == 1 and "record.events[0].date" in out


def test_tampered_source_value(drawn, tmp_path, capsys):
    root = copy(drawn, tmp_path)
    edit(folder(root) / "sources.yaml", "31415926535897932384", "31415926535897932385")
    code, out = verify(capsys, TASK, "--registry", str(root))
    assert code == 1 and "record.seed" not in out and "种子 seed" in out and "record.sources" in out


def test_public_mode_from_the_record_alone(drawn, tmp_path, capsys):
    record = json.loads((folder(drawn) / "record.json").read_text("utf-8"))
    public = {k: v for k, v in record.items() if k != "private"}
    path = tmp_path / "task.json"
    path.write_text(json.dumps({"draw": public}, ensure_ascii=False), "utf-8")
    code, out = verify(capsys, "--public", str(path))
    assert code == 0 and "公众无法核对 / the public cannot check" in out and record["seed"] in out
    x = sorted(public["tickets"])[-1]
    public["tickets"][x] = "f" * 64
    path.write_text(json.dumps(public), "utf-8")
    code, out = verify(capsys, "--public", str(path))
    assert code == 1 and f"tickets.{x}" in out
    public = {k: v for k, v in record.items() if k != "private"}
    public["assignments"][public["order"][0]].reverse()
    path.write_text(json.dumps(public), "utf-8")
    code, out = verify(capsys, "--public", str(path))
    assert code == 1 and f"assignments.{public['order'][0]}" in out


def test_bad_input_exits_2(drawn, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    other = tmp_path / "other.json"
    other.write_text('{"tag": "something else"}', "utf-8")
    for args in [(), ("--public", str(bad)), ("--public", str(other)), ("NO-SUCH", "--registry", str(drawn)),
                 ("--all", "--registry", str(tmp_path))]:
        capsys.readouterr()
        assert ssj("verify", *args) == 2, args
        assert "Traceback" not in capsys.readouterr().err


def test_tables_are_rebuilt_from_the_registry_as_committed(drawn, tmp_path, capsys):
    """A target closed after the draw does not break verification when the draw is in git; it does in a bare copy."""
    root = copy(drawn, tmp_path)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "draw")
    target = (root / "targets/371302.csv")
    edit(target, "91371302MA3C000015,", "91371302MA3C000015,")  # the row exists
    text = target.read_text("utf-8").splitlines()
    text[1] = text[1].replace(",存续,", ",注销,")
    target.write_text("\n".join(text) + "\n", "utf-8")
    _git(root, "commit", "-qam", "target closed")
    code, out = verify(capsys, TASK, "--registry", str(root))
    assert code == 0 and "git " in out and "日期能证明什么" in out
    shutil.rmtree(root / ".git")
    code, out = verify(capsys, TASK, "--registry", str(root))
    assert code == 1 and "candidates.tsv 多出 extra row: '91371302MA3C000015" in out


def test_drand_task_and_tampered_beacon(tmp_path, capsys):
    root = make_example_registry(tmp_path / "reg")
    write_yaml(root / f"scjgj/tasks/{TASK}.yaml", task_yaml(
        year=2023, published="2023-09-13", period={"start": "2023-09-18", "end": "2023-10-31"},
        seed_sources=[{"kind": "drand-quicknet", "round": 657413}]))
    write_yaml(folder(root) / "ceremony.yaml", {"ran_by": "科室", "ran_at": "2023-09-15T19:10:00+08:00"})
    r = str(root)
    assert ssj("draw", "freeze", TASK, "--registry", r) == 0
    assert ssj("draw", "beacon", TASK, "--signature", SIG_657413, "--registry", r) == 0
    assert ssj("draw", "run", TASK, "--registry", r) == 0
    code, out = verify(capsys, TASK, "--registry", r)
    assert code == 0 and "BLS" in out
    edit(folder(root) / "sources.yaml", "fc1873a13f", "fc1873a13e")
    code, out = verify(capsys, TASK, "--registry", r)
    assert code == 1 and "BLS" in out and "FAIL" in out
