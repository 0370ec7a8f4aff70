"""Layer 4, analysis: statistics, early warnings, credit feedback, progress, overlapping
and repeated inspections, computed from the registry.

Imports `core`, `registry` and `draw`.
"""
