"""A throw-away git repository holding this checkout's files, as at version 0.1.0, and releases made in it
(shared by the release tests of the unit and book tiers)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import REPO
from il6mm.living.release import release
from il6mm.living.versions import load_versions

NO_BUILD = [sys.executable, "-c", "pass"]
HR = "outcomes[PFS hazard_ratio, siltuximab + bortezomib vs placebo + bortezomib].value"


def git(repo, *args, check=True):
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=check)


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    """The tracked files of this checkout, committed in a fresh repository as version 0.1.0; the versions file
    then records that commit (as the real one records the commit of 0.1.0), and v0.1.0 tags it (tags are only a
    convenience: tests/unit/test_release.py also releases in a clone without them). No global git configuration
    is read."""
    return make_repo(tmp_path, monkeypatch)


def make_repo(tmp_path, monkeypatch):
    """What the ``repo`` fixture gives, in ``tmp_path``; git reads no global configuration while ``monkeypatch``
    holds (for a module fixture: ``pytest.MonkeyPatch.context()``)."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    dest = tmp_path / "repo"
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    _as_at_version_010(dest)
    git(dest.parent, "init", "-q", "-b", "main", str(dest))
    git(dest, "config", "user.name", "Release Test")
    git(dest, "config", "user.email", "release-test@example.org")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "Version 0.1.0 as it stands")
    first = git(dest, "rev-parse", "HEAD").stdout.strip()
    versions = dest / "data" / "living" / "versions.yaml"
    versions.write_text(_with_commit(versions.read_text(), "0.1.0", first))
    git(dest, "commit", "-qam", "Record the commit of version 0.1.0")
    git(dest, "tag", "-a", "v0.1.0", "-m", "Version 0.1.0", first)
    return dest


def _with_commit(text, version, commit):
    """The versions file with ``version``'s recorded commit replaced (the rest of the text as it was)."""
    import re

    new, n = re.subn(rf"(- version: {re.escape(version)}\n  date: [0-9-]+\n  commit: )[0-9a-f]{{40}}", rf"\g<1>{commit}",
                     text)
    assert n == 1, version
    return new


def _as_at_version_010(dest):
    """Make the copy read as version 0.1.0 (today's code and evidence, the versions file, CHANGELOG, CITATION.cff
    and package version of release 0.1.0), whatever version this checkout has reached since."""
    from il6mm.living.release import changelog_text
    from il6mm.living.versions import dump_versions

    entries = [e for e in load_versions(dest / "data" / "living" / "versions.yaml") if e.version == "0.1.0"]
    (dest / "data" / "living" / "versions.yaml").write_text(dump_versions(entries))
    (dest / "CHANGELOG.md").write_text(changelog_text(entries))
    cff = dest / "CITATION.cff"
    data = yaml.safe_load(cff.read_text())
    text = cff.read_text().replace(f"version: {data['version']}", "version: 0.1.0")
    text = text.replace(f'date-released: "{data["date-released"]}"', f'date-released: "{entries[0].date.isoformat()}"')
    text = text.replace(f"date-released: {data['date-released']}", f'date-released: "{entries[0].date.isoformat()}"')
    cff.write_text(text)
    init = dest / "code" / "il6mm" / "version.py"
    init.write_text(init.read_text().replace(f'__version__ = "{data["version"]}"', '__version__ = "0.1.0"'))


def snapshot(repo):
    files = {p.relative_to(repo).as_posix(): p.read_bytes() for p in sorted(repo.rglob("*"))
             if p.is_file() and ".git" not in p.relative_to(repo).parts}
    return files, git(repo, "tag", "-l").stdout, git(repo, "rev-parse", "HEAD").stdout, git(repo, "status", "--porcelain").stdout


def do_release(repo, version, trigger="Search of 2026-12-01", conclusions="unchanged", which=None, **kw):
    kw.setdefault("build_command", NO_BUILD)
    kw.setdefault("date", dt.date(2026, 12, 1))
    return release(version, trigger, conclusions, which, repo=repo, log=lambda *a: None, **kw)
