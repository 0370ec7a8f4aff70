"""Layer 1, core: errors and messages, identifier codes and their tables, working days, file I/O, atomic writes.

Imports nothing else of the project; every other layer may import it.
"""
