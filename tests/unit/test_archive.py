"""Every released version readable on the site (il6mm.publish.archive), with the builds replaced by fakes:
each earlier version built once from its commit and kept by commit, copied into versions/X.Y.Z/ with a banner
on every page, its evidence data and today's repository address. (The real archive of this book, built by
`make book`: tests/book/test_versions.py.)"""

from __future__ import annotations

import json
import re

import pytest

from conftest import REPO
from il6mm.build.context import PLACEHOLDER_REPOSITORY
from il6mm.publish import archive, datapackage
from il6mm.publish.pdf import PDF_NAME
from release_helpers import _with_commit, do_release, git

PAGE = ('<!DOCTYPE html><html><head><title>{title}</title></head><body class="x">'
        '<p>Version {version}</p><a href="{repo}/tree/main">source</a></body></html>')


class FakeBuilds:
    """Stands in for a version's `make book` and PDF: writes a two-page site naming its version."""

    def __init__(self):
        self.built = []

    def build(self, src, python, env):
        version = re.search(r"^version: (\S+)", (src / "CITATION.cff").read_text(), re.M).group(1)
        repo = re.search(r"url: (\S+)", (src / "_config.yml").read_text()).group(1)
        self.built.append(version)
        site = src / "_build" / "html"
        (site / "chapters").mkdir(parents=True)
        for page in ("index", "chapters/01-history", "chapters/only-then"):
            (site / f"{page}.html").write_text(PAGE.format(title=page, version=version, repo=repo))
        (site / "cite").mkdir()
        (site / "cite" / "review.bib").write_text(f"@book{{x, url = {{{repo}/tree/abc}}}}\n")

    def pdf(self, src, python, env, url):
        (src / "_build" / "html" / PDF_NAME).write_bytes(b"%PDF-1.7 fake " + url.encode())
        return "its own"


@pytest.fixture()
def released(repo, tmp_path):
    """The release tests' repository after a second release (0.2.0), and a site of the latest version."""
    do_release(repo, "0.2.0")
    site = tmp_path / "site"
    (site / "chapters").mkdir(parents=True)
    for page in ("index", "chapters/01-history"):
        (site / f"{page}.html").write_text("<html><body>latest</body></html>")
    return repo, site


@pytest.mark.slow
def test_each_earlier_version_is_built_once_from_its_commit_and_read_in_the_site(released, tmp_path):
    repo, site = released
    fakes = FakeBuilds()
    report = archive.archive(repo, site, tmp_path / "cache", log=lambda *a: None, build=fakes.build, pdf=fakes.pdf)
    assert fakes.built == ["0.1.0"] and [(b.version, cached) for b, cached in report.versions] == [("0.1.0", False)]
    old = site / "versions" / "0.1.0"
    for page in ("index", "chapters/01-history", "chapters/only-then"):
        text = (old / f"{page}.html").read_text()
        assert text.count(archive.BANNER_CLASS) == 1, page
        assert ("You are reading <strong>version 0.1.0</strong> of 27 November 2026; the latest is "
                in text and "version 0.2.0 of 1 December 2026</a>" in text), page
        assert "<p>Version 0.1.0</p>" in text  # the page itself as that version built it
    # The banner links to the same page of the latest version, or to its start where the page is gone.
    assert 'href="../../../chapters/01-history.html">version 0.2.0' in (old / "chapters/01-history.html").read_text()
    assert 'href="../../../index.html">version 0.2.0' in (old / "chapters/only-then.html").read_text()
    assert (old / PDF_NAME).read_bytes().startswith(b"%PDF")
    assert (old / "data" / "studies.yaml").read_text() == git(repo, "show", "HEAD:data/studies.yaml").stdout
    assert (old / "data" / "references.bib").is_file()
    # Its records as a data package, made with today's code: its own version, date and lasting address.
    package = json.loads((old / "data" / datapackage.DESCRIPTOR).read_text())
    assert (package["version"], package["created"][:10]) == ("0.1.0", "2026-11-27")
    assert package["homepage"].endswith(f"/tree/{report.versions[0][0].commit}")
    assert (old / "data" / datapackage.CSV_DIR / "studies.csv").is_file()
    assert (old / "data" / datapackage.INDEX).read_text().count(archive.BANNER_CLASS) == 1
    # The latest version has its lasting address too.
    stub = (site / "versions" / "0.2.0" / "index.html").read_text()
    assert 'url=../../index.html' in stub and "0.2.0" in stub

    again = archive.archive(repo, site, tmp_path / "cache", log=lambda *a: None, build=fakes.build, pdf=fakes.pdf)
    assert fakes.built == ["0.1.0"] and again.versions[0][1] is True  # from the cache: nothing rebuilt
    assert (old / "index.html").read_text().count(archive.BANNER_CLASS) == 1


@pytest.mark.slow
def test_an_earlier_version_points_at_todays_repository_address(released, tmp_path):
    repo, site = released
    config = repo / "_config.yml"
    config.write_text(config.read_text().replace(PLACEHOLDER_REPOSITORY, "https://example.org/lab/review"))
    git(repo, "commit", "-qam", "The review's repository moved")
    fakes = FakeBuilds()
    archive.archive(repo, site, tmp_path / "cache", log=lambda *a: None, build=fakes.build, pdf=fakes.pdf)
    old = site / "versions" / "0.1.0"
    for path in (old / "index.html", old / "cite" / "review.bib"):
        text = path.read_text()
        assert PLACEHOLDER_REPOSITORY not in text and "https://example.org/lab/review" in text, path


def test_a_version_whose_commit_is_missing_is_named_and_nothing_is_written(released, tmp_path):
    repo, site = released
    versions = repo / "data" / "living" / "versions.yaml"
    versions.write_text(_with_commit(versions.read_text(), "0.1.0", "deadbeef" * 5))
    git(repo, "commit", "-qam", "A commit that no history holds")
    with pytest.raises(archive.ArchiveError, match=r"version 0.1.0: its recorded commit (deadbeef){5} cannot be found"):
        archive.archive(repo, site, tmp_path / "cache", log=lambda *a: None, build=FakeBuilds().build,
                        pdf=FakeBuilds().pdf)
    assert not (site / "versions").exists()


def test_a_failing_build_of_a_version_names_it_and_leaves_no_half_built_copy(released, tmp_path):
    repo, site = released

    def broken(src, python, env):
        raise archive.ArchiveError("the book build failed (exit 2)")

    with pytest.raises(archive.ArchiveError, match=r"version 0.1.0 \(commit [0-9a-f]{10}\): the book build failed"):
        archive.archive(repo, site, tmp_path / "cache", log=lambda *a: None, build=broken, pdf=FakeBuilds().pdf)
    assert not list((tmp_path / "cache" / "versions").glob("*-f*"))


def test_a_version_gets_its_own_pinned_environment_only_when_its_pins_differ(tmp_path):
    same = tmp_path / "same"
    same.mkdir()
    (same / "requirements.txt").write_text("# comment\n-e ./code\n" + (REPO / "requirements.txt").read_text())
    assert archive._pins(same / "requirements.txt") == archive._pins(REPO / "requirements.txt")
    assert archive.python_for(same, tmp_path / "cache", log=lambda *a: None).samefile(__import__("sys").executable)
