"""The built site shows what the code computes now: interactive figures within their byte budget, frames equal
to fresh renders, and the readers' notebooks numbering cross-references as the book does. (Moved here from
the unit tests of those modules: each reads the built site.)"""

from __future__ import annotations

import json
import re

from browser_helpers import frame_file, static_figures
from conftest import REPO, notebook_pages, toc_files
from il6mm.figures.interactive import MAX_FRAME_BYTES, render_png
from il6mm.figures.sources import (OCCUPANCY_BLOCKADE, OCCUPANCY_SCALES, occupancy_explorer, occupancy_narrow,
                                   receptor_occupancy_figure)
from il6mm.publish.notebooks import write_notebooks


def test_every_interactive_figure_on_the_built_site_is_within_the_budget(site):
    """Measured on the built site: each figure's frame files, per rendition, as a reader would fetch them."""
    figures = []
    for page in toc_files():
        html = (site / f"{page}.html").read_text()
        assert "data:image/png;base64" not in html, f"{page}: a frame is still inline in the page"
        figures += static_figures(html, page)
    assert len(figures) >= 4, "interactive figures missing from the site"
    for figure in figures:
        wide = sum(frame_file(site, figure.page, f.src).stat().st_size for f in figure.frames.values())
        narrow = sum(frame_file(site, figure.page, f.narrow).stat().st_size
                     for f in figure.frames.values() if f.narrow)
        assert max(wide, narrow) <= MAX_FRAME_BYTES, f"{figure.page}: {wide} / {narrow} bytes"
        print(f"{figure.page}: {len(figure.frames)} frames, {wide / 1000:.0f} KB wide, {narrow / 1000:.0f} KB narrow")


def test_the_site_embeds_the_frames_the_code_computes(site):
    """The occupancy figure on the site holds exactly what render_png computes now (no stale frames)."""
    html = (site / "chapters" / "02-sources.html").read_text()
    figure, = [f for f in static_figures(html, "chapters/02-sources") if f.controls[0].label == "Ligand neutralised (%)"]
    assert len(figure.frames) == len(OCCUPANCY_BLOCKADE) * len(OCCUPANCY_SCALES)
    explorer = occupancy_explorer()  # its shared layouts: where every frame puts the axes
    for (i, j), frame in figure.frames.items():
        values = dict(blockade_percent=OCCUPANCY_BLOCKADE[i], scale=OCCUPANCY_SCALES[j][1])
        wide = render_png(lambda: explorer.frame_layout.apply(receptor_occupancy_figure(**values)))
        narrow = render_png(lambda: explorer.narrow_frame_layout.apply(occupancy_narrow(**values)))
        assert frame_file(site, figure.page, frame.src).read_bytes() == wide
        assert frame_file(site, figure.page, frame.narrow).read_bytes() == narrow


def test_numbers_in_the_notebooks_match_the_built_book(site, tmp_path):
    """Every "Fig. 3.2", "Table 3.1" and "(3.5)" the book prints for a cross-reference, the notebook prints."""
    made = {p.stem: p for p in write_notebooks(REPO, tmp_path)}
    for page in notebook_pages():
        html = (site / page.relative_to(REPO).with_suffix(".html")).read_text()
        shown = set(re.findall(r'class="std std-numref">([^<]+)<', html))
        shown |= set(re.findall(r'<a class="reference internal" href="#equation-[^"]+">\((\d+\.\d+)\)</a>', html))
        prose = "\n".join(c["source"] for c in json.loads(made[page.stem].read_text())["cells"])
        missing = {s for s in shown if s not in prose and f"({s})" not in prose}
        assert not missing, (page.name, missing)
