"""Numbers the prose quotes: the named results the package computes from the records, once per build
(``named``: ``@pfs``, ``@crs_any``, ``@niche``, ...), and the resolver of value addresses (``values``), which
the book's ``{val}`` role and the readers' notebooks share, so both show the same text.

Sits above the analyses it calls and below the figures, the build and the site, which use it.
"""
