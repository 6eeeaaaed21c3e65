"""The evidence as an open data package (il6mm.publish.datapackage), generated from the pydantic schemas: a
table per record kind and nested list with keys between them, the version and the licence, valid to
Frictionless while a broken record is not, and each earlier version's copy with its own. (The data dictionary:
test_data_dictionary.py; the package of the built site and of the version archive: tests/book/test_site_datapackage.py.)"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from frictionless import validate

from conftest import REPO
from il6mm.evidence import load_evidence
from il6mm.evidence.schema import KINDS
from il6mm.living.versions import load_citation
from il6mm.publish import datapackage as dp

CITATION = load_citation(REPO / "CITATION.cff")
EVIDENCE = load_evidence(REPO / "data", REPO / "references.bib")
REFERENCES = dp.load_references(REPO / "references.bib")
META = dp.PackageMeta.of(CITATION, "https://example.org/review/")
TABLES = {t.name: t for t in dp.tables()}


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("package")
    dp.write_package(folder, EVIDENCE, REFERENCES, META)
    return folder


def _errors(report) -> list[tuple[str, str, str]]:
    """(resource, error type, note) of every error of a Frictionless report."""
    return [(task.name, error.type, error.note) for task in report.tasks for error in task.errors]


# ---------------------------------------------------------------------------------------------------------
# The descriptor: one table per record kind and per nested list or mapping, keys, version, licence
# ---------------------------------------------------------------------------------------------------------

def test_every_record_kind_and_the_references_have_a_table_with_id_as_primary_key():
    assert set(KINDS) | {"references"} <= set(TABLES)
    for kind in KINDS:
        assert TABLES[kind].primary_key == ("id",)
        assert ((("source",), "references", ("key",)) in TABLES[kind].foreign_keys), kind
    assert TABLES["references"].primary_key == ("key",)
    assert {"study_arms", "study_outcomes", "finding_quantities", "crs_quantities", "risk_of_bias_domains",
            "certainty_downgrades", "certainty_studies"} <= set(TABLES)


def test_nested_tables_point_at_their_parent_and_record_kinds_at_each_other():
    assert (("study",), "studies", ("id",)) in TABLES["study_outcomes"].foreign_keys
    assert TABLES["study_outcomes"].primary_key == ("study", "position")
    assert (("crs",), "crs", ("id",)) in TABLES["crs_quantities"].foreign_keys
    assert TABLES["risk_of_bias_domains"].primary_key == ("risk_of_bias", "domain")
    assert (("study",), "studies", ("id",)) in TABLES["risk_of_bias"].foreign_keys
    assert (("study",), "studies", ("id",)) in TABLES["registrations"].foreign_keys
    # A certainty row rests on studies or CRS records: one column (and foreign key) per kind.
    assert {(("study",), "studies", ("id",)), (("crs",), "crs", ("id",))} <= set(TABLES["certainty_studies"].foreign_keys)


def test_the_columns_are_the_models_fields_with_their_descriptions_types_and_rules(package):
    descriptor = json.loads((package / dp.DESCRIPTOR).read_text())
    resources = {r["name"]: r for r in descriptor["resources"]}
    fields = {f["name"]: f for f in resources["studies"]["schema"]["fields"]}
    study = KINDS["studies"][1]
    scalar = [n for n, info in study.model_fields.items() if n not in ("arms", "outcomes")]
    assert set(fields) == set(scalar)
    for name in scalar:
        assert fields[name]["description"] == study.model_fields[name].description
    assert fields["n_total"] == {"name": "n_total", "type": "integer", "description": study.model_fields["n_total"].description,
                                 "unit": "patients", "constraints": {"required": True, "minimum": 1}}
    assert fields["stage"]["constraints"]["enum"] == ["SMM", "NDMM", "RRMM", "advanced MM", "PCL", "MM"]
    assert fields["registry"]["constraints"] == {"pattern": r"NCT\d{8}"}      # optional: not required
    assert fields["randomised"]["type"] == "boolean" and fields["follow_up_months"]["type"] == "number"
    rob = {f["name"]: f for f in resources["risk_of_bias"]["schema"]["fields"]}
    assert rob["overall_judgement"]["constraints"] == {"required": True, "enum": ["low", "some concerns", "high"]}
    outcomes = {f["name"]: f for f in resources["study_outcomes"]["schema"]["fields"]}
    assert "ORR" in outcomes["endpoint"]["constraints"]["enum"]
    assert outcomes["ci_level"]["constraints"] == {"required": True}            # has a default: never empty


def test_the_descriptor_carries_the_version_licence_and_row_counts(package):
    descriptor = json.loads((package / dp.DESCRIPTOR).read_text())
    assert descriptor["version"] == CITATION.version
    assert descriptor["created"].startswith(CITATION.date_released.isoformat())
    assert CITATION.license == "CC-BY-4.0" and descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["homepage"] == "https://example.org/review/"
    rows = {r["name"]: r["stats"]["rows"] for r in descriptor["resources"] if "stats" in r}
    assert rows["studies"] == len(EVIDENCE.studies) and rows["references"] == len(REFERENCES)
    assert rows["study_arms"] == sum(len(s.arms) for s in EVIDENCE.studies)
    assert rows["study_outcomes"] == sum(len(s.outcomes) for s in EVIDENCE.studies)
    assert rows["certainty_downgrades"] == 5 * len(EVIDENCE.certainty)
    for name, count in rows.items():
        with open(package / dp.CSV_DIR / f"{name}.csv", newline="", encoding="utf-8") as handle:
            assert sum(1 for _ in csv.reader(handle)) == count + 1, name


def test_a_licence_the_package_does_not_know_is_an_error_naming_citation_cff():
    meta = dp.PackageMeta(**{**META.__dict__, "license": "CC-BY-NC-4.0"})
    with pytest.raises(dp.DataPackageError, match=r"CITATION.cff: field 'license': 'CC-BY-NC-4.0'"):
        dp.descriptor(meta)
    with pytest.raises(dp.DataPackageError, match=r"CITATION.cff: field 'license' is missing"):
        dp.PackageMeta.of(CITATION.model_copy(update={"license": None}), "x")


# ---------------------------------------------------------------------------------------------------------
# Frictionless: the package validates, a broken record does not
# ---------------------------------------------------------------------------------------------------------

def test_the_package_of_the_records_validates_with_frictionless(package):
    report = validate(package / dp.DESCRIPTOR)
    assert report.valid, _errors(report)
    assert len(report.tasks) == len(dp.tables()) + 2   # every table, the JSON edition and its schema


def _broken_copy(package: Path, tmp_path: Path, table: str, column: str, value: str) -> Path:
    """A copy of the package with one cell changed: of the first row, or for ``position`` of the first second
    item of a record (so that it repeats the first)."""
    copy = tmp_path / "broken"
    shutil.copytree(package, copy)
    path = copy / dp.CSV_DIR / f"{table}.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    row = next(i for i, r in enumerate(rows) if r["position"] == "2") if column == "position" else 0
    rows[row][column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return copy


@pytest.mark.parametrize("table, column, value, error", [
    ("studies", "source", "nosuchreference2099", "foreign-key"),    # cites a work that is not in the references
    ("studies", "n_total", "many", "type-error"),                  # not an integer
    ("study_outcomes", "study", "nosuchstudy", "foreign-key"),      # an outcome of no study
    ("risk_of_bias", "study", "nosuchstudy", "foreign-key"),        # between record kinds
    ("study_outcomes", "endpoint", "QoL", "constraint-error"),      # not an endpoint of the vocabulary
    ("crs", "crs_any_grade_percent", "140", "constraint-error"),    # a percentage above 100
    ("timeline", "id", "", "constraint-error"),                     # a required field empty
    ("study_arms", "position", "1", "primary-key"),                 # two items in one place of one record
])
def test_a_broken_record_fails_validation(package, tmp_path, table, column, value, error):
    report = validate(_broken_copy(package, tmp_path, table, column, value) / dp.DESCRIPTOR)
    assert not report.valid
    found = _errors(report)
    assert {name for name, _, _ in found} == {table} and error in {kind for _, kind, _ in found}, found


def test_the_json_edition_validates_against_its_schema_and_a_wrong_type_does_not(package):
    records = json.loads((package / dp.JSON_DIR / dp.JSON_FILE).read_text())
    schema = json.loads((package / dp.JSON_DIR / dp.JSON_SCHEMA_FILE).read_text())
    jsonschema.validate(records, schema)
    assert [s["id"] for s in records["studies"]] == [s.id for s in EVIDENCE.studies]
    assert records["studies"][0]["arms"][0]["arm"] == EVIDENCE.studies[0].arms[0].arm   # nested as in data/
    assert records["version"] == CITATION.version and records["license"] == "CC-BY-4.0"
    records["studies"][0]["n_total"] = "many"
    with pytest.raises(jsonschema.ValidationError, match="'many' is not of type 'integer'"):
        jsonschema.validate(records, schema)


# ---------------------------------------------------------------------------------------------------------
# The references, and the folder
# ---------------------------------------------------------------------------------------------------------

def test_references_are_plain_text_with_their_identifiers():
    refs = {r.key: r for r in REFERENCES}
    assert [r.key for r in REFERENCES] == list(dp.parse_bib(REPO / "references.bib"))
    first = refs["matthes2016revisiting"]
    assert (first.title, first.year, first.pages, first.doi, first.pmid) == (
        "Revisiting IL-6 antagonism in multiple myeloma", 2016, "1–4", "10.1016/j.critrevonc.2016.07.006", "27497026")
    assert dp.bib_text(r"K{\"o}hler and {\v{S}}pi{\v{c}}ka and Fran{\c{c}}ois and multiple [myeloma {\ldots}], 50\%") \
        == "Köhler and Špička and François and multiple [myeloma …], 50%"
    assert not [r.key for r in REFERENCES for v in r.model_dump().values() if isinstance(v, str) and "{" in v]


def test_a_bibliography_field_that_cannot_be_read_names_file_entry_and_field(tmp_path):
    bib = tmp_path / "references.bib"
    bib.write_text("@article{good2020, title = {Fine}, year = {2020}}\n"
                   "@article{bad2021, title = {A \\textbf{bold} claim}, year = {2021}}\n")
    with pytest.raises(dp.DataPackageError, match=r"references.bib: entry 'bad2021', field 'title': cannot turn"):
        dp.load_references(bib)
    bib.write_text("@article{late2022, title = {Fine}, year = {in press}}\n")
    with pytest.raises(dp.DataPackageError, match=r"entry 'late2022', field 'year'"):
        dp.load_references(bib)


def test_writing_again_replaces_the_package_and_keeps_the_folders_other_files(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "studies.yaml").write_text("- a version's own records\n")
    (folder / dp.CSV_DIR).mkdir()
    (folder / dp.CSV_DIR / "stale.csv").write_text("from an older package\n")
    dp.write_package(folder, EVIDENCE, REFERENCES, META)
    assert (folder / "studies.yaml").read_text() == "- a version's own records\n"
    assert not (folder / dp.CSV_DIR / "stale.csv").exists()
    assert not [p for p in folder.rglob("*") if p.name.startswith(".")]   # no temporary file left
    index = (folder / dp.INDEX).read_text()
    for name in ("datapackage.json", "csv/studies.csv", "json/evidence.json", "studies.yaml"):
        assert f'href="{name}"' in index, name


def _version_data(tmp_path: Path, drop_kinds=()) -> Path:
    folder = tmp_path / "versions" / "0.1.0" / "data"
    shutil.copytree(REPO / "data", folder, ignore=shutil.ignore_patterns("README.md"))
    shutil.copy2(REPO / "references.bib", folder / "references.bib")
    for kind in drop_kinds:
        (folder / KINDS[kind][0]).unlink()
    return folder


@pytest.mark.slow
def test_an_earlier_versions_records_get_their_package_with_todays_schema(tmp_path):
    folder = _version_data(tmp_path, drop_kinds=("risk_of_bias", "certainty", "registrations"))  # as 0.1.0
    report = dp.write_version_package(folder, CITATION, "0.1.0", dt.date(2026, 11, 27), "https://example.org/v/0.1.0/")
    assert report is not None and report.rows["risk_of_bias"] == 0 and report.rows["studies"] == len(EVIDENCE.studies)
    descriptor = json.loads((folder / dp.DESCRIPTOR).read_text())
    assert (descriptor["version"], descriptor["created"][:10]) == ("0.1.0", "2026-11-27")
    result = validate(folder / dp.DESCRIPTOR)
    assert result.valid, _errors(result)


def test_an_earlier_version_whose_records_do_not_load_says_so_instead_of_failing(tmp_path):
    folder = _version_data(tmp_path)
    studies = folder / "studies.yaml"
    studies.write_text(studies.read_text().replace("  agent: murine anti-IL-6 mAbs\n",
                                                   "  agent: murine anti-IL-6 mAbs\n  dose_mg: 10\n", 1))
    assert dp.write_version_package(folder, CITATION, "0.1.0", dt.date(2026, 11, 27), "x") is None
    said = (folder / dp.NO_PACKAGE).read_text()
    assert "No data package for version 0.1.0" in said and "data/studies.yaml" in said and "dose_mg" in said
    assert not (folder / dp.DESCRIPTOR).exists()
    assert f'href="{dp.NO_PACKAGE}"' in (folder / dp.INDEX).read_text()
