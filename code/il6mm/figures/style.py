"""One look for every figure: colour-blind-safe palette, fixed size and resolution.

Figure functions take parameters and return a ``matplotlib.figure.Figure`` (no I/O, no pyplot
state): call ``new_figure`` instead of ``plt.subplots`` so the style is applied and figures are
not left open in pyplot's registry, and draw inside ``with context():`` so that text added
later (titles, labels, legends) gets the same style.
"""

from __future__ import annotations

from matplotlib.figure import Figure

# Okabe & Ito (2008) palette: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
#: Neutral colours, by use: backgrounds and rules of diagrams, reference lines, text of print-only pages.
NEUTRAL = {
    "white": "#FFFFFF",
    "panel": "#F2F2F2",        # background of a side box (flow diagram)
    "reference": "#888888",    # an untreated or reference curve
    "rule": "#999999",         # a guide line (the timeline's spine)
    "edge": "#777777",         # the edge of a side box
    "arrow": "#444444",        # arrows between boxes
    "muted_text": "#555555",   # small print (the PDF's page footer)
}
CYCLE = [OKABE_ITO[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky_blue", "black")]

DPI = 100  # fixed, so that image bytes are reproducible and small
RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": __import__("cycler").cycler(color=CYCLE),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "svg.hashsalt": "il6mm",
}


def context():
    """rcParams for drawing: text made inside it (titles, labels) gets the house style too."""
    import matplotlib

    return matplotlib.rc_context(RC)


def new_figure(width: float = 6.4, height: float = 3.6, **subplot_kw) -> tuple[Figure, object]:
    """A styled figure and its axes (``nrows``/``ncols`` etc. go to ``Figure.subplots``)."""
    with context():
        fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
        axes = fig.subplots(**subplot_kw)
    return fig, axes


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a figure at the house dpi, without the "Software" text chunk (it names the matplotlib
    version), so the same figure gives the same bytes on every machine with the same libraries.

    Optimised losslessly, since a phone downloads every byte: an opaque figure is stored as RGB (its alpha
    channel says nothing), and Pillow picks the best PNG filters and the strongest compression."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image as PILImage

    FigureCanvasAgg(fig)  # figures made outside pyplot have no canvas until given one
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    with PILImage.open(io.BytesIO(buffer.getvalue())) as image:
        image.load()
        if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def figure_image(fig: Figure, alt: str | None = None):
    """The figure as an ``IPython.display.Image`` for a chapter cell to show.

    Figures made outside pyplot have no notebook display of their own; myst-nb turns this PNG output into
    the page's image, with the cell's ``mystnb: image: alt:`` text and ``figure:`` caption, or with ``alt``
    when it is given: a description computed with the figure, carried in the output's metadata
    (il6mm.site.render).
    """
    from IPython.display import Image

    return Image(data=figure_png(fig), format="png", metadata={"alt": alt} if alt else None)
