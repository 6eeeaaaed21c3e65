"""Figures for chapter 2 (where IL-6 comes from): serum IL-6 by disease stage, and why the amount of
IL-6 matters for a neutralising antibody (a schematic binding model, interactive).

Parameters in, ``matplotlib.figure.Figure`` out; no I/O. The numbers come from the quantities of one
finding record (``bataille1989-serum-il6``); the panels name which quantity labels they draw, so a
renamed or missing quantity fails loudly (``il6mm.evidence.record_quantity``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..evidence import Finding, record_quantity
from .interactive import Changed, Control, interactive_figure
from .style import OKABE_ITO, context, new_figure

#: (panel title, [(bar label, quantity label in the record)]).
SERUM_PANELS = (
    ("Across plasma-cell disorders", [
        ("MGUS or\nsmouldering MM", "detectable in MGUS or smouldering MM"),
        ("Overt MM", "detectable in overt MM"),
        ("Plasma cell\nleukaemia", "detectable in plasma cell leukaemia"),
    ]),
    ("Within overt MM", [
        ("At diagnosis", "detectable in overt MM at diagnosis"),
        ("Stable", "detectable in stable overt MM"),
        ("Fulminating", "detectable in fulminating overt MM"),
    ]),
)


def serum_il6_values(record: Finding) -> list[tuple[str, list[tuple[str, float]]]]:
    """The percentages each panel draws, looked up by quantity label."""
    return [(title, [(bar, record_quantity(record, label).value) for bar, label in bars])
            for title, bars in SERUM_PANELS]


def serum_il6_figure(record: Finding) -> Figure:
    """Two bar panels: share of patients with detectable serum IL-6, by disorder and by course of myeloma."""
    panels = serum_il6_values(record)
    with context():
        fig, axes = new_figure(6.4, 3.0, ncols=2, sharey=True)
        for ax, (title, bars), colour in zip(axes, panels, (OKABE_ITO["blue"], OKABE_ITO["vermillion"])):
            labels = [b for b, _ in bars]
            values = [v for _, v in bars]
            ax.bar(labels, values, color=colour, width=0.6)
            for x, v in enumerate(values):
                ax.text(x, v + 2, f"{v:g}%", ha="center", fontsize=9)
            ax.set_title(title)
            ax.set_ylim(0, 112)
            ax.tick_params(axis="x", labelsize=8)
        axes[0].set_ylabel("Serum IL-6 detectable (%)")
        axes[0].set_yticks([0, 25, 50, 75, 100])
    return fig


def serum_il6_alt_text(record: Finding) -> str:
    parts = [f"{title}: " + ", ".join(f"{bar.replace(chr(10), ' ')} {v:g}%" for bar, v in bars)
             for title, bars in serum_il6_values(record)]
    return "Two bar charts of the share of patients with detectable serum IL-6. " + "; ".join(parts) + "."


# Why the amount matters: law-of-mass-action occupancy under ligand neutralisation (schematic, not fitted).

def receptor_occupancy(concentration_over_kd, blockade: float):
    """Law-of-mass-action occupancy when a fraction ``blockade`` of the ligand is neutralised.

    theta = (1 - b) C / ((1 - b) C + K_d), with C in units of K_d; a schematic model, not fitted to data.
    """
    if not 0 <= blockade <= 1:
        raise ValueError(f"blockade must be a fraction between 0 and 1, got {blockade!r}")
    free = (1 - blockade) * np.asarray(concentration_over_kd, dtype=float)
    return free / (free + 1.0)


def receptor_occupancy_figure(blockade_percent: float, scale: str = "log", narrow: bool = False) -> Figure:
    """Receptor occupancy against ligand concentration, without and with neutralisation (schematic).

    ``narrow`` lays it out for a phone (smaller, title on two lines) with the same text sizes."""
    if scale not in ("log", "linear"):
        raise ValueError(f"scale must be 'log' or 'linear', got {scale!r}")
    concentration = _concentrations(scale)
    with context():
        fig, ax = new_figure(*((3.6, 3.3) if narrow else (6.4, 3.4)))
        ax.plot(concentration, receptor_occupancy(concentration, 0.0), color=OKABE_ITO["black"],
                linestyle="--", label="no blockade")
        ax.plot(concentration, receptor_occupancy(concentration, blockade_percent / 100),
                color=OKABE_ITO["blue"], linewidth=2, label=_blockade_label(blockade_percent), gid="blocked")
        ax.set_xscale(scale)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("ligand concentration (multiples of $K_d$)")
        ax.set_ylabel("receptor occupancy")
        ax.set_title("Schematic: neutralising the ligand\nshifts the occupancy curve" if narrow
                     else "Schematic: neutralising the ligand shifts the occupancy curve")
        ax.legend(loc=_legend_place(scale), frameon=False)
    return fig


def _concentrations(scale: str) -> np.ndarray:
    return np.logspace(-2, 3, 400) if scale == "log" else np.linspace(0, 20, 400)


def _blockade_label(blockade_percent: float) -> str:
    return f"{blockade_percent:g}% neutralised"


def _legend_place(scale: str) -> str:
    return "lower right" if scale == "log" else "center right"


def occupancy_update(fig: Figure, blockade_percent: float, scale: str):
    """Live kernel: another blockade or axis in a figure made by ``receptor_occupancy_figure``.

    Only the blocked curve and the legend are returned (drawn again over the rest). The rest (axis, reference
    curve, labels) depends on the axis scale alone, which is therefore the key of its cached image; another
    scale sets both curves, the scale and the legend again."""
    ax = fig.axes[0]
    reference, blocked = ax.lines[0], next(line for line in ax.lines if line.get_gid() == "blocked")
    blocked.set_label(_blockade_label(blockade_percent))
    if ax.get_xscale() != scale:
        concentration = _concentrations(scale)
        reference.set_data(concentration, receptor_occupancy(concentration, 0.0))
        blocked.set_xdata(concentration)
        ax.set_xscale(scale)
        ax.relim()
        ax.autoscale_view(scaley=False)
        ax.legend(loc=_legend_place(scale), frameon=False)
    blocked.set_ydata(receptor_occupancy(blocked.get_xdata(), blockade_percent / 100))
    legend = ax.get_legend()
    legend.get_texts()[1].set_text(blocked.get_label())
    return Changed([blocked, legend, *ax.spines.values()], background=scale)


#: Control values of the occupancy explorer (percent of ligand neutralised; concentration axis).
OCCUPANCY_BLOCKADE = (0, 50, 75, 90, 99)
OCCUPANCY_SCALES = (("Logarithmic", "log"), ("Linear", "linear"))


def occupancy_alt(blockade_percent: float, scale: str) -> str:
    axis = "logarithmic" if scale == "log" else "linear"
    where = "on" if blockade_percent == 0 else "to the right of"
    return (f"Line chart on a {axis} concentration axis: receptor occupancy rises from 0 towards 1 with ligand "
            f"concentration; with {blockade_percent}% of the ligand neutralised the solid curve lies {where} the "
            "dashed curve without blockade.")


def occupancy_narrow(blockade_percent: float, scale: str) -> Figure:
    """The phone rendition of an occupancy frame."""
    return receptor_occupancy_figure(blockade_percent, scale, narrow=True)


def occupancy_explorer():
    """The chapter's interactive figure: neutralised fraction and axis scale -> occupancy curves."""
    return interactive_figure(
        receptor_occupancy_figure,
        controls=[Control("blockade_percent", "Ligand neutralised (%)", options=list(OCCUPANCY_BLOCKADE), default=90),
                  Control("scale", "Concentration axis", options=list(OCCUPANCY_SCALES))],
        alt=occupancy_alt,
        narrow=occupancy_narrow, update=occupancy_update,
        hint="Move the slider to neutralise more of the ligand, and switch the axis to see the shift on a linear "
             "scale.")
