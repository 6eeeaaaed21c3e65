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
live) and ``version`` are shared by all.
"""

# The version lives in ``il6mm.version`` and is imported only when asked for: every page imports this package,
# and a page re-executes when a module it imported changes (il6mm.build.inputs), so a release, which rewrites
# the version and nothing a page computes, must not touch a module every page imports.


def __getattr__(name: str):
    if name == "__version__":
        from .version import __version__
        return __version__
    raise AttributeError(f"module 'il6mm' has no attribute {name!r}")
