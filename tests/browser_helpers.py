"""What the built site embeds for its interactive figures, and a local server + browser to look at it.

Used by tests/test_browser.py (Playwright on Debian's Chromium), tests/test_interactive.py (page-weight
budget on the built pages) and benchmarks/interactive_pages.py (page weight, time to first frame).
Figures are discovered from the HTML (the widget state myst-nb embeds), never from a list.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import itertools
import json
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
STATE_SCRIPT = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
VIEW_SCRIPT = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)


@dataclass
class ControlModel:
    model_id: str
    kind: str  # "slider" or "dropdown"
    label: str
    options: list[str]
    index: int


@dataclass
class EmbeddedFigure:
    """One interactive figure as embedded in a page: its controls and, per choice of indices, its frame."""

    page: str
    model_id: str
    controls: list[ControlModel]
    frames: dict[tuple[int, ...], str] = field(default_factory=dict)  # indices -> ImageModel id
    state_bytes: int = 0

    def combinations(self):
        return itertools.product(*(range(len(c.options)) for c in self.controls))


def widget_state(html: str) -> dict:
    """The widget-state JSON a page embeds ({} when it has no widgets)."""
    match = STATE_SCRIPT.search(html)
    return json.loads(match.group(1)) if match else {}


def image_bytes(model: dict) -> bytes:
    """The PNG bytes of an embedded ImageModel (stored base64 in its buffers)."""
    for buffer in model.get("buffers", []):
        if buffer["path"] == ["value"]:
            assert buffer.get("encoding") == "base64", buffer.get("encoding")
            return base64.b64decode(buffer["data"])
    raise AssertionError(f"ImageModel without a value buffer: {sorted(model)}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _model_ref(value) -> str:
    assert isinstance(value, str) and value.startswith("IPY_MODEL_"), value
    return value[len("IPY_MODEL_"):]


def _dependencies(state: dict, model_id: str, seen: set[str]) -> None:
    """Every model a model refers to (children, layout, style, ...), recursively."""
    if model_id in seen or model_id not in state:
        return
    seen.add(model_id)
    refs = re.findall(r'"IPY_MODEL_([0-9a-f]+)"', json.dumps(state[model_id]["state"]))
    for ref in refs:
        _dependencies(state, ref, seen)


def embedded_figures(html: str, page: str = "") -> list[EmbeddedFigure]:
    """Every il6mm interactive figure of a page, from its embedded widget state."""
    state = widget_state(html).get("state", {})
    figures = []
    for model_id, model in state.items():
        if FIGURE_CLASS not in model["state"].get("_dom_classes", []):
            continue
        hint, controls_box, stack = (_model_ref(c) for c in model["state"]["children"])
        controls = []
        for ref in state[controls_box]["state"]["children"]:
            control = state[_model_ref(ref)]
            kind = {"SelectionSliderModel": "slider", "DropdownModel": "dropdown"}[control["model_name"]]
            controls.append(ControlModel(_model_ref(ref), kind, control["state"]["description"],
                                         list(control["state"]["_options_labels"]), control["state"]["index"]))
        figure = EmbeddedFigure(page, model_id, controls)
        for indices in figure.combinations():
            node = stack
            for index in indices:
                assert state[node]["model_name"] == "StackModel", (page, node, state[node]["model_name"])
                node = _model_ref(state[node]["state"]["children"][index])
            assert state[node]["model_name"] == "ImageModel", (page, node, state[node]["model_name"])
            figure.frames[indices] = node
        # Its share of the page: the figure's models plus the client-side links that point at them.
        members: set[str] = set()
        _dependencies(state, model_id, members)
        links = {mid for mid, m in state.items() if m["model_name"] == "LinkModel"
                 and _model_ref(m["state"]["target"][0]) in members}
        figure.state_bytes = sum(len(json.dumps({mid: state[mid]})) for mid in members | links)
        figures.append(figure)
    return figures


def frame_model(html: str, model_id: str) -> dict:
    return widget_state(html)["state"][model_id]


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


# Runs in the page: the bytes behind an <img> (blob: URL made by the widget manager), base64-encoded.
IMG_BYTES_JS = """async (img) => {
  const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}"""
