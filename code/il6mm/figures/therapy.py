"""Figures for chapter 4 (therapy from 2016 to today): cytokine release syndrome (CRS) by therapy class.

Parameters in, ``matplotlib.figure.Figure`` out; no I/O. The rows are the cohorts and pooled estimates of
``il6mm.analysis.crs_pooling``; the records it leaves out are listed with their reasons by the chapter.
"""

from __future__ import annotations

from typing import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from ..analysis.crs_pooling import GRADES, CRSPooling, PooledProportion
from .style import OKABE_ITO, context, new_figure

GROUP_COLOURS = {"BCMA CAR-T": OKABE_ITO["blue"], "BCMA bispecific": OKABE_ITO["orange"],
                 "GPRC5D bispecific": OKABE_ITO["green"], "BCMA or GPRC5D bispecifics": OKABE_ITO["purple"],
                 "without": OKABE_ITO["orange"], "with": OKABE_ITO["purple"]}
GROUP_TITLES = {"without": "Bispecifics, no prophylactic tocilizumab",
                "with": "Bispecifics, prophylactic tocilizumab"}
DERIVED_MARK = "\u2020"


def _groups(pooling: CRSPooling, view: str) -> list[tuple[str, PooledProportion]]:
    if view == "class":
        return list(pooling.by_class.items())
    if view == "prophylaxis":
        return [(k, pooling.prophylaxis[k]) for k in ("without", "with") if k in pooling.prophylaxis]
    raise ValueError(f"view must be 'class' or 'prophylaxis', got {view!r}")


def crs_forest_figure(pooling: CRSPooling, view: str = "class") -> Figure:
    """Forest plot of CRS proportions: each cohort (square, 95% CI) under its group, and the group's
    random-effects pooled proportion (diamond) when it has two or more cohorts. ``view`` is "class"
    (therapy classes, cohorts without prophylaxis) or "prophylaxis" (bispecific cohorts with and without)."""
    groups = _groups(pooling, view)
    if not groups:
        raise ValueError(f"crs_forest_figure: no cohort to draw for {GRADES[pooling.grade]} ({view})")
    rows: list[tuple[str, str, object]] = []   # (kind, label, item)
    for name, pooled in groups:
        rows.append(("header", GROUP_TITLES.get(name, name), None))
        rows += [("cohort", c.label + (f" {DERIVED_MARK}" if c.derived else ""), c) for c in pooled.cohorts]
        if pooled.k >= 2:
            rows.append(("pooled", f"Pooled (k={pooled.k}, {pooled.patients} patients)", pooled))
    with context():
        fig, ax = new_figure(6.4, 0.36 * len(rows) + 1.2)
        colour_of = {}
        for name, pooled in groups:
            for c in pooled.cohorts:
                colour_of[c.record] = GROUP_COLOURS[name]
            colour_of[id(pooled)] = GROUP_COLOURS[name]
        labels, values = [], []
        for y, (kind, label, item) in enumerate(rows):
            labels.append(label)
            if kind == "header":
                values.append("")
                continue
            if kind == "cohort":
                colour = colour_of[item.record]
                ax.plot([100 * item.ci_low, 100 * item.ci_high], [y, y], color=colour, linewidth=1.6)
                ax.plot([100 * item.proportion], [y], marker="s", markersize=6, color=colour, linestyle="none",
                        markerfacecolor="white" if item.derived else colour, markeredgewidth=1.4)
                values.append(f"{100 * item.proportion:.0f}% ({100 * item.ci_low:.0f}\u2013{100 * item.ci_high:.0f}), "
                              f"{item.events}/{item.n}")
            else:
                h = 0.3
                ax.add_patch(Polygon([(item.percent_low, y), (item.percent, y - h), (item.percent_high, y),
                                      (item.percent, y + h)], closed=True, facecolor=colour_of[id(item)],
                                     edgecolor=OKABE_ITO["black"], linewidth=0.8))
                values.append(f"{item.percent:.0f}% ({item.percent_low:.0f}\u2013{item.percent_high:.0f})")
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_yticks(range(len(rows)), labels)
        for tick, (kind, _, _) in zip(ax.get_yticklabels(), rows):
            if kind == "header":
                tick.set_fontweight("bold")
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        right = ax.secondary_yaxis("right")
        right.set_ylim(ax.get_ylim())
        right.set_yticks(range(len(rows)), values)
        right.tick_params(axis="y", length=0)
        right.spines["right"].set_visible(False)
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 25, 50, 75, 100])
        notes = [f"Patients with {GRADES[pooling.grade]} (%, 95% CI)",
                 "diamonds: random-effects pooled (DerSimonian-Laird, logit scale)"]
        if any(c.derived for _, p in groups for c in p.cohorts):
            notes.append(f"{DERIVED_MARK} hollow: events reconstructed from the published % and n")
        ax.set_xlabel("\n".join(notes), fontsize=8.5)
    return fig


def crs_forest_alt_text(pooling: CRSPooling, view: str = "class") -> str:
    """One sentence per group: its cohorts and pooled proportion, for readers who cannot see the plot."""
    parts = [f"Forest plot of the share of patients with {GRADES[pooling.grade]}."]
    for name, pooled in _groups(pooling, view):
        cohorts = ", ".join(f"{c.label} {100 * c.proportion:.0f}%" for c in pooled.cohorts)
        pooled_text = (f"; pooled {pooled.percent:.0f}% (95% CI {pooled.percent_low:.0f} to "
                       f"{pooled.percent_high:.0f})" if pooled.k >= 2 else "")
        parts.append(f"{GROUP_TITLES.get(name, name)}: {cohorts}{pooled_text}.")
    return " ".join(parts)
