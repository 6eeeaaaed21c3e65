"""A small mechanistic model of the myeloma bone-marrow niche: IL-6, myeloid precursors and APRIL.

Hypothesis-generating, not predictive: the mechanisms come from the literature (each parameter in
``data/model/niche_parameters.yaml`` names the papers that support it), but almost every rate and
gain is assumed. Levels are relative to the healthy marrow (healthy = 1); the myeloma burden ``T``
is the fraction of the marrow's capacity; time is in days and illustrative.

State ``y = (H, M, I, A, T)``:

* ``H`` other haematopoietic precursors, displaced by myeloma cells;
* ``M`` myeloid precursors, displaced too but kept up by IL-6-driven proliferation;
* ``I`` IL-6, made by myeloid precursors, more so in contact with myeloma cells (RANKL);
* ``A`` APRIL, made by myeloid precursors, more so under IL-6 signalling;
* ``T`` myeloma cells, whose survival needs IL-6 or APRIL signalling (partly redundant).

Equations (the chapter shows them with numbers)::

    dH/dt = r_H H [(1 - kappa T) - H]
    dM/dt = r_M M [(1 - kappa T) g(R_I) - M],        g(R) = (1 + eps_M R) / (1 + eps_M R_I0)
    dI/dt = delta_I [M (1 + rho T / (K_T + T)) - I]
    dA/dt = delta_A [M (1 + alpha R_I) / (1 + alpha R_I0) - A]
    dT/dt = T [r_T (1 - T) - mu_T (1 - S) - k]
    S     = 1 - (1 - s_0)(1 - R_I)(1 - theta R_A)
    I_f   = I [1 - n c_N / (c_N + I)]                 free IL-6 under neutralisation strength n
    R_I   = (1 - b) I_f / (K_I + I_f)                 IL-6 receptor signalling, blockade strength b
    R_A   = (1 - a) A / (K_A + A)                     APRIL signalling, APRIL blockade strength a

``R_I0 = 1/(K_I + 1)`` is healthy IL-6 signalling, so the healthy state is exactly
``(H, M, I, A, T) = (1, 1, 1, 1, 0)``. ``k`` is the kill rate of a background anti-myeloma therapy.

``simulate`` and ``blockade_outcome`` accept parameters that are floats or equal-length 1-D arrays (one
model per element), so a whole parameter sample is solved in one call; steady states are computed for one
model at a time.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import yaml
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.stats import qmc, rankdata

from ..evidence.bibliography import bib_keys
from ..paths import REPO_ROOT

PARAMETERS_FILE = REPO_ROOT / "data" / "model" / "niche_parameters.yaml"
BIB_FILE = REPO_ROOT / "references.bib"

STATE_NAMES = ("H", "M", "I", "A", "T")
STATE_LABELS = {
    "H": "other precursors",
    "M": "myeloid precursors",
    "I": "IL-6",
    "A": "APRIL",
    "T": "myeloma burden",
}
HEALTHY_STATE = (1.0, 1.0, 1.0, 1.0, 0.0)

# Parameters with a hard domain beyond "finite and >= 0": fractions and probabilities.
_UNIT_INTERVAL = {"kappa", "s_0", "theta"}
_PARAMETER_FIELDS = ("symbol", "description", "value", "unit", "provenance", "reason", "supports", "range")


class ParameterFileError(ValueError):
    """The parameter file is malformed; the message names, for every bad parameter, the file, its line, the
    parameter and the field."""


class _ParameterProblem(Exception):
    """The first problem of one parameter record (its later checks depend on the earlier ones)."""

    def __init__(self, field_name: str, problem: str):
        super().__init__(problem)
        self.field_name, self.problem = field_name, problem


# --------------------------------------------------------------------------------------------
# Parameters: one record per parameter in the YAML file, validated on load.
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NicheParameters:
    """The model's parameters (floats, or 1-D arrays of equal length for a batch of models)."""

    r_H: float
    r_M: float
    kappa: float
    eps_M: float
    rho: float
    K_T: float
    delta_I: float
    K_I: float
    alpha: float
    delta_A: float
    K_A: float
    r_T: float
    mu_T: float
    s_0: float
    theta: float
    c_N: float
    T_0: float

    def replace(self, **changes) -> "NicheParameters":
        """A copy with some values changed (e.g. ``p.replace(theta=0.0)``)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def batch_size(self) -> int | None:
        """Number of models in a batch, or None for a single model."""
        sizes = {np.size(v) for v in self.as_dict().values() if np.ndim(v) > 0}
        if len(sizes) > 1:
            raise ValueError(f"batched parameters must share one length, got lengths {sorted(sizes)}")
        return sizes.pop() if sizes else None


PARAMETER_NAMES = tuple(f.name for f in dataclasses.fields(NicheParameters))


@dataclass(frozen=True)
class ParameterRecord:
    """One parameter as written in the parameter file, with its provenance."""

    name: str
    symbol: str
    description: str
    value: float
    unit: str
    provenance: str
    reason: str
    supports: tuple[str, ...]
    range: tuple[float, float]


def _fail(path: Path, name: str, field_name: str, problem: str) -> None:
    raise _ParameterProblem(field_name, problem)


def _number(path, name, field_name, raw) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        _fail(path, name, field_name, f"expected a number, got {raw!r}")
    if not math.isfinite(raw):
        _fail(path, name, field_name, f"expected a finite number, got {raw!r}")
    return float(raw)


def _text(path, name, field_name, raw) -> str:
    if not isinstance(raw, str) or not raw.strip():
        _fail(path, name, field_name, f"expected a non-empty text, got {raw!r}")
    return raw.strip()


def _record(path: Path, name: str, raw, known_keys: set[str]) -> ParameterRecord:
    if not isinstance(raw, Mapping):
        _fail(path, name, "(record)", f"expected a mapping of fields, got {type(raw).__name__}")
    missing = [f for f in _PARAMETER_FIELDS if f not in raw]
    if missing:
        _fail(path, name, missing[0], "missing (every parameter needs " + ", ".join(_PARAMETER_FIELDS) + ")")
    unknown = sorted(set(raw) - set(_PARAMETER_FIELDS))
    if unknown:
        _fail(path, name, unknown[0], "unknown field")

    value = _number(path, name, "value", raw["value"])
    if value < 0:
        _fail(path, name, "value", f"must be >= 0, got {value}")
    if name in _UNIT_INTERVAL and value > 1:
        _fail(path, name, "value", f"must lie in [0, 1], got {value}")

    provenance = _text(path, name, "provenance", raw["provenance"])
    if provenance != "assumed" and provenance not in known_keys:
        _fail(path, name, "provenance", f"'{provenance}' is neither 'assumed' nor a key of references.bib")
    reason = raw["reason"]
    if provenance == "assumed":
        reason = _text(path, name, "reason", reason)
    elif reason is not None and not isinstance(reason, str):
        _fail(path, name, "reason", f"expected a text, got {reason!r}")

    supports = raw["supports"]
    if not isinstance(supports, list):
        _fail(path, name, "supports", f"expected a list of bib keys, got {supports!r}")
    for key in supports:
        if key not in known_keys:
            _fail(path, name, "supports", f"'{key}' is not a key of references.bib")

    bounds = raw["range"]
    if not (isinstance(bounds, list) and len(bounds) == 2):
        _fail(path, name, "range", f"expected [low, high], got {bounds!r}")
    low, high = (_number(path, name, "range", b) for b in bounds)
    if not (0 <= low < high):
        _fail(path, name, "range", f"expected 0 <= low < high, got [{low}, {high}]")
    if not (low <= value <= high):
        _fail(path, name, "range", f"[{low}, {high}] does not contain the value {value}")
    if name in _UNIT_INTERVAL and high > 1:
        _fail(path, name, "range", f"must lie in [0, 1], got [{low}, {high}]")

    return ParameterRecord(name=name, symbol=_text(path, name, "symbol", raw["symbol"]),
                           description=_text(path, name, "description", raw["description"]),
                           value=value, unit=_text(path, name, "unit", raw["unit"]),
                           provenance=provenance, reason=(reason or "").strip(),
                           supports=tuple(supports), range=(low, high))


def load_parameter_records(path: Path = PARAMETERS_FILE, bib_file: Path = BIB_FILE) -> dict[str, ParameterRecord]:
    """Read and validate every parameter record; bib keys are checked against ``bib_file``."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ParameterFileError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(document, Mapping) or not isinstance(document.get("parameters"), Mapping):
        raise ParameterFileError(f"{path.name}: expected a top-level mapping 'parameters:'")
    raw_records = document["parameters"]
    lines = _parameter_lines(text)
    problems = [(name, "(record)", "missing: the model needs this parameter")
                for name in PARAMETER_NAMES if name not in raw_records]
    problems += [(name, "(record)", "unknown parameter: the model has no such parameter")
                 for name in raw_records if name not in PARAMETER_NAMES]
    known_keys = set(bib_keys(bib_file))
    records = {}
    for name in PARAMETER_NAMES:
        if name in raw_records:
            try:
                records[name] = _record(path, name, raw_records[name], known_keys)
            except _ParameterProblem as problem:
                problems.append((name, problem.field_name, problem.problem))
    if problems:
        messages = [f"{path.name}" + (f" (line {lines[name]})" if name in lines else "")
                    + f": parameter '{name}', field '{field_name}': {problem}" for name, field_name, problem in problems]
        head = [f"{len(messages)} problems in {path.name}:"] if len(messages) > 1 else []
        raise ParameterFileError("\n".join(head + messages))
    return records


def _parameter_lines(text: str) -> dict[str, int]:
    """The 1-based line of each parameter under ``parameters:`` (the text parsed already, so it composes)."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    for key, value in node.value:
        if key.value == "parameters" and isinstance(value, yaml.MappingNode):
            return {k.value: k.start_mark.line + 1 for k, _ in value.value}
    return {}


def load_parameters(path: Path = PARAMETERS_FILE, bib_file: Path = BIB_FILE) -> NicheParameters:
    """The validated parameter values, ready for ``simulate``."""
    records = load_parameter_records(path, bib_file)
    return NicheParameters(**{name: record.value for name, record in records.items()})


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


# --------------------------------------------------------------------------------------------
# Blockade benefit and sensitivity analysis.
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BlockadeScenario:
    """How the benefit of a blockade is measured.

    The marrow starts healthy with a myeloma burden ``seed`` (None: the parameter T_0); the blockade
    (``target`` at ``strength``) starts on day ``start``, once the untreated disease is established,
    and the benefit is read ``duration`` days later.
    """

    target: str = "il6r_blockade"
    strength: float = 0.9
    start: float = 720.0
    duration: float = 180.0
    seed: float | None = None

    @property
    def horizon(self) -> float:
        return self.start + self.duration


#: Below this untreated burden at the start of a blockade there is no established disease to treat.
ESTABLISHED_BURDEN = 0.05


@dataclass(frozen=True)
class BlockadeOutcome:
    """Myeloma burden without and with the blockade (floats, or arrays for a batch)."""

    T_at_start: np.ndarray
    T_untreated: np.ndarray
    T_treated: np.ndarray

    @property
    def established(self):
        """Whether untreated disease was established when the blockade started."""
        return self.T_at_start >= ESTABLISHED_BURDEN

    @property
    def benefit(self):
        """Relative reduction of myeloma burden at the horizon, 1 - T_treated / T_untreated."""
        return 1.0 - self.T_treated / self.T_untreated


def blockade_outcome(p: NicheParameters, scenario: BlockadeScenario = BlockadeScenario(),
                     extra: Sequence[Intervention] = ()) -> BlockadeOutcome:
    """Solve the scenario with and without the blockade; ``extra`` interventions go in both arms."""
    extra = tuple(extra)
    treated = extra + (Intervention(scenario.target, scenario.strength, scenario.start),)
    y0 = None
    if scenario.seed is not None:
        y0 = initial_state(p.replace(T_0=scenario.seed * np.ones_like(np.asarray(p.T_0, dtype=float))))
    times = np.array([0.0, scenario.start, scenario.horizon])
    untreated = simulate(p, extra, t_end=scenario.horizon, times=times, y0=y0)
    treated_run = simulate(p, treated, t_end=scenario.horizon, times=times, y0=y0)
    return BlockadeOutcome(untreated.T[..., 1], untreated.T[..., -1], treated_run.T[..., -1])


def blockade_benefit(p: NicheParameters, scenario: BlockadeScenario = BlockadeScenario(),
                     extra: Sequence[Intervention] = ()):
    """Relative reduction of myeloma burden at the horizon: 1 - T_treated / T_untreated."""
    return blockade_outcome(p, scenario, extra).benefit


def sample_parameters(records: Mapping[str, ParameterRecord], names: Sequence[str], n_samples: int,
                      seed: int) -> tuple[np.ndarray, NicheParameters]:
    """A Latin hypercube sample over the ``range`` of each named parameter (others at their value).

    Ranges wider than four-fold with a positive lower end are sampled on a log scale.
    Returns the sample matrix (n_samples x len(names)) and the batched parameters.
    """
    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(n_samples)
    columns = []
    for j, name in enumerate(names):
        low, high = records[name].range
        if low > 0 and high / low > 4:
            columns.append(np.exp(np.log(low) + unit[:, j] * (np.log(high) - np.log(low))))
        else:
            columns.append(low + unit[:, j] * (high - low))
    sample = np.column_stack(columns)
    values = {name: record.value for name, record in records.items()}
    values.update({name: sample[:, j] for j, name in enumerate(names)})
    return sample, NicheParameters(**values)


def partial_rank_correlation(sample: np.ndarray, output: np.ndarray) -> np.ndarray:
    """PRCC of each column of ``sample`` with ``output`` (ranks, other columns partialled out)."""
    ranks = np.column_stack([rankdata(col) for col in sample.T])
    y = rankdata(output)
    n, d = ranks.shape
    prcc = np.empty(d)
    for j in range(d):
        others = np.column_stack([np.ones(n), np.delete(ranks, j, axis=1)])
        res_x = ranks[:, j] - others @ np.linalg.lstsq(others, ranks[:, j], rcond=None)[0]
        res_y = y - others @ np.linalg.lstsq(others, y, rcond=None)[0]
        prcc[j] = res_x @ res_y / np.sqrt((res_x @ res_x) * (res_y @ res_y))
    return prcc


@dataclass(frozen=True)
class SensitivityResult:
    """Benefit of a blockade across a parameter sample, and which parameters decide it."""

    names: tuple[str, ...]
    scenario: BlockadeScenario
    sample: np.ndarray        # n_samples x n_parameters (every sampled model)
    benefit: np.ndarray       # benefit of each sampled model (NaN where disease was not established)
    established: np.ndarray   # whether untreated disease was established when the blockade started
    prcc: np.ndarray          # partial rank correlation of each parameter with the benefit (established models)
    low_benefit: np.ndarray   # one-at-a-time: benefit with each parameter at the low end of its range
    high_benefit: np.ndarray  # ... and at the high end (NaN where disease was not established)
    baseline_benefit: float

    @property
    def n_excluded(self) -> int:
        """Sampled models with no established disease to treat (left out of the PRCC, and counted here)."""
        return int(np.count_nonzero(~self.established))

    def ranking(self) -> list[tuple[str, float]]:
        """Parameters ordered by |PRCC|, most influential first."""
        order = np.argsort(-np.abs(self.prcc), kind="stable")
        return [(self.names[i], float(self.prcc[i])) for i in order]


#: Parameters that act only through one intervention, so cannot change the benefit of any other
#: (c_N, the neutralising antibody's capacity, plays no part in receptor or APRIL blockade).
ONLY_UNDER = {"c_N": "il6_neutralisation"}


def relevant_parameters(names: Iterable[str], target: str) -> tuple[str, ...]:
    """The parameters among ``names`` that can change the benefit of a blockade of ``target``."""
    return tuple(name for name in names if ONLY_UNDER.get(name, target) == target)


def sensitivity_analysis(records: Mapping[str, ParameterRecord], scenario: BlockadeScenario = BlockadeScenario(),
                         names: Sequence[str] | None = None, n_samples: int = 256,
                         seed: int = 20160716) -> SensitivityResult:
    """Which parameters decide the benefit of a blockade: Latin hypercube + PRCC, and one-at-a-time.

    Every parameter in ``names`` is sampled over its ``range``; the default is every parameter that can
    act on the scenario's target (``relevant_parameters``: a parameter in ``ONLY_UNDER`` for another
    target cannot matter by construction, and a correlation for it would be sampling noise). The same
    ``seed`` gives the same result. Models in which the untreated disease was not established when the
    blockade started have no benefit to measure: they are left out of the PRCC and counted in ``n_excluded``.
    """
    names = tuple(names or relevant_parameters(records, scenario.target))
    unknown = [name for name in names if name not in records]
    if unknown:
        raise ValueError(f"no parameter named {unknown[0]!r}; known: {', '.join(records)}")
    base = NicheParameters(**{name: r.value for name, r in records.items()})
    sample, batch = sample_parameters(records, names, n_samples, seed)
    outcome = blockade_outcome(batch, scenario)
    established = np.asarray(outcome.established)
    if established.sum() < len(names) + 3:
        raise ValueError(f"only {established.sum()} of {n_samples} sampled models had established disease; "
                         "too few for a partial rank correlation")
    benefit = np.where(established, outcome.benefit, np.nan)
    prcc = partial_rank_correlation(sample[established], benefit[established])
    # One-at-a-time: 2 x len(names) models, solved as one batch.
    oat_values = {name: np.full(2 * len(names), r.value) for name, r in records.items()}
    for j, name in enumerate(names):
        oat_values[name][2 * j], oat_values[name][2 * j + 1] = records[name].range
    oat = blockade_outcome(NicheParameters(**oat_values), scenario)
    oat_benefit = np.where(oat.established, oat.benefit, np.nan)
    baseline = blockade_outcome(base, scenario)
    if not baseline.established:
        raise ValueError("with the parameter file's values the untreated disease is not established when the "
                         f"blockade starts (day {scenario.start:g}); choose a later start or a larger seed")
    return SensitivityResult(names, scenario, sample, benefit, established, prcc, oat_benefit[0::2],
                             oat_benefit[1::2], float(baseline.benefit))


# --------------------------------------------------------------------------------------------
# The model against the literature: what it reproduces, and how well.
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LiteratureCheck:
    """One literature fact (as evidence records) and what the model does about it."""

    topic: str
    records: tuple[str, ...]   # ids of evidence records in data/findings.yaml
    model: str                 # what the model shows, with its numbers
    verdict: str               # "reproduced", "partly" or "not reproduced"
    basis: str = "independent"  # see CHECK_BASES: only "independent" checks can count as reproduced

    @property
    def independent(self) -> bool:
        return self.basis == "independent"


#: Why a check is in the table. Calibration is not validation: a check the parameters were chosen to meet, or
#: one that restates an assumption, shows the model was built as intended, not that it is right.
CHECK_BASES = {
    "calibrated": "calibrated to: the parameters were chosen so that the model does this",
    "assumption": "restates an assumption of the model",
    "independent": "independent check: not used to build the model",
}


#: How long a seed is followed to see whether it takes hold (the IL-6-deficient-mice check).
TAKE_HOLD_DAYS = 1500.0


def _established_from(p: NicheParameters, seed: float, controls_from_zero: Sequence[Intervention] = (),
                      t_end: float = TAKE_HOLD_DAYS) -> float:
    """Myeloma burden after ``t_end`` days from a seed, with interventions from day 0."""
    return float(simulate(p.replace(T_0=seed), controls_from_zero, t_end=t_end, n_points=2).T[-1])


def literature_checks(p: NicheParameters, strength: float = 0.9) -> list[LiteratureCheck]:
    """Check the model's behaviour against each literature fact the model was built on."""
    untreated = stable_disease_state(p)
    receptor = stable_disease_state(p, Controls(receptor_blockade=strength))
    checks = [
        LiteratureCheck(
            "Myeloma displaces other precursors but not myeloid precursors",
            ("matthes2015-myeloid-il6",),
            f"At the untreated plateau (burden {untreated.T:.2f}) other precursors are at {untreated.H:.2f} and "
            f"myeloid precursors at {untreated.M:.2f} of their healthy level.",
            "reproduced" if untreated.M >= 0.95 and untreated.H < 0.8 else "not reproduced", "calibrated"),
        LiteratureCheck(
            "Contact with myeloma cells makes myeloid precursors produce IL-6, which drives their own proliferation",
            ("matthes2015-myeloid-il6",),
            f"IL-6 rises to {untreated.I:.1f} times its healthy level; with IL-6 receptor blockade at "
            f"{strength:.0%} the myeloid pool falls from {untreated.M:.2f} to {receptor.M:.2f}.",
            "reproduced" if untreated.I > 2 and receptor.M < untreated.M else "not reproduced", "calibrated"),
        LiteratureCheck(
            "Myeloid precursors are a major APRIL source, and IL-6 raises their APRIL output",
            ("matthes2011-april-myeloid", "matthes2015-myeloid-il6"),
            f"APRIL rises to {untreated.A:.2f} times its healthy level; IL-6 receptor blockade lowers it to "
            f"{receptor.A:.2f}.",
            "reproduced" if untreated.A > 1 and receptor.A < untreated.A else "not reproduced", "calibrated"),
    ]
    # Redundancy: established disease (seed 0.3) treated from its plateau, by APRIL dependence.
    scenario = BlockadeScenario(strength=strength, seed=0.3)
    with_april = blockade_outcome(p, scenario)
    without_april = blockade_outcome(p.replace(theta=0.0), scenario)
    april_only = blockade_outcome(p, BlockadeScenario(target="april_blockade", strength=strength, seed=0.3))
    full_block = stable_disease_state(p, Controls(receptor_blockade=1.0))
    redundant = (bool(without_april.established) and without_april.benefit > with_april.benefit
                 and april_only.benefit > 0 and full_block.T > 0)
    checks.append(LiteratureCheck(
        "APRIL supports myeloma cells, BLyS and IL-6 sustain plasma cells, and marrow support can replace IL-6 "
        "(that APRIL can stand in for IL-6 is the model's assumption)",
        ("tai2016-april-bcma", "oconnor2004-bcma", "blood2002-stroma-independence"),
        f"After {scenario.duration:g} days of IL-6 receptor blockade ({scenario.strength:.0%}) the burden is "
        f"{with_april.benefit:.0%} lower than untreated at APRIL dependence {p.theta:g}, "
        f"{without_april.benefit:.0%} lower at 0; APRIL blockade "
        f"alone gives {april_only.benefit:.0%}; even complete IL-6 receptor blockade leaves a plateau of "
        f"{full_block.T:.2f}.",
        "reproduced" if redundant else "not reproduced", "assumption"))
    # Severity: IL-6 along the untreated course, and at the plateaus of faster myelomas.
    small_burden, speed_up = 0.01, 1.5
    course = simulate(p, (), t_end=900.0, n_points=901)
    small = int(np.argmax(course.T >= small_burden))
    peak = int(np.argmax(course.I))
    faster = severity_series(p, (p.r_T, speed_up * p.r_T))
    rises_early = course.I[small] < course.I[-1] < course.I[peak]
    plateaus_rise = faster["I"][1] > faster["I"][0]
    checks.append(LiteratureCheck(
        "Serum IL-6 rises with disease severity; IL-6 production is high in myeloma",
        ("bataille1989-serum-il6", "vanzaanen1996-il6-production"),
        f"Along one untreated course IL-6 is {course.I[small]:.1f} times healthy when the clone is small (burden "
        f"{small_burden:g}), peaks at {course.I[peak]:.1f} while the myeloma expands and settles at "
        f"{course.I[-1]:.1f} at the plateau. But a myeloma growing {speed_up:g} times faster reaches a higher plateau ({faster['T'][1]:.2f} vs "
        f"{faster['T'][0]:.2f}) with {'more' if plateaus_rise else 'less'} IL-6 ({faster['I'][1]:.1f} vs "
        f"{faster['I'][0]:.1f}), because it crowds out the IL-6-making myeloid cells.",
        "reproduced" if rises_early and plateaus_rise else "partly" if rises_early else "not reproduced"))
    # IL-6-deficient mice: a seed under complete IL-6 signalling blockade from day 0.
    seeded = _established_from(p, p.T_0, (Intervention("il6r_blockade", 1.0, 0.0),))
    thetas = np.round(np.arange(0.0, 1.0001, 0.05), 2)
    grows = [theta for theta in thetas
             if _established_from(p.replace(theta=float(theta)), p.T_0, (Intervention("il6r_blockade", 1.0, 0.0),))
             >= ESTABLISHED_BURDEN]
    threshold = f"only when APRIL dependence is at least {grows[0]:g}" if grows else "for no APRIL dependence"
    checks.append(LiteratureCheck(
        "IL-6-deficient mice are resistant to plasma-cell tumours",
        ("hilbert1995-il6-knockout", "lattanzio1997-pristane"),
        f"With IL-6 signalling absent from day 0, a seed of myeloma cells reaches a burden of {seeded:.2f} after "
        f"{TAKE_HOLD_DAYS:g} days at APRIL dependence {p.theta:g}: it takes hold {threshold}.",
        "reproduced" if seeded < ESTABLISHED_BURDEN else "partly" if grows and grows[0] > 0 else "not reproduced"))
    return checks


# --------------------------------------------------------------------------------------------
# The parameter table for the chapter.
# --------------------------------------------------------------------------------------------

def _format_value(value: float) -> str:
    return f"{value:g}"


def parameter_table_markdown(records: Mapping[str, ParameterRecord], name: str | None = None) -> str:
    """A MyST table of every parameter: symbol, meaning, value and unit, range, provenance and support.

    With ``name``, the table is wrapped in a ``{table}`` directive with a caption, so it is numbered and
    can be referenced as ``{numref}`name```.
    """
    lines = ["| Symbol | Meaning | Value | Range explored | Provenance: why this value | Mechanism from |",
             "|---|---|---|---|---|---|"]
    for r in records.values():
        provenance = ("assumed: " + r.reason) if r.provenance == "assumed" else f"{{footcite}}`{r.provenance}`"
        support = ", ".join(f"{{footcite}}`{key}`" for key in r.supports) or "(none)"
        unit = "" if r.unit == "dimensionless" else f" {r.unit}"
        low, high = r.range
        lines.append(f"| ${r.symbol}$ | {r.description} | {_format_value(r.value)}{unit} "
                     f"| {_format_value(low)} to {_format_value(high)} | {provenance} | {support} |")
    table = "\n".join(lines)
    if name is None:
        return table
    caption = ("Parameters of the niche model, read from `data/model/niche_parameters.yaml`. Values without a "
               "unit are dimensionless; levels are relative to the healthy marrow.")
    return f":::{{table}} {caption}\n:name: {name}\n\n{table}\n:::"
