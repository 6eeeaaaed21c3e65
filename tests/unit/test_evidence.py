"""Evidence records: the real records load and pass every cross-check; bad records fail loudly.

Each bad-input test breaks one thing in a copy of data/ and checks that the error names the file, the
record and the field.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO
from il6mm.evidence.bibliography import bib_keys, parse_bib
from il6mm.evidence import (ENDPOINTS, KINDS, CRSRecord, EvidenceError, Finding, Study, TimelineEvent,
                            check_bibliography_is_cited, cited_in_text, load_evidence, uncited_references)
from il6mm.evidence.tables import table_markdown

DATA = REPO / "data"
BIB = REPO / "references.bib"
REQUIRED_STUDIES = ["klein1991", "bataille1995", "vanzaanen1996", "ifm9904", "kurzrock2013", "voorhees2013",
                    "sanmiguel2014", "orlowski2015", "brighton2019"]
RANDOMISED = ["ifm9904", "sanmiguel2014", "orlowski2015", "brighton2019"]


@pytest.fixture(scope="module")
def evidence():
    return load_evidence()


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A copy of the evidence files (top level of data/ only) and of references.bib."""
    dest = tmp_path / "data"
    dest.mkdir()
    for fname, _ in KINDS.values():
        shutil.copy(DATA / fname, dest / fname)
    shutil.copy(BIB, tmp_path / "references.bib")
    return dest


def _load(data_dir: Path):
    return load_evidence(data_dir, data_dir.parent / "references.bib")


def _edit(data_dir: Path, fname: str, record_id: str, change) -> None:
    """Apply ``change(record_dict)`` to one record of a copied file."""
    path = data_dir / fname
    records = yaml.safe_load(path.read_text())
    target = next(r for r in records if r.get("id") == record_id)
    change(target)
    path.write_text(yaml.safe_dump(records, sort_keys=False, allow_unicode=True))


def _error(data_dir: Path) -> str:
    with pytest.raises(EvidenceError) as info:
        _load(data_dir)
    return str(info.value)


# ------------------------------------------------------------------------------------------------------
# The real records
# ------------------------------------------------------------------------------------------------------

def test_real_records_load_with_every_kind(evidence):
    assert evidence.studies and evidence.timeline and evidence.findings and evidence.crs
    assert all(isinstance(r, Study) for r in evidence.studies)
    assert all(isinstance(r, TimelineEvent) for r in evidence.timeline)
    assert all(isinstance(r, Finding) for r in evidence.findings)
    assert all(isinstance(r, CRSRecord) for r in evidence.crs)


@pytest.mark.parametrize("study_id", REQUIRED_STUDIES)
def test_required_studies_are_present(evidence, study_id):
    study = evidence.get(study_id)
    assert isinstance(study, Study)
    assert study.source in bib_keys(BIB)


@pytest.mark.parametrize("study_id", RANDOMISED)
def test_randomised_trials_have_a_control_arm_and_outcomes(evidence, study_id):
    study = evidence.get(study_id)
    assert study.randomised
    assert {a.il6_blockade for a in study.arms} == {True, False}
    assert study.outcomes


def test_published_numbers_are_kept_exactly(evidence):
    orlowski = evidence.get("orlowski2015")
    assert orlowski.n_total == 281
    hr = [o for o in orlowski.outcomes if o.measure == "hazard_ratio" and o.endpoint == "PFS"]
    assert len(hr) == 1 and hr[0].value == pytest.approx(0.869) and hr[0].p_value == pytest.approx(0.345)
    brighton = evidence.get("brighton2019")
    assert [a.n for a in brighton.arms] == [43, 42]
    hr = next(o for o in brighton.outcomes if o.measure == "hazard_ratio")
    assert (hr.value, hr.ci_low, hr.ci_high) == (0.50, 0.24, 1.04)


def test_per_arm_n_is_null_not_guessed_when_unpublished(evidence):
    for study_id in ("orlowski2015", "sanmiguel2014"):
        study = evidence.get(study_id)
        assert all(a.n is None for a in study.arms)
        assert all("not in the abstract" in (a.note or "") for a in study.arms)


def test_ids_are_unique_and_every_record_says_where(evidence):
    ids = [r.id for r in evidence.records()]
    assert len(ids) == len(set(ids))
    assert all(r.where.strip() for r in evidence.records())


def test_every_endpoint_is_documented(evidence):
    assert {o.endpoint for s in evidence.studies for o in s.outcomes} <= set(ENDPOINTS)


def test_get_unknown_id_is_a_clear_key_error(evidence):
    with pytest.raises(KeyError, match="nosuchrecord"):
        evidence.get("nosuchrecord")


# ------------------------------------------------------------------------------------------------------
# DataFrames
# ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(KINDS))
def test_frame_has_one_row_per_record_in_file_order(evidence, kind):
    frame = evidence.frame(kind)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["id"]) == [r.id for r in evidence.records(kind)]
    assert {"id", "source", "where"} <= set(frame.columns)


def test_outcomes_frame_is_long_with_study_columns(evidence):
    frame = evidence.frame("outcomes")
    assert len(frame) == sum(len(s.outcomes) for s in evidence.studies)
    row = frame[(frame.study == "brighton2019") & (frame.measure == "hazard_ratio")].iloc[0]
    assert row["value"] == 0.5 and row["ci_low"] == 0.24 and row["randomised"]
    arm_row = frame[(frame.study == "brighton2019") & (frame.arm == "placebo")].iloc[0]
    assert arm_row["arm_n"] == 42


def test_arms_frame(evidence):
    frame = evidence.frame("arms")
    assert len(frame) == sum(len(s.arms) for s in evidence.studies)
    assert set(frame.columns) >= {"study", "arm", "n", "il6_blockade"}


def test_unknown_kind_is_rejected(evidence):
    with pytest.raises(KeyError, match="unknown record kind"):
        evidence.frame("trials")


# ------------------------------------------------------------------------------------------------------
# Bibliography
# ------------------------------------------------------------------------------------------------------

def test_every_bib_entry_has_doi_or_pmid():
    entries = parse_bib(BIB)
    missing = [k for k, fields in entries.items() if not (fields.get("doi") or fields.get("pmid"))]
    assert not missing, missing


def test_every_record_source_is_in_the_bib(evidence):
    assert evidence.sources() <= set(bib_keys(BIB))


def test_every_bib_entry_is_cited_by_the_book_or_a_record(evidence):
    check_bibliography_is_cited(BIB, REPO, evidence)


def test_uncited_bib_entry_is_reported(data_copy, evidence):
    bib = data_copy.parent / "references.bib"
    bib.write_text(bib.read_text() + "\n@article{uncited2099,\n  title = {X},\n  doi = {10.1/x}\n}\n")
    assert uncited_references(bib, REPO, evidence) == ["uncited2099"]
    with pytest.raises(EvidenceError, match=r"references.bib: record 'uncited2099': entry is cited by no"):
        check_bibliography_is_cited(bib, REPO, evidence)


def test_cite_roles_are_recognised():
    text = "a {footcite}`k1` b {cite:p}`k2, k3` c {cite}`k4` d {footcite:t}`k5`"
    assert cited_in_text(text) == {"k1", "k2", "k3", "k4", "k5"}


def test_duplicate_bib_key_is_an_error(data_copy):
    bib = data_copy.parent / "references.bib"
    bib.write_text(bib.read_text() + "\n@article{orlowski2015siltuximab,\n  doi = {10.1/x}\n}\n")
    assert "appears twice" in _error(data_copy)


# ------------------------------------------------------------------------------------------------------
# Bad inputs: each error names file, record and field
# ------------------------------------------------------------------------------------------------------

def test_missing_field(data_copy):
    _edit(data_copy, "studies.yaml", "orlowski2015", lambda r: r.pop("agent"))
    msg = _error(data_copy)
    assert "data/studies.yaml" in msg and "record 'orlowski2015'" in msg and "field 'agent'" in msg
    assert "required field is missing" in msg


def test_wrong_type(data_copy):
    _edit(data_copy, "studies.yaml", "brighton2019", lambda r: r.update(n_total="eighty-five"))
    msg = _error(data_copy)
    assert re.search(r"data/studies.yaml \(line \d+\): record 'brighton2019': field 'n_total': .*integer", msg), msg


def test_unknown_source(data_copy):
    _edit(data_copy, "findings.yaml", "hilbert1995-il6-knockout", lambda r: r.update(source="nosuchkey2099"))
    msg = _error(data_copy)
    assert "data/findings.yaml" in msg and "record 'hilbert1995-il6-knockout'" in msg
    assert "field 'source'" in msg and "'nosuchkey2099' is not a key of references.bib" in msg


def test_percentage_over_100(data_copy):
    _edit(data_copy, "studies.yaml", "orlowski2015", lambda r: r["outcomes"][0].update(value=130))
    msg = _error(data_copy)
    assert re.search(r"data/studies.yaml \(line \d+\): record 'orlowski2015': field 'outcomes\[0\]\.value': "
                     r"percentage 130 is not within 0-100", msg), msg


def test_percentage_over_100_in_a_crs_record(data_copy):
    _edit(data_copy, "crs.yaml", "crs-majestec1-teclistamab", lambda r: r.update(crs_any_grade_percent=172.1))
    msg = _error(data_copy)
    assert "record 'crs-majestec1-teclistamab': field 'crs_any_grade_percent': percentage 172.1" in msg


def test_ci_not_containing_its_estimate(data_copy):
    def shift(record):
        hr = next(o for o in record["outcomes"] if o["measure"] == "hazard_ratio")
        hr.update(ci_low=0.6, ci_high=1.04)
    _edit(data_copy, "studies.yaml", "brighton2019", shift)
    msg = _error(data_copy)
    assert "record 'brighton2019'" in msg
    assert re.search(r"field 'outcomes\[\d+\]\.value': confidence interval 0.6-1.04 does not contain the "
                     r"estimate 0.5", msg), msg


def test_ci_in_a_quantity(data_copy):
    def shift(record):
        record["quantities"][0].update(ci_low=70, ci_high=82)
    _edit(data_copy, "crs.yaml", "crs-tocilizumab-fda-cart", shift)
    msg = _error(data_copy)
    assert "field 'quantities[0].value': confidence interval 70-82 does not contain the estimate 69" in msg


def test_n_must_be_positive(data_copy):
    _edit(data_copy, "studies.yaml", "brighton2019", lambda r: r["arms"][1].update(n=0))
    assert "record 'brighton2019': field 'arms[1].n': n must be > 0, got 0" in _error(data_copy)


def test_duplicate_id_across_files(data_copy):
    _edit(data_copy, "timeline.yaml", "tl-1986-il6-cloned", lambda r: r.update(id="orlowski2015"))
    msg = _error(data_copy)
    assert re.search(r"data/timeline.yaml \(line \d+\): record 'orlowski2015': field 'id': duplicate id "
                     r"\(already used in data/studies.yaml\)", msg), msg


def test_missing_id_names_the_record_by_index(data_copy):
    path = data_copy / "crs.yaml"
    records = yaml.safe_load(path.read_text())
    records[2].pop("id")
    path.write_text(yaml.safe_dump(records, sort_keys=False))
    msg = _error(data_copy)
    assert "data/crs.yaml" in msg and "record #2 (no id)" in msg and "field 'id'" in msg


def test_unknown_field_is_rejected(data_copy):
    _edit(data_copy, "studies.yaml", "ifm9904", lambda r: r.update(n_per_arm=83))
    msg = _error(data_copy)
    assert "record 'ifm9904': field 'n_per_arm': unknown field" in msg


def test_outcome_must_name_a_real_arm(data_copy):
    _edit(data_copy, "studies.yaml", "ifm9904", lambda r: r["outcomes"][0].update(arm="arm C"))
    msg = _error(data_copy)
    assert "record 'ifm9904': field 'outcomes[0].arm': arm 'arm C' is not one of the study's arms" in msg


def test_yaml_syntax_error_names_file_and_line(data_copy):
    path = data_copy / "timeline.yaml"
    lines = path.read_text().splitlines()
    lines.insert(10, "  event: [unclosed")
    path.write_text("\n".join(lines) + "\n")
    msg = _error(data_copy)
    assert re.search(r"data/timeline.yaml \(line \d+\): YAML syntax error", msg), msg


def test_unknown_top_level_data_file_is_an_error(data_copy):
    (data_copy / "trials.yaml").write_text("- id: x\n")
    msg = _error(data_copy)
    assert "data/trials.yaml: unknown evidence file" in msg


def test_model_subfolder_is_not_evidence(data_copy):
    (data_copy / "model").mkdir()
    (data_copy / "model" / "parameters.yaml").write_text("anything: [1, 2]\n")
    (data_copy / "README.md").write_text("notes\n")
    assert _load(data_copy).studies


def test_missing_evidence_file(data_copy):
    (data_copy / "crs.yaml").unlink()
    assert "data/crs.yaml: evidence file is missing" in _error(data_copy)


def test_all_problems_are_reported_together(data_copy):
    _edit(data_copy, "studies.yaml", "orlowski2015", lambda r: r["outcomes"][0].update(value=130))
    _edit(data_copy, "findings.yaml", "hilbert1995-il6-knockout", lambda r: r.update(source="nosuchkey2099"))
    with pytest.raises(EvidenceError) as info:
        _load(data_copy)
    assert len(info.value.problems) == 2
    assert "2 problem(s)" in str(info.value)


# ------------------------------------------------------------------------------------------------------
# Tables for the appendix
# ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(KINDS))
def test_tables_cite_every_record_source(evidence, kind):
    md = table_markdown(kind, evidence)
    assert md.startswith("```{list-table}") and md.rstrip().endswith("```")
    assert cited_in_text(md) == {r.source for r in evidence.records(kind) if r.source is not None}
    # two columns, so that the table reads on a phone
    assert md.count("\n* - ") == len(evidence.records(kind)) + 1


def test_study_table_shows_published_numbers(evidence):
    md = table_markdown("studies", evidence)
    assert "HR 0.5 (95% CI 0.24–1.04)" in md and "P=0.0597" in md
    assert "n=not reported" in md  # per-arm n not published


def test_table_escapes_markdown_in_record_text():
    from il6mm.evidence.tables import escape

    assert escape("a*b_c <7") == r"a\*b\_c \<7"


# ------------------------------------------------------------------------------------------------------
# A bad record fails the book build
# ------------------------------------------------------------------------------------------------------


def test_a_table_can_show_a_selection_but_never_an_empty_one():
    ev = load_evidence()
    sources = table_markdown("findings", ev, select=lambda f: f.topic == "IL-6 source")
    wanted = [f for f in ev.findings if f.topic == "IL-6 source"]
    assert sources.count("\n* - **") == len(wanted)
    assert all(f"`{f.source}`" in sources for f in wanted)
    with pytest.raises(ValueError, match="matches no record"):
        table_markdown("findings", ev, select=lambda f: False)


# ---------------------------------------------------------------- appraisal records (added in 0.2.0)

def _appraisal_copy(tmp_path, name, old, new):
    """A data/ folder copy with one text replacement in data/<name>.yaml."""
    data = tmp_path / "data"
    data.mkdir()
    for path in (REPO / "data").glob("*.yaml"):
        text = path.read_text()
        if path.stem == name:
            assert old in text, old
            text = text.replace(old, new, 1)
        (data / path.name).write_text(text)
    return data


@pytest.mark.parametrize("name, old, new, expected", [
    ("risk_of_bias", "  overall: {judgement: high,", "  overall: {judgement: low,",
     r"risk_of_bias.yaml \(line \d+\): record 'rob-ifm9904-os': field 'overall.judgement': overall 'low' is lower"),
    ("risk_of_bias", "  study: ifm9904\n", "  study: klein1991\n",
     r"record 'rob-ifm9904-os': field 'study': study 'klein1991' is not randomised"),
    ("risk_of_bias", "    selection: {judgement: some concerns, reason: \"No primary", "    choice: {judgement: some concerns, reason: \"No primary",
     r"record 'rob-ifm9904-os': field 'domains': every RoB 2 domain needs a judgement; missing: selection"),
    ("certainty", "  certainty: low\n  plain_words: \"Adding siltuximab to bortezomib may make little",
     "  certainty: moderate\n  plain_words: \"Adding siltuximab to bortezomib may make little",
     r"record 'sof-pfs-rrmm': field 'certainty': randomised evidence downgraded 2 level\(s\) is 'low', not 'moderate'"),
    ("certainty", "  studies: [orlowski2015]\n", "  studies: [orlowski2051]\n",
     r"record 'sof-pfs-rrmm': field 'studies\[0\]': no evidence record 'orlowski2051'"),
    ("registrations", "  registry: NCT01266811\n", "  registry: NCT1266811\n",
     r"record 'reg-nct01266811': field 'registry': registry id 'NCT1266811' is not of the form"),
])
def test_bad_appraisal_records_fail_naming_file_record_and_field(tmp_path, name, old, new, expected):
    data = _appraisal_copy(tmp_path, name, old, new)
    with pytest.raises(EvidenceError) as info:
        load_evidence(data, REPO / "references.bib")
    assert re.search(expected, str(info.value)), str(info.value)


def test_kinds_added_later_may_be_absent_from_an_older_revision(tmp_path):
    from il6mm.evidence.schema import KINDS_SINCE

    data = tmp_path / "data"
    data.mkdir()
    for path in (REPO / "data").glob("*.yaml"):
        if path.stem not in KINDS_SINCE:
            (data / path.name).write_text(path.read_text())
    # An older data/ has no appraisal files; it loads (those kinds empty) only if nothing refers to them.
    evidence = load_evidence(data, REPO / "references.bib")
    assert evidence.risk_of_bias == [] and evidence.registrations == []
    (data / "studies.yaml").unlink()
    with pytest.raises(EvidenceError, match="studies.yaml: evidence file is missing"):
        load_evidence(data, REPO / "references.bib")


def test_every_summary_of_findings_effect_resolves():
    from il6mm.results.values import Resolver

    resolver = Resolver(REPO)
    for record in load_evidence().certainty:
        specs = re.findall(r"\{val\}`([^`]+)`", record.effect)
        # An effect's numbers come from the records; one with none says in words that none were reported.
        assert specs or not re.search(r"\d", record.effect), record.id
        specs += re.findall(r"\{val\}`([^`]+)`", record.key_message or "")
        specs += [f"@sof[{record.id}].studies"]
        for spec in specs:
            resolver.resolve(spec)


def test_a_chapter_summary_of_findings_keeps_the_rows_resting_on_one_kind_and_reads_only_that_kind():
    from il6mm.evidence import records
    from il6mm.evidence.tables import summary_of_findings_markdown

    evidence = load_evidence()
    used: list[str] = []
    listen = used.append
    records.on_kind_used(listen)
    try:
        table = summary_of_findings_markdown(evidence, resting_on="studies")
    finally:
        records._KIND_LISTENERS.remove(listen)
    trial_rows = [r for r in evidence.certainty if all(evidence.kind_of(i) == "studies" for i in r.studies)]
    assert trial_rows and len(trial_rows) < len(evidence.certainty)
    for r in evidence.certainty:
        assert (r.outcome in table) == (r in trial_rows), r.id
    assert "crs" not in used, used
    with pytest.raises(ValueError, match="rests on registrations records only"):
        summary_of_findings_markdown(evidence, resting_on="registrations")


def test_pybtex_looks_each_plugin_up_once_and_run_time_plugins_still_win(monkeypatch):
    """The build renders hundreds of citations; pybtex asked importlib.metadata for its plugins on each."""
    import pybtex.plugin
    from pybtex.style.formatting import BaseStyle

    from il6mm.evidence.bibliography import remember_pybtex_plugins

    calls = []
    real = pybtex.plugin.entry_points

    def counting(*, group, name):
        calls.append((group, name))
        return real(group=group, name=name)

    monkeypatch.setattr(pybtex.plugin, "entry_points", counting)
    remember_pybtex_plugins()
    remember_pybtex_plugins()  # idempotent: one cache, not a cache around a cache
    for _ in range(5):
        assert pybtex.plugin.find_plugin("pybtex.style.formatting", "plain").__name__ == "Style"
    assert calls == [("pybtex.style.formatting", "plain")]

    class Mine(BaseStyle):
        pass

    monkeypatch.setitem(pybtex.plugin._RUNTIME_PLUGINS, "pybtex.style.formatting", {"plain": Mine})
    assert pybtex.plugin.find_plugin("pybtex.style.formatting", "plain") is Mine
