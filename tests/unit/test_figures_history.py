"""Chapter 1 figures and tables: what is drawn equals what was computed from the records."""

import math
import typing

import numpy as np
import pytest
from matplotlib.figure import Figure

from il6mm.figures import history as fh
from il6mm.figures import style
from il6mm.evidence import Study, TimelineCategory, TimelineEvent, load_evidence
from il6mm.figures.interactive import precomputed_frames, render_png
from il6mm.figures.meta_explorer import EXPLORER_ENDPOINTS, explorer_alt, explorer_draw, meta_explorer
from il6mm.analysis.meta_analysis import (DERIVED_FROM_P, TRIAL_SETS, Exclusion, MetaAnalysis, TrialEffect, meta_analysis,
                             pool_effects)
from il6mm.figures.history_tables import (efficacy_summary, exclusions_markdown, pooled_table_markdown,
                                  study_table_markdown)

from live_helpers import assert_live_frames_are_new_figures

EFFECTS = [
    TrialEffect("a", "Alpha 2001", "PFS", math.log(0.8), 0.15, source="alpha2001x"),
    TrialEffect("b", "Beta 2005", "PFS", math.log(1.3), 0.30, source="beta2005x", derivation=DERIVED_FROM_P),
    TrialEffect("c", "Gamma 2010", "PFS", math.log(0.5), 0.40, source="gamma2010x", stage="SMM"),
]


def _by_gid(fig: Figure, gid: str):
    found = [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]
    assert len(found) == 1, f"expected one artist with gid {gid!r}, found {len(found)}"
    return found[0]


def test_forest_plot_rows_equal_the_trial_effects():
    pooled = [pool_effects(EFFECTS, "dl"), pool_effects(EFFECTS, "pm")]
    fig = fh.forest_figure(EFFECTS, pooled)
    ax = fig.axes[0]
    points = _by_gid(fig, "trial-estimates")
    np.testing.assert_allclose(points.get_xdata(), [e.ratio for e in EFFECTS], rtol=1e-12)
    rows = list(points.get_ydata())
    assert rows == [0, 1, 2]
    segments = _by_gid(fig, "trial-intervals").get_segments()
    assert len(segments) == len(EFFECTS)
    for seg, effect, row in zip(segments, EFFECTS, rows):
        np.testing.assert_allclose(seg[:, 0], [effect.ci_low, effect.ci_high], rtol=1e-12)
        np.testing.assert_allclose(seg[:, 1], [row, row])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # Each trial is labelled with its setting (stage), so trials from different settings are told apart.
    assert labels[:3] == ["Alpha 2001", f"Beta 2005 {fh.DERIVED_MARK}", "Gamma 2010 (SMM)"]
    assert labels[3:] == ["Pooled, DL (k=3)", "Pooled, PM (k=3)"]
    # Only the derived trial gets the hollow marker.
    np.testing.assert_allclose(_by_gid(fig, "trial-derived").get_xdata(), [1.3])
    assert ax.get_xscale() == "log"
    null = _by_gid(fig, "null-line")
    assert list(null.get_xdata()) == [1.0, 1.0]
    assert all(min(s[:, 0]) >= ax.get_xlim()[0] and max(s[:, 0]) <= ax.get_xlim()[1] for s in segments)


@pytest.mark.parametrize("method", ["dl", "pm"])
def test_pooled_diamond_spans_the_pooled_interval(method):
    pooled = pool_effects(EFFECTS, method)
    fig = fh.forest_figure(EFFECTS, [pooled])
    xy = _by_gid(fig, "pooled-main").get_xy()[:4]  # a closed polygon repeats its first vertex (one estimate: the main one)
    xs = sorted(xy[:, 0])
    assert xs[0] == pytest.approx(pooled.ci_low) and xs[3] == pytest.approx(pooled.ci_high)
    assert xs[1] == pytest.approx(pooled.ratio) and xs[2] == pytest.approx(pooled.ratio)
    assert set(np.round(xy[:, 1], 6)) >= {3.0}  # drawn on the row below the trials


def test_printed_intervals_match_the_effects():
    fig = fh.forest_figure(EFFECTS)
    right = [c for c in fig.axes[0].get_children() if type(c).__name__ == "SecondaryAxis"][0]
    texts = [t.get_text() for t in right.get_yticklabels()]
    assert texts == [fh.interval_text(e.ratio, e.ci_low, e.ci_high) for e in EFFECTS]
    assert fh.interval_text(0.869, 0.65, 1.16) == "0.87 (0.65\u20131.16)"


def test_single_trial_pooling_draws_no_diamond():
    one = EFFECTS[:1]
    fig = fh.forest_figure(one, [pool_effects(one, "dl")])
    assert not [a for a in fig.axes[0].get_children() if str(a.get_gid()).startswith("pooled-")]
    assert "nothing to pool" in fig.axes[0].get_xlabel()


def test_empty_forest_plot_says_why():
    fig = fh.forest_figure([], endpoint="ORR", empty_reason="Trial X: per-arm numbers of patients not published")
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "No randomised trial" in texts and "Trial X" in texts
    with pytest.raises(ValueError, match="endpoint"):
        fh.forest_figure([])


def test_forest_plot_refuses_mixed_endpoints():
    other = TrialEffect("d", "Delta 2012", "OS", 0.1, 0.2)
    with pytest.raises(ValueError, match="endpoint"):
        fh.forest_figure(EFFECTS + [other])


def test_forest_alt_text_names_every_row():
    pooled = [pool_effects(EFFECTS, "dl")]
    alt = fh.forest_alt_text(EFFECTS, pooled)
    for e in EFFECTS:
        assert e.label in alt
    assert "Pooled DerSimonian-Laird, 3 trials" in alt and "(derived)" in alt


# ---------------------------------------------------------------- timeline

def _event(id, year, event, category):
    return TimelineEvent(id=id, year=year, event=event, category=category, why_it_matters="test",
                         source="test", where="test")


EVENTS = [
    _event("e2", 1995, "Second thing happens to the cytokine", "clinical trial"),
    _event("e1", 1986, "First thing", "biology"),
    _event("e3", 2014, "Approval of an antibody in another disease", "regulatory"),
]


def test_timeline_draws_every_event_in_year_order():
    fig = fh.timeline_figure(EVENTS)
    ax = fig.axes[0]
    event_texts = [t for t in ax.texts if str(t.get_gid()).startswith("event-")]
    assert [t.get_gid() for t in event_texts] == ["event-e1", "event-e2", "event-e3"]
    assert event_texts[1].get_text().replace("\n", " ") == EVENTS[0].event
    rows = list(_by_gid(fig, "timeline-points").get_ydata())
    assert rows == sorted(rows)
    years = [t.get_text() for t in ax.texts if t.get_text().isdigit()]
    assert years == ["1986", "1995", "2014"]
    assert fig.get_size_inches()[0] <= 5.5  # narrow enough to stay legible on a phone


def test_timeline_styles_every_category_the_schema_allows_and_refuses_empty_input():
    assert set(fh.CATEGORY_STYLE) == set(typing.get_args(TimelineCategory))
    with pytest.raises(ValueError, match="at least one"):
        fh.timeline_figure([])


def test_timeline_alt_text_lists_events_in_order():
    alt = fh.timeline_alt_text(EVENTS)
    assert alt.startswith("Vertical timeline of 3 events from 1986 to 2014")
    assert alt.index("1986: First thing") < alt.index("1995: Second") < alt.index("2014: Approval")


# ---------------------------------------------------------------- tables

STUDY = Study.model_validate({
    "where": "test", "target": "IL-6", "setting": "test",
    "id": "t1", "source": "orlowski2015siltuximab", "agent": "drug", "stage": "RRMM", "design": "randomised",
    "phase": "2", "randomised": True, "n_total": 281, "n_randomised": 281,
    "arms": [{"arm": "placebo", "n": None, "regimen": "placebo", "il6_blockade": False},
             {"arm": "drug", "n": None, "regimen": "drug", "il6_blockade": True}],
    "outcomes": [
        {"endpoint": "ORR", "measure": "percent", "arm": "placebo", "value": 47, "p_value": 0.213, "p_relation": "="},
        {"endpoint": "ORR", "measure": "percent", "arm": "drug", "value": 55},
        {"endpoint": "PFS", "measure": "hazard_ratio", "comparison": "drug vs placebo", "value": 0.869,
         "p_value": 0.345, "p_relation": "="},
        {"endpoint": "infections", "measure": "percent", "arm": "drug", "value": 62},
    ],
})


def test_efficacy_summary_puts_blockade_first_and_skips_safety():
    assert efficacy_summary(STUDY) == "ORR 55% vs 47% (P=0.213); PFS HR 0.869 (P=0.345)"


def test_study_table_has_one_cited_row_per_study():
    table = study_table_markdown([STUDY, STUDY.model_copy(update={"id": "t2", "source": "brighton2019smm"})])
    lines = table.splitlines()
    assert len(lines) == 4
    assert "{footcite}`orlowski2015siltuximab`" in lines[2] and "{footcite}`brighton2019smm`" in lines[3]
    assert "drug vs placebo" in lines[2]


def test_exclusions_table_lists_randomised_trials_with_reasons():
    excluded = (Exclusion("x", "Xeno 2001", "no hazard ratio published", "xeno2001a", True),
                Exclusion("y", "Yak 1999", "not randomised", "yak1999b", False))
    analyses = [MetaAnalysis(endpoint, "all", (), excluded, None, None) for endpoint in ("PFS", "OS")]
    table = exclusions_markdown(analyses)
    assert "| Xeno 2001 {footcite}`xeno2001a` | progression-free survival, overall survival | no hazard ratio published |" in table
    assert "Yak" not in table
    assert "Yak 1999" in exclusions_markdown(analyses, randomised_only=False)
    assert exclusions_markdown([]) == "No randomised trial was left out."

def test_pooled_table_reports_wald_and_hartung_knapp_intervals_and_heterogeneity():
    studies = load_evidence().studies
    analysis = meta_analysis(studies, "PFS")
    table = pooled_table_markdown([analysis])
    assert "Paule-Mandel" not in table.splitlines()[0]   # with two trials it is DL again
    row = table.splitlines()[2]
    assert f"{analysis.pooled.ratio:.2f} ({analysis.pooled.ci_low:.2f}\u2013{analysis.pooled.ci_high:.2f})" in row
    assert f"| {analysis.pooled.hksj_ci_low:.2f}\u2013{analysis.pooled.hksj_ci_high:.2f} |" in row
    assert f"{analysis.pooled.tau2:.3f}" in row


# ---------------------------------------------------------------- interactive explorer

@pytest.fixture(scope="module")
def studies():
    return load_evidence().studies


@pytest.fixture(scope="module")
def explorer(studies):
    return meta_explorer(studies)


def test_explorer_offers_every_endpoint_and_trial_set(explorer):
    assert set(precomputed_frames(explorer)) == {(e, t) for e in EXPLORER_ENDPOINTS for t in TRIAL_SETS}


def test_every_precomputed_frame_equals_the_live_computation(explorer, studies):
    draw = explorer_draw(studies)  # a fresh drawing function: nothing shared with the widget's
    for (endpoint, trials), png in precomputed_frames(explorer).items():
        expected = render_png(lambda: explorer.frame_layout.apply(draw(endpoint=endpoint, trials=trials)))
        assert png == expected, (endpoint, trials)


@pytest.mark.slow
def test_the_live_explorer_redraws_its_rows_in_one_figure_as_a_new_figure_would(studies):
    widget = meta_explorer(studies)  # its own: the moves below change its live state
    assert_live_frames_are_new_figures(widget)


def test_every_frame_has_alt_text_naming_its_trials(explorer, studies):
    alt = explorer_alt(studies)
    for (endpoint, trials), text in explorer.alts.items():
        assert text == alt(endpoint=endpoint, trials=trials)
        for effect in meta_analysis(studies, endpoint, trials).effects:
            assert effect.label in text


def test_figure_image_is_a_png_of_the_figure():
    image = style.figure_image(fh.forest_figure(EFFECTS))
    assert image.format == "png" and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.data == style.figure_image(fh.forest_figure(EFFECTS)).data  # same figure, same bytes
