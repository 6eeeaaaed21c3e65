"""A released version can be rebuilt: needs a build of a checkout of that release, so it cannot share the real
book's build."""

from __future__ import annotations

import shutil

from conftest import REPO
from release_helpers import do_release, git


def test_the_tag_of_the_first_release_rebuilds_that_version(repo, tmp_path):
    """`git checkout vX.Y.Z && make book` gives back that version: after a later release, a checkout of the
    first release's tag builds strictly and its pages, What's new and citation files show that version.
    (The tag holds this checkout's inputs, so the book's execution cache is hit and the build is quick.)"""
    from conftest import copy_env, run_build

    do_release(repo, "0.2.0")
    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", str(repo), str(checkout))
    git(checkout, "checkout", "-q", "v0.1.0")
    (checkout / "node_modules").symlink_to(REPO / "node_modules")
    cache = REPO / "_build" / ".jupyter_cache"
    if cache.is_dir():
        shutil.copytree(cache, checkout / "_build" / ".jupyter_cache")
    result = run_build(checkout, copy_env(checkout))
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    site = checkout / "_build" / "html"
    assert "Version 0.1.0, commit" in (site / "chapters" / "01-history.html").read_text()
    whats_new = (site / "chapters" / "whats-new.html").read_text()
    assert "<strong>Version 0.1.0</strong>" in whats_new and "0.2.0" not in whats_new
    assert "version = {0.1.0}" in (site / "cite" / "review.bib").read_text()
