"""il6mm.figures.interactive: kernel-free interactive figures (frames, links, alt text, page weight)."""

from __future__ import annotations

import io
import json

import ipywidgets as widgets
import numpy as np
import pytest
from ipywidgets.embed import dependency_state
from PIL import Image as PILImage

from il6mm.figures import style
from il6mm.figures.interactive import (MAX_STATE_BYTES, Control, FigureTooHeavyError, InteractiveFigure,
                               interactive_figure, precomputed_frames, render_png)

from browser_helpers import embedded_figures
from conftest import toc_files


def draw_line(slope: float = 1.0, colour: str = "blue"):
    with style.context():
        fig, ax = style.new_figure(4, 2.4)
        x = np.linspace(0, 1, 50)
        ax.plot(x, slope * x, color=style.OKABE_ITO[colour])
        ax.set_title(f"slope {slope}")
    return fig


SLOPE = Control("slope", "Slope", options=[0.5, 1, 2], default=1)
COLOUR = Control("colour", "Colour", options=[("Blue", "blue"), ("Orange", "orange")])


def alt_line(slope, colour="blue"):
    return f"A {colour} straight line rising with slope {slope}."


HINT = "Move the slider to change the slope of the line."


def one_control() -> InteractiveFigure:
    return interactive_figure(draw_line, [SLOPE], alt=alt_line, hint=HINT)


def two_controls() -> InteractiveFigure:
    return interactive_figure(draw_line, [SLOPE, COLOUR], alt=alt_line, hint=HINT)


# --- controls -------------------------------------------------------------------------------------

def test_numbers_make_a_labelled_slider_and_pairs_a_labelled_dropdown():
    slider, dropdown = SLOPE.make_widget(), COLOUR.make_widget()
    assert isinstance(slider, widgets.SelectionSlider) and slider.description == "Slope"
    assert slider.index == 1 and list(slider.options) == [("0.5", 0.5), ("1", 1), ("2", 2)]
    assert isinstance(dropdown, widgets.Dropdown) and dropdown.description == "Colour"
    assert dropdown.index == 0 and dropdown.value == "blue"
    assert isinstance(Control("c", "Choice", options=["a", "b"]).make_widget(), widgets.Dropdown)


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="not valid", label="L", options=[1, 2]), "identifier"),
    (dict(name="x", label=" ", options=[1, 2]), "label"),
    (dict(name="x", label="L", options=[1]), "at least two"),
    (dict(name="x", label="L", options=[1, 1]), "distinct"),
    (dict(name="x", label="L", options=[("a", 1), 2]), "mixes"),
    (dict(name="x", label="L", options=[("", 1), ("b", 2)]), "non-empty string label"),
    (dict(name="x", label="L", options=[1, 2], default=3), "default 3 is not one of"),
    (dict(name="x", label="L", options=[None, 2]), "numbers or strings"),
])
def test_bad_controls_are_refused_with_the_control_named(kwargs, message):
    with pytest.raises(ValueError, match=message) as err:
        Control(**kwargs)
    assert repr(kwargs["name"]) in str(err.value)


def test_one_or_two_controls_only():
    third = Control("third", "Third", options=[1, 2])
    with pytest.raises(ValueError, match="one or two"):
        interactive_figure(draw_line, [], alt=alt_line, hint=HINT)
    with pytest.raises(ValueError, match="one or two"):
        interactive_figure(lambda **v: draw_line(), [SLOPE, COLOUR, third], alt="A line with {slope}.", hint=HINT)


# --- frames -----------------------------------------------------------------------------------------

def test_png_bytes_are_deterministic_sized_by_the_fixed_dpi_and_carry_no_metadata():
    first, second = render_png(draw_line, slope=2), render_png(draw_line, slope=2)
    assert first == second and first.startswith(b"\x89PNG\r\n\x1a\n")
    assert render_png(draw_line, slope=0.5) != first
    with PILImage.open(io.BytesIO(first)) as image:
        assert image.size == (4 * style.DPI, int(2.4 * style.DPI))
        assert not image.text and "Software" not in image.info
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"tIME"):
        assert chunk not in first


def test_render_png_refuses_what_is_not_a_figure():
    with pytest.raises(TypeError, match="expected a matplotlib.figure.Figure"):
        render_png(lambda **v: "not a figure", slope=1)


def test_one_control_links_its_index_to_a_stack_of_precomputed_frames():
    fig = one_control()
    control, = fig.control_widgets
    assert [type(c) for c in fig.children] == [widgets.HTML, widgets.HBox, widgets.Stack]
    assert fig.stack.selected_index == 1 and len(fig.stack.children) == 3
    link, = fig.links
    assert isinstance(link, widgets.widget_link.Link)  # what jslink builds: a link that runs in the browser
    assert link.source == (control, "index") and link.target == (fig.stack, "selected_index")
    frames = precomputed_frames(fig)
    assert set(frames) == {(0.5,), (1,), (2,)}
    for (slope,), png in frames.items():
        assert png == render_png(draw_line, slope=slope)
    assert [c.value for c in fig.stack.children] == [frames[(v,)] for v in SLOPE.values]


def test_two_controls_give_a_stack_of_stacks_with_one_frame_per_pair():
    fig = two_controls()
    assert len(fig.stack.children) == 3 and all(len(s.children) == 2 for s in fig.stack.children)
    assert len(fig.links) == 1 + 3
    assert {l.target[0] for l in fig.links[1:]} == set(fig.stack.children)
    assert all(l.source == (fig.control_widgets[1], "index") for l in fig.links[1:])
    for i, slope in enumerate(SLOPE.values):
        for j, colour in enumerate(COLOUR.values):
            image = fig.stack.children[i].children[j]
            assert image.value == precomputed_frames(fig)[(slope, colour)] == render_png(draw_line, slope=slope,
                                                                                           colour=colour)
            assert image.tooltip == alt_line(slope, colour) and image.description == ""


def test_alt_text_and_hint_are_required_and_the_hint_is_escaped():
    with pytest.raises(ValueError, match="alt text"):
        interactive_figure(draw_line, [SLOPE], alt=lambda slope: "", hint=HINT)
    with pytest.raises(ValueError, match="hint"):
        interactive_figure(draw_line, [SLOPE], alt=alt_line, hint="")
    fig = interactive_figure(draw_line, [SLOPE], alt="A line with slope {slope}.", hint="Try <b>this</b> slider.")
    assert fig.alts[(2,)] == "A line with slope 2."
    assert "&lt;b&gt;this&lt;/b&gt;" in fig.children[0].value and "<b>" not in fig.children[0].value


def test_figure_is_marked_for_the_browser_tests():
    assert "il6mm-interactive" in one_control()._dom_classes


# --- live kernel ------------------------------------------------------------------------------------

def test_live_kernel_redraws_the_chosen_frame_from_current_state():
    params = {"offset": 0.0}

    def draw(slope):
        with style.context():
            fig, ax = style.new_figure(3, 2)
            ax.plot([0, 1], [params["offset"], params["offset"] + slope])
        return fig

    fig = interactive_figure(draw, [SLOPE], alt=alt_line, hint=HINT)
    before = precomputed_frames(fig)[(2,)]
    params["offset"] = 5.0  # a reader changes a model parameter in Binder, then moves the slider
    fig.control_widgets[0].index = 2
    after = precomputed_frames(fig)[(2,)]
    assert after != before and fig.images[(2,)].value == after == render_png(draw, slope=2)
    assert precomputed_frames(fig)[(0.5,)] != render_png(draw, slope=0.5)  # untouched until chosen
    fig.refresh()
    assert precomputed_frames(fig)[(0.5,)] == render_png(draw, slope=0.5)


# --- page weight ------------------------------------------------------------------------------------

def test_estimated_state_size_is_not_below_the_real_embedded_size():
    fig = two_controls()
    real = len(json.dumps(dependency_state([fig, *fig.links])))  # what the page embeds for it
    assert real <= fig.state_bytes() < 1.5 * real


def test_a_figure_over_the_budget_fails_with_its_name_and_size():
    def noisy(seed):
        with style.context():
            fig, ax = style.new_figure(8, 6)
            ax.imshow(np.random.default_rng(seed).random((300, 400)), cmap="viridis")
        return fig

    with pytest.raises(FigureTooHeavyError, match=r"'noise demo': 8 frames .* KB of widget state, over the 400 KB"):
        interactive_figure(noisy, [Control("seed", "Seed", options=list(range(8)))],
                           alt="Random noise image number {seed}.", hint=HINT, name="noise demo")


def test_every_interactive_figure_on_the_built_site_is_within_the_budget(site):
    """Measured on the built pages: each figure's models (frames, controls, layouts, links) as embedded."""
    figures = []
    for page in toc_files():
        html = (site / f"{page}.html").read_text()
        figures += embedded_figures(html, page)
    assert figures, "no interactive figure on the site"
    for figure in figures:
        assert figure.state_bytes <= MAX_STATE_BYTES, f"{figure.page}: {figure.state_bytes} bytes"
        print(f"{figure.page}: {len(figure.frames)} frames, {figure.state_bytes / 1000:.0f} KB of widget state")
