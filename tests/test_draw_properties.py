"""Properties of `ssj-draw/1` that must hold for every input (hypothesis)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from shuangsuiji.draw import DrawInput, Ranker, Recusal, freeze, match, replay, select
from shuangsuiji.draw.canon import parse_ratio

IDS = st.text(alphabet="0123456789ABCDEFé临沂-", min_size=1, max_size=6)
STRATA = ["371302|一般", "371302|重点", "371311|A"]
RATIOS = ["0", "0.05", "0.25", "1/3", "0.5", "1"]
SEEDS = st.binary(min_size=32, max_size=32)
settings.register_profile("draw", max_examples=60, deadline=None)
settings.load_profile("draw")


@st.composite
def inputs(draw) -> DrawInput:
    ids = draw(st.lists(IDS, min_size=1, max_size=25, unique=True))
    candidates = [(i, draw(st.sampled_from(STRATA))) for i in ids]
    n_insp = draw(st.integers(1, 8))
    units = draw(st.lists(st.sampled_from(["scjgj", "wjw"]), min_size=n_insp, max_size=n_insp))
    inspectors = [(f"I{k}", u) for k, u in enumerate(units)]
    conflicts = draw(st.lists(st.tuples(st.sampled_from([i for i, _ in inspectors]), st.sampled_from(ids)),
                              unique=True, max_size=10))
    return DrawInput(task=draw(st.sampled_from(["LY-1", "任务-2"])), candidates=candidates, inspectors=inspectors,
                     conflicts=conflicts, ratios={s: draw(st.sampled_from(RATIOS)) for s in STRATA},
                     min_per_stratum=draw(st.integers(0, 2)),
                     slots=draw(st.lists(st.sampled_from(["scjgj", "wjw", "none"]), max_size=3)),
                     cap_slack=draw(st.integers(0, 2)), seed_sources=["dice"])


def ordered(selection) -> dict[str, list[str]]:
    return {s.key: list(s.selected + s.reserve) for s in selection.strata}


@given(inputs(), SEEDS, st.data())
def test_adding_or_removing_a_candidate_keeps_the_others_order(inp, seed, data):
    base = ordered(select(freeze(inp), seed))
    gone = data.draw(st.sampled_from([c[0] for c in inp.candidates]))
    fewer = DrawInput(**{**inp.__dict__, "candidates": [c for c in inp.candidates if c[0] != gone]})
    new = data.draw(IDS.filter(lambda i: i not in {c[0] for c in inp.candidates}))
    more = DrawInput(**{**inp.__dict__, "candidates": [*inp.candidates, (new, STRATA[0])]})
    for changed, extra in ((fewer, gone), (more, new)):
        got = ordered(select(freeze(changed), seed))
        for key in set(base) | set(got):
            assert [i for i in got.get(key, []) if i != extra] == [i for i in base.get(key, []) if i != extra]


@given(inputs(), SEEDS, st.sampled_from(RATIOS), st.sampled_from(RATIOS))
def test_a_larger_ratio_extends_a_smaller_ones_selection(inp, seed, r1, r2):
    small, large = sorted((r1, r2), key=parse_ratio)
    pick = {}
    for r in (small, large):
        frozen = freeze(DrawInput(**{**inp.__dict__, "ratios": dict.fromkeys(STRATA, r)}))
        pick[r] = {s.key: s.selected for s in select(frozen, seed).strata}
    for key, sel in pick[small].items():
        assert pick[large][key][:len(sel)] == sel


def check_invariants(inp: DrawInput, m) -> None:
    conflicts = set(inp.conflicts)
    units = dict(inp.inspectors)
    held = Counter()
    for x, team in m.assignments.items():
        present = [i for i in team if i is not None]
        assert len(present) == len(set(present)), "an inspector twice on one target"
        for slot, i in enumerate(team):
            if i is not None:
                assert (i, x) not in conflicts, "a conflicted inspector"
                assert units[i] == inp.slots[slot], "an inspector of the wrong unit"
                assert (x, i) not in m.recused, "a recused inspector came back"
                held[i] += 1
    assert {i: n for i, n in m.loads.items() if n} == dict(held)
    overflows = Counter(e[2] for e in m.log if e[0] == "overflow")
    for i, n in held.items():
        assert n <= m.caps[units[i]] or overflows[i] >= n - m.caps[units[i]], "over the cap without a log entry"
    empty = sum(team.count(None) for team in m.assignments.values())
    assert empty == sum(1 for e in m.log if e[0] == "infeasible")


@given(inputs(), SEEDS, st.data())
def test_matching_and_recusal_invariants(inp, seed, data):
    frozen = freeze(inp)
    selection = select(frozen, seed)
    ranker = Ranker(frozen, seed)
    m = match(frozen, seed, selection, ranker)
    assert sorted(m.order) == sorted(selection.selected)
    check_invariants(frozen.input, m)
    events = []
    for _ in range(data.draw(st.integers(0, 4))):
        occupied = [(x, i) for x, team in m.assignments.items() for i in team if i is not None]
        if not occupied:
            break
        x, i = data.draw(st.sampled_from(occupied))
        events.append(Recusal(x, i))
        m = replay(frozen, seed, m, [events[-1]], ranker)
        check_invariants(frozen.input, m)
        assert i not in m.assignments[x]
    # replaying the whole log at once gives the same state as one event at a time
    whole = replay(frozen, seed, match(frozen, seed, selection, ranker), events, ranker)
    assert whole == m


@given(inputs(), SEEDS, st.randoms(use_true_random=False))
def test_result_is_independent_of_row_order(inp, seed, rnd):
    def shuffled(rows):
        rows = list(rows)
        rnd.shuffle(rows)
        return rows

    other = DrawInput(**{**inp.__dict__, "candidates": shuffled(inp.candidates),
                         "inspectors": shuffled(inp.inspectors), "conflicts": shuffled(inp.conflicts),
                         "ratios": dict(reversed(list(inp.ratios.items())))})
    a, b = freeze(inp), freeze(other)
    assert a.manifest_json == b.manifest_json and a.commitment == b.commitment
    sa, sb = select(a, seed), select(b, seed)
    assert sa == sb
    assert match(a, seed, sa) == match(b, seed, sb)
