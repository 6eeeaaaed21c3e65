"""What the review publishes beside its HTML pages: the whole review as one PDF (``pdf``), the readers'
notebooks for Binder (``notebooks``) and the citation files of the review and of each chapter (``citation``).

Everything here reads the built site or the sources; none of it is called by Sphinx directly (the site's
extension, ``il6mm.site``, writes the citation files at the end of a build).
"""
