"""Page weight, time to first interactive frame and axe-core results of the built site, in headless Chromium.

Prints figures; asserts nothing (the browser tests in tests/test_browser.py do the checking).
Run after a build:  .venv/bin/python benchmarks/interactive_pages.py [_build/html] [--repeat N]
Each page is loaded in a fresh browser context (cold cache), every request outside the site aborted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser_helpers import AXE_JS, CHROMIUM, CHROMIUM_ARGS, FIGURE_CLASS, SiteServer, embedded_figures  # noqa: E402
from conftest import toc_files  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

# Records, in the page, when the first interactive figure shows a frame with its alt text.
FIRST_FRAME_PROBE = """
new MutationObserver((_, observer) => {
  if (document.querySelector('.%s[data-il6mm-ready]')) {
    window.__il6mmFirstFrameMs = performance.now();
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true, attributes: true});
""" % FIGURE_CLASS


def measure(page_name: str, browser, origin: str, site: Path) -> dict:
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(FIRST_FRAME_PROBE)
    transferred = {"bytes": 0, "requests": 0}

    def route(r):
        if r.request.url.startswith(origin + "/") or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            r.abort()

    def on_finished(request):
        # Size of the served file on disk (uncompressed; a static host's gzip would shrink JS ~4x).
        if request.url.startswith(origin + "/"):
            path = site / request.url[len(origin) + 1:].split("?")[0].split("#")[0]
            if path.is_file():
                transferred["bytes"] += path.stat().st_size
                transferred["requests"] += 1

    page.route("**/*", route)
    page.on("requestfinished", on_finished)
    html = (site / f"{page_name}.html").read_text()
    figures = embedded_figures(html, page_name)
    page.goto(f"{origin}/{page_name}.html", wait_until="load")
    first_frame = None
    if figures:
        page.wait_for_function(f"document.querySelectorAll('.{FIGURE_CLASS}[data-il6mm-ready]').length >= {len(figures)}",
                               timeout=60_000)
        first_frame = page.evaluate("window.__il6mmFirstFrameMs")
    page.wait_for_timeout(500)
    load_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    page.add_script_tag(path=str(AXE_JS))
    axe = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                        ".map(v => [v.id, v.impact, v.nodes.length])")
    context.close()
    return {"page": page_name, "html": len(html.encode()), "transferred": transferred["bytes"],
            "requests": transferred["requests"], "figures": len(figures),
            "widget_state": sum(f.state_bytes for f in figures), "load_ms": load_ms,
            "first_frame_ms": first_frame, "axe": axe}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default=str(REPO / "_build" / "html"))
    parser.add_argument("--repeat", type=int, default=3, help="loads per page (median reported)")
    args = parser.parse_args()
    site = Path(args.site)
    rows = []
    with SiteServer(site) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for page_name in toc_files():
            runs = [measure(page_name, browser, server.origin, site) for _ in range(args.repeat)]
            row = dict(runs[-1])
            row["load_ms"] = statistics.median(r["load_ms"] for r in runs)
            if row["figures"]:
                row["first_frame_ms"] = statistics.median(r["first_frame_ms"] for r in runs)
            rows.append(row)
        browser.close()
    print(f"Headless Chromium ({CHROMIUM}), site served on 127.0.0.1, cold cache, median of {args.repeat} loads.")
    print(f"{'page':34} {'HTML KB':>8} {'loaded KB':>10} {'reqs':>5} {'figs':>4} {'state KB':>9} "
          f"{'load ms':>8} {'1st frame ms':>13}  axe violations (id, impact, nodes)")
    for r in rows:
        first = f"{r['first_frame_ms']:.0f}" if r["first_frame_ms"] is not None else "-"
        axe = ", ".join(f"{i}/{imp}/{n}" for i, imp, n in r["axe"]) or "none"
        print(f"{r['page']:34} {r['html'] / 1000:8.0f} {r['transferred'] / 1000:10.0f} {r['requests']:5d} "
              f"{r['figures']:4d} {r['widget_state'] / 1000:9.0f} {r['load_ms']:8.0f} {first:>13}  {axe}")


if __name__ == "__main__":
    main()
