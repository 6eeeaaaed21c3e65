"""The niche model itself: interventions, the signals, the right-hand side and the solver."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
from scipy.integrate import solve_ivp

from .parameters import NicheParameters

STATE_NAMES = ("H", "M", "I", "A", "T")
STATE_LABELS = {
    "H": "other precursors",
    "M": "myeloid precursors",
    "I": "IL-6",
    "A": "APRIL",
    "T": "myeloma burden",
}
HEALTHY_STATE = (1.0, 1.0, 1.0, 1.0, 0.0)

# --------------------------------------------------------------------------------------------
# Interventions: each has a target, a strength and a start time.
# --------------------------------------------------------------------------------------------

#: What each intervention acts on, and what its strength means.
TARGETS = {
    "il6_neutralisation": "binds IL-6 ligand (siltuximab-like); strength = fraction of IL-6 bound while the "
                          "antibody is in excess, lost as IL-6 production saturates it",
    "il6r_blockade": "blocks the IL-6 receptor (tocilizumab-like); strength = fraction of IL-6 signalling "
                     "removed, whatever the IL-6 level",
    "april_blockade": "binds APRIL ligand; strength = fraction of APRIL signalling removed",
    "anti_myeloma": "background anti-myeloma therapy; strength = extra kill rate of myeloma cells (1/day)",
}


@dataclass(frozen=True)
class Intervention:
    """A treatment from day ``start`` on, at constant ``strength`` (see ``TARGETS``)."""

    target: str
    strength: float
    start: float = 0.0

    def __post_init__(self):
        if self.target not in TARGETS:
            raise ValueError(f"Intervention target {self.target!r} is not one of {sorted(TARGETS)}")
        if not (isinstance(self.strength, (int, float)) and math.isfinite(self.strength) and self.strength >= 0):
            raise ValueError(f"Intervention {self.target}: strength must be a finite number >= 0, "
                             f"got {self.strength!r}")
        if self.target != "anti_myeloma" and self.strength > 1:
            raise ValueError(f"Intervention {self.target}: strength is a fraction in [0, 1], got {self.strength}")
        if not (math.isfinite(self.start) and self.start >= 0):
            raise ValueError(f"Intervention {self.target}: start must be a day >= 0, got {self.start!r}")


@dataclass(frozen=True)
class Controls:
    """Strengths of the interventions in force at one time (all zero = untreated)."""

    neutralisation: float = 0.0
    receptor_blockade: float = 0.0
    april_blockade: float = 0.0
    kill_rate: float = 0.0


_CONTROL_OF_TARGET = {"il6_neutralisation": "neutralisation", "il6r_blockade": "receptor_blockade",
                      "april_blockade": "april_blockade", "anti_myeloma": "kill_rate"}


def controls_at(interventions: Iterable[Intervention], t: float) -> Controls:
    """Strengths in force at day ``t`` (several interventions on one target: the strongest)."""
    values = {name: 0.0 for name in _CONTROL_OF_TARGET.values()}
    for item in interventions:
        if t >= item.start:
            key = _CONTROL_OF_TARGET[item.target]
            values[key] = max(values[key], float(item.strength))
    return Controls(**values)


# --------------------------------------------------------------------------------------------
# The model: signals, right-hand side, solver.
# --------------------------------------------------------------------------------------------

def healthy_il6_signal(p: NicheParameters):
    """IL-6 receptor signalling in the healthy marrow, R_I0 = 1 / (K_I + 1)."""
    return 1.0 / (p.K_I + 1.0)


def free_il6(I, p: NicheParameters, neutralisation: float = 0.0):
    """IL-6 not bound by a neutralising antibody: the bound fraction falls as IL-6 rises past c_N."""
    return I * (1.0 - neutralisation * p.c_N / (p.c_N + I))


def il6_signal(I, p: NicheParameters, controls: Controls = Controls()):
    """Fraction of maximal IL-6 receptor signalling, R_I."""
    I_free = free_il6(I, p, controls.neutralisation)
    return (1.0 - controls.receptor_blockade) * I_free / (p.K_I + I_free)


def april_signal(A, p: NicheParameters, controls: Controls = Controls()):
    """Fraction of maximal APRIL signalling in myeloma cells, R_A."""
    return (1.0 - controls.april_blockade) * A / (p.K_A + A)


def contact_stimulation(T, p: NicheParameters):
    """Fraction of maximal contact (RANKL) stimulation of IL-6 production, T / (K_T + T)."""
    return T / (p.K_T + T)


def myeloma_survival(R_I, R_A, p: NicheParameters):
    """Probability that a myeloma cell gets a survival signal: IL-6 or APRIL or neither needed (s_0)."""
    return 1.0 - (1.0 - p.s_0) * (1.0 - R_I) * (1.0 - p.theta * R_A)


def _niche_and_growth(y, p: NicheParameters, controls: Controls):
    """dH/dt, dM/dt, dI/dt, dA/dt and the myeloma per-capita growth rate (dT/dt = T x rate)."""
    H, M, I, A, T = y
    R_I0 = healthy_il6_signal(p)
    R_I = il6_signal(I, p, controls)
    R_A = april_signal(A, p, controls)
    space = 1.0 - p.kappa * T
    dH = p.r_H * H * (space - H)
    dM = p.r_M * M * (space * (1.0 + p.eps_M * R_I) / (1.0 + p.eps_M * R_I0) - M)
    dI = p.delta_I * (M * (1.0 + p.rho * contact_stimulation(T, p)) - I)
    dA = p.delta_A * (M * (1.0 + p.alpha * R_I) / (1.0 + p.alpha * R_I0) - A)
    growth = p.r_T * (1.0 - T) - p.mu_T * (1.0 - myeloma_survival(R_I, R_A, p)) - controls.kill_rate
    return dH, dM, dI, dA, growth


def rhs(t, y, p: NicheParameters, controls: Controls = Controls()):
    """dy/dt for y of shape (5,) or (5, n) (n models, parameters as length-n arrays or floats)."""
    dH, dM, dI, dA, growth = _niche_and_growth(y, p, controls)
    return np.array([dH, dM, dI, dA, y[4] * growth])


def _rhs_log_tumour(z, p: NicheParameters, controls: Controls):
    """The same equations with log T as fifth variable: d(log T)/dt is T's per-capita growth rate."""
    return np.array(_niche_and_growth((z[0], z[1], z[2], z[3], np.exp(z[4])), p, controls))


@dataclass(frozen=True)
class Trajectory:
    """A solved scenario: time (days) and the five states (each shape (n_times,) or (n_models, n_times))."""

    t: np.ndarray
    H: np.ndarray
    M: np.ndarray
    I: np.ndarray
    A: np.ndarray
    T: np.ndarray
    interventions: tuple[Intervention, ...] = field(default=())

    def state(self, name: str) -> np.ndarray:
        return getattr(self, name)

    def at(self, day: float) -> dict:
        """States at the output time nearest ``day``."""
        index = int(np.argmin(np.abs(self.t - day)))
        return {name: self.state(name)[..., index] for name in STATE_NAMES}


def initial_state(p: NicheParameters) -> np.ndarray:
    """A healthy marrow seeded with a myeloma burden T_0."""
    H, M, I, A, _ = HEALTHY_STATE
    T0 = np.asarray(p.T_0, dtype=float)
    ones = np.ones_like(T0)
    return np.array([H * ones, M * ones, I * ones, A * ones, T0])


def simulate(p: NicheParameters, interventions: Sequence[Intervention] = (), t_end: float = 720.0,
             n_points: int = 241, y0=None, rtol: float = 1e-6, atol: float = 1e-9,
             times: Sequence[float] | None = None) -> Trajectory:
    """Solve the model from day 0 to ``t_end``, switching interventions on at their start days.

    Output at ``n_points`` evenly spaced days, or at the given ``times`` (from 0 to ``t_end``).

    The solve is split at every start day, so the jump in a control is never smoothed over. With
    batched parameters (arrays of length n) all n models are solved together in one system.
    """
    interventions = tuple(interventions)
    batch = p.batch_size
    y = initial_state(p) if y0 is None else np.asarray(y0, dtype=float)
    n_models = 1 if batch is None else batch
    y = np.broadcast_to(y.reshape(5, -1), (5, n_models)).astype(float)
    if np.any(y < 0) or np.any(y[4] <= 0):
        raise ValueError("initial state must be >= 0, with a myeloma burden T > 0")
    # The solver works on log T: the burden stays positive however far it falls.
    z = y.copy()
    z[4] = np.log(y[4])
    t_out = np.linspace(0.0, float(t_end), int(n_points)) if times is None else np.asarray(times, dtype=float)
    if t_out[0] != 0.0 or t_out[-1] != t_end or np.any(np.diff(t_out) <= 0):
        raise ValueError("output times must increase from 0 to t_end")
    breaks = sorted({0.0, float(t_end), *(i.start for i in interventions if 0.0 < i.start < t_end)})
    # A single model is small and mildly stiff (cytokines are fast): LSODA. A batch is solved as one
    # large system with an explicit method, whose cost per step grows only with array length.
    method = "LSODA" if n_models == 1 else "RK45"
    pieces_t, pieces_y = [], []
    for start, stop in zip(breaks[:-1], breaks[1:]):
        controls = controls_at(interventions, start)
        inside = t_out[(t_out >= start) & (t_out <= stop)]
        t_eval = np.unique(np.concatenate([[start], inside, [stop]]))

        if batch is None:
            def fun(t, flat, controls=controls):
                # Plain floats: one model's right-hand side is ~6x faster than with 1-element arrays.
                H, M, I, A, log_T = flat.tolist()
                return np.array(_niche_and_growth((H, M, I, A, math.exp(log_T)), p, controls))
        else:
            def fun(t, flat, controls=controls):
                return _rhs_log_tumour(flat.reshape(5, n_models), p, controls).reshape(-1)

        solution = solve_ivp(fun, (start, stop), z.reshape(-1), method=method, t_eval=t_eval,
                             rtol=rtol, atol=atol)
        if not solution.success:
            raise RuntimeError(f"niche model solve failed on days {start}-{stop}: {solution.message}")
        states = solution.y.reshape(5, n_models, -1)
        z = states[:, :, -1]
        states = states.copy()
        states[4] = np.exp(states[4])
        keep = np.isin(solution.t, inside)
        pieces_t.append(solution.t[keep])
        pieces_y.append(states[:, :, keep])
    t_all = np.concatenate(pieces_t)
    y_all = np.concatenate(pieces_y, axis=2)
    t_all, first = np.unique(t_all, return_index=True)  # a break day appears in two segments
    y_all = y_all[:, :, first]
    if batch is None:
        y_all = y_all[:, 0, :]
    return Trajectory(t_all, *y_all, interventions=interventions)


