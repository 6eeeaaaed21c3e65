"""The interactive figure itself: every frame precomputed, a static HTML rendition for the site (native
controls, the default frame as a plain image), the default PNG, and the live ipywidgets view."""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
from typing import Any, Callable, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

from .. import style
from .controls import Control, _is_number
from .live import _LiveFigure
from .rendering import Frame, SharedLayout, _check_figure, _fast_png, _frame_of

#: Most bytes of frames (of the rendition a screen uses) one interactive figure may ask a reader to fetch.
MAX_FRAME_BYTES = 400_000
#: CSS class of the outer block of every interactive figure (the browser tests find figures by it).
FIGURE_CLASS = "il6mm-interactive"
#: Screens at most this wide get the narrow rendition (CSS media query of the ``<source>``).
NARROW_MEDIA = "(max-width: 640px)"
#: Marks the end of a static rendition in the HTML (the site extension rewrites what lies before it).
END_MARK = "<!--/il6mm-interactive-->"


class FigureTooHeavyError(ValueError):
    """An interactive figure's frames weigh more than ``MAX_FRAME_BYTES``."""


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
                 update: Callable[..., Any] | None = None,
                 inert_reason: Callable[..., str] | None = None) -> None:
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
        self.narrow, self.update, self.inert_reason = narrow, update, inert_reason
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
        # Why a control is off, when it is (visible text, not only a greyed-out control).
        self.inert_note = widgets.HTML("")
        super().__init__([hint_html, widgets.HBox(self.control_widgets, layout=widgets.Layout(flex_flow="row wrap")),
                          self.inert_note, self.image], layout=widgets.Layout(width="100%"))
        self.add_class(FIGURE_CLASS)
        self._show_inert(self.default_key())

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
        self.inert = self._inert_controls()

    def _inert_controls(self) -> dict[tuple, dict[int, str]]:
        """Per frame key, the controls that would change nothing from there: every choice of that control,
        the others kept, gives the same image in every rendition. Each is switched off with a short reason
        (``inert_reason(control_name, **values)``, or a general one). A control that changes nothing
        anywhere is a mistake in the figure, not something to switch off."""
        renditions = [self.wide] + ([self.narrow_renditions] if self.narrow_renditions else [])
        inert: dict[tuple, dict[int, str]] = {}
        for i, control in enumerate(self.controls):
            off = 0
            for key in self.frame_keys():
                along = [key[:i] + (v,) + key[i + 1:] for v in control.values]
                if all(len({frames[k].png for k in along}) == 1 for frames in renditions):
                    reason = (self.inert_reason(control.name, **self._values(key)) if self.inert_reason
                              else "no choice here changes the figure")
                    inert.setdefault(key, {})[i] = reason.strip()
                    off += 1
            if off == len(self.frame_keys()):
                raise ValueError(f"interactive figure {self.name!r}: control {control.name!r} never changes "
                                 "the figure; remove it")
        # Where no control would change anything, none is switched off: a reader is never left with no way on.
        return {key: off for key, off in inert.items() if len(off) < len(self.controls)}

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
        self._show_inert(self.current_key())

    def _show_inert(self, key: tuple) -> None:
        """Switch off the controls that would change nothing from ``key``, and say why."""
        off = self.inert.get(key, {})
        for i, control in enumerate(self.control_widgets):
            control.disabled = i in off
        self.inert_note.value = "".join(
            f'<p class="il6mm-inert">{html.escape(self.controls[i].label)}: {html.escape(reason)}</p>'
            for i, reason in sorted(off.items()))

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
            # Shown, with the control switched off, when no choice of it would change the figure.
            why = f'<span class="il6mm-inert" id="{cid}-why" hidden></span>'
            described = f'aria-describedby="{cid}-why"'
            if control.is_slider:
                text = control.labels[index[i]]
                controls.append(
                    f'<span class="il6mm-control il6mm-slider">{label}'
                    f'<input type="range" id="{cid}" min="0" max="{len(control.values) - 1}" step="1" '
                    f'value="{index[i]}" aria-valuetext="{html.escape(text)}" {described} data-il6mm-control="{i}">'
                    f'<output for="{cid}" aria-hidden="true">{html.escape(text)}</output>{why}</span>')
            else:
                options = "".join(f'<option value="{j}"{" selected" if j == index[i] else ""}>{html.escape(t)}'
                                  f'</option>' for j, t in enumerate(control.labels))
                controls.append(f'<span class="il6mm-control il6mm-dropdown">{label}'
                                f'<select id="{cid}" {described} data-il6mm-control="{i}">{options}</select>'
                                f'{why}</span>')
        positions = {k: ",".join(map(str, ix)) for ix, k in
                     zip(itertools.product(*(range(len(c.values)) for c in self.controls)), self.frame_keys())}
        table = {
            "controls": [{"labels": list(c.labels)} for c in self.controls],
            "frames": {positions[k]: self._frame_entry(k) for k in self.frame_keys()},
            # Per position, the controls that would change nothing from there, with the reason shown.
            "inert": {positions[k]: {str(i): reason for i, reason in off.items()} for k, off in self.inert.items()},
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
                       update: Callable[..., Any] | None = None,
                       inert_reason: Callable[..., str] | None = None) -> InteractiveFigure:
    """An interactive figure: ``draw(**values)`` for every control choice, switched in the browser.

    ``draw`` returns a matplotlib Figure (pure, no I/O); ``controls`` is one or two ``Control``;
    ``alt(**values)`` says what each frame shows; ``hint`` says what to try. ``narrow`` gives the phone
    rendition (a drawing function with the same keywords, or a size in inches); ``update(fig, **values)``
    makes live redraws reuse the figure (and, when it returns the artists it changed, redraw only those).
    A control none of whose choices would change the figure from the current one is switched off, with
    ``inert_reason(control_name, **values)`` (a few words) shown beside it.
    ``name`` (default: the function's name) only appears in error messages. See the module docstring for
    the chapter recipe.
    """
    return InteractiveFigure(draw, controls, alt, hint, name=name, narrow=narrow, update=update,
                             inert_reason=inert_reason)


def precomputed_frames(widget: InteractiveFigure) -> dict[tuple, bytes]:
    """The PNG bytes of the wide rendition, keyed by the tuple of control values (in control order)."""
    return widget.frames
