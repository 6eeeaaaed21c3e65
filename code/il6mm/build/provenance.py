"""What a computed page depends on, as one short digest.

The book's execution cache keys on code cells only. Every chapter's output also depends on the
``il6mm`` package and on the evidence records, so the book folds this digest into its cache
location (see ``il6mm.site.extension``) and every chapter prints it in its build stamp.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import subprocess
from pathlib import Path

from .. import __version__
from ..paths import REPO_ROOT


#: Inputs whose change must re-execute the chapters: (folder or file, file-name patterns).
INPUTS = (("code/il6mm", ("*.py",)), ("data", ("*.yaml", "*.yml", "*.json", "*.csv")), ("references.bib", ()))


def input_files(root: Path = REPO_ROOT) -> list[Path]:
    """Every file the chapters' computed output depends on, in a stable order."""
    root = Path(root)
    files: list[Path] = []
    for name, patterns in INPUTS:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            for pattern in patterns:
                files.extend(p for p in path.rglob(pattern) if "__pycache__" not in p.parts)
    return sorted(set(files))


def inputs_digest(root: Path = REPO_ROOT, length: int = 12) -> str:
    """Hex digest of the relative paths and bytes of every input file.

    >>> len(inputs_digest())
    12
    """
    root = Path(root)
    h = hashlib.sha256()
    for path in input_files(root):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:length]


def build_stamp(root: Path = REPO_ROOT) -> str:
    """One line a chapter prints so readers can tell which code and evidence made its figures."""
    return f"Computed with il6mm {__version__} from inputs {inputs_digest(root)}."


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
    return f"Version {__version__}{source}, built {when}."
