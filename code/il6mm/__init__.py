"""Code behind the living review "Revisiting IL-6 antagonism in multiple myeloma".

The layout follows the flow of the book, one way:

* ``evidence``  records in ``data/`` -> validated models, the bibliography, evidence tables;
* ``analysis``  meta-analysis, the niche model, named results quoted in the prose;
* ``living``    saved searches, the PubMed client, the search and screening logs, the PRISMA-LSR flow;
* ``figures``   matplotlib figures and tables per chapter, interactive figures;
* ``site``      the Sphinx extension, the value role, provenance, front-end files.

Later layers import earlier ones, never the reverse; ``paths`` (where inputs live) is shared by all.
"""

# The version is kept as a literal, not read from CITATION.cff at import: an installed (non-editable) copy
# of the package, or one imported from a kernel whose working directory is elsewhere, has no CITATION.cff
# beside it. CITATION.cff is the one source of truth; `make release` (il6mm.living.release) rewrites
# this line from it, code/pyproject.toml takes its version from here (setuptools `attr:`), and
# tests/test_metadata.py checks that all of them agree.
__version__ = "0.3.0"
