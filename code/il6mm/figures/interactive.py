"""Interactive figures that respond on the static site (no kernel) and recompute in a live kernel.

How it works
------------
``interactive_figure(draw, controls, alt, hint)`` calls ``draw(**values)`` once for every control value
(every pair of values, for two controls) and stores each frame as deterministic PNG bytes in an
``ipywidgets.Image`` (``FrameImage``). The images are children of an ``ipywidgets.Stack`` (a Stack of Stacks for two
controls) whose ``selected_index`` is tied to each control's ``index`` with ``ipywidgets.jslink``. The
link runs in the browser, so on the built page (widget state embedded by myst-nb, front-end files served
by the site itself) moving a control shows the precomputed frame at once, with no kernel.

Live kernel (Binder, JupyterLab): the same call computes the frames from the code in that kernel, and the
controls are also observed by a Python callback that redraws the frame for the new values and puts it in
place when it differs. We chose this over "finer live-only controls" because a control that only works with a
kernel would be a dead control on the static site, which is what this module exists to avoid; the callback
costs nothing on the static site (it never fires) and keeps a frame honest in Binder when a reader changes
something ``draw`` reads (a model parameter, an evidence record) and then moves the control.
``widget.refresh()`` recomputes every frame at once.

Numeric options become a labelled slider (``SelectionSlider``), text options or ``(label, value)`` pairs a
labelled drop-down (``Dropdown``). Every frame image carries its own alt text (``alt(**values)``; the image
widget's ``tooltip``, which the site's ``il6mm-widgets.js`` also copies to the ``<img alt>``), and the
``hint`` sentence saying what to try is shown above the controls.

Page weight: the embedded state of one figure (base64 PNGs plus the widget models) must stay under
``MAX_STATE_BYTES`` (400 KB); a heavier figure raises ``FigureTooHeavyError`` while the book executes, with
the measured size and what to cut. Frames are palette PNGs (256 colours, no metadata), which keeps
a 640x360 line chart near 15-25 KB.

Recipe for a chapter: a numbered, referenceable interactive figure
-----------------------------------------------------------------
Put the figure function in the package (``il6mm.figures``), make the widget the last expression of a
code cell, and give the cell the same ``mystnb: figure:`` metadata as a static figure; myst-nb wraps the
widget output in a numbered figure with the caption, and ``{numref}`fig-name``` refers to it. (The
``image: alt:`` cell option does not apply to widgets: the ``alt=`` argument gives every frame its alt.)

    ```{code-cell} ipython3
    :tags: [remove-input]
    :mystnb:
    :  figure:
    :    caption: |
    :      Simulated response under IL-6 blockade. Move the slider to change the blockade strength.
    :    name: fig-blockade-response
    from il6mm.figures import blockade_response
    from il6mm.figures.interactive import Control, interactive_figure

    interactive_figure(
        blockade_response,
        controls=[Control("strength", "Blockade strength (%)", options=[0, 25, 50, 75, 100], default=50)],
        alt=lambda strength: f"Line chart of the simulated response with {strength}% IL-6 blockade.",
        hint="Move the slider to see how the response changes with the strength of the blockade.",
    )
    ```

    As {numref}`fig-blockade-response` shows, ...

Working examples: ``fig-occupancy`` in chapters/02-sources.md (``il6mm.figures.sources.occupancy_explorer``). The site side (self-hosted
require.js, widget manager and MathJax; ``code/il6mm/site/il6mm-widgets.js``) is wired in _config.yml
(``nb_ipywidgets_js``, ``mathjax_path``) and ``il6mm.site.extension`` (copies the files into the site).

Chapter tests check that the page shows what the code computes:
``precomputed_frames(widget)[(50,)] == render_png(blockade_response, strength=50)``.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure
from traitlets import Unicode

from . import style

#: Most bytes of embedded widget state one interactive figure may add to its page.
MAX_STATE_BYTES = 400_000
#: CSS class of the outer box of every interactive figure (the browser tests find figures by it).
FIGURE_CLASS = "il6mm-interactive"
#: Per-model overhead of the widget state JSON (model ids, versions, layout), measured on ipywidgets 8.1.
_MODEL_OVERHEAD_BYTES = 1_200

__all__ = [
    "Control", "InteractiveFigure", "FrameImage", "FigureTooHeavyError", "interactive_figure", "render_png",
    "precomputed_frames", "MAX_STATE_BYTES", "FIGURE_CLASS",
]


class FigureTooHeavyError(ValueError):
    """An interactive figure would embed more than ``MAX_STATE_BYTES`` of widget state in its page."""


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@dataclass(frozen=True)
class Control:
    """One control of an interactive figure.

    ``name`` is the keyword ``draw`` receives; ``label`` is what the reader sees next to the control;
    ``options`` are the values (numbers give a slider) or ``(label, value)`` pairs (a drop-down);
    ``default`` is the value shown first (the first option when omitted).
    """

    name: str
    label: str
    options: Sequence[Any]
    default: Any = None

    def __post_init__(self) -> None:
        where = f"Control {self.name!r}"
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"{where}: name must be a Python identifier (it is the keyword draw() receives)")
        if not isinstance(self.label, str) or not self.label.strip():
            raise ValueError(f"{where}: label must be a non-empty string (it labels the control for readers)")
        options = list(self.options)
        if len(options) < 2:
            raise ValueError(f"{where}: options needs at least two choices, got {options!r}")
        pairs = [o for o in options if isinstance(o, tuple)]
        if pairs and len(pairs) != len(options):
            raise ValueError(f"{where}: options mixes (label, value) pairs with bare values: {options!r}")
        if pairs and any(len(p) != 2 or not isinstance(p[0], str) or not p[0] for p in pairs):
            raise ValueError(f"{where}: each (label, value) option needs a non-empty string label: {options!r}")
        object.__setattr__(self, "options", tuple(options))
        values = self.values
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"{where}: option values must be distinct, got {values!r}")
        if len(set(self.labels)) != len(values):
            raise ValueError(f"{where}: option labels must be distinct, got {self.labels!r}")
        if not pairs and not all(_is_number(v) or isinstance(v, str) for v in values):
            raise ValueError(f"{where}: bare options must be numbers or strings; use (label, value) pairs "
                             f"for other values, got {values!r}")
        if self.default is not None and not any(self.default == v for v in values):
            raise ValueError(f"{where}: default {self.default!r} is not one of the options {values!r}")

    @property
    def values(self) -> tuple:
        return tuple(o[1] if isinstance(o, tuple) else o for o in self.options)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(o[0] if isinstance(o, tuple) else _format_number(o) if _is_number(o) else str(o)
                     for o in self.options)

    @property
    def is_slider(self) -> bool:
        """Bare numeric options make a slider; text options and (label, value) pairs a drop-down."""
        return all(not isinstance(o, tuple) and _is_number(o) for o in self.options)

    @property
    def default_index(self) -> int:
        if self.default is None:
            return 0
        return next(i for i, v in enumerate(self.values) if v == self.default)

    def make_widget(self) -> widgets.ValueWidget:
        """The labelled ipywidgets control; its ``index`` is what the frames are linked to."""
        common = dict(options=list(zip(self.labels, self.values)), index=self.default_index,
                      description=self.label, style={"description_width": "initial"})
        if self.is_slider:
            return widgets.SelectionSlider(continuous_update=True, readout=True,
                                           layout=widgets.Layout(width="28em", max_width="100%"), **common)
        return widgets.Dropdown(layout=widgets.Layout(width="auto", max_width="100%"), **common)


def _format_number(value: numbers.Real) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def render_png(draw: Callable[..., Figure], **values: Any) -> bytes:
    """The PNG bytes of ``draw(**values)``: fixed dpi, no metadata, palette colours; the same bytes every time."""
    fig = draw(**values)
    if not isinstance(fig, Figure):
        raise TypeError(f"{getattr(draw, '__name__', draw)!r}({values}) returned {type(fig).__name__}, "
                        "expected a matplotlib.figure.Figure")
    return _compact_png(style.figure_png(fig))


def _compact_png(png: bytes) -> bytes:
    """Re-encode as a 256-colour palette PNG (a third of the size for line charts), without metadata."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    palette = rgb.quantize(colors=256, method=PILImage.Quantize.MEDIANCUT, dither=PILImage.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _alt_text(alt: Callable[..., str] | str, values: dict) -> str:
    text = alt(**values) if callable(alt) else str(alt).format(**values)
    if not isinstance(text, str) or len(text.strip()) < 10:
        raise ValueError(f"alt text for {values} must be a sentence saying what the frame shows, got {text!r}")
    return text.strip()


class FrameImage(widgets.Image):
    """An ``ipywidgets.Image`` whose ``tooltip`` (the frame's alt text) renders as the img ``title``.

    ipywidgets 8's front end sets the title only when ``description`` is empty, and reads
    ``description`` even on widgets that have none: an Image with a tooltip then fails to render
    ("Could not create a view"). Syncing an empty ``description`` avoids that; nothing else changes.
    """

    description = Unicode("", help="Always empty; see the class docstring.").tag(sync=True)


class InteractiveFigure(widgets.VBox):
    """The widget ``interactive_figure`` returns: hint, labelled controls and the stack of frames.

    ``frames`` maps a tuple of control values (in control order) to that frame's PNG bytes;
    ``alts`` maps the same keys to the frame's alt text.
    """

    def __init__(self, draw: Callable[..., Figure], controls: Sequence[Control],
                 alt: Callable[..., str] | str, hint: str, name: str | None = None) -> None:
        controls = list(controls)
        if not 1 <= len(controls) <= 2 or not all(isinstance(c, Control) for c in controls):
            raise ValueError(f"interactive_figure takes one or two Control objects, got {controls!r}")
        if len({c.name for c in controls}) != len(controls):
            raise ValueError(f"two controls share the name {controls[0].name!r}")
        if not isinstance(hint, str) or len(hint.strip()) < 10:
            raise ValueError(f"hint must be a sentence saying what to try with the controls, got {hint!r}")
        self.draw, self.controls, self.alt, self.hint = draw, tuple(controls), alt, hint.strip()
        self.name = name or getattr(draw, "__name__", "interactive figure")

        self.control_widgets = [c.make_widget() for c in self.controls]
        self.frames: dict[tuple, bytes] = {}
        self.alts: dict[tuple, str] = {}
        self.images: dict[tuple, widgets.Image] = {}
        for key in itertools.product(*(c.values for c in self.controls)):
            values = self._values(key)
            self.frames[key] = render_png(draw, **values)
            self.alts[key] = _alt_text(alt, values)
            self.images[key] = FrameImage(value=self.frames[key], format="png", tooltip=self.alts[key],
                                             layout=widgets.Layout(max_width="100%", height="auto"))
        self._check_weight()

        first = self.controls[0]
        index = tuple(c.default_index for c in self.controls)
        if len(self.controls) == 1:
            self.stack = widgets.Stack([self.images[(v,)] for v in first.values], selected_index=index[0])
            self.inner_stacks: list[widgets.Stack] = []
        else:
            second = self.controls[1]
            self.inner_stacks = [widgets.Stack([self.images[(v1, v2)] for v2 in second.values],
                                               selected_index=index[1]) for v1 in first.values]
            self.stack = widgets.Stack(self.inner_stacks, selected_index=index[0])
        # Client-side links: the static page needs no kernel to switch frames.
        self.links = [widgets.jslink((self.control_widgets[0], "index"), (self.stack, "selected_index"))]
        self.links += [widgets.jslink((self.control_widgets[1], "index"), (inner, "selected_index"))
                       for inner in self.inner_stacks]
        for control in self.control_widgets:
            control.observe(self._redraw_live, names="index")

        hint_html = widgets.HTML(f'<p class="il6mm-interactive-hint">{html.escape(self.hint)}</p>')
        super().__init__([hint_html, widgets.HBox(self.control_widgets, layout=widgets.Layout(flex_flow="row wrap")),
                          self.stack], layout=widgets.Layout(width="100%"))
        self.add_class(FIGURE_CLASS)

    def _values(self, key: tuple) -> dict[str, Any]:
        return {c.name: v for c, v in zip(self.controls, key)}

    def current_key(self) -> tuple:
        return tuple(c.values[w.index] for c, w in zip(self.controls, self.control_widgets))

    def _redraw_live(self, change: dict) -> None:
        """Live kernel only: recompute the frame now selected (jslink has already switched the stack)."""
        self._refresh_frame(self.current_key())

    def _refresh_frame(self, key: tuple) -> None:
        png = render_png(self.draw, **self._values(key))
        if png != self.frames[key]:
            self.frames[key] = png
            self.images[key].value = png

    def refresh(self) -> None:
        """Recompute every frame (live kernel: after changing something ``draw`` reads)."""
        for key in self.frames:
            self._refresh_frame(key)

    def state_bytes(self) -> int:
        """Estimated size of this figure's embedded widget state (base64 PNGs plus model JSON)."""
        images = sum(4 * ((len(png) + 2) // 3) + len(json.dumps(self.alts[key])) for key, png in self.frames.items())
        n_models = len(self.frames) + 2 * len(self.controls) + len(self.frames) // 2 + 8
        return images + n_models * _MODEL_OVERHEAD_BYTES

    def _check_weight(self) -> None:
        size = self.state_bytes()
        if size > MAX_STATE_BYTES:
            counts = " x ".join(f"{len(c.values)} {c.name!r} options" for c in self.controls)
            raise FigureTooHeavyError(
                f"interactive figure {self.name!r}: {len(self.frames)} frames ({counts}) embed about "
                f"{size / 1000:.0f} KB of widget state, over the {MAX_STATE_BYTES / 1000:.0f} KB budget per figure; "
                "offer fewer options or draw a smaller or simpler figure")


def interactive_figure(draw: Callable[..., Figure], controls: Sequence[Control],
                       alt: Callable[..., str] | str, hint: str, *, name: str | None = None) -> InteractiveFigure:
    """An interactive figure: ``draw(**values)`` for every control choice, switched in the browser.

    ``draw`` returns a matplotlib Figure (pure, no I/O); ``controls`` is one or two ``Control``;
    ``alt(**values)`` says what each frame shows; ``hint`` says what to try. ``name`` (default: the
    function's name) only appears in error messages. See the module docstring for the chapter recipe.
    """
    return InteractiveFigure(draw, controls, alt, hint, name=name)


def precomputed_frames(widget: InteractiveFigure) -> dict[tuple, bytes]:
    """The PNG bytes embedded in ``widget``, keyed by the tuple of control values (in control order)."""
    return dict(widget.frames)


def frame_data_uri(png: bytes) -> str:
    """A ``data:`` URI of PNG bytes (for tests that compare what a browser shows)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
