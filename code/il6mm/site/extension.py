"""Sphinx extension loaded by the book (``_config.yml``: ``sphinx.extra_extensions``).

Freshness, page by page: myst-nb's execution cache keys on a page's code cells only, so a change to the
``il6mm`` package or to the evidence records would otherwise leave old figures in the site. Before a page is
read, the key of the inputs it read when it last ran (``il6mm.build.inputs``) goes into its first code cell; a
changed input changes the key, so that page, and no other, executes again. Sphinx is told each page's inputs
(``note_dependency``) so it reads the page again when one changes; a no-op rebuild reads nothing.

Versions and citing: the versions file and CITATION.cff are loaded (and validated) at ``builder-inited``;
the ``{whats-new}``, ``{version-history}`` and ``{cite-this-version}`` directives render them; every numbered
chapter ends with a "Cite this chapter" box; every page links the PDF (``make pdf``) and names it in
``citation_pdf_url``; BibTeX, RIS and CSL-JSON files are written into the site's ``cite/`` at ``build-finished``,
and the evidence as an open data package into its ``data/`` (``il6mm.publish.datapackage``).
"""

from __future__ import annotations

import datetime
import html
import os
import re
import shutil
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ..build.context import BuildContext, BuildContextError
from ..living import versions as living_versions
from ..paths import CITATION_PATH, SEARCH_LOG_PATH, VERSIONS_PATH, under
from ..build import inputs, kernels
from ..publish import citation as cite
from . import frames, launch, light, roles
from .living_status import add_status_line
from ..build.provenance import build_footer
from ..evidence.bibliography import remember_pybtex_plugins
from ..publish import archive, datapackage, feed, identity
from ..publish.pdf import PDF_NAME

logger = logging.getLogger(__name__)
_OLD_DIGEST_DIR = re.compile(r"^[0-9a-f]{12}$")


def _page_inputs(app: Sphinx) -> inputs.PageInputs:
    found = getattr(app, "_il6mm_page_inputs", None)
    if found is None:
        cache = Path(app.config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")
        cache = cache if cache.is_absolute() else Path(app.srcdir) / cache
        # Caches of the book before pages were keyed by their own inputs (one folder per global digest).
        for old in (cache.iterdir() if cache.is_dir() else ()):
            if old.is_dir() and _OLD_DIGEST_DIR.match(old.name):
                shutil.rmtree(old, ignore_errors=True)
        found = app._il6mm_page_inputs = inputs.PageInputs(Path(app.srcdir), cache)
    return found


def _is_notebook(source: str) -> bool:
    head = source.split("\n---", 1)[0] if source.startswith("---") else ""
    return "kernelspec:" in head


def _key_page_by_its_inputs(app: Sphinx, docname: str, source: list[str]) -> None:
    """Before a notebook page is read (and maybe executed): put the key of its inputs into its kernelspec, so the
    execution cache misses exactly when its code or an input it read last time has changed."""
    if not _is_notebook(source[0]):
        return
    pages = _page_inputs(app)
    key = pages.key(docname)
    pages.start(docname)
    app.env.temp_data["il6mm_inputs_key"] = key
    source[0] = inputs.inject_key(source[0], key)


def _note_page_inputs(app: Sphinx, doctree: nodes.document) -> None:
    """After a page is read: every page depends on the package's code (its roles, directives and this extension
    make its text), so a code change reads it again; a notebook page also keeps what its kernel read (if it
    ran) and depends on those files. Reading again is cheap: only a page whose kernel inputs changed runs."""
    for name in roles.package_files(app):
        app.env.note_dependency(str(Path(app.srcdir) / name))
    key = app.env.temp_data.pop("il6mm_inputs_key", None)
    if key is None:
        return
    record = _page_inputs(app).finish(app.env.docname, key)
    for name in (record.inputs if record else ()):
        app.env.note_dependency(str(Path(app.srcdir) / name))


def _footer_stamp(app: Sphinx, config) -> None:
    """Put version, commit and date at the foot of every page, so readers can cite what they read."""
    stamp = build_footer(Path(app.srcdir))
    options = dict(config.html_theme_options or {})
    options["extra_footer"] = f"{options.get('extra_footer', '')}<p>{stamp}</p>"
    config.html_theme_options = options


def _theme_starts_at_auto(app: Sphinx, config) -> None:
    """The theme's light/dark switch starts at "auto" (as its script would set it after load), so that on a
    first visit its button shows from the start and the header does not widen once the page has loaded."""
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}


# The theme's head script sets data-theme to the stored theme or "auto", and only its deferred script, after
# the page has been parsed, turns "auto" into "light" or "dark". The theme's colours (and every border drawn in
# one, such as a quotation's notch) are defined for light and dark only, so the first paint had no borders and
# the text moved once they came. Resolved here, in the head, the first paint has them.
RESOLVE_THEME = ('(function(d){if(d.dataset.theme!=="light"&&d.dataset.theme!=="dark")'
                 'd.dataset.theme=matchMedia("(prefers-color-scheme: dark)").matches?"dark":"light";})'
                 '(document.documentElement);')


#: The element that follows the theme's article header on every page (sphinx-book-theme's print heading).
AFTER_HEADER = "jb-print-docs-body"


def _paint_whole_header(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """The browser paints a page first when its header has been read: a phone that painted part of it (the
    parser may pause anywhere) saw the right-aligned buttons slide left as the rest arrived. A render-blocking
    `expect` link (HTML standard) holds the first paint until the element after the header is parsed."""
    context["metatags"] = (context.get("metatags", "")
                           + f'\n<link rel="expect" href="#{AFTER_HEADER}" blocking="render">')


# Front-end files the site serves itself, so pages need no CDN (an archived copy works offline):
# (site folder, source folder, file patterns). The mathematics is typeset at build time (il6mm.site.light):
# the site needs only MathJax's fonts, from the npm package pinned by package-lock.json (`npm ci`).
# The interactive figures' script and style (il6mm.site.frames) are added only to pages with a figure;
# both stay out of _static/, whose .js files Jupyter Book would add to every page.
SITE_ASSETS = (
    (frames.ASSET_DIR, "code/il6mm/site", (frames.SCRIPT, frames.STYLESHEET)),
    ("_mathjax", "node_modules/mathjax-full/es5", ("output/chtml/fonts/woff-v2/*",)),
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


def _page_title(app: Sphinx, context: dict) -> str:
    """The page's title as plain text (the theme's carries the chapter number as markup:
    "<span class=section-number>4. </span>..."), or the book's on a page without one."""
    book = app.config.html_title or app.config.project
    title = re.sub(r'<span class="section-number">.*?</span>|<[^>]+>', "", context.get("title") or book)
    return html.unescape(title).strip()


def _scholar_metadata(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Highwire ``citation_*`` tags, which Google Scholar and reference managers read, on every page:
    the page title (and the book's, on chapters), the authors and the build date."""
    book = app.config.html_title or app.config.project
    title = _page_title(app, context)
    # The date of the version (CITATION.cff), not of the build: a rebuild of a version is the same publication.
    released = app.il6mm.citation if hasattr(app, "il6mm") else None
    date = released.date_released if released else datetime.date.today()
    tags = [("citation_title", title), ("citation_author", app.config.author),
            ("citation_publication_date", date.strftime("%Y/%m/%d"))]
    if pagename != app.config.root_doc:
        tags.append(("citation_inbook_title", book))
    if released:
        tags.append(("citation_pdf_url", _pdf_url(app, context)))
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
# ---------------------------------------------------------------------------------------------------------
# Versions and citing: the versions file and CITATION.cff, loaded (and so validated) once per build
# ---------------------------------------------------------------------------------------------------------

def _load_context(app: Sphinx) -> None:
    """Load the build context once per build (il6mm.build.context): CITATION.cff, the versions file, the
    evidence, the living files and the repository address. A bad file fails the build here, naming file, entry
    and field, whatever the execution cache holds."""
    try:
        app.il6mm = BuildContext.load(Path(app.srcdir))
    except BuildContextError as exc:
        raise ExtensionError(f"il6mm: {exc}") from None
    c = app.il6mm.citation
    logger.info("il6mm: version %s of %s (%d versions)", c.version, c.date_released, len(app.il6mm.versions))


def _review_work(app: Sphinx) -> cite.Work:
    return cite.Work(citation=app.il6mm.citation, url=app.il6mm.version_url(), slug="review")


def _chapter_work(app: Sphinx, docname: str) -> cite.Work | None:
    """The citable chapter for a numbered page of the book (None for unnumbered pages)."""
    numbers = app.env.toc_secnumbers.get(docname, {}).get("")
    if not numbers or docname not in app.env.titles:
        return None
    return cite.Work(citation=app.il6mm.citation, url=app.il6mm.version_url(docname),
                     slug=Path(docname).name, chapter=app.env.titles[docname].astext(),
                     number=".".join(str(n) for n in numbers))


class _GeneratedMyST(SphinxDirective):
    """Base of the directives whose content is MyST text generated from the versions file (and the search log,
    for what each version searched)."""

    has_content = False

    def markdown(self) -> str:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        for path in (VERSIONS_PATH, CITATION_PATH, SEARCH_LOG_PATH):
            self.env.note_dependency(str(under(self.env.srcdir, path)))  # re-read this page when they change
        container = nodes.container(classes=["il6mm-versions"])
        self.state.nested_parse(StringList(self.markdown().splitlines()), self.content_offset, container)
        return [container]

    def link(self, target: str, text: str) -> nodes.reference:
        start = os.path.dirname(self.env.docname)
        return nodes.reference(text, text, refuri=os.path.relpath(target, start or ".").replace(os.sep, "/"))


class WhatsNewDirective(_GeneratedMyST):
    """``{whats-new}``: the latest version and what changed in the evidence, in the Cochrane form."""

    def markdown(self) -> str:
        context = self.env.app.il6mm
        return living_versions.render_whats_new(context.versions, context.living.runs)


class VersionHistoryDirective(_GeneratedMyST):
    """``{version-history}``: every version with its date, where to read it (its copy on this site, its PDF, its
    evidence data, its source at its commit), trigger, search date and conclusions; then the feed of versions."""

    def markdown(self) -> str:
        context = self.env.app.il6mm
        return (living_versions.render_history(context.versions, lambda e: version_links(context, e),
                                               context.living.runs)
                + "\n" + feed_sentence() + "\n")


def version_links(context: BuildContext, entry) -> str:
    """Where to read one version: its pages, PDF and evidence data on this site, and its source at its commit."""
    commit = f"[{entry.commit[:7]}]({context.repository.tree(entry.commit)})"
    if entry.version == context.latest.version:
        return f"this site · {{site-file}}`PDF <{PDF_NAME}>` · source {commit}"
    base = f"{archive.ARCHIVE_DIR}/{entry.version}"
    return (f"{{site-file}}`pages <{base}/index.html>` · {{site-file}}`PDF <{base}/{PDF_NAME}>` · "
            f"{{site-file}}`data <{base}/data/>` · source {commit}")


def feed_sentence() -> str:
    return (f"Follow new versions in any feed reader: {{site-file}}`the Atom feed of versions <{feed.FEED_NAME}>` "
            "(one entry per version: what triggered it, whether its conclusions changed, its What's new and PDF).")


class FeedLinkDirective(_GeneratedMyST):
    """``{versions-feed}``: one sentence linking the Atom feed of versions."""

    def markdown(self) -> str:
        return feed_sentence() + "\n"


class CiteThisVersionDirective(_GeneratedMyST):
    """``{cite-this-version}``: the suggested citation of this version and the citation downloads."""

    def markdown(self) -> str:
        context = self.env.app.il6mm
        text = f"> {cite.suggested_citation(_review_work(self.env.app))}\n"
        if context.repository.is_placeholder:
            text += ("\n:::{note}\nThe repository address in this citation "
                     f"({context.repository.url}) is a placeholder: the review has not been published at a "
                     "permanent address yet. Set `repository.url` in `_config.yml` (one setting) and every link, "
                     "citation file and the site's `CITATION.cff` follow.\n:::\n")
        return text

    def run(self) -> list[nodes.Node]:
        out = super().run()
        para = nodes.paragraph("", "Download this citation: ")
        for i, (ext, label) in enumerate(cite.FORMATS.items()):
            if i:
                para += nodes.Text(" · ")
            para += self.link(f"{cite.CITE_DIR}/review.{ext}", label)
        para += nodes.Text(". The whole review as one PDF: ")
        para += self.link(PDF_NAME, PDF_NAME)
        para += nodes.Text(".")
        out[0] += para
        return out


def _pdf_url(app: Sphinx, context: dict) -> str:
    """The PDF of the whole review in the site (``make pdf``): absolute when the site's address is known."""
    base = app.il6mm.site_url
    return f"{base}{PDF_NAME}" if base else context["pathto"](PDF_NAME, 1)


def _pdf_link(app: Sphinx, context: dict) -> str:
    c = app.il6mm.citation
    return (f'<p class="il6mm-pdf-link noprint"><a href="{html.escape(context["pathto"](PDF_NAME, 1))}">'
            f"PDF of the whole review, version {html.escape(c.version)} ({c.date_released.isoformat()})</a></p>")


def _cite_box(work: cite.Work, pathto) -> str:
    links = " · ".join(f'<a href="{pathto(f"{cite.CITE_DIR}/{work.slug}.{ext}", 1)}" download>{label}</a>'
                       for ext, label in cite.FORMATS.items())
    return ('<aside class="il6mm-cite-chapter" aria-label="Cite this chapter">'
            '<p class="il6mm-cite-chapter-title"><strong>Cite this chapter</strong></p>'
            f'<p class="il6mm-cite-chapter-text">{html.escape(cite.suggested_citation(work))}</p>'
            f'<p class="il6mm-cite-chapter-links noprint">Download: {links}</p></aside>')


def _cite_this_chapter(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """A compact "Cite this chapter" box at the end of every numbered chapter, and on every page a link to
    the PDF of the whole review."""
    if doctree is None or "body" not in context or app.builder.name != "html":
        return
    work = _chapter_work(app, pagename)
    if work is not None:
        context["body"] += _cite_box(work, context["pathto"])
    context["body"] += _pdf_link(app, context)


def _write_citation_files(app: Sphinx, exception) -> None:
    """BibTeX, RIS and CSL-JSON of the review and of each chapter, into the site's cite/ folder."""
    if exception is not None or app.builder.name != "html" or not hasattr(app, "il6mm"):
        return
    works = [_review_work(app)] + [w for d in sorted(app.env.found_docs) if (w := _chapter_work(app, d))]
    out = Path(app.outdir) / cite.CITE_DIR
    out.mkdir(parents=True, exist_ok=True)
    for work in works:
        for name, text in cite.files(work).items():
            tmp = out / f".{name}.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, out / name)
    logger.info("il6mm: citation files for %d works in %s", len(works), out)


def _write_site_files(app: Sphinx, exception) -> None:
    """The site's CITATION.cff (complete, from the one repository setting) and the Atom feed of versions."""
    if exception is not None or app.builder.name != "html" or not hasattr(app, "il6mm"):
        return
    context, out = app.il6mm, Path(app.outdir)
    cff = cite.site_citation_cff(under(context.root, CITATION_PATH).read_text(encoding="utf-8"),
                                 context.repository.url, context.latest.commit, context.site_url)
    xml = feed.feed_xml(context.versions, context.citation.title, context.citation.authors,
                        context.site_url or context.repository.url, context.site_url)
    for name, data in (("CITATION.cff", cff.encode()), (feed.FEED_NAME, xml)):
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, out / name)
    logger.info("il6mm: %s and %s (%d versions)", "CITATION.cff", feed.FEED_NAME, len(context.versions))


def _write_data_package(app: Sphinx, exception) -> None:
    """The evidence as an open data package in the site's data/ (il6mm.publish.datapackage)."""
    if exception is not None or app.builder.name != "html" or not hasattr(app, "il6mm"):
        return
    try:
        report = datapackage.write_site_package(app.il6mm, Path(app.outdir) / datapackage.SITE_DIR)
    except datapackage.DataPackageError as exc:
        raise ExtensionError(f"il6mm: the data package: {exc}") from None
    logger.info("il6mm: data package in %s (%d tables, %d rows)", report.folder, len(report.rows),
                sum(report.rows.values()))


def _announce_feed(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Every page names the feed of versions in its head, so a feed reader finds it from any page."""
    href = html.escape(context["pathto"](feed.FEED_NAME, 1), quote=True)
    title = html.escape(f"{app.il6mm.citation.title}: versions", quote=True) if hasattr(app, "il6mm") else "Versions"
    context["metatags"] = (context.get("metatags", "")
                           + f'<link rel="alternate" type="application/atom+xml" title="{title}" href="{href}" />\n')


def _write_identity(app: Sphinx, exception) -> None:
    """The logo, the favicons and the social card, into the site (il6mm.publish.identity)."""
    if exception is not None or app.builder.name != "html" or not hasattr(app, "il6mm"):
        return
    c = app.il6mm.citation
    written = identity.write_identity(Path(app.outdir), c.title, c.version,
                                      f"{c.date_released.day} {c.date_released:%B %Y}", app.il6mm.evidence)
    logger.info("il6mm: logo, favicons and social card (%d rewritten)", len(written))


def _identity_tags(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Every page names its icons (no request for a missing /favicon.ico) and, for a link shared in a chat or
    on a social site, its title, summary and the social card (Open Graph and Twitter card tags). The card's
    address must be absolute: it is given where the site's address is known (html.baseurl, or the GitHub
    Pages address of the repository)."""
    pathto = context["pathto"]
    folder = identity.FOLDER
    links = [f'<link rel="icon" type="image/svg+xml" href="{pathto(f"{folder}/{identity.LOGO_SVG}", 1)}" />',
             f'<link rel="icon" type="image/png" sizes="32x32" href="{pathto(f"{folder}/{identity.FAVICON_PNG}", 1)}" />',
             f'<link rel="apple-touch-icon" href="{pathto(f"{folder}/{identity.TOUCH_ICON}", 1)}" />']
    book = app.config.html_title or app.config.project
    title = _page_title(app, context)
    # The page's first paragraph of substance (not a one-line pointer such as "In plain words: ...").
    paragraphs = (" ".join(html.unescape(re.sub(r"<[^>]+>", "", p)).split())
                  for p in re.findall(r"<p>(.*?)</p>", context.get("body") or "", re.S))
    summary = next((p for p in paragraphs if len(p) >= 100), book)
    summary = summary if len(summary) <= 200 else summary[:197].rsplit(" ", 1)[0] + "..."
    tags = [("og:type", "article"), ("og:site_name", book), ("og:title", title), ("og:description", summary),
            ("twitter:title", title), ("twitter:description", summary)]
    base = (app.il6mm.site_url or app.il6mm.repository.pages_url) if hasattr(app, "il6mm") else None
    if base:
        card = f"{base.rstrip('/')}/{folder}/{identity.SOCIAL_CARD}"
        tags += [("og:url", f"{base.rstrip('/')}/{pagename}.html"), ("og:image", card),
                 ("og:image:width", "1200"), ("og:image:height", "630"),
                 ("og:image:alt", f"{book}: title, version and the forest plot of progression-free survival"),
                 ("twitter:card", "summary_large_image"), ("twitter:image", card)]
    else:
        tags.append(("twitter:card", "summary"))
    meta = "".join(f'<meta {"property" if name.startswith("og:") else "name"}="{name}" '
                   f'content="{html.escape(value, quote=True)}" />\n' for name, value in tags)
    context["metatags"] = context.get("metatags", "") + "\n".join(links) + "\n" + meta


def _light_pages(app: Sphinx, exception) -> None:
    """Every page as light as what it shows (il6mm.site.light): mathematics typeset, icons from a font subset,
    no script it does not use, images that keep their place."""
    if exception is not None or app.builder.name != "html":
        return
    try:
        report = light.lighten_site(Path(app.outdir))
    except light.LightPagesError as exc:
        raise ExtensionError(f"il6mm: light pages: {exc}") from None
    fonts = ", ".join(f"{name} {after // 1024} KB (of {before // 1024})"
                      for name, (before, after) in report.fonts.items())
    logger.info("il6mm: light pages: %d pages, %d equations typeset, %d images sized, %d icons (%s)",
                report.pages, report.equations, report.images, len(report.icons), fonts)


def _lazy_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Every figure image loads when it comes near the screen (``loading="lazy"``), not before the page's
    first paint: a chapter's text shows as fast as a page without figures. (The PDF makes them load first.)"""
    for image in doctree.findall(nodes.image):
        image["loading"] = "lazy"


def setup(app: Sphinx) -> dict:
    # Priority < 500 so that we run before myst-nb reads the value at builder-inited.
    # Before any notebook executes: kernels over IPC (no "running over TCP without encryption" noise).
    kernels.use_ipc_kernels()
    remember_pybtex_plugins()  # sphinxcontrib-bibtex builds a pybtex style for every citation
    app.connect("source-read", _key_page_by_its_inputs)
    app.connect("doctree-read", _note_page_inputs)
    app.connect("config-inited", _footer_stamp, priority=400)
    app.connect("config-inited", _theme_starts_at_auto)
    app.add_js_file(None, body=RESOLVE_THEME, priority=1)
    app.connect("html-page-context", _paint_whole_header)
    app.connect("builder-inited", _serve_front_end_files)
    # The one stylesheet, on every page (css files are relative to _static/).
    app.add_css_file(f"../{frames.ASSET_DIR}/{frames.STYLESHEET}")
    app.connect("builder-inited", _load_context)
    app.add_directive("whats-new", WhatsNewDirective)
    app.add_directive("version-history", VersionHistoryDirective)
    app.add_directive("cite-this-version", CiteThisVersionDirective)
    app.connect("html-page-context", _cite_this_chapter)
    app.connect("doctree-resolved", _lazy_images)
    app.connect("build-finished", _write_citation_files)
    app.connect("build-finished", _write_site_files)
    app.connect("build-finished", _write_data_package)
    app.connect("build-finished", _write_identity)
    app.connect("build-finished", _light_pages)
    app.connect("html-page-context", _identity_tags)
    app.add_directive("versions-feed", FeedLinkDirective)
    app.connect("html-page-context", _announce_feed)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", _interactive_figures, priority=900)
    app.connect("html-page-context", _accessible_citation_lists)
    app.connect("html-page-context", _focusable_table_scrollers)
    app.connect("html-page-context", _scholar_metadata)
    app.connect("html-page-context", add_status_line)
    # After sphinx-book-theme makes its launch buttons (priority 501): Binder opens the readers' notebook.
    app.connect("html-page-context", launch.readers_link, priority=600)
    roles.setup(app)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
