"""Speed of the niche model: how long one live update of an interactive figure takes.

A live update (Binder, JupyterLab) re-solves the model for the new control values and redraws the frame
(only the curves, shading, spines and title, over a cached image of the rest; see il6mm.figures.interactive).
Targets: a whole live update of an interactive figure (control change -> new PNG in the widget, drawing
included) median <= 60 ms, p95 <= 100 ms. Printed, never asserted (timings depend on the machine).
Every interactive figure of the book, not only these two: bench_live_updates.py.

    .venv/bin/python benchmarks/bench_niche.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from il6mm.analysis import niche
from il6mm.figures import niche as figures_niche
from il6mm.figures.interactive import render_png

REPEATS = 60


def _times(call, repeats: int = REPEATS) -> list[float]:
    call()  # warm-up (imports, caches of numpy/scipy)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def _report(label: str, seconds: list[float]) -> None:
    ms = np.array(seconds) * 1000
    print(f"{label:<58} median {statistics.median(ms):7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms   (n={len(ms)})")


def main() -> None:
    p = niche.load_parameters()
    regimens = list(niche.EXPLORER_REGIMENS)
    cases = [(r, s) for r in regimens for s in niche.EXPLORER_STARTS]

    def one_solve(k=[0]):
        regimen, start = cases[k[0] % len(cases)]
        k[0] += 1
        niche.simulate(p, niche.regimen_interventions(regimen, start), t_end=1080.0, n_points=121)

    _report("one live update: model solve (1080 days, 121 outputs)", _times(one_solve))

    def established_solve(k=[0]):
        theta = niche.EXPLORER_THETAS[k[0] % len(niche.EXPLORER_THETAS)]
        k[0] += 1
        q = p.replace(theta=theta)
        y0 = niche.stable_disease_state(q).as_array()
        niche.simulate(q, [niche.Intervention("il6r_blockade", 0.9, 30.0)], t_end=390.0, n_points=121, y0=y0)

    _report("APRIL-dependence update: plateau + solve (uncached)", _times(established_solve, 30))

    def frame(k=[0]):
        regimen, start = cases[k[0] % len(cases)]
        k[0] += 1
        figures_niche._solve.cache_clear()
        render_png(figures_niche.regimen_frame, regimen=regimen, start=start)

    _report("whole frame: two solves + drawing + PNG (uncached)", _times(frame, 20))

    # A whole live update, as a reader in Binder triggers it: move a control of the explorer widget; the
    # widget solves, updates the artists of its one figure (layout kept) and puts the new PNG in place.
    for label, build in (("regimen explorer", figures_niche.regimen_explorer),
                         ("APRIL-dependence explorer", figures_niche.april_dependence_explorer)):
        widget = build()

        def live_update(k=[0], uncached=False):
            """One control moves to its next value: exactly one live update."""
            control = widget.control_widgets[k[0] % 2]
            k[0] += 1
            if uncached:
                figures_niche._solve.cache_clear()
                figures_niche._established.cache_clear()
            control.index = (control.index + 1) % len(control.options)

        _report(f"{label}: whole live update (model solve cached)", _times(live_update, 40))
        _report(f"{label}: whole live update (every solve uncached)",
                _times(lambda: live_update(uncached=True), 40))
        full = widget.update
        widget.update = None  # the same update with a new figure per frame, as before artists were reused
        _report(f"{label}: live update drawing a new figure (uncached)", _times(lambda: live_update(uncached=True), 10))
        widget.update = full

    records = niche.load_parameter_records()
    start = time.perf_counter()
    result = niche.sensitivity_analysis(records, n_samples=256)
    print(f"sensitivity analysis, 256 Latin-hypercube models + one-at-a-time: {time.perf_counter() - start:.2f} s "
          f"({result.n_excluded} models without established disease)")


if __name__ == "__main__":
    main()
