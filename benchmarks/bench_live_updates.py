"""A whole live update of every interactive figure of the book, as a reader in Binder or JupyterLab makes it.

One control moves to its next value (the controls take turns): the figure redraws in the kernel and the
new PNG is put in the widget. Figures with an ``update`` redraw only what changed over a cached image of
the rest (one image per background, e.g. per set of row labels); the others draw a new figure.
Target: median <= 60 ms, p95 <= 100 ms per figure.

Two columns more, so that the cache is not what makes the figures: "first visits" is the median and the
largest of the updates to a frame the live view has not shown before (no cached image for it yet), taken on
a new figure walking every frame once; the first live update of all, which also builds the live figure, is
"first update".
Printed, never asserted (timings depend on the machine). The niche model's own timings: bench_niche.py.

    .venv/bin/python benchmarks/bench_live_updates.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

from il6mm.evidence import load_evidence
from il6mm.figures import niche as figures_niche
from il6mm.figures import sources, therapy
from il6mm.figures.meta_explorer import meta_explorer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from live_helpers import snake_order  # noqa: E402

REPEATS = 40


def figures() -> dict:
    evidence = load_evidence()
    return {
        "ch1 meta-analysis explorer": lambda: meta_explorer(evidence.studies),
        "ch2 receptor occupancy explorer": sources.occupancy_explorer,
        "ch3 regimen explorer": figures_niche.regimen_explorer,
        "ch3 APRIL-dependence explorer": figures_niche.april_dependence_explorer,
        "ch4 CRS explorer": lambda: therapy.crs_explorer(evidence.crs),
    }


def _timed(control, index) -> float:
    start = time.perf_counter()
    control.index = index
    return time.perf_counter() - start


def first_visits(widget) -> list[float]:
    """Every frame once, one control moving per step (snake order), on a figure with no live view yet."""
    times = []
    for indexes in snake_order(widget):
        for control, index in zip(widget.control_widgets, indexes):
            if control.index != index:
                times.append(_timed(control, index))
    return times


def live_updates(widget, repeats: int = REPEATS) -> list[float]:
    controls = widget.control_widgets
    times = []
    for k in range(repeats + 1):
        control = controls[k % len(controls)]
        start = time.perf_counter()
        control.index = (control.index + 1) % len(control.options)
        times.append(time.perf_counter() - start)
    return times[1:]  # the first builds the live figure


def main() -> None:
    print(f"{'interactive figure':34} {'update':>7} {'median ms':>10} {'p95 ms':>8}   {'first visits ms':>19} "
          f"{'first update':>13}   (n={REPEATS}; target 60 / 100)")
    for label, build in figures().items():
        widget = build()
        ms = np.array(live_updates(widget)) * 1000
        first = np.array(first_visits(build())) * 1000
        kind = "blit" if widget.update is not None else "redraw"
        visits = f"{statistics.median(first[1:]):.1f} (max {first[1:].max():.1f})"
        print(f"{label:34} {kind:>7} {statistics.median(ms):10.1f} {np.percentile(ms, 95):8.1f}   {visits:>19} "
              f"{first[0]:13.1f}")


if __name__ == "__main__":
    main()
