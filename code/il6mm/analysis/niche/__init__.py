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

The package, along its seams:

* ``parameters``  the parameter file, validated (every bad parameter named with its line and field);
* ``model``       state, interventions, signals, the right-hand side and the solver;
* ``steady``      steady states (closed form, else root finding) and severity series;
* ``scenarios``   blockade scenarios on established disease, their benefit, the PRCC sensitivity analysis;
* ``regimens``    the named regimens and default strengths the chapter's figures and prose use;
* ``checks``      the model against the literature (calibration kept apart from independent checks).

Everything is re-exported here: ``from il6mm.analysis import niche; niche.simulate(...)``.
"""

from .checks import CHECK_BASES, TAKE_HOLD_DAYS, LiteratureCheck, literature_checks
from .model import (HEALTHY_STATE, STATE_LABELS, STATE_NAMES, TARGETS, Controls, Intervention, Trajectory,
                    april_signal, contact_stimulation, controls_at, free_il6, healthy_il6_signal, il6_signal,
                    initial_state, myeloma_survival, rhs, simulate)
from .parameters import (BIB_FILE, PARAMETER_NAMES, PARAMETERS_FILE, NicheParameters, ParameterFileError,
                         ParameterRecord, load_parameter_records, load_parameters)
from .regimens import (APRIL_FRAME_START, BLOCKADE_STRENGTH, EXPLORER_REGIMENS, EXPLORER_STARTS, EXPLORER_THETAS,
                       REGIMENS, THERAPY_KILL_RATE, claims_benefits, default_parameters, regimen_interventions)
from .scenarios import (ESTABLISHED_BURDEN, ONLY_UNDER, BlockadeOutcome, BlockadeScenario, SensitivityResult,
                        blockade_benefit, blockade_outcome, partial_rank_correlation, relevant_parameters,
                        sample_parameters, sensitivity_analysis)
from .steady import (SteadyState, closed_form_steady_state, severity_series, stable_disease_state,
                     steady_states)

__all__ = [
    "APRIL_FRAME_START",
    "BIB_FILE",
    "BLOCKADE_STRENGTH",
    "BlockadeOutcome",
    "BlockadeScenario",
    "CHECK_BASES",
    "Controls",
    "ESTABLISHED_BURDEN",
    "EXPLORER_REGIMENS",
    "EXPLORER_STARTS",
    "EXPLORER_THETAS",
    "HEALTHY_STATE",
    "Intervention",
    "LiteratureCheck",
    "NicheParameters",
    "ONLY_UNDER",
    "PARAMETERS_FILE",
    "PARAMETER_NAMES",
    "ParameterFileError",
    "ParameterRecord",
    "REGIMENS",
    "STATE_LABELS",
    "STATE_NAMES",
    "SensitivityResult",
    "SteadyState",
    "TAKE_HOLD_DAYS",
    "TARGETS",
    "THERAPY_KILL_RATE",
    "Trajectory",
    "april_signal",
    "blockade_benefit",
    "blockade_outcome",
    "claims_benefits",
    "closed_form_steady_state",
    "contact_stimulation",
    "controls_at",
    "default_parameters",
    "free_il6",
    "healthy_il6_signal",
    "il6_signal",
    "initial_state",
    "literature_checks",
    "load_parameter_records",
    "load_parameters",
    "myeloma_survival",
    "partial_rank_correlation",
    "regimen_interventions",
    "relevant_parameters",
    "rhs",
    "sample_parameters",
    "sensitivity_analysis",
    "severity_series",
    "simulate",
    "stable_disease_state",
    "steady_states",
]
