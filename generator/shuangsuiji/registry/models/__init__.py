"""Typed records of the registry, one module per record kind."""
