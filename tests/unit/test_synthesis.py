"""Meta-analysis: effect sizes, pooling and the adapter from evidence records, on hand-checkable cases."""

import math

import numpy as np
import pytest

from il6mm.evidence import Study

from il6mm.analysis import meta_analysis as synthesis
from il6mm.analysis.meta_analysis import (DERIVED_COUNTS, DERIVED_FROM_P, TrialEffect, effects_from_studies, log_risk_ratio,
                             pool, pool_effects, se_from_ci, se_from_p_value, z_from_p_value)


# ---------------------------------------------------------------- pooling

@pytest.mark.parametrize("method", ["dl", "pm"])
def test_two_identical_trials_pool_to_themselves(method):
    result = pool([math.log(0.8), math.log(0.8)], [0.2, 0.2], method=method)
    assert result.ratio == pytest.approx(0.8, rel=1e-12)
    assert result.tau2 == 0.0
    assert result.i2 == 0.0
    assert result.q == pytest.approx(0.0, abs=1e-12)
    # Two equal halves of information: SE shrinks by sqrt(2).
    assert result.se == pytest.approx(0.2 / math.sqrt(2), rel=1e-12)
    assert result.ci_low == pytest.approx(math.exp(math.log(0.8) - 1.959963985 * 0.2 / math.sqrt(2)), rel=1e-8)


def test_dersimonian_laird_matches_a_hand_computation():
    y = np.array([-0.5, 0.1, 0.3])
    v = np.array([0.04, 0.09, 0.16])
    w = 1 / v
    fixed = (w * y).sum() / w.sum()
    q = (w * (y - fixed) ** 2).sum()
    c = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (q - 2) / c)
    w_star = 1 / (v + tau2)
    expected = (w_star * y).sum() / w_star.sum()
    result = pool(y, np.sqrt(v), method="dl")
    assert tau2 > 0  # the case is heterogeneous, so this exercises the random-effects branch
    assert result.tau2 == pytest.approx(tau2, rel=1e-12)
    assert result.log_estimate == pytest.approx(expected, rel=1e-12)
    assert result.se == pytest.approx(math.sqrt(1 / w_star.sum()), rel=1e-12)
    assert result.i2 == pytest.approx((q - 2) / q, rel=1e-12)


# Published worked example: Kacker (2004), Metrologia 41:132, Table 1, first row (nine laboratories);
# data and the R metafor reference values are as reproduced in statsmodels' own test suite
# (statsmodels/stats/tests/test_meta.py and results/results_meta.py, exk1_dl).
KACKER_EFFECTS = [61.00, 61.40, 62.21, 62.30, 62.34, 62.60, 62.70, 62.84, 65.90]
KACKER_VARIANCES = [0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]


def test_published_example_dersimonian_laird():
    result = pool(KACKER_EFFECTS, np.sqrt(KACKER_VARIANCES), method="dl")
    assert math.sqrt(result.tau2) == pytest.approx(0.5359, abs=1e-3)  # Kacker's tau (DL)
    assert result.tau2 == pytest.approx(0.288049246973751, abs=1e-10)  # metafor rma(method="DL")
    assert result.log_estimate == pytest.approx(62.3901386044504, abs=1e-10)
    assert result.se == pytest.approx(0.245749668040304, abs=1e-10)
    assert result.q == pytest.approx(24.801897741835, abs=1e-9)
    assert result.i2 * 100 == pytest.approx(67.744403741711, abs=1e-8)
    assert result.q_pvalue == pytest.approx(0.00167935146372742, abs=1e-10)


def test_published_example_paule_mandel():
    result = pool(KACKER_EFFECTS, np.sqrt(KACKER_VARIANCES), method="pm")
    assert math.sqrt(result.tau2) == pytest.approx(0.8399, abs=1e-3)  # Kacker's tau (PM)


@pytest.mark.parametrize("method", ["dl", "pm"])
def test_heterogeneous_pair_has_known_tau2(method):
    # Two trials at +d and -d with equal variance v: Q = 2 d^2 / v and both estimators give 2 d^2 - v.
    d, v = 0.5, 0.1
    result = pool([d, -d], [math.sqrt(v)] * 2, method=method)
    assert result.tau2 == pytest.approx(2 * d**2 - v, rel=1e-4)
    assert result.log_estimate == pytest.approx(0.0, abs=1e-12)
    assert result.se == pytest.approx(math.sqrt((v + 2 * d**2 - v) / 2), rel=1e-4)


def test_homogeneous_trials_truncate_tau2_at_zero_and_equal_fixed_effect():
    # Spread smaller than chance predicts: the DL moment estimate is negative and must become 0.
    y = np.array([0.10, 0.11, 0.09])
    se = np.array([0.3, 0.3, 0.4])
    w = 1 / se**2
    result = pool(y, se, method="dl")
    assert result.tau2 == 0.0
    assert result.i2 == 0.0
    assert result.log_estimate == pytest.approx((w * y).sum() / w.sum(), rel=1e-12)
    assert result.se == pytest.approx(math.sqrt(1 / w.sum()), rel=1e-12)


def test_one_trial_pools_to_itself_with_heterogeneity_not_estimable():
    result = pool([math.log(1.35)], [0.18])
    assert result.k == 1 and result.ratio == pytest.approx(1.35)
    assert math.isnan(result.tau2) and math.isnan(result.i2)


@pytest.mark.parametrize("args, message", [
    (([], []), "no trials"),
    (([0.1, 0.2], [0.1]), "equal length"),
    (([0.1, 0.2], [0.1, -0.1]), "positive"),
    (([0.1, float("nan")], [0.1, 0.1]), "finite"),
])
def test_bad_input_is_refused_with_a_clear_message(args, message):
    with pytest.raises(ValueError, match=message):
        pool(*args)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method"):
        pool([0.1, 0.2], [0.1, 0.1], method="reml")


def test_pooling_different_endpoints_is_refused():
    a = TrialEffect("a", "A", "PFS", 0.1, 0.2)
    b = TrialEffect("b", "B", "OS", 0.1, 0.2)
    with pytest.raises(ValueError, match="different endpoints"):
        pool_effects([a, b])


# ---------------------------------------------------------------- single-trial effect sizes

def test_se_from_ci_inverts_a_symmetric_log_interval():
    se = 0.3
    low, high = math.exp(-0.2 - synthesis.Z95 * se), math.exp(-0.2 + synthesis.Z95 * se)
    assert se_from_ci(low, high) == pytest.approx(se, rel=1e-12)
    with pytest.raises(ValueError, match="below"):
        se_from_ci(1.2, 0.8)


def test_altman_bland_worked_example():
    # BMJ 2011;343:d2090, worked example (a): difference 17 percentage points, P = 0.032
    # gives z = 2.141 and SE = 7.940.
    assert z_from_p_value(0.032) == pytest.approx(2.141, abs=5e-4)
    assert se_from_p_value(17, 0.032, log_scale=False) == pytest.approx(7.940, abs=5e-4)


def test_se_from_p_value_for_a_ratio_uses_the_log_scale():
    assert se_from_p_value(0.5, 0.05) == pytest.approx(abs(math.log(0.5)) / z_from_p_value(0.05))
    with pytest.raises(ValueError, match="between 0 and 1"):
        se_from_p_value(0.5, 1.2)
    with pytest.raises(ValueError, match="no effect"):
        se_from_p_value(1.0, 0.5)


def test_log_risk_ratio_matches_the_textbook_formula():
    log_rr, se = log_risk_ratio(30, 50, 20, 50)
    assert log_rr == pytest.approx(math.log(0.6 / 0.4))
    assert se == pytest.approx(math.sqrt(1 / 30 - 1 / 50 + 1 / 20 - 1 / 50))
    with pytest.raises(ValueError, match="zero events"):
        log_risk_ratio(0, 50, 20, 50)
    with pytest.raises(ValueError, match="events <= n"):
        log_risk_ratio(60, 50, 20, 50)


# ---------------------------------------------------------------- from records

def _study(id, source, outcomes, randomised=True, arms=None, stage="RRMM", name=None):
    """A typed study record with only the fields these tests vary; the rest are neutral fillers."""
    arms = arms if arms is not None else [
        {"arm": "drug", "n": 100, "il6_blockade": True},
        {"arm": "control", "n": 100, "il6_blockade": False},
    ]
    arms = [{"regimen": arm["arm"], **arm} for arm in arms]
    return Study(id=id, name=name, source=source, where="test", agent="drug", target="IL-6", stage=stage, setting="test",
                 design="test", phase="2", randomised=randomised, n_total=200, arms=arms, outcomes=outcomes)


def _hr(endpoint, value, **extra):
    return {"endpoint": endpoint, "measure": "hazard_ratio", "comparison": "drug vs control",
            "value": value, **extra}


def _pct(endpoint, arm, value, **extra):
    return {"endpoint": endpoint, "measure": "percent", "arm": arm, "value": value, **extra}


STUDIES = [
    _study("with_ci", "smith2019trial", [_hr("PFS", 0.5, ci_low=0.25, ci_high=1.0)], name="Smith 2019"),
    _study("with_p", "jones2015trial", [_hr("PFS", 0.869, p_value=0.345, p_relation="=")]),
    _study("p_bound", "brown2014trial", [_hr("PFS", 0.9, p_value=0.05, p_relation="<")]),
    _study("bare_hr", "green2014trial", [_hr("PFS", 0.9)]),
    _study("medians", "white2006trial", [{"endpoint": "PFS", "measure": "median_months", "arm": "drug",
                                          "value": 31}]),
    _study("phase1", "black2013trial", [_pct("ORR", "drug", 15)], randomised=False,
           arms=[{"arm": "drug", "n": 13, "il6_blockade": True}]),
    _study("counts", "grey2016trial", [_pct("ORR", "drug", 60, count=60), _pct("ORR", "control", 40, count=40)]),
    _study("percent", "blue2017trial", [_pct("ORR", "drug", 55), _pct("ORR", "control", 47)]),
    _study("no_n", "pink2018trial", [_pct("ORR", "drug", 55), _pct("ORR", "control", 47)],
           arms=[{"arm": "drug", "n": None, "il6_blockade": True},
                 {"arm": "control", "n": None, "il6_blockade": False}]),
]


def test_hazard_ratios_from_records_with_ci_and_with_p_value():
    included, excluded = effects_from_studies(STUDIES, "PFS")
    by_id = {e.trial: e for e in included}
    assert set(by_id) == {"with_ci", "with_p"}
    assert by_id["with_ci"].ratio == pytest.approx(0.5)
    assert by_id["with_ci"].se == pytest.approx(math.log(4) / (2 * synthesis.Z95))
    assert not by_id["with_ci"].derived
    assert by_id["with_p"].derivation == DERIVED_FROM_P
    assert by_id["with_p"].se == pytest.approx(se_from_p_value(0.869, 0.345))
    assert by_id["with_ci"].label == "Smith 2019"
    reasons = {x.trial: x.reason for x in excluded}
    assert "only a bound" in reasons["p_bound"]
    assert "without CI or P value" in reasons["bare_hr"]
    assert "only medians or rates" in reasons["medians"]
    assert "not randomised" in reasons["phase1"]
    # Every study is accounted for exactly once.
    assert len(included) + len(excluded) == len(STUDIES)


def test_p_value_derivation_can_be_switched_off():
    included, excluded = effects_from_studies(STUDIES, "PFS", allow_se_from_p=False)
    assert [e.trial for e in included] == ["with_ci"]
    assert any(x.trial == "with_p" and "not allowed" in x.reason for x in excluded)


def test_risk_ratios_from_records_with_counts_and_percentages():
    included, excluded = effects_from_studies(STUDIES, "ORR")
    by_id = {e.trial: e for e in included}
    assert set(by_id) == {"counts", "percent"}
    assert by_id["counts"].ratio == pytest.approx(1.5)
    assert not by_id["counts"].derived
    assert by_id["percent"].ratio == pytest.approx(55 / 47)
    assert by_id["percent"].derivation == DERIVED_COUNTS
    reasons = {x.trial: x.reason for x in excluded}
    assert "per-arm numbers of patients not in the checked source" in reasons["no_n"]
    assert "not randomised" in reasons["phase1"]
    included_strict, _ = effects_from_studies(STUDIES, "ORR", allow_counts_from_percent=False)
    assert [e.trial for e in included_strict] == ["counts"]


def test_hazard_ratio_reported_control_vs_blockade_is_inverted():
    study = _study("reversed", "lee2020trial", [_hr("OS", 2.0, ci_low=1.0, ci_high=4.0,
                                                   comparison="control vs drug")])
    (effect,), _ = effects_from_studies([study], "OS")
    assert effect.ratio == pytest.approx(0.5)
    assert (effect.ci_low, effect.ci_high) == (pytest.approx(0.25), pytest.approx(1.0))


def test_hazard_ratio_with_unreadable_comparison_is_an_error():
    study = _study("odd", "kim2020trial", [_hr("OS", 2.0, ci_low=1.0, ci_high=4.0, comparison="A vs B")])
    with pytest.raises(ValueError, match="'odd'.*comparison 'A vs B'"):
        effects_from_studies([study], "OS")


def test_outcome_n_takes_precedence_over_arm_size():
    study = _study("evaluable", "park2012trial", [_pct("CR", "drug", 20, count=10, n=50),
                                                   _pct("CR", "control", 10, count=5, n=50)])
    (effect,), _ = effects_from_studies([study], "CR")
    assert effect.se == pytest.approx(math.sqrt(1 / 10 - 1 / 50 + 1 / 5 - 1 / 50))


def test_unknown_endpoint_is_refused():
    with pytest.raises(ValueError, match="unknown endpoint"):
        effects_from_studies(STUDIES, "MRD")


def test_meta_analysis_trial_sets_leave_out_smouldering_or_derived_trials():
    smm = _study("smm", "gray2019trial", [_hr("PFS", 0.5, ci_low=0.24, ci_high=1.04)], stage="SMM")
    studies = [STUDIES[0], STUDIES[1], smm]
    full = synthesis.meta_analysis(studies, "PFS")
    assert [e.trial for e in full.effects] == ["with_ci", "with_p", "smm"]
    assert full.pooled.k == 3 and full.sensitivity.k == 3
    assert full.pooled.log_estimate == pytest.approx(pool_effects(full.effects, "dl").log_estimate)
    no_smm = synthesis.meta_analysis(studies, "PFS", "no_smm")
    assert [e.trial for e in no_smm.effects] == ["with_ci", "with_p"]
    assert any(x.trial == "smm" and "smouldering" in x.reason for x in no_smm.excluded)
    published = synthesis.meta_analysis(studies, "PFS", "published_only")
    assert [e.trial for e in published.effects] == ["with_ci", "smm"]
    assert any(x.trial == "with_p" and "P value" in x.reason for x in published.excluded)


def test_meta_analysis_with_no_usable_trial_has_no_pooled_estimate():
    empty = synthesis.meta_analysis(STUDIES[:1], "ORR")
    assert empty.k == 0 and empty.pooled is None and empty.estimates == ()
    with pytest.raises(ValueError, match="trial_set"):
        synthesis.meta_analysis(STUDIES, "PFS", "favourites")


def test_hartung_knapp_interval_matches_statsmodels_and_widens_with_two_trials():
    import numpy as np
    from statsmodels.stats.meta_analysis import combine_effects

    y, se = [math.log(0.869), math.log(0.5)], [0.1476, 0.3719]
    pooled = synthesis.pool(y, se, "dl")
    reference = combine_effects(np.array(y), np.array(se) ** 2, method_re="dl")
    assert pooled.se_hksj == pytest.approx(float(reference.sd_eff_w_re_hksj))
    assert pooled.t_quantile == pytest.approx(12.7062, rel=1e-4)     # t on 1 df
    assert pooled.hksj_ci_low < pooled.ci_low and pooled.hksj_ci_high > pooled.ci_high


def test_with_two_trials_dersimonian_laird_and_paule_mandel_agree_by_construction():
    y, se = [math.log(0.869), math.log(0.5)], [0.1476, 0.3719]
    dl, pm = synthesis.pool(y, se, "dl"), synthesis.pool(y, se, "pm")
    # Paule-Mandel is solved iteratively, so it matches to its tolerance.
    assert dl.tau2 == pytest.approx(pm.tau2, rel=1e-4) and dl.ratio == pytest.approx(pm.ratio, rel=1e-6)
