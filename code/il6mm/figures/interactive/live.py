"""Live redraw in a kernel: only the artists an update changed are drawn again, over a cached image of the
rest of the figure (matplotlib's blitting), with the cached images checked before use and kept within
``MAX_BACKGROUND_BYTES``."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Hashable, Sequence

from matplotlib.figure import Figure

from .rendering import _agg_canvas, _canvas_png, _fast_png

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
