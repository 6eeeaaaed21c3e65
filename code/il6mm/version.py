"""The version of the review and of this package.

Kept as a literal, not read from CITATION.cff at import: an installed (non-editable) copy of the package, or
one imported from a kernel whose working directory is elsewhere, has no CITATION.cff beside it. CITATION.cff
is the one source of truth; ``make release`` (il6mm.living.release) rewrites this line from it,
code/pyproject.toml takes its version from here (setuptools ``attr:``), and tests/unit/test_metadata.py checks
that all of them agree. Pages in the book show the version through the ``{book-version}`` role (filled in by
Sphinx), not from here, so a release re-executes only the pages that read the living files.
"""

__version__ = "0.5.0"
