"""Figures for chapter 4 (therapy from 2016 to today): cytokine release syndrome (CRS) by product.

Parameters in, ``matplotlib.figure.Figure`` out; no I/O. Rows come from CRS evidence records
(``il6mm.evidence.CRSRecord``): only patient records that publish an any-grade CRS incidence are drawn,
and ``crs_rows`` says which records were left out and why, so nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .style import OKABE_ITO, context, new_figure

CLASS_COLOURS = {"CAR-T": OKABE_ITO["blue"], "bispecific antibody": OKABE_ITO["orange"]}


@dataclass(frozen=True)
class CrsRow:
    record_id: str
    label: str
    product_class: str
    n: int | None
    any_grade: float
    grade3plus: float | None


def crs_rows(records: Iterable) -> tuple[list[CrsRow], list[tuple[str, str]]]:
    """Rows to plot (one per trial, duplicates of the same trial and numbers merged) and (id, reason) left out."""
    rows: list[CrsRow] = []
    left_out: list[tuple[str, str]] = []
    seen: dict[tuple, str] = {}
    for r in records:
        if r.system != "patients":
            left_out.append((r.id, "animal model: no patient incidence"))
        elif r.crs_any_grade_percent is None:
            left_out.append((r.id, "no any-grade CRS incidence published"))
        elif r.product_class not in CLASS_COLOURS:
            left_out.append((r.id, f"not a BCMA-directed T-cell-redirecting product ({r.product_class})"))
        elif (key := (r.product, r.n, r.crs_any_grade_percent)) in seen:
            left_out.append((r.id, f"same trial and numbers as {seen[key]}"))
        else:
            seen[key] = r.id
            trial = (r.trial or "").split(" (")[0]
            rows.append(CrsRow(r.id, f"{_short(r.product)}\n{trial}", r.product_class, r.n,
                               r.crs_any_grade_percent, r.crs_grade3plus_percent))
    rows.sort(key=lambda row: row.any_grade)
    return rows, left_out


def _short(product: str) -> str:
    # "ciltacabtagene autoleucel (cilta-cel)" -> "cilta-cel"
    return product.split("(")[-1].rstrip(")") if "(" in product else product


def crs_incidence_figure(rows: Sequence[CrsRow]) -> Figure:
    """Horizontal bars of any-grade CRS per trial, coloured by product class; grade >=3 marked when published."""
    if not rows:
        raise ValueError("crs_incidence_figure: no rows to plot")
    with context():
        fig, ax = new_figure(6.4, 0.55 * len(rows) + 1.4)
        y = range(len(rows))
        ax.barh(list(y), [r.any_grade for r in rows], color=[CLASS_COLOURS[r.product_class] for r in rows],
                height=0.6)
        for i, r in enumerate(rows):
            n_text = f" (n={r.n})" if r.n else ""
            ax.text(r.any_grade + 1, i, f"{r.any_grade:g}%{n_text}", va="center", fontsize=9)
            if r.grade3plus is not None:
                ax.plot([r.grade3plus], [i], marker="D", color=OKABE_ITO["black"], markersize=5, linestyle="none")
        ax.set_yticks(list(y), [r.label for r in rows])
        ax.set_xlim(0, 115)
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.set_xlabel("Patients with CRS, any grade (%)")
        handles = [Patch(color=c, label=k) for k, c in CLASS_COLOURS.items()]
        if any(r.grade3plus is not None for r in rows):
            handles.append(Line2D([], [], marker="D", color=OKABE_ITO["black"], linestyle="none",
                                  label="grade 3 or higher"))
        fig.legend(handles=handles, loc="outside upper center", ncols=len(handles), frameon=False, fontsize=8)
    return fig


def crs_alt_text(rows: Sequence[CrsRow]) -> str:
    parts = [f"{r.label.replace(chr(10), ', ')}: {r.any_grade:g}% any grade"
             + (f", {r.grade3plus:g}% grade 3 or higher" if r.grade3plus is not None else "") for r in rows]
    return "Bar chart of cytokine release syndrome incidence by BCMA-directed product. " + "; ".join(parts) + "."
