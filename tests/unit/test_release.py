"""`make release` in a throw-away git repository holding this checkout's files: two releases with a changed
number in between, and every refusal changing nothing (file bytes, commits and tags compared)."""

from __future__ import annotations

import datetime as dt
import difflib
import sys

import pytest
import yaml

from release_helpers import HR, _with_commit, do_release, git, snapshot
from il6mm.living.release import ReleaseError, main
from il6mm.living.versions import load_versions, render_history, render_whats_new

def test_two_releases_with_a_changed_number_in_between(repo):
    first = do_release(repo, "0.2.0", searched_up_to=dt.date(2026, 11, 30))
    assert first.changes.since == "v0.1.0" and first.changes.is_empty()

    studies = repo / "data" / "studies.yaml"
    studies.write_text(studies.read_text().replace("value: 0.869,", "value: 0.87,"))
    git(repo, "commit", "-qam", "orlowski2015: PFS hazard ratio as in the full paper")
    second = do_release(repo, "0.3.0", trigger="Full paper of the siltuximab + bortezomib trial read",
                        conclusions="changed", which="The PFS hazard ratio of the bortezomib trial")

    assert [(n.record, n.path, n.old, n.new) for n in second.changes.numbers_changed] == [
        ("orlowski2015", HR, 0.869, 0.87)]
    # Written everywhere: versions file, CHANGELOG, CITATION.cff, the package; committed and tagged.
    entries = load_versions(repo / "data" / "living" / "versions.yaml")
    assert [e.version for e in entries] == ["0.1.0", "0.2.0", "0.3.0"]
    cff = yaml.safe_load((repo / "CITATION.cff").read_text())
    assert (cff["version"], cff["date-released"]) == ("0.3.0", "2026-12-01")
    assert '__version__ = "0.3.0"' in (repo / "code" / "il6mm" / "version.py").read_text()
    changelog = (repo / "CHANGELOG.md").read_text()
    assert changelog.index("## 0.3.0") < changelog.index("## 0.2.0") < changelog.index("## 0.1.0")
    assert f"orlowski2015 {HR}: 0.869 -> 0.87" in changelog
    assert git(repo, "tag", "-l").stdout.split() == ["v0.1.0", "v0.2.0", "v0.3.0"]
    assert git(repo, "log", "-1", "--format=%s", "v0.3.0").stdout.strip() == "Release 0.3.0"
    assert git(repo, "cat-file", "-t", "v0.3.0").stdout.strip() == "tag"  # annotated
    assert git(repo, "status", "--porcelain").stdout == ""
    # The tag holds that version exactly: `git checkout v0.2.0` gets back what 0.2.0 was.
    assert "version: 0.2.0" in git(repo, "show", "v0.2.0:CITATION.cff").stdout
    assert "value: 0.869," in git(repo, "show", "v0.2.0:data/studies.yaml").stdout

    # The What's new page (rendered from the versions file) lists the number old -> new, and only 0.3.0.
    text = render_whats_new(entries)
    assert f"| ``orlowski2015`` | ``{HR}`` | 0.869 | 0.87 | ``orlowski2015siltuximab`` |" in text
    assert "**conclusions changed**" in text and "Version 0.2.0" not in text
    history = render_history(entries)
    assert f"| 0.3.0 | 2026-12-01 | commit `{entries[2].commit[:10]}` |" in history
    assert f"| 0.1.0 | 2026-11-27 | commit `{entries[0].commit[:10]}` |" in history


def test_the_first_release_adds_every_record(repo):
    (repo / "data" / "living" / "versions.yaml").unlink()
    git(repo, "commit", "-qam", "no versions yet")
    entry = do_release(repo, "0.1.1")
    assert entry.changes.since is None and not entry.changes.numbers_changed
    # Every record and every reference of the evidence as it stands is "added" (the counts grow with it).
    from il6mm.evidence import load_evidence
    from il6mm.evidence.bibliography import bib_keys

    evidence = load_evidence(repo / "data", repo / "references.bib")
    assert len(entry.changes.records_added) == len(evidence.records())
    assert len(entry.changes.references_added) == len(bib_keys(repo / "references.bib"))


@pytest.mark.parametrize("case, expected", [
    ("dirty tree", "the git tree is not clean"),
    ("untracked file", "the git tree is not clean"),
    ("existing version", "version 0.1.0 already exists"),
    ("existing tag", "version 0.2.0 already exists"),
    ("version not increasing", "version 0.0.9 does not increase on the current version 0.1.0"),
    ("malformed version", "not a version of the form MAJOR.MINOR.PATCH"),
    ("missing trigger", "TRIGGER is missing"),
    ("conclusions changed without which", "needs WHICH"),
    ("failing build", "the build failed \\(exit 3\\)"),
    ("build fails with the new entry", "rolled back: the build with the new entry failed \\(exit 3\\)"),
    ("previous commit not in the history", "version 0.1.0: its recorded commit (deadbeef){5} cannot be found: the commit "
                                           "is not in this repository's history.*git fetch --unshallow"),
    ("patch version with new evidence", "0.1.1 is a patch version of 0.1.0, but the evidence changed \\(1 number "
                                        "changed\\).*use 0.2.0"),
    ("commit fails", "rolled back: .*(email|identity)"),
])
def test_a_refused_release_changes_nothing(repo, case, expected):
    args = dict(version="0.2.0", trigger="Search of 2026-12-01", conclusions="unchanged")
    if case == "dirty tree":
        (repo / "data" / "studies.yaml").write_text((repo / "data" / "studies.yaml").read_text() + "\n")
    elif case == "untracked file":
        (repo / "notes.txt").write_text("draft\n")
    elif case == "existing version":
        args["version"] = "0.1.0"
    elif case == "existing tag":
        git(repo, "tag", "v0.2.0")
    elif case == "version not increasing":
        args["version"] = "0.0.9"
    elif case == "malformed version":
        args["version"] = "0.2"
    elif case == "missing trigger":
        args["trigger"] = "  "
    elif case == "conclusions changed without which":
        args["conclusions"] = "changed"
    elif case == "failing build":
        args["build_command"] = [sys.executable, "-c", "import sys; print('a warning'); sys.exit(3)"]
    elif case == "build fails with the new entry":  # e.g. What's new cannot render one of its changes
        args["build_command"] = [sys.executable, "-c", "import pathlib, sys; sys.exit(3 if 'version: 0.2.0' in "
                                 "pathlib.Path('data/living/versions.yaml').read_text() else 0)"]
    elif case == "previous commit not in the history":  # a rewritten history, or a commit from elsewhere
        versions = repo / "data" / "living" / "versions.yaml"
        versions.write_text(_with_commit(versions.read_text(), "0.1.0", "deadbeef" * 5))
        git(repo, "commit", "-qam", "A commit that no history holds")
    elif case == "patch version with new evidence":
        studies = repo / "data" / "studies.yaml"
        studies.write_text(studies.read_text().replace("value: 0.869,", "value: 0.87,"))
        git(repo, "commit", "-qam", "orlowski2015: PFS hazard ratio as in the full paper")
        args["version"] = "0.1.1"
    elif case == "commit fails":  # after the files were moved into place: everything must be put back
        git(repo, "config", "user.useConfigOnly", "true")
        git(repo, "config", "--unset", "user.email")
        git(repo, "config", "--unset", "user.name")
    before = snapshot(repo)
    with pytest.raises(ReleaseError, match=expected):
        do_release(repo, args.pop("version"), **args)
    assert snapshot(repo) == before


def test_the_command_line_refuses_with_a_message_and_exit_code(repo, capsys):
    code = main(["--repo", str(repo), "--version", "0.2.0", "--conclusions", "unchanged",
                 "--build-command", f"{sys.executable} -c pass"])
    assert code == 1
    assert "release refused: TRIGGER is missing" in capsys.readouterr().err
    code = main(["--repo", str(repo), "--version", "0.2.0", "--trigger", "Search of 2026-12-01",
                 "--conclusions", "unchanged", "--date", "2026-12-01", "--build-command", f"{sys.executable} -c pass"])
    assert code == 0 and "v0.2.0" in git(repo, "tag", "-l").stdout


UNRELEASED_RUNS = """
# A run of the saved search after the last release (as `make search` writes it) ...
- run: 2026-12-02-pubmed-test
  kind: saved_search
  date: 2026-12-02
  source: PubMed
  query_id: pubmed-il6-blockade-myeloma
  query: interleukin-6 AND myeloma
  window:
    from: 2026-12-01
    to: 2026-12-02
  hits: 0
  new: 0
  duplicates: 0
  ambiguous: 0
  version: null

# ... and a manual one written by hand, without a version line.
- run: 2026-12-02-manual-test
  kind: manual
  date: 2026-12-02
  source: stored publisher pages
  query: one target reference
  window:
    from: null
    to: 2026-12-02
  note: >-
    Checked by hand.
"""


def test_a_release_gives_its_version_to_the_search_runs_that_fed_it(repo):
    log = repo / "data" / "living" / "search_log.yaml"
    before = log.read_text()
    log.write_text(before + UNRELEASED_RUNS)
    git(repo, "commit", "-qam", "Two search runs after 0.1.0")
    do_release(repo, "0.2.1")
    from il6mm.living.logs import load_search_log

    runs = {r.run: r.version for r in load_search_log(log)}
    assert runs["2026-12-02-pubmed-test"] == runs["2026-12-02-manual-test"] == "0.2.1"
    old = {r.run: r.version for r in load_search_log(log, text=before)}
    # Runs of released versions keep theirs; any run the copy holds unreleased joins 0.2.1 too.
    assert all(runs[k] == (v or "0.2.1") for k, v in old.items())
    text = log.read_text()
    # Earlier entries, comments and layout untouched, but for the version line of a run that had none.
    changed = [line for line in difflib.ndiff(before.splitlines(), text.splitlines()[:len(before.splitlines())])
               if line.startswith(("- ", "+ "))]
    assert all(line[2:].strip() in ('version: null', 'version: "0.2.1"') for line in changed), changed
    assert "# ... and a manual one written by hand, without a version line." in text
    assert 'version: "0.2.1"' in git(repo, "show", "v0.2.1:data/living/search_log.yaml").stdout
    # Nothing left unreleased, so the next release changes nothing in the log.
    do_release(repo, "0.2.2")
    assert log.read_text() == text


def test_a_patch_version_may_not_change_conclusions_and_may_fix_the_rest(repo):
    """With no evidence changed since the last release: changed conclusions need a minor version; a patch
    (wording, layout, code) is released."""
    do_release(repo, "0.2.0")
    before = snapshot(repo)
    with pytest.raises(ReleaseError, match="0.2.1 is a patch version of 0.2.0, but the conclusions changed.*0.3.0"):
        do_release(repo, "0.2.1", conclusions="changed", which="Chapter 4 reads the CRS data differently")
    assert snapshot(repo) == before
    assert do_release(repo, "0.2.1").changes.is_empty()
    assert do_release(repo, "0.3.0", conclusions="changed", which="Chapter 4 reads the CRS data differently")


def test_the_version_policy_names_what_a_patch_would_hide():
    from il6mm.living.release import version_policy_problem
    from il6mm.living.versions import Changes, RecordChange

    added = Changes(since="v1.4.2", records_added=[RecordChange(id="crs-x", kind="crs", source="x2026")],
                    references_added=["x2026"])
    assert version_policy_problem("1.4.2", "1.4.3", added, False) == (
        "version 1.4.3 is a patch version of 1.4.2, but the evidence changed (1 record added, 1 reference "
        "changed); a patch changes nothing a reader cites: use 1.5.0 (or a new major version)")
    assert version_policy_problem("1.4.2", "1.5.0", added, True) is None
    assert version_policy_problem("1.4.2", "2.0.0", added, True) is None
    assert version_policy_problem("1.4.2", "1.4.3", Changes(since="v1.4.2"), False) is None
    assert version_policy_problem(None, "0.1.0", added, False) is None  # the first version


# ---------------------------------------------------------------------------------------------------------
# Versions found by their commits: a release works in any clone, tags or not
# ---------------------------------------------------------------------------------------------------------

def _clone(repo, dest, *args):
    git(dest.parent, "clone", "-q", *args, f"file://{repo}", str(dest))
    git(dest, "config", "user.name", "Release Test")
    git(dest, "config", "user.email", "release-test@example.org")
    return dest


def test_a_release_in_a_clone_without_tags_is_the_release_made_with_them(repo, tmp_path):
    """Computed against the previous version's recorded commit, never its tag: a clone of the branch, which
    carries no tag, releases exactly what the copy with the tags releases."""
    studies = repo / "data" / "studies.yaml"
    studies.write_text(studies.read_text().replace("value: 0.869,", "value: 0.87,"))
    git(repo, "commit", "-qam", "orlowski2015: PFS hazard ratio as in the full paper")
    bare = _clone(repo, tmp_path / "no-tags", "--no-tags")
    assert git(bare, "tag", "-l").stdout == "" and git(repo, "tag", "-l").stdout.split() == ["v0.1.0"]
    with_tags = do_release(repo, "0.2.0", conclusions="changed", which="The PFS hazard ratio of the bortezomib trial")
    without = do_release(bare, "0.2.0", conclusions="changed", which="The PFS hazard ratio of the bortezomib trial")
    assert with_tags == without
    assert [(n.record, n.old, n.new) for n in without.changes.numbers_changed] == [("orlowski2015", 0.869, 0.87)]
    assert (repo / "data" / "living" / "versions.yaml").read_text() == (bare / "data" / "living" / "versions.yaml").read_text()


def test_the_release_commit_names_what_it_was_released_from_and_is_found_from_it(repo):
    from il6mm.living.history import release_commit

    content = git(repo, "rev-parse", "HEAD").stdout.strip()
    entry = do_release(repo, "0.2.0")
    assert entry.commit == content
    message = git(repo, "log", "-1", "--format=%B").stdout
    assert message.startswith("Release 0.2.0\n") and f"Released-from: {content}" in message
    assert release_commit(repo, entry) == git(repo, "rev-parse", "HEAD").stdout.strip()
    first = load_versions(repo / "data" / "living" / "versions.yaml")[0]
    assert release_commit(repo, first) == first.commit  # recorded before the trailer: the commit holds 0.1.0
    git(repo, "commit", "-q", "--allow-empty", "-m", "Later work")
    assert release_commit(repo, entry) == git(repo, "rev-parse", "HEAD~1").stdout.strip()


def test_make_tags_recreates_every_missing_tag_on_its_release_commit(repo, tmp_path):
    from il6mm.living.history import recreate_tags, release_commit

    do_release(repo, "0.2.0")
    clone = _clone(repo, tmp_path / "clone", "--no-tags")
    entries = load_versions(clone / "data" / "living" / "versions.yaml")
    assert recreate_tags(clone, entries, log=lambda *a: None) == ["v0.1.0", "v0.2.0"]
    for entry in entries:
        tagged = git(clone, "rev-parse", f"{entry.tag}^{{commit}}").stdout.strip()
        assert tagged == release_commit(clone, entry) == git(repo, "rev-parse", f"{entry.tag}^{{commit}}").stdout.strip()
        assert "version: " + entry.version in git(clone, "show", f"{entry.tag}:CITATION.cff").stdout
    assert recreate_tags(clone, entries, log=lambda *a: None) == []  # nothing left to do


def test_a_shallow_clone_is_told_to_fetch_the_history_and_nothing_is_written(repo, tmp_path):
    git(repo, "commit", "-q", "--allow-empty", "-m", "More work")
    shallow = _clone(repo, tmp_path / "shallow", "--depth", "1")
    before = snapshot(shallow)
    with pytest.raises(ReleaseError, match=r"version 0.1.0: its recorded commit [0-9a-f]{40} cannot be found: this "
                                           r"clone is shallow.*git fetch --unshallow"):
        do_release(shallow, "0.2.0")
    assert snapshot(shallow) == before
