"""The book's look outside its pages: the logo (also the favicon) and the social card a shared link shows.

Both are drawn with matplotlib from the house palette, so they need no design file and no font beyond the
one every figure uses. The logo is a plasma cell (a blue disc with its nucleus) ringed by six orange IL-6
molecules, one of them held off by a bar (blockade); it stays legible at 16 px. The social card (1200 x 630 px,
the size Open Graph and Twitter cards show) carries the title, the version and the review's key figure: the
forest plot of progression-free survival in the randomised trials of IL-6 blockade.
"""

from __future__ import annotations

import math
import textwrap
from typing import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from . import style
from .history import forest_figure

#: Social-card size in pixels (Open Graph's recommended 1.91:1 large image).
CARD_SIZE = (1200, 630)
LOGO_COLOURS = {"cell": style.OKABE_ITO["blue"], "nucleus": style.NEUTRAL["white"],
                "il6": style.OKABE_ITO["orange"], "block": style.OKABE_ITO["black"]}
_MOLECULES = 6


def draw_logo(ax) -> None:
    """Draw the logo into ``ax`` (a square axes spanning 0..1 on both axes, its frame off)."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.add_patch(Circle((0.5, 0.5), 0.28, color=LOGO_COLOURS["cell"], gid="cell"))
    ax.add_patch(Circle((0.55, 0.54), 0.11, color=LOGO_COLOURS["nucleus"], gid="nucleus"))
    for i in range(_MOLECULES):
        angle = math.pi / 2 + 2 * math.pi * i / _MOLECULES
        x, y = 0.5 + 0.40 * math.cos(angle), 0.5 + 0.40 * math.sin(angle)
        ax.add_patch(Circle((x, y), 0.08, color=LOGO_COLOURS["il6"], gid=f"il6-{i}"))
    # The bar between the cell and the molecule at the top: the blockade.
    ax.add_patch(Rectangle((0.39, 0.787), 0.22, 0.03, color=LOGO_COLOURS["block"], gid="blockade"))


def logo_figure(pixels: int = 64) -> Figure:
    """The logo alone on a transparent square of ``pixels`` x ``pixels`` (PNG) or as scalable SVG."""
    fig = Figure(figsize=(pixels / style.DPI, pixels / style.DPI), dpi=style.DPI)
    fig.patch.set_alpha(0)
    draw_logo(fig.add_axes((0, 0, 1, 1)))
    return fig


def social_card_figure(title: str, version_line: str, effects: Sequence, pooled: Sequence) -> Figure:
    """The social card: logo, title and version on the left; the PFS forest plot (``effects`` and ``pooled`` of
    the meta-analysis, as chapter 1 draws them) on the right."""
    width, height = (n / style.DPI for n in CARD_SIZE)
    forest = forest_figure(effects, pooled, endpoint="PFS")
    with style.context():
        fig = Figure(figsize=(width, height), dpi=style.DPI)
        fig.patch.set_facecolor(style.NEUTRAL["white"])
        fig.add_artist(FancyBboxPatch((0.0, 0.0), 0.38, 1.0, boxstyle="square,pad=0", transform=fig.transFigure,
                                      color=style.NEUTRAL["panel"], zorder=0))
        draw_logo(fig.add_axes((0.03, 0.66, 0.26, 0.26 * width / height * 0.5)))
        fig.text(0.03, 0.6, "\n".join(textwrap.wrap(title, 24)), fontsize=20, fontweight="bold", va="top",
                 ha="left", color=style.OKABE_ITO["black"], linespacing=1.25)
        fig.text(0.03, 0.07, version_line, fontsize=13, va="bottom", ha="left", color=style.NEUTRAL["muted_text"])
        # The key figure, as chapter 1 draws it, placed on the right two-thirds.
        image = _render(forest)
        ax = fig.add_axes((0.40, 0.06, 0.58, 0.88))
        ax.imshow(image, interpolation="lanczos")
        ax.set_axis_off()
    return fig


def _render(fig: Figure, dpi: int = 2 * style.DPI):
    """A figure drawn to an RGBA array (to place one figure inside another), at twice the house dpi so that
    it stays sharp when scaled into the card."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.image import imread

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return imread(io.BytesIO(buffer.getvalue()), format="png")
