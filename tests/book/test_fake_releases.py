"""Two fake releases in a throw-away copy of the repository, then a build: every page that speaks of the
current version names the newest one, and nothing hand-written still says which version is current."""

from __future__ import annotations

import re
import shutil

import lxml.html

from conftest import REPO, copy_env, executed, run_build, toc_files
from release_helpers import do_release, git, repo  # noqa: F401  (repo: the fixture)

CURRENT = re.compile(r"\b(?:this is|current|latest|newest)(?: one)?(?: is)?(?: version)? (\d+\.\d+\.\d+)\b|"
                     r"\bversion (\d+\.\d+\.\d+) is the (?:first|current|latest)\b", re.I)


def _article_text(path):
    doc = lxml.html.fromstring(path.read_text())
    return " ".join(doc.find_class("bd-article")[0].text_content().split())


def test_after_two_releases_every_page_names_the_newest_version_as_current(repo, strict_build):  # noqa: F811
    do_release(repo, "0.2.0", trigger="Targeted search of 2026-11-30 (fake release one)")
    # A changed number between the releases. It is in the registrations, which only the Evidence tables page
    # reads, so the build below executes that page and Living status (the versions changed) and no other.
    registrations = repo / "data" / "registrations.yaml"
    text = registrations.read_text()
    assert text.count("  enrolment: 118\n") == 1
    registrations.write_text(text.replace("  enrolment: 118\n", "  enrolment: 119\n"))
    git(repo, "commit", "-qam", "reg-nct00911859: enrolment as the registry now gives it")
    do_release(repo, "0.3.0", trigger="Registry read again (fake release two)", conclusions="changed",
               which="The enrolment of the VMP trial")
    cache = REPO / "_build" / ".jupyter_cache"
    shutil.copytree(cache, repo / "_build" / ".jupyter_cache")    # unchanged pages hit the real book's cache
    (repo / "node_modules").symlink_to(REPO / "node_modules")
    result = run_build(repo, copy_env(repo))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ran = executed(result.stdout + result.stderr)
    assert ran <= {"chapters/evidence-tables", "chapters/living-status"}, ran
    html = repo / "_build" / "html"

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
