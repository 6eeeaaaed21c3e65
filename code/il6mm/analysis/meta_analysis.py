"""Meta-analysis of the randomised IL-6-blockade trials in myeloma.

Three layers, each usable on its own:

* effect sizes for one trial on the log scale, with their standard errors:
  ``log_risk_ratio`` (per-arm counts), ``se_from_ci`` (a published confidence interval) and
  ``se_from_p_value`` (a ratio published with only its P value; Altman & Bland, BMJ 2011;343:d2090);
* ``pool``: random-effects pooling of log effects (``il6mm.analysis.pooling.random_effects``, the one
  pooling function of the package: DerSimonian-Laird as the main estimator, Paule-Mandel as the
  sensitivity check, tau² truncated at zero), on the ratio scale;
* ``effects_from_studies``: turns evidence records into trial effects for one endpoint and lists every
  study left out, with the reason.

Every effect is IL-6 blockade versus its control (the same backbone without blockade): a risk ratio of
response above 1 or a hazard ratio below 1 favours blockade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from scipy import stats
from statsmodels.stats.meta_analysis import effectsize_2proportions

from ..evidence import Arm, Outcome, Study
from .pooling import MAIN_METHOD, METHODS, SENSITIVITY_METHOD, Z95, RandomEffects, random_effects

#: Endpoints compared as the proportion of patients reaching them (risk ratio).
RESPONSE_ENDPOINTS = ("ORR", "CR", "VGPR_or_better")
#: Endpoints compared as time to an event (hazard ratio).
TIME_TO_EVENT_ENDPOINTS = ("PFS", "OS", "EFS", "TTP")
#: Readable names for endpoints (figure titles, table headers).
ENDPOINT_NAMES = {
    "ORR": "overall response",
    "CR": "complete response",
    "VGPR_or_better": "very good partial response or better",
    "PFS": "progression-free survival",
    "OS": "overall survival",
    "EFS": "event-free survival",
    "TTP": "time to progression",
}
DERIVED_FROM_P = "SE derived from the P value (Altman & Bland 2011)"
DERIVED_COUNTS = "responder counts reconstructed from the published percentage and arm size"


def measure_for(endpoint: str) -> str:
    """'risk ratio' for response endpoints, 'hazard ratio' for time-to-event endpoints."""
    if endpoint in RESPONSE_ENDPOINTS:
        return "risk ratio"
    if endpoint in TIME_TO_EVENT_ENDPOINTS:
        return "hazard ratio"
    known = ", ".join(RESPONSE_ENDPOINTS + TIME_TO_EVENT_ENDPOINTS)
    raise ValueError(f"unknown endpoint {endpoint!r}; known endpoints: {known}")


def favours_blockade_above_one(endpoint: str) -> bool:
    """True when a ratio above 1 favours IL-6 blockade (more responses), False for hazard ratios."""
    return measure_for(endpoint) == "risk ratio"


# --------------------------------------------------------------------------------------------
# Effect sizes of single trials
# --------------------------------------------------------------------------------------------

def _positive_finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def se_from_ci(ci_low: float, ci_high: float, z: float = Z95) -> float:
    """Standard error of a log ratio from its (95%) confidence limits on the ratio scale.

    >>> round(se_from_ci(0.5, 2.0), 4)   # log(2) - log(0.5) = 2 ln 2, over 2 x 1.96
    0.3537
    """
    low = _positive_finite("ci_low", ci_low)
    high = _positive_finite("ci_high", ci_high)
    if not low < high:
        raise ValueError(f"ci_low ({low}) must be below ci_high ({high})")
    return (math.log(high) - math.log(low)) / (2 * z)


def z_from_p_value(p_value: float) -> float:
    """Normal test statistic from a two-sided P value (Altman & Bland 2011, step 1)."""
    p = float(p_value)
    if not 0 < p < 1:
        raise ValueError(f"P value must lie strictly between 0 and 1, got {p!r}")
    return -0.862 + math.sqrt(0.743 - 2.404 * math.log(p))


def se_from_p_value(estimate: float, p_value: float, log_scale: bool = True) -> float:
    """Standard error of an estimate published with only a two-sided P value.

    Altman & Bland, BMJ 2011;343:d2090: z = -0.862 + sqrt(0.743 - 2.404 ln P), SE = |Est| / z.
    For a ratio (``log_scale=True``) the estimate is taken on the log scale first.
    """
    est = math.log(_positive_finite("estimate", estimate)) if log_scale else float(estimate)
    if est == 0:
        raise ValueError("an estimate of no effect carries no information about its SE")
    return abs(est) / z_from_p_value(p_value)


def log_risk_ratio(events_blockade: int, n_blockade: int, events_control: int, n_control: int
                   ) -> tuple[float, float]:
    """Log risk ratio (blockade / control) and its standard error from per-arm counts.

    Uses statsmodels' ``effectsize_2proportions(statistic="risk-ratio")``:
    var = 1/a - 1/n1 + 1/c - 1/n2.
    """
    for name, events, n in (("blockade", events_blockade, n_blockade), ("control", events_control, n_control)):
        if not (isinstance(events, (int, np.integer)) and isinstance(n, (int, np.integer))):
            raise ValueError(f"{name} arm: counts must be integers, got events={events!r}, n={n!r}")
        if n <= 0 or not 0 <= events <= n:
            raise ValueError(f"{name} arm: need 0 <= events <= n and n > 0, got events={events}, n={n}")
        if events == 0:
            raise ValueError(f"{name} arm: zero events, the log risk ratio is undefined without a "
                             "continuity correction")
    eff, var = effectsize_2proportions(np.array([events_blockade]), np.array([n_blockade]),
                                       np.array([events_control]), np.array([n_control]),
                                       statistic="risk-ratio")
    return float(eff[0]), float(math.sqrt(var[0]))


@dataclass(frozen=True)
class TrialEffect:
    """One trial's effect of IL-6 blockade on one endpoint, on the log scale."""

    trial: str                 # study record id
    label: str                 # short label for figures, e.g. "Orlowski 2015"
    endpoint: str
    log_effect: float
    se: float
    source: str = ""           # bib key of the publication
    derivation: str | None = None   # None when taken as published; else how it was derived
    stage: str = ""            # disease stage of the record (e.g. "SMM"), for filtering

    def __post_init__(self):
        measure_for(self.endpoint)
        if not math.isfinite(self.log_effect):
            raise ValueError(f"{self.trial}: log effect must be finite, got {self.log_effect!r}")
        _positive_finite(f"{self.trial}: standard error", self.se)

    @property
    def measure(self) -> str:
        return measure_for(self.endpoint)

    @property
    def ratio(self) -> float:
        return math.exp(self.log_effect)

    @property
    def ci_low(self) -> float:
        return math.exp(self.log_effect - Z95 * self.se)

    @property
    def ci_high(self) -> float:
        return math.exp(self.log_effect + Z95 * self.se)

    @property
    def derived(self) -> bool:
        return self.derivation is not None


@dataclass(frozen=True)
class Exclusion:
    """A study left out of one pooling, and why."""

    trial: str
    label: str
    reason: str
    source: str = ""
    randomised: bool = False


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pooled:
    """Random-effects pooled estimate of log effects."""

    method: str          # "dl" or "pm"
    k: int               # number of trials
    log_estimate: float
    se: float
    tau2: float          # between-trial variance (log scale), truncated at 0; nan when k == 1
    i2: float            # share of variation beyond chance, 0..1; nan when k == 1
    q: float             # Cochran's Q; nan when k == 1
    q_pvalue: float      # P value of the homogeneity test; nan when k == 1
    se_hksj: float = float("nan")  # Hartung-Knapp(-Sidik-Jonkman) standard error (log scale); nan when k == 1
    prediction_half_width: float = float("nan")  # of the 95% prediction interval (log scale); nan below 3 trials

    @classmethod
    def of(cls, r: RandomEffects) -> "Pooled":
        return cls(r.method, r.k, r.estimate, r.se, r.tau2, r.i2, r.q, r.q_pvalue, r.se_hksj, r.prediction_half_width)

    @property
    def prediction_low(self) -> float:
        """Lower limit of the 95% prediction interval for a new trial (nan below 3 trials)."""
        return math.exp(self.log_estimate - self.prediction_half_width)

    @property
    def prediction_high(self) -> float:
        return math.exp(self.log_estimate + self.prediction_half_width)

    @property
    def hksj_ci_low(self) -> float:
        """Lower 95% limit with the Hartung-Knapp-Sidik-Jonkman variance and a t quantile on k - 1 df."""
        return math.exp(self.log_estimate - self.t_quantile * self.se_hksj)

    @property
    def hksj_ci_high(self) -> float:
        return math.exp(self.log_estimate + self.t_quantile * self.se_hksj)

    @property
    def t_quantile(self) -> float:
        """The 97.5% quantile of t on k - 1 degrees of freedom (12.7 with two trials, against 1.96)."""
        return float(stats.t.isf(0.025, self.k - 1)) if self.k > 1 else float("nan")

    @property
    def method_name(self) -> str:
        return METHODS[self.method]

    @property
    def ratio(self) -> float:
        return math.exp(self.log_estimate)

    @property
    def ci_low(self) -> float:
        return math.exp(self.log_estimate - Z95 * self.se)

    @property
    def ci_high(self) -> float:
        return math.exp(self.log_estimate + Z95 * self.se)

    @property
    def p_value(self) -> float:
        """Two-sided P value of the pooled effect against no effect (normal approximation)."""
        return float(2 * stats.norm.sf(abs(self.log_estimate) / self.se))


def pool(log_effects: Sequence[float], standard_errors: Sequence[float], method: str = MAIN_METHOD) -> Pooled:
    """Random-effects pooling of log effects (:func:`il6mm.analysis.pooling.random_effects`).

    ``method`` is ``"dl"`` (DerSimonian-Laird) or ``"pm"`` (Paule-Mandel). With one trial the
    "pooled" estimate is that trial and heterogeneity is not estimable (nan).
    """
    ses = np.asarray(standard_errors, dtype=float)
    if ses.ndim == 1 and not np.all(np.isfinite(ses) & (ses > 0)):
        raise ValueError(f"standard errors must be positive and finite, got {ses.tolist()}")
    return Pooled.of(random_effects(log_effects, ses ** 2, method))


def pool_effects(effects: Sequence[TrialEffect], method: str = MAIN_METHOD) -> Pooled:
    """``pool`` applied to trial effects of one endpoint."""
    endpoints = {e.endpoint for e in effects}
    if len(endpoints) > 1:
        raise ValueError(f"cannot pool different endpoints together: {sorted(endpoints)}")
    return pool([e.log_effect for e in effects], [e.se for e in effects], method=method)


# --------------------------------------------------------------------------------------------
# From evidence records to trial effects
# --------------------------------------------------------------------------------------------


def study_label(study: Study) -> str:
    """The short label readers see: the record's ``name`` (e.g. "Orlowski 2015"), else its id."""
    return study.name or study.id


def _arms(study: Study) -> tuple[list[Arm], list[Arm]]:
    arms = list(study.arms)
    blockade = [a for a in arms if a.il6_blockade]
    control = [a for a in arms if not a.il6_blockade]
    return blockade, control


def _z_for(outcome: Outcome) -> float:
    level = float(outcome.ci_level)
    if not 50 <= level < 100:
        raise ValueError(f"confidence level {level} is not a percentage between 50 and 100")
    return float(stats.norm.isf((1 - level / 100) / 2))


def _response_effect(study: Study, endpoint: str, allow_counts_from_percent: bool
                     ) -> TrialEffect | str:
    """Risk ratio for a response endpoint, or the reason it cannot be computed."""
    blockade, control = _arms(study)
    by_arm = {}
    for outcome in study.outcomes:
        if outcome.endpoint == endpoint and outcome.arm is not None:
            by_arm[outcome.arm] = outcome
    if not by_arm:
        return "no result recorded"
    counts = []
    derived = False
    for arm in (blockade[0], control[0]):
        name = arm.arm
        outcome = by_arm.get(name)
        if outcome is None:
            return f"no result recorded for arm '{name}'"
        # The outcome's own n (e.g. evaluable patients) takes precedence over the arm size.
        n = outcome.n or arm.n
        if n is None:
            return "per-arm numbers of patients not in the checked source"
        count = outcome.count
        if count is None:
            if outcome.measure not in ("percent", "rate_percent") or outcome.value is None:
                return "no per-arm counts or percentages in the checked source"
            if not allow_counts_from_percent:
                return "no per-arm responder counts in the checked source (reconstruction from percentages not allowed)"
            count = int(round(float(outcome.value) * int(n) / 100))
            derived = True
        counts.append((int(count), int(n)))
    (a, n1), (c, n2) = counts
    log_rr, se = log_risk_ratio(a, n1, c, n2)
    return TrialEffect(
        trial=study.id, label=study_label(study), endpoint=endpoint,
        log_effect=log_rr, se=se, source=study.source,
        derivation=DERIVED_COUNTS if derived else None, stage=study.stage)


def _orientation(study: Study, outcome: Outcome) -> int:
    """+1 when the hazard ratio reads 'blockade vs control', -1 when it reads the other way round."""
    blockade, control = _arms(study)
    comparison = outcome.comparison or ""
    sides = [side.strip() for side in comparison.split(" vs ")]
    names = ([blockade[0].arm], [control[0].arm])
    if sides == [names[0][0], names[1][0]]:
        return 1
    if sides == [names[1][0], names[0][0]]:
        return -1
    raise ValueError(f"study {study.id!r}: comparison {comparison!r} does not read "
                     f"'{names[0][0]} vs {names[1][0]}' or the reverse")


def _hazard_effect(study: Study, endpoint: str, allow_se_from_p: bool) -> TrialEffect | str:
    """Hazard ratio (blockade vs control) for a time-to-event endpoint, or the reason it cannot be used."""
    outcomes = [o for o in study.outcomes if o.endpoint == endpoint]
    if not outcomes:
        return "no result recorded"
    ratios = [o for o in outcomes if o.measure == "hazard_ratio"]
    if not ratios:
        return "no hazard ratio in the checked source (only medians or rates)"
    if len(ratios) > 1:
        raise ValueError(f"study {study.id!r}: {len(ratios)} {endpoint} hazard ratios recorded; "
                         "expected one")
    outcome = ratios[0]
    sign = _orientation(study, outcome)
    hr = _positive_finite(f"study {study.id!r}: {endpoint} hazard ratio", outcome.value)
    low, high = outcome.ci_low, outcome.ci_high
    common = dict(trial=study.id, label=study_label(study), endpoint=endpoint,
                  log_effect=sign * math.log(hr), source=study.source,
                  stage=study.stage)
    if low is not None and high is not None:
        return TrialEffect(se=se_from_ci(low, high, z=_z_for(outcome)), **common)
    p = outcome.p_value
    if p is None:
        return "hazard ratio published without CI or P value"
    if (outcome.p_relation or "=") != "=":
        return f"hazard ratio published with only a bound on its P value (P {outcome.p_relation} {p:g})"
    if not allow_se_from_p:
        return "hazard ratio published without CI (SE from P value not allowed)"
    return TrialEffect(se=se_from_p_value(hr, p), derivation=DERIVED_FROM_P, **common)


def effects_from_studies(studies: Iterable[Study], endpoint: str, *, allow_se_from_p: bool = True,
                         allow_counts_from_percent: bool = True
                         ) -> tuple[list[TrialEffect], list[Exclusion]]:
    """Trial effects of IL-6 blockade on ``endpoint``, and every study left out with the reason.

    Only randomised comparisons of IL-6 blockade against the same treatment without it qualify.
    """
    measure = measure_for(endpoint)
    included: list[TrialEffect] = []
    excluded: list[Exclusion] = []
    for study in studies:
        trial, label = study.id, study_label(study)
        blockade, control = _arms(study)
        if not study.randomised:
            reason = "not randomised (single arm or dose finding)"
        elif not blockade or not control:
            reason = "no randomised comparison with and without IL-6 blockade"
        elif len(blockade) > 1 or len(control) > 1:
            reason = "more than two arms: comparison to pool is ambiguous"
        else:
            found = (_response_effect(study, endpoint, allow_counts_from_percent) if measure == "risk ratio"
                     else _hazard_effect(study, endpoint, allow_se_from_p))
            if isinstance(found, TrialEffect):
                included.append(found)
                continue
            reason = found
        excluded.append(Exclusion(trial, label, reason, study.source,
                                  bool(study.randomised)))
    return included, excluded


#: Trial selections offered for sensitivity analyses: key -> (label, what is left out).
TRIAL_SETS = {
    "all": "all randomised trials",
    "no_smm": "without the smouldering-myeloma trial",
    "published_only": "only trials with a published CI or counts",
}


@dataclass(frozen=True)
class MetaAnalysis:
    """Everything one pooling shows: the trials in, the studies out (with reasons), the main estimate and
    the sensitivity estimate. Which estimator each is, is said once, by its ``method``."""

    endpoint: str
    trial_set: str
    effects: tuple[TrialEffect, ...]
    excluded: tuple[Exclusion, ...]
    pooled: Pooled | None        # the main estimate (MAIN_METHOD); None when no trial qualifies
    sensitivity: Pooled | None   # the sensitivity estimate (SENSITIVITY_METHOD)

    @property
    def k(self) -> int:
        return len(self.effects)

    @property
    def estimates(self) -> tuple[Pooled, ...]:
        """The estimates to report: the main one, and the sensitivity check only from three trials on (with two
        trials DerSimonian-Laird and Paule-Mandel solve the same equation for tau², so they coincide)."""
        sensitivity = (self.sensitivity,) if self.sensitivity is not None and self.k >= 3 else ()
        return tuple(p for p in (self.pooled,) if p is not None) + sensitivity


def meta_analysis(studies: Iterable[Study], endpoint: str, trial_set: str = "all", method: str = MAIN_METHOD,
                  sensitivity_method: str = SENSITIVITY_METHOD) -> MetaAnalysis:
    """Pool the randomised trials of one endpoint with ``method`` (DerSimonian-Laird) and, as a sensitivity
    check, ``sensitivity_method`` (Paule-Mandel).

    ``trial_set`` (see ``TRIAL_SETS``): ``"all"``; ``"no_smm"`` leaves out smouldering myeloma
    (stage ``SMM``); ``"published_only"`` leaves out effects whose SE or counts had to be derived.
    """
    if trial_set not in TRIAL_SETS:
        raise ValueError(f"trial_set must be one of {sorted(TRIAL_SETS)}, got {trial_set!r}")
    studies = list(studies)
    effects, excluded = effects_from_studies(studies, endpoint)
    kept: list[TrialEffect] = []
    for effect in effects:
        if trial_set == "no_smm" and effect.stage == "SMM":
            excluded.append(Exclusion(effect.trial, effect.label, "smouldering myeloma: left out of this selection",
                                      effect.source, True))
        elif trial_set == "published_only" and effect.derived:
            excluded.append(Exclusion(effect.trial, effect.label, f"{effect.derivation}: left out of this selection",
                                      effect.source, True))
        else:
            kept.append(effect)
    pooled = pool_effects(kept, method) if kept else None
    sensitivity = pool_effects(kept, sensitivity_method) if kept else None
    return MetaAnalysis(endpoint, trial_set, tuple(kept), tuple(excluded), pooled, sensitivity)
