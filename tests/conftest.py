"""Shared fixtures: where the book is, how it is built, and throw-away copies of it; and the test tiers.

Tiers, one folder each (``make check`` runs the first, ``make test`` all four):

* ``unit/``    the package, the records, the layout: no book build, no browser (marker ``unit``);
* ``book/``    the built site, the PDF, the notebooks, builds of deliberately broken copies (``book``);
* ``browser/`` the built site in Debian's Chromium (``browser``);
* ``binder/``  the readers' notebooks in Binder's JupyterLab (``binder``).

The real book is built once per run: ``make test`` builds it (``make book``) and hands its log over
(``IL6MM_BOOK_LOG``); every test that only reads the site shares that build. A test that needs a build of its
own builds a copy (``book_copy``) and says why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

#: Fixtures shared by more than one tier, kept in their own modules (the ``repo`` of the release tests).
pytest_plugins = ["release_helpers"]

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
VENV_BIN = Path(sys.executable).parent
HTML = REPO / "_build" / "html"
# The same strict command as `make book`.
BUILD_ARGS = ["build", ".", "-W", "-n", "--keep-going"]
TIERS = ("unit", "book", "browser", "binder")
#: Fixtures that need the built book: a unit test may not use them.
BOOK_FIXTURES = {"strict_build", "site", "book_copy"}


#: Modules that take half a minute or more (a browser visiting every page, a Binder lab, builds of copies),
#: longest first: with several workers (`make test`) the many short modules fill in around them.
LONG_FIRST = ("browser/test_browser.py", "binder/test_binder.py", "book/test_reexecution.py",
              "book/test_fake_releases.py", "book/test_broken_builds.py")


def pytest_collection_modifyitems(config, items):
    """Mark each test with its tier (its folder); a unit test that asks for the built book is an error.

    A module's tests share its module fixtures (a browser, a Lab, a copy's builds), so ``make test`` sends
    each module whole to one worker (``--dist loadfile``), which sets them up once; the long modules first
    (``--no-loadscope-reorder`` keeps the order made here)."""
    for item in items:
        tier = Path(item.fspath).relative_to(TESTS).parts[0]
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: tests live in one of the tier folders {', '.join(TIERS)}")
        item.add_marker(getattr(pytest.mark, tier))
        if tier == "unit" and BOOK_FIXTURES & set(item.fixturenames):
            raise pytest.UsageError(f"{item.nodeid}: a unit test may not use the built book "
                                    f"({', '.join(sorted(BOOK_FIXTURES & set(item.fixturenames)))}); move it to book/")

    def order(item):
        module = Path(item.fspath).relative_to(TESTS).as_posix()
        return LONG_FIRST.index(module) if module in LONG_FIRST else len(LONG_FIRST)
    items.sort(key=order)  # stable: within a module, and among the rest, the collected order stays


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
def strict_build():
    """The strict build of the real book: the one ``make test`` just ran (its log), or, run on its own, a build
    now (a no-op of a few seconds when the site is up to date)."""
    log = os.environ.get("IL6MM_BOOK_LOG")
    if log and Path(log).is_file() and (HTML / "index.html").is_file():
        text = Path(log).read_text(encoding="utf-8", errors="replace")
        return SimpleNamespace(returncode=0 if "build succeeded" in text else 1, stdout=text, stderr="")
    return run_build(REPO)


@pytest.fixture(scope="session")
def site(strict_build) -> Path:
    assert strict_build.returncode == 0, strict_build.stdout[-3000:] + strict_build.stderr[-3000:]
    return HTML


def copy_book(dest: Path, with_cache: bool = True) -> Path:
    """A copy of the book's sources at ``dest`` (no environments, no build, no git), with the real book's
    execution cache and page records when ``with_cache`` (unchanged pages then hit it)."""
    skip = shutil.ignore_patterns(".*", "node_modules", "_build", "__pycache__", "*.egg-info", "artifacts",
                                  "notebooks")
    shutil.copytree(REPO, dest, ignore=skip)
    cache = REPO / "_build" / ".jupyter_cache"
    if with_cache and cache.is_dir():
        shutil.copytree(cache, dest / "_build" / ".jupyter_cache")
    if (REPO / "node_modules").is_dir():
        (dest / "node_modules").symlink_to(REPO / "node_modules")
    return dest


@pytest.fixture()
def book_copy(tmp_path, strict_build) -> Path:
    """A throw-away copy of the book with the real book's execution cache (unchanged pages hit it).

    Build it with ``run_build(copy, copy_env(copy))`` so the kernel imports the copy's own package.
    """
    return copy_book(tmp_path / "book")


def executed(log: str) -> set[str]:
    """The pages a build's log says it executed (myst-nb names each), e.g. {'chapters/01-history', 'index'}."""
    return {m.group(1) for m in re.finditer(r"/((?:chapters/)?[\w-]+)\.md: Executing notebook", log)}


def copy_env(copy: Path) -> dict:
    """Environment in which a book copy's kernels import the copy's il6mm, not the installed one."""
    return {"PYTHONPATH": str(copy / "code")}
