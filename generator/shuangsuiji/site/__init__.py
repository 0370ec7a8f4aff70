"""Layer 6, site: the build and its stages (render, statistics pages, charts, search index,
feeds, open data, history), fed only by the `privacy` layer's `PublicRegistry`.
"""
