"""The example and scale-test registry generator, beside `cli`: it may import every layer
below `cli`, and only `cli` imports it.
"""
