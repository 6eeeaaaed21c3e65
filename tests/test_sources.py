"""Chapter 2's serum IL-6 figure draws exactly the recorded percentages."""

import pytest
from matplotlib.patches import Rectangle

from il6mm.evidence import Finding, Quantity, load_evidence
from il6mm.figures.sources import (OCCUPANCY_BLOCKADE, OCCUPANCY_SCALES, SERUM_PANELS, occupancy_narrow,
                                   receptor_occupancy, receptor_occupancy_figure, serum_il6_alt_text, serum_il6_figure)
from il6mm.figures.interactive import render_png
from browser_helpers import frame_file, static_figures


@pytest.fixture(scope="module")
def serum():
    return load_evidence().get("bataille1989-serum-il6")


def test_bars_equal_the_record(serum):
    fig = serum_il6_figure(serum)
    recorded = {q.label: q.value for q in serum.quantities}
    for ax, (_, bars) in zip(fig.axes, SERUM_PANELS):
        heights = [p.get_height() for p in ax.patches if isinstance(p, Rectangle)]
        assert heights == [recorded[label] for _, label in bars]


def test_alt_text_gives_every_value(serum):
    alt = serum_il6_alt_text(serum)
    assert all(f"{q.value:g}%" in alt for q in serum.quantities)


def test_a_missing_quantity_fails_loudly(serum):
    broken = Finding(**{**serum.model_dump(), "quantities": [Quantity(label="other", value=1, unit="%")]})
    with pytest.raises(LookupError, match="bataille1989-serum-il6"):
        serum_il6_figure(broken)


def test_receptor_occupancy_follows_mass_action():
    assert receptor_occupancy(1.0, 0.0) == pytest.approx(0.5)
    assert receptor_occupancy(10.0, 0.9) == pytest.approx(0.5)  # 90% neutralised: half-occupancy at 10 K_d
    assert receptor_occupancy(5.0, 1.0) == 0.0
    with pytest.raises(ValueError, match="fraction"):
        receptor_occupancy(1.0, 90)


def test_the_site_embeds_the_frames_the_code_computes(site):
    """The occupancy figure on the site holds exactly what render_png computes now (no stale frames)."""
    html = (site / "chapters" / "02-sources.html").read_text()
    figure, = [f for f in static_figures(html, "chapters/02-sources") if f.controls[0].label == "Ligand neutralised (%)"]
    assert len(figure.frames) == len(OCCUPANCY_BLOCKADE) * len(OCCUPANCY_SCALES)
    for (i, j), frame in figure.frames.items():
        values = dict(blockade_percent=OCCUPANCY_BLOCKADE[i], scale=OCCUPANCY_SCALES[j][1])
        assert frame_file(site, figure.page, frame.src).read_bytes() == render_png(receptor_occupancy_figure, **values)
        assert frame_file(site, figure.page, frame.narrow).read_bytes() == render_png(occupancy_narrow, **values)


def test_live_updates_of_the_occupancy_explorer_show_the_state_a_new_figure_would():
    """Moving through every choice in a live kernel: each frame shown is a full draw of the live figure, and
    that figure holds what a new figure for the same choice holds (curves, axis scale and limits, legend)."""
    import io

    import numpy as np
    from PIL import Image

    from il6mm.figures.sources import occupancy_explorer, receptor_occupancy_figure

    widget = occupancy_explorer()
    blockade, scale = widget.control_widgets
    moves = [(b, s) for s in (1, 0) for b in range(len(OCCUPANCY_BLOCKADE))] + [(0, 1), (4, 0)]
    for b, s in moves:
        blockade.index, scale.index = b, s
        live = widget._live_fig
        if live is None:
            continue
        with Image.open(io.BytesIO(widget.image.value)) as image:
            shown = np.asarray(image.convert("RGB"))
        for artist in live.findobj():
            artist.set_animated(False)
        live.canvas.draw()
        assert np.array_equal(shown, np.asarray(live.canvas.buffer_rgba())[..., :3]), widget.current_key()
        fresh, ax = receptor_occupancy_figure(*widget.current_key()).axes[0], live.axes[0]
        assert ax.get_xscale() == fresh.get_xscale() and np.allclose(ax.get_xlim(), fresh.get_xlim())
        for mine, theirs in zip(ax.lines, fresh.lines):
            assert np.allclose(mine.get_xydata(), theirs.get_xydata())
        assert ([t.get_text() for t in ax.get_legend().get_texts()]
                == [t.get_text() for t in fresh.get_legend().get_texts()])
        assert ax.get_legend()._loc == fresh.get_legend()._loc
    assert widget._live_fig is not None
