"""Chapter 2's serum IL-6 figure draws exactly the recorded percentages."""

import pytest
from matplotlib.patches import Rectangle

from il6mm.evidence import Finding, Quantity, load_evidence
from il6mm.figures.sources import (SERUM_PANELS, occupancy_explorer, receptor_occupancy, serum_il6_alt_text, serum_il6_figure)


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


@pytest.mark.slow
def test_live_updates_of_the_occupancy_explorer_show_what_a_new_figure_would():
    """Moving through every choice in a live kernel (the axis scale too, which redraws everything): each
    frame shown is, pixel for pixel, a full draw of the live figure and what a new figure gives."""
    from live_helpers import assert_live_frames_are_new_figures

    widget = occupancy_explorer()
    assert_live_frames_are_new_figures(widget)
