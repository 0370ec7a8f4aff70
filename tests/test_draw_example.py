"""The normative worked example and vectors of spec draw.md, reproduced byte for byte."""

from __future__ import annotations

import hashlib
import hmac
import json
from fractions import Fraction
from pathlib import Path

import pytest

from shuangsuiji.draw import DrawInput, Recusal, Tickets, freeze, rank_dates, run, sample_size
from shuangsuiji.draw.canon import canonical_json, canonical_table, enc, parse_ratio
from shuangsuiji.draw.sources import (QUICKNET_GENESIS, check_drand_value, drand_randomness, round_at, round_time,
                                      verify_quicknet)
from shuangsuiji.core.errors import UserError

EXAMPLE = Path(__file__).parent / "data" / "draw" / "worked_example.json"
A = "371302|一般"
B = "371311|重点"
SIG_657413 = bytes.fromhex("b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be"
                           "41076862b98fad56e91a6b85b89cd97b")


def example_input() -> tuple[DrawInput, list, list]:
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    inp = DrawInput(task=doc["task"], candidates=[tuple(r) for r in doc["candidates"]],
                    inspectors=[tuple(r) for r in doc["inspectors"]], conflicts=[tuple(r) for r in doc["conflicts"]],
                    ratios=doc["ratios"], min_per_stratum=1, slots=doc["slots"], cap_slack=1,
                    seed_sources=[k for k, _ in doc["sources"]])
    return inp, [tuple(s) for s in doc["sources"]], [Recusal(*e) for e in doc["events"]]


@pytest.fixture(scope="module")
def result():
    inp, sources, events = example_input()
    return run(freeze(inp), sources, events)


def test_canonical_candidates_table_and_manifest(result):
    inp, _, _ = example_input()
    table = canonical_table(list(reversed(inp.candidates)), "candidates", unique_first=True)
    assert table.decode().splitlines()[0] == "91371302MA3C000015\t371302|一般"
    assert table.endswith("92371311MA3D00011N\t371311|重点\n".encode())
    assert hashlib.sha256(table).hexdigest() == "4324eeffb7f851308ba54cf961d2622749850f3e9c2c4081bd6711b433bf88fe"
    assert result.frozen.manifest_json.decode() == (
        '{"candidates_sha256":"4324eeffb7f851308ba54cf961d2622749850f3e9c2c4081bd6711b433bf88fe","cap_slack":1,'
        '"conflicts_sha256":"4b372eb48ed8c16071c94357cc359c4dbaa445dfe911cb16e8796e51b1d051d9",'
        '"inspectors_sha256":"96ecd77e032acca3c84f98957bcbb59845a3b99d3dcb7ce5edd50232e5111e11",'
        '"min_per_stratum":1,"ratios":{"371302|一般":"0.25","371311|重点":"1"},'
        '"seed_sources":["dice","lottery"],"slots":["scjgj","scjgj"],"tag":"ssj-draw/1","task":"LY-SCJG-2026-001"}')
    assert result.frozen.commitment == "bd2583c91b8291ea80254ee3aa46ed2251a8da92754c5bcd6a532d65bdb0128f"
    assert result.seed.hex() == "b52033fb4f18f7f2ff02f16bf027b10419df74647a56eb83f346137e759cf7bb"


def test_selection_and_reserve(result):
    a, b = result.selection.strata
    assert (a.key, a.N, a.ratio, a.n) == (A, 8, "0.25", 2)
    assert a.selected == ("91371302MA3C00008T", "91371302MA3C00006L")
    assert a.reserve == tuple(f"91371302MA3C0000{s}" for s in ("28", "15", "5H", "4E", "7P", "3B"))
    assert (b.key, b.N, b.ratio, b.n) == (B, 3, "1", 3)
    assert b.selected == ("92371311MA3D00011N", "92371311MA3D00009E", "92371311MA3D00010K")
    assert b.reserve == ()
    assert len(result.selection.tickets) == 11


def test_matching_ranked_and_recusal(result):
    m = result.initial
    assert m.caps == {"scjgj": 4}
    assert m.order == ("91371302MA3C00008T", "92371311MA3D00009E", "92371311MA3D00010K", "91371302MA3C00006L",
                       "92371311MA3D00011N")
    assert dict(m.assignments) == {
        "91371302MA3C00008T": ("SCJG-0004", "SCJG-0001"),
        "92371311MA3D00009E": ("SCJG-0003", "SCJG-0002"),
        "92371311MA3D00010K": ("SCJG-0002", "SCJG-0003"),
        "91371302MA3C00006L": ("SCJG-0002", "SCJG-0001"),
        "92371311MA3D00011N": ("SCJG-0002", "SCJG-0004"),
    }
    assert result.ranker.ranked("91371302MA3C00006L") == ["SCJG-0002", "SCJG-0001", "SCJG-0004", "SCJG-0003"]
    assert "SCJG-0001" not in result.ranker.ranked("92371311MA3D00009E")  # declared conflict
    assert m.log == ()
    final = result.final
    assert final.assignments["91371302MA3C00006L"] == ("SCJG-0004", "SCJG-0001")
    assert {x: v for x, v in final.assignments.items() if x != "91371302MA3C00006L"} == \
        {x: v for x, v in m.assignments.items() if x != "91371302MA3C00006L"}
    assert final.recused == (("91371302MA3C00006L", "SCJG-0002"),)
    assert final.loads["SCJG-0002"] == m.loads["SCJG-0002"] - 1
    assert final.loads["SCJG-0004"] == m.loads["SCJG-0004"] + 1
    assert final.log == ()


def test_second_recusal_never_returns_a_recused_inspector(result):
    inp, sources, _ = example_input()
    events = [Recusal("91371302MA3C00006L", "SCJG-0002"), Recusal("91371302MA3C00006L", "SCJG-0004")]
    final = run(freeze(inp), sources, events).final
    # ranked(…06L) = 0002, 0001, 0004, 0003: 0002 and 0004 are recused, 0001 is on it -> 0003
    assert final.assignments["91371302MA3C00006L"] == ("SCJG-0003", "SCJG-0001")


def test_enc_vector():
    assert enc("ab", "临沂").hex() == "00000002616200000006e4b8b4e6b282"
    assert enc(42) == enc("42")
    assert enc("e\u0301") == enc("\u00e9")  # NFC before encoding


@pytest.mark.parametrize("N, r, n", [(7, "0.05", 1), (20, "0.05", 1), (21, "0.05", 2), (100, "0.3", 30),
                                     (0, "0.5", 0), (0, "0", 0), (5, "0", 0), (5, "1", 5), (3, "1/3", 1),
                                     (10, "1/3", 4)])
def test_sample_size(N, r, n):
    assert sample_size(N, parse_ratio(r), 1) == n


def test_sample_size_minimum_and_exact_fraction():
    assert sample_size(10, Fraction(1, 100), 3) == 3
    assert sample_size(2, Fraction(1, 100), 3) == 2
    # 0.1 * 30 is exactly 3 (a float would give 3.0000000000000004 and round up to 4)
    assert sample_size(30, parse_ratio("0.1"), 1) == 3


@pytest.mark.parametrize("bad", ["1.5", "2", "0.", ".5", "1/0", "-0.1", "１", "0.25 ", "3/2", "", "1e-2"])
def test_bad_ratios(bad):
    with pytest.raises(UserError):
        parse_ratio(bad)


def test_canonical_json_rejects_floats_and_matches_python():
    obj = {"b": "临\n\"x\"", "a": [1, {"z": None, "y": True}]}
    assert canonical_json(obj) == json.dumps(obj, sort_keys=True, separators=(",", ":"),
                                             ensure_ascii=False).encode()
    with pytest.raises(UserError):
        canonical_json({"r": 0.25})


def test_tickets_equal_plain_hmac():
    seed = hashlib.sha256(b"seed").digest()
    t = Tickets(seed, "任务-1")
    ids = ["a", "临沂", "x" * 300]
    expected = [hmac.digest(seed, enc("pair", "任务-1", "T1", i), "sha256") for i in ids]
    assert t.many("pair", ("T1",), [i.encode() for i in ids]) == expected
    assert t.one("pair", "T1", "临沂") == expected[1]


def test_rank_dates_is_a_ticket_order():
    seed = bytes(range(32))
    days = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
    ranked = rank_dates(seed, "T", "X", days)
    assert sorted(ranked) == days
    keys = {d: hmac.digest(seed, enc("date", "T", "X", d), "sha256") for d in days}
    assert ranked == sorted(days, key=lambda d: keys[d])
    assert rank_dates(seed, "T", "X", list(reversed(days))) == ranked
    for bad in (["2026-02-30"], ["2026-3-02"], days + days[:1]):
        with pytest.raises(UserError):
            rank_dates(seed, "T", "X", bad)


def test_drand_quicknet_vector():
    assert drand_randomness(SIG_657413) == "fc1873a13f3545aeade8401532ef5519920652eee6b0d2b19ca12643b87b3587"
    assert verify_quicknet(657413, SIG_657413)
    assert not verify_quicknet(657414, SIG_657413)
    value = "657413:fc1873a13f3545aeade8401532ef5519920652eee6b0d2b19ca12643b87b3587"
    assert check_drand_value(value, SIG_657413.hex())
    assert not check_drand_value(value.replace("fc18", "fc19"), SIG_657413.hex())
    assert not verify_quicknet(657413, SIG_657413[:-1] + bytes([SIG_657413[-1] ^ 1]))
    assert not verify_quicknet(657413, b"\x00" * 48)


def test_drand_round_times():
    assert round_at(QUICKNET_GENESIS) == 1
    assert round_at(QUICKNET_GENESIS + 2) == 1
    assert round_at(QUICKNET_GENESIS + 3) == 2
    assert round_time(657413) == QUICKNET_GENESIS + 3 * 657412
    assert round_at(round_time(657413)) == 657413


def test_overflow_when_conflicts_force_it():
    inp = DrawInput(task="T", candidates=[(f"T{k}", "s") for k in range(1, 5)],
                    inspectors=[("I1", "u"), ("I2", "u")], conflicts=[("I1", "T1"), ("I1", "T2"), ("I1", "T3")],
                    ratios={"s": "1"}, slots=["u"], cap_slack=0, seed_sources=["dice"])
    r = run(freeze(inp), [("dice", "123")])
    assert r.initial.caps == {"u": 2}
    for t in ("T1", "T2", "T3"):
        assert r.initial.assignments[t] == ("I2",)
    assert r.initial.assignments["T4"] == ("I1",)
    assert r.initial.loads == {"I1": 1, "I2": 3}
    assert [e[0] for e in r.initial.log] == ["overflow"]
    assert r.initial.log[0][2] == "I2"
