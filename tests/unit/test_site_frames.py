"""il6mm.site.frames: frames written as content-hashed files, the page pointed at them, nothing else touched."""

from __future__ import annotations

import base64
import hashlib

import pytest

from il6mm.figures.interactive import END_MARK
from il6mm.site.frames import FrameError, externalise_frames, frame_name, write_frame

PNG_A = b"\x89PNG\r\n\x1a\n" + b"frame a"
PNG_B = b"\x89PNG\r\n\x1a\n" + b"frame b"


def uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def block(*pngs: bytes) -> str:
    srcs = "".join(f'<img src="{uri(p)}">' for p in pngs)
    return f'<div class="il6mm-interactive" id="x">{srcs}<script type="application/json">' \
           f'{{"src": "{uri(pngs[0])}"}}</script></div>{END_MARK}'


def test_frames_become_hashed_files_and_only_figure_blocks_change(tmp_path):
    outside = f'<p><img src="{uri(PNG_B)}"></p>'
    body = outside + block(PNG_A, PNG_B) + "<p>after</p>" + block(PNG_A)
    stored = {}

    def store(png):
        name = write_frame(tmp_path, png)
        stored[name] = png
        return f"../_frames/{name}"

    new, count = externalise_frames(body, "chapters/x", store)
    assert count == 2
    assert new.startswith(outside)  # an image outside a figure is left alone
    assert new.count(f"../_frames/{frame_name(PNG_A)}") == 4 and f"../_frames/{frame_name(PNG_B)}" in new
    assert new.count("data:image/png") == 1
    assert frame_name(PNG_A) == hashlib.sha256(PNG_A).hexdigest()[:16] + ".png"
    assert (tmp_path / frame_name(PNG_A)).read_bytes() == PNG_A
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(stored)  # no temporary file left


def test_an_existing_frame_file_is_kept(tmp_path):
    name = write_frame(tmp_path, PNG_A)
    mtime = (tmp_path / name).stat().st_mtime_ns
    assert write_frame(tmp_path, PNG_A) == name and (tmp_path / name).stat().st_mtime_ns == mtime


def test_bad_frames_fail_with_the_page_named():
    with pytest.raises(FrameError, match="chapters/x: .* not a PNG"):
        externalise_frames(block(b"GIF89a not a png"), "chapters/x", lambda png: "x")
    with pytest.raises(FrameError, match="chapters/y: .* without its end mark"):
        externalise_frames('<div class="il6mm-interactive" id="x"><img src="x"></div>', "chapters/y", str)
