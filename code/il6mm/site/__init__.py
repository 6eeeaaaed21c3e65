"""The book's site: the Sphinx extension (``extension``), the value role and its resolver (``roles``,
``values``), provenance of builds (``provenance``) and the front-end files served with the site."""
