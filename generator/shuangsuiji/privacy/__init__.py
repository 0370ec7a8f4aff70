"""Layer 5, privacy: redaction into the `PublicRegistry` (free text masked with
`registry.freetext`), the leak audit of a built site and the public mirror.

The only way records reach the public outputs. Imports the layers below.
"""
