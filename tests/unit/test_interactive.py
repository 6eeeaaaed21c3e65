"""il6mm.figures.interactive: precomputed frames, the static HTML rendition, the live widget, page weight."""

from __future__ import annotations

import base64
import io
import json
import re

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image as PILImage

from il6mm.figures import style
from il6mm.figures.interactive import live, rendering
from il6mm.figures.interactive import (END_MARK, NARROW_MEDIA, Changed, Control,
                                       FigureTooHeavyError, InteractiveFigure, interactive_figure,
                                       precomputed_frames, render_png)

from browser_helpers import static_figures


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


def test_one_control_precomputes_every_frame_and_a_static_rendition():
    fig = one_control()
    frames = precomputed_frames(fig)
    assert set(frames) == {(0.5,), (1,), (2,)}
    for (slope,), png in frames.items():
        assert png == render_png(draw_line, slope=slope)
    page = fig.static_html()
    figures = static_figures(page)
    assert len(figures) == 1 and page.endswith(END_MARK)
    figure, = figures
    control, = figure.controls
    assert (control.kind, control.label, control.options, control.index) == ("slider", "Slope", ["0.5", "1", "2"], 1)
    assert f'<label for="{control.element_id}">Slope</label>' in page and 'type="range"' in page
    # The default frame is a plain image with its alt text: no script needed to see it.
    assert figure.default_src == frame_data_uri(frames[(1,)]) and figure.default_alt == alt_line(1)
    for (i,), ref in figure.frames.items():
        assert ref.src == frame_data_uri(frames[(SLOPE.values[i],)]) and ref.alt == alt_line(SLOPE.values[i])
        assert ref.width == 4 * style.DPI and ref.font_px == pytest.approx(10 * style.DPI / 72, abs=0.01)
        assert ref.narrow is None
    assert '<div class="il6mm-controls" hidden>' in page  # shown by the script only


def test_two_controls_give_one_frame_per_pair_and_a_labelled_dropdown():
    fig = two_controls()
    figure, = static_figures(fig.static_html())
    assert [c.kind for c in figure.controls] == ["slider", "dropdown"]
    assert figure.controls[1].options == ["Blue", "Orange"] and figure.controls[1].index == 0
    assert len(figure.frames) == 6
    for i, slope in enumerate(SLOPE.values):
        for j, colour in enumerate(COLOUR.values):
            png = render_png(draw_line, slope=slope, colour=colour)
            assert precomputed_frames(fig)[(slope, colour)] == png
            assert figure.frames[(i, j)].src == frame_data_uri(png)
            assert figure.frames[(i, j)].alt == alt_line(slope, colour)


def test_narrow_rendition_from_a_size_or_a_drawing_function():
    by_size = interactive_figure(draw_line, [SLOPE], alt=alt_line, hint=HINT, narrow=(2.5, 2.4))
    figure, = static_figures(by_size.static_html())
    ref = figure.frames[(1,)]
    assert ref.narrow_width == int(2.5 * style.DPI) and ref.narrow == frame_data_uri(by_size.narrow_frames[(1,)])
    assert f'<source media="{NARROW_MEDIA}"' in by_size.static_html()

    def tall(slope):
        with style.context():
            fig, ax = style.new_figure(3, 4)
            ax.plot([0, 1], [0, slope])
            ax.set_title("small print", fontsize=7)
        return fig

    by_function = interactive_figure(draw_line, [SLOPE], alt=alt_line, hint=HINT, narrow=tall)
    assert by_function.narrow_frames[(2,)] == render_png(tall, slope=2)
    ref = static_figures(by_function.static_html())[0].frames[(2,)]
    assert ref.narrow_font_px == pytest.approx(7 * style.DPI / 72, abs=0.01)  # the smallest text it draws
    with pytest.raises(ValueError, match="narrow must be"):
        interactive_figure(draw_line, [SLOPE], alt=alt_line, hint=HINT, narrow=(3, -1))


def test_mime_bundle_has_the_static_rendition_the_pdf_image_and_the_live_widget():
    fig = one_control()
    bundle = fig._repr_mimebundle_()
    assert bundle["text/html"] == fig.static_html()
    assert base64.b64decode(bundle["image/png"]) == precomputed_frames(fig)[(1,)]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == fig.model_id
    assert bundle["text/plain"] == alt_line(1)


def test_hint_and_frames_cannot_break_out_of_the_page():
    fig = interactive_figure(draw_line, [SLOPE], alt="A line </script><b>x</b> with slope {slope}.", hint=HINT)
    page = fig.static_html()
    table = page[page.index('class="il6mm-frames">'):]
    assert "</script><b>" not in table[:table.index("</script></div>")]
    assert static_figures(page)[0].frames[(0,)].alt == "A line </script><b>x</b> with slope 0.5."


def test_alt_text_and_hint_are_required_and_the_hint_is_escaped():
    with pytest.raises(ValueError, match="alt text"):
        interactive_figure(draw_line, [SLOPE], alt=lambda slope: "", hint=HINT)
    with pytest.raises(ValueError, match="hint"):
        interactive_figure(draw_line, [SLOPE], alt=alt_line, hint="")
    fig = interactive_figure(draw_line, [SLOPE], alt="A line with slope {slope}.", hint="Try <b>this</b> slider.")
    assert fig.alts[(2,)] == "A line with slope 2."
    assert "&lt;b&gt;this&lt;/b&gt;" in fig.children[0].value and "<b>" not in fig.children[0].value
    assert "&lt;b&gt;this&lt;/b&gt;" in fig.static_html() and "<b>this" not in fig.static_html()


def test_figure_is_marked_for_the_browser_tests():
    fig = one_control()
    assert "il6mm-interactive" in fig._dom_classes and fig.static_html().startswith('<div class="il6mm-interactive"')


def frame_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# --- live kernel ------------------------------------------------------------------------------------

def _pixels(png: bytes) -> bytes:
    with PILImage.open(io.BytesIO(png)) as image:
        return image.convert("RGB").tobytes()


def test_live_kernel_redraws_the_chosen_frame_from_current_state():
    params = {"offset": 0.0}

    def draw(slope):
        with style.context():
            fig, ax = style.new_figure(3, 2)
            ax.plot([0, 1], [params["offset"], params["offset"] + slope])
        return fig

    fig = interactive_figure(draw, [SLOPE], alt=alt_line, hint=HINT)
    assert isinstance(fig.image, widgets.Image) and fig.image.value == precomputed_frames(fig)[(1,)]
    shown_before = fig.image.value
    params["offset"] = 5.0  # a reader changes a model parameter in Binder, then moves the slider
    fig.control_widgets[0].index = 2
    laid_out = fig.frame_layout.apply(draw(slope=2))  # where the page's frames put the axes
    assert fig.image.value != shown_before and _pixels(fig.image.value) == _pixels(style.figure_png(laid_out))
    assert precomputed_frames(fig)[(0.5,)] != render_png(draw, slope=0.5)  # precomputed until refreshed
    fig.refresh()
    assert precomputed_frames(fig)[(0.5,)] == render_png(lambda: fig.frame_layout.apply(draw(slope=0.5)))


def _line_figure(slope, title: bool = False):
    """A small figure whose one line (gid "line") a live update moves."""
    with style.context():
        fig, ax = style.new_figure(3, 2)
        ax.plot([0, 1], [0, slope], gid="line")
        ax.set_ylim(0, 2)
        if title:
            fig.suptitle(f"slope {slope}")
    return fig


def _the_line(fig):
    line, = [a for a in fig.axes[0].lines if a.get_gid() == "line"]
    return line


def test_live_update_reuses_the_figure_and_its_artists():
    made = []

    def draw(slope):
        made.append(_line_figure(slope))
        return made[-1]

    def update(fig, slope):
        _the_line(fig).set_ydata([0, slope])

    fig = interactive_figure(draw, [SLOPE], alt=alt_line, hint=HINT, update=update)
    n_precomputed = len(made)
    fig.control_widgets[0].index = 0
    fig.control_widgets[0].index = 2
    assert len(made) == n_precomputed + 1  # one figure made for the live view, then updated in place
    live = made[-1]
    assert live.get_layout_engine() is None or type(live.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"
    assert _the_line(live).get_ydata()[1] == 2
    with PILImage.open(io.BytesIO(fig.image.value)) as image:
        assert image.size == (3 * style.DPI, 2 * style.DPI)
    shown = fig.image.value
    fig.control_widgets[0].index = 0
    assert fig.image.value != shown


def _full_redraw(fig) -> np.ndarray:
    """What a full draw of the figure's current state gives (no artist left out), as an RGBA array."""
    for artist in fig.findobj():
        artist.set_animated(False)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def test_a_live_update_that_names_its_artists_draws_only_those_and_matches_a_full_draw():
    drawn = []

    def draw(slope):
        return _line_figure(slope, title=True)

    def update(fig, slope):
        line = _the_line(fig)
        line.set_ydata([0, slope])
        fig._suptitle.set_text(f"slope {slope}")
        if not hasattr(line, "counted"):
            line.counted = True
            line.draw = _counting(line.draw, drawn)
        return [line, *fig.axes[0].spines.values(), fig._suptitle]  # the spines are drawn over the line

    fig = interactive_figure(draw, [SLOPE], alt=alt_line, hint=HINT, update=update)
    fig.control_widgets[0].index = 2
    live = fig._live_fig
    ticks_drawn = _count_draws(live.axes[0].xaxis)
    for index in (0, 1, 2, 0):
        fig.control_widgets[0].index = index
        with PILImage.open(io.BytesIO(fig.image.value)) as image:
            shown = np.asarray(image.convert("RGB"))
        assert np.array_equal(shown, _full_redraw(live)[..., :3]), f"blitted frame {index} differs from a full draw"
        ticks_drawn_now = ticks_drawn()
    assert drawn, "the changed line was drawn"
    # Only the full redraws of the check above drew the axis: the blitted updates left it alone.
    assert ticks_drawn_now == 4


def test_an_update_that_cannot_say_what_changed_redraws_everything_and_starts_a_new_cache():
    """After blitted updates, an update returning None (say, the axis scale changed) must draw every artist,
    the moving ones too, and the next blitted update must not paint over a stale background."""
    def update(fig, slope):
        ax, line = fig.axes[0], _the_line(fig)
        line.set_ydata([0, slope])
        if slope == 0.5:  # the background changes: say nothing, so all is drawn
            ax.set_facecolor("#eeeeee")
            return None
        return [line, *ax.spines.values()]

    fig = interactive_figure(_line_figure, [SLOPE], alt=alt_line, hint=HINT, update=update)
    for index in (2, 1, 0, 2, 1):
        fig.control_widgets[0].index = index
        live = fig._live_fig
        shown = _pixels(fig.image.value)
        assert shown == _full_redraw(live)[..., :3].tobytes(), f"frame {index} differs from a full draw"


def _labelled_figure(slope, long_label: bool = False):
    """A line whose y label is long in one frame: constrained layout alone would move the axes."""
    with style.context():
        fig, ax = style.new_figure(3, 2)
        ax.plot([0, 1], [0, slope], gid="line")
        ax.set_ylim(0, 2)
        ax.set_ylabel("a label long enough\nto need room" if long_label else "y")
        ax.set_title(f"slope {slope}")
    return fig


def test_every_frame_shares_one_layout_that_fits_the_widest_frame():
    fig = interactive_figure(lambda slope: _labelled_figure(slope, long_label=slope == 2), [SLOPE],
                             alt=alt_line, hint=HINT)
    own = {s: _labelled_figure(s, long_label=s == 2) for s in (0.5, 1, 2)}
    for f in own.values():
        rendering._agg_canvas(f).draw()  # constrained layout, each frame on its own
    x0 = {s: f.axes[0].get_position().x0 for s, f in own.items()}
    assert x0[2] > x0[0.5] + 0.05  # on its own, the long label would push the axes right in one frame only
    for key in fig.frame_keys():
        laid_out = fig.figure(key)
        rendering._agg_canvas(laid_out).draw()
        assert laid_out.axes[0].get_position().x0 == pytest.approx(x0[2])  # the tightest box: the long label fits
        assert laid_out.get_tightbbox().x0 >= 0  # no text cut off at the left edge
        assert fig.frames[key] == render_png(lambda: fig.figure(key))


def test_frames_with_different_panels_are_refused_with_the_figure_named():
    def draw(slope):
        with style.context():
            return style.new_figure(3, 2, ncols=1 if slope < 2 else 2)[0]

    with pytest.raises(ValueError, match=r"'two_panel_sometimes'.*\[1, 2\] axes"):
        interactive_figure(draw, [SLOPE], alt=alt_line, hint=HINT, name="two_panel_sometimes")


def _titled_update(fig, slope):
    """Moves the line; the title (background) says whether the slope is steep: two backgrounds."""
    line = _the_line(fig)
    line.set_ydata([0, slope])
    title = "steep" if slope >= 2 else "gentle"
    fig.axes[0].set_title(title)
    return Changed([line, *fig.axes[0].spines.values()], background=title)


def test_an_update_keyed_by_its_background_blits_over_the_image_for_that_key():
    fig = interactive_figure(lambda slope: _titled_figure(slope), [SLOPE], alt=alt_line, hint=HINT,
                             update=_titled_update)
    fig.control_widgets[0].index = 2
    live = fig._live_fig
    ticks_drawn = _count_draws(live.axes[0].yaxis)
    for index in (0, 2, 0, 1, 2, 0):
        fig.control_widgets[0].index = index
        shown = _pixels(fig.image.value)
        assert shown == _pixels(style.figure_png(fig.figure(fig.current_key()))), f"frame {index}: not a new figure's"
        assert shown == _full_redraw(live)[..., :3].tobytes(), f"frame {index} differs from a full draw"
    # The six full draws above, and one by an update: the first for "gentle" ("steep" was cached before).
    assert ticks_drawn() == 6 + 1
    assert set(fig._live.backgrounds) == {"steep", "gentle"}


def _titled_figure(slope):
    fig = _line_figure(slope)
    with style.context():
        fig.axes[0].set_title("steep" if slope >= 2 else "gentle")
    return fig


def test_an_artist_that_leaves_the_moving_layer_is_drawn_again():
    """The title moves with the line for gentle slopes only: a cached image drawn without it must not be
    blitted over once it is background again (and the other way round)."""
    def update(fig, slope):
        line, title = _the_line(fig), fig.axes[0].title
        line.set_ydata([0, slope])
        title.set_text(f"slope {slope}" if slope < 2 else "steep")
        spines = fig.axes[0].spines.values()  # drawn over the line
        return Changed([line, *spines, title] if slope < 2 else [line, *spines], background="one key for both")

    fig = interactive_figure(lambda slope: _titled_figure(slope), [SLOPE], alt=alt_line, hint=HINT, update=update)
    for index in (2, 0, 2, 1, 0, 2):
        fig.control_widgets[0].index = index
        live = fig._live_fig
        assert _pixels(fig.image.value) == _full_redraw(live)[..., :3].tobytes(), f"frame {index}"


def test_cached_backgrounds_stay_within_their_byte_budget(monkeypatch):
    width, height = 3 * style.DPI, 2 * style.DPI
    monkeypatch.setattr(live, "MAX_BACKGROUND_BYTES", 2 * 4 * width * height)

    def update(fig, slope):
        _the_line(fig).set_ydata([0, slope])
        return Changed([_the_line(fig), *fig.axes[0].spines.values()], background=slope)

    fig = interactive_figure(_line_figure, [Control("slope", "Slope", options=[0.5, 1, 1.5, 2])], alt=alt_line,
                             hint=HINT, update=update)
    for index in (1, 2, 3, 0):
        fig.control_widgets[0].index = index
    assert list(fig._live.backgrounds) == [2, 0.5]  # the two most recent
    assert _pixels(fig.image.value) == _full_redraw(fig._live_fig)[..., :3].tobytes()


def _counting(method, log):
    def wrapped(*args, **kwargs):
        log.append(1)
        return method(*args, **kwargs)
    return wrapped


def _count_draws(artist):
    calls = []
    artist.draw = _counting(artist.draw, calls)
    return lambda: len(calls)


# --- page weight ------------------------------------------------------------------------------------

def test_frame_bytes_count_what_one_screen_fetches():
    fig = interactive_figure(draw_line, [SLOPE], alt=alt_line, hint=HINT, narrow=(2.5, 2.4))
    assert fig.frame_bytes() == max(sum(map(len, fig.frames.values())), sum(map(len, fig.narrow_frames.values())))


def test_a_figure_over_the_budget_fails_with_its_name_and_size():
    def noisy(seed):
        with style.context():
            fig, ax = style.new_figure(8, 6)
            ax.imshow(np.random.default_rng(seed).random((300, 400)), cmap="viridis")
        return fig

    with pytest.raises(FigureTooHeavyError, match=r"'noise demo': 8 frames .* KB, over the 400 KB"):
        interactive_figure(noisy, [Control("seed", "Seed", options=list(range(8)))],
                           alt="Random noise image number {seed}.", hint=HINT, name="noise demo")




# --- controls that would change nothing ---------------------------------------------------------------

def draw_flat_or_line(slope: float = 1.0, colour: str = "blue"):
    """Colour shows only on a rising line: at slope 0 the line is drawn black, whatever the colour."""
    return draw_line(slope, colour if slope else "black")


def alt_flat(slope, colour="blue"):
    return f"A {colour if slope else 'black'} line with slope {slope}, drawn for the inert-control tests."


FLAT = Control("slope", "Slope", options=[0, 1, 2], default=1)


def flat_figure(**kwargs) -> InteractiveFigure:
    return interactive_figure(draw_flat_or_line, [FLAT, COLOUR], alt=alt_flat, hint=HINT, **kwargs)


def test_a_control_that_would_change_nothing_is_switched_off_with_its_reason_in_both_renditions():
    fig = flat_figure(inert_reason=lambda control, slope, colour: f"a flat line has no colour ({control})")
    # Colour is inert exactly where the slope is 0; the slope always changes the figure.
    assert fig.inert == {(0, c): {1: "a flat line has no colour (colour)"} for c in COLOUR.values}
    for key in fig.frame_keys():
        frames = {fig.frames[key[:1] + (c,)] for c in COLOUR.values}
        assert (key in fig.inert) == (len(frames) == 1), key
    # Live: switched off and said so when the slope goes to 0, on again when it leaves it.
    slope, colour = fig.control_widgets
    assert not colour.disabled and fig.inert_note.value == ""
    slope.index = 0
    assert colour.disabled and not slope.disabled and "a flat line has no colour" in fig.inert_note.value
    slope.index = 2
    assert not colour.disabled and fig.inert_note.value == ""
    # Static: the table lists the reason per position, and every control has its (hidden) reason element.
    html = fig.static_html()
    table = json.loads(re.search(r'class="il6mm-frames">(.*?)</script>', html).group(1))
    assert table["inert"] == {"0,0": {"1": "a flat line has no colour (colour)"},
                              "0,1": {"1": "a flat line has no colour (colour)"}}
    ids = re.findall(r'<(?:input|select) [^>]*id="([^"]+)"', html)
    assert len(ids) == 2 and all(f'id="{i}-why"' in html and f'aria-describedby="{i}-why"' in html for i in ids)


def test_without_a_reason_function_the_reason_is_a_general_one():
    assert flat_figure().inert[(0, "blue")] == {1: "no choice here changes the figure"}


def test_a_control_that_never_changes_the_figure_is_refused_with_its_name():
    with pytest.raises(ValueError, match="control 'colour' never changes the figure"):
        interactive_figure(lambda slope, colour: draw_line(slope), [SLOPE, COLOUR],
                           alt=lambda slope, colour: f"A line of slope {slope} whatever the colour.", hint=HINT)


def test_the_meta_explorer_switches_off_the_trial_choice_where_it_would_change_nothing():
    from il6mm.evidence import load_evidence
    from il6mm.figures.meta_explorer import meta_explorer

    fig = meta_explorer(load_evidence().studies)
    assert fig.inert, "some endpoint has too few trials for the trial choice to matter"
    for (endpoint, trials), off in fig.inert.items():
        assert set(off) == {1} and re.search(r"trial", off[1]), (endpoint, off)
    assert ("PFS", "all") not in fig.inert  # two trials: leaving one out changes the pooling
