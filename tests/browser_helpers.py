"""What the built site shows for its interactive figures, and a local server + browser to look at it.

Used by tests/test_browser.py (Playwright on Debian's Chromium), tests/test_interactive.py (frame budget on
the built pages), the chapter tests (frames equal a fresh render) and benchmarks/interactive_pages.py.
Figures are discovered from the HTML (each static rendition's JSON table of frames), never from a list.
"""

from __future__ import annotations

import functools
import hashlib
import html as html_lib
import http.server
import itertools
import json
import posixpath
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
FIGURE_CLASS = "il6mm-interactive"  # il6mm.figures.interactive.FIGURE_CLASS
FIGURE_BLOCK = re.compile(r'<div class="%s" id="([^"]+)">(.*?)<!--/il6mm-interactive-->' % FIGURE_CLASS, re.S)
FRAME_TABLE = re.compile(r'<script type="application/json" class="il6mm-frames">(.*?)</script>', re.S)
CONTROL = re.compile(r'<label for="([^"]+)">(.*?)</label><(input type="range"|select)[^>]*?data-il6mm-control="(\d+)"'
                     r'[^>]*>(.*?)(?:</select>|</output>)', re.S)


@dataclass
class ControlModel:
    element_id: str
    kind: str  # "slider" or "dropdown"
    label: str
    options: list[str]
    index: int


@dataclass
class FrameRef:
    """One frame as the page lists it: its file (URL relative to the page), size, smallest text, alt text."""

    src: str
    width: int
    font_px: float
    alt: str
    narrow: str | None = None
    narrow_width: int | None = None
    narrow_font_px: float | None = None


@dataclass
class StaticFigure:
    """One interactive figure of a page: its controls and, per choice of indices, its frame."""

    page: str
    element_id: str
    controls: list[ControlModel]
    default_src: str
    default_alt: str
    frames: dict[tuple[int, ...], FrameRef] = field(default_factory=dict)

    def combinations(self):
        return itertools.product(*(range(len(c.options)) for c in self.controls))

    def default_indices(self) -> tuple[int, ...]:
        return tuple(c.index for c in self.controls)


def static_figures(html: str, page: str = "") -> list[StaticFigure]:
    """Every il6mm interactive figure of a page, from its static rendition."""
    figures = []
    for element_id, block in FIGURE_BLOCK.findall(html):
        table = json.loads(FRAME_TABLE.search(block).group(1))
        controls = []
        for cid, label, tag, position, rest in CONTROL.findall(block):
            options = table["controls"][int(position)]["labels"]
            if tag == "select":
                index = next(i for i, o in enumerate(re.findall(r"<option[^>]*>", rest)) if "selected" in o)
            else:
                index = int(re.search(r'value="(\d+)"', block[block.index(f'id="{cid}"'):]).group(1))
            controls.append(ControlModel(cid, "dropdown" if tag == "select" else "slider",
                                         html_lib.unescape(label), options, index))
        img = re.search(r'<img src="([^"]+)" alt="([^"]*)"', block)
        figure = StaticFigure(page, element_id, controls, html_lib.unescape(img.group(1)),
                              html_lib.unescape(img.group(2)))
        for key, entry in table["frames"].items():
            figure.frames[tuple(int(i) for i in key.split(","))] = FrameRef(
                entry["src"], entry["width"], entry["font"], entry["alt"], entry.get("narrow"),
                entry.get("narrowWidth"), entry.get("narrowFont"))
        figures.append(figure)
    return figures


def frame_file(site: Path, page: str, url: str) -> Path:
    """The file in the built site that a page's frame URL points at."""
    assert not url.startswith("data:"), f"{page}: frame still inline in the page ({url[:40]}...)"
    return site / posixpath.normpath(posixpath.join(posixpath.dirname(page), url))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Server(http.server.ThreadingHTTPServer):
    """A threading HTTP server that takes a browser dropping a connection in stride (it does, when a page is
    closed or moves on while a file is still being sent) instead of printing a traceback."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class SiteServer:
    """The built site on 127.0.0.1 (random free port), served from a thread."""

    def __init__(self, root: Path) -> None:
        class QuietHandler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):  # keep test output readable
                pass

        self.httpd = _Server(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# Runs in the page: the bytes behind an <img> (the file it shows), base64-encoded.
IMG_BYTES_JS = """async (img) => {
  const bytes = new Uint8Array(await (await fetch(img.currentSrc || img.src)).arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}"""


# ---------------------------------------------------------------------------------------------------------
# Page weight: what a phone downloads to a page's load event
# ---------------------------------------------------------------------------------------------------------

#: The phone profile of the page-weight budget: a 390 px wide screen on a "Slow 4G"-like link.
PHONE_VIEWPORT = {"width": 390, "height": 844}
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
#: The budget: gzip bytes to the load event, per page (issue 24).
PAGE_BYTES_BUDGET = 400 * 1024

_GZIP_TYPES = (".html", ".js", ".css", ".json", ".svg", ".txt", ".xml", ".map", ".cff", ".ttf")


def gzip_size(path: Path, cache: dict | None = None) -> int:
    """A file's size as a static host sends it: gzip -6 for text, the bytes themselves for images and fonts
    that are compressed already (PNG, WOFF2)."""
    import gzip

    if cache is not None and path in cache:
        return cache[path]
    data = path.read_bytes()
    size = len(gzip.compress(data, compresslevel=6, mtime=0)) if path.suffix in _GZIP_TYPES else len(data)
    if cache is not None:
        cache[path] = size
    return size


def site_file(site: Path, origin: str, url: str) -> Path | None:
    """The file of the built site that a same-origin URL serves (None for another origin)."""
    from urllib.parse import unquote, urlparse

    if not url.startswith(origin + "/"):
        return None
    path = unquote(urlparse(url).path).lstrip("/")
    target = site / path
    return target / "index.html" if target.is_dir() else target


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """A static host: text files sent gzip-compressed when the browser accepts it, quietly."""

    def log_message(self, *args):
        pass

    def send_head(self):
        import gzip

        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (path.suffix not in _GZIP_TYPES or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io

        return io.BytesIO(body)


class GzipSiteServer(SiteServer):
    """The built site on 127.0.0.1, text gzip-compressed as a static host sends it."""

    def __init__(self, root: Path) -> None:
        self.httpd = _Server(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(root)))
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)


@dataclass
class PageLoad:
    """One page loaded on the phone profile: every file fetched to the load event, and when things happened."""

    page: str
    files: dict[str, int]  # URL -> gzip bytes
    foreign: list[str]
    missing: list[str]
    lcp_ms: float | None = None
    load_ms: float | None = None
    layout_shift: float | None = None

    @property
    def total(self) -> int:
        return sum(self.files.values())


# Largest contentful paint and layout shifts, observed from the first byte of the page.
VITALS_PROBE = """
window.__il6mmVitals = {lcp: null, cls: 0};
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__il6mmVitals.lcp = e.startTime;
}).observe({type: 'largest-contentful-paint', buffered: true});
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__il6mmVitals.cls += e.value;
}).observe({type: 'layout-shift', buffered: true});
"""


def load_on_phone(browser, site: Path, origin: str, page: str, throttle: bool = False,
                  cache: dict | None = None) -> PageLoad:
    """Load ``page`` (a path such as 'chapters/01-history.html') in a fresh 390 px context, cache off, and
    count every same-origin file fetched before the load event at its gzip size (from the built site, so the
    count does not depend on the server). ``throttle`` adds the Slow-4G profile (for timings)."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=1, is_mobile=True,
                                  has_touch=True)
    tab = context.new_page()
    files: dict[str, int] = {}
    foreign: list[str] = []
    missing: list[str] = []
    loaded = [False]

    def route(r):
        if r.request.url.startswith(origin + "/") or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    def on_response(response):
        if loaded[0] or not response.url.startswith(origin + "/"):
            return
        path = site_file(site, origin, response.url)
        if response.status >= 400 or path is None or not path.is_file():
            missing.append(response.url)
        else:
            files[response.url.split("?")[0]] = gzip_size(path, cache)

    tab.route("**/*", route)
    tab.on("response", on_response)
    tab.on("load", lambda: loaded.__setitem__(0, True))
    tab.add_init_script(VITALS_PROBE)
    session = context.new_cdp_session(tab)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttle:
        session.send("Network.emulateNetworkConditions", SLOW_4G)
    try:
        tab.goto(f"{origin}/{page}", wait_until="load")
        timing = tab.evaluate("""() => {
            const nav = performance.getEntriesByType('navigation')[0];
            return {load: nav.loadEventStart, vitals: window.__il6mmVitals};
        }""")
        # LCP is final once the page has painted after load; give the observer a frame to report it.
        tab.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        vitals = tab.evaluate("() => window.__il6mmVitals")
        return PageLoad(page, files, foreign, missing, vitals["lcp"], timing["load"], vitals["cls"])
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------------------
# Fixtures shared by the browser and Binder tiers (imported into their modules by name)
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(site):
    """The built site on 127.0.0.1 for one test module."""
    with SiteServer(site) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, for one test module (never a downloaded browser build)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: `make browser` installs Debian's chromium"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
