"""The PRISMA 2020 / PRISMA-LSR flow diagram of the living review, one column per version.

Counts in, ``matplotlib.figure.Figure`` out; no I/O. The counts come from ``il6mm.living.flow`` (computed
from the search and screening logs and checked to add up); an unknown count is drawn as "unknown".
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from ..living.flow import UNRELEASED, VersionFlow, show
from ..living.logs import REASONS
from .style import NEUTRAL, OKABE_ITO, context, new_figure

#: Short labels for the exclusion reasons in the diagram.
REASON_LABELS = {
    "not_myeloma": "not plasma-cell disorder",
    "not_in_scope": "out of scope",
    "not_primary_data": "not primary data",
    "duplicate": "duplicate",
    "abstract_without_data": "abstract, no data",
    "other": "other",
}
assert set(REASON_LABELS) == set(REASONS)

_MAIN = dict(boxstyle="round,pad=0.5", facecolor=NEUTRAL["white"], edgecolor=OKABE_ITO["blue"], linewidth=1.2)
_SIDE = dict(boxstyle="round,pad=0.5", facecolor=NEUTRAL["panel"], edgecolor=NEUTRAL["edge"], linewidth=1.0)
_ARROW = dict(arrowstyle="-|>", color=NEUTRAL["arrow"], linewidth=1.0, shrinkA=0, shrinkB=4)


def _excluded_text(flow: VersionFlow) -> str:
    text = f"Excluded\n{show(flow.excluded)}"
    if flow.excluded_by_reason:
        text += "\n" + "\n".join(f"{REASON_LABELS[k]}: {n}" for k, n in flow.excluded_by_reason.items())
    elif flow.excluded is None:
        text += "\n(not logged)"
    return text


def flow_figure(flows: Sequence[VersionFlow], *, width_per_column: float = 3.4, height: float = 5.6) -> Figure:
    """One column per version (and the cumulative total when given): records identified, duplicates
    removed, screened, excluded (by reason), awaiting screening and included."""
    if not flows:
        raise ValueError("flow_figure needs at least one version's flow")
    fig, ax = new_figure(max(6.4, width_per_column * len(flows)), height)
    with context():
        ax.set_xlim(0, 10 * len(flows))
        ax.set_ylim(0, 11.4)
        ax.set_axis_off()
        for i, flow in enumerate(flows):
            x0 = 10 * i
            main, side = x0 + 2.3, x0 + 4.7
            if flow.version == "cumulative":
                title = "Cumulative"
            elif flow.version == UNRELEASED:
                title = flow.label[0].upper() + flow.label[1:]
            else:
                title = f"Version {flow.label}"
            ax.text(x0 + 4.8, 11.0, title, ha="center", va="center", fontsize=11, fontweight="bold")
            boxes = {
                "identified": (main, 9.6, f"Identified\n{show(flow.identified)}", _MAIN),
                "duplicates": (side, 8.0, f"Duplicates removed\n{show(flow.duplicates_removed)}", _SIDE),
                "screened": (main, 6.4, f"Screened\n{show(flow.screened)}", _MAIN),
                "excluded": (side, 4.6, _excluded_text(flow), _SIDE),
                "pending": (side, 2.5, f"Awaiting screening\n{flow.pending}", _SIDE),
                "included": (main, 1.0, f"Included\n{flow.included}", _MAIN),
            }
            for x, y, text, style in boxes.values():
                ax.text(x, y, text, ha="center" if style is _MAIN else "left", va="center", fontsize=9,
                        bbox=style, linespacing=1.3)
            # The main line, top to bottom, with the side branches leaving it.
            ax.annotate("", xy=(main, 6.9), xytext=(main, 9.1), arrowprops=_ARROW)
            ax.annotate("", xy=(main, 1.5), xytext=(main, 5.9), arrowprops=_ARROW)
            for y in (8.0, 4.6, 2.5):
                ax.annotate("", xy=(side - 0.3, y), xytext=(main, y), arrowprops=_ARROW)
    return fig
