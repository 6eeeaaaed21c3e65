"""Figures for chapter 4 (therapy from 2016 to today): cytokine release syndrome (CRS) by therapy class.

Parameters in, ``matplotlib.figure.Figure`` out; no I/O. The rows are the cohorts and pooled estimates of
``il6mm.analysis.crs_pooling``; the records it leaves out are listed with their reasons by the chapter.
"""

from __future__ import annotations

from typing import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from ..analysis.crs_pooling import GRADES, CRSPooling, PooledProportion, crs_pooling
from .interactive import Changed
from .style import NEUTRAL, OKABE_ITO, context, new_figure

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


#: gid of every artist that draws a row (intervals, squares, diamonds; on the phone, the row texts too).
ROW_GID = "crs-row"


def _forest_rows(pooling: CRSPooling, view: str) -> list[tuple[str, str, object, str]]:
    """(kind, label, item, numbers) per row: a header per group, its cohorts, its pooled estimate (k >= 2)."""
    groups = _groups(pooling, view)
    if not groups:
        raise ValueError(f"crs_forest_figure: no cohort to draw for {GRADES[pooling.grade]} ({view})")
    rows = []
    for name, pooled in groups:
        rows.append(("header", GROUP_TITLES.get(name, name), name, ""))
        rows += [("cohort", c.label + (f" {DERIVED_MARK}" if c.derived else ""), c,
                  f"{100 * c.proportion:.0f}% ({100 * c.ci_low:.0f}\u2013{100 * c.ci_high:.0f}), {c.events}/{c.n}")
                 for c in pooled.cohorts]
        if pooled.k >= 2:
            rows.append(("pooled", f"Pooled (k={pooled.k}, {pooled.patients} patients)", pooled,
                         f"{pooled.percent:.0f}% ({pooled.percent_low:.0f}\u2013{pooled.percent_high:.0f})"))
    return rows


def crs_forest_figure(pooling: CRSPooling, view: str = "class", *, min_rows: int = 0,
                      compact: bool = False) -> Figure:
    """Forest plot of CRS proportions: each cohort (square, 95% CI) under its group, and the group's
    random-effects pooled proportion (diamond) when it has two or more cohorts. ``view`` is "class"
    (therapy classes, cohorts without prophylaxis) or "prophylaxis" (bispecific cohorts with and without).
    ``min_rows`` fixes the height (frames of one interactive figure); ``compact`` is the phone layout: each
    row's numbers under its label instead of in a right-hand column, so the figure can be narrow."""
    rows = _forest_rows(pooling, view)
    with context():
        width, per_row = (3.6, 0.78) if compact else (6.4, 0.36)
        fig, ax = new_figure(width, per_row * max(len(rows), min_rows) + 1.2)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        if compact:
            ax.set_yticks([])
        else:
            right = ax.secondary_yaxis("right")
            right.tick_params(axis="y", length=0)
            right.spines["right"].set_visible(False)
        fill_crs_forest(fig, pooling, view, min_rows=min_rows, compact=compact)
    return fig


def fill_crs_forest(fig: Figure, pooling: CRSPooling, view: str, *, min_rows: int = 0,
                    compact: bool = False) -> Changed:
    """Draw the rows of ``pooling`` into a figure ``crs_forest_figure`` made, replacing the rows it shows:
    a new figure, or the live figure of an interactive one. Returns what changed for a live redraw: the
    row artists (over the rest, which the texts set here identify)."""
    rows = _forest_rows(pooling, view)
    ax = fig.axes[0]
    for artist in [a for a in ax.get_children() if a.get_gid() == ROW_GID]:
        artist.remove()
    drawn = []
    for y, (kind, label, item, value) in enumerate(rows):
        if kind == "cohort":
            colour = GROUP_COLOURS[_group_of(rows, y)]
            drawn += ax.plot([100 * item.ci_low, 100 * item.ci_high], [y, y], color=colour, linewidth=1.6, gid=ROW_GID)
            drawn += ax.plot([100 * item.proportion], [y], marker="s", markersize=6, color=colour, linestyle="none",
                             markerfacecolor=NEUTRAL["white"] if item.derived else colour, markeredgewidth=1.4, gid=ROW_GID)
        elif kind == "pooled":
            h = 0.2 if compact else 0.3
            drawn.append(ax.add_patch(Polygon(
                [(item.percent_low, y), (item.percent, y - h), (item.percent_high, y), (item.percent, y + h)],
                closed=True, facecolor=GROUP_COLOURS[_group_of(rows, y)], edgecolor=OKABE_ITO["black"],
                linewidth=0.8, gid=ROW_GID)))
    ylim = (max(len(rows), min_rows) - 0.5, -0.9 if compact else -0.5)
    ax.set_ylim(*ylim)
    labels, values = [label for _, label, _, _ in rows], [value for *_, value in rows]
    bold = [kind == "header" for kind, *_ in rows]
    if compact:
        # Phone layout: each row's label and numbers above its interval, so the axis keeps the full width.
        for y, (label, value, header) in enumerate(zip(labels, values, bold)):
            text = ax.text(0, y - 0.22, label if header else f"{label}\n{value}", fontsize=9, va="bottom",
                           ha="left", linespacing=1.1, fontweight="bold" if header else "normal", clip_on=False,
                           gid=ROW_GID)
            text.set_in_layout(False)
            drawn.append(text)
    else:
        ax.set_yticks(range(len(rows)), labels)
        for tick, header in zip(ax.get_yticklabels(), bold):
            tick.set_fontweight("bold" if header else "normal")  # a live figure's ticks held other rows before
        right, = ax.child_axes
        right.set_ylim(ax.get_ylim())
        right.set_yticks(range(len(rows)), values)
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100])
    notes = [f"Patients with {GRADES[pooling.grade]} (%, 95% CI)",
             "diamonds: random-effects pooled" + ("\n" if compact else " ") + "(DerSimonian-Laird, logit scale)"]
    if any(kind == "cohort" and item.derived for kind, _, item, _ in rows):
        notes.append(f"{DERIVED_MARK} hollow: events reconstructed" + ("\n" if compact else " ")
                     + "from the published % and n")
    ax.set_xlabel("\n".join(notes), fontsize=8.5)
    background = (tuple(labels), tuple(values), tuple(bold), ax.get_xlabel(), ylim)
    return Changed([*drawn, *ax.spines.values()], background=background)


def _group_of(rows, y: int) -> str:
    """The group (key of GROUP_COLOURS) of row ``y``: that of the header above it."""
    return next(item for kind, _, item, _ in reversed(rows[:y + 1]) if kind == "header")


def crs_forest_alt_text(pooling: CRSPooling, view: str = "class") -> str:
    """One sentence per group: its cohorts and pooled proportion, for readers who cannot see the plot."""
    parts = [f"Forest plot of the share of patients with {GRADES[pooling.grade]}."]
    for name, pooled in _groups(pooling, view):
        cohorts = ", ".join(f"{c.label} {100 * c.proportion:.0f}%" for c in pooled.cohorts)
        pooled_text = (f"; pooled {pooled.percent:.0f}% (95% CI {pooled.percent_low:.0f} to "
                       f"{pooled.percent_high:.0f})" if pooled.k >= 2 else "")
        parts.append(f"{GROUP_TITLES.get(name, name)}: {cohorts}{pooled_text}.")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------------------
# The chapter's explorer: therapy class or prophylaxis, any grade or grade 3 or higher
# ---------------------------------------------------------------------------------------------------------

CRS_VIEWS = (("Therapy classes", "class"), ("With or without prophylactic tocilizumab", "prophylaxis"))
CRS_GRADES = (("Any grade", "any"), ("Grade 3 or higher", "grade3"))


def _row_count(pooling: CRSPooling, view: str) -> int:
    groups = _groups(pooling, view)
    return sum(1 + p.k + (p.k >= 2) for _, p in groups)


def crs_explorer(records):
    """The chapter's interactive forest plot: the comparison (classes, or prophylaxis) and the CRS grade.
    Every frame is computed from the CRS records by ``crs_pooling``; all frames share one height."""
    from .interactive import Control, interactive_figure

    records = list(records)
    poolings = {grade: crs_pooling(records, grade) for grade in GRADES}
    rows = max(_row_count(poolings[g], v) for g in GRADES for _, v in CRS_VIEWS if _groups(poolings[g], v))

    def draw(view: str, grade: str) -> Figure:
        return crs_forest_figure(poolings[grade], view, min_rows=rows)

    def draw_narrow(view: str, grade: str) -> Figure:
        return crs_forest_figure(poolings[grade], view, min_rows=rows, compact=True)

    def update(fig: Figure, view: str, grade: str) -> Changed:
        return fill_crs_forest(fig, poolings[grade], view, min_rows=rows)

    def alt(view: str, grade: str) -> str:
        return crs_forest_alt_text(poolings[grade], view)

    return interactive_figure(
        draw,
        controls=[Control("view", "Compare", options=list(CRS_VIEWS)),
                  Control("grade", "CRS grade", options=list(CRS_GRADES))],
        alt=alt, narrow=draw_narrow, update=update, name="crs_explorer",
        hint="Choose what to compare, therapy classes or cohorts with and without prophylactic tocilizumab, "
             "and whether to count CRS of any grade or only grade 3 or higher.")
