"""Early warning (风险预警): regions and industries whose problem rate rose significantly.

The plan asks to find regional and industry risks early (早发现、早预警). The test,
stated so anyone can redo it from the published results:

- For each region and each industry section, compare the problem rate of the current
  period (year or quarter of the inspection date) with the previous period.
- Tested only when both periods have at least `min_n` inspected results (default 30),
  so that the normal approximation holds and a handful of results cannot raise a flag.
- One-sided two-proportion z-test with pooled variance, H1: rate rose.
  z = (p1 − p0) / sqrt(p̂(1 − p̂)(1/n0 + 1/n1)), p̂ = (k0 + k1)/(n0 + n1), p = 1 − Φ(z).
- Benjamini–Hochberg correction across every region and industry tested together
  (false discovery rate `alpha`, default 0.05); flagged when the adjusted p ≤ alpha.
Pure Python (no scipy): Φ from math.erfc.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from shuangsuiji.analysis.stats import Fact

DIMS = {"region": "区域", "industry": "行业门类"}


def period_of(d: date, period: str) -> str:
    return str(d.year) if period == "year" else f"{d.year}Q{(d.month - 1) // 3 + 1}"


def previous_period(p: str) -> str:
    if "Q" not in p:
        return str(int(p) - 1)
    y, q = p.split("Q")
    return f"{int(y) - 1}Q4" if q == "1" else f"{y}Q{int(q) - 1}"


def two_proportion_z(k0: int, n0: int, k1: int, n1: int) -> tuple[float, float]:
    """z and one-sided p (H1: second rate higher) of the pooled two-proportion z-test."""
    pooled = (k0 + k1) / (n0 + n1)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    if se == 0:
        return 0.0, 1.0
    z = (k1 / n1 - k0 / n0) / se
    return z, 0.5 * math.erfc(z / math.sqrt(2))


def benjamini_hochberg(pvalues: list[float]) -> list[float]:
    """BH-adjusted p-values (step-up, monotone, capped at 1), in the input order."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        adjusted[i] = min(1.0, running)
    return adjusted


@dataclass(frozen=True)
class Test:
    """One region or industry tested: the numbers behind a flag (or its absence)."""

    dim: str
    key: str
    label: str
    previous: str
    current: str
    n0: int
    k0: int
    n1: int
    k1: int
    z: float
    p: float
    p_adjusted: float
    flagged: bool
    day: date  # latest inspection of the current period counted

    @property
    def rate0(self) -> float:
        return self.k0 / self.n0

    @property
    def rate1(self) -> float:
        return self.k1 / self.n1

    def as_dict(self) -> dict:
        return {"dimension": self.dim, "key": self.key, "label": self.label, "previous": self.previous,
                "current": self.current, "n0": self.n0, "k0": self.k0, "rate0": round(self.rate0, 4),
                "n1": self.n1, "k1": self.k1, "rate1": round(self.rate1, 4), "z": round(self.z, 4),
                "p": float(f"{self.p:.4g}"), "p_adjusted": float(f"{self.p_adjusted:.4g}"), "flagged": self.flagged}


def early_warnings(facts: Iterable[Fact], *, period: str = "year", current: str | None = None,
                   alpha: float = 0.05, min_n: int = 30, labels: dict[tuple[str, str], str] | None = None
                   ) -> list[Test]:
    """Every region and industry with enough results in both periods, tested and corrected together.

    `current` defaults to the latest period with results. Sorted: flagged first, then by adjusted p.
    """
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])  # (dim, key, period) → [n, k]
    last: dict[tuple[str, str, str], date] = {}  # latest inspection counted: the date of a flag
    periods: set[str] = set()
    for f in facts:
        p = period_of(f.inspected_on, period)
        periods.add(p)
        for dim in DIMS:
            cell = (dim, f.profile.key(dim), p)
            c = counts[cell]
            c[0] += 1
            c[1] += f.problem
            last[cell] = max(last.get(cell, f.inspected_on), f.inspected_on)
    if not periods:
        return []
    cur = current or max(periods)
    prev = previous_period(cur)
    raw = []
    for dim, key in sorted({(d, k) for d, k, _ in counts}):
        n0, k0 = counts.get((dim, key, prev), (0, 0))
        n1, k1 = counts.get((dim, key, cur), (0, 0))
        if n0 >= min_n and n1 >= min_n:
            raw.append((dim, key, n0, k0, n1, k1, last[(dim, key, cur)], *two_proportion_z(k0, n0, k1, n1)))
    adjusted = benjamini_hochberg([r[8] for r in raw])
    labels = labels or {}
    out = [Test(dim, key, labels.get((dim, key), key), prev, cur, n0, k0, n1, k1, z, p, pa,
                pa <= alpha and k1 / n1 > k0 / n0, day)
           for (dim, key, n0, k0, n1, k1, day, z, p), pa in zip(raw, adjusted)]
    return sorted(out, key=lambda t: (not t.flagged, t.p_adjusted, t.dim, t.key))


def feed_entries(tests: Iterable[Test], link: str = "stats/warnings/") -> list[dict]:
    """Flagged tests as feed entries, keyed like `feeds.Entry` (path for the tag id, kind, title, link,
    day, text) so the feeds stage can publish them as a `warnings` feed."""
    out = []
    for t in tests:
        if not t.flagged:
            continue
        out.append({
            "path": f"warning/{t.current}/{t.dim}/{t.key}",
            "kind": "风险预警",
            "title": f"风险预警：{DIMS[t.dim]} {t.label} 问题发现率上升（{t.previous} {t.rate0:.1%} → {t.current} "
                     f"{t.rate1:.1%}）",
            "link": f"{link}#{t.dim}-{t.key}",
            "day": t.day,
            "text": (f"{t.previous}：{t.k0}/{t.n0}（{t.rate0:.1%}）；{t.current}：{t.k1}/{t.n1}（{t.rate1:.1%}）；"
                        f"单侧两比例 z 检验 z = {t.z:.2f}，p = {t.p:.2g}，BH 校正后 p = {t.p_adjusted:.2g}。"),
        })
    return out
