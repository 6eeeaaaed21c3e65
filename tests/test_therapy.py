"""Chapter 4's CRS figure and the record lookups that put numbers into prose."""

import pytest
from matplotlib.patches import Rectangle

from il6mm.evidence import load_evidence, record_quantity, study_outcome
from il6mm.figures.therapy import crs_alt_text, crs_incidence_figure, crs_rows


@pytest.fixture(scope="module")
def evidence():
    return load_evidence()


def test_every_crs_record_is_drawn_or_listed_with_a_reason(evidence):
    rows, left_out = crs_rows(evidence.crs)
    drawn = {r.record_id for r in rows}
    listed = {rid for rid, _ in left_out}
    assert drawn | listed == {r.id for r in evidence.crs} and not drawn & listed
    assert all(reason for _, reason in left_out)


def test_bars_show_the_recorded_incidence(evidence):
    rows, _ = crs_rows(evidence.crs)
    fig = crs_incidence_figure(rows)
    bars = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert [b.get_width() for b in bars] == [r.any_grade for r in rows]
    by_id = {r.id: r for r in evidence.crs}
    assert all(r.any_grade == by_id[r.record_id].crs_any_grade_percent for r in rows)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [r.label for r in rows]


def test_alt_text_names_every_bar(evidence):
    rows, _ = crs_rows(evidence.crs)
    alt = crs_alt_text(rows)
    assert all(f"{r.any_grade:g}%" in alt for r in rows)


def test_an_empty_figure_is_an_error():
    with pytest.raises(ValueError, match="no rows"):
        crs_incidence_figure([])


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
