"""Steady states of the niche model: closed form where the equations allow it, otherwise 1-D root finding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.optimize import brentq

from .model import (
    STATE_NAMES,
    Controls,
    april_signal,
    contact_stimulation,
    healthy_il6_signal,
    il6_signal,
    myeloma_survival,
)
from .parameters import NicheParameters

# --------------------------------------------------------------------------------------------
# Steady states: closed form where the equations allow it, otherwise 1-D root finding.
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SteadyState:
    H: float
    M: float
    I: float
    A: float
    T: float
    stable: bool

    def as_array(self) -> np.ndarray:
        return np.array([self.H, self.M, self.I, self.A, self.T])


def _scalar(p: NicheParameters) -> None:
    if p.batch_size is not None:
        raise ValueError("steady states are computed for one model at a time (scalar parameters)")


def closed_form_steady_state(p: NicheParameters, controls: Controls) -> SteadyState:
    """The steady state in closed form, when IL-6 signalling is fully blocked (b = 1) and APRIL gives
    no survival (theta = 0 or full APRIL blockade). Then R_I = 0 and R_A plays no role, so

    T* = max(0, 1 - (mu_T (1 - s_0) + k) / r_T),  H* = 1 - kappa T*,
    M* = H* / (1 + eps_M R_I0),  I* = M* (1 + rho T*/(K_T + T*)),  A* = M* / (1 + alpha R_I0).
    """
    _scalar(p)
    if controls.receptor_blockade != 1.0 or not (p.theta == 0.0 or controls.april_blockade == 1.0):
        raise ValueError("closed form needs full IL-6 receptor blockade and no APRIL survival signal "
                         "(theta = 0 or full APRIL blockade)")
    R_I0 = healthy_il6_signal(p)
    T = max(0.0, 1.0 - (p.mu_T * (1.0 - p.s_0) + controls.kill_rate) / p.r_T)
    H = 1.0 - p.kappa * T
    M = H / (1.0 + p.eps_M * R_I0)
    I = M * (1.0 + p.rho * contact_stimulation(T, p))
    A = M / (1.0 + p.alpha * R_I0)
    return SteadyState(H, M, I, A, T, stable=True)


def _myeloid_given_tumour(T: float, p: NicheParameters, controls: Controls) -> float:
    """Myeloid pool at steady state for a fixed myeloma burden: the root of M = (1 - kappa T) g(R_I(M))."""
    space = 1.0 - p.kappa * T
    if space <= 0:
        return 0.0
    R_I0 = healthy_il6_signal(p)
    stimulation = 1.0 + p.rho * contact_stimulation(T, p)

    def gap(M):
        return space * (1.0 + p.eps_M * il6_signal(M * stimulation, p, controls)) / (1.0 + p.eps_M * R_I0) - M

    upper = space * (1.0 + p.eps_M) / (1.0 + p.eps_M * R_I0)
    grid = np.linspace(upper * 1e-6, upper * (1 + 1e-9), 61)
    values = gap(grid)  # vectorised: the grid scan is most of a steady-state search
    brackets = np.flatnonzero((values[:-1] * values[1:] < 0) | (values[1:] == 0))
    roots = [brentq(gap, grid[i], grid[i + 1], xtol=1e-13) for i in brackets]
    if len(roots) != 1:
        raise ValueError(f"myeloid pool has {len(roots)} steady states at T={T:.4g}; "
                         "the 1-D reduction needs exactly one")
    return roots[0]


def _state_given_tumour(T: float, p: NicheParameters, controls: Controls) -> tuple:
    M = _myeloid_given_tumour(T, p, controls)
    I = M * (1.0 + p.rho * contact_stimulation(T, p))
    R_I = il6_signal(I, p, controls)
    A = M * (1.0 + p.alpha * R_I) / (1.0 + p.alpha * healthy_il6_signal(p))
    return 1.0 - p.kappa * T, M, I, A


def _tumour_growth_rate(T: float, p: NicheParameters, controls: Controls) -> float:
    """Per-capita myeloma growth rate with the fast and niche variables at their steady state."""
    _, M, I, A = _state_given_tumour(T, p, controls)
    S = myeloma_survival(il6_signal(I, p, controls), april_signal(A, p, controls), p)
    return p.r_T * (1.0 - T) - p.mu_T * (1.0 - S) - controls.kill_rate


def steady_states(p: NicheParameters, controls: Controls = Controls(), grid_points: int = 400) -> list[SteadyState]:
    """Every steady state (tumour-free first), found by reducing the model to one equation in T.

    At a steady state with T > 0 the per-capita growth rate G(T) is zero; each root of G is found by
    bracketing on a grid and Brent's method. A root is stable when G falls through it (G' < 0); the
    tumour-free state is stable when G(0) < 0. (Stability here is along the T direction, with the
    other variables, which have their own stable equations, at their steady state.)
    """
    _scalar(p)
    states = []
    H, M, I, A = _state_given_tumour(0.0, p, controls)
    growth_at_zero = _tumour_growth_rate(0.0, p, controls)
    states.append(SteadyState(H, M, I, A, 0.0, stable=bool(growth_at_zero < 0)))
    grid = np.linspace(1e-9, 1.0, grid_points)
    values = np.array([_tumour_growth_rate(T, p, controls) for T in grid])
    for a, b, fa, fb in zip(grid[:-1], grid[1:], values[:-1], values[1:]):
        if fa * fb < 0:
            T = brentq(_tumour_growth_rate, a, b, args=(p, controls), xtol=1e-13)
            H, M, I, A = _state_given_tumour(T, p, controls)
            states.append(SteadyState(H, M, I, A, T, stable=bool(fb < fa)))
    return states


def stable_disease_state(p: NicheParameters, controls: Controls = Controls()) -> SteadyState:
    """The stable steady state with the largest myeloma burden (the untreated plateau, say)."""
    return max((s for s in steady_states(p, controls) if s.stable), key=lambda s: s.T)


def severity_series(p: NicheParameters, growth_rates: Sequence[float]) -> dict:
    """Untreated stable steady states across myeloma aggressiveness r_T (a proxy for severity)."""
    rows = [stable_disease_state(p.replace(r_T=float(r))) for r in growth_rates]
    return {"r_T": np.asarray(growth_rates, dtype=float),
            **{name: np.array([getattr(s, name) for s in rows]) for name in STATE_NAMES}}


