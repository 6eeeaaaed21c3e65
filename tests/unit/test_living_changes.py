"""What changed between two sets of evidence records, and the versions file that keeps it."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

from conftest import REPO
from il6mm.evidence import load_evidence
from il6mm.evidence.bibliography import bib_keys
from il6mm.living.changes import changes_between, compare, describe
from il6mm.living.versions import (VersionEntry, VersionsError, dump_versions, load_citation, load_versions,
                                   parse_version, render_history, render_whats_new)

HR = "outcomes[PFS hazard_ratio, siltuximab + bortezomib vs placebo + bortezomib].value"


@pytest.fixture()
def evidence_copy(tmp_path):
    """A throw-away copy of data/ and references.bib."""
    shutil.copytree(REPO / "data", tmp_path / "data")
    shutil.copy(REPO / "references.bib", tmp_path / "references.bib")
    return tmp_path


def _load(root):
    return load_evidence(root / "data", root / "references.bib"), set(bib_keys(root / "references.bib"))


def _edit(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_identical_evidence_has_no_changes(evidence_copy):
    ev, keys = _load(evidence_copy)
    assert compare(ev, ev, keys, keys).is_empty()


def test_a_changed_number_is_named_by_record_field_and_source(evidence_copy):
    old, old_keys = _load(evidence_copy)
    _edit(evidence_copy / "data" / "studies.yaml", "value: 0.869,", "value: 0.87,")
    new, new_keys = _load(evidence_copy)
    changes = compare(old, new, old_keys, new_keys)
    assert [(n.record, n.path, n.old, n.new, n.source) for n in changes.numbers_changed] == [
        ("orlowski2015", HR, 0.869, 0.87, "orlowski2015siltuximab")]
    assert describe(changes.numbers_changed[0]) == f"orlowski2015 {HR}: 0.869 -> 0.87"
    assert not (changes.records_added or changes.records_removed or changes.fields_changed or changes.items_changed)


def test_equal_numbers_written_differently_are_not_a_change(evidence_copy):
    old, keys = _load(evidence_copy)
    _edit(evidence_copy / "data" / "studies.yaml", "value: 0.869,", "value: 0.8690,")
    assert compare(old, _load(evidence_copy)[0], keys, keys).is_empty()


def test_records_items_text_and_references_added_and_removed(evidence_copy):
    old, old_keys = _load(evidence_copy)
    studies = evidence_copy / "data" / "studies.yaml"
    # A new outcome inserted first does not shift the others; a note edited is a text change.
    _edit(studies, "    - {key: orr-silt, endpoint: ORR, measure: percent, arm: siltuximab + bortezomib, value: 55}\n",
          "    - {endpoint: TTP, measure: median_months, arm: siltuximab + bortezomib, value: 9.9}\n"
          "    - {key: orr-silt, endpoint: ORR, measure: percent, arm: siltuximab + bortezomib, value: 55}\n")
    _edit(studies, 'note: "95% CI not in the abstract"}\n    - {endpoint: OS, measure: median_months',
          'note: "95% CI not given"}\n    - {endpoint: OS, measure: median_months')
    # One record removed (the last timeline event) and a reference removed with it if nothing else cites it.
    timeline = evidence_copy / "data" / "timeline.yaml"
    text = timeline.read_text()
    last = text.rindex("\n- id: ")
    removed_id = text[last:].split("id:")[1].split()[0]
    timeline.write_text(text[:last] + "\n")
    new, new_keys = _load(evidence_copy)
    changes = compare(old, new, old_keys, new_keys - {"matthes2016revisiting"})
    assert [r.id for r in changes.records_removed] == [removed_id]
    assert [(i.record, i.path, i.change) for i in changes.items_changed] == [
        ("orlowski2015", "outcomes[TTP median_months, siltuximab + bortezomib]", "added")]
    assert "value=9.9" in changes.items_changed[0].item
    assert [(f.path, f.old, f.new) for f in changes.fields_changed] == [
        ("outcomes[PFS hazard_ratio, siltuximab + bortezomib vs placebo + bortezomib].note",
         "95% CI not in the abstract", "95% CI not given")]
    assert changes.numbers_changed == []
    assert changes.references_removed == ["matthes2016revisiting"]


def test_first_version_adds_every_record_and_reference(evidence_copy):
    new, keys = _load(evidence_copy)
    changes = compare(None, new, set(), keys)
    assert len(changes.records_added) == len(new.records())
    assert changes.references_added == sorted(keys)


def test_changes_between_git_revisions_load_both_sets_of_records(tmp_path, evidence_copy):
    git = lambda *a: subprocess.run(["git", "-C", str(evidence_copy), *a], check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "one")
    _edit(evidence_copy / "data" / "studies.yaml", "value: 0.869,", "value: 0.87,")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "two")
    changes = changes_between(evidence_copy, "HEAD~1", "HEAD")
    assert [(n.record, n.old, n.new) for n in changes.numbers_changed] == [("orlowski2015", 0.869, 0.87)]
    assert changes.since == "HEAD~1"
    with pytest.raises(ValueError, match="cannot read the evidence at revision 'nosuchrev'"):
        changes_between(evidence_copy, "nosuchrev")


# ---------------------------------------------------------------------------------------------------------
# The versions file
# ---------------------------------------------------------------------------------------------------------

def test_the_versions_file_loads_and_agrees_with_citation_cff():
    entries = load_versions()
    assert entries[0].version == "0.1.0" and entries[0].tag == "v0.1.0"
    assert entries[0].date == dt.date(2026, 11, 27)
    assert entries[-1].version == load_citation().version


def test_the_versions_file_round_trips(tmp_path):
    entries = load_versions()
    path = tmp_path / "versions.yaml"
    path.write_text(dump_versions(entries))
    assert load_versions(path) == entries


@pytest.mark.parametrize("field, value, message", [
    ("tag", "0.1.0", "entry 1 \\(version 0.1.0\\): field '\\(entry\\)'.*tag must be 'v0.1.0'"),
    ("date", "27 November", "entry 1 \\(version 0.1.0\\): field 'date'"),
    ("trigger", "  ", "field 'trigger'"),
    ("conclusions_changed", "maybe", "field 'conclusions_changed'"),
    ("version", "0.1", "field 'version'"),
    ("surprise", 1, "field 'surprise': Extra inputs"),
])
def test_a_malformed_entry_names_file_entry_and_field(tmp_path, field, value, message):
    import yaml

    raw = yaml.safe_load((REPO / "data" / "living" / "versions.yaml").read_text())
    raw[0][field] = value
    path = tmp_path / "living" / "versions.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(VersionsError, match=f"living/versions.yaml: {message}" if field == "tag" else message):
        load_versions(path)


def test_a_malformed_nested_change_names_its_path(tmp_path):
    import yaml

    raw = yaml.safe_load((REPO / "data" / "living" / "versions.yaml").read_text())
    raw[0]["changes"]["records_added"][0].pop("kind")
    path = tmp_path / "versions.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(VersionsError, match=r"field 'changes.records_added\[0\].kind': Field required"):
        load_versions(path)


def test_versions_must_increase():
    assert parse_version("0.10.0") > parse_version("0.9.9")
    with pytest.raises(ValueError):
        parse_version("v1.0")


def _entry(version, date, **changes):
    from il6mm.living.versions import Changes
    return VersionEntry(version=version, date=date, commit="ab" * 20, tag=f"v{version}", trigger="a search",
                        conclusions_changed=False,
                        search_note="none", summary="s", changes=Changes(since="v0.1.0", **changes))


def test_whats_new_shows_only_the_latest_version_with_numbers_old_to_new():
    from il6mm.living.versions import ValueChange
    change = ValueChange(record="orlowski2015", kind="studies", source="orlowski2015siltuximab", path=HR,
                         old=0.869, new=0.87)
    entries = [_entry("0.1.0", dt.date(2026, 11, 27)), _entry("0.2.0", dt.date(2026, 12, 1), numbers_changed=[change])]
    text = render_whats_new(entries)
    assert "**Version 0.2.0**" in text and "0.1.0**" not in text
    assert "conclusions not changed" in text
    assert f"| ``orlowski2015`` | ``{HR}`` | 0.869 | 0.87 | ``orlowski2015siltuximab`` |" in text
    history = render_history(entries)
    assert history.index("| 0.2.0 |") < history.index("| 0.1.0 |")


def test_earlier_wording_names_its_numbers_instead_of_computing_them_again():
    # The previous analysis may compute a result the current one no longer has (or another value for it).
    from il6mm.living.versions import ValueChange
    change = ValueChange(record="sof-crs-prophylaxis", kind="certainty", source="s", path="effect",
                         old="pooled {val}`@crs_any.prophylaxis[with].percent:.0f`%",
                         new="{val}`crs-x.n` patients")
    entries = [_entry("0.1.0", dt.date(2026, 11, 27)), _entry("0.2.0", dt.date(2026, 12, 1), fields_changed=[change])]
    text = render_whats_new(entries)
    assert "pooled [crs_any.prophylaxis[with].percent]% -> {val}`crs-x.n` patients" in text
    assert "shown by the name of its result" in text
