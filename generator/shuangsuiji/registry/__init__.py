"""Layer 2, registry: the typed records, the file layout, loading, schemas, validation rules,
immutability of published files, folder ownership and Excel import/export.

Imports only `core`.
"""
