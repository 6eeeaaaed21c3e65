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

Modules, along the seams: ``controls`` (sliders and drop-downs), ``rendering`` (frames, PNGs, the shared
layout), ``live`` (blitting in a kernel) and ``widget`` (the object and its renditions); their public names are
re-exported here.
"""

from .controls import Control
from .live import MAX_BACKGROUND_BYTES, Changed
from .rendering import Frame, SharedLayout, render_png, smallest_font_px
from .widget import (END_MARK, FIGURE_CLASS, MAX_FRAME_BYTES, NARROW_MEDIA, FigureTooHeavyError, InteractiveFigure,
                     interactive_figure, precomputed_frames)

__all__ = [
    "Control", "InteractiveFigure", "FigureTooHeavyError", "interactive_figure", "render_png", "Changed",
    "SharedLayout", "precomputed_frames", "MAX_FRAME_BYTES", "FIGURE_CLASS", "NARROW_MEDIA", "END_MARK", "Frame",
    "MAX_BACKGROUND_BYTES", "smallest_font_px",
]
