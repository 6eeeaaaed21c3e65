"""Interactive figures on the built site: frames as content-hashed files, and the script that swaps them.

A notebook output of an ``il6mm.figures.interactive.InteractiveFigure`` carries its frames as ``data:`` URIs
(so the executed notebook stays self-contained). On each HTML page this module writes every such frame as
``_frames/<sha256[:16]>.png`` (the same bytes give the same name: cacheable forever, shared between pages),
points the page at the files, and adds ``il6mm-frames.js``/``.css`` to the pages that have a figure, and only
to them. The default frame stays a plain ``<img>``: it shows with JavaScript off.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Callable

from ..figures.interactive import END_MARK, FIGURE_CLASS

#: Folder of the built site that holds the frame files.
FRAMES_DIR = "_frames"
#: Site folder of the front-end files below (kept out of _static/, which Jupyter Book adds to every page).
ASSET_DIR = "_il6mm"
SCRIPT = "il6mm-frames.js"
STYLESHEET = "il6mm.css"  # the one stylesheet of the site (every page)

_BLOCK = re.compile(r'<div class="%s"(?:(?!%s).)*?%s' % (FIGURE_CLASS, re.escape(END_MARK), re.escape(END_MARK)),
                    re.S)
_DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


class FrameError(ValueError):
    """A frame in a page could not be written out (names the page and why)."""


def frame_name(png: bytes) -> str:
    return f"{hashlib.sha256(png).hexdigest()[:16]}.png"


def write_frame(folder: Path, png: bytes) -> str:
    """Write ``png`` as ``folder/<hash>.png`` (atomically; an existing file is kept) and return its name."""
    name = frame_name(png)
    dest = folder / name
    if not dest.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".png")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(png)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return name


def externalise_frames(body: str, page: str, store: Callable[[bytes], str]) -> tuple[str, int]:
    """Replace every PNG data URI inside the interactive figures of ``body`` by ``store(png)`` (its URL).

    Returns the new body and the number of figures found. Only figure blocks are touched.
    """
    count = 0

    def one_uri(match: re.Match) -> str:
        try:
            png = base64.b64decode(match.group(1), validate=True)
        except ValueError as err:
            raise FrameError(f"{page}: an interactive figure holds a frame that is not valid base64: {err}") from err
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise FrameError(f"{page}: an interactive figure holds a frame that is not a PNG")
        return store(png)

    def one_block(match: re.Match) -> str:
        nonlocal count
        count += 1
        return _DATA_URI.sub(one_uri, match.group(0))

    new = _BLOCK.sub(one_block, body)
    if count == 0 and f'class="{FIGURE_CLASS}"' in body:
        raise FrameError(f"{page}: an interactive figure without its end mark {END_MARK!r}")
    return new, count
