"""Frames of an interactive figure: deterministic, light PNGs (palette, no metadata), the smallest font each
draws, and one shared layout for all frames of a rendition."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from matplotlib.figure import Figure
from matplotlib.text import Text

from .. import style

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
    """A frame of a laid-out figure, drawn once and encoded once.

    The frame's layout is frozen (``SharedLayout.apply``), so one Agg draw gives the pixels ``savefig`` would
    (savefig adds a layout pass and a PNG round trip); the palette PNG is made straight from them."""
    canvas = _agg_canvas(fig)
    canvas.draw()  # also makes the tick labels that smallest_font_px reads
    rgba = _canvas_image(canvas)
    return Frame(_palette_png(rgba), rgba.width, rgba.height, smallest_font_px(fig))


def _compact_png(png: bytes) -> bytes:
    """Re-encode a PNG as ``_palette_png`` does."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png)) as image:
        return _palette_png(image)


def _palette_png(image) -> bytes:
    """A 256-colour palette PNG of a Pillow image (a third of the size for line charts), without metadata."""
    from PIL import Image as PILImage

    palette = image.convert("RGB").quantize(colors=256, method=PILImage.Quantize.MEDIANCUT,
                                            dither=PILImage.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _agg_canvas(fig: Figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)


def _canvas_image(canvas):
    """What an Agg canvas holds now, as a Pillow RGBA image."""
    from PIL import Image as PILImage

    return PILImage.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)


def _canvas_png(canvas) -> bytes:
    """PNG of what an Agg canvas holds now: light zlib, no palette pass (the live view is not stored)."""
    out = io.BytesIO()
    _canvas_image(canvas).convert("RGB").save(out, format="PNG", compress_level=1)
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
