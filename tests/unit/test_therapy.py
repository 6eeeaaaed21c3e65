"""Chapter 4's CRS pooling: cohorts from records, logit random effects, the forest plot, and bad input."""

import math

import pytest
from matplotlib.patches import Polygon

from il6mm.analysis.crs_pooling import Cohort, cohort_of, crs_pooling, pool_proportions
from il6mm.evidence import CRSRecord, EvidenceError, load_evidence, record_quantity, study_outcome
from il6mm.evidence.records import check_record
from il6mm.figures.therapy import crs_forest_alt_text, crs_forest_figure


@pytest.fixture(scope="module")
def evidence():
    return load_evidence()


def _record(**fields) -> CRSRecord:
    base = dict(id="crs-test", source="moreau2022teclistamab", where="abstract", product="teclistamab",
                product_class="bispecific antibody", therapy_class="BCMA bispecific", n=100)
    return CRSRecord(**{**base, **fields})


def test_every_patient_cohort_is_pooled_or_left_out_with_a_reason(evidence):
    for grade in ("any", "grade3"):
        pooling = crs_pooling(evidence.crs, grade)
        pooled = {c.record for c in pooling.cohorts}
        left = {x.record for x in pooling.left_out}
        patients = {r.id for r in evidence.crs if r.system == "patients" and r.product_class != "IL-6 blockade"}
        assert pooled | left == patients and not pooled & left
        assert all(x.reason for x in pooling.left_out)


def test_events_come_from_the_count_or_the_published_percentage(evidence):
    sandahl = cohort_of(evidence.get("crs-outpatient-sandahl2025"))
    assert (sandahl.events, sandahl.n, sandahl.derived) == (18, 57, False)
    majestec = cohort_of(evidence.get("crs-majestec1-teclistamab"))
    assert (majestec.events, majestec.n, majestec.derived) == (round(72.1 * 165 / 100), 165, True)
    assert cohort_of(evidence.get("crs-monumental1-talquetamab")) == "number of patients not on a checked page"


def test_one_cohort_is_itself_and_two_identical_cohorts_pool_to_the_same_proportion():
    c = Cohort("a", "A", "BCMA bispecific", False, 30, 100, False, "x")
    single = pool_proportions("g", [c])
    assert single.proportion == pytest.approx(0.30) and math.isnan(single.tau2)
    twice = pool_proportions("g", [c, Cohort("b", "B", "BCMA bispecific", False, 30, 100, False, "x")])
    assert twice.proportion == pytest.approx(0.30) and twice.tau2 == 0.0
    assert twice.ci_high - twice.ci_low < single.ci_high - single.ci_low


def test_pooling_matches_a_hand_computed_fixed_effect_case():
    # tau² = 0 when the cohorts agree: the estimate is the inverse-variance mean of the logits.
    a, b = Cohort("a", "A", "g", False, 20, 100, False, "x"), Cohort("b", "B", "g", False, 22, 100, False, "x")
    pooled = pool_proportions("g", [a, b])
    w = [1 / a.se ** 2, 1 / b.se ** 2]
    mean = (w[0] * a.logit + w[1] * b.logit) / sum(w)
    assert pooled.tau2 == 0.0 and pooled.proportion == pytest.approx(1 / (1 + math.exp(-mean)))


def test_zero_events_get_a_continuity_correction():
    c = Cohort("a", "A", "g", True, 0, 119, False, "x")
    assert c.corrected and math.isfinite(c.logit) and c.ci_low == pytest.approx(0.0, abs=1e-3) and c.ci_high > 0


@pytest.mark.parametrize("fields, field, message", [
    (dict(crs_any_grade_count=120), "crs_any_grade_count", "120 events is more than the 100 patients"),
    (dict(crs_any_grade_count=10, crs_grade3plus_count=11), "crs_grade3plus_count", "more than the 10 events"),
    (dict(crs_any_grade_percent=10, crs_grade3plus_percent=12), "crs_grade3plus_percent", "cannot exceed"),
    (dict(prophylactic_tocilizumab=True), "comparator", "must say what it is compared with"),
    (dict(n=None, crs_any_grade_count=5), "n", "needs the number of patients"),
])
def test_impossible_cohorts_are_rejected_naming_the_field(fields, field, message):
    problems = check_record(_record(**fields))
    assert any(f == field and message in m for f, m in problems), problems


def test_a_bad_cohort_fails_the_load_with_file_record_and_field(tmp_path):
    from conftest import REPO

    data = tmp_path / "data"
    data.mkdir()
    for name in ("studies", "timeline", "findings"):
        (data / f"{name}.yaml").write_text((REPO / "data" / f"{name}.yaml").read_text())
    crs = (REPO / "data" / "crs.yaml").read_text()
    (data / "crs.yaml").write_text(crs.replace("  crs_any_grade_count: 18\n", "  crs_any_grade_count: 58\n"))
    with pytest.raises(EvidenceError, match=r"crs.yaml \(line \d+\): record 'crs-outpatient-sandahl2025': "
                                            r"field 'crs_any_grade_count': 58 events is more than the 57 patients"):
        load_evidence(data, REPO / "references.bib")


def _diamonds(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, Polygon)]


def test_forest_plot_draws_every_cohort_and_a_diamond_per_pooled_group(evidence):
    pooling = crs_pooling(evidence.crs)
    fig = crs_forest_figure(pooling, "class")
    # A diamond per setting of a class with two or more cohorts, and one for a class over both settings.
    settings = sum(p.k >= 2 for p in pooling.by_class_setting.values())
    both = sum(p.k >= 2 and len({c.setting for c in p.cohorts}) > 1 for p in pooling.by_class.values())
    assert len(_diamonds(fig)) == settings + both
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    for pooled in pooling.by_class.values():
        assert all(any(c.label in label for label in labels) for c in pooled.cohorts)
    products = crs_forest_figure(pooling, "product")
    assert len(_diamonds(products)) == sum(p.k >= 2 for p in pooling.by_product.values())
    with pytest.raises(ValueError, match="view"):
        crs_forest_figure(pooling, "everything")


def test_the_prophylaxis_cohorts_are_side_by_side_and_never_pooled(evidence):
    pooling = crs_pooling(evidence.crs)
    assert not _diamonds(crs_forest_figure(pooling, "prophylaxis"))
    assert set(pooling.prophylaxis) == {"with", "without"}
    alt = crs_forest_alt_text(pooling, "prophylaxis")
    assert "prophylactic tocilizumab" in alt and "pooled" not in alt
    for cohort in pooling.prophylaxis["with"]:
        assert f"{cohort.label} {cohort.percent:.0f}%" in alt


def test_trial_and_real_world_cohorts_are_pooled_apart_and_each_estimate_names_its_products(evidence):
    from il6mm.figures.therapy import pooled_estimates_markdown

    pooling = crs_pooling(evidence.crs)
    trials, world = (pooling.by_class_setting[f"BCMA CAR-T / {s}"] for s in ("trials", "real-world"))
    assert {c.setting for c in trials.cohorts} == {"trials"} and {c.setting for c in world.cohorts} == {"real-world"}
    assert {c.record for c in trials.cohorts} | {c.record for c in world.cohorts} == {
        c.record for c in pooling.by_class["BCMA CAR-T"].cohorts}
    assert {c.product for c in pooling.by_class["BCMA CAR-T"].cohorts} == {"cilta-cel", "ide-cel"}
    assert {c.product for c in pooling.by_class["BCMA bispecific"].cohorts} == {"teclistamab", "elranatamab"}
    table = pooled_estimates_markdown(pooling)
    car_t = pooling.by_class["BCMA CAR-T"]
    row = next(line for line in table.splitlines() if line.startswith("| BCMA CAR-T |"))
    assert pooling.products_of(car_t) in row and f"{car_t.tau2:.2f}" in row and f"{100 * car_t.i2:.0f}%" in row
    assert f"{car_t.prediction_percent_low:.0f}\u2013{car_t.prediction_percent_high:.0f}%" in row


def test_study_outcome_picks_the_arm_and_time(evidence):
    smm = evidence.get("brighton2019")
    assert study_outcome(smm, "PFS", "rate_percent", blockade=True, at_months=12).value == 84.5
    assert study_outcome(smm, "PFS", "rate_percent", blockade=False, at_months=12).value == 74.4
    with pytest.raises(LookupError, match="brighton2019.*OS hazard_ratio"):
        study_outcome(smm, "OS", "hazard_ratio")


def test_record_quantity_names_what_exists_when_missing(evidence):
    record = evidence.get("crs-majestec1-tocilizumab")
    assert record_quantity(record, "CRS recurrence, tocilizumab for first event").value == 20.0
    with pytest.raises(LookupError, match="crs-majestec1-tocilizumab.*grade 1 CRS"):
        record_quantity(record, "no such label")


@pytest.mark.slow
def test_the_explorer_shows_exactly_what_the_pooling_computes(evidence):
    from il6mm.analysis.crs_pooling import crs_pooling
    from il6mm.figures.interactive import precomputed_frames, render_png
    from il6mm.figures.therapy import CRS_GRADES, CRS_VIEWS, _row_count, crs_explorer

    explorer = crs_explorer(evidence.crs)
    frames = precomputed_frames(explorer)
    assert set(frames) == {(v, g) for _, v in CRS_VIEWS for _, g in CRS_GRADES}
    rows = max(_row_count(crs_pooling(evidence.crs, g), v) for _, v in CRS_VIEWS for _, g in CRS_GRADES)
    for view, grade in frames:
        expected = render_png(lambda: explorer.frame_layout.apply(
            crs_forest_figure(crs_pooling(evidence.crs, grade), view, min_rows=rows)))
        assert frames[(view, grade)] == expected, (view, grade)
    # The phone rendition keeps figure text legible (>= 9 CSS px once scaled to a 390 px screen).
    for frame in explorer.narrow_renditions.values():
        assert frame.font_px * min(1.0, 358 / frame.width) >= 9


@pytest.mark.slow
def test_the_live_explorer_redraws_its_rows_in_one_figure_as_a_new_figure_would(evidence):
    """Live kernel: the rows of the next comparison or grade are drawn into the one live figure, over a
    cached image of its texts; each frame shown must be what a new figure for that choice gives."""
    from il6mm.figures.therapy import crs_explorer

    from live_helpers import assert_live_frames_are_new_figures

    widget = crs_explorer(evidence.crs)
    assert_live_frames_are_new_figures(widget)
