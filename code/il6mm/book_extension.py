"""Sphinx extension loaded by the book (``_config.yml``: ``sphinx.extra_extensions``).

Freshness: myst-nb's execution cache keys on a page's code cells only, so a change to the
``il6mm`` package or to the evidence records would otherwise leave old figures in the site.
We append the inputs digest (``il6mm.provenance.inputs_digest``) to the cache folder. A new
digest means a new, empty cache *and* a changed config value, which makes Sphinx re-read
(and so re-execute) every page; an unchanged digest keeps no-op rebuilds fast.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from .provenance import build_footer, inputs_digest

logger = logging.getLogger(__name__)
_DIGEST_DIR = re.compile(r"^[0-9a-f]{12}$")


def _cache_per_digest(app: Sphinx, config) -> None:
    base = Path(config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")
    if _DIGEST_DIR.match(base.name):  # already suffixed (config re-read in one process)
        base = base.parent
    digest = inputs_digest(Path(app.srcdir))
    config.nb_execution_cache_path = str(base / digest)
    # Caches of older inputs can never be hit again: drop them so _build does not grow.
    if base.is_dir():
        for old in base.iterdir():
            if old.is_dir() and _DIGEST_DIR.match(old.name) and old.name != digest:
                shutil.rmtree(old, ignore_errors=True)
    logger.info("il6mm: inputs digest %s", digest)


def _footer_stamp(app: Sphinx, config) -> None:
    """Put version, commit and date at the foot of every page, so readers can cite what they read."""
    stamp = build_footer(Path(app.srcdir))
    options = dict(config.html_theme_options or {})
    options["extra_footer"] = f"{options.get('extra_footer', '')}<p>{stamp}</p>"
    config.html_theme_options = options


def setup(app: Sphinx) -> dict:
    # Priority < 500 so that we run before myst-nb reads the value at builder-inited.
    app.connect("config-inited", _cache_per_digest, priority=400)
    app.connect("config-inited", _footer_stamp, priority=400)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
