"""The built site in a real browser: Debian's Chromium, headless, driven by Playwright.

The site is served on 127.0.0.1 and every request to any other origin is aborted, as for an archived
copy read offline. Every page must load without console errors, without a 404 and without trying to
reach a CDN; every interactive figure (discovered from the pages' static renditions) must show, for each
choice of its controls, exactly its precomputed frame file with its alt text, and its default frame with
JavaScript off; math must be typeset at build time and show with no script; axe-core must find no serious or
critical violation, on load and after every control has moved; on a 390 px phone no page scrolls sideways
and figure text stays at 9 CSS px or more, there and at tablet widths (641 to 992 px). No check waits a
fixed time: each waits for its condition.
Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from browser_helpers import (AXE_JS, FIGURE_CLASS, IMG_BYTES_JS, SiteServer, browser, frame_file,  # noqa: F401
                             server, sha256, static_figures)
from conftest import REPO, toc_files

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ARTIFACTS = REPO / "tests" / "artifacts"
PAGES = toc_files()
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: Loads in a row of each page with interactive figures (a flaky request shows up as a failure).
REPEATED_LOADS = 5
#: Smallest figure text a reader may be shown, in CSS px.
MIN_FIGURE_TEXT_PX = 9.0
#: Screens just above the phone rendition (NARROW_MEDIA: up to 640 px) and up to a desktop's: the wide frames
#: are shown there, scaled down to the text column.
TABLET_WIDTHS = (641, 768, 992)

# Console messages that are not ours and that we cannot fix from this project; each with its reason.
FOREIGN_CONSOLE_MESSAGES = [
    # pydata-sphinx-theme 0.15 logs this on a first visit (no theme mode stored in localStorage yet).
    re.compile(r"^Got invalid theme mode: \. Resetting to auto\.$"),
]
# axe rules scoped out, each with the element it concerns and why (only theme markup we cannot change).
AXE_EXCEPTIONS: dict[str, str] = {}
# Everything the page's own scripts start on load: theme and figures (the mathematics needs no script).
SETTLED_JS = """() => document.readyState === 'complete'
  && [...document.querySelectorAll('.%s')].every(f => f.dataset.il6mmReady === 'true')""" % FIGURE_CLASS


class PageVisit:
    """A page opened in a fresh context, every foreign request aborted, console and failed requests recorded."""

    def __init__(self, browser, server: SiteServer, page_name: str, viewport: dict = DESKTOP,
                 javascript: bool = True) -> None:
        self.name = page_name
        self.origin = server.origin
        self.context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.not_found: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(f"uncaught: {e}"))
        self.page.on("response", lambda r: self.not_found.append(r.url) if r.status >= 400 else None)
        self.page.on("requestfailed", self._failed)
        self.page.goto(f"{server.origin}/{page_name}.html", wait_until="load")
        if javascript:
            self.settle()

    def _failed(self, request) -> None:
        # A frame whose load is cancelled because the reader moved on (a newer src) is not a fault.
        if request.url not in self.foreign_requests and request.failure != "net::ERR_ABORTED":
            self.not_found.append(f"{request.url} ({request.failure})")

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.origin + "/") or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            self.foreign_requests.append(url)
            route.abort()

    def settle(self) -> None:
        self.page.wait_for_function(SETTLED_JS, timeout=30_000)
        # Figure images load lazily (loading="lazy"): fetch them all, as a reader scrolling the page would, so
        # that a missing one is still a 404 here. Then every image the page shows (frames included) has arrived.
        self.page.evaluate("() => { for (const i of document.images) i.loading = 'eager'; }")
        self.page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=30_000)

    def our_errors(self) -> list[str]:
        return [m for m in self.console_errors if not any(p.search(m) for p in FOREIGN_CONSOLE_MESSAGES)]

    def screenshot(self, suffix: str = "") -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name.replace('/', '__')}{suffix}.png"), full_page=True)

    def axe_serious(self) -> list:
        self.page.add_script_tag(path=str(AXE_JS))
        results = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [(r["id"], r["impact"], r["help"], [n["target"] for n in r["nodes"]][:5])
                for r in results["violations"]
                if r["impact"] in ("serious", "critical") and r["id"] not in AXE_EXCEPTIONS]

    def close(self) -> None:
        self.context.close()


def _figures(site: Path, page: str):
    html = (site / f"{page}.html").read_text()
    return html, static_figures(html, page)


@pytest.fixture()
def visit(browser, server):
    opened = []

    def _open(page_name: str, **kwargs) -> PageVisit:
        opened.append(PageVisit(browser, server, page_name, **kwargs))
        return opened[-1]

    yield _open
    for v in opened:
        v.close()


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_offline_without_errors(site, visit, page):
    """Pages with interactive figures load REPEATED_LOADS times in a row: no 404, no console error, ever."""
    _, figures = _figures(site, page)
    for load in range(REPEATED_LOADS if figures else 1):
        v = visit(page)
        if load == 0:
            v.screenshot()
        assert v.foreign_requests == [], f"{page} asked for files outside the site: {v.foreign_requests}"
        assert v.not_found == [], f"{page} (load {load + 1}): failed requests {v.not_found}"
        assert v.our_errors() == [], f"{page} (load {load + 1}): console errors {v.our_errors()}"
        v.close()


def test_the_site_has_interactive_figures(site):
    """The browser checks below must have something to check: the chapters' explorers."""
    pages = {page for page in PAGES if _figures(site, page)[1]}
    assert len(pages) >= 3, f"interactive figures found only on {sorted(pages)}"


def test_no_page_loads_a_widget_manager(site):
    """The static renditions need no ipywidgets manager, require.js, widget state or icon font."""
    for page in PAGES:
        html = (site / f"{page}.html").read_text()
        for needle in ("embed-amd", "require.js", "widget-state+json", "widget-view+json", "_widgets/"):
            assert needle not in html, f"{page} still refers to {needle!r}"


@pytest.mark.parametrize("page", PAGES)
def test_default_frames_show_with_javascript_off(site, visit, page):
    _, figures = _figures(site, page)
    if not figures:
        return
    v = visit(page, javascript=False)
    v.page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=30_000)
    shown = v.page.eval_on_selector_all(
        f".{FIGURE_CLASS} picture img",
        "imgs => imgs.map(i => [i.getAttribute('src'), i.alt, i.naturalWidth, i.getBoundingClientRect().width])")
    assert len(shown) == len(figures), (page, shown)
    for figure, (src, alt, natural, width) in zip(figures, shown):
        default = figure.frames[figure.default_indices()]
        assert src == default.src == figure.default_src and alt == default.alt, (page, src, alt)
        assert natural == default.width and width > 0, f"{page}: default frame {src} not shown ({natural} px)"
        assert frame_file(site, page, src).is_file()
    # Without the script the controls, which could do nothing, stay hidden.
    assert v.page.eval_on_selector_all(f".{FIGURE_CLASS} .il6mm-controls", "els => els.every(e => e.hidden)")


def _set_control(element, control, index: int) -> None:
    """Choose option `index` of a control the way a reader would (keyboard on the slider). A control switched
    off from here (its choice would not change the figure) gets the choice a reader could have made before,
    by reaching this position in another order."""
    el = element.query_selector(f"#{control.element_id}")
    if el.is_disabled():
        el.evaluate("(e, v) => { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); }", str(index))
    elif control.kind == "dropdown":
        el.select_option(value=str(index))
    else:
        el.focus()
        el.press("Home")
        for _ in range(index):
            el.press("ArrowRight")


def _shown_frame(v: PageVisit, element, src: str, alt: str, where: str):
    """Wait until the figure shows the file `src` (loaded) with `alt`; return the <img>."""
    try:
        v.page.wait_for_function(
            "([el, src, alt]) => { const i = el.querySelector('picture img');"
            " return i.complete && i.naturalWidth > 0 && i.alt === alt"
            " && i.currentSrc === new URL(src, document.baseURI).href; }",
            arg=[element, src, alt], timeout=10_000)
    except PlaywrightTimeoutError:
        shown = element.eval_on_selector("picture img", "i => [i.currentSrc, i.alt]")
        pytest.fail(f"{where}: should show {src} ({alt!r}); the page shows {shown}")
    return element.query_selector("picture img")


@pytest.mark.parametrize("page", PAGES)
def test_every_control_choice_shows_its_precomputed_frame(site, visit, page):
    _, figures = _figures(site, page)
    if not figures:
        return
    v = visit(page)
    elements = v.page.query_selector_all(f".{FIGURE_CLASS}")
    assert [e.get_attribute("id") for e in elements] == [f.element_id for f in figures], page
    for number, (figure, element) in enumerate(zip(figures, elements), start=1):
        labels = [element.query_selector(f'label[for="{c.element_id}"]').inner_text().strip()
                  for c in figure.controls]
        assert labels == [c.label for c in figure.controls], page
        assert element.query_selector(".il6mm-interactive-hint").inner_text().strip(), f"{page}: figure without hint"
        for indices, frame in figure.frames.items():
            for control, index in zip(figure.controls, indices):
                _set_control(element, control, index)
            img = _shown_frame(v, element, frame.src, frame.alt, f"{page} figure {number} choice {indices}")
            for control, index in zip(figure.controls, indices):
                el = element.query_selector(f"#{control.element_id}")
                shown_label = (el.get_attribute("aria-valuetext") if control.kind == "slider"
                               else el.evaluate("s => s.options[s.selectedIndex].text"))
                assert shown_label == control.options[index], (page, control.label, index)
            shown = base64.b64decode(img.evaluate(IMG_BYTES_JS))
            assert sha256(shown) == sha256(frame_file(site, page, frame.src).read_bytes()), \
                f"{page} figure {number}: choice {indices} shows another frame"
            assert img.is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        element.screenshot(path=str(ARTIFACTS / f"{page.replace('/', '__')}__figure{number}-last-frame.png"))
    assert v.our_errors() == [] and v.not_found == [], (v.our_errors(), v.not_found)


@pytest.mark.parametrize("page", PAGES)
def test_every_image_has_alt_text(site, visit, page):
    v = visit(page)
    missing = v.page.eval_on_selector_all(
        "article img", "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()"
                       " || (i.getAttribute('alt') || '').trim().length < 10).map(i => i.outerHTML.slice(0, 120))")
    assert missing == [], f"{page}: images without a meaningful alt: {missing}"


def _pages_with_math(site: Path) -> list[str]:
    return [p for p in PAGES if re.search(r'class="math[ "]', (site / f"{p}.html").read_text())]


def test_math_is_typeset_at_build_time_and_shows_with_no_script(site, visit):
    pages = _pages_with_math(site)
    assert pages, "no page has math: the MathJax check needs one"
    for page in pages:
        html = (site / f"{page}.html").read_text()
        assert "<mjx-container" in html and "tex-mml-chtml.js" not in html and "cdn.jsdelivr" not in html, page
        assert not re.search(r'class="math notranslate nohighlight"[^>]*>\s*\\[(\[]', html), \
            f"{page}: math left for a script to typeset"
        v = visit(page, javascript=False)
        count = v.page.eval_on_selector_all("mjx-container", "els => els.length")
        assert count > 0, f"{page}: MathJax rendered nothing"
        assert v.page.eval_on_selector_all("mjx-merror", "els => els.length") == 0, f"{page}: TeX errors"
        assert v.foreign_requests == [], v.foreign_requests


@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_serious_or_critical_violation(site, visit, page):
    """On load, and again after every control of every figure has been moved."""
    assert AXE_JS.is_file(), f"{AXE_JS} is missing: run `npm ci` (make test does)"
    _, figures = _figures(site, page)
    v = visit(page)
    assert v.axe_serious() == [], f"{page} on load: {v.axe_serious()}"
    if not figures:
        return
    for figure, element in zip(figures, v.page.query_selector_all(f".{FIGURE_CLASS}")):
        last = tuple(len(c.options) - 1 for c in figure.controls)
        for control, index in zip(figure.controls, last):
            _set_control(element, control, index)
        _shown_frame(v, element, figure.frames[last].src, figure.frames[last].alt, f"{page} {figure.element_id}")
    serious = v.axe_serious()
    assert serious == [], f"{page} after moving every control: {serious}"


@pytest.mark.parametrize("page", PAGES)
def test_phone_no_sideways_scroll_and_legible_figure_text(site, visit, page):
    """390 x 844 at device scale 1: the page fits the screen; every figure's text renders at >= 9 CSS px
    (smallest font of the frame in image px, times rendered width over natural width)."""
    _, figures = _figures(site, page)
    v = visit(page, viewport=PHONE)
    overflow = v.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"{page}: page is {overflow[0]} px wide on a {overflow[1]} px screen"
    v.screenshot("__phone")
    for figure, element in zip(figures, v.page.query_selector_all(f".{FIGURE_CLASS}")):
        for indices, frame in figure.frames.items():
            for control, index in zip(figure.controls, indices):
                _set_control(element, control, index)
            src, font = (frame.narrow, frame.narrow_font_px) if frame.narrow else (frame.src, frame.font_px)
            img = _shown_frame(v, element, src, frame.alt, f"{page} phone {figure.element_id} {indices}")
            natural, rendered = img.evaluate("i => [i.naturalWidth, i.getBoundingClientRect().width]")
            css_px = font * rendered / natural
            assert css_px >= MIN_FIGURE_TEXT_PX, \
                (f"{page} {figure.element_id} {indices}: smallest text {css_px:.1f} CSS px "
                 f"({font} px in a {natural} px frame shown {rendered:.0f} px wide)")
        overflow = v.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], f"{page}: {overflow[0]} px wide after moving the controls"


@pytest.mark.parametrize("width", TABLET_WIDTHS)
def test_figure_text_stays_legible_between_phone_and_desktop(site, visit, width):
    """Between the phone rendition and a desktop, the wide frames shrink to the column: their smallest text
    (of any frame: all frames of a rendition share one natural width) must still render at >= 9 CSS px."""
    checked = []
    for page in PAGES:
        _, figures = _figures(site, page)
        if not figures:
            continue
        v = visit(page, viewport={"width": width, "height": 900})
        overflow = v.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], f"{page}: page is {overflow[0]} px wide on a {overflow[1]} px screen"
        for figure, element in zip(figures, v.page.query_selector_all(f".{FIGURE_CLASS}")):
            default = next(f for f in figure.frames.values() if f.src == figure.default_src)
            img = _shown_frame(v, element, figure.default_src, figure.default_alt, f"{page} at {width} px")
            natural, rendered = img.evaluate("i => [i.naturalWidth, i.getBoundingClientRect().width]")
            assert natural == default.width and {f.width for f in figure.frames.values()} == {natural}
            css_px = min(f.font_px for f in figure.frames.values()) * rendered / natural
            assert css_px >= MIN_FIGURE_TEXT_PX, \
                f"{page} {figure.element_id} at {width} px: smallest text {css_px:.1f} CSS px ({rendered:.0f} px wide)"
            checked.append(figure.element_id)
    assert checked, "no interactive figure was checked"


@pytest.mark.parametrize("page", PAGES)
def test_wide_tables_scroll_in_a_focusable_labelled_region(site, visit, page):
    """On a phone, a table wider than its column sits in a container a keyboard user can focus and scroll."""
    v = visit(page, viewport=PHONE)
    tables = v.page.eval_on_selector_all("article table", "ts => ts.length")
    if not tables:
        return
    # The theme sets tabIndex once it has measured which boxes scroll: wait for that, then check.
    v.page.wait_for_function("""() => [...document.querySelectorAll('article table')].every(t => {
        const box = t.closest('.il6mm-table-scroll');
        return box && (box.scrollWidth > box.clientWidth ? box.tabIndex === 0 : true); })""", timeout=10_000)
    bad = v.page.eval_on_selector_all("article table", """tables => tables.filter(t => {
        const box = t.closest('.il6mm-table-scroll');
        return !box || box.getAttribute('role') !== 'region' || !(box.getAttribute('aria-label') || '').trim();
      }).map(t => t.outerHTML.slice(0, 100))""")
    assert bad == [], f"{page}: tables outside a focusable, labelled scroll region: {bad}"


# In the page: put a figure's controls at every position in turn; there, every control that is off must say
# why (visible text), and every control that is on must change the shown frame with some other choice.
EVERY_CONTROL_DOES_SOMETHING_JS = """(id) => {
  const figure = document.getElementById(id);
  const inputs = [...figure.querySelectorAll('[data-il6mm-control]')];
  const img = figure.querySelector('picture img');
  const table = JSON.parse(figure.querySelector('script.il6mm-frames').textContent);
  const set = (el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true})); };
  const problems = [];
  let on = 0, off = 0;
  for (const position of Object.keys(table.frames)) {
    const ix = position.split(',').map(Number);
    ix.forEach((v, i) => set(inputs[i], v));
    const here = img.getAttribute('src');
    inputs.forEach((el, i) => {
      const why = document.getElementById(el.id + '-why');
      if (el.disabled) {
        off++;
        if (!why || why.hidden || !why.textContent.trim() || !why.getClientRects().length)
          problems.push(position + ': control ' + i + ' is off and does not say why');
        return;
      }
      on++;
      let changes = false;
      for (let v = 0; v < table.controls[i].labels.length; v++) {
        if (v === ix[i]) continue;
        set(el, v);
        changes = changes || img.getAttribute('src') !== here;
        set(el, ix[i]);
      }
      if (!changes) problems.push(position + ': control ' + i + ' is on but changes nothing');
      if (why && !why.hidden) problems.push(position + ': control ' + i + ' is on but shows a reason');
    });
  }
  return {problems, on, off};
}"""


@pytest.mark.parametrize("page", [p for p in PAGES if p.startswith("chapters/0")])
def test_every_enabled_control_changes_the_figure_and_every_disabled_one_says_why(site, visit, page):
    _, figures = _figures(site, page)
    assert figures or not page.endswith("01-history"), f"{page}: the meta-analysis explorer is missing"
    if not figures:
        return
    v = visit(page)
    for figure in figures:
        result = v.page.evaluate(EVERY_CONTROL_DOES_SOMETHING_JS, figure.element_id)
        assert result["problems"] == [], f"{page} {figure.element_id}: {result['problems'][:5]}"
        assert result["on"] > 0, result
    if page.endswith("01-history"):
        # The meta-analysis explorer offers a trial choice that matters only for some endpoints.
        assert any(v.page.evaluate(EVERY_CONTROL_DOES_SOMETHING_JS, f.element_id)["off"] for f in figures)
