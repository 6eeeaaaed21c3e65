"""Cite this version: CITATION.cff is valid CFF 1.2.0, the citation downloads parse back, the pages that are
generated from the versions file are in the site, and a malformed versions entry fails the build."""

from __future__ import annotations

import html as html_lib
import json
import re

import jsonschema
import pybtex.database
import pytest
import rispy
import yaml

from conftest import REPO, toc_files
from il6mm.living.versions import load_citation, load_versions

# The CFF 1.2.0 schema, as shipped in the cffconvert 2.0.0 wheel (cffconvert/schemas/1.2.0/schema.json).
# cffconvert itself needs jsonschema<4, which the book's environment cannot have; the schema is what it checks.
CFF_SCHEMA = json.loads((REPO / "tests" / "data" / "cff-schema-1.2.0.json").read_text())
CHAPTERS = [p for p in toc_files() if p.startswith("chapters/0")]


def _cff_errors(cff: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(CFF_SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(cff)]


def test_citation_cff_is_valid_cff_1_2_0():
    assert _cff_errors(yaml.safe_load((REPO / "CITATION.cff").read_text())) == []


def test_the_sites_citation_cff_with_address_and_commit_is_valid_cff_1_2_0(site):
    assert _cff_errors(yaml.safe_load((site / "CITATION.cff").read_text())) == []


@pytest.mark.parametrize("edit", ["no authors", "bad date", "unknown field"])
def test_the_cff_check_can_fail(edit):
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    if edit == "no authors":
        del cff["authors"]
    elif edit == "bad date":
        cff["date-released"] = "27 November 2026"
    else:
        cff["released"] = "soon"
    assert _cff_errors(cff)


# ---------------------------------------------------------------------------------------------------------
# The built site
# ---------------------------------------------------------------------------------------------------------

def _works(site):
    return ["review"] + [p.split("/")[-1] for p in CHAPTERS]


def _chapter_title(site, page):
    html = (site / f"{page}.html").read_text()
    title = re.search(r'<h1><span class="section-number">[^<]*</span>(.*?)<a class="headerlink"', html, re.S).group(1)
    return title.strip()


def test_citation_files_parse_back_for_the_review_and_every_chapter(site):
    cite = load_citation()
    for slug in _works(site):
        base = site / "cite" / slug
        bib = pybtex.database.parse_file(str(base.with_suffix(".bib")), bib_format="bibtex")
        (key, entry), = bib.entries.items()
        assert entry.fields["version"] == cite.version
        assert entry.fields["date"] == cite.date_released.isoformat()
        assert entry.fields["url"].startswith("http")
        assert [str(p) for p in entry.persons["author"]] == ["{" + a + "}" for a in cite.authors]
        ris, = rispy.loads(base.with_suffix(".ris").read_text())
        csl, = json.loads(base.with_suffix(".json").read_text())
        for item in (csl,):
            for required in ("id", "type", "title", "author", "issued", "version", "URL"):
                assert item.get(required), (slug, required)
        assert ris["edition"] == f"Version {cite.version}" and csl["version"] == cite.version
        assert ris["urls"] == [entry.fields["url"]] == [csl["URL"]]
        if slug == "review":
            assert entry.type == "book" and ris["type_of_reference"] == "BOOK" and csl["type"] == "book"
            assert ris["title"] == cite.title == csl["title"]
        else:
            page = next(p for p in CHAPTERS if p.endswith(slug))
            title = _chapter_title(site, page)
            assert entry.type == "incollection" and entry.fields["booktitle"] == "{" + cite.title + "}"
            assert ris["title"] == title == csl["title"] and ris["secondary_title"] == cite.title
            assert csl["container-title"] == cite.title
            assert entry.fields["url"].endswith(f"{page}.md") or entry.fields["url"].endswith(f"{page}.html")


def test_how_to_cite_offers_the_downloads_and_names_version_date_and_url(site):
    cite = load_citation()
    html = (site / "chapters" / "how-to-cite.html").read_text()
    for ext in ("bib", "ris", "json"):
        assert f'href="../cite/review.{ext}"' in html
    text = re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))
    suggested = re.search(r"Revisiting IL-6 antagonism in multiple myeloma: a living review, version (\S+)\. (\S+)\. (\S+)", text)
    assert suggested and suggested.groups()[:2] == (cite.version, cite.date_released.isoformat())
    assert suggested.group(3).startswith("https://")
    assert "git checkout <commit> && make book" in text  # found by commit: a clone has no tags
    for entry in load_versions():  # every version, with its commit and date
        assert entry.commit in html and entry.date.isoformat() in html


@pytest.mark.parametrize("page", CHAPTERS)
def test_every_chapter_ends_with_a_cite_this_chapter_box(site, page):
    html = (site / f"{page}.html").read_text()
    box = re.search(r'<aside class="il6mm-cite-chapter".*?</aside>', html, re.S)
    assert box, page
    slug = page.split("/")[-1]
    for ext in ("bib", "ris", "json"):
        assert f'href="../cite/{slug}.{ext}"' in box.group(0)
        assert (site / "cite" / f"{slug}.{ext}").is_file()
    assert _chapter_title(site, page) in box.group(0)
    assert f"version {load_citation().version}" in box.group(0)


def test_pages_that_are_not_chapters_have_no_cite_box(site):
    for page in ("index", "chapters/how-to-cite", "chapters/references"):
        assert "il6mm-cite-chapter" not in (site / f"{page}.html").read_text()


def test_whats_new_and_version_history_are_generated_from_the_versions_file(site):
    latest = load_versions()[-1]
    new = (site / "chapters" / "whats-new.html").read_text()
    assert f"Version {latest.version}" in re.sub(r"<[^>]+>", "", new)
    assert latest.commit[:10] in new
    history = re.sub(r"<[^>]+>", " ", (site / "chapters" / "version-history.html").read_text())
    for entry in load_versions():
        assert entry.version in history and entry.date.isoformat() in history


