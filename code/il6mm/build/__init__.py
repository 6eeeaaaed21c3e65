"""How the book is built: one build context loaded once per build (CITATION.cff, the versions file, the
evidence, the bibliography and the repository address; ``context``), what each page read when it last ran
and the digest of those inputs (``inputs``: a page re-executes when they change, and only then), the kernels
the build starts (``kernels``: over IPC, no TCP notice) and the stamps pages carry (``provenance``).

Above the evidence, the analyses, the living files and the results it loads; below publishing and the site.
"""
