"""Early warning: a region whose problem rate is raised in the data is flagged; a noise region is not."""

from __future__ import annotations

import random
from datetime import date

import pytest

from shuangsuiji.analysis.stats import Fact, Profile
from shuangsuiji.analysis.warning import benjamini_hochberg, early_warnings, feed_entries, two_proportion_z

N = 400  # results per region and period: a rise from 10 % to 20 % has power > 0.99 at this size


def _facts(seed: int, rates: dict[str, tuple[float, float]]) -> list[Fact]:
    rnd = random.Random(seed)
    out = []
    for region, (p_prev, p_cur) in sorted(rates.items()):
        for year, p in ((2023, p_prev), (2024, p_cur)):
            for i in range(N):
                prof = Profile(region, "C", "13", "企业", "B")
                out.append(Fact(f"{region}-{year}-{i}", "T", "d", year, f"T{i}", prof, ("I",), ("x",), (),
                                rnd.random() < p, ("a", "b"), date(year, 6, 1), date(year, 6, 5), True))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_raised_region_flagged_noise_region_not(seed):
    facts = _facts(seed, {"371302": (0.10, 0.20), "371311": (0.10, 0.10), "371312": (0.15, 0.15)})
    tests = {(t.dim, t.key): t for t in early_warnings(facts)}
    raised, noise = tests[("region", "371302")], tests[("region", "371311")]
    assert raised.flagged and raised.n1 == N and raised.k1 > raised.k0
    assert not noise.flagged and not tests[("region", "371312")].flagged
    assert raised.p_adjusted >= raised.p  # corrected across regions and the industry tested together
    entries = feed_entries(tests.values())
    ids = [e["path"] for e in entries]
    assert "warning/2024/region/371302" in ids  # (industry C, which holds the raised region, may rise too)
    assert not any(i.endswith(("371311", "371312")) for i in ids)
    assert all("z =" in e["text"] for e in entries)


def test_minimum_sample_size_and_direction():
    small = _facts(4, {"371302": (0.0, 0.9)})[: 2 * N]
    few = [f for f in small if f.year == 2023][:29] + [f for f in small if f.year == 2024][:29]
    assert early_warnings(few) == []  # n < 30 in a period: not tested at all
    falling = early_warnings(_facts(5, {"371302": (0.3, 0.1)}))
    assert not any(t.flagged for t in falling)


def test_z_test_and_bh_known_values():
    z, p = two_proportion_z(40, 400, 80, 400)
    assert z == pytest.approx(3.9606, abs=1e-3) and p == pytest.approx(3.74e-5, rel=0.02)
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])
