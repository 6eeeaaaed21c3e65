"""Every released version readable on the site, and followed by its feed: the archive `make book` made from
the commits the versions file records, the links to it from Version history and How to cite, the Atom feed
of versions, and the one repository address every link is made from (a change of that address is built in
tests/book/test_fake_releases.py, in the released copy built there)."""

from __future__ import annotations

import re

import feedparser
import pytest
import yaml

from conftest import REPO, toc_files
from il6mm.build.context import PLACEHOLDER_REPOSITORY
from il6mm.living.versions import load_versions
from il6mm.publish import archive
from il6mm.publish.pdf import PDF_NAME

VERSIONS = load_versions(REPO / "data" / "living" / "versions.yaml")
EARLIER = VERSIONS[:-1]
LATEST = VERSIONS[-1]


@pytest.mark.parametrize("entry", EARLIER, ids=lambda e: e.version)
def test_every_earlier_version_is_on_the_site_with_its_pdf_data_and_a_banner_on_every_page(site, entry):
    copy = site / archive.ARCHIVE_DIR / entry.version
    pages = sorted(p for p in copy.rglob("*.html") if not any(part.startswith("_") for part in p.relative_to(copy).parts))
    assert (copy / "index.html") in pages and len(pages) >= 8
    assert f"Version {entry.version}" in (copy / "chapters" / "01-history.html").read_text()
    for page in pages:
        text = page.read_text()
        assert text.count(f'class="{archive.BANNER_CLASS}"') == 1, page
        assert f"You are reading <strong>version {entry.version}</strong>" in text
        assert "the latest is <a href=" in text and f"version {LATEST.version} of" in text
    assert (copy / PDF_NAME).read_bytes()[:5] == b"%PDF-"
    assert (copy / "data" / "studies.yaml").is_file() and (copy / "data" / "references.bib").is_file()


def test_the_latest_version_has_its_lasting_address_too(site):
    assert "../../index.html" in (site / archive.ARCHIVE_DIR / LATEST.version / "index.html").read_text()


def _links(html: str) -> list[str]:
    return re.findall(r'<a class="reference external" href="([^"#]+)"', html)


@pytest.mark.parametrize("page", ["chapters/version-history", "chapters/how-to-cite"])
def test_version_history_and_how_to_cite_link_each_versions_pages_pdf_data_and_commit(site, page):
    html = (site / f"{page}.html").read_text()
    links = _links(html)
    for entry in EARLIER:
        for target in ("index.html", PDF_NAME, "data/"):
            wanted = f"../{archive.ARCHIVE_DIR}/{entry.version}/{target}"
            assert wanted in links, (page, wanted)
            assert (site / "chapters" / wanted).resolve().exists(), wanted
        assert f"/tree/{entry.commit}" in html
    assert "git checkout vX.Y.Z" not in html  # a clone has no tags: versions are found by commit


def test_the_feed_has_one_entry_per_version_with_its_whats_new_and_pdf(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title.endswith(": versions")
    entries = {e.title.split()[1]: e for e in feed.entries}
    assert list(entries) == [v.version for v in reversed(VERSIONS)]  # newest first
    for version in VERSIONS:
        entry = entries[version.version]
        assert entry.title.startswith(f"Version {version.version} ({version.date.isoformat()}): ")
        assert entry.updated.startswith(version.date.isoformat())
        assert version.trigger.split(":")[0] in entry.summary
        assert ("conclusions changed" if version.conclusions_changed else "conclusions not changed") in entry.summary \
            or version is VERSIONS[0]
        base = "" if version is LATEST else f"{archive.ARCHIVE_DIR}/{version.version}/"
        hrefs = {link.get("title"): link.href for link in entry.links}
        whats_new = "chapters/whats-new.html" if version is not VERSIONS[0] else "index.html"  # the first: all new
        assert hrefs["What's new"] == f"{base}{whats_new}" and (site / hrefs["What's new"]).is_file()
        assert hrefs["PDF"] == f"{base}{PDF_NAME}" and (site / hrefs["PDF"]).is_file()


@pytest.mark.parametrize("page", toc_files())
def test_every_page_announces_the_feed(site, page):
    html = (site / f"{page}.html").read_text()
    head = html.split("</head>", 1)[0]
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+: versions" href="[^"]*feed\.xml"', head)


@pytest.mark.parametrize("page", ["chapters/living-status", "chapters/version-history"])
def test_living_status_and_version_history_link_the_feed(site, page):
    assert "feed.xml" in " ".join(_links((site / f"{page}.html").read_text()))


def test_the_sites_citation_cff_is_complete_and_made_from_the_one_setting(site):
    cff = yaml.safe_load((site / "CITATION.cff").read_text())
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    assert cff["repository-code"] == config["repository"]["url"] and cff["commit"] == LATEST.commit
    assert cff["version"] == LATEST.version
    assert "repository-code" not in yaml.safe_load((REPO / "CITATION.cff").read_text())  # no copy kept by hand


def test_while_the_address_is_the_placeholder_how_to_cite_says_so(site):
    html = (site / "chapters" / "how-to-cite.html").read_text()
    assert PLACEHOLDER_REPOSITORY in html and "is a placeholder" in html
