"""What Sphinx calls: the book's extension (``extension``: its hooks and directives), the ``{val}`` role
(``roles``), interactive figures' frame files (``frames``), the status line and the living files checked at
build time (``living_status``), the Binder launch link (``launch``) and the front-end files the site serves.

The top layer: it imports the others and nothing imports it.
"""
