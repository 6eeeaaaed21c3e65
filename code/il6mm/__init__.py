"""Code behind the living review "Revisiting IL-6 antagonism in multiple myeloma".

The layout follows the flow of the book, one way:

* ``evidence``  records in ``data/`` -> validated models, the bibliography, evidence tables;
* ``analysis``  meta-analysis, the niche model, named results quoted in the prose;
* ``living``    saved searches, the PubMed client, the search and screening logs, the PRISMA-LSR flow;
* ``figures``   matplotlib figures and tables per chapter, interactive figures;
* ``site``      the Sphinx extension, the value role, provenance, front-end files.

Later layers import earlier ones, never the reverse; ``paths`` (where inputs live) is shared by all.
"""

__version__ = "0.1.0"
