"""Random-effects pooling, in one place: the meta-analysis of the trials (log ratios) and the pooled CRS
incidences (logit proportions) both call :func:`random_effects`.

It wraps statsmodels' ``combine_effects`` with the conventions this review uses everywhere:

* the estimator is a parameter (``"dl"`` DerSimonian-Laird, the main analysis; ``"pm"`` Paule-Mandel, a
  sensitivity check), named once in :data:`METHODS`;
* the between-study variance is truncated at zero (statsmodels 0.15 does not truncate the DerSimonian-Laird
  moment estimate, which gives a negative tau² and a too-narrow interval when studies agree better than chance
  predicts): with tau² = 0 the random-effects estimate is the fixed-effect one;
* I² is (Q - df) / Q, floored at 0;
* the Hartung-Knapp-Sidik-Jonkman standard error and the 95% prediction interval (t on k - 2 df, Higgins et al.
  2009) are computed from the truncated tau²;
* one study is its own estimate, with heterogeneity not estimable (nan).

Every interval in the package uses :data:`Z95`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

#: Two-sided 95% normal quantile, used for every interval of the package.
Z95 = float(stats.norm.isf(0.025))
#: Between-study variance estimators offered (statsmodels ``method_re`` names) and their names for readers.
METHODS = {"dl": "DerSimonian-Laird", "pm": "Paule-Mandel"}
#: The estimator of the main analyses, and the one of the sensitivity checks.
MAIN_METHOD, SENSITIVITY_METHOD = "dl", "pm"

_NAN = float("nan")


@dataclass(frozen=True)
class RandomEffects:
    """A random-effects pooled estimate on the analysis scale (log ratio, logit proportion)."""

    method: str          # a key of METHODS
    k: int               # number of studies
    estimate: float
    se: float
    tau2: float          # between-study variance, truncated at 0; nan when k == 1
    i2: float            # share of variation beyond chance, 0..1; nan when k == 1
    q: float             # Cochran's Q; nan when k == 1
    q_pvalue: float      # P value of the homogeneity test; nan when k == 1
    se_hksj: float = _NAN  # Hartung-Knapp(-Sidik-Jonkman) standard error; nan when k == 1

    @property
    def method_name(self) -> str:
        return METHODS[self.method]

    @property
    def low(self) -> float:
        """Lower 95% limit (Wald), on the analysis scale."""
        return self.estimate - Z95 * self.se

    @property
    def high(self) -> float:
        return self.estimate + Z95 * self.se

    @property
    def t_quantile(self) -> float:
        """The 97.5% quantile of t on k - 1 degrees of freedom (12.7 with two studies, against 1.96)."""
        return float(stats.t.isf(0.025, self.k - 1)) if self.k > 1 else _NAN

    @property
    def hksj_low(self) -> float:
        return self.estimate - self.t_quantile * self.se_hksj

    @property
    def hksj_high(self) -> float:
        return self.estimate + self.t_quantile * self.se_hksj

    @property
    def prediction_half_width(self) -> float:
        """Half-width of the 95% prediction interval for a new study: t(k - 2) sqrt(tau² + se²); nan below 3
        studies, where it cannot be estimated."""
        if self.k < 3 or not math.isfinite(self.tau2):
            return _NAN
        return float(stats.t.isf(0.025, self.k - 2)) * math.sqrt(self.tau2 + self.se ** 2)

    @property
    def prediction_low(self) -> float:
        return self.estimate - self.prediction_half_width

    @property
    def prediction_high(self) -> float:
        return self.estimate + self.prediction_half_width


def random_effects(effects: Sequence[float], variances: Sequence[float], method: str = MAIN_METHOD) -> RandomEffects:
    """Pool ``effects`` (on the analysis scale) with their within-study ``variances``.

    Raises ``ValueError`` for an unknown method, mismatched or empty input, or non-finite or non-positive
    variances.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    y = np.asarray(effects, dtype=float)
    v = np.asarray(variances, dtype=float)
    if y.ndim != 1 or y.shape != v.shape:
        raise ValueError(f"need two 1-d sequences of equal length, got shapes {y.shape} and {v.shape}")
    if y.size == 0:
        raise ValueError("nothing to pool: no trials or cohorts")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"effects must be finite, got {y.tolist()}")
    if not np.all(np.isfinite(v) & (v > 0)):
        raise ValueError(f"variances must be positive and finite, got {v.tolist()}")
    k = int(y.size)
    if k == 1:
        return RandomEffects(method, 1, float(y[0]), math.sqrt(float(v[0])), _NAN, _NAN, _NAN, _NAN)
    # statsmodels also computes quantities replaced below (the untruncated DL interval, I² as 1 - 1/H²), which
    # warn when Q = 0 or tau² < 0; those values are not used.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        result = combine_effects(y, v, method_re=method)
    df = k - 1
    q = float(result.q)
    if result.tau2 > 0:
        tau2, estimate, se = float(result.tau2), float(result.mean_effect_re), float(result.sd_eff_w_re)
    else:
        # A negative moment estimate means no detectable heterogeneity: tau² = 0, so the random-effects
        # estimate is the fixed-effect one.
        tau2, estimate, se = 0.0, float(result.mean_effect_fe), float(result.sd_eff_w_fe)
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    # Hartung-Knapp-Sidik-Jonkman: the weighted residual variance around the random-effects estimate (the same
    # as statsmodels' sd_eff_w_re_hksj when tau² > 0; recomputed so it also holds for tau² truncated at 0).
    weights = 1.0 / (v + tau2)
    se_hksj = math.sqrt(float(np.sum(weights * (y - estimate) ** 2)) / df / float(np.sum(weights)))
    return RandomEffects(method, k, estimate, se, tau2, i2, q, float(stats.chi2.sf(q, df)), se_hksj)
