"""What the version archive (il6mm.publish.archive) adds to a build: printed, never asserted.

    .venv/bin/python benchmarks/bench_archive.py           # a no-op build, with and without the archive
    .venv/bin/python benchmarks/bench_archive.py --cold    # also every earlier version built from nothing

The no-op figures are the second `make book` of a day: the book is up to date and every earlier version is in
the cache. The cold figure is the first build on a new machine (or with a new archive format): each earlier
version extracted from its commit, its pinned environment and front-end files installed, its book built and
its PDF printed, in a temporary cache (the real one is left as it is). Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BOOK = [str(Path(sys.executable).parent / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]


def _seconds(command: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, env={**os.environ, **(env or {})}, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold", action="store_true", help="also build every earlier version in an empty cache")
    args = parser.parse_args()
    from il6mm.publish import archive

    _seconds(BOOK)  # bring the book up to date first
    book = min(_seconds(BOOK) for _ in range(3))
    warm = min(_seconds([sys.executable, "-m", "il6mm.publish.archive"]) for _ in range(3))
    out = REPO / "_build" / "html" / archive.ARCHIVE_DIR
    print(f"no-op book build:            {book:6.1f} s")
    print(f"archive, every version cached: {warm:5.1f} s (what it adds to a no-op `make book`)")
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        pages = sum(1 for _ in folder.rglob("*.html"))
        print(f"  versions/{folder.name}: {pages} pages, {size / 1e6:.1f} MB")
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    site = sum(f.stat().st_size for f in (REPO / "_build" / "html").rglob("*") if f.is_file())
    print(f"archive in the site: {total / 1e6:.1f} MB of {site / 1e6:.1f} MB")
    if args.cold:
        with tempfile.TemporaryDirectory(prefix="il6mm-cold-cache-") as cache:
            cold = _seconds([sys.executable, "-m", "il6mm.publish.archive"], {archive.CACHE_ENV: cache})
        print(f"archive from nothing (new machine): {cold:.0f} s (what it adds to a clean `make book`)")


if __name__ == "__main__":
    main()
