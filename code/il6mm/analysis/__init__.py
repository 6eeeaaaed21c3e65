"""Analyses of the evidence: the meta-analysis of the randomised trials (``meta_analysis``), the
bone-marrow niche model (``niche``) and the named results the book's prose quotes (``results``)."""
