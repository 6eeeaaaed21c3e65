"""What a phone on a slow network downloads and waits for, per page of the built site, beside a stock Jupyter
Book page built in the same run.

Prints figures; asserts nothing (tests/browser/test_page_weight.py keeps the byte budget).
Run after a build:  .venv/bin/python benchmarks/page_weight.py [--repeat N] [--no-stock]

* gzip KB to the load event: every file the page fetched before its load event, each counted at the size a
  static host sends (gzip -6 for text, as is for PNG and WOFF2), cold cache. Target: at most 400 KB.
* LCP and load, in seconds: largest contentful paint and the load event on a 390 px phone screen with a
  "Slow 4G"-like link (150 ms round trip, 1.6 Mbit/s down), the site served gzip-compressed from 127.0.0.1;
  median of --repeat loads. Target: load under 3 s.
* The stock page: `jupyter-book create` then `jupyter-book build` of its template in a temporary folder, with
  this environment's Jupyter Book, so the two columns differ only by what this book does to its pages.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser_helpers import (CHROMIUM, CHROMIUM_ARGS, PAGE_BYTES_BUDGET, GzipSiteServer,  # noqa: E402
                             load_on_phone)
from conftest import toc_files  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def stock_site(folder: Path) -> Path:
    """A stock Jupyter Book (its own template), built with this environment's jupyter-book."""
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "create", str(folder / "stock")], check=True, capture_output=True)
    subprocess.run([str(jb), "build", str(folder / "stock")], check=True, capture_output=True)
    return folder / "stock" / "_build" / "html"


def measure(browser, site: Path, pages: list[str], repeat: int) -> list[dict]:
    rows = []
    with GzipSiteServer(site) as server:
        for page in pages:
            weight = load_on_phone(browser, site, server.origin, page)
            timed = [load_on_phone(browser, site, server.origin, page, throttle=True) for _ in range(repeat)]
            rows.append({"page": page, "kb": weight.total / 1024, "files": len(weight.files),
                         "lcp": statistics.median(t.lcp_ms or 0 for t in timed) / 1000,
                         "load": statistics.median(t.load_ms for t in timed) / 1000,
                         "cls": max(t.layout_shift or 0 for t in timed),
                         "largest": sorted(weight.files.items(), key=lambda kv: -kv[1])[:3],
                         "problems": weight.foreign + weight.missing})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-stock", action="store_true", help="skip building the stock Jupyter Book page")
    parser.add_argument("--largest", action="store_true", help="also print each page's three largest files")
    args = parser.parse_args()
    pages = [f"{p}.html" for p in toc_files()]
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        rows = measure(browser, args.site, pages, args.repeat)
        if not args.no_stock:
            rows += [dict(r, page=f"stock Jupyter Book: {r['page']}")
                     for r in measure(browser, stock_site(Path(tmp)), ["intro.html"], args.repeat)]
        browser.close()
    print(f"Phone (390 px), Slow 4G (150 ms, 1.6 Mbit/s), gzip; median of {args.repeat} loads; "
          f"budget {PAGE_BYTES_BUDGET // 1024} KB, load < 3 s")
    print(f"| page | gzip KB to load | files | LCP s | load s | layout shift |\n|---|---|---|---|---|---|")
    for r in rows:
        flag = "" if r["kb"] * 1024 <= PAGE_BYTES_BUDGET else " (over)"
        print(f"| {r['page']} | {r['kb']:.0f}{flag} | {r['files']} | {r['lcp']:.2f} | {r['load']:.2f} | "
              f"{r['cls']:.3f} |")
        if args.largest:
            for url, size in r["largest"]:
                print(f"|   {url.rsplit('/', 2)[-2:]} | {size / 1024:.0f} | | | | |")
        if r["problems"]:
            print(f"|   problems: {r['problems'][:3]} | | | | | |")


if __name__ == "__main__":
    main()
