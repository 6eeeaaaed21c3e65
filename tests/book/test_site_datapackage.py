"""The built site publishes the evidence as an open data package (data/datapackage.json), valid to Frictionless,
with its version, licence and a row for every record; each earlier version's copy has its own; the Evidence
tables and How to cite pages link it, and the Evidence tables page shows the data dictionary."""

from __future__ import annotations

import json
import re

import pytest
from frictionless import validate

from conftest import REPO
from il6mm.evidence import load_evidence
from il6mm.living.versions import load_citation, load_versions
from il6mm.publish import archive, datapackage as dp

VERSIONS = load_versions(REPO / "data" / "living" / "versions.yaml")


def _errors(report) -> list:
    return [(task.name, error.type, error.note) for task in report.tasks for error in task.errors]


def test_the_site_publishes_the_evidence_as_a_valid_data_package(site):
    folder = site / dp.SITE_DIR
    report = validate(folder / dp.DESCRIPTOR)
    assert report.valid, _errors(report)
    descriptor = json.loads((folder / dp.DESCRIPTOR).read_text())
    citation = load_citation(REPO / "CITATION.cff")
    assert descriptor["version"] == citation.version and descriptor["licenses"][0]["name"] == citation.license
    evidence = load_evidence()
    rows = {r["name"]: r["stats"]["rows"] for r in descriptor["resources"] if "stats" in r}
    for kind in ("studies", "timeline", "findings", "crs", "risk_of_bias", "certainty", "registrations"):
        assert rows[kind] == len(evidence.records(kind)), kind
    records = json.loads((folder / dp.JSON_DIR / dp.JSON_FILE).read_text())
    assert [r["id"] for r in records["crs"]] == [r.id for r in evidence.crs]


@pytest.mark.parametrize("entry", VERSIONS[:-1], ids=lambda e: e.version)
def test_every_earlier_versions_copy_has_its_own_data_package(site, entry):
    folder = site / archive.ARCHIVE_DIR / entry.version / dp.SITE_DIR
    assert (folder / "studies.yaml").is_file()   # the records as released, beside their package
    report = validate(folder / dp.DESCRIPTOR)
    assert report.valid, _errors(report)
    descriptor = json.loads((folder / dp.DESCRIPTOR).read_text())
    assert (descriptor["version"], descriptor["created"][:10]) == (entry.version, entry.date.isoformat())
    studies = json.loads((folder / dp.JSON_DIR / dp.JSON_FILE).read_text())["studies"]
    assert len(studies) == len(load_evidence(folder, folder / "references.bib").studies)


@pytest.mark.parametrize("page", ["chapters/evidence-tables", "chapters/how-to-cite"])
def test_the_evidence_tables_and_how_to_cite_link_the_package(site, page):
    html = (site / f"{page}.html").read_text()
    assert 'href="../data/datapackage.json"' in html
    assert (site / "data" / "datapackage.json").is_file()


def test_the_evidence_tables_page_shows_the_data_dictionary(site):
    html = (site / "chapters" / "evidence-tables.html").read_text()
    section = html.split('id="the-evidence-as-data"', 1)[1].split('id="summary"', 1)[0]
    headers = [h.strip() for h in re.findall(r"<th class=\"head\">\s*(?:<p>)?([^<]+)", section)]
    assert headers[:5] == ["field", "type", "unit", "meaning", "allowed values"]
    for table in dp.tables():
        assert f'<span class="pre">{table.path}</span>' in section, table.name
    assert "&lt;arm&gt; vs &lt;arm&gt;" in section   # schema prose shown literally
