"""Every released version readable on the site: ``_build/html/versions/X.Y.Z/`` holds each earlier version's
pages, its PDF and its evidence data, built from the commit the versions file records (never from a tag).

``python -m il6mm.publish.archive`` (the last step of ``make book``), for each version but the latest:

1. finds the commit that holds the version (:func:`il6mm.living.history.release_commit`), and looks for its
   build in the cache (``$IL6MM_CACHE_DIR``, default ``~/.cache/il6mm-living-review``: a commit's build never
   changes, so one build serves every clone on the machine and a second ``make book`` costs seconds);
2. otherwise extracts that commit (``git archive``) and builds it as it was released: its own code (on
   ``PYTHONPATH``), its own pinned environment (a virtual environment per ``requirements.txt``, made once and
   kept in the cache; the current one when they are equal), its own front-end files (``npm ci`` per
   ``package-lock.json``), then its PDF with its own printer (the current printer for a version that had
   none: 0.1.0);
3. copies the build into the site under ``versions/X.Y.Z/`` with its evidence files (``data/``) and their data
   package, made with today's code from the version's own records (read with today's schema; a version whose
   records no longer load says so in its ``data/`` instead), puts a banner at the top of every page ("You are reading version X of date D; the latest is Y", linking to the latest), and
   points its source links at the repository address of today (``repository.url``), since a repository that
   moved is reached at its new address.

The latest version gets ``versions/X.Y.Z/index.html`` too, a link to the site's root, so that a version's
address is the same while it is the latest and after.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..build.context import load_repository, load_site_url
from ..living.history import HistoryError, release_commit
from ..living.versions import VersionEntry, VersionsError, load_citation, load_versions
from ..paths import BIB_PATH, CITATION_PATH, CONFIG_PATH, DATA_DIR, REPO_ROOT, VERSIONS_PATH, under
from . import datapackage
from .pdf import PDF_NAME

ARCHIVE_DIR = "versions"
#: What a cached build holds; a new format rebuilds every version.
FORMAT = 1
CACHE_ENV = "IL6MM_CACHE_DIR"
BANNER_CLASS = "il6mm-old-version"
STYLESHEET = "_il6mm/il6mm.css"


class ArchiveError(RuntimeError):
    """A version could not be rebuilt; the message names the version, its commit and the step."""


@dataclass
class Built:
    """One version's build, as kept in the cache (``done.json``)."""

    version: str
    date: str
    commit: str
    repository: str       # the repository address its own build used
    pdf_printer: str      # "its own" or "the archive's" (a version that had no printer)
    seconds: float
    bytes: int


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "il6mm-living-review")


def _run(command: Sequence[str], cwd: Path, env: dict, what: str, timeout: int = 3600) -> None:
    result = subprocess.run(list(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise ArchiveError(f"{what} failed (exit {result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}")


def _extract(repo: Path, commit: str, dest: Path) -> Path:
    data = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", commit], capture_output=True,
                          check=True, timeout=300).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _pins(requirements: Path) -> str:
    """The exact pins of a requirements file (local lines, such as ``-e ./code``, dropped: the version's own
    code is put on PYTHONPATH instead)."""
    lines = [line.strip() for line in requirements.read_text(encoding="utf-8").splitlines()]
    return "\n".join(sorted(line for line in lines if line and not line.startswith(("#", "-", ".")))) + "\n"


def _digest(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()[:16]


def python_for(src: Path, cache: Path, log, what: str = "a version") -> Path:
    """The Python of the environment the version at ``src`` pins: this one when the pins are the same, else a
    virtual environment made once per set of pins and kept in the cache."""
    pins = _pins(src / "requirements.txt")
    if pins == _pins(REPO_ROOT / "requirements.txt"):
        return Path(sys.executable)
    venv = cache / "envs" / f"python-{_digest(pins)}"
    python = venv / "bin" / "python"
    if not (venv / ".installed").is_file():
        log(f"archive: the pinned environment of {what} ({venv.name}): pip install (once)")
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(venv)], cache, dict(os.environ), "making a virtual environment")
        (venv / "requirements.txt").write_text(pins, encoding="utf-8")
        _run([str(python), "-m", "pip", "install", "--quiet", "-r", str(venv / "requirements.txt")], cache,
             dict(os.environ), "installing a version's pinned environment")
        (venv / ".installed").write_text("", encoding="utf-8")
    return python


def node_modules_for(src: Path, cache: Path, log, what: str = "a version") -> Optional[Path]:
    """The front-end files the version at ``src`` pins: this checkout's when its lock is the same, else
    ``npm ci`` once per lock, kept in the cache."""
    lock = src / "package-lock.json"
    if not lock.is_file():
        return None
    if (REPO_ROOT / "package-lock.json").is_file() and lock.read_bytes() == (REPO_ROOT / "package-lock.json").read_bytes():
        return REPO_ROOT / "node_modules"
    folder = cache / "envs" / f"node-{_digest(lock.read_bytes())}"
    if not (folder / ".installed").is_file():
        log(f"archive: the front-end files of {what} ({folder.name}): npm ci (once)")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(src / name, folder / name)
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], folder, dict(os.environ), "npm ci")
        (folder / ".installed").write_text("", encoding="utf-8")
    return folder / "node_modules"


def _own_printer(src: Path) -> Optional[str]:
    for module, path in (("il6mm.publish.pdf", "code/il6mm/publish/pdf.py"), ("il6mm.site.pdf", "code/il6mm/site/pdf.py")):
        if (src / path).is_file():
            return module
    return None


def default_build(src: Path, python: Path, env: dict) -> None:
    """Build the version at ``src`` as its ``make book`` did (without -W: a newer machine may word a warning
    differently; a failing build still fails)."""
    book = python.parent / "jupyter-book"
    _run([str(book), "build", ".", "--keep-going"], src, env, "the book build")


def default_pdf(src: Path, python: Path, env: dict, url: str) -> str:
    """Print the version's PDF with its own printer, or with today's for a version that had none (its title
    page then cites ``url``, the version's source at its commit)."""
    site = src / "_build" / "html"
    own = _own_printer(src)
    if own:
        _run([str(python), "-m", own, "--site", str(site)], src, env, "printing its PDF")
        return "its own"
    from .pdf import build_pdf

    build_pdf(site, root=src, log=lambda *a: None, url=url)
    return "the archive's"


def build_version(repo: Path, entry: VersionEntry, cache: Path, *, log=print,
                  build: Callable[[Path, Path, dict], None] = default_build,
                  pdf: Callable[[Path, Path, dict, str], str] = default_pdf) -> tuple[Path, Built, bool]:
    """The cached build of ``entry`` (folder, record, whether it was cached already), made if missing."""
    commit = release_commit(repo, entry)
    target = cache / "versions" / f"{commit}-f{FORMAT}"
    done = target / "done.json"
    if done.is_file():
        return target, Built(**json.loads(done.read_text(encoding="utf-8"))), True
    log(f"archive: building version {entry.version} from commit {commit[:10]} (once; kept in {cache})")
    start = time.perf_counter()
    (cache / "versions").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{entry.version}-", dir=cache / "versions") as tmp:
        src = _extract(repo, commit, Path(tmp) / "src")
        try:
            what = f"version {entry.version}"
            python = python_for(src, cache, log, what)
            modules = node_modules_for(src, cache, log, what)
            if modules is not None:
                (src / "node_modules").symlink_to(modules)
            # Its own code first; the standard kernel launcher (the provisioner a later version registers is
            # not that version's). Nothing it runs reaches the network.
            env = {**os.environ, "PYTHONPATH": str(src / "code"), "JUPYTER_DEFAULT_PROVISIONER_NAME": "local-provisioner"}
            env.pop("IL6MM_INPUTS_DIR", None)
            env.pop("IL6MM_PAGE", None)
            build(src, python, env)
            printer = pdf(src, python, env, load_repository(under(src, CONFIG_PATH)).tree(entry.commit))
        except (ArchiveError, OSError, subprocess.SubprocessError, RuntimeError) as exc:
            raise ArchiveError(f"version {entry.version} (commit {commit[:10]}): {exc}") from None
        site = src / "_build" / "html"
        if not (site / "index.html").is_file() or not (site / PDF_NAME).is_file():
            raise ArchiveError(f"version {entry.version} (commit {commit[:10]}): its build made no site or no PDF")
        staged = Path(tmp) / "out"
        staged.mkdir()
        os.replace(site, staged / "html")
        # A version that published its own data package has html/data already: its records go beside it.
        shutil.copytree(under(src, DATA_DIR), staged / "html" / "data", ignore=shutil.ignore_patterns("README.md"),
                        dirs_exist_ok=True)
        shutil.copy2(under(src, BIB_PATH), staged / "html" / "data" / BIB_PATH.name)
        size = sum(p.stat().st_size for p in (staged / "html").rglob("*") if p.is_file())
        record = Built(entry.version, entry.date.isoformat(), commit, load_repository(under(src, CONFIG_PATH)).url,
                       printer, round(time.perf_counter() - start, 1), size)
        (staged / "done.json").write_text(json.dumps(asdict(record), indent=1), encoding="utf-8")
        os.replace(staged, target)
    log(f"archive: version {entry.version} built in {record.seconds:.0f} s ({record.bytes / 1e6:.1f} MB)")
    return target, record, False


# ---------------------------------------------------------------------------------------------------------
# Into the site
# ---------------------------------------------------------------------------------------------------------

def _spelled(date: str) -> str:
    d = _dt.date.fromisoformat(date)
    return f"{d.day} {d:%B %Y}"


def banner_html(version: str, date: str, latest: VersionEntry, to_root: str, latest_page: str) -> str:
    """The note at the top of every page of an earlier version."""
    e = html.escape
    return (f'<link rel="stylesheet" href="{e(to_root + STYLESHEET)}">'
            f'<div class="{BANNER_CLASS}" role="note"><p>You are reading <strong>version {e(version)}</strong> of '
            f"{e(_spelled(date))}; the latest is <a href=\"{e(to_root + latest_page)}\">version "
            f"{e(latest.version)} of {e(_spelled(latest.date.isoformat()))}</a>.</p></div>")


_BODY = re.compile(r"(<body\b[^>]*>)", re.I)


def _into_site(built: Path, record: Built, dest: Path, latest: VersionEntry, site: Path, repository: str,
               package: Optional[Callable[[Path, Built], None]] = None) -> int:
    """Copy one cached build to ``dest`` with its data package (``package(data folder, record)``), a banner on
    every page and today's repository address."""
    shutil.copytree(built / "html", dest)
    if package is not None and (dest / "data").is_dir():
        package(dest / "data", record)
    pages = 0
    for page in dest.rglob("*.html"):
        relative = page.relative_to(dest)
        if any(part.startswith("_") for part in relative.parts):  # the theme's templates and sources, not pages
            continue
        to_root = "../" * (len(relative.parts) + 1)  # versions/X.Y.Z/ is two levels below the root
        latest_page = relative.as_posix() if (site / relative).is_file() else "index.html"
        text = page.read_text(encoding="utf-8")
        if record.repository != repository:
            text = text.replace(record.repository, repository)
        new, n = _BODY.subn(lambda m: m.group(1) + banner_html(record.version, record.date, latest, to_root,
                                                                latest_page), text, count=1)
        if n:
            pages += 1
        page.write_text(new, encoding="utf-8")
    if record.repository != repository:
        for path in dest.rglob("*"):
            if path.is_file() and path.suffix in {".bib", ".ris", ".json", ".cff", ".txt", ".js"}:
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
                if record.repository in text:
                    path.write_text(text.replace(record.repository, repository), encoding="utf-8",
                                    errors="surrogateescape")
    return pages


def latest_stub(latest: VersionEntry) -> str:
    """``versions/<latest>/index.html``: the version's lasting address, while it is the latest."""
    e = html.escape
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Version {e(latest.version)}</title>'
            '<meta http-equiv="refresh" content="0; url=../../index.html"></head><body>'
            f'<p>Version {e(latest.version)} of {e(_spelled(latest.date.isoformat()))} is the latest version: '
            '<a href="../../index.html">read it at the root of this site</a>.</p></body></html>\n')


def _version_package(repo: Path, repository, log) -> Callable[[Path, Built], None]:
    """What writes an earlier version's data package: its own records, today's code, today's CITATION.cff for
    the title, authors and licence, the version's own number and date, and its lasting address."""
    try:
        citation = load_citation(under(repo, CITATION_PATH))
    except VersionsError as exc:
        raise ArchiveError(str(exc)) from None
    site_url = load_site_url(under(repo, CONFIG_PATH))

    def write(folder: Path, record: Built) -> None:
        homepage = f"{site_url}{ARCHIVE_DIR}/{record.version}/" if site_url else repository.tree(record.commit)
        try:
            report = datapackage.write_version_package(folder, citation, record.version,
                                                       _dt.date.fromisoformat(record.date), homepage)
        except datapackage.DataPackageError as exc:
            raise ArchiveError(f"version {record.version}: its data package: {exc}") from None
        if report is None:
            log(f"archive: version {record.version}: no data package, its records do not load with today's "
                f"schema (said in {ARCHIVE_DIR}/{record.version}/data/{datapackage.NO_PACKAGE})")

    return write


@dataclass
class ArchiveReport:
    versions: list[tuple[Built, bool]]   # each version's build and whether it came from the cache
    pages: int
    bytes: int
    seconds: float


def archive(repo: Path | str = REPO_ROOT, site: Path | str | None = None, cache: Path | None = None, *,
            log=print, build=default_build, pdf=default_pdf) -> ArchiveReport:
    """Build (or take from the cache) every earlier version and put it into ``site/versions/``."""
    start = time.perf_counter()
    repo = Path(repo)
    site = Path(site) if site else repo / "_build" / "html"
    if not (site / "index.html").is_file():
        raise ArchiveError(f"build the site first (make book): {site} has no index.html")
    cache = Path(cache) if cache else cache_root()
    entries = load_versions(under(repo, VERSIONS_PATH))
    latest = entries[-1]
    repository = load_repository(under(repo, CONFIG_PATH))
    package = _version_package(repo, repository, log)
    repository = repository.url
    built = []
    for entry in entries[:-1]:
        try:
            folder, record, cached = build_version(repo, entry, cache, log=log, build=build, pdf=pdf)
        except HistoryError as exc:
            raise ArchiveError(str(exc)) from None
        built.append((folder, record, cached))
    out = site / ARCHIVE_DIR
    staging = site / f".{ARCHIVE_DIR}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    pages = 0
    for folder, record, _ in built:
        pages += _into_site(folder, record, staging / record.version, latest, site, repository, package)
    (staging / latest.version).mkdir(exist_ok=True)
    (staging / latest.version / "index.html").write_text(latest_stub(latest), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    os.replace(staging, out)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    report = ArchiveReport([(r, c) for _, r, c in built], pages, size, time.perf_counter() - start)
    log(f"archive: {len(built)} earlier version(s) in {out.relative_to(site.parent) if out.is_relative_to(site.parent) else out} "
        f"({report.pages} pages, {report.bytes / 1e6:.1f} MB, {report.seconds:.1f} s; "
        f"{sum(c for _, c in report.versions)} from the cache)")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m il6mm.publish.archive",
                                     description="Put every earlier version of the review into the built site.")
    parser.add_argument("--site", default=None)
    args = parser.parse_args(argv)
    try:
        archive(REPO_ROOT, args.site)
    except ArchiveError as exc:
        print(f"archive: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
