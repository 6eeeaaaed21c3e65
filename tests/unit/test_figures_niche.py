"""Figures of the niche model: pure functions returning Figures, and interactive figures within budget."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from il6mm.figures import niche as fn
from il6mm.analysis import niche
from il6mm.evidence import load_evidence
from il6mm.figures.interactive import MAX_FRAME_BYTES, precomputed_frames, render_png

from live_helpers import assert_live_frames_are_new_figures

P = niche.load_parameters()


def _texts(fig: Figure) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts + [ax.title])


def test_niche_diagram_names_every_cell_factor_and_intervention():
    fig = fn.niche_diagram()
    assert isinstance(fig, Figure)
    text = _texts(fig)
    for word in ("myeloma", "myeloid", "other", "IL-6 (I)", "APRIL (A)", "RANKL", "autocrine",
                 "neutralisation", "IL-6R blockade", "APRIL blockade", "anti-myeloma", "displaces"):
        assert word in text, word


def test_trajectory_figure_draws_each_state_and_the_reference():
    traj = niche.simulate(P, [niche.Intervention("il6r_blockade", 0.9, 300)], t_end=600, n_points=61)
    reference = niche.simulate(P, (), t_end=600, n_points=61)
    fig = fn.trajectory_figure(traj, reference, title="test")
    assert len(fig.axes) == 3
    # T; M and H; I and A -- each once solid and once as the dashed reference.
    lines = [len([l for l in ax.lines if l.get_linestyle() == "-"]) for ax in fig.axes]
    assert lines == [1, 2, 2]
    burden = next(l for l in fig.axes[0].lines if l.get_label() == "myeloma burden")
    assert np.allclose(burden.get_ydata(), traj.T)


def test_regimens_map_to_interventions():
    assert niche.regimen_interventions("no treatment", 100) == ()
    both = niche.regimen_interventions("therapy + IL-6R blockade", 100)
    assert {i.target for i in both} == {"anti_myeloma", "il6r_blockade"}
    assert all(i.start == 100 for i in both)
    with pytest.raises(ValueError, match="unknown regimen"):
        niche.regimen_interventions("magic", 100)


def test_static_figures_are_figures():
    for fig in (fn.natural_history_figure(), fn.severity_figure(), fn.claims_figure()):
        assert isinstance(fig, Figure) and fig.axes


def test_claims_benefits_fall_with_april_dependence_and_dual_wins():
    benefits = niche.claims_benefits(P, (0.0, 0.7, 1.0))
    il6, april, both = benefits["IL-6R blockade"], benefits["APRIL blockade"], benefits["both"]
    assert np.all(np.diff(il6) < 0)
    assert np.all(both >= np.maximum(il6, april) - 1e-6)


def test_sensitivity_figure_labels_every_parameter():
    records = niche.load_parameter_records()
    result = niche.sensitivity_analysis(records, names=("theta", "s_0", "alpha"), n_samples=24, seed=5)
    fig = fn.sensitivity_figure(result, records)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(labels) == sorted(f"${records[n].symbol}$" for n in result.names)


def test_frames_are_reproducible_and_alt_texts_carry_the_numbers():
    first = render_png(fn.regimen_frame, regimen="APRIL blockade", start=540)
    assert first == render_png(fn.regimen_frame, regimen="APRIL blockade", start=540)
    assert first != render_png(fn.regimen_frame, regimen="APRIL blockade", start=240)
    traj = niche.simulate(P, niche.regimen_interventions("APRIL blockade", 540), t_end=1080, n_points=121)
    assert f"{traj.T[-1]:.2f}" in fn.regimen_alt("APRIL blockade", 540)
    assert "APRIL dependence 0.35" in fn.april_dependence_alt(0.9, 0.35)


@pytest.fixture(scope="module")
def built():
    """Each explorer built once for the two slow tests below (a build takes seconds). The live test then starts
    from the controls where the first test left them: one more way into the live view."""
    explorers = {}

    def get(build):
        if build not in explorers:
            explorers[build] = build()
        return explorers[build]
    return get


@pytest.mark.parametrize("build, controls", [
    (fn.regimen_explorer, fn.regimen_explorer_controls),
    (fn.april_dependence_explorer, fn.april_dependence_controls),
])
@pytest.mark.slow
def test_interactive_figures_show_what_the_code_computes_within_budget(built, build, controls):
    widget = built(build)
    assert widget.frame_bytes() <= MAX_FRAME_BYTES
    frames = precomputed_frames(widget)
    n_frames = np.prod([len(c.values) for c in controls()])
    assert len(frames) == n_frames
    key = next(iter(frames))
    values = dict(zip([c.name for c in controls()], key))
    assert frames[key] == render_png(lambda: widget.frame_layout.apply(widget.draw(**values)))
    # The phone rendition: panels stacked.
    assert widget.narrow_frames[key] == render_png(lambda: widget.narrow_frame_layout.apply(widget.narrow(**values)))
    # Live: moving both controls redraws the frame for the new values in the kernel.
    other = list(frames)[-1]
    widget.control_widgets[0].index = len(controls()[0].values) - 1
    widget.control_widgets[1].index = len(controls()[1].values) - 1
    assert widget.current_key() == other and bytes(widget.image.value).startswith(b"\x89PNG")


@pytest.mark.slow
@pytest.mark.parametrize("build", [fn.regimen_explorer, fn.april_dependence_explorer])
def test_live_updates_redraw_only_what_changes_and_show_what_a_new_figure_would(built, build):
    """The live view draws the changed artists over a cached image of the rest: every frame it shows must
    be what a new figure for that choice gives, and what drawing the whole live figure gives, pixel for pixel."""
    widget = built(build)
    assert_live_frames_are_new_figures(widget)


def test_literature_table_cites_each_record_source():
    evidence = load_evidence()
    checks = niche.literature_checks(P)
    table = fn.literature_table_markdown(checks, evidence)
    lines = table.splitlines()
    assert len(lines) == 2 + 2 + len(checks)   # header, rule, two group headings, one row per check
    # Calibration first, independent checks after their own heading: calibration is not validation.
    independent_at = next(i for i, line in enumerate(lines) if "Independent checks" in line)
    assert all("(calibrated)" in line or "(assumption)" in line for line in lines[3:independent_at])
    assert all("(calibrated)" not in line for line in lines[independent_at:])
    for check in checks:
        for record_id in check.records:
            assert f"{{footcite}}`{evidence.get(record_id).source}`" in table
    assert "partly" in table


# The chapter's prose about the regimen explorer and the sensitivity analysis, guarded.

def _run(regimen, start):
    return niche.simulate(P, niche.regimen_interventions(regimen, start), t_end=1080, n_points=1081)


def test_early_il6_blockade_changes_the_path_not_the_destination():
    untreated = niche.simulate(P, (), t_end=1080, n_points=1081)
    early, late = _run("IL-6 receptor blockade", 120), _run("IL-6 receptor blockade", 540)
    assert early.M.max() < 1.3 < untreated.M.max()          # no myeloid surge
    assert early.I.max() < 0.5 * untreated.I.max()          # no IL-6 surge
    assert early.T.max() < 0.5 * untreated.T.max()          # never a high burden
    assert early.T[-1] == pytest.approx(late.T[-1], rel=0.02)  # same treated plateau


def test_receptor_blockade_beats_neutralisation_and_adds_to_therapy():
    start = niche.EXPLORER_STARTS[-1]
    receptor, neutral = _run("IL-6 receptor blockade", start), _run("IL-6 neutralisation", start)
    therapy, both = _run("anti-myeloma therapy", start), _run("therapy + IL-6R blockade", start)
    assert receptor.T[-1] < neutral.T[-1]
    assert both.T[-1] < min(therapy.T[-1], receptor.T[-1])


def test_sensitivity_ranking_supports_the_chapter_text():
    records = niche.load_parameter_records()
    result = niche.sensitivity_analysis(records)  # the chapter's call
    prcc = dict(result.ranking())
    top4 = [name for name, _ in result.ranking()[:4]]
    # "decided by the myeloma's own dependence on survival signals"
    assert set(top4) <= {"mu_T", "s_0", "theta", "r_T", "K_A"}
    # the turnover rates of precursors and cytokines barely matter
    assert all(abs(prcc[name]) < 0.2 for name in ("r_H", "r_M", "delta_I", "delta_A"))
    # "$c_N$ is not sampled": it cannot matter for receptor blockade, so it is neither ranked nor drawn
    assert "c_N" not in prcc
    fig = fn.sensitivity_figure(result, records)
    assert "$c_N$" not in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_one_glued_strength_and_duration_cover_the_claims():
    # The chapter glues strength_pct from BLOCKADE_STRENGTH and duration from BlockadeScenario; the claims
    # figure (whose caption refers to "the blockade strength and duration given in the text") must use both.
    scenario = niche.BlockadeScenario()
    assert niche.BLOCKADE_STRENGTH == scenario.strength
    fig = fn.claims_figure(P, thetas=(0.0, 1.0))
    assert fig.axes[1].get_ylabel() == f"burden reduction\nafter {scenario.duration:g} days"
