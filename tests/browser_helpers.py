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
import threading
from dataclasses import dataclass, field
from pathlib import Path

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


class SiteServer:
    """The built site on 127.0.0.1 (random free port), served from a thread."""

    def __init__(self, root: Path) -> None:
        class QuietHandler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):  # keep test output readable
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     functools.partial(QuietHandler, directory=str(root)))
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
