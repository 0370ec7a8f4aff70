"""Layer 2, registry: the typed records, the file layout, loading, schemas, validation rules,
immutability of published files, folder ownership, Excel import/export and the recognition of
personal data in free text (`freetext`: validation reports it, the privacy layer masks it).

Imports only `core`.
"""
