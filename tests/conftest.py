"""Shared fixtures: where the book is, how it is built, and throw-away copies of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
HTML = REPO / "_build" / "html"
# The same strict command as `make book`.
BUILD_ARGS = ["build", ".", "-W", "-n", "--keep-going"]


def toc_files() -> list[str]:
    """Every page in _toc.yml, as paths without suffix (e.g. 'chapters/01-history')."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part["chapters"]]
    return files


def notebook_pages() -> list[Path]:
    """Pages that are MyST notebooks (they carry a kernelspec), i.e. that execute code."""
    pages = [REPO / f"{name}.md" for name in toc_files()]
    return [p for p in pages if "kernelspec:" in p.read_text().split("\n---", 1)[0]]


def run_build(root: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(extra_env or {})}
    return subprocess.run([str(VENV_BIN / "jupyter-book"), *BUILD_ARGS], cwd=root, env=env,
                          capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="session")
def strict_build() -> subprocess.CompletedProcess:
    """The strict build of the real book (a fast no-op when `make book` just ran)."""
    return run_build(REPO)


@pytest.fixture(scope="session")
def site(strict_build) -> Path:
    assert strict_build.returncode == 0, strict_build.stdout[-3000:] + strict_build.stderr[-3000:]
    return HTML


@pytest.fixture()
def book_copy(tmp_path, strict_build) -> Path:
    """A throw-away copy of the book with the real book's execution cache (unchanged pages hit it).

    Build it with ``run_build(copy, copy_env(copy))`` so the kernel imports the copy's own package.
    """
    dest = tmp_path / "book"
    skip = shutil.ignore_patterns(".venv", "node_modules", "_build", ".git", ".pytest_cache",
                                  "__pycache__", "*.egg-info", "artifacts")
    shutil.copytree(REPO, dest, ignore=skip)
    cache = REPO / "_build" / ".jupyter_cache"
    if cache.is_dir():
        shutil.copytree(cache, dest / "_build" / ".jupyter_cache")
    if (REPO / "node_modules").is_dir():
        (dest / "node_modules").symlink_to(REPO / "node_modules")
    return dest


def copy_env(copy: Path) -> dict:
    """Environment in which a book copy's kernels import the copy's il6mm, not the installed one."""
    return {"PYTHONPATH": str(copy / "code")}
