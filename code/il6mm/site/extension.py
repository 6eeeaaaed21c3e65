"""Sphinx extension loaded by the book (``_config.yml``: ``sphinx.extra_extensions``).

Freshness: myst-nb's execution cache keys on a page's code cells only, so a change to the
``il6mm`` package or to the evidence records would otherwise leave old figures in the site.
We append the inputs digest (``il6mm.site.provenance.inputs_digest``) to the cache folder. A new
digest means a new, empty cache *and* a changed config value, which makes Sphinx re-read
(and so re-execute) every page; an unchanged digest keeps no-op rebuilds fast.
"""

from __future__ import annotations

import datetime
import html
import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from . import frames, kernels, notebooks, roles
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


# Front-end files the site serves itself, so pages need no CDN (an archived copy works offline):
# (site folder, source folder, file patterns). MathJax comes from the npm package pinned by
# package-lock.json (`npm ci`); _config.yml's `mathjax_path` points there (relative to _static/).
# The interactive figures' script and style (il6mm.site.frames) are added only to pages with a figure;
# both stay out of _static/, whose .js files Jupyter Book would add to every page.
SITE_ASSETS = (
    (frames.ASSET_DIR, "code/il6mm/site", (frames.SCRIPT, frames.STYLESHEET)),
    ("_mathjax", "node_modules/mathjax/es5", ("tex-mml-chtml.js", "input/**/*.js", "output/chtml/**/*",
                                              "a11y/*.js", "ui/*.js", "sre/**/*", "adaptors/*.js")),
)
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _serve_front_end_files(app: Sphinx) -> None:
    """Copy MathJax and the interactive figures' script and style into the site."""
    if app.builder.format != "html":
        return
    src, out = Path(app.srcdir), Path(app.outdir)
    copied = 0
    for folder, source, patterns in SITE_ASSETS:
        base = src / source
        if not base.is_dir():
            raise ExtensionError(f"il6mm: {base} is missing; run `npm ci` in {src} (make book does) "
                                 "to install the front-end files pinned by package-lock.json")
        for pattern in patterns:
            files = [p for p in base.glob(pattern) if p.is_file()]
            if not files:
                raise ExtensionError(f"il6mm: no file matches {pattern!r} in {base}")
            for path in files:
                dest = out / folder / path.relative_to(base)
                stat = path.stat()
                if dest.is_file() and dest.stat().st_size == stat.st_size and dest.stat().st_mtime >= stat.st_mtime:
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)
                copied += 1
    logger.info("il6mm: front-end files in %s (%d updated)", ", ".join(sorted({f for f, _, _ in SITE_ASSETS})), copied)


def _drop_duplicate_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Emit each script once: sphinx-thebe's inline config reaches pages twice, and its repeated
    `const THEBE_JS_URL` is a SyntaxError in every page's console."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # Same file and attributes (an inline script's body is an attribute), whatever the priority.
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: it is the builder's list, which later handlers may extend


def _accessible_citation_lists(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Docutils writes bibliography entries as role="doc-biblioentry" (deprecated in DPUB-ARIA 1.1) inside a
    role="list": assistive technology (and axe-core, as a critical violation) expects list items there."""
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def _scholar_metadata(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Highwire ``citation_*`` tags, which Google Scholar and reference managers read, on every page:
    the page title (and the book's, on chapters), the authors and the build date."""
    book = app.config.html_title or app.config.project
    # The theme's title carries the chapter number as markup ("<span class=section-number>4. </span>...").
    title = re.sub(r'<span class="section-number">.*?</span>|<[^>]+>', "", context.get("title") or book)
    title = html.unescape(title).strip()
    tags = [("citation_title", title), ("citation_author", app.config.author),
            ("citation_publication_date", datetime.date.today().strftime("%Y/%m/%d"))]
    if pagename != app.config.root_doc:
        tags.append(("citation_inbook_title", book))
    meta = "".join(f'<meta name="{name}" content="{html.escape(value, quote=True)}" />\n' for name, value in tags)
    context["metatags"] = context.get("metatags", "") + meta


def _interactive_figures(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Static renditions of interactive figures: frames out of the page into ``_frames/`` files, the swap
    script on the pages that need it, and no widget state or widget manager on any page."""
    body = context.get("body") or ""
    if f'type="{WIDGET_VIEW}"' in body:
        raise ExtensionError(f"il6mm: {pagename} shows a widget that has no static rendition (text/html); "
                             "the site loads no widget manager, so it would be blank: use "
                             "il6mm.figures.interactive.interactive_figure")
    folder = Path(app.outdir) / frames.FRAMES_DIR
    pathto = context["pathto"]

    def store(png: bytes) -> str:
        return pathto(f"{frames.FRAMES_DIR}/{frames.write_frame(folder, png)}", 1)

    try:
        body, count = frames.externalise_frames(body, pagename, store)
    except frames.FrameError as err:
        raise ExtensionError(f"il6mm: {err}") from err
    if count:
        context["body"] = body
        app.add_js_file(f"../{frames.ASSET_DIR}/{frames.SCRIPT}", defer="defer")
        app.add_css_file(f"../{frames.ASSET_DIR}/{frames.STYLESHEET}")
    scripts = context.get("script_files")
    if scripts:
        # The kernel's widget models (what a widget manager would need) are of no use to a static page.
        scripts[:] = [s for s in scripts if getattr(s, "attributes", {}).get("type") != WIDGET_STATE]


_TABLE_BOX = re.compile(r'<div class="pst-scrollable-table-container">(\s*<table[^>]*>\s*(?:<caption>(.*?)</caption>)?)',
                        re.S)


def _focusable_table_scrollers(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """The theme lets a wide table scroll sideways in its own box; name that box as a region a keyboard user
    can focus and scroll (tabindex 0; the theme lowers it to -1 where nothing scrolls)."""
    body = context.get("body")
    if not body or "pst-scrollable-table-container" not in body:
        return

    def one(match: re.Match) -> str:
        caption = html.unescape(re.sub(r"<[^>]+>", "", match.group(2) or "")).strip()
        label = f"{caption[:120]} (scrolls sideways)" if caption else "Table (scrolls sideways)"
        return (f'<div class="pst-scrollable-table-container il6mm-table-scroll" tabindex="0" role="region" '
                f'aria-label="{html.escape(label, quote=True)}">{match.group(1)}')

    context["body"] = _TABLE_BOX.sub(one, body)


def setup(app: Sphinx) -> dict:
    # Priority < 500 so that we run before myst-nb reads the value at builder-inited.
    # Before any notebook executes: kernels over IPC (no "running over TCP without encryption" noise).
    kernels.use_ipc_kernels()
    app.connect("config-inited", _cache_per_digest, priority=400)
    app.connect("config-inited", _footer_stamp, priority=400)
    app.connect("builder-inited", _serve_front_end_files)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", _interactive_figures, priority=900)
    app.connect("html-page-context", _accessible_citation_lists)
    app.connect("html-page-context", _focusable_table_scrollers)
    app.connect("html-page-context", _scholar_metadata)
    # After sphinx-book-theme makes its launch buttons (priority 501): Binder opens the readers' notebook.
    app.connect("html-page-context", notebooks.readers_link, priority=600)
    roles.setup(app)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
