"""The interactive meta-analysis of chapter 1: pick the endpoint and the trials, see the pooled estimate.

Built on ``il6mm.figures.interactive``: every frame is precomputed, so the figure works on the static site, and
recomputed in a live kernel. ``explorer_draw(studies)`` returns the pure drawing function the widget
calls, so tests can compare each embedded frame with a fresh computation; ``explorer_update(studies)`` redraws
the rows of the one live figure in place.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from matplotlib.figure import Figure

from .history import fill_forest, forest_alt_text, forest_figure
from .interactive import Control, InteractiveFigure, interactive_figure
from ..analysis.meta_analysis import ENDPOINT_NAMES, TRIAL_SETS, meta_analysis

#: Endpoints offered, in menu order.
EXPLORER_ENDPOINTS = ("PFS", "OS", "ORR", "CR", "VGPR_or_better")


def _empty_reason(analysis) -> str:
    randomised = [x for x in analysis.excluded if x.randomised]
    return "\n".join(f"{x.label}: {x.reason}" for x in randomised)


def explorer_draw(studies: Sequence[Any]) -> Callable[..., Figure]:
    """``draw(endpoint, trials)`` -> forest plot of that pooling (one fixed height for every frame)."""
    studies = list(studies)
    n_randomised = sum(1 for s in studies if getattr(s, "randomised", False))

    def draw(endpoint: str, trials: str) -> Figure:
        analysis = meta_analysis(studies, endpoint, trials)
        return forest_figure(analysis.effects, analysis.estimates, endpoint=endpoint,
                             empty_reason=_empty_reason(analysis), min_rows=n_randomised + 2)

    return draw


def explorer_update(studies: Sequence[Any]) -> Callable[..., Any]:
    """``update(fig, endpoint, trials)``: the same pooling drawn into a figure ``draw`` made (live kernel)."""
    studies = list(studies)

    def update(fig: Figure, endpoint: str, trials: str):
        analysis = meta_analysis(studies, endpoint, trials)
        return fill_forest(fig, analysis.effects, analysis.estimates, endpoint=endpoint,
                           empty_reason=_empty_reason(analysis))

    return update


def explorer_alt(studies: Sequence[Any]) -> Callable[..., str]:
    """Alt text of each frame: what the plot shows for that choice."""
    studies = list(studies)

    def alt(endpoint: str, trials: str) -> str:
        analysis = meta_analysis(studies, endpoint, trials)
        return f"{forest_alt_text(analysis.effects, analysis.estimates, endpoint=endpoint)} Trials: {TRIAL_SETS[trials]}."

    return alt


def explorer_inert_reason(studies: Sequence[Any]) -> Callable[..., str]:
    """Why a control changes nothing for this choice: for the trial selection, how many randomised trials give
    a ratio for the endpoint (with none or one, no selection changes what is pooled)."""
    studies = list(studies)

    def reason(control: str, endpoint: str, trials: str) -> str:
        if control == "trials":
            k = len(meta_analysis(studies, endpoint, "all").effects)
            name = ENDPOINT_NAMES[endpoint]
            if k == 0:
                return f"no randomised trial gives a ratio for {name}"
            if k == 1:
                return f"only one trial gives a ratio for {name}"
            return f"every selection keeps the same {k} trials for {name}"
        return "no other endpoint changes the figure here"

    return reason


def explorer_controls() -> list[Control]:
    return [
        Control("endpoint", "Endpoint", options=[(ENDPOINT_NAMES[e].capitalize(), e) for e in EXPLORER_ENDPOINTS],
                default="PFS"),
        Control("trials", "Trials", options=[(label.capitalize(), key) for key, label in TRIAL_SETS.items()],
                default="all"),
    ]


def meta_explorer(studies: Sequence[Any]) -> InteractiveFigure:
    """The interactive forest plot: endpoint x trial selection, pooled with DerSimonian-Laird and Paule-Mandel."""
    return interactive_figure(
        explorer_draw(studies), explorer_controls(), alt=explorer_alt(studies), update=explorer_update(studies),
        inert_reason=explorer_inert_reason(studies),
        hint=("Choose an endpoint, then leave out the smouldering-myeloma trial or the trials whose standard "
              "error had to be derived, and watch the pooled diamonds move."),
        name="meta_explorer")
