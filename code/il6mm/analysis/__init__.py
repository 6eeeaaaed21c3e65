"""Analyses of the evidence: random-effects pooling in one place (``pooling``), the meta-analysis of the
randomised trials (``meta_analysis``), the pooled CRS incidences (``crs_pooling``) and the bone-marrow niche
model (``niche``, a package). The named results the prose quotes from them are in ``il6mm.results``."""
