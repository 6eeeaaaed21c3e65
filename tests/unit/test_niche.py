"""The niche model (il6mm.analysis.niche): its parameter file, its mathematics and the claims the chapter makes."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from il6mm.analysis import niche
from il6mm.evidence.bibliography import bib_keys
from il6mm.figures.niche import parameter_table_markdown as fn_parameter_table_markdown
from il6mm.analysis.niche import (BlockadeScenario, Controls, Intervention, NicheParameters, ParameterFileError,
                         closed_form_steady_state, simulate, stable_disease_state, steady_states)

P = niche.load_parameters()
RECORDS = niche.load_parameter_records()


# --------------------------------------------------------------------------------------------
# The parameter file
# --------------------------------------------------------------------------------------------

def test_every_parameter_has_value_unit_and_provenance():
    assert set(RECORDS) == set(niche.PARAMETER_NAMES)
    for record in RECORDS.values():
        assert record.unit
        assert record.provenance == "assumed" or record.provenance in niche.bib_keys(niche.BIB_FILE)
        if record.provenance == "assumed":
            assert len(record.reason) > 20, record.name  # a reason, not a placeholder
        low, high = record.range
        assert low <= record.value <= high


def test_mechanism_citations_exist_in_the_bibliography():
    keys = set(bib_keys(niche.BIB_FILE))
    cited = {key for record in RECORDS.values() for key in record.supports}
    assert cited and cited <= keys
    assert {"matthes2015il6", "matthes2011april", "vanzaanen1996endogenous"} <= cited
    # rho ("IL-6 several-fold its healthy level") rests on measured IL-6 production, not on how often
    # serum IL-6 was detectable
    assert "vanzaanen1996endogenous" in RECORDS["rho"].supports
    assert "bataille1989serum" not in RECORDS["rho"].supports


def _write_variant(tmp_path: Path, change) -> Path:
    document = yaml.safe_load(niche.PARAMETERS_FILE.read_text())
    change(document["parameters"])
    path = tmp_path / "niche_parameters.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest.mark.parametrize("change, parameter, field, words", [
    (lambda d: d["rho"].pop("unit"), "rho", "unit", "missing"),
    (lambda d: d["rho"].update(unit=""), "rho", "unit", "non-empty"),
    (lambda d: d["kappa"].update(value="high"), "kappa", "value", "number"),
    (lambda d: d["kappa"].update(value=float("nan")), "kappa", "value", "finite"),
    (lambda d: d["r_T"].update(value=-0.1), "r_T", "value", ">= 0"),
    (lambda d: d["theta"].update(value=1.5, range=[0, 2]), "theta", "value", "[0, 1]"),
    (lambda d: d["K_I"].update(value=50.0), "K_I", "range", "does not contain"),
    (lambda d: d["K_I"].update(range=[5.0]), "K_I", "range", "[low, high]"),
    (lambda d: d["alpha"].update(provenance="nosuchpaper2099"), "alpha", "provenance", "references.bib"),
    (lambda d: d["alpha"].update(reason=""), "alpha", "reason", "non-empty"),
    (lambda d: d["alpha"].update(supports=["nosuchpaper2099"]), "alpha", "supports", "nosuchpaper2099"),
    (lambda d: d["alpha"].update(supports="matthes2015il6"), "alpha", "supports", "list"),
    (lambda d: d["alpha"].update(colour="red"), "alpha", "colour", "unknown field"),
    (lambda d: d.pop("mu_T"), "mu_T", "(record)", "missing"),
    (lambda d: d.update(zeta={}), "zeta", "(record)", "unknown parameter"),
])
def test_parameter_file_errors_name_file_parameter_and_field(tmp_path, change, parameter, field, words):
    path = _write_variant(tmp_path, change)
    with pytest.raises(ParameterFileError) as error:
        niche.load_parameters(path)
    message = str(error.value)
    assert re.match(r"niche_parameters\.yaml( \(line \d+\))?: ", message), message
    assert f"parameter '{parameter}'" in message and f"field '{field}'" in message
    assert words in message


def test_every_bad_parameter_is_reported_at_once_with_its_line(tmp_path):
    def break_three(d):
        d["rho"].pop("unit")
        d["kappa"].update(value="high")
        d.pop("mu_T")

    path = _write_variant(tmp_path, break_three)
    with pytest.raises(ParameterFileError) as error:
        niche.load_parameters(path)
    lines = str(error.value).splitlines()
    assert lines[0] == "3 problems in niche_parameters.yaml:"
    text = path.read_text().splitlines()
    for name, field, words in (("rho", "unit", "missing"), ("kappa", "value", "number"), ("mu_T", "(record)", "missing")):
        line, = [x for x in lines if f"parameter '{name}'" in x]
        assert f"field '{field}'" in line and words in line
        if name != "mu_T":  # a missing parameter has no line
            number = int(re.search(r"\(line (\d+)\)", line).group(1))
            assert text[number - 1].strip() == f"{name}:", (line, text[number - 1])


def test_a_provenance_key_from_the_bibliography_needs_no_reason(tmp_path):
    path = _write_variant(tmp_path, lambda d: d["rho"].update(provenance="matthes2015il6", reason=None))
    assert niche.load_parameter_records(path)["rho"].provenance == "matthes2015il6"


def test_malformed_yaml_is_reported_with_the_file_name(tmp_path):
    path = tmp_path / "niche_parameters.yaml"
    path.write_text("parameters: [unclosed\n")
    with pytest.raises(ParameterFileError, match="niche_parameters.yaml: not valid YAML"):
        niche.load_parameters(path)


def test_parameter_table_lists_every_parameter_with_its_provenance():
    table = fn_parameter_table_markdown(RECORDS)
    rows = [line for line in table.splitlines()[2:]]
    assert len(rows) == len(RECORDS)
    for record in RECORDS.values():
        assert f"${record.symbol}$" in table
    assert "{footcite}`matthes2015il6`" in table
    assert table.count("assumed: ") == sum(r.provenance == "assumed" for r in RECORDS.values())


# --------------------------------------------------------------------------------------------
# Steady states: analytic where the equations allow, numerical otherwise
# --------------------------------------------------------------------------------------------

def test_healthy_marrow_is_an_exact_steady_state():
    assert np.allclose(niche.rhs(0.0, np.array(niche.HEALTHY_STATE), P), 0.0, atol=1e-15)
    tumour_free = steady_states(P)[0]
    assert np.allclose(tumour_free.as_array(), niche.HEALTHY_STATE, atol=1e-12)


@pytest.mark.parametrize("theta, april_blockade, kill_rate", [(0.0, 0.0, 0.0), (0.7, 1.0, 0.0), (0.0, 0.0, 0.01)])
def test_closed_form_steady_state_matches_the_numerical_solution(theta, april_blockade, kill_rate):
    # Small mu_T so that a myeloma survives complete IL-6 blockade: T* = 1 - (mu_T (1 - s_0) + k) / r_T > 0.
    p = P.replace(theta=theta, mu_T=0.03)
    controls = Controls(receptor_blockade=1.0, april_blockade=april_blockade, kill_rate=kill_rate)
    exact = closed_form_steady_state(p, controls)
    assert exact.T == pytest.approx(1 - (p.mu_T * (1 - p.s_0) + kill_rate) / p.r_T)
    assert exact.T > 0.1
    targets = [("il6r_blockade", 1.0), ("april_blockade", april_blockade), ("anti_myeloma", kill_rate)]
    ivs = [Intervention(t, s, 0.0) for t, s in targets if s > 0]
    final = simulate(p.replace(T_0=0.05), ivs, t_end=3000, n_points=2)
    assert np.allclose([final.state(n)[-1] for n in niche.STATE_NAMES], exact.as_array(), rtol=1e-4, atol=1e-6)
    # The root-finding route agrees with the closed form.
    assert stable_disease_state(p, controls).as_array() == pytest.approx(exact.as_array(), rel=1e-8, abs=1e-10)


def test_closed_form_refuses_cases_it_does_not_cover():
    with pytest.raises(ValueError, match="full IL-6 receptor blockade"):
        closed_form_steady_state(P, Controls(receptor_blockade=0.9))
    with pytest.raises(ValueError, match="no APRIL survival signal"):
        closed_form_steady_state(P.replace(theta=0.5), Controls(receptor_blockade=1.0))


def test_complete_blockade_of_a_factor_dependent_myeloma_eradicates_it():
    # T* = max(0, ...) = 0 when the unsupported death rate beats growth.
    p = P.replace(theta=0.0, mu_T=0.2)
    exact = closed_form_steady_state(p, Controls(receptor_blockade=1.0))
    assert exact.T == 0.0
    assert simulate(p.replace(T_0=0.3), [Intervention("il6r_blockade", 1.0)], t_end=1500, n_points=2).T[-1] < 1e-6


@pytest.mark.parametrize("controls, interventions", [
    (Controls(), ()),
    (Controls(receptor_blockade=0.9), (Intervention("il6r_blockade", 0.9),)),
    (Controls(neutralisation=0.9), (Intervention("il6_neutralisation", 0.9),)),
    (Controls(april_blockade=0.5, kill_rate=0.005),
     (Intervention("april_blockade", 0.5), Intervention("anti_myeloma", 0.005))),
])
def test_root_found_steady_state_is_where_the_solution_settles(controls, interventions):
    expected = stable_disease_state(P, controls)
    # A zero right-hand side, to the solver's precision: it is a steady state of the full model.
    assert np.allclose(niche.rhs(0.0, expected.as_array(), P, controls), 0.0, atol=1e-10)
    final = simulate(P.replace(T_0=0.3), interventions, t_end=4000, n_points=2)
    assert np.allclose([final.state(n)[-1] for n in niche.STATE_NAMES], expected.as_array(), rtol=1e-4, atol=1e-6)


# --------------------------------------------------------------------------------------------
# Positivity, boundedness, solver
# --------------------------------------------------------------------------------------------

def _upper_bounds(p: NicheParameters):
    R0 = niche.healthy_il6_signal(p)
    M_max = (1 + p.eps_M) / (1 + p.eps_M * R0)
    return {"H": 1.0, "M": M_max, "I": M_max * (1 + p.rho), "A": M_max * (1 + p.alpha) / (1 + p.alpha * R0),
            "T": 1.0}


@pytest.mark.parametrize("interventions", [
    (),
    (Intervention("il6r_blockade", 1.0, 100),),
    (Intervention("il6_neutralisation", 1.0, 300), Intervention("april_blockade", 1.0, 300)),
    (Intervention("anti_myeloma", 0.5, 200),),
])
def test_states_stay_positive_and_bounded_across_the_parameter_ranges(interventions):
    _, batch = niche.sample_parameters(RECORDS, niche.PARAMETER_NAMES, n_samples=64, seed=7)
    traj = simulate(batch, interventions, t_end=1200, n_points=241)
    bounds = _upper_bounds(batch)
    for name in niche.STATE_NAMES:
        values = traj.state(name)
        assert np.all(values >= 0), name
        bound = np.broadcast_to(np.asarray(bounds[name]), (values.shape[0],))[:, None]
        assert np.all(values <= bound * (1 + 1e-6) + 1e-9), name
    assert np.all(traj.T > 0)  # log T: the burden can fall far but never below zero


def test_a_batch_solves_like_its_models_one_by_one():
    _, batch = niche.sample_parameters(RECORDS, ("theta", "s_0", "rho"), n_samples=3, seed=1)
    ivs = (Intervention("il6r_blockade", 0.9, 400),)
    together = simulate(batch, ivs, t_end=700, n_points=8)
    for k in range(3):
        single = batch.replace(**{n: float(np.asarray(v)[k]) if np.ndim(v) else v
                                  for n, v in batch.as_dict().items()})
        alone = simulate(single, ivs, t_end=700, n_points=8)
        for name in niche.STATE_NAMES:
            assert np.allclose(together.state(name)[k], alone.state(name), rtol=1e-4, atol=1e-7), name


def test_an_intervention_changes_nothing_before_it_starts():
    untreated = simulate(P, (), t_end=600, n_points=61)
    treated = simulate(P, (Intervention("il6r_blockade", 0.9, 300),), t_end=600, n_points=61)
    before = treated.t <= 300
    assert np.allclose(treated.T[before], untreated.T[before], rtol=1e-4)
    assert treated.T[-1] < 0.8 * untreated.T[-1]


def test_several_interventions_on_one_target_take_the_strongest():
    assert niche.controls_at([Intervention("il6r_blockade", 0.5, 0), Intervention("il6r_blockade", 0.8, 10)],
                             20).receptor_blockade == 0.8
    assert niche.controls_at([Intervention("il6r_blockade", 0.5, 0), Intervention("il6r_blockade", 0.8, 10)],
                             5).receptor_blockade == 0.5


@pytest.mark.parametrize("kwargs, words", [
    (dict(target="il6", strength=0.5), "not one of"),
    (dict(target="il6r_blockade", strength=1.5), "fraction"),
    (dict(target="april_blockade", strength=-0.1), ">= 0"),
    (dict(target="anti_myeloma", strength=0.1, start=-1), "start"),
])
def test_bad_interventions_are_refused_with_a_clear_message(kwargs, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        Intervention(**kwargs)


def test_bad_initial_state_and_output_times_are_refused():
    with pytest.raises(ValueError, match="myeloma burden T > 0"):
        simulate(P, y0=np.array([1, 1, 1, 1, 0.0]))
    with pytest.raises(ValueError, match="output times"):
        simulate(P, t_end=10, times=[0, 5, 4, 10])


# --------------------------------------------------------------------------------------------
# The qualitative claims of the chapter
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("controls", [Controls(receptor_blockade=0.9), Controls(neutralisation=0.9)])
def test_blocking_il6_lowers_the_myeloid_pool_and_april_at_steady_state(controls):
    untreated, blocked = stable_disease_state(P), stable_disease_state(P, controls)
    assert blocked.M < untreated.M
    assert blocked.A < untreated.A
    assert blocked.I < untreated.I
    assert blocked.T < untreated.T


def test_with_april_support_il6_blockade_slows_myeloma_less():
    scenario = BlockadeScenario(seed=0.3)
    benefits = [float(niche.blockade_benefit(P.replace(theta=theta), scenario)) for theta in (0.0, 0.35, 0.7, 1.0)]
    assert all(a > b for a, b in zip(benefits, benefits[1:])), benefits
    assert benefits[0] > 0.9 and benefits[-1] < 0.6


def test_dual_blockade_beats_either_alone():
    scenario = BlockadeScenario(seed=0.3)
    il6 = niche.blockade_outcome(P, scenario)
    april = niche.blockade_outcome(P, BlockadeScenario(target="april_blockade", seed=0.3))
    dual = niche.blockade_outcome(P, scenario, extra=(Intervention("april_blockade", 0.9, scenario.start),))
    assert dual.T_treated < il6.T_treated and dual.T_treated < april.T_treated
    assert 1 - dual.T_treated / il6.T_untreated > max(il6.benefit, april.benefit)


def test_neutralisation_loses_grip_where_receptor_blockade_does_not():
    # Same nominal strength: a finite ligand sink does less at the high IL-6 of established disease...
    neutralised = stable_disease_state(P, Controls(neutralisation=0.9))
    blocked = stable_disease_state(P, Controls(receptor_blockade=0.9))
    assert neutralised.T > blocked.T
    # ... and a larger antibody capacity closes the gap.
    larger = stable_disease_state(P.replace(c_N=1000.0), Controls(neutralisation=0.9))
    assert blocked.T <= larger.T < neutralised.T


def test_background_therapy_lowers_the_plateau_and_adds_to_il6_blockade():
    therapy = stable_disease_state(P, Controls(kill_rate=0.01))
    both = stable_disease_state(P, Controls(kill_rate=0.01, receptor_blockade=0.9))
    assert both.T < therapy.T < stable_disease_state(P).T


def test_literature_checks_give_the_verdicts_the_chapter_reports():
    checks = niche.literature_checks(P)
    assert [c.verdict for c in checks] == ["reproduced"] * 4 + ["partly", "partly"]
    assert all(c.records for c in checks)


def test_literature_checks_state_the_scenario_they_computed():
    checks = niche.literature_checks(P, strength=0.5)
    redundancy = next(c for c in checks if "stand in for IL-6" in c.topic)
    assert f"After {BlockadeScenario().duration:g} days of IL-6 receptor blockade (50%)" in redundancy.model
    assert "a major APRIL source" in checks[2].topic  # not "the main": osteoclasts supply APRIL too


# --------------------------------------------------------------------------------------------
# Sensitivity analysis
# --------------------------------------------------------------------------------------------

def test_sensitivity_analysis_is_deterministic_for_a_seed():
    names = ("theta", "s_0", "alpha", "r_M")
    first = niche.sensitivity_analysis(RECORDS, names=names, n_samples=48, seed=11)
    again = niche.sensitivity_analysis(RECORDS, names=names, n_samples=48, seed=11)
    other = niche.sensitivity_analysis(RECORDS, names=names, n_samples=48, seed=12)
    assert np.array_equal(first.sample, again.sample)
    assert np.array_equal(first.benefit, again.benefit, equal_nan=True)
    assert np.array_equal(first.prcc, again.prcc)
    assert not np.array_equal(first.sample, other.sample)


def test_sensitivity_samples_stay_within_the_ranges():
    sample, _ = niche.sample_parameters(RECORDS, niche.PARAMETER_NAMES, n_samples=100, seed=3)
    for j, name in enumerate(niche.PARAMETER_NAMES):
        low, high = RECORDS[name].range
        assert sample[:, j].min() >= low and sample[:, j].max() <= high


def test_prcc_finds_a_known_monotone_dependence():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(200, 3))
    y = np.exp(3 * x[:, 0]) - x[:, 2] + 0.01 * rng.normal(size=200)
    prcc = niche.partial_rank_correlation(x, y)
    assert prcc[0] > 0.95 and prcc[2] < -0.5 and abs(prcc[1]) < 0.2


def test_april_dependence_and_factor_independent_survival_decide_the_benefit():
    result = niche.sensitivity_analysis(RECORDS, n_samples=128)
    top = [name for name, _ in result.ranking()[:5]]
    assert "theta" in top and "s_0" in top
    assert dict(result.ranking())["theta"] < 0  # more APRIL dependence, less benefit
    assert result.n_excluded == int(np.isnan(result.benefit).sum())
    assert 0 < result.baseline_benefit < 1


def test_sensitivity_leaves_out_parameters_that_cannot_act_on_the_target():
    # c_N (the neutralising antibody's capacity) cannot change the benefit of receptor blockade
    assert "c_N" not in niche.relevant_parameters(RECORDS, "il6r_blockade")
    assert "c_N" in niche.relevant_parameters(RECORDS, "il6_neutralisation")
    assert set(niche.relevant_parameters(RECORDS, "il6r_blockade")) == set(RECORDS) - {"c_N"}
    oat = BlockadeScenario()
    low = niche.blockade_benefit(P.replace(c_N=RECORDS["c_N"].range[0]), oat)
    high = niche.blockade_benefit(P.replace(c_N=RECORDS["c_N"].range[1]), oat)
    assert low == pytest.approx(high, abs=1e-12)


def test_sensitivity_refuses_unknown_parameters():
    with pytest.raises(ValueError, match="no parameter named 'zeta'"):
        niche.sensitivity_analysis(RECORDS, names=("zeta",), n_samples=8)


def test_batched_parameters_must_share_one_length():
    with pytest.raises(ValueError, match="share one length"):
        P.replace(theta=np.zeros(3), s_0=np.zeros(4)).batch_size
    assert math.isclose(P.theta, RECORDS["theta"].value)


def test_named_parameter_table_is_a_numbered_table_with_a_caption():
    table = fn_parameter_table_markdown(RECORDS, name="tab-niche-parameters")
    assert table.startswith(":::{table} Parameters of the niche model")
    assert "\n:name: tab-niche-parameters\n" in table and table.endswith(":::")


def test_calibration_is_kept_apart_from_independent_checks():
    """Checks the parameters were chosen to meet, or that restate an assumption, never count as reproduced."""
    from il6mm.analysis.niche import CHECK_BASES
    from il6mm.results.named import ResultSet
    from il6mm.evidence import load_evidence
    from conftest import REPO

    checks = niche.literature_checks(niche.load_parameters())
    assert [c.basis for c in checks] == ["calibrated"] * 3 + ["assumption", "independent", "independent"]
    assert all(c.basis in CHECK_BASES for c in checks)
    counts = ResultSet(load_evidence(), REPO).get("niche").value
    assert counts["calibration_checks"] + counts["independent_checks"] == counts["checks"] == len(checks)
    assert counts["reproduced"] == sum(c.independent and c.verdict == "reproduced" for c in checks) == 0
    assert counts["assumed"] == counts["parameters"]
