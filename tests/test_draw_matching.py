"""Matching from short lists (exact prefixes of ranked(x), computed in worker processes) equals the
spec's literal procedure: rank every inspector, take the first eligible (spec draw.md (b))."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import shuangsuiji.draw.algorithm as algorithm
from shuangsuiji.draw import DrawInput, Ranker, Recusal, Tickets, freeze, match, replay, select
from shuangsuiji.draw.algorithm import caps_for

SEEDS = st.binary(min_size=32, max_size=32)


def literal(frozen, seed, selection, events=()):
    """draw.md (b) and the recusal rule word for word: whole ranked(x), no short lists."""
    inp = frozen.input
    tickets = Tickets(seed, inp.task)
    units = dict(inp.inspectors)
    banned = {(i, t) for i, t in inp.conflicts}

    def ranked(x):
        return tickets.ranked("pair", (x,), [i for i in sorted(units) if (i, x) not in banned])

    def fill(x, unit, taken, loads, cap):
        pool = [i for i in ranked(x) if units[i] == unit and i not in taken]
        under = [i for i in pool if loads[i] < cap]
        if under:
            return under[0], []
        return (pool[0], [("overflow", x, pool[0])]) if pool else (None, [("infeasible", x, unit)])

    order = tickets.ranked("order", (), sorted(selection.selected))
    caps = caps_for(frozen, len(order))
    loads = dict.fromkeys(units, 0)
    teams, log = {}, []
    for x in order:
        team = []
        for unit in inp.slots:
            who, entry = fill(x, unit, team, loads, caps[unit])
            log += entry
            if who:
                loads[who] += 1
            team.append(who)
        teams[x] = tuple(team)
    initial = (dict(teams), list(log))
    recused = []
    for ev in events:
        team = list(teams[ev.target_id])
        slot = team.index(ev.inspector_id)
        recused.append((ev.target_id, ev.inspector_id))
        loads[ev.inspector_id] -= 1
        team[slot] = None
        gone = [i for t, i in recused if t == ev.target_id]
        who, entry = fill(ev.target_id, inp.slots[slot], team + gone, loads, caps[inp.slots[slot]])
        log += entry
        if who:
            loads[who] += 1
        team[slot] = who
        teams[ev.target_id] = tuple(team)
    return initial, (teams, log)


def task(n_targets: int, sizes: dict[str, int], slots: list[str], cap_slack: int, conflicts: int) -> DrawInput:
    inspectors = [(f"{u}-{k:02d}", u) for u, m in sizes.items() for k in range(m)]
    targets = [f"91371302MA3C{k:05d}" for k in range(n_targets)]
    pairs = [(inspectors[(k * 7) % len(inspectors)][0], targets[(k * 5) % n_targets]) for k in range(conflicts)]
    return DrawInput(task="LY-MATCH-1", candidates=[(t, "s") for t in targets], inspectors=inspectors,
                     conflicts=sorted(set(pairs)), ratios={"s": "1"}, slots=slots, cap_slack=cap_slack,
                     seed_sources=["dice"])


@settings(max_examples=40, deadline=None)
@given(SEEDS, st.integers(1, 4), st.integers(0, 2), st.sampled_from([["a", "a"], ["a", "b", "a"], ["b", "c"]]),
       st.integers(0, 30), st.data())
def test_short_lists_match_the_literal_procedure(seed, shortlist, cap_slack, slots, conflicts, data):
    frozen = freeze(task(30, {"a": 9, "b": 5}, slots, cap_slack, conflicts))
    selection = select(frozen, seed)
    ranker = Ranker(frozen, seed, shortlist=shortlist)
    m = match(frozen, seed, selection, ranker)
    occupied = [(x, i) for x in m.order for i in m.assignments[x] if i is not None]
    events = [Recusal(*p) for p in data.draw(st.lists(st.sampled_from(occupied), unique_by=lambda p: p[0],
                                                      max_size=5))] if occupied else []
    final = replay(frozen, seed, m, events, ranker)
    (teams0, log0), (teams, log) = literal(frozen, seed, selection, events)
    assert (dict(m.assignments), list(m.log)) == (teams0, log0)
    assert (dict(final.assignments), list(final.log)) == (teams, log)
    for x in m.order:  # prefixes and positions agree with the whole order
        whole = ranker.ranked(x)
        assert ranker.prefix(x, 3) == whole[:3]
        assert all(ranker.position(x, i) == whole.index(i) for i in m.assignments[x] if i)


def test_short_lists_run_out_and_fall_back(monkeypatch):
    """Tight caps with one-inspector short lists force the fallback to the whole order, in worker processes."""
    monkeypatch.setattr(algorithm, "PARALLEL_PAIRS", 0)
    frozen = freeze(task(60, {"a": 12}, ["a", "a", "a"], 0, 20))
    seed = bytes(range(32))
    ranker = Ranker(frozen, seed, shortlist=1, workers=2)
    selection = select(frozen, seed)
    m = match(frozen, seed, selection, ranker)
    whole = [x for x, (kept, exact) in ranker._short.items() if exact == 12]
    assert whole, "no short list ran out: the test does not exercise the fallback"
    assert (dict(m.assignments), list(m.log)) == literal(frozen, seed, selection)[0]
