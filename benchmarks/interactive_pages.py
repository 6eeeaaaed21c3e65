"""Page weight to first paint, control-to-frame time and axe-core results of built sites, in headless Chromium.

Prints figures; asserts nothing (the browser tests in tests/test_browser.py do the checking).
Run after a build:  .venv/bin/python benchmarks/interactive_pages.py [SITE ...] [--repeat N]
With two sites (e.g. an older build, then _build/html) both are measured in the same run.

* gzip KB to first paint: every response the page received before its first contentful paint (scripts,
  styles, fonts, images, the HTML), each counted at its gzip -6 size (what a static host sends), cold cache.
  Target: a chapter with interactive figures at most 1.25x the same site's page without figures
  (the reference page is the first page in _toc.yml without figures).
* control-to-frame ms: for every value of every control (frames cached after a first pass), time from the
  control's change to the new frame decoded and shown. Target: median <= 50 ms.
* phone: at 390 x 844 (device scale 1) the page width against the screen's, and the smallest text of each
  interactive figure's default frame in CSS px. Target: no sideways scroll; >= 9 CSS px (the browser tests
  check every frame).
Each page is loaded in a fresh browser context, every request outside the site aborted.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser_helpers import AXE_JS, CHROMIUM, CHROMIUM_ARGS, FIGURE_CLASS, SiteServer  # noqa: E402
from conftest import toc_files  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

# Time (performance.now) of every response end and of the first contentful paint.
FIRST_PAINT_PROBE = """
window.__il6mmFcp = null;
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') window.__il6mmFcp = e.startTime;
}).observe({type: 'paint', buffered: true});
"""

# In the page: set a figure's control to option `index` and resolve with the ms until the new frame shows.
SWITCH_JS = """async ([id, position, index]) => {
  const figure = document.getElementById(id);
  const el = figure.querySelectorAll('[data-il6mm-control]')[position];
  const img = figure.querySelector('picture img');
  const before = img.currentSrc;
  const start = performance.now();
  el.value = String(index);
  el.dispatchEvent(new Event('input', {bubbles: true}));
  if (img.src !== before || img.currentSrc !== before) await img.decode().catch(() => {});
  await new Promise(r => requestAnimationFrame(() => r()));
  return performance.now() - start;
}"""


def gzip_size(path: Path, cache: dict) -> int:
    if path not in cache:
        cache[path] = len(gzip.compress(path.read_bytes(), compresslevel=6, mtime=0))
    return cache[path]


def measure(page_name: str, browser, origin: str, site: Path, gz: dict) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.add_init_script(FIRST_PAINT_PROBE)
    responses: list[tuple[str, float]] = []

    def route(r):
        if r.request.url.startswith(origin + "/") or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.on("requestfinished", lambda request: responses.append((request.url, request.timing["responseEnd"]
                                                                  + request.timing["startTime"])))
    page.goto(f"{origin}/{page_name}.html", wait_until="load")
    page.wait_for_function("() => window.__il6mmFcp !== null", timeout=30_000)
    page.wait_for_load_state("networkidle")
    fcp = page.evaluate("window.__il6mmFcp")
    origin_ms = page.evaluate("performance.timeOrigin")
    before_paint = after_paint = 0
    for url, end_epoch_ms in responses:
        if not url.startswith(origin + "/"):
            continue
        path = site / url[len(origin) + 1:].split("?")[0].split("#")[0]
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            continue
        size = gzip_size(path, gz)
        if end_epoch_ms - origin_ms <= fcp:
            before_paint += size
        else:
            after_paint += size
    figures = page.eval_on_selector_all(f".{FIGURE_CLASS}[data-il6mm-ready][id]",
                                        "els => els.filter(e => e.querySelector('[data-il6mm-control]')).map(e => e.id)")
    widget_figures = page.eval_on_selector_all(f".{FIGURE_CLASS}", "els => els.length")
    switch_ms: list[float] = []
    for fid in figures:
        counts = page.evaluate("id => [...document.getElementById(id).querySelectorAll('[data-il6mm-control]')]"
                               ".map(el => el.tagName === 'SELECT' ? el.options.length : Number(el.max) + 1)", fid)
        for measured in (False, True):  # first pass fills the cache (prefetch may not be done yet)
            for position, count in enumerate(counts):
                for index in list(range(count)) + [0]:
                    ms = page.evaluate(SWITCH_JS, [fid, position, index])
                    if measured:
                        switch_ms.append(ms)
    page.add_script_tag(path=str(AXE_JS))
    axe = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                        ".map(v => [v.id, v.impact, v.nodes.length])")
    context.close()
    return {"page": page_name, "figures": max(len(figures), widget_figures), "fcp_ms": fcp,
            "gzip_first_paint": before_paint, "gzip_after": after_paint, "switch_ms": switch_ms, "axe": axe}


def measure_site(site: Path, repeat: int, browser) -> list[dict]:
    rows, gz = [], {}
    with SiteServer(site) as server:
        for page_name in toc_files():
            if not (site / f"{page_name}.html").is_file():
                continue
            runs = [measure(page_name, browser, server.origin, site, gz) for _ in range(repeat)]
            row = dict(runs[-1])
            row["gzip_first_paint"] = statistics.median(r["gzip_first_paint"] for r in runs)
            row["fcp_ms"] = statistics.median(r["fcp_ms"] for r in runs)
            row["switch_ms"] = [ms for r in runs for ms in r["switch_ms"]]
            rows.append(row)
    return rows


def report(site: Path, rows: list[dict], repeat: int) -> None:
    reference = next((r for r in rows if not r["figures"]), None)
    print(f"\n{site}  (headless Chromium, 127.0.0.1, cold cache, median of {repeat} loads)")
    print(f"{'page':34} {'figs':>4} {'gzip KB to 1st paint':>21} {'x no-figure page':>17} {'KB after':>9} "
          f"{'FCP ms':>7} {'frame ms med/p95 (n)':>22}  axe violations")
    for r in rows:
        ratio = r["gzip_first_paint"] / reference["gzip_first_paint"] if reference else float("nan")
        if r["switch_ms"]:
            ms = sorted(r["switch_ms"])
            switch = f"{statistics.median(ms):.1f}/{ms[int(0.95 * (len(ms) - 1))]:.1f} ({len(ms)})"
        else:
            switch = "-"
        axe = ", ".join(f"{i}/{imp}/{n}" for i, imp, n in r["axe"]) or "none"
        print(f"{r['page']:34} {r['figures']:4d} {r['gzip_first_paint'] / 1000:21.0f} {ratio:17.2f} "
              f"{r['gzip_after'] / 1000:9.0f} {r['fcp_ms']:7.0f} {switch:>22}  {axe}")
    if reference:
        print(f"(reference page without figures: {reference['page']})")


# In the page (phone viewport): page width, and for each interactive figure the smallest text of the frame
# it shows, in CSS px (the frame's smallest font in image px x rendered width / natural width).
PHONE_JS = """() => {
  const figures = [...document.querySelectorAll('.%s')].map(fig => {
    const img = fig.querySelector('picture img');
    const table = JSON.parse(fig.querySelector('script.il6mm-frames').textContent);
    const href = s => s ? new URL(s, document.baseURI).href : null;
    const frames = Object.values(table.frames);
    const narrowEntry = frames.find(f => href(f.narrow) === img.currentSrc);
    const entry = narrowEntry || frames.find(f => href(f.src) === img.currentSrc);
    const font = entry ? Number(narrowEntry ? entry.narrowFont : entry.font) : NaN;
    return font * img.getBoundingClientRect().width / img.naturalWidth;
  });
  return {width: document.documentElement.scrollWidth, screen: window.innerWidth, figures};
}""" % FIGURE_CLASS


def measure_phone(site: Path, browser) -> list[dict]:
    """390 x 844 at device scale 1: sideways scroll and the figure text size of each default frame."""
    rows = []
    with SiteServer(site) as server:
        for page_name in toc_files():
            context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
            page = context.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.origin + "/")
                       or r.request.url.startswith(("data:", "blob:")) else r.abort())
            page.goto(f"{server.origin}/{page_name}.html", wait_until="load")
            page.wait_for_function("() => [...document.querySelectorAll('picture img')]"
                                   ".every(i => i.complete && i.naturalWidth > 0)")
            rows.append({"page": page_name, **page.evaluate(PHONE_JS)})
            page.wait_for_load_state("networkidle")  # let the frame prefetch finish before closing
            context.close()
    return rows


def report_phone(site: Path, rows: list[dict]) -> None:
    print(f"\n{site}  phone 390 x 844, device scale 1 (target: no sideways scroll; figure text >= 9 CSS px)")
    print(f"{'page':34} {'page px':>8} {'screen px':>10}  smallest figure text, CSS px (default frames)")
    for r in rows:
        fonts = ", ".join(f"{f:.1f}" for f in r["figures"]) or "-"
        print(f"{r['page']:34} {r['width']:8d} {r['screen']:10d}  {fonts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sites", nargs="*", default=[str(REPO / "_build" / "html")])
    parser.add_argument("--repeat", type=int, default=3, help="loads per page (median reported)")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results = [(Path(site), measure_site(Path(site), args.repeat, browser), measure_phone(Path(site), browser))
                   for site in args.sites]
        browser.close()
    for site, rows, phone in results:
        report(site, rows, args.repeat)
        report_phone(site, phone)


if __name__ == "__main__":
    main()
