"""The build context (il6mm.build.context): what a build reads about itself, loaded once, and every bad file
refused with file, entry and field (the book's extension turns the error into a failed build at its start:
tests/book/test_broken_builds.py)."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from conftest import REPO
from il6mm.build.context import PLACEHOLDER_REPOSITORY, BuildContext, BuildContextError, load_repository


@pytest.fixture()
def book(tmp_path):
    """The files the context reads, copied (nothing else is needed)."""
    dest = tmp_path / "book"
    shutil.copytree(REPO / "data", dest / "data")
    for name in ("references.bib", "CITATION.cff", "_config.yml"):
        shutil.copy2(REPO / name, dest / name)
    return dest


def test_the_context_of_this_book_loads_once_with_everything_a_build_needs():
    context = BuildContext.load(REPO)
    assert context.citation.version == context.latest.version
    assert context.evidence.studies and context.living.searches
    assert context.repository.url.startswith("https://")
    assert context.resolver is context.resolver  # one resolver per build


def test_a_bad_record_is_refused_naming_file_line_record_and_field(book):
    path = book / "data" / "studies.yaml"
    records = yaml.safe_load(path.read_text())
    next(r for r in records if r["id"] == "orlowski2015")["outcomes"][0]["value"] = 130
    path.write_text(yaml.safe_dump(records, sort_keys=False, allow_unicode=True))
    with pytest.raises(BuildContextError) as err:
        BuildContext.load(book)
    assert re.search(r"data/studies.yaml \(line \d+\): record 'orlowski2015': field 'outcomes\[0\]\.value': "
                     r"percentage 130 is not within 0-100", str(err.value)), str(err.value)


@pytest.mark.parametrize("entry, field, message", [
    ("- id: bad\n  pmid: '1'\n  title: t\n  found_in: 2026-11-27-manual-v0.1.0\n  decision: maybe\n",
     "decision", "unknown decision 'maybe'"),
    ("- id: bad\n  pmid: '27497026'\n  title: t\n  found_in: 2026-11-27-manual-v0.1.0\n  decision: pending\n",
     "pmid", "duplicate identifier"),
    ("- id: bad\n  pmid: '1'\n  title: t\n  found_in: 2026-11-27-manual-v0.1.0\n  decision: included\n"
     "  decided: 2026-12-01\n  record_ids: [no-such-record]\n  bib_key: matthes2016revisiting\n",
     "record_ids[0]", "no evidence record with id 'no-such-record'"),
])
def test_a_bad_screening_entry_is_refused_naming_file_line_entry_and_field(book, entry, field, message):
    path = book / "data" / "living" / "screening.yaml"
    path.write_text(path.read_text() + entry)
    with pytest.raises(BuildContextError) as err:
        BuildContext.load(book)
    text = str(err.value)
    assert "the living-review files do not validate" in text
    assert "data/living/screening.yaml (line" in text and "record 'bad'" in text, text
    assert f"field '{field}'" in text and message in text, text


def test_the_repository_address_is_one_setting_and_a_bad_one_is_refused(book):
    assert load_repository(book / "_config.yml").url == PLACEHOLDER_REPOSITORY
    config = book / "_config.yml"
    config.write_text(config.read_text().replace(f"url: {PLACEHOLDER_REPOSITORY}", "url: not-an-address"))
    with pytest.raises(BuildContextError, match=r"_config.yml: field 'repository.url'"):
        load_repository(config)
