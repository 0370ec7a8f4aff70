"""The verifiable double-random draw `ssj-draw/1` (spec draw.md), as pure functions.

Depends on nothing of the project but `shuangsuiji.core.errors`; `draw.wiring` connects it to
the registry (freeze / run / recuse / verify).
"""

from shuangsuiji.draw.algorithm import (TAG, DrawInput, DrawResult, Frozen, Matching, Ranker, Recusal, Selection,
                                        Stratum, Tickets, caps_for, freeze, match, rank_dates, replay, run,
                                        sample_size, seed_for, select)

__all__ = ["TAG", "DrawInput", "DrawResult", "Frozen", "Matching", "Ranker", "Recusal", "Selection", "Stratum",
           "Tickets", "caps_for", "freeze", "match", "rank_dates", "replay", "run", "sample_size", "seed_for",
           "select"]
