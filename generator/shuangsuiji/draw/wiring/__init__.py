"""The registry wiring of `ssj-draw/1`: candidate tables from the registry, the draw folder
(freeze / run / recuse / withdraw) and the audit of a draw against its git history.

Kept apart from the pure algorithm in `shuangsuiji.draw`, which imports no registry code.
"""
