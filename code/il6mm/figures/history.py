"""Figures of chapter 1 (history of IL-6 blockade): the timeline and the forest plots.

Each function takes records or computed effects and returns a matplotlib Figure (no I/O, no pyplot).
Artists that tests read carry a ``gid``:

* forest plot: ``"trial-estimates"`` (Line2D, x = the trials' ratios, top row first),
  ``"trial-intervals"`` (LineCollection, one segment (low, y)-(high, y) per trial),
  ``"pooled-main"`` / ``"pooled-sensitivity"`` (Polygon diamonds: the main estimate, then its sensitivity check), ``"null-line"`` (the line at 1);
* timeline: ``"timeline-points"`` (Line2D, y = the events' rows), one Text per event with
  ``gid="event-<id>"``.
"""

from __future__ import annotations

import textwrap
from typing import Sequence

from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, NullLocator

from . import style
from .interactive import Changed
from ..evidence import TimelineEvent
from ..analysis.meta_analysis import ENDPOINT_NAMES, Pooled, TrialEffect, favours_blockade_above_one, measure_for

#: Mark on labels and in legends for an effect whose SE or counts were derived, not published.
DERIVED_MARK = "\u2020"  # dagger
#: Width of chapter-1 figures in inches: at 100 dpi, 440 px, so a phone (about 360 px of text width) scales it
#: down by no more than a fifth and the 9-10 pt text stays legible.
FIGURE_WIDTH = 4.4


def _fmt_ratio(x: float) -> str:
    return f"{x:.2f}"


def interval_text(ratio: float, low: float, high: float) -> str:
    """'0.87 (0.65-1.16)' with an en dash, as printed next to a forest-plot row."""
    return f"{_fmt_ratio(ratio)} ({_fmt_ratio(low)}\u2013{_fmt_ratio(high)})"


def _log_ticks(low: float, high: float) -> list[float]:
    # Wide axes (a Hartung-Knapp interval with two trials spans decades) get one tick per decade.
    candidates = [0.01, 0.1, 1, 10, 100] if high / low > 150 else [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20]
    ticks = [t for t in candidates if low <= t <= high]
    return ticks if 1 in ticks else sorted(ticks + [1])


#: gids of the artists that draw a forest plot's rows (and the message of an empty one): what a refill replaces.
_ROW_GIDS = ("trial-", "pooled-", "forest-message")


def forest_figure(effects: Sequence[TrialEffect], pooled: Sequence[Pooled] = (), *, endpoint: str | None = None,
                  title: str | None = None, empty_reason: str = "", min_rows: int = 2) -> Figure:
    """Forest plot: one row per trial (ratio and 95% CI), pooled diamonds below, log axis, line at 1.

    ``pooled`` estimates with ``k < 2`` are not drawn (one trial has nothing to pool). With no effects,
    the figure says so (``empty_reason`` adds why). ``min_rows`` fixes the height for figures that
    must not change size from frame to frame (interactive figures).
    """
    effects = list(effects)
    n_rows = len(effects) + sum(1 for p in pooled if p.k >= 2)
    fig, ax = style.new_figure(FIGURE_WIDTH, 1.35 + 0.42 * max(n_rows, min_rows))
    with style.context():
        ax.axvline(1.0, color=style.OKABE_ITO["black"], linestyle="--", linewidth=0.9, gid="null-line")
        ax.set_xscale("log")
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        right = ax.secondary_yaxis("right")
        right.tick_params(axis="y", length=0)
        right.spines["right"].set_visible(False)
        fill_forest(fig, effects, pooled, endpoint=endpoint, title=title, empty_reason=empty_reason)
    return fig


def fill_forest(fig: Figure, effects: Sequence[TrialEffect], pooled: Sequence[Pooled] = (), *,
                endpoint: str | None = None, title: str | None = None, empty_reason: str = ""):
    """Draw these rows into a figure ``forest_figure`` made, replacing the rows it shows: a new figure, or
    the live figure of an interactive one. Returns what changed for a live redraw: the row artists, over
    the rest (axis, labels, numbers), which the texts and limits set here identify."""
    effects = list(effects)
    endpoint = endpoint or (effects[0].endpoint if effects else None)
    if endpoint is None:
        raise ValueError("forest_figure needs the endpoint when there are no effects")
    if any(e.endpoint != endpoint for e in effects):
        raise ValueError(f"all effects must be for endpoint {endpoint!r}: got {[e.endpoint for e in effects]}")
    measure = measure_for(endpoint)
    drawn_pooled = [p for p in pooled if p.k >= 2]
    n_rows = len(effects) + len(drawn_pooled)
    ax = fig.axes[0]
    right, = ax.child_axes
    null_line, = [line for line in ax.lines if line.get_gid() == "null-line"]
    for artist in [a for a in ax.get_children() if str(a.get_gid()).startswith(_ROW_GIDS)]:
        artist.remove()
    heading = title or f"{ENDPOINT_NAMES[endpoint].capitalize()}: {measure} (95% CI)"
    if fig._suptitle is None:
        fig.suptitle(heading, x=0.01, ha="left", fontsize=10.5)
    else:  # keep where the layout put it (suptitle() would move it back to its default height)
        fig._suptitle.set_text(heading)
    # A live figure may go from an empty frame to a full one and back: set what either one hides.
    for artist in (right, null_line):
        artist.set_visible(bool(effects))
    if not effects:
        ax.set_axis_off()
        message = f"No randomised trial gives a usable {measure} for this endpoint."
        for line in empty_reason.splitlines():
            message += "\n" + "\n   ".join(textwrap.wrap("\u2022 " + line, 58))
        text = ax.text(0.0, 0.5, message, transform=ax.transAxes, va="center", ha="left", fontsize=9.5,
                       gid="forest-message")
        return Changed([text], background=(heading, message))
    ax.set_axis_on()

    rows = list(range(n_rows))  # row 0 at the top (axis inverted below)
    lows = [e.ci_low for e in effects] + [min(p.ci_low, p.hksj_ci_low) for p in drawn_pooled]
    highs = [e.ci_high for e in effects] + [max(p.ci_high, p.hksj_ci_high) for p in drawn_pooled]
    xmin = min(min(lows), 0.5) / 1.15
    xmax = max(max(highs), 2.0) * 1.15

    trial_rows = rows[:len(effects)]
    segments = [[(e.ci_low, y), (e.ci_high, y)] for e, y in zip(effects, trial_rows)]
    drawn = [ax.add_collection(LineCollection(segments, colors=style.OKABE_ITO["blue"], linewidths=1.6,
                                              gid="trial-intervals"))]
    drawn.append(ax.add_line(Line2D([e.ratio for e in effects], trial_rows, linestyle="none", marker="s",
                                    markersize=7, color=style.OKABE_ITO["blue"], gid="trial-estimates")))
    # Derived values: hollow square drawn over the filled one, so published and derived differ in shape.
    derived = [(e.ratio, y) for e, y in zip(effects, trial_rows) if e.derived]
    if derived:
        drawn.append(ax.add_line(Line2D([x for x, _ in derived], [y for _, y in derived], linestyle="none",
                                        marker="s", markersize=7, markerfacecolor=style.NEUTRAL["white"], markeredgewidth=1.6,
                                        color=style.OKABE_ITO["blue"], gid="trial-derived")))

    # The first estimate is the main analysis, any second one its sensitivity check: colour and id by that role
    # (which estimator each is, is said by its method, in the labels).
    roles = ("main", "sensitivity")
    colours = {"main": style.OKABE_ITO["vermillion"], "sensitivity": style.OKABE_ITO["orange"]}
    for role, p, y in zip(roles, drawn_pooled, rows[len(effects):]):
        # Hartung-Knapp interval (t on k - 1 df) as a thin line behind the Wald diamond.
        drawn += ax.plot([p.hksj_ci_low, p.hksj_ci_high], [y, y], color=style.OKABE_ITO["black"], linewidth=1.0,
                         gid=f"pooled-{role}-hksj", zorder=1)
        h = 0.28
        drawn.append(ax.add_patch(Polygon([(p.ci_low, y), (p.ratio, y - h), (p.ci_high, y), (p.ratio, y + h)],
                                          closed=True, facecolor=colours[role],
                                          edgecolor=style.OKABE_ITO["black"], linewidth=0.8,
                                          gid=f"pooled-{role}")))

    ax.set_xlim(xmin, xmax)
    ticks = _log_ticks(xmin, xmax)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.set_ylim(n_rows - 0.5, -0.5)

    # Each trial with its setting: the trials answer different questions, and the reader should see which.
    labels = [e.label + (f" ({e.stage})" if e.stage else "") + (f" {DERIVED_MARK}" if e.derived else "")
              for e in effects]
    labels += [f"Pooled, {p.method.upper()} (k={p.k})" for p in drawn_pooled]
    ax.set_yticks(rows, labels)
    values = [interval_text(e.ratio, e.ci_low, e.ci_high) for e in effects]
    values += [f"{interval_text(p.ratio, p.ci_low, p.ci_high)}\nHK {p.hksj_ci_low:.2g}\u2013{p.hksj_ci_high:.3g}"
               for p in drawn_pooled]
    right.set_ylim(ax.get_ylim())
    right.set_yticks(rows, values)

    better, worse = "IL-6 blockade", "control"
    if favours_blockade_above_one(endpoint):
        left_text, right_text = f"\u2190 favours {worse}", f"favours {better} \u2192"
    else:
        left_text, right_text = f"\u2190 favours {better}", f"favours {worse} \u2192"
    notes = []
    if drawn_pooled:
        methods = ", ".join(f"{p.method.upper()} {p.method_name}" for p in drawn_pooled)
        notes.append(f"{methods}: diamond Wald 95% CI,\nthin line (HK) Hartung-Knapp 95% CI")
    if any(e.derived for e in effects):
        notes.append(f"{DERIVED_MARK} hollow: SE or counts derived, not published")
    if any(p.k < 2 for p in pooled):
        notes.append("one trial: nothing to pool")
    label = f"{left_text}   {right_text}"
    ax.set_xlabel(label + ("\n" + "\n".join(notes) if notes else ""), fontsize=8.5)
    background = (heading, tuple(labels), tuple(values), ax.get_xlabel(), (xmin, xmax), n_rows)
    # The line at 1 and the spines are drawn over the rows (higher zorder): they move with them.
    return Changed([*drawn, null_line, *ax.spines.values()], background=background)


def forest_alt_text(effects: Sequence[TrialEffect], pooled: Sequence[Pooled] = (), *,
                    endpoint: str | None = None) -> str:
    """One sentence per row of ``forest_figure``: what a screen-reader user needs to read the plot."""
    effects = list(effects)
    endpoint = endpoint or (effects[0].endpoint if effects else "")
    measure = measure_for(endpoint)
    name = ENDPOINT_NAMES[endpoint]
    if not effects:
        return f"Forest plot of {name}: no randomised trial gives a usable {measure}."
    parts = [f"Forest plot of {name}, {measure} of IL-6 blockade versus control on a log scale."]
    for e in effects:
        note = " (derived)" if e.derived else ""
        parts.append(f"{e.label}: {interval_text(e.ratio, e.ci_low, e.ci_high)}{note}.")
    for p in pooled:
        if p.k >= 2:
            parts.append(f"Pooled {p.method_name}, {p.k} trials: {interval_text(p.ratio, p.ci_low, p.ci_high)}; "
                         f"Hartung-Knapp 95% CI {p.hksj_ci_low:.2f} to {p.hksj_ci_high:.2f}.")
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# Timeline
# --------------------------------------------------------------------------------------------

#: Marker per timeline category, so categories differ in shape as well as colour.
#: One marker and colour per TimelineCategory (the schema admits no other category).
CATEGORY_STYLE = {
    "biology": ("o", style.OKABE_ITO["blue"]),
    "clinical trial": ("s", style.OKABE_ITO["vermillion"]),
    "regulatory": ("D", style.OKABE_ITO["green"]),
    "review": ("^", style.OKABE_ITO["purple"]),
}



def timeline_figure(events: Sequence[TimelineEvent], *, wrap: int = 40) -> Figure:
    """Vertical timeline (earliest at the top) of timeline records: year, marker by category, event text.

    Vertical so that it stays readable at phone width; rows are evenly spaced (not to scale in time)
    so that events of the same year do not overlap.
    """
    events = sorted(events, key=lambda e: e.year)
    if not events:
        raise ValueError("timeline_figure needs at least one timeline record")
    wrapped = [textwrap.wrap(str(e.event), wrap) for e in events]
    line_height = 0.165  # inches per text line at 9 pt
    rows_y, y = [], 0.0
    for lines in wrapped:
        rows_y.append(y)
        y += len(lines) + 0.9
    total_lines = y
    fig, ax = style.new_figure(FIGURE_WIDTH, 0.9 + line_height * total_lines)
    with style.context():
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(total_lines - 0.4, -2.4)  # room at the top for the legend
        ax.plot([0.17, 0.17], [rows_y[0], rows_y[-1]], color=style.NEUTRAL["rule"], linewidth=1.2, zorder=1)
        ax.add_line(Line2D([0.17] * len(events), rows_y, linestyle="none", marker="", gid="timeline-points"))
        for e, lines, row in zip(events, wrapped, rows_y):
            marker, colour = CATEGORY_STYLE[e.category]
            ax.plot([0.17], [row], marker=marker, markersize=7, color=colour, zorder=2, linestyle="none")
            ax.text(0.13, row, str(e.year), ha="right", va="center", fontsize=9.5, fontweight="bold")
            ax.text(0.21, row - 0.45, "\n".join(lines), ha="left", va="top", fontsize=9, linespacing=1.25,
                    gid=f"event-{e.id}")
        used = [c for c in CATEGORY_STYLE if any(e.category == c for e in events)]
        handles = [Line2D([], [], marker=CATEGORY_STYLE[c][0], color=CATEGORY_STYLE[c][1], linestyle="none",
                          label=c) for c in used]
        ax.legend(handles=handles, loc="upper left", ncols=len(handles), frameon=False, fontsize=8.5,
                  handletextpad=0.3, columnspacing=1.0, borderaxespad=0.0)
    return fig


def timeline_alt_text(events: Sequence[TimelineEvent]) -> str:
    """Alt text of ``timeline_figure``: the span and every event, in order."""
    events = sorted(events, key=lambda e: e.year)
    first, last = events[0].year, events[-1].year
    items = "; ".join(f"{e.year}: {e.event}" for e in events)
    return f"Vertical timeline of {len(events)} events from {first} to {last}, earliest at the top. {items}."
