"""The whole review as one PDF, printed offline by Debian's Chromium from the built site (``make pdf``).

Why this route: the site is already the reference rendering (per-chapter bibliographies, mathematics typeset at
build time, and the interactive figures at their default frame), and Chromium is already needed for the browser tests. Printing
the built pages keeps the PDF identical in content to the site, with no second toolchain (a LaTeX build would
need about 1 GB of TeX packages and would lay out the per-chapter bibliographies differently).

Each page of ``_toc.yml`` is loaded from a local server (127.0.0.1; every other request is aborted), its
interactive figures are waited for and shown at their default setting with a note that the web version is
interactive, the fonts (icons, MathJax's) are waited for, and the page is printed with the theme's print style
(figures keep their numbers, e.g. "Fig. 1.2"). A title page (title, authors, version, date, build stamp) comes
first; the pages follow in book order, ending with the References. The parts are joined with pypdf, with one
bookmark per page, and the result is written to a temporary file and moved into place.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import html
import http.server
import io
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..evidence.yaml_files import safe_load
from ..living.versions import load_citation
from ..figures.style import NEUTRAL
from ..paths import CITATION_PATH, REPO_ROOT, SITE_CSS_PATH, TOC_PATH, under
from . import citation as cite
from ..build.provenance import build_footer, inputs_digest

PDF_NAME = "il6mm-living-review.pdf"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
INTERACTIVE_NOTE = "Interactive in the web version; printed here at its default setting."
FIGURE_CLASS = "il6mm-interactive"  # il6mm.figures.interactive.FIGURE_CLASS


#: In a page: make every lazily loading image load now, and resolve once all images are decoded.
_LOAD_EVERY_IMAGE = """async () => {
  const images = [...document.images];
  for (const img of images) img.loading = 'eager';
  await Promise.all(images.map(img => img.decode().catch(() => {})));
  return images.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src);
}"""

def toc_pages(root: Path = REPO_ROOT) -> list[str]:
    """Every page of the book in reading order, as in _toc.yml (e.g. 'chapters/01-history')."""
    toc = safe_load(under(root, TOC_PATH).read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [entry["file"] for entry in part["chapters"]]
    return pages


class _Server:
    def __init__(self, root: Path) -> None:
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def version_url(root: Path = REPO_ROOT) -> str:
    """The address a citation of the book at ``root`` gives (its build context's; see BuildContext.version_url)."""
    from ..build.context import BuildContext

    return BuildContext.load(root).version_url()


def title_page_html(root: Path = REPO_ROOT, today: _dt.date | None = None, url: str | None = None) -> str:
    """The PDF's first page: title, authors, version and date, how to cite (with ``url``, by default the
    version's address), and the build stamp."""
    c = load_citation(under(root, CITATION_PATH))
    work = cite.Work(citation=c, url=version_url(Path(root)) if url is None else url, slug="review")
    stamp = f"{build_footer(Path(root), today)} Inputs digest {inputs_digest(Path(root))}."
    e = html.escape
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(c.title)}</title>
<style>{SITE_CSS_PATH.read_text(encoding="utf-8")}</style></head><body class="il6mm-title-page"><div class="page">
<h1>{e(c.title)}</h1>
<div class="authors">{e("; ".join(c.authors))}</div>
<div class="version">Version {e(c.version)}, {e(c.date_released.isoformat())}</div>
<p class="small"><strong>Cite as:</strong> {e(cite.suggested_citation(work))}</p>
<p class="small">A living review: cite the version you read. Interactive figures are printed at their default
setting; the web version is interactive.</p>
<p class="small"><strong>Build:</strong> {e(stamp)}</p>
</div></body></html>"""


@dataclass
class PdfResult:
    path: Path
    pages: int
    bytes: int
    seconds: float


def _route_local(origin: str):
    def route(r):
        url = r.request.url
        if url.startswith(origin + "/") or url.startswith(("data:", "blob:", "about:")):
            r.continue_()
        else:
            r.abort()
    return route


_MARK_INTERACTIVE = """note => {
  for (const fig of document.querySelectorAll('.%s')) {
    const host = fig.closest('figure') || fig.parentElement;
    if (host.querySelector('.il6mm-print-note')) continue;
    const p = document.createElement('p');
    p.className = 'il6mm-print-note';
    p.textContent = note;
    host.appendChild(p);
  }
}""" % FIGURE_CLASS


def build_pdf(site: Path | str, out: Path | str | None = None, root: Path | str = REPO_ROOT,
              chromium: str = CHROMIUM, log=print, url: str | None = None) -> PdfResult:
    """Print the built site ``site`` (``_build/html``) into one PDF (default: ``site/il6mm-living-review.pdf``)."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    site, root = Path(site), Path(root)
    out = Path(out) if out else site / PDF_NAME
    pages = toc_pages(root)
    missing = [p for p in pages if not (site / f"{p}.html").is_file()]
    if missing:
        raise FileNotFoundError(f"build the site first (make book): {site} lacks {', '.join(missing)}")
    if not Path(chromium).exists():
        raise FileNotFoundError(f"{chromium} is missing: apt-get install chromium (make pdf does)")
    c = load_citation(under(root, CITATION_PATH))
    # Chromium's page footer takes inline style only.
    footer = (f'<div style="font-size:7pt;width:100%;text-align:center;color:{NEUTRAL["muted_text"]}">'
              f'{html.escape(c.title)}, version '
              f'{html.escape(c.version)} ({c.date_released.isoformat()})</div>')
    options = dict(format="A4", print_background=True, display_header_footer=True,
                   header_template="<span></span>", footer_template=footer,
                   margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
    start = time.perf_counter()
    writer = PdfWriter()
    with _Server(site) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.route("**/*", _route_local(server.origin))
            page.set_content(title_page_html(root, url=url))
            parts = [("Title page", page.pdf(**{**options, "display_header_footer": False}))]
            for name in pages:
                source = (site / f"{name}.html").read_text(encoding="utf-8")
                figures = source.count(f'<div class="{FIGURE_CLASS}"')
                page.goto(f"{server.origin}/{name}.html", wait_until="load")
                # Figures load lazily on screen; on paper every one must be there before printing.
                broken = page.evaluate(_LOAD_EVERY_IMAGE)
                if broken:
                    raise RuntimeError(f"{name}: images that do not load, so the PDF would lack them: {broken}")
                if figures:
                    # The static rendition shows its default frame as a plain image: wait until it is decoded.
                    page.wait_for_function(f"n => [...document.querySelectorAll('.{FIGURE_CLASS} img')]"
                                           ".filter(i => i.complete && i.naturalWidth > 0).length >= n",
                                           arg=figures, timeout=60_000)
                    page.evaluate(_MARK_INTERACTIVE, INTERACTIVE_NOTE)
                page.evaluate("() => document.fonts.ready.then(() => true)")
                title = re.sub(r"\s+—.*$|\s+&#8212;.*$", "", page.title()).strip() or name
                parts.append((title, page.pdf(**options)))
                log(f"pdf: {name} printed")
        finally:
            browser.close()
    for title, data in parts:
        first = len(writer.pages)
        writer.append(PdfReader(io.BytesIO(data)))
        writer.add_outline_item(title=title, page_number=first)
    writer.add_metadata({"/Title": f"{c.title}, version {c.version}", "/Author": "; ".join(c.authors),
                         "/Subject": f"Living review, version {c.version} of {c.date_released.isoformat()}",
                         "/Keywords": "IL-6; multiple myeloma; living review"})
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with open(tmp, "wb") as fh:
        writer.write(fh)
    os.replace(tmp, out)
    seconds = time.perf_counter() - start
    result = PdfResult(out, len(writer.pages), out.stat().st_size, seconds)
    log(f"pdf: {out} ({result.pages} pages, {result.bytes / 1e6:.1f} MB, {seconds:.0f} s)")
    return result


def up_to_date(site: Path, out: Path, root: Path = REPO_ROOT) -> bool:
    """True when ``out`` is newer than every page it prints, the stylesheet and CITATION.cff (a no-op build
    rewrites no page, so nothing would change)."""
    if not out.is_file():
        return False
    inputs = [site / f"{name}.html" for name in toc_pages(root)] + [SITE_CSS_PATH, under(root, CITATION_PATH)]
    return all(p.is_file() and p.stat().st_mtime <= out.stat().st_mtime for p in inputs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m il6mm.publish.pdf", description="Print the built site as one PDF.")
    parser.add_argument("--site", default=str(REPO_ROOT / "_build" / "html"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--force", action="store_true", help="print even when the PDF is newer than every page")
    args = parser.parse_args(argv)
    site = Path(args.site)
    out = Path(args.out) if args.out else site / PDF_NAME
    if not args.force and up_to_date(site, out):
        print(f"pdf: {out} is up to date (newer than every page it prints)")
        return 0
    try:
        build_pdf(args.site, args.out)
    except FileNotFoundError as exc:
        print(f"pdf: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
