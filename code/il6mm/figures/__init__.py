"""Figures and tables, one module per chapter (``history``, ``history_tables``, ``meta_explorer``, ``sources``,
``niche``, ``therapy``, and ``living`` for the living-status page), the shared style and palette (``style``) and
interactive figures (``interactive``, a package). Figures take records and analysis results and return
matplotlib Figures; no I/O."""
