"""Interactive figures: one Python object, two renditions.

How it works
------------
``interactive_figure(draw, controls, alt, hint)`` calls ``draw(**values)`` once for every control value
(every pair of values, for two controls) and keeps each frame as deterministic PNG bytes (``frames``).
Displaying the object gives a mime bundle with three renditions:

* ``text/html`` -- the **static rendition** the book's HTML pages use (``nb_mime_priority_overrides`` in
  _config.yml ranks it above the widget view): a block with native, labelled ``<select>`` and
  ``<input type="range">`` controls, the default frame as a plain ``<picture>``/``<img>`` with alt text
  (visible with JavaScript off, in feed readers), and a JSON table of every frame. The frames travel inside
  the notebook output as ``data:`` URIs, so an executed notebook stays self-contained; the book's Sphinx
  extension (``il6mm.site.frames``) writes each as a content-hashed file under ``_frames/`` and points the
  page at it, and its small script (``il6mm-frames.js``) swaps frames when a control moves. No widget
  manager, require.js or icon font is needed on any page.
* ``image/png`` -- the default frame, for the PDF (LaTeX) build and any front end without HTML.
* ``application/vnd.jupyter.widget-view+json`` -- the **live** ipywidgets interface (Binder, JupyterLab):
  the same labelled controls and one image, redrawn from the code in that kernel when a control moves.

Phones: a figure may give a ``narrow`` rendition, either a drawing function with the same keywords (e.g. its
panels stacked) or a ``(width, height)`` in inches at which the same drawing is laid out again. The page
serves it below ``NARROW_MEDIA`` with ``<picture><source media=...>``, so figure text stays legible
(every frame records the smallest font it draws, in image pixels, for the browser tests).

One layout: the frames of a rendition share one ``SharedLayout`` (each axes at the tightest of its boxes over
all frames), so the axes stay put when a control moves, every frame's labels fit, and one live figure can
show any frame. Every frame must therefore have the same axes.

Live redraw: with ``update(fig, **values)`` (changes the artists of a figure ``draw`` made, in place) a
live update reuses one figure in the shared layout instead of building a new one, and encodes the PNG
without the palette pass (which only exists to keep the static site light). When ``update`` returns the
artists it changed (and those drawn over them, such as spines), only those are drawn again, over a cached
image of the rest of the figure (matplotlib's blitting): axes, ticks and labels are text, and drawing text
is most of the cost of a frame. An update whose texts change with the controls (the rows of a forest plot)
returns ``Changed(artists, background=key)``, where ``key`` identifies the rest (say, the texts it set):
the live view keeps one image per key, and draws the whole figure only for a key it has not seen. Cached
images are checked before use (an artist that left or joined the moving layer since is drawn again) and
held within ``MAX_BACKGROUND_BYTES``. ``refresh()`` recomputes every precomputed frame and the layout
(after a reader changes something ``draw`` reads).

Numeric options become a labelled slider, text options or ``(label, value)`` pairs a labelled drop-down.
Every frame carries its own alt text (``alt(**values)``), and the ``hint`` sentence saying what to try is
shown above the controls.

Page weight: the frames of one figure (of one rendition) must stay under ``MAX_FRAME_BYTES`` (400 KB, what a
reader fetches after moving every control); a heavier figure raises ``FigureTooHeavyError`` while the book
executes, with the measured size and what to cut. Frames are palette PNGs (256 colours, no metadata).

Recipe for a chapter: a numbered, referenceable interactive figure
-----------------------------------------------------------------
Put the figure function in the package (``il6mm.figures``), make the object the last expression of a code
cell, and give the cell the same ``mystnb: figure:`` metadata as a static figure; myst-nb wraps the output in
a numbered figure with the caption, and ``{numref}`fig-name``` refers to it. (The ``image: alt:`` cell
option does not apply here: the ``alt=`` argument gives every frame its alt.)

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
        narrow=(3.6, 3.0),
    )
    ```

Working examples: ``fig-occupancy`` in chapters/02-sources.md (``il6mm.figures.sources.occupancy_explorer``),
and the explorers of chapters 1, 3 and 4. Chapter tests check that the page shows what the code computes,
``precomputed_frames(fig)[(50,)] == render_png(lambda: fig.frame_layout.apply(blockade_response(strength=50)))``,
and that every live frame is what a new figure gives (``tests/live_helpers.py``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import numbers
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure
from matplotlib.text import Text

from . import style

#: Most bytes of frames (of the rendition a screen uses) one interactive figure may ask a reader to fetch.
MAX_FRAME_BYTES = 400_000
#: CSS class of the outer block of every interactive figure (the browser tests find figures by it).
FIGURE_CLASS = "il6mm-interactive"
#: Screens at most this wide get the narrow rendition (CSS media query of the ``<source>``).
NARROW_MEDIA = "(max-width: 640px)"
#: Marks the end of a static rendition in the HTML (the site extension rewrites what lies before it).
END_MARK = "<!--/il6mm-interactive-->"

__all__ = [
    "Control", "InteractiveFigure", "FigureTooHeavyError", "interactive_figure", "render_png", "Changed",
    "SharedLayout", "precomputed_frames", "MAX_FRAME_BYTES", "FIGURE_CLASS", "NARROW_MEDIA", "END_MARK", "Frame",
]


class FigureTooHeavyError(ValueError):
    """An interactive figure's frames weigh more than ``MAX_FRAME_BYTES``."""


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


def _check_figure(fig: Any, draw: Callable, values: dict) -> Figure:
    if not isinstance(fig, Figure):
        raise TypeError(f"{getattr(draw, '__name__', draw)!r}({values}) returned {type(fig).__name__}, "
                        "expected a matplotlib.figure.Figure")
    return fig


def render_png(draw: Callable[..., Figure], **values: Any) -> bytes:
    """The PNG bytes of ``draw(**values)``: fixed dpi, no metadata, palette colours; the same bytes every time."""
    return _compact_png(style.figure_png(_check_figure(draw(**values), draw, values)))


def smallest_font_px(fig: Figure) -> float:
    """The smallest text a drawn figure shows, in image pixels (font size in points at the figure's dpi)."""
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_figure() is not None]
    return round(min(sizes) * fig.dpi / 72, 2) if sizes else 0.0


@dataclass(frozen=True)
class Frame:
    """One rendition of one frame: PNG bytes, pixel size and the smallest text it draws (image px)."""

    png: bytes
    width: int
    height: int
    font_px: float

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _frame_of(fig: Figure) -> Frame:
    from PIL import Image as PILImage

    png = _compact_png(style.figure_png(fig))  # draws the figure, so tick labels exist below
    with PILImage.open(io.BytesIO(png)) as image:
        width, height = image.size
    return Frame(png, width, height, smallest_font_px(fig))


def _compact_png(png: bytes) -> bytes:
    """Re-encode as a 256-colour palette PNG (a third of the size for line charts), without metadata."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    palette = rgb.quantize(colors=256, method=PILImage.Quantize.MEDIANCUT, dither=PILImage.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _agg_canvas(fig: Figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)


def _canvas_png(canvas) -> bytes:
    """PNG of what an Agg canvas holds now: light zlib, no palette pass (the live view is not stored)."""
    from PIL import Image as PILImage

    image = PILImage.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _fast_png(fig: Figure) -> bytes:
    """PNG of a figure for the live view: one full Agg draw, then ``_canvas_png``."""
    canvas = _agg_canvas(fig)
    canvas.draw()
    return _canvas_png(canvas)


@dataclass(frozen=True)
class SharedLayout:
    """Where every axes of a rendition sits (figure fractions, in ``fig.axes`` order), the same in every frame.

    Each axes gets the tightest of its boxes over all frames (as constrained layout placed them), so every
    frame's labels fit: the axes stay put when a control moves, and one live figure can show any frame.
    """

    boxes: tuple[tuple[float, float, float, float], ...]  # (x0, y0, x1, y1) per axes

    @classmethod
    def of(cls, figures: Sequence[Figure], name: str) -> "SharedLayout":
        per_figure = [[ax.get_position(original=True).extents for ax in _laid_out(fig).axes] for fig in figures]
        counts = sorted({len(boxes) for boxes in per_figure})
        if len(counts) != 1:
            raise ValueError(f"interactive figure {name!r}: its frames have {counts} axes; every frame must have "
                             "the same panels, so that they share one layout")
        return cls(tuple((max(b[0] for b in boxes), max(b[1] for b in boxes),
                          min(b[2] for b in boxes), min(b[3] for b in boxes)) for boxes in zip(*per_figure)))

    def apply(self, fig: Figure) -> Figure:
        """``fig`` with its axes at the shared boxes and its layout frozen there; returns ``fig``."""
        from matplotlib.transforms import Bbox

        _laid_out(fig)  # titles and other figure text: placed as in any frame
        if len(fig.axes) != len(self.boxes):
            raise ValueError(f"a frame has {len(fig.axes)} axes, the shared layout {len(self.boxes)}")
        for ax, box in zip(fig.axes, self.boxes):
            ax.set_position(Bbox.from_extents(*box))
        return fig


def _laid_out(fig: Figure) -> Figure:
    """``fig`` laid out by its layout engine once, and frozen there (a second call changes nothing)."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine("none")
    return fig


@dataclass(frozen=True)
class Changed:
    """What a live ``update`` changed: ``artists``, drawn over a cached image of the rest of the figure, and
    ``background``, a hashable value that identifies that rest (say, every text the update set).

    An update naming a background seen before draws only ``artists``; a new one draws the whole figure once
    and keeps its image. A plain list of artists is one unchanging background; None, "draw everything".
    """

    artists: Sequence[Any]
    background: Hashable = None


#: Most bytes of cached background images one live figure keeps (the least recently used go first).
MAX_BACKGROUND_BYTES = 32_000_000


@dataclass
class _Background:
    image: Any              # what canvas.copy_from_bbox gave
    drawn: weakref.WeakSet  # every artist in it
    left_out: weakref.WeakSet  # the moving artists it was drawn without


def _draw_order(fig: Figure, artists) -> list:
    """``artists`` in the order a full draw paints them: the figure's children by zorder (an axes with
    everything in it), and inside an axes its children by zorder, ties kept in the order they were added."""
    def by_zorder(children):
        return {id(a): i for i, a in enumerate(sorted(children, key=lambda a: a.get_zorder()))}

    top = by_zorder(fig.get_children())
    inside: dict[int, dict] = {}

    def key(artist):
        ax = artist.axes
        if ax is None or artist is ax:
            return top[id(artist)], -1
        if id(ax) not in inside:
            inside[id(ax)] = by_zorder(ax.get_children())
        return top[id(ax)], inside[id(ax)][id(artist)]

    return sorted(artists, key=key)


class _LiveFigure:
    """The one figure a live view redraws (laid out once, for every frame) and, when ``update`` says which
    artists it changed, cached images of everything else (one per ``Changed.background``), so that an update
    draws only those artists: matplotlib's blitting. Text is most of the cost of a frame, and stays cached."""

    def __init__(self, fig: Figure) -> None:
        self.fig, self.canvas = fig, _agg_canvas(fig)
        self.backgrounds: OrderedDict[Hashable, _Background] = OrderedDict()
        self.moving: list = []

    def png(self, changed) -> bytes:
        """The frame after an update that changed ``changed`` (None: it did not say, so draw it all)."""
        if changed is None:
            # Anything may have changed, the cached backgrounds too: draw every artist, drop the caches.
            self._set_moving([])
            self.backgrounds.clear()
            return _fast_png(self.fig)
        if not isinstance(changed, Changed):
            changed = Changed(tuple(changed))
        moving = _draw_order(self.fig, changed.artists)
        self._set_moving(moving)
        background = self.backgrounds.get(changed.background)
        if background is not None and self._still_valid(background, moving):
            self.backgrounds.move_to_end(changed.background)
            self.canvas.restore_region(background.image)
        else:
            self.canvas.draw()  # the moving artists are animated: a full draw leaves them out
            self._keep(changed.background, _Background(
                self.canvas.copy_from_bbox(self.fig.bbox),
                weakref.WeakSet(a for a in self.fig.findobj() if not a.get_animated()), weakref.WeakSet(moving)))
        for artist in moving:
            self.fig.draw_artist(artist)
        return _canvas_png(self.canvas)

    def _set_moving(self, artists: list) -> None:
        named = {id(a) for a in artists}
        for artist in self.moving:
            if id(artist) not in named:
                artist.set_animated(False)  # background again (or removed from the figure)
        for artist in artists:
            artist.set_animated(True)  # left out of full draws: the moving layer
        self.moving = artists

    def _still_valid(self, background: _Background, moving: list) -> bool:
        """A cached image may be blitted over only if it holds none of the moving artists, and lacks only
        them: an artist moved out of (or into) the moving layer since then must be drawn again."""
        named = {id(a) for a in moving}
        if any(a in background.drawn for a in moving):
            return False
        present = set(self.fig.findobj())  # not get_figure(): a replaced legend still names its figure
        return all(id(a) in named for a in background.left_out if a in present)

    def _keep(self, key: Hashable, background: _Background) -> None:
        self.backgrounds[key] = background
        self.backgrounds.move_to_end(key)
        width, height = self.canvas.get_width_height()
        while len(self.backgrounds) > max(1, MAX_BACKGROUND_BYTES // (4 * width * height)):
            self.backgrounds.popitem(last=False)


def _alt_text(alt: Callable[..., str] | str, values: dict) -> str:
    text = alt(**values) if callable(alt) else str(alt).format(**values)
    if not isinstance(text, str) or len(text.strip()) < 10:
        raise ValueError(f"alt text for {values} must be a sentence saying what the frame shows, got {text!r}")
    return text.strip()


class InteractiveFigure(widgets.VBox):
    """What ``interactive_figure`` returns: precomputed frames, a static HTML rendition and a live widget.

    ``frames`` maps a tuple of control values (in control order) to that frame's PNG bytes (the wide
    rendition); ``narrow_frames`` the same keys to the phone rendition (or is empty); ``alts`` the same keys
    to the frame's alt text. ``frame_layout`` and ``narrow_frame_layout`` are the renditions' shared layouts;
    ``figure(key)`` draws a frame anew in its layout. As a widget (live kernel) it holds the hint, the
    labelled controls and ``image``, which shows the frame for the controls' current values, redrawn in the
    kernel.
    """

    def __init__(self, draw: Callable[..., Figure], controls: Sequence[Control],
                 alt: Callable[..., str] | str, hint: str, name: str | None = None,
                 narrow: Callable[..., Figure] | tuple[float, float] | None = None,
                 update: Callable[..., Any] | None = None) -> None:
        controls = list(controls)
        if not 1 <= len(controls) <= 2 or not all(isinstance(c, Control) for c in controls):
            raise ValueError(f"interactive_figure takes one or two Control objects, got {controls!r}")
        if len({c.name for c in controls}) != len(controls):
            raise ValueError(f"two controls share the name {controls[0].name!r}")
        if not isinstance(hint, str) or len(hint.strip()) < 10:
            raise ValueError(f"hint must be a sentence saying what to try with the controls, got {hint!r}")
        if narrow is not None and not callable(narrow) and not (
                isinstance(narrow, tuple) and len(narrow) == 2 and all(_is_number(x) and x > 0 for x in narrow)):
            raise ValueError(f"narrow must be a drawing function or a (width, height) in inches, got {narrow!r}")
        self.draw, self.controls, self.alt, self.hint = draw, tuple(controls), alt, hint.strip()
        self.narrow, self.update = narrow, update
        self.name = name or getattr(draw, "__name__", "interactive figure")

        self.wide: dict[tuple, Frame] = {}
        self.narrow_renditions: dict[tuple, Frame] = {}
        self.frame_layout: SharedLayout | None = None
        self.narrow_frame_layout: SharedLayout | None = None
        self._render_all()
        self._check_weight()

        # The live interface: the same controls, one image redrawn in the kernel.
        self.control_widgets = [c.make_widget() for c in self.controls]
        self._live: _LiveFigure | None = None
        self.image = widgets.Image(value=self.frames[self.default_key()], format="png",
                                   layout=widgets.Layout(max_width="100%", height="auto"))
        for control in self.control_widgets:
            control.observe(self._redraw_live, names="index")
        hint_html = widgets.HTML(f'<p class="il6mm-interactive-hint">{html.escape(self.hint)}</p>')
        super().__init__([hint_html, widgets.HBox(self.control_widgets, layout=widgets.Layout(flex_flow="row wrap")),
                          self.image], layout=widgets.Layout(width="100%"))
        self.add_class(FIGURE_CLASS)

    # --- frames -------------------------------------------------------------------------------------

    def frame_keys(self) -> list[tuple]:
        return list(itertools.product(*(c.values for c in self.controls)))

    def default_key(self) -> tuple:
        return tuple(c.values[c.default_index] for c in self.controls)

    def _values(self, key: tuple) -> dict[str, Any]:
        return {c.name: v for c, v in zip(self.controls, key)}

    def _figure(self, key: tuple, narrow: bool = False) -> Figure:
        """A new figure of the frame for ``key`` (wide, or the phone rendition), before the shared layout."""
        values = self._values(key)
        if not narrow:
            return _check_figure(self.draw(**values), self.draw, values)
        if callable(self.narrow):
            return _check_figure(self.narrow(**values), self.narrow, values)
        fig = _check_figure(self.draw(**values), self.draw, values)
        fig.set_size_inches(*self.narrow)
        return fig

    def figure(self, key: tuple, narrow: bool = False) -> Figure:
        """A new figure of the frame for ``key``, laid out as the page's frame (what ``frames`` holds)."""
        return (self.narrow_frame_layout if narrow else self.frame_layout).apply(self._figure(key, narrow))

    def _render_all(self) -> None:
        """Every frame of every rendition, each rendition in one shared layout; and every alt text."""
        keys = self.frame_keys()
        renditions = [(False, self.wide)] + ([(True, self.narrow_renditions)] if self.narrow is not None else [])
        for narrow, frames in renditions:
            figures = {key: self._figure(key, narrow) for key in keys}
            layout = SharedLayout.of(list(figures.values()), self.name)
            frames.clear()
            frames.update((key, _frame_of(layout.apply(fig))) for key, fig in figures.items())
            if narrow:
                self.narrow_frame_layout = layout
            else:
                self.frame_layout = layout
        self.alts = {key: _alt_text(self.alt, self._values(key)) for key in keys}

    @property
    def frames(self) -> dict[tuple, bytes]:
        return {key: frame.png for key, frame in self.wide.items()}

    @property
    def narrow_frames(self) -> dict[tuple, bytes]:
        return {key: frame.png for key, frame in self.narrow_renditions.items()}

    def refresh(self) -> None:
        """Recompute every precomputed frame and the layout (live kernel: after changing something ``draw``
        reads)."""
        self._render_all()
        self._live = None
        self.image.value = self.frames[self.current_key()]

    def frame_bytes(self) -> int:
        """What a reader fetches after trying every choice: every frame of one rendition (the larger)."""
        return max(sum(len(f.png) for f in self.wide.values()),
                   sum(len(f.png) for f in self.narrow_renditions.values()))

    def _check_weight(self) -> None:
        size = self.frame_bytes()
        if size > MAX_FRAME_BYTES:
            counts = " x ".join(f"{len(c.values)} {c.name!r} options" for c in self.controls)
            raise FigureTooHeavyError(
                f"interactive figure {self.name!r}: {len(self.wide)} frames ({counts}) weigh "
                f"{size / 1000:.0f} KB, over the {MAX_FRAME_BYTES / 1000:.0f} KB budget per figure; "
                "offer fewer options or draw a smaller or simpler figure")

    # --- live kernel --------------------------------------------------------------------------------

    def current_key(self) -> tuple:
        return tuple(c.values[w.index] for c, w in zip(self.controls, self.control_widgets))

    def live_png(self, key: tuple) -> bytes:
        """Redraw the frame for ``key`` from the code in this kernel: reuse the figure when ``update`` is given."""
        if self.update is None:  # a new figure each time: one draw, a light PNG
            return _fast_png(self.figure(key))
        if self._live is None:
            self._live = _LiveFigure(self.figure(key))
        with style.context():
            # On the new figure too: an update that names its artists must name them before the first draw.
            changed = self.update(self._live.fig, **self._values(key))
            return self._live.png(changed)

    @property
    def _live_fig(self) -> Figure | None:
        return None if self._live is None else self._live.fig

    def _redraw_live(self, change: dict) -> None:
        self.image.value = self.live_png(self.current_key())

    # --- static rendition ---------------------------------------------------------------------------

    def _ids(self) -> str:
        digest = hashlib.sha256()
        for key in self.frame_keys():
            digest.update(self.wide[key].png)
        return "il6mm-" + digest.hexdigest()[:10]

    def static_html(self) -> str:
        """The HTML rendition: labelled native controls, the default frame as an image, every frame listed."""
        base = self._ids()
        key = self.default_key()
        index = [c.default_index for c in self.controls]
        controls = []
        for i, control in enumerate(self.controls):
            cid = f"{base}-c{i}"
            label = f'<label for="{cid}">{html.escape(control.label)}</label>'
            if control.is_slider:
                text = control.labels[index[i]]
                controls.append(
                    f'<span class="il6mm-control il6mm-slider">{label}'
                    f'<input type="range" id="{cid}" min="0" max="{len(control.values) - 1}" step="1" '
                    f'value="{index[i]}" aria-valuetext="{html.escape(text)}" data-il6mm-control="{i}">'
                    f'<output for="{cid}" aria-hidden="true">{html.escape(text)}</output></span>')
            else:
                options = "".join(f'<option value="{j}"{" selected" if j == index[i] else ""}>{html.escape(t)}'
                                  f'</option>' for j, t in enumerate(control.labels))
                controls.append(f'<span class="il6mm-control il6mm-dropdown">{label}'
                                f'<select id="{cid}" data-il6mm-control="{i}">{options}</select></span>')
        table = {
            "controls": [{"labels": list(c.labels)} for c in self.controls],
            "frames": {",".join(map(str, ix)): self._frame_entry(k)
                       for ix, k in zip(itertools.product(*(range(len(c.values)) for c in self.controls)),
                                        self.frame_keys())},
        }
        wide = self.wide[key]
        source = ""
        if key in self.narrow_renditions:
            n = self.narrow_renditions[key]
            source = (f'<source media="{NARROW_MEDIA}" srcset="{n.data_uri()}" width="{n.width}" '
                      f'height="{n.height}">')
        table_json = json.dumps(table, separators=(",", ":")).replace("</", "<\\/")
        return (f'<div class="{FIGURE_CLASS}" id="{base}">'
                f'<div class="il6mm-controls" hidden><p class="il6mm-interactive-hint">{html.escape(self.hint)}</p>'
                f'{"".join(controls)}</div>'
                f'<picture class="il6mm-frame">{source}'
                f'<img src="{wide.data_uri()}" alt="{html.escape(self.alts[key])}" width="{wide.width}" '
                f'height="{wide.height}"></picture>'
                f'<script type="application/json" class="il6mm-frames">{table_json}</script></div>{END_MARK}')

    def _frame_entry(self, key: tuple) -> dict:
        wide = self.wide[key]
        entry = {"src": wide.data_uri(), "width": wide.width, "height": wide.height, "font": wide.font_px,
                 "alt": self.alts[key]}
        if key in self.narrow_renditions:
            n = self.narrow_renditions[key]
            entry.update(narrow=n.data_uri(), narrowWidth=n.width, narrowHeight=n.height, narrowFont=n.font_px)
        return entry

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/html"] = self.static_html()
        data["image/png"] = base64.b64encode(self.frames[self.default_key()]).decode("ascii")
        data["text/plain"] = self.alts[self.default_key()]
        return data


def interactive_figure(draw: Callable[..., Figure], controls: Sequence[Control],
                       alt: Callable[..., str] | str, hint: str, *, name: str | None = None,
                       narrow: Callable[..., Figure] | tuple[float, float] | None = None,
                       update: Callable[..., Any] | None = None) -> InteractiveFigure:
    """An interactive figure: ``draw(**values)`` for every control choice, switched in the browser.

    ``draw`` returns a matplotlib Figure (pure, no I/O); ``controls`` is one or two ``Control``;
    ``alt(**values)`` says what each frame shows; ``hint`` says what to try. ``narrow`` gives the phone
    rendition (a drawing function with the same keywords, or a size in inches); ``update(fig, **values)``
    makes live redraws reuse the figure (and, when it returns the artists it changed, redraw only those).
    ``name`` (default: the function's name) only appears in error messages. See the module docstring for
    the chapter recipe.
    """
    return InteractiveFigure(draw, controls, alt, hint, name=name, narrow=narrow, update=update)


def precomputed_frames(widget: InteractiveFigure) -> dict[tuple, bytes]:
    """The PNG bytes of the wide rendition, keyed by the tuple of control values (in control order)."""
    return widget.frames
