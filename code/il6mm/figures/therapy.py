"""Figures for chapter 4 (therapy from 2016 to today): cytokine release syndrome (CRS) by therapy class.

Parameters in, ``matplotlib.figure.Figure`` out; no I/O. The rows are the cohorts and pooled estimates of
``il6mm.analysis.crs_pooling``; the records it leaves out are listed with their reasons by the chapter.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from ..analysis.crs_pooling import GRADES, CRSPooling, crs_pooling
from .interactive import Changed
from ..evidence import markdown
from .style import NEUTRAL, OKABE_ITO, context, new_figure

CLASS_COLOURS = {"BCMA CAR-T": OKABE_ITO["blue"], "BCMA bispecific": OKABE_ITO["orange"],
                 "GPRC5D bispecific": OKABE_ITO["green"], "BCMA or GPRC5D bispecifics": OKABE_ITO["purple"]}
GROUP_TITLES = {"without": "Bispecifics, no prophylactic tocilizumab",
                "with": "Bispecifics, prophylactic tocilizumab"}
SETTING_TITLES = {"trials": "trials", "real-world": "real-world cohorts"}
DERIVED_MARK = "\u2020"
VIEWS = ("class", "product", "prophylaxis")

#: gid of every artist that draws a row (intervals, squares, diamonds; on the phone, the row texts too).
ROW_GID = "crs-row"


def _cohort_row(c, suffix: str = "") -> tuple[str, str, object, str, str]:
    return ("cohort", c.label + suffix + (f" {DERIVED_MARK}" if c.derived else ""), c,
            f"{c.percent:.0f}% ({100 * c.ci_low:.0f}\u2013{100 * c.ci_high:.0f}), {c.events}/{c.n}",
            CLASS_COLOURS[c.therapy_class])


def _pooled_row(label: str, pooled, colour: str) -> tuple[str, str, object, str, str]:
    return ("pooled", f"{label} (k={pooled.k}, {pooled.patients} patients)", pooled,
            f"{pooled.percent:.0f}% ({pooled.percent_low:.0f}\u2013{pooled.percent_high:.0f})", colour)


def _forest_rows(pooling: CRSPooling, view: str) -> list[tuple[str, str, object, str, str]]:
    """(kind, label, item, numbers, colour) per row. ``view`` "class": each class, its trial and real-world
    cohorts apart with a pooled estimate each (k >= 2), then the class over both; "product": each product's
    cohorts and its pooled estimate; "prophylaxis": the bispecific cohorts without and with prophylactic
    tocilizumab side by side, not pooled (they are not comparable)."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    rows = []
    if view == "class":
        for name, pooled in pooling.by_class.items():
            colour = CLASS_COLOURS[name]
            rows.append(("header", name, name, "", colour))
            settings = [s for s in SETTING_TITLES if f"{name} / {s}" in pooling.by_class_setting]
            for setting in settings:
                part = pooling.by_class_setting[f"{name} / {setting}"]
                rows.append(("subheader", SETTING_TITLES[setting].capitalize(), setting, "", colour))
                rows += [_cohort_row(c) for c in part.cohorts]
                if part.k >= 2:
                    rows.append(_pooled_row(f"Pooled {SETTING_TITLES[setting]}", part, colour))
            if len(settings) > 1 and pooled.k >= 2:
                rows.append(_pooled_row("Pooled, all cohorts", pooled, colour))
    elif view == "product":
        for product, pooled in pooling.by_product.items():
            colour = CLASS_COLOURS[pooled.cohorts[0].therapy_class]
            rows.append(("header", f"{product} ({pooled.cohorts[0].therapy_class})", product, "", colour))
            rows += [_cohort_row(c) for c in pooled.cohorts]
            if pooled.k >= 2:
                rows.append(_pooled_row("Pooled", pooled, colour))
    else:
        for key in ("without", "with"):
            cohorts = pooling.prophylaxis.get(key, ())
            if cohorts:
                rows.append(("header", GROUP_TITLES[key], key, "", CLASS_COLOURS["BCMA or GPRC5D bispecifics"]
                             if key == "with" else CLASS_COLOURS["BCMA bispecific"]))
                rows += [_cohort_row(c) for c in cohorts]
    if not rows:
        raise ValueError(f"crs_forest_figure: no cohort to draw for {GRADES[pooling.grade]} ({view})")
    return rows


def crs_forest_figure(pooling: CRSPooling, view: str = "class", *, min_rows: int = 0,
                      compact: bool = False) -> Figure:
    """Forest plot of CRS proportions: each cohort (square, 95% CI) under its group, and random-effects pooled
    proportions (diamonds) where a group has two or more cohorts. ``view``: "class" (therapy classes, trial and
    real-world cohorts apart, without prophylaxis), "product" (each product) or "prophylaxis" (bispecific
    cohorts with and without it, side by side, no diamonds).
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
    for y, (kind, label, item, value, colour) in enumerate(rows):
        if kind == "cohort":
            drawn += ax.plot([100 * item.ci_low, 100 * item.ci_high], [y, y], color=colour, linewidth=1.6, gid=ROW_GID)
            drawn += ax.plot([100 * item.proportion], [y], marker="s", markersize=6, color=colour, linestyle="none",
                             markerfacecolor=NEUTRAL["white"] if item.derived else colour, markeredgewidth=1.4, gid=ROW_GID)
        elif kind == "pooled":
            h = 0.2 if compact else 0.3
            drawn.append(ax.add_patch(Polygon(
                [(item.percent_low, y), (item.percent, y - h), (item.percent_high, y), (item.percent, y + h)],
                closed=True, facecolor=colour, edgecolor=OKABE_ITO["black"],
                linewidth=0.8, gid=ROW_GID)))
    ylim = (max(len(rows), min_rows) - 0.5, -0.9 if compact else -0.5)
    ax.set_ylim(*ylim)
    labels, values = [row[1] for row in rows], [row[3] for row in rows]
    bold = [kind == "header" for kind, *_ in rows]
    italic = [kind == "subheader" for kind, *_ in rows]
    if compact:
        # Phone layout: each row's label and numbers above its interval, so the axis keeps the full width.
        for y, (label, value, header, sub) in enumerate(zip(labels, values, bold, italic)):
            text = ax.text(0, y - 0.22, label if header or sub else f"{label}\n{value}", fontsize=9, va="bottom",
                           ha="left", linespacing=1.1, fontweight="bold" if header else "normal",
                           fontstyle="italic" if sub else "normal", clip_on=False, gid=ROW_GID)
            text.set_in_layout(False)
            drawn.append(text)
    else:
        ax.set_yticks(range(len(rows)), labels)
        for tick, header, sub in zip(ax.get_yticklabels(), bold, italic):
            tick.set_fontweight("bold" if header else "normal")  # a live figure's ticks held other rows before
            tick.set_fontstyle("italic" if sub else "normal")
        right, = ax.child_axes
        right.set_ylim(ax.get_ylim())
        right.set_yticks(range(len(rows)), values)
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100])
    notes = [f"Patients with {GRADES[pooling.grade]} (%, 95% CI)"]
    if view != "prophylaxis":
        notes.append("diamonds: random-effects pooled" + ("\n" if compact else " ") + "(DerSimonian-Laird, logit scale)")
    else:
        notes.append("not pooled: the cohorts differ in much" + ("\n" if compact else " ") + "besides prophylaxis")
    if any(kind == "cohort" and item.derived for kind, _, item, *_ in rows):
        notes.append(f"{DERIVED_MARK} hollow: events reconstructed" + ("\n" if compact else " ")
                     + "from the published % and n")
    ax.set_xlabel("\n".join(notes), fontsize=8.5)
    background = (tuple(labels), tuple(values), tuple(bold), tuple(italic), ax.get_xlabel(), ylim)
    return Changed([*drawn, *ax.spines.values()], background=background)


def crs_forest_alt_text(pooling: CRSPooling, view: str = "class") -> str:
    """What the plot shows, row by row, for readers who cannot see it."""
    parts = [f"Forest plot of the share of patients with {GRADES[pooling.grade]}."]
    for kind, label, item, value, _ in _forest_rows(pooling, view):
        if kind == "header":
            parts.append(f"{label}:")
        elif kind == "subheader":
            parts.append(f"{label}:")
        elif kind == "cohort":
            parts.append(f"{item.label} {item.percent:.0f}%;")
        else:
            parts.append(f"{label.split(' (k=')[0].lower()} {item.percent:.0f}% (95% CI {item.percent_low:.0f} "
                         f"to {item.percent_high:.0f}) over {item.k} cohorts;")
    return " ".join(parts).replace(";:", ":").rstrip(";") + "."


def pooled_estimates_markdown(pooling: CRSPooling) -> str:
    """Every pooled estimate of the class and product views: what it contains (products, cohorts, patients),
    the pooled proportion, its heterogeneity and its 95% prediction interval for a new cohort."""
    rows = []
    groups = [(name, p) for name, p in pooling.by_class.items()]
    groups += [(key.replace(" / ", ", "), p) for key, p in pooling.by_class_setting.items()]
    groups += [(f"{product} (product)", p) for product, p in pooling.by_product.items()]
    for name, p in groups:
        if p.k < 2:
            continue
        prediction = ("not estimable below 3 cohorts" if p.k < 3 else
                      f"{p.prediction_percent_low:.0f}\u2013{p.prediction_percent_high:.0f}%")
        rows.append((name, pooling.products_of(p), str(p.k), str(p.patients),
                     f"{p.percent:.0f}% ({p.percent_low:.0f}\u2013{p.percent_high:.0f})", f"{p.tau2:.2f}",
                     f"{100 * p.i2:.0f}%", prediction))
    return markdown.table(("Estimate", "Products it contains", "Cohorts", "Patients", "Pooled (95% CI)",
                           "tau\u00b2 (logit)", "I\u00b2", "95% prediction interval"), rows)


# ---------------------------------------------------------------------------------------------------------
# The chapter's explorer: therapy class or prophylaxis, any grade or grade 3 or higher
# ---------------------------------------------------------------------------------------------------------

CRS_VIEWS = (("Therapy classes", "class"), ("Products", "product"),
             ("With or without prophylactic tocilizumab", "prophylaxis"))
CRS_GRADES = (("Any grade", "any"), ("Grade 3 or higher", "grade3"))


def _row_count(pooling: CRSPooling, view: str) -> int:
    try:
        return len(_forest_rows(pooling, view))
    except ValueError:  # nothing to draw in this view at this grade
        return 0


def crs_explorer(records):
    """The chapter's interactive forest plot: the comparison (classes, or prophylaxis) and the CRS grade.
    Every frame is computed from the CRS records by ``crs_pooling``; all frames share one height."""
    from .interactive import Control, interactive_figure

    records = list(records)
    poolings = {grade: crs_pooling(records, grade) for grade in GRADES}
    rows = max(_row_count(poolings[g], v) for g in GRADES for _, v in CRS_VIEWS)

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
        hint="Choose what to compare, therapy classes, products, or cohorts with and without prophylactic "
             "tocilizumab, and whether to count CRS of any grade or only grade 3 or higher.")


NOT_STATED = "not stated on the checked page"


def prophylaxis_table_markdown(pooling: CRSPooling, records) -> str:
    """The bispecific cohorts of the prophylaxis view, side by side: for each, what its record says of what
    differs between them (products, tocilizumab and its timing, dose, prior T-cell redirection, design) and its
    CRS. A dose or a share with prior T-cell redirection is a quantity of the record (keys ``tocilizumab-dose``,
    ``prior-tcr``) when a checked page gives it; otherwise the cell says it was not stated."""
    by_id = {r.id: r for r in records}
    rows = []
    for key in ("with", "without"):
        for cohort in pooling.prophylaxis.get(key, ()):
            r = by_id[cohort.record]
            quantities = {q.key: q for q in r.quantities if q.key}
            dose = quantities.get("tocilizumab-dose")
            prior = quantities.get("prior-tcr")
            rows.append((
                cohort.label, r.product,
                (r.tocilizumab_use or NOT_STATED) if r.prophylactic_tocilizumab else "not reported as given",
                f"{dose.value:g} {dose.unit}" if dose else (NOT_STATED if r.prophylactic_tocilizumab else "\u2014"),
                f"{prior.value:g}%" if prior else NOT_STATED,
                r.trial or NOT_STATED, str(cohort.n), f"{cohort.percent:.0f}% ({cohort.events}/{cohort.n})",
            ))
    return markdown.table(("Cohort", "Products", "Tocilizumab before treatment", "Dose", "Prior T-cell redirection",
                           "Design and period", "Patients", "CRS, any grade"), rows)
