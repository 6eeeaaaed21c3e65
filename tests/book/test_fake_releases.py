"""A throw-away copy of the repository after two fake releases and a change of the one repository setting,
then one build of it (a build of its own, since the real book has neither). Every page that speaks of the
current version names the newest one, nothing hand-written still says which version is current, and the old
repository address is nowhere in the site or the readers' notebooks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import lxml.html
import pytest

from conftest import REPO, copy_env, executed, run_build, toc_files
from il6mm.build.context import PLACEHOLDER_REPOSITORY
from release_helpers import do_release, git, make_repo

CURRENT = re.compile(r"\b(?:this is|current|latest|newest)(?: one)?(?: is)?(?: version)? (\d+\.\d+\.\d+)\b|"
                     r"\bversion (\d+\.\d+\.\d+) is the (?:first|current|latest)\b", re.I)
NEW_ADDRESS = "https://github.com/example-lab/il6-review"


@pytest.fixture(scope="module")
def released(tmp_path_factory, strict_build):
    tmp = tmp_path_factory.mktemp("fake-releases")
    with pytest.MonkeyPatch.context() as monkeypatch:
        repo = make_repo(tmp, monkeypatch)
        do_release(repo, "0.2.0", trigger="Targeted search of 2026-11-30 (fake release one)")
        # A changed number between the releases. It is in the registrations, which only the Evidence tables
        # page reads, so the build below executes that page and Living status (the versions changed).
        registrations = repo / "data" / "registrations.yaml"
        text = registrations.read_text()
        assert text.count("  enrolment: 118\n") == 1
        registrations.write_text(text.replace("  enrolment: 118\n", "  enrolment: 119\n"))
        git(repo, "commit", "-qam", "reg-nct00911859: enrolment as the registry now gives it")
        do_release(repo, "0.3.0", trigger="Registry read again (fake release two)", conclusions="changed",
                   which="The enrolment of the VMP trial")
    # The repository moves: one setting, from which every link is made. No page reads it in a kernel.
    config = repo / "_config.yml"
    config.write_text(config.read_text().replace(PLACEHOLDER_REPOSITORY, NEW_ADDRESS))
    shutil.copytree(REPO / "_build" / ".jupyter_cache", repo / "_build" / ".jupyter_cache")  # unchanged pages hit it
    (repo / "node_modules").symlink_to(REPO / "node_modules")
    result = run_build(repo, copy_env(repo))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    from il6mm.publish.notebooks import write_notebooks

    write_notebooks(repo, tmp / "notebooks")
    return SimpleNamespace(html=repo / "_build" / "html", notebooks=tmp / "notebooks",
                           ran=executed(result.stdout + result.stderr))


def _article_text(path):
    doc = lxml.html.fromstring(path.read_text())
    return " ".join(doc.find_class("bd-article")[0].text_content().split())


def test_the_build_after_the_releases_executes_only_the_pages_that_read_what_changed(released):
    assert released.ran <= {"chapters/evidence-tables", "chapters/living-status"}, released.ran


def test_after_two_releases_every_page_names_the_newest_version_as_current(released):
    html = released.html
    for page in toc_files():
        raw = (html / f"{page}.html").read_text()
        status = re.search(r'<p class="il6mm-living-status"[^>]*>(.*?)</p>', raw, re.S).group(1)
        assert "Version 0.3.0, 1 December 2026" in status, page
        text = _article_text(html / f"{page}.html")
        named = {a or b for a, b in CURRENT.findall(text)}
        assert named <= {"0.3.0"}, (page, named)
        assert "is the first version" not in text.lower() or page == "chapters/version-history", page

    living = _article_text(html / "chapters" / "living-status.html")
    assert "This is version 0.3.0, released 2026-12-01" in living
    assert "Registry read again (fake release two)" in living            # what triggered the newest version
    whats_new = _article_text(html / "chapters" / "whats-new.html")
    assert "0.3.0" in whats_new and "fake release two" in whats_new
    assert "The first version rebuilds" not in whats_new
    flow = lxml.html.fromstring((html / "chapters" / "living-status.html").read_text())
    alts = [img.get("alt") for img in flow.iter("img") if "PRISMA" in (img.get("alt") or "")]
    assert alts and all("0.3.0" in alt for alt in alts), alts        # the flow's alt text has the new column


def _text_files(root: Path):
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".bib", ".ris", ".json", ".cff", ".xml", ".txt", ".js", ".ipynb"}:
            yield path


def test_changing_the_one_repository_setting_leaves_the_old_address_nowhere(released):
    """The archive of earlier versions is not in a copy; its own rewrite to today's address is tested in
    tests/unit/test_archive.py."""
    found = [path for root in (released.html, released.notebooks) for path in _text_files(root)
             if PLACEHOLDER_REPOSITORY in path.read_text(errors="replace")]
    assert not found, found[:10]
    site = released.html
    assert NEW_ADDRESS in (site / "CITATION.cff").read_text()
    assert "mybinder.org/v2/gh/example-lab/il6-review/" in (site / "chapters" / "01-history.html").read_text()
    assert f"{NEW_ADDRESS}/tree/" in (site / "cite" / "review.bib").read_text()
    assert "is a placeholder" not in (site / "chapters" / "how-to-cite.html").read_text()
