"""Code behind the living review "Revisiting IL-6 antagonism in multiple myeloma".

One module per job: ``provenance`` (what inputs a page was computed from), ``evidence``
(load and validate records), ``synthesis`` (meta-analysis), ``niche`` (bone-marrow model),
``figures`` (matplotlib figures, no I/O), ``interactive`` (kernel-free interactive figures).
"""

__version__ = "0.1.0"
