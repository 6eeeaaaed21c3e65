"""Numbers in the prose: the value addresses, their formats, their provenance and their errors."""

from __future__ import annotations

import math
import re

import pytest

from il6mm.evidence import EvidenceError, load_evidence
from il6mm.results.named import DEFINITIONS, ResultSet, results_table_markdown
from il6mm.results.values import Resolver, Term, UnknownValue, format_value, split_spec
from conftest import REPO


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(REPO)


@pytest.mark.parametrize("spec, expected", [
    ("ifm9904.n_randomised", "166"),                        # a record field
    ("orlowski2015/pfs-hr:.3f", "0.869"),                   # a keyed outcome stands for its value
    ("orlowski2015/pfs-hr.p_value:.3f", "0.345"),           # a field of a keyed outcome
    ("brighton2019.arms[placebo].n", "42"),                 # a list item picked by name
    ("brighton2019.arms[0].n", "43"),                       # ... or by position
    ("bataille1995/remission:none", "none"),                # 0 reads "none"
    ("vanzaanen1996-il6-production/infection:,.0f", "1,208"),
    ("klein1989-il6-growth/fold.value_high", "3"),          # whole numbers print as integers
    ("tl-1991-first-patient.year", "1991"),
])
def test_record_addresses_render_the_recorded_value(resolver, spec, expected):
    assert resolver.text(spec) == expected


def test_result_addresses_render_what_the_package_computes(resolver):
    from il6mm.analysis.meta_analysis import meta_analysis

    pfs = meta_analysis(load_evidence().studies, "PFS")
    assert resolver.text("@pfs.pooled.ratio:.2f") == f"{pfs.pooled.ratio:.2f}"
    assert resolver.text("@pfs.k") == str(pfs.k)
    orl = next(e for e in pfs.effects if e.trial == "orlowski2015")
    assert resolver.resolve("@pfs.effects[orlowski2015].ci_low").value == pytest.approx(orl.ci_low)
    assert resolver.text("@pfs.pooled.i2:.0%") == f"{pfs.pooled.i2:.0%}"


def test_every_value_carries_its_provenance_and_anchor(resolver):
    record = resolver.resolve("orlowski2015/pfs-hr")
    assert record.anchor == "rec-orlowski2015" and record.record_id == "orlowski2015"
    assert "Orlowski et al. 2015" in record.provenance and "abstract" in record.provenance
    computed = resolver.resolve("@pfs.pooled.ratio")
    assert computed.anchor == "result-pfs" and "orlowski2015" in computed.provenance
    model = resolver.resolve("@niche.plateau.T")
    assert model.provenance.startswith("Model result") and "niche_parameters.yaml" in model.provenance


def test_a_source_without_displayed_authors_is_named_by_its_journal(resolver):
    assert resolver.short_citation("ifm9904blood2006").startswith("Blood 2006")


@pytest.mark.parametrize("spec, message", [
    ("nosuchrecord.n", "no evidence record with id 'nosuchrecord'"),
    ("ifm9904.n_randomized", "no field 'n_randomized'; fields: agent"),
    ("ifm9904/os-be9", "no outcome or quantity with key 'os-be9'; keys: os-control, os-be8"),
    ("ifm9904", "name a field"),
    ("brighton2019.arms[7].n", "no item [7] (there are 2)"),
    ("brighton2019.arms[dexamethasone].n", "no item [dexamethasone]; items: siltuximab, placebo"),
    ("@nosuchresult", "no named result @nosuchresult; results: @certainty, @cr"),
    ("@pfs.pooled.nonsense", "@pfs.pooled: no field 'nonsense'"),
    ("ifm9904.n_randomised:.2q", "format '.2q' does not apply"),
    ("brighton2019/pfs-median-silt", "None is not a number to show"),   # not reached: no value to show
    ("ifm9904.randomised", "True is not a number to show"),
    ("", "empty value address"),
])
def test_an_address_that_names_nothing_says_what_failed(resolver, spec, message):
    with pytest.raises(UnknownValue) as info:
        resolver.resolve(spec)
    assert message in str(info.value)


def test_format_spec_is_split_at_the_last_colon():
    assert split_spec("a/b.c:.2f") == ("a/b.c", ".2f")
    assert split_spec("a.b") == ("a.b", "")
    assert split_spec(" @x.y[0]:g ") == ("@x.y[0]", "g")


def test_default_format():
    assert format_value(46.0) == "46" and format_value(4.5) == "4.5" and format_value(7) == "7"
    assert format_value(0.0723456) == "0.0723456"
    assert format_value(2, "none") == "2" and format_value(0, "none") == "none"
    assert format_value([Term("K_A", "half-saturation"), Term("\\theta")]) == "$K_A$ (half-saturation), $\\theta$"
    with pytest.raises(UnknownValue):
        format_value(math.nan, "q")


def test_keys_are_unique_within_a_record(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("studies", "timeline", "crs"):
        (data / f"{name}.yaml").write_text((REPO / "data" / f"{name}.yaml").read_text())
    findings = (REPO / "data" / "findings.yaml").read_text()
    (data / "findings.yaml").write_text(findings.replace("{key: mm, ", "{key: mgus, ", 1))
    with pytest.raises(EvidenceError) as info:
        load_evidence(data, REPO / "references.bib")
    assert re.search(r"findings.yaml \(line \d+\): record 'bataille1989-serum-il6': field 'quantities\[1\]\.key': "
                     r"key 'mgus' is already used by quantities\[0\]", str(info.value)), str(info.value)


def test_every_named_result_computes_and_is_listed():
    results = ResultSet(load_evidence(), REPO)
    table = results_table_markdown(results)
    for name in DEFINITIONS:
        assert results.get(name).inputs, name
        assert f"{{record-anchor}}`result-{name.replace('_', '-')}`**@{name}**" in table
