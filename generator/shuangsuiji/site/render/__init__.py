"""Stage — render: record pages from the `PublicRegistry`, in the look of the MkDocs build.

`shell` builds the narrative pages with MkDocs and cuts the page shell; `pages` turns
public records into page contexts; `engine` streams them through Jinja2 to disk.
"""
