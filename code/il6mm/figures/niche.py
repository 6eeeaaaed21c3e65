"""Figures of the niche model (chapter 3): parameters in, matplotlib Figure out, no I/O, no pyplot.

* ``niche_diagram`` -- the cells, factors and interventions of the model, drawn by code;
* ``trajectory_figure`` -- myeloma burden, precursors and cytokines over time, treated vs untreated;
* ``regimen_frame`` / ``april_dependence_frame`` -- one frame of each interactive figure;
* ``severity_figure``, ``claims_figure``, ``sensitivity_figure`` -- the model checked and probed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..analysis import niche
from ..analysis.niche import Controls, Intervention, NicheParameters, ParameterRecord, Trajectory
# The regimens, strengths and explorer options are the model's scenarios (the prose quotes them through the
# named result @niche): defined with the model, drawn here.
from ..analysis.niche.regimens import (APRIL_FRAME_END, APRIL_FRAME_START, BLOCKADE_STRENGTH, EXPLORER_REGIMENS,
                                       EXPLORER_STARTS, EXPLORER_STRENGTHS, EXPLORER_THETAS, claims_benefits,
                                       default_parameters, regimen_interventions)
from ..evidence import markdown
from .style import NEUTRAL, OKABE_ITO, context, new_figure

#: One colour per model variable, used by every figure of the chapter.
COLOURS = {
    "T": OKABE_ITO["vermillion"],
    "M": OKABE_ITO["blue"],
    "H": OKABE_ITO["sky_blue"],
    "I": OKABE_ITO["orange"],
    "A": OKABE_ITO["green"],
    "drug": OKABE_ITO["purple"],
    "untreated": NEUTRAL["reference"],
}

#: Size (inches) of one interactive frame: small, to keep the page's widget state light.
FRAME_SIZE = (6.0, 2.3)

#: Legend labels inside the trajectory panels (the axis label says what the panel holds).
SHORT_LABELS = {"T": "myeloma burden", "M": "myeloid", "H": "other", "I": "IL-6", "A": "APRIL"}



@lru_cache(maxsize=64)
def _solve(p: NicheParameters, interventions: tuple, t_end: float, n_points: int, y0: tuple | None) -> Trajectory:
    return niche.simulate(p, interventions, t_end=t_end, n_points=n_points, y0=None if y0 is None else np.array(y0))


# ---------------------------------------------------------------------------------------------
# Trajectories
# ---------------------------------------------------------------------------------------------

def _shade_treatment(ax, interventions, t_end) -> list:
    """Shade the treatment period; returns the artists (a live update replaces them)."""
    starts = sorted({i.start for i in interventions})
    if not starts:
        return []
    # Under the curves by zorder, not by when it was added: a live update adds it again after them.
    return [ax.axvspan(starts[0], t_end, color=COLOURS["drug"], alpha=0.08, linewidth=0),
            ax.axvline(starts[0], color=COLOURS["drug"], linewidth=1, linestyle=":", zorder=1.9)]


#: Panels of a trajectory figure: the variables each holds and its axis label.
PANELS = ((("T",), "myeloma burden\n(fraction of marrow)"),
          (("M", "H"), "precursors\n(healthy = 1)"),
          (("I", "A"), "marrow level\n(healthy = 1)"))
#: Size (inches) of the phone rendition of a trajectory frame: the three panels stacked.
NARROW_FRAME_SIZE = (3.5, 6.4)


#: Legends sit under the curves and the treatment shading (zorder 1 and up), so a live update, which redraws
#: only those over a cached image of the rest, never has to draw legend text again.
LEGEND_ZORDER = 0.9


def trajectory_figure(traj: Trajectory, reference: Trajectory | None = None, title: str | None = None,
                      width: float = 7.2, height: float = 2.7, stacked: bool = False) -> Figure:
    """Three panels over time: myeloma burden; myeloid and other precursors; IL-6 and APRIL.

    Solid lines are ``traj``; thin grey dashed lines the ``reference`` (e.g. untreated); the shaded
    band is the treatment period of ``traj``. ``stacked`` puts the panels one above the other (phones).
    The figure keeps its artists (``fig.il6mm_artists``) so ``update_trajectory_figure`` can reuse it.
    """
    with context():
        fig, axes = new_figure(width, height, **({"nrows": 3, "sharex": True} if stacked else {"ncols": 3}))
        t_end = float(traj.t[-1])
        artists = {"axes": list(axes), "lines": {}, "reference": {}, "shade": [], "title": None,
                   "stacked": stacked}
        for ax, (names, ylabel) in zip(axes, PANELS):
            artists["shade"] += _shade_treatment(ax, traj.interventions, t_end)
            for name in names:
                if reference is not None:
                    artists["reference"][name], = ax.plot(reference.t, reference.state(name),
                                                          color=COLOURS["untreated"], linewidth=1, linestyle="--")
                artists["lines"][name], = ax.plot(traj.t, traj.state(name), color=COLOURS[name], linewidth=2,
                                                  label=SHORT_LABELS[name])
            ax.set_xlim(0, t_end)
            ax.set_ylim(bottom=0)
            if not stacked or ax is axes[-1]:
                ax.set_xlabel("day")
            ax.set_ylabel(ylabel)
            if len(names) > 1:
                ax.legend(frameon=False, fontsize=8, loc="upper right", handlelength=1.2).set_zorder(LEGEND_ZORDER)
        axes[0].set_ylim(0, 1)
        # Headroom above the curves for the legends.
        axes[1].set_ylim(0, 3.0)
        axes[2].set_ylim(0, 15)
        if reference is not None:
            axes[0].plot([], [], color=COLOURS["untreated"], linestyle="--", linewidth=1, label="untreated")
            axes[0].legend(frameon=False, fontsize=8, loc="upper left").set_zorder(LEGEND_ZORDER)
        if title:
            artists["title"] = fig.suptitle(_wrap_title(title, stacked), fontsize=10)
    fig.il6mm_artists = artists
    return fig


def _wrap_title(title: str, stacked: bool) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(title, 44)) if stacked else title


def update_trajectory_figure(fig: Figure, traj: Trajectory, reference: Trajectory | None = None,
                             title: str | None = None) -> list:
    """Show ``traj`` (and ``reference``) in a figure made by ``trajectory_figure``, reusing its artists.

    Returns the artists that may look different now, and those drawn over them (the spines; the legends lie
    underneath), so that a live view can redraw only these over a cached image of the rest (see
    ``il6mm.figures.interactive``).
    """
    artists = fig.il6mm_artists
    for name, line in artists["lines"].items():
        line.set_data(traj.t, traj.state(name))
    if reference is not None:
        for name, line in artists["reference"].items():
            line.set_data(reference.t, reference.state(name))
    for artist in artists["shade"]:
        artist.remove()
    artists["shade"] = [a for ax in artists["axes"] for a in _shade_treatment(ax, traj.interventions,
                                                                                float(traj.t[-1]))]
    if title and artists["title"] is not None:
        artists["title"].set_text(_wrap_title(title, artists["stacked"]))
    changed = [*artists["lines"].values(), *artists["reference"].values(), *artists["shade"]]
    for ax in artists["axes"]:
        changed += ax.spines.values()
    return changed + ([artists["title"]] if artists["title"] is not None else [])


def natural_history_figure(p: NicheParameters | None = None, t_end: float = 900.0) -> Figure:
    """The untreated course from a small seed of myeloma cells."""
    p = p or default_parameters()
    return trajectory_figure(_solve(p, (), t_end, 181, None), title="Untreated: from a small seed to a plateau")


def _regimen_runs(regimen: str, start: float, p: NicheParameters | None, t_end: float):
    p = p or default_parameters()
    traj = _solve(p, regimen_interventions(regimen, start), t_end, 121, None)
    reference = _solve(p, (), t_end, 121, None)
    title = f"{regimen} from day {start:g}: burden on day {t_end:g} = {float(traj.T[-1]):.2f}"
    return traj, reference, title


def regimen_frame(regimen: str, start: float, p: NicheParameters | None = None, t_end: float = 1080.0,
                  stacked: bool = False) -> Figure:
    """One frame of the regimen explorer: a regimen started on day ``start``, against no treatment."""
    traj, reference, title = _regimen_runs(regimen, start, p, t_end)
    width, height = NARROW_FRAME_SIZE if stacked else FRAME_SIZE
    return trajectory_figure(traj, reference, width=width, height=height, title=title, stacked=stacked)


def regimen_frame_narrow(regimen: str, start: float) -> Figure:
    """The phone rendition of a regimen frame: the three panels stacked."""
    return regimen_frame(regimen, start, stacked=True)


def regimen_update(fig: Figure, regimen: str, start: float) -> list:
    """Live kernel: show another regimen in a figure made by ``regimen_frame`` (artists reused)."""
    return update_trajectory_figure(fig, *_regimen_runs(regimen, start, None, 1080.0))


def regimen_alt(regimen: str, start: float, p: NicheParameters | None = None, t_end: float = 1080.0) -> str:
    """Alt text of a regimen frame, with the numbers it shows."""
    p = p or default_parameters()
    traj = _solve(p, regimen_interventions(regimen, start), t_end, 121, None)
    reference = _solve(p, (), t_end, 121, None)
    return (f"Three line charts over {t_end:g} days: {regimen} from day {start:g} against no treatment. "
            f"Myeloma burden on day {t_end:g}: {traj.T[-1]:.2f} (untreated {reference.T[-1]:.2f}); "
            f"myeloid precursors {traj.M[-1]:.2f} (untreated {reference.M[-1]:.2f}); "
            f"APRIL {traj.A[-1]:.2f} (untreated {reference.A[-1]:.2f}), healthy = 1.")


@lru_cache(maxsize=32)
def _established(p: NicheParameters) -> tuple:
    """The untreated plateau of ``p`` as an initial state (the largest stable steady state)."""
    return tuple(niche.stable_disease_state(p).as_array())




def _april_dependence_runs(strength: float, theta: float, p: NicheParameters | None):
    p = (p or default_parameters()).replace(theta=float(theta))
    y0 = _established(p)
    interventions = (Intervention("il6r_blockade", float(strength), APRIL_FRAME_START),) if strength > 0 else ()
    traj = _solve(p, interventions, APRIL_FRAME_END, 121, y0)
    reference = _solve(p, (), APRIL_FRAME_END, 121, y0)
    return traj, reference


def _april_title(strength: float, theta: float, traj: Trajectory, reference: Trajectory) -> str:
    change = 1 - traj.T[-1] / reference.T[-1]
    return (f"IL-6R blockade {strength:.0%}, APRIL dependence {theta:g}: "
            f"burden {change:.0%} lower after {APRIL_FRAME_END - APRIL_FRAME_START:g} days")


def april_dependence_frame(strength: float, theta: float, p: NicheParameters | None = None,
                           stacked: bool = False) -> Figure:
    """IL-6 receptor blockade of given strength on established disease, for a given APRIL dependence."""
    traj, reference = _april_dependence_runs(strength, theta, p)
    width, height = NARROW_FRAME_SIZE if stacked else FRAME_SIZE
    return trajectory_figure(traj, reference, width=width, height=height, stacked=stacked,
                             title=_april_title(strength, theta, traj, reference))


def april_dependence_frame_narrow(strength: float, theta: float) -> Figure:
    """The phone rendition of an APRIL-dependence frame: the three panels stacked."""
    return april_dependence_frame(strength, theta, stacked=True)


def april_dependence_update(fig: Figure, strength: float, theta: float) -> list:
    """Live kernel: another blockade strength or APRIL dependence in the same figure (artists reused)."""
    traj, reference = _april_dependence_runs(strength, theta, None)
    return update_trajectory_figure(fig, traj, reference, _april_title(strength, theta, traj, reference))


def april_dependence_alt(strength: float, theta: float, p: NicheParameters | None = None) -> str:
    traj, reference = _april_dependence_runs(strength, theta, p)
    return (f"Three line charts: established myeloma with APRIL dependence {theta:g} under IL-6 receptor "
            f"blockade of strength {strength:.0%} from day {APRIL_FRAME_START:g}. Myeloma burden falls from "
            f"{reference.T[0]:.2f} to {traj.T[-1]:.2f}; APRIL from {reference.A[0]:.2f} to {traj.A[-1]:.2f} "
            f"(healthy = 1).")


# ---------------------------------------------------------------------------------------------
# The niche, drawn
# ---------------------------------------------------------------------------------------------

def niche_diagram() -> Figure:
    """The model as a diagram: cells (boxes), factors (rounded), effects (arrows), drugs (purple, dashed)."""
    nodes = {  # name: (x, y, label, colour)
        "T": (0.12, 0.62, "myeloma\ncells (T)", COLOURS["T"]),
        "M": (0.45, 0.24, "myeloid\nprecursors (M)", COLOURS["M"]),
        "H": (0.12, 0.10, "other\nprecursors (H)", COLOURS["H"]),
        "I": (0.85, 0.62, "IL-6 (I)", COLOURS["I"]),
        "A": (0.45, 0.90, "APRIL (A)", COLOURS["A"]),
    }
    edges = [  # (from, to, label, label position, arrow style, curvature)
        ("T", "M", "contact (RANKL):\nIL-6 production", (0.345, 0.475), "->", 0.0),
        ("M", "I", "secretes", (0.78, 0.30), "->", 0.3),
        ("I", "M", "proliferation\n(autocrine loop)", (0.56, 0.47), "->", 0.3),
        ("M", "A", "secretes, more\nwith IL-6", (0.36, 0.74), "->", 0.0),
        ("I", "T", "survival, growth", (0.62, 0.655), "->", 0.0),
        ("A", "T", "survival", (0.22, 0.82), "->", 0.0),
        ("T", "H", "displaces", (0.19, 0.36 - 0.1), "-[", 0.0),
    ]
    drugs = [  # (label, box position, point it blocks)
        ("IL-6 neutralisation\n(binds the ligand)", (0.93, 0.92), (0.85, 0.69)),
        ("IL-6R blockade (receptors\non myeloma and myeloid cells)", (0.80, 0.08), (0.615, 0.46)),
        ("IL-6R blockade (receptors\non myeloma and myeloid cells)", (0.80, 0.08), (0.72, 0.62)),
        ("APRIL blockade", (0.78, 0.99), (0.55, 0.93)),
        ("anti-myeloma\ntherapy", (0.04, 0.92), (0.10, 0.69)),
    ]
    with context():
        fig, ax = new_figure(7.2, 4.6)
        ax.set_axis_off()
        ax.set_xlim(-0.06, 1.08)
        ax.set_ylim(-0.02, 1.05)
        boxes = {}
        for name, (x, y, label, colour) in nodes.items():
            cell = name in ("T", "M", "H")
            box = FancyBboxPatch((x - 0.1, y - 0.055), 0.2, 0.11,
                                 boxstyle="round,pad=0.01" if cell else "round4,pad=0.02",
                                 facecolor=colour, edgecolor=OKABE_ITO["black"], alpha=0.35 if cell else 0.25, linewidth=1)
            ax.add_patch(box)
            ax.text(x, y, label, ha="center", va="center", fontsize=9, weight="bold" if cell else "normal")
            boxes[name] = box
        for source, target, label, (lx, ly), arrowstyle, rad in edges:
            arrow = FancyArrowPatch(nodes[source][:2], nodes[target][:2], patchA=boxes[source],
                                    patchB=boxes[target], arrowstyle=arrowstyle, mutation_scale=14,
                                    linewidth=1.4, connectionstyle=f"arc3,rad={rad}", color=OKABE_ITO["black"])
            ax.add_patch(arrow)
            ax.text(lx, ly, label, fontsize=7.5, ha="center", va="center", style="italic")
        for label, (x, y), point in drugs:
            ax.add_patch(FancyArrowPatch((x, y), point, arrowstyle="-[", mutation_scale=10, linewidth=1.4,
                                         color=COLOURS["drug"], linestyle="--", shrinkA=14))
            ax.text(x, y, label, fontsize=7.5, ha="center", va="center", color=COLOURS["drug"],
                    bbox=dict(boxstyle="round,pad=0.2", facecolor=NEUTRAL["white"], edgecolor=COLOURS["drug"]))
        ax.set_title("The niche model: cells (bold), factors, effects and interventions (dashed)", fontsize=10)
    return fig


# ---------------------------------------------------------------------------------------------
# Checks against the literature, and what decides the benefit of IL-6 blockade
# ---------------------------------------------------------------------------------------------

def severity_figure(p: NicheParameters | None = None, growth_rates=(0.03, 0.04, 0.05, 0.06, 0.08)) -> Figure:
    """IL-6 against myeloma burden: along the untreated course, and at the plateau of faster myelomas."""
    p = p or default_parameters()
    traj = _solve(p, (), 900.0, 901, None)
    series = niche.severity_series(p, growth_rates)
    with context():
        fig, (left, right) = new_figure(7.2, 3.0, ncols=2)
        left.plot(traj.T, traj.I, color=COLOURS["I"], linewidth=2, label="IL-6")
        left.plot(traj.T, traj.A, color=COLOURS["A"], linewidth=2, label="APRIL")
        left.plot(traj.T[-1], traj.I[-1], "o", color=COLOURS["I"])
        left.annotate("plateau", (traj.T[-1], traj.I[-1]), textcoords="offset points", xytext=(-10, 10),
                      ha="right", fontsize=8)
        left.set_xlabel("myeloma burden (untreated course)")
        left.set_ylabel("marrow level (healthy = 1)")
        left.set_title("Along the course of one myeloma")
        left.set_xlim(0, 1)
        left.set_ylim(bottom=0)
        left.legend(frameon=False, fontsize=8)
        for name in ("I", "A", "M", "H"):
            right.plot(series["T"], series[name], "o-", color=COLOURS[name], label=niche.STATE_LABELS[name])
        for r, t in zip(series["r_T"], series["T"]):
            right.annotate(f"{r:g}", (t, 0), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=7)
        right.set_xlabel("plateau burden (labels: growth rate $r_T$, 1/day)")
        right.set_title("Plateaus of faster myelomas")
        right.set_ylim(bottom=0)
        right.legend(frameon=False, fontsize=8, ncol=2)
    return fig


def claims_figure(p: NicheParameters | None = None, thetas=(0.0, 0.35, 0.7, 1.0), seed: float = 0.3) -> Figure:
    """Left: myeloid pool and APRIL at steady state with and without IL-6 blockade. Right: benefit of
    IL-6R, APRIL and dual blockade on established disease, by APRIL dependence."""
    p = p or default_parameters()
    states = {
        "none": niche.stable_disease_state(p),
        "IL-6\nneutralised": niche.stable_disease_state(p, Controls(neutralisation=BLOCKADE_STRENGTH)),
        "IL-6R\nblocked": niche.stable_disease_state(p, Controls(receptor_blockade=BLOCKADE_STRENGTH)),
    }
    benefits = claims_benefits(p, thetas, seed)
    with context():
        fig, (left, right) = new_figure(7.2, 3.0, ncols=2)
        x = np.arange(len(states))
        for k, name in enumerate(("M", "A", "T")):
            left.bar(x + (k - 1) * 0.27, [getattr(s, name) for s in states.values()], width=0.27,
                     color=COLOURS[name], label=niche.STATE_LABELS[name])
        left.axhline(1, color=OKABE_ITO["black"], linewidth=0.8, linestyle=":")
        left.set_xticks(x, list(states))
        left.set_ylabel("steady state (healthy = 1;\nburden: fraction)")
        left.set_title("IL-6 blockade shrinks the APRIL source")
        left.set_ylim(0, 2.3)
        left.set_yticks([0, 0.5, 1.0, 1.5])
        left.legend(frameon=False, fontsize=8, loc="upper center", ncol=3, handlelength=1, columnspacing=0.8)
        x = np.arange(len(thetas))
        colours = (COLOURS["I"], COLOURS["A"], COLOURS["drug"])
        for k, (label, values) in enumerate(benefits.items()):
            right.bar(x + (k - 1) * 0.27, values, width=0.27, color=colours[k], label=label)
        right.set_xticks(x, [f"{t:g}" for t in thetas])
        right.set_xlabel(r"APRIL dependence $\theta$")
        right.set_ylabel(f"burden reduction\nafter {niche.BlockadeScenario().duration:g} days")
        right.set_ylim(0, 1.3)
        right.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        right.set_title("APRIL blunts IL-6 blockade")
        right.legend(frameon=False, fontsize=8, loc="upper center", ncol=3, handlelength=1, columnspacing=0.8)
    return fig




def sensitivity_figure(result: niche.SensitivityResult, records) -> Figure:
    """Left: PRCC of each parameter with the benefit of IL-6 blockade. Right: one-at-a-time ranges."""
    order = np.argsort(np.abs(result.prcc), kind="stable")
    labels = [f"${records[result.names[i]].symbol}$" for i in order]
    with context():
        fig, (left, right) = new_figure(7.2, 4.4, ncols=2, sharey=True)
        y = np.arange(len(order))
        colours = [COLOURS["T"] if result.prcc[i] < 0 else COLOURS["M"] for i in order]
        left.barh(y, result.prcc[order], color=colours)
        left.axvline(0, color=OKABE_ITO["black"], linewidth=0.8)
        left.set_yticks(y, labels)
        left.set_xlim(-1, 1)
        left.set_xlabel("partial rank correlation\nwith the benefit")
        left.set_title(f"Latin hypercube, {int(result.established.sum())} models")
        for j, i in enumerate(order):
            low, high = result.low_benefit[i], result.high_benefit[i]
            for value, face in ((low, NEUTRAL["white"]), (high, OKABE_ITO["black"])):
                if np.isfinite(value):
                    right.plot(value, j, "o", markerfacecolor=face, markeredgecolor=OKABE_ITO["black"], markersize=5,
                               zorder=3)
            finite = [v for v in (low, high) if np.isfinite(v)]
            if finite:
                right.plot([min(finite + [result.baseline_benefit]), max(finite + [result.baseline_benefit])],
                           [j, j], color=OKABE_ITO["black"], linewidth=1)
        right.axvline(result.baseline_benefit, color=COLOURS["drug"], linestyle="--", linewidth=1)
        right.set_xlim(0, 1.02)
        right.set_xlabel("benefit with the parameter at the\nlow (open) or high (filled) end")
        right.set_title("One at a time")
    return fig


# ---------------------------------------------------------------------------------------------
# The chapter's interactive figures (kernel-free; see il6mm.figures.interactive) and its generated table
# ---------------------------------------------------------------------------------------------



def regimen_explorer_controls():
    from .interactive import Control

    return [Control("regimen", "Treatment", options=list(EXPLORER_REGIMENS), default="IL-6 receptor blockade"),
            Control("start", "Start (day)", options=list(EXPLORER_STARTS), default=540)]


def regimen_explorer():
    """Interactive figure: a treatment (blockade target, or background therapy) and its start day."""
    from .interactive import interactive_figure

    return interactive_figure(
        regimen_frame, controls=regimen_explorer_controls(), alt=regimen_alt,
        narrow=regimen_frame_narrow, update=regimen_update,
        hint="Pick a treatment and a start day. Compare IL-6 neutralisation with receptor blockade, "
             f"then add APRIL blockade or a background therapy; start early (day {EXPLORER_STARTS[0]}) "
             f"or at the plateau (day {EXPLORER_STARTS[1]}).")


def april_dependence_controls():
    from .interactive import Control

    return [Control("strength", "IL-6R blockade strength", options=list(EXPLORER_STRENGTHS), default=0.9),
            Control("theta", "APRIL dependence θ", options=list(EXPLORER_THETAS), default=0.7)]


def april_dependence_explorer():
    """Interactive figure: IL-6 receptor blockade strength against the myeloma's APRIL dependence."""
    from .interactive import interactive_figure

    return interactive_figure(
        april_dependence_frame, controls=april_dependence_controls(), alt=april_dependence_alt,
        narrow=april_dependence_frame_narrow, update=april_dependence_update,
        hint="Raise the APRIL dependence from 0 to 1 and watch the same IL-6 blockade lose its grip on the myeloma.")


def literature_table_markdown(checks, evidence) -> str:
    """A MyST table: each literature fact (the records' claims, cited) beside what the model does, in two
    groups: what the model was calibrated to (or assumes), then the independent checks. Only the latter
    test the model; the former show it was built as intended."""
    rows = []
    shown: set[str] = set()
    groups = (("Calibrated to (or assumed), not a test of the model", [c for c in checks if not c.independent]),
              ("Independent checks", [c for c in checks if c.independent]))
    for title, group in groups:
        if not group:
            continue
        rows.append((f"***{title}***", "", ""))
        for check in group:
            parts = []
            for record_id in check.records:
                r = evidence.get(record_id)
                # A record's claim is quoted once; later rows point back to it.
                parts.append(f"{r.claim} {{footcite}}`{r.source}` (`{r.id}`)" if r.id not in shown
                             else f"see `{r.id}` above {{footcite}}`{r.source}`")
                shown.add(r.id)
            cited = "; ".join(parts)
            verdict = check.verdict if check.independent else f"{check.verdict} ({check.basis})"
            rows.append((f"**{check.topic}.** {cited}", check.model, verdict))
    return markdown.table(("Literature (evidence records)", "The model", "Verdict"), rows)


def _format_value(value: float) -> str:
    return f"{value:g}"


def parameter_table_markdown(records: Mapping[str, ParameterRecord], name: str | None = None) -> str:
    """A MyST table of every parameter: symbol, meaning, value and unit, range, provenance and support.

    With ``name``, the table is wrapped in a ``{table}`` directive with a caption, so it is numbered and
    can be referenced as ``{numref}`name```.
    """
    rows = []
    for r in records.values():
        provenance = ("assumed: " + r.reason) if r.provenance == "assumed" else f"{{footcite}}`{r.provenance}`"
        support = ", ".join(f"{{footcite}}`{key}`" for key in r.supports) or "(none)"
        unit = "" if r.unit == "dimensionless" else f" {r.unit}"
        low, high = r.range
        rows.append((f"${r.symbol}$", r.description, f"{_format_value(r.value)}{unit}",
                     f"{_format_value(low)} to {_format_value(high)}", provenance, support))
    table = markdown.table(("Symbol", "Meaning", "Value", "Range explored", "Provenance: why this value",
                            "Mechanism from"), rows)
    if name is None:
        return table
    caption = ("Parameters of the niche model, read from `data/model/niche_parameters.yaml`. Values without a "
               "unit are dimensionless; levels are relative to the healthy marrow.")
    return f":::{{table}} {caption}\n:name: {name}\n\n{table}\n:::"

