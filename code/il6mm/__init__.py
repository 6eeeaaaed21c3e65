"""Code behind the living review "Revisiting IL-6 antagonism in multiple myeloma".

The layout follows the flow of the book, one way:

* ``evidence``  records in ``data/`` -> validated models, the bibliography, evidence tables, Markdown tables;
* ``analysis``  random-effects pooling, the meta-analysis, the CRS pooling, the niche model;
* ``living``    saved searches, the PubMed client, the search and screening logs, the PRISMA-LSR flow, the
  versions of the review and ``make release``;
* ``results``   the named results the prose quotes and the resolver of value addresses;
* ``figures``   matplotlib figures and tables per chapter, interactive figures;
* ``build``     the build context (loaded once per build), per-page inputs and re-execution, kernels, stamps;
* ``publish``   what is published beside the pages: the PDF, the readers' notebooks, the citation files;
* ``site``      what Sphinx calls: the extension, the value role, frame files, the status line.

Later layers import earlier ones, never the reverse (tests/unit/test_layout.py); ``paths`` (where inputs
live) is shared by all.
"""

# The version is kept as a literal, not read from CITATION.cff at import: an installed (non-editable) copy
# of the package, or one imported from a kernel whose working directory is elsewhere, has no CITATION.cff
# beside it. CITATION.cff is the one source of truth; `make release` (il6mm.living.release) rewrites
# this line from it, code/pyproject.toml takes its version from here (setuptools `attr:`), and
# tests/unit/test_metadata.py checks that all of them agree.
__version__ = "0.4.0"
