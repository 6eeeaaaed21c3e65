"""The built site in a real browser: Debian's Chromium, headless, driven by Playwright.

The site is served on 127.0.0.1 and every request to any other origin is aborted, as for an archived
copy read offline. Every page must load without console errors from our code and without trying to
reach a CDN; every interactive figure (discovered from the pages' embedded widget state) must show,
for each choice of its controls, exactly the precomputed frame with its alt text; math must be typeset
by the self-hosted MathJax; axe-core must find no serious or critical violation. Screenshots go to
tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from browser_helpers import (AXE_JS, CHROMIUM, CHROMIUM_ARGS, FIGURE_CLASS, IMG_BYTES_JS, SiteServer,
                             embedded_figures, frame_model, image_bytes, sha256)
from conftest import REPO, toc_files

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

ARTIFACTS = REPO / "tests" / "artifacts"
PAGES = toc_files()

# Console messages that are not ours and that we cannot fix from this project; each with its reason.
FOREIGN_CONSOLE_MESSAGES = [
    # pydata-sphinx-theme 0.15 logs this on a first visit (no theme mode stored in localStorage yet).
    re.compile(r"^Got invalid theme mode: \. Resetting to auto\.$"),
]
# axe rules scoped out, each with the element it concerns and why (only theme markup we cannot change).
AXE_EXCEPTIONS: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(site):
    with SiteServer(site) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: `make browser` installs Debian's chromium"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageVisit:
    """A page opened with every foreign request aborted and its console recorded."""

    def __init__(self, browser, server: SiteServer, page_name: str) -> None:
        self.name = page_name
        self.origin = server.origin
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(f"uncaught: {e}"))
        self.page.goto(f"{server.origin}/{page_name}.html", wait_until="load")

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.origin + "/") or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            self.foreign_requests.append(url)
            route.abort()

    def figures_ready(self, count: int) -> None:
        if count:
            self.page.wait_for_function(
                "n => document.querySelectorAll('.%s[data-il6mm-ready]').length >= n" % FIGURE_CLASS,
                arg=count, timeout=30_000)

    def our_errors(self) -> list[str]:
        return [m for m in self.console_errors if not any(p.search(m) for p in FOREIGN_CONSOLE_MESSAGES)]

    def screenshot(self, suffix: str = "") -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name.replace('/', '__')}{suffix}.png"), full_page=True)

    def close(self) -> None:
        self.page.close()


def _figures(site: Path, page: str):
    html = (site / f"{page}.html").read_text()
    return html, embedded_figures(html, page)


@pytest.fixture()
def visit(browser, server):
    opened = []

    def _open(page_name: str) -> PageVisit:
        opened.append(PageVisit(browser, server, page_name))
        return opened[-1]

    yield _open
    for v in opened:
        v.close()


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_offline_without_errors(site, visit, page):
    html, figures = _figures(site, page)
    v = visit(page)
    v.figures_ready(len(figures))
    v.page.wait_for_timeout(300)  # let late scripts (MathJax, theme) report
    v.screenshot()
    assert v.foreign_requests == [], f"{page} asked for files outside the site: {v.foreign_requests}"
    assert v.our_errors() == [], f"{page}: console errors {v.our_errors()}"


def test_the_site_has_interactive_figures(site):
    """The browser checks below must have something to check: at least the demo and a chapter figure."""
    pages = {page for page in PAGES for _ in _figures(site, page)[1]}
    assert pages, "no interactive figure on any page"


def _set_control(figure_el, position: int, control, index: int) -> None:
    """Choose option `index` of the figure's `position`-th control the way a reader would."""
    box = figure_el.query_selector_all(".widget-dropdown, .widget-hslider")[position]
    if control.kind == "dropdown":
        box.query_selector("select").select_option(index=index)
    else:
        handle = box.query_selector("[role=slider]")
        handle.focus()
        handle.press("Home")
        for _ in range(index):
            handle.press("ArrowRight")


@pytest.mark.parametrize("page", PAGES)
def test_every_control_choice_shows_its_precomputed_frame(site, visit, page):
    html, figures = _figures(site, page)
    if not figures:
        assert "widget-state+json" not in html or FIGURE_CLASS not in html
        return
    v = visit(page)
    v.figures_ready(len(figures))
    elements = v.page.query_selector_all(f".{FIGURE_CLASS}")
    assert len(elements) == len(figures), (page, len(elements), len(figures))
    # Each view carries its model id nowhere in the DOM, so match figures by order on the page.
    view_ids = re.findall(r'widget-view\+json">\{[^}]*"model_id": "([0-9a-f]+)"', html)
    ordered = sorted(figures, key=lambda f: view_ids.index(f.model_id))
    for number, (figure, element) in enumerate(zip(ordered, elements), start=1):
        boxes = element.query_selector_all(".widget-dropdown, .widget-hslider")
        labels = [box.query_selector("label.widget-label").inner_text().strip() for box in boxes]
        assert labels == [c.label for c in figure.controls], page
        assert element.query_selector(".il6mm-interactive-hint").inner_text().strip(), f"{page}: figure without hint"
        for indices, image_id in figure.frames.items():
            for position, (control, index) in enumerate(zip(figure.controls, indices)):
                _set_control(element, position, control, index)
            expected = frame_model(html, image_id)
            alt = expected["state"]["tooltip"]
            try:
                v.page.wait_for_function("([el, alt]) => { const imgs = el.querySelectorAll('img');"
                                         " return imgs.length === 1 && imgs[0].alt === alt; }",
                                         arg=[element, alt], timeout=10_000)
            except PlaywrightTimeoutError:
                shown = element.eval_on_selector_all("img", "imgs => imgs.map(i => i.alt)")
                pytest.fail(f"{page} figure {number}: choice {indices} should show the frame {alt!r}; "
                            f"the page shows {shown}")
            for box, control, index in zip(boxes, figure.controls, indices):
                readout = box.query_selector(".widget-readout, select")
                shown_label = (readout.inner_text() if control.kind == "slider"
                               else readout.evaluate("s => s.options[s.selectedIndex].text"))
                # The drop-down shows spaces as no-break spaces.
                assert shown_label.replace("\xa0", " ").strip() == control.options[index].strip(), \
                    (page, control.label, index)
            img = element.query_selector("img")
            shown = base64.b64decode(img.evaluate(IMG_BYTES_JS))
            assert sha256(shown) == sha256(image_bytes(expected)), \
                f"{page} figure {number}: choice {indices} shows another frame"
            assert img.is_visible() and img.evaluate("i => i.naturalWidth") > 0
        ARTIFACTS.mkdir(exist_ok=True)
        element.screenshot(path=str(ARTIFACTS / f"{page.replace('/', '__')}__figure{number}-last-frame.png"))


@pytest.mark.parametrize("page", PAGES)
def test_every_image_has_alt_text(site, visit, page):
    _, figures = _figures(site, page)
    v = visit(page)
    v.figures_ready(len(figures))
    missing = v.page.eval_on_selector_all(
        "article img", "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()"
                       " || (i.getAttribute('alt') || '').trim().length < 10).map(i => i.outerHTML.slice(0, 120))")
    assert missing == [], f"{page}: images without a meaningful alt: {missing}"


def _pages_with_math(site: Path) -> list[str]:
    return [p for p in PAGES if re.search(r'class="math[ "]', (site / f"{p}.html").read_text())]


def test_math_is_typeset_by_the_self_hosted_mathjax(site, visit):
    pages = _pages_with_math(site)
    assert pages, "no page has math: the MathJax check needs one"
    for page in pages:
        html = (site / f"{page}.html").read_text()
        assert "_mathjax/tex-mml-chtml.js" in html and "cdn.jsdelivr" not in html, page
        v = visit(page)
        v.page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
        v.page.evaluate("() => MathJax.startup.promise")
        count = v.page.eval_on_selector_all("mjx-container", "els => els.length")
        assert count > 0, f"{page}: MathJax rendered nothing"
        assert v.page.eval_on_selector_all("mjx-merror", "els => els.length") == 0, f"{page}: TeX errors"
        assert v.foreign_requests == [], v.foreign_requests


@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_serious_or_critical_violation(site, visit, page):
    assert AXE_JS.is_file(), f"{AXE_JS} is missing: run `npm ci` (make test does)"
    _, figures = _figures(site, page)
    v = visit(page)
    v.figures_ready(len(figures))
    if _pages_with_math(site).count(page):
        v.page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    v.page.add_script_tag(path=str(AXE_JS))
    results = v.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [(r["id"], r["impact"], r["help"], [n["target"] for n in r["nodes"]][:5])
               for r in results["violations"]
               if r["impact"] in ("serious", "critical") and r["id"] not in AXE_EXCEPTIONS]
    assert serious == [], f"{page}: {serious}"
