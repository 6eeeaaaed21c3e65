"""Release one version of the review: ``make release VERSION=x.y.z TRIGGER="..." CONCLUSIONS=changed|unchanged``.

Also ``python -m il6mm.living.release --version x.y.z --trigger "..." --conclusions changed --which "..."``.

In order, and stopping with a clear message and nothing changed at the first problem:

1. the arguments: a MAJOR.MINOR.PATCH version, a trigger, conclusions ``changed`` (with ``which``) or
   ``unchanged``;
2. a clean git tree (no uncommitted or untracked files);
3. the version is new (not in the versions file, no tag ``vX.Y.Z``) and greater than the current one, and the
   previous version's recorded commit is in the history (the changes are computed from it; no tag is needed,
   so a release works in any clone of the branch: :func:`il6mm.living.history.check_commit`);
4. the strict build passes (``jupyter-book build . -W -n --keep-going``; tests inject a command);
5. what changed in the evidence since the previous version's commit (:func:`il6mm.living.changes.changes_between`;
   for the first release, every record is added), and that the version number fits it: a patch version may
   not carry evidence changes or changed conclusions (:func:`version_policy_problem`).

Then it writes the new entry, with the commit it is released from (HEAD), into ``data/living/versions.yaml``
and ``CHANGELOG.md``, the version and date into ``CITATION.cff`` (the source of truth) and
``il6mm/version.py`` (which ``pyproject.toml`` reads), gives every search run not yet in a released version
this version in ``data/living/search_log.yaml`` (so the flow diagram counts it under this version), builds
the book again with them (the pages that show versions must render the new entry), commits
"Release x.y.z" with the trailer ``Released-from: <commit>`` and creates the annotated tag ``vX.Y.Z`` (a
convenience; ``make tags`` recreates any missing one), last. Every file is written to a temporary file first
and moved into place with ``os.replace``; if the commit or the tag fails, the files, the index and the branch
are put back as they were.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

from ..paths import REPO_ROOT
from .changes import changes_between, describe
from .history import RELEASED_FROM, HistoryError, check_commit, head
from .logs import assign_unreleased_runs
from .versions import Changes, VersionEntry, dump_versions, load_citation, load_versions, parse_version


class ReleaseError(RuntimeError):
    """The release was refused; nothing was changed."""


def default_build_command() -> list[str]:
    return [str(Path(sys.executable).parent / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]


#: Files a release rewrites, relative to the repository root.
VERSIONS_FILE = Path("data/living/versions.yaml")
CHANGELOG = Path("CHANGELOG.md")
CITATION = Path("CITATION.cff")
PACKAGE_INIT = Path("code/il6mm/version.py")
SEARCH_LOG = Path("data/living/search_log.yaml")

CHANGELOG_HEAD = """\
# Changelog

Every released version of the review, newest first. Written by `make release` from the same entries as
`data/living/versions.yaml` (the book's "What's new" and "Version history" pages); changes in the evidence
are computed from the records.
"""


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=check, timeout=120)


def _tag_exists(repo: Path, tag: str) -> bool:
    return _git(repo, "rev-parse", "-q", "--verify", f"refs/tags/{tag}", check=False).returncode == 0


# ---------------------------------------------------------------------------------------------------------
# Text of the rewritten files
# ---------------------------------------------------------------------------------------------------------

def _count(items, noun: str) -> str:
    """'1 record', '2 records'."""
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def version_policy_problem(current: Optional[str], new: str, changes: Changes,
                           conclusions_changed: bool) -> Optional[str]:
    """Why ``new`` is the wrong kind of version after ``current`` for these changes, or None.

    The policy (shown on the Version history page): a PATCH version (same MAJOR.MINOR) changes nothing a
    reader cites, no evidence and no conclusion, only wording, layout or code; a MINOR version adds,
    removes or corrects evidence, or changes conclusions; a MAJOR version is for a change of the review's
    scope or structure, so that a citation of an earlier version no longer points to the same chapter,
    figure or record. Only the patch rule can be checked from the evidence, so only it is enforced.
    """
    if current is None:
        return None
    old, upcoming = parse_version(current), parse_version(new)
    if upcoming[:2] != old[:2] or (changes.is_empty() and not conclusions_changed):
        return None
    what = []
    if not changes.is_empty():
        counts = [(changes.records_added, "record", "added"), (changes.records_removed, "record", "removed"),
                  (changes.numbers_changed, "number", "changed"),
                  (changes.items_changed + changes.fields_changed, "other field", "changed"),
                  (changes.references_added + changes.references_removed, "reference", "changed")]
        what.append("the evidence changed (" + ", ".join(f"{_count(items, noun)} {verb}"
                                                         for items, noun, verb in counts if items) + ")")
    if conclusions_changed:
        what.append("the conclusions changed")
    return (f"version {new} is a patch version of {current}, but {' and '.join(what)}; a patch changes "
            f"nothing a reader cites: use {old[0]}.{old[1] + 1}.0 (or a new major version)")


def changelog_section(entry: VersionEntry) -> str:
    c = entry.changes
    conclusions = ("conclusions changed: " + (entry.which_conclusions or "") if entry.conclusions_changed
                   else "conclusions not changed") if c.since else "first version"
    lines = [f"## {entry.version} ({entry.date.isoformat()}, tag {entry.tag})", "",
             f"- Trigger: {entry.trigger}", f"- Conclusions: {conclusions}",
             f"- Evidence searched up to: {entry.searched_up_to or 'no systematic search'}"
             + (f" ({entry.search_note})" if entry.search_note else ""),
             f"- Summary: {entry.summary}",
             f"- Changes since {c.since or 'nothing (first version)'}: {_count(c.records_added, 'record')} added, "
             f"{len(c.records_removed)} removed, {_count(c.numbers_changed, 'number')} changed, "
             f"{_count(c.items_changed, 'list item')} added or removed, "
             f"{_count(c.fields_changed, 'other field')} changed, "
             f"{_count(c.references_added, 'reference')} added, {len(c.references_removed)} removed"]
    for n in c.numbers_changed:
        lines.append(f"  - {describe(n)} (source: {n.source})")
    if c.records_added and c.since:
        lines.append("  - Records added: " + ", ".join(r.id for r in c.records_added))
    if c.records_removed:
        lines.append("  - Records removed: " + ", ".join(r.id for r in c.records_removed))
    if c.references_added and c.since:
        lines.append("  - References added: " + ", ".join(c.references_added))
    return "\n".join(lines) + "\n"


def changelog_text(entries: list[VersionEntry]) -> str:
    return CHANGELOG_HEAD + "".join("\n" + changelog_section(e) for e in reversed(entries))


def rewrite_citation(text: str, version: str, date: _dt.date) -> str:
    """CITATION.cff with a new version and date-released; every other line kept as it was."""
    out, n1 = re.subn(r"(?m)^version:.*$", f"version: {version}", text)
    out, n2 = re.subn(r"(?m)^date-released:.*$", f'date-released: "{date.isoformat()}"', out)
    if (n1, n2) != (1, 1):
        raise ReleaseError("CITATION.cff: expected one top-level 'version:' and one 'date-released:' line")
    return out


def rewrite_package_version(text: str, version: str) -> str:
    out, n = re.subn(r'(?m)^__version__ = "[^"]*"$', f'__version__ = "{version}"', text)
    if n != 1:
        raise ReleaseError(f"{PACKAGE_INIT}: expected one line `__version__ = \"...\"`")
    return out


# ---------------------------------------------------------------------------------------------------------
# The release
# ---------------------------------------------------------------------------------------------------------

def release(version: str, trigger: Optional[str], conclusions: Optional[str], which: Optional[str] = None, *,
            repo: Path | str = REPO_ROOT, date: Optional[_dt.date] = None, searched_up_to: Optional[_dt.date] = None,
            search_note: Optional[str] = None, summary: Optional[str] = None, methods: Optional[str] = None,
            build_command: Optional[Sequence[str]] = None, log=print) -> VersionEntry:
    """Make one release (see the module docstring); raise :class:`ReleaseError` with nothing changed."""
    repo = Path(repo).resolve()
    # 1. Arguments.
    try:
        new = parse_version(version or "")
    except ValueError as exc:
        raise ReleaseError(f"VERSION: {exc}") from None
    if not (trigger or "").strip():
        raise ReleaseError('TRIGGER is missing: say what triggered this version (e.g. TRIGGER="search of '
                           '2027-01-15 found the final OS analysis of ...")')
    if conclusions not in ("changed", "unchanged"):
        raise ReleaseError(f"CONCLUSIONS must be 'changed' or 'unchanged', not {conclusions!r}")
    if conclusions == "changed" and not (which or "").strip():
        raise ReleaseError('CONCLUSIONS=changed needs WHICH="..." naming the conclusions that changed')
    if searched_up_to is None and not (search_note or "").strip():
        search_note = "No systematic search date was given for this version."

    # 2. A clean tree: what is released is exactly a commit.
    status = _git(repo, "status", "--porcelain", "--untracked-files=normal").stdout
    if status.strip():
        raise ReleaseError("the git tree is not clean; commit or remove these first:\n" + status.rstrip())

    # 3. A new, greater version; the previous version's recorded commit is in the history.
    files = {p: repo / p for p in (VERSIONS_FILE, CHANGELOG, CITATION, PACKAGE_INIT, SEARCH_LOG)}
    try:
        entries = load_versions(files[VERSIONS_FILE]) if files[VERSIONS_FILE].exists() else []
        load_citation(files[CITATION])  # validated before anything is built
    except ValueError as exc:
        raise ReleaseError(str(exc)) from None
    tag = f"v{version}"
    if any(e.version == version for e in entries) or _tag_exists(repo, tag):
        raise ReleaseError(f"version {version} already exists (in {VERSIONS_FILE} or as tag {tag}); "
                           "choose a new version number")
    current = entries[-1].version if entries else None
    if current and new <= parse_version(current):
        raise ReleaseError(f"version {version} does not increase on the current version {current}")
    previous = entries[-1] if entries else None
    previous_tag = previous.tag if previous else None
    if previous is not None:
        try:
            check_commit(repo, previous)
        except HistoryError as exc:
            raise ReleaseError(f"{exc}; the changes since version {previous.version} cannot be computed "
                               "without it") from None
    released_from = head(repo)

    # 4. The strict build.
    command = list(build_command) if build_command is not None else default_build_command()
    log(f"release {version}: building ({shlex.join(command)})")
    built = subprocess.run(command, cwd=repo, capture_output=True, text=True)
    if built.returncode != 0:
        tail = (built.stdout + built.stderr)[-3000:]
        raise ReleaseError(f"the build failed (exit {built.returncode}); nothing was released:\n{tail}")
    if _git(repo, "status", "--porcelain").stdout.strip():
        raise ReleaseError("the build changed tracked files or left untracked ones; nothing was released:\n"
                           + _git(repo, "status", "--porcelain").stdout)

    # 5. What changed since the previous release.
    try:
        changes = changes_between(repo, previous.commit if previous else None, "HEAD", since=previous_tag)
    except ValueError as exc:
        raise ReleaseError(str(exc)) from None
    date = date or _dt.datetime.now(_dt.timezone.utc).date()
    if summary is None:
        summary = (f"{_count(changes.records_added, 'record')} added, {len(changes.records_removed)} removed, "
                   f"{_count(changes.numbers_changed, 'number')} changed, "
                   f"{_count(changes.references_added, 'reference')} added"
                   + (f" since {previous_tag}." if previous_tag else " (first version)."))
    try:
        entry = VersionEntry(version=version, date=date, commit=released_from, tag=tag, trigger=trigger.strip(),
                             conclusions_changed=conclusions == "changed",
                             which_conclusions=(which or "").strip() or None, searched_up_to=searched_up_to,
                             search_note=search_note, summary=summary,
                             methods_changes=(methods or "").strip() or None, changes=changes)
    except ValueError as exc:
        raise ReleaseError(f"the new entry is not valid: {exc}") from None
    problem = version_policy_problem(current, version, changes, conclusions == "changed")
    if problem:
        raise ReleaseError(problem)
    if entries and date < entries[-1].date:
        raise ReleaseError(f"date {date} is before the date of version {entries[-1].version} ({entries[-1].date})")

    # 6. New texts, all computed before anything is written.
    new_entries = entries + [entry]
    texts = {VERSIONS_FILE: dump_versions(new_entries),
             CHANGELOG: changelog_text(new_entries),
             CITATION: rewrite_citation(files[CITATION].read_text(encoding="utf-8"), version, date),
             PACKAGE_INIT: rewrite_package_version(files[PACKAGE_INIT].read_text(encoding="utf-8"), version)}
    load_versions_text_check(texts[VERSIONS_FILE], repo)
    searches_fed: list[str] = []
    if files[SEARCH_LOG].exists():
        try:
            log_text, searches_fed = assign_unreleased_runs(files[SEARCH_LOG].read_text(encoding="utf-8"), version)
        except ValueError as exc:
            raise ReleaseError(str(exc)) from None
        if searches_fed:
            texts[SEARCH_LOG] = log_text
    originals = {p: (files[p].read_bytes() if files[p].exists() else None) for p in texts}
    original_head = released_from

    temps = {}
    try:
        for p, text in texts.items():
            tmp = files[p].with_name(f".{files[p].name}.release-tmp")
            tmp.write_text(text, encoding="utf-8")
            temps[p] = tmp
        for p, tmp in temps.items():
            os.replace(tmp, files[p])
        # 7. The book builds with the new entry too (What's new renders its changes: earlier wording, new records).
        log(f"release {version}: building with the new entry")
        rebuilt = subprocess.run(command, cwd=repo, capture_output=True, text=True)
        if rebuilt.returncode != 0:
            raise ReleaseError(f"the build with the new entry failed (exit {rebuilt.returncode}):\n"
                               + (rebuilt.stdout + rebuilt.stderr)[-3000:])
        _git(repo, "add", "--", *[str(p) for p in texts])
        conclusions_text = "changed: " + entry.which_conclusions if entry.conclusions_changed else "not changed"
        _git(repo, "commit", "-q", "-m", f"Release {version}", "-m",
             f"Trigger: {' '.join(entry.trigger.split())}\nConclusions: {' '.join(conclusions_text.split())}\n"
             f"{RELEASED_FROM}: {released_from}")
        _git(repo, "tag", "-a", tag, "-m", f"Version {version} ({date.isoformat()}): {entry.trigger}")
    except (OSError, subprocess.SubprocessError, ReleaseError) as exc:
        _roll_back(repo, original_head, files, originals, temps)
        detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else exc
        raise ReleaseError(f"the release could not be written and was rolled back: {detail}") from None
    log(f"released {version} ({tag}): {entry.summary}"
        + (f" Search runs of this version: {', '.join(searches_fed)}." if searches_fed else ""))
    return entry


def load_versions_text_check(text: str, repo: Path) -> None:
    """The versions file about to be written loads back (a bug here must not reach the repository)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "versions.yaml"
        path.write_text(text, encoding="utf-8")
        load_versions(path)


def _roll_back(repo: Path, head: str, files: dict, originals: dict, temps: dict) -> None:
    for tmp in temps.values():
        tmp.unlink(missing_ok=True)
    if _git(repo, "rev-parse", "HEAD", check=False).stdout.strip() != head:
        _git(repo, "reset", "-q", "--soft", head, check=False)
    _git(repo, "reset", "-q", "--", *[str(p) for p in originals], check=False)
    for p, data in originals.items():
        if data is None:
            files[p].unlink(missing_ok=True)
        else:
            files[p].write_bytes(data)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m il6mm.living.release", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", required=True, help="the new version, MAJOR.MINOR.PATCH")
    parser.add_argument("--trigger", default="", help="what triggered this version")
    parser.add_argument("--conclusions", default="", help="'changed' or 'unchanged'")
    parser.add_argument("--which", default="", help="which conclusions changed (needed with 'changed')")
    parser.add_argument("--methods", default="", help="what changed in the methods with this version, if anything")
    parser.add_argument("--searched-up-to", type=_dt.date.fromisoformat, default=None,
                        help="the date the evidence was searched up to (YYYY-MM-DD)")
    parser.add_argument("--search-note", default=None, help="a note on the search (needed without a date)")
    parser.add_argument("--summary", default=None, help="one or two sentences on this version")
    parser.add_argument("--date", type=_dt.date.fromisoformat, default=None, help="release date (default: today, UTC)")
    parser.add_argument("--build-command", default=None, help="build command to run instead of the strict build")
    parser.add_argument("--repo", default=str(REPO_ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        release(args.version, args.trigger, args.conclusions, args.which, repo=args.repo, date=args.date,
                searched_up_to=args.searched_up_to, search_note=args.search_note, summary=args.summary,
                methods=args.methods, build_command=shlex.split(args.build_command) if args.build_command else None)
    except ReleaseError as exc:
        print(f"release refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
