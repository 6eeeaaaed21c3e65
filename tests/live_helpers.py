"""What a live kernel shows for an interactive figure, checked against drawing the frame anew.

Used by the chapter tests of every interactive figure with a live ``update``: each frame the live view shows
(blitted over a cached background, or drawn in full) must be, pixel for pixel, what a new figure for the same
choice gives in the page's shared layout, and what a full draw of the live figure gives.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from il6mm.figures import style


def pixels(png) -> np.ndarray:
    with Image.open(io.BytesIO(bytes(png))) as image:
        return np.asarray(image.convert("RGB"))


def snake_order(widget) -> list[tuple[int, ...]]:
    """Control indexes visiting every frame once, one control moving per step (also used by
    benchmarks/bench_live_updates.py)."""
    sizes = [len(c.options) for c in widget.control_widgets]
    path = []
    for i in range(sizes[0]):
        inner = range(sizes[1]) if len(sizes) > 1 else [None]
        for j in (inner if i % 2 == 0 else reversed(inner)):
            path.append((i,) if j is None else (i, j))
    return path


def every_move(widget) -> list[tuple[int, ...]]:
    """Every frame in snake order, then back over them in reverse (so revisits, which blit over cached
    backgrounds, are checked too)."""
    path = snake_order(widget)
    return path + path[::-1]


def assert_live_frames_are_new_figures(widget, moves=None) -> int:
    """Move the controls through ``moves`` (default: ``every_move``, and then every frame must have been shown
    live); returns how many live frames were checked."""
    checked, shown_keys = 0, set()
    new_figures: dict[tuple, np.ndarray] = {}  # a new figure's pixels for a choice (drawn once per choice)
    for indexes in moves or every_move(widget):
        for control, index in zip(widget.control_widgets, indexes):
            control.index = index
        live = widget._live_fig
        if live is None:  # still the precomputed default frame: no live draw yet
            continue
        shown = pixels(widget.image.value)
        key = widget.current_key()
        if key not in new_figures:
            new_figures[key] = pixels(style.figure_png(widget.figure(key)))
        new = new_figures[key]
        assert np.array_equal(shown, new), f"{widget.name}: live frame {key} differs from a new figure's"
        for artist in live.findobj():
            artist.set_animated(False)
        live.canvas.draw()
        full = np.asarray(live.canvas.buffer_rgba())[..., :3]
        assert np.array_equal(shown, full), f"{widget.name}: live frame {key} differs from a full draw"
        checked += 1
        shown_keys.add(key)
    assert checked, f"{widget.name}: no live frame was drawn"
    if moves is None:
        assert shown_keys == set(widget.frame_keys()), f"{widget.name}: frames never shown live"
    return checked


__all__ = ["pixels", "snake_order", "every_move", "assert_live_frames_are_new_figures"]
