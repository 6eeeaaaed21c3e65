"""The stamps pages carry: which version, commit and inputs made them.

* ``build_stamp`` -- the line each chapter prints under its figures: the package version and the digest of the
  inputs that page read (``il6mm.build.inputs``);
* ``build_footer`` -- the foot of every page: version, commit and build date;
* ``inputs_digest`` -- a digest of every input (the PDF's title page).
"""

from __future__ import annotations

import datetime as _dt
import subprocess
from pathlib import Path

from ..paths import REPO_ROOT
from .inputs import digest_files, every_input, page_digest


def _package_version() -> str:
    """The package's version, imported only when a stamp needs it: a page's kernel that imported it would
    record version.py as an input, and every release (which rewrites that file) would execute every page."""
    from ..version import __version__

    return __version__


def inputs_digest(root: Path = REPO_ROOT, length: int = 12) -> str:
    """Digest of every input a page could read (the package, the data, the bibliography): the stamp of a
    whole build (the PDF's title page), and of a chapter run outside the book.

    >>> len(inputs_digest())
    12
    """
    return digest_files(Path(root), every_input(Path(root)))[:length]


def build_stamp(root: Path = REPO_ROOT) -> str:
    """One line a chapter prints so readers can tell which code and evidence made its figures: in the book,
    the digest of what this page read (il6mm.build.inputs); elsewhere, of every input."""
    digest = page_digest()
    if digest:  # in the book: the version is filled in by Sphinx ({review} role), so a release runs no page
        return f"Computed with il6mm {{review}}`version` from inputs {digest[:12]}."
    return f"Computed with il6mm {_package_version()} from inputs {inputs_digest(root)[:12]}."


def git_commit(root: Path = REPO_ROOT) -> str | None:
    """Short commit hash of the checkout, or None outside a git work tree (e.g. an archive)."""
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=10", "HEAD"],
                             capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def build_footer(root: Path = REPO_ROOT, today: _dt.date | None = None) -> str:
    """Footer line of every page: version, commit (when known) and build date."""
    commit = git_commit(root)
    when = (today or _dt.date.today()).isoformat()
    source = f", commit {commit}" if commit else ""
    return f"Version {_package_version()}{source}, built {when}."
