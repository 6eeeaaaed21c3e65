"""Where each released version lives in the git history: recorded commits, never tags.

A clone of the branch, a fork made without tags, an archive and a merge carry commits but not tags, so
``data/living/versions.yaml`` records, for each version, the commit it was released from (``commit``: the
content that was built and checked). The release commit itself, "Release X.Y.Z", is the child of that commit
and names it in a ``Released-from:`` trailer; its tree is the version exactly as readers got it (the versions
file, CHANGELOG and CITATION.cff already carrying the version). Versions released before this scheme recorded
their release commit directly (then ``commit`` is that commit).

* :func:`check_commit` refuses a recorded commit that is not in the history (a shallow clone, or history
  rewritten), naming the version and the commit, with the fix;
* :func:`release_commit` finds the commit that holds a version (what the archive builds and a tag marks);
* :func:`recreate_tags` (``make tags``) makes any missing ``vX.Y.Z`` tag from the versions file: tags are a
  convenience for people, nothing here needs them.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import yaml

from ..evidence.yaml_files import safe_load
from .versions import VersionEntry

#: The trailer of a release commit that names the commit it was released from.
RELEASED_FROM = "Released-from"
_SHA = re.compile(r"^[0-9a-f]{40}$")


class HistoryError(RuntimeError):
    """A version's recorded commit cannot be found or does not hold that version (nothing was written)."""


def _git(repo: Path | str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=check, timeout=120)


def head(repo: Path | str) -> str:
    return _git(repo, "rev-parse", "HEAD").stdout.strip()


def is_shallow(repo: Path | str) -> bool:
    return _git(repo, "rev-parse", "--is-shallow-repository", check=False).stdout.strip() == "true"


def check_commit(repo: Path | str, entry: VersionEntry) -> str:
    """The recorded commit of ``entry``, checked to be in this repository's history (an ancestor of HEAD)."""
    commit = entry.commit
    exists = _git(repo, "cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode == 0
    ancestor = exists and _git(repo, "merge-base", "--is-ancestor", commit, "HEAD", check=False).returncode == 0
    if ancestor:
        return commit
    why = ("this clone is shallow, so older commits are missing" if is_shallow(repo)
           else "the commit is not in this repository's history (rewritten, or from another repository)")
    raise HistoryError(f"version {entry.version}: its recorded commit {commit} cannot be found: {why}. "
                       "Fetch the whole history (git fetch --unshallow, or clone without --depth) or correct "
                       "the commit of this version in data/living/versions.yaml")


def _cff_version(repo: Path | str, commit: str) -> Optional[str]:
    shown = _git(repo, "show", f"{commit}:CITATION.cff", check=False)
    if shown.returncode != 0:
        return None
    try:
        return str((safe_load(shown.stdout) or {}).get("version"))
    except yaml.YAMLError:
        return None


@dataclass(frozen=True)
class _Commit:
    sha: str
    parents: tuple[str, ...]
    subject: str
    released_from: tuple[str, ...]


def _release_commits(repo: Path | str, version: str) -> list[_Commit]:
    """Commits of HEAD's history whose subject is "Release <version>"."""
    fmt = f"%H%x1f%P%x1f%s%x1f%(trailers:key={RELEASED_FROM},valueonly,separator=%x2C)%x1e"
    out = _git(repo, "log", f"--format={fmt}", f"--grep=^Release {re.escape(version)}$", "HEAD").stdout
    found = []
    for chunk in out.split("\x1e"):
        parts = chunk.strip("\n").split("\x1f")
        if len(parts) == 4 and parts[2] == f"Release {version}":
            found.append(_Commit(parts[0], tuple(parts[1].split()), parts[2],
                                 tuple(v.strip() for v in parts[3].split(",") if v.strip())))
    return found


def release_commit(repo: Path | str, entry: VersionEntry) -> str:
    """The commit that holds ``entry`` exactly as released: the "Release X.Y.Z" commit made from the recorded
    commit (named in its trailer, or its parent), else the recorded commit itself when it already holds that
    version (releases recorded before the trailer existed). Raises :class:`HistoryError` otherwise."""
    commit = check_commit(repo, entry)
    for candidate in _release_commits(repo, entry.version):
        if commit in candidate.released_from or candidate.parents[:1] == (commit,):
            return candidate.sha
    if _cff_version(repo, commit) == entry.version:
        return commit
    raise HistoryError(f"version {entry.version}: neither its recorded commit {commit[:10]} nor a commit "
                       f"'Release {entry.version}' made from it holds version {entry.version} (CITATION.cff)")


def recreate_tags(repo: Path | str, entries: Sequence[VersionEntry], log=print) -> list[str]:
    """Create every missing ``vX.Y.Z`` tag on its version's release commit; a tag that exists elsewhere is
    reported and left alone. Returns the tags created."""
    created = []
    for entry in entries:
        target = release_commit(repo, entry)
        existing = _git(repo, "rev-parse", "-q", "--verify", f"refs/tags/{entry.tag}^{{commit}}", check=False)
        if existing.returncode == 0:
            if existing.stdout.strip() != target:
                log(f"tags: {entry.tag} exists on {existing.stdout.strip()[:10]}, not on the release commit "
                    f"{target[:10]}; left as it is")
            continue
        _git(repo, "tag", "-a", entry.tag, "-m", f"Version {entry.version} ({entry.date.isoformat()}): {entry.trigger}",
             target)
        created.append(entry.tag)
        log(f"tags: created {entry.tag} on {target[:10]}")
    if not created:
        log("tags: every version has its tag")
    return created


#: What GitHub gives as the commit before a push that created the branch.
NO_COMMIT = "0" * 40


def versions_added(repo: Path | str, before: str, entries: Sequence[VersionEntry]) -> list[str]:
    """The versions of ``entries`` (the versions file now) that the versions file did not list at commit
    ``before``: what a push from ``before`` released. A ``before`` that no history holds (a new branch, a push
    that rewrote the history) or a file that did not exist then counts as nothing released before it."""
    from ..paths import REPO_ROOT, VERSIONS_PATH

    known: set[str] = set()
    if before and before != NO_COMMIT and _git(repo, "cat-file", "-e", f"{before}^{{commit}}", check=False).returncode == 0:
        shown = _git(repo, "show", f"{before}:{VERSIONS_PATH.relative_to(REPO_ROOT).as_posix()}", check=False)
        if shown.returncode == 0:
            try:
                old = safe_load(shown.stdout) or []
            except yaml.YAMLError:
                old = []
            known = {str(e.get("version")) for e in old if isinstance(e, dict)} if isinstance(old, list) else set()
    return [e.version for e in entries if e.version not in known]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``make tags``: recreate every missing version tag from the versions file. With ``--added-since REV``: print
    the versions added to the versions file since commit REV, one a line (the site workflow deploys on a push
    that released one)."""
    import argparse
    import sys

    from ..paths import REPO_ROOT, VERSIONS_PATH
    from .versions import VersionsError, load_versions

    parser = argparse.ArgumentParser(prog="python -m il6mm.living.history",
                                     description="Recreate every missing vX.Y.Z tag from data/living/versions.yaml.")
    parser.add_argument("--repo", default=str(REPO_ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--added-since", metavar="REV", default=None,
                        help="print the versions added to the versions file since commit REV instead")
    args = parser.parse_args(argv)
    try:
        entries = load_versions(Path(args.repo) / VERSIONS_PATH.relative_to(REPO_ROOT))
        if args.added_since is not None:
            for version in versions_added(args.repo, args.added_since, entries):
                print(version)
            return 0
        recreate_tags(args.repo, entries)
    except (HistoryError, VersionsError, subprocess.CalledProcessError) as exc:
        detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else exc
        print(f"tags: {detail}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
