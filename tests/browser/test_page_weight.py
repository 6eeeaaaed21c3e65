"""What a phone downloads: every page within its byte budget to the load event, nothing moving as it loads,
its icons drawn from the cut-down fonts, its equations as MathJax itself draws them, and search still there.

Bytes are counted from the built site's files (gzip -6 for text, as a static host sends them), so the budget
does not drift from run to run the way times do; the times are printed by benchmarks/page_weight.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from browser_helpers import (PAGE_BYTES_BUDGET, PHONE_VIEWPORT, browser, load_on_phone,  # noqa: F401
                             server, static_figures)
from conftest import REPO, toc_files

PAGES = toc_files()
MATHJAX_ES5 = REPO / "node_modules" / "mathjax-full" / "es5"
ARTIFACTS = REPO / "tests" / "artifacts"
#: Equations compared with MathJax's own rendering in the browser (the model chapter's, and a page's first).
COMPARED_EQUATIONS = 4


@pytest.mark.parametrize("page", PAGES)
def test_a_page_stays_within_its_byte_budget_and_does_not_move_as_it_loads(site, server, browser, page):
    load = load_on_phone(browser, site, server.origin, f"{page}.html")
    assert load.foreign == [] and load.missing == [], (load.foreign, load.missing)
    largest = sorted(load.files.items(), key=lambda kv: -kv[1])[:4]
    assert load.total <= PAGE_BYTES_BUDGET, \
        f"{page}: {load.total / 1024:.0f} KB to the load event (budget {PAGE_BYTES_BUDGET // 1024}); largest {largest}"
    assert not any(re.search(r"fontawesome\.js|/vendor/fontawesome/|searchindex\.js|thebe|tex-mml-chtml", u)
                   for u in load.files), f"{page} loads a script or font it does not use: {sorted(load.files)}"
    # Nothing moves: images and equations keep their boxes, icons their width, the theme's colours (and the
    # borders drawn in them) are there at the first paint, and that paint waits for the whole header.
    assert load.layout_shift == 0, f"{page}: layout shift {load.layout_shift}"


@pytest.mark.parametrize("page", PAGES)
def test_the_first_paint_waits_for_the_header_and_knows_light_from_dark(site, page):
    """What keeps the layout shift at 0 on a slow parse: the render-blocking link names an element the page has
    (after the header), and the head resolves the theme's "auto" before the body is read."""
    html = (site / f"{page}.html").read_text()
    head, body = html.split("</head>", 1)
    expect = re.search(r'<link rel="expect" href="#([\w-]+)" blocking="render">', head)
    assert expect, f"{page}: no render-blocking expect link"
    header_end = body.index("header-article-items__end")
    assert body.find(f'id="{expect.group(1)}"') > header_end, f"{page}: #{expect.group(1)} is not after the header"
    assert 'prefers-color-scheme: dark' in head, f"{page}: the theme's auto mode is not resolved in the head"


def test_every_icon_shown_is_in_the_cut_down_font(site, server, browser):
    """Each icon the header and sidebars show is drawn by a glyph that the served font subset has."""
    fonts = {}
    for name in ("fa-solid-900", "fa-regular-400", "fa-brands-400"):
        with TTFont(site / "_il6mm" / "icons" / f"{name}.woff2") as font:
            fonts[name] = set(font.getBestCmap())
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    try:
        for page in ("index", "chapters/03-april-amplification"):
            tab.goto(f"{server.origin}/{page}.html", wait_until="load")
            tab.evaluate("() => document.fonts.ready.then(() => true)")
            icons = tab.evaluate("""() => [...document.querySelectorAll('i[class*="fa-"]')].map(i => {
                const style = getComputedStyle(i, '::before');
                return {cls: i.className, content: style.content, family: style.fontFamily,
                        weight: style.fontWeight};
            })""")
            assert len(icons) >= 8, icons
            for icon in icons:
                chars = icon["content"].strip('"')
                assert len(chars) == 1, icon
                font = "fa-brands-400" if "Brands" in icon["family"] else (
                    "fa-solid-900" if icon["weight"] == "900" else "fa-regular-400")
                assert ord(chars) in fonts[font], f"{page}: {icon} has no glyph in {font}"
            loaded = tab.evaluate("() => [...document.fonts].filter(f => f.family.includes('Font Awesome'))"
                                  ".map(f => f.status)")
            assert "loaded" in loaded and "error" not in loaded, loaded
    finally:
        context.close()


def test_equations_look_as_mathjax_draws_them_in_the_browser(site, server, browser):
    """The build's equations beside the same TeX typeset by MathJax's browser component (the one the pages
    loaded before), in the same page and style: the same markup in boxes of the same size (screenshots of both
    in tests/artifacts/)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    tab = context.new_page()

    def serve_mathjax(route):
        path = MATHJAX_ES5 / route.request.url.split("/__mathjax/", 1)[1].split("?")[0]
        route.fulfill(path=str(path)) if path.is_file() else route.abort()

    tab.route("**/__mathjax/**", serve_mathjax)
    try:
        tab.goto(f"{server.origin}/chapters/03-april-amplification.html", wait_until="load")
        tab.evaluate("() => document.fonts.ready.then(() => true)")
        # The page keeps no TeX: it is read from the chapter's source, in the order the page shows it.
        tex = _display_tex(REPO / "chapters" / "03-april-amplification.md")[:COMPARED_EQUATIONS]
        assert tex, "no displayed TeX in the chapter source"
        tab.evaluate("""([fontURL]) => { window.MathJax = {startup: {typeset: false},
                                                        chtml: {fontURL}}; }""",
                     ["../_mathjax/output/chtml/fonts/woff-v2"])
        tab.add_script_tag(url=f"{server.origin}/__mathjax/tex-mml-chtml.js")
        tab.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        tab.evaluate("() => MathJax.startup.promise")
        built = tab.query_selector_all("div.math mjx-container mjx-math")
        assert len(built) >= len(tex)
        for index, source in enumerate(tex):
            tab.evaluate("""([source, index]) => {
                const holder = document.createElement('div');
                holder.className = 'math notranslate nohighlight il6mm-runtime';
                holder.id = 'runtime-' + index;
                holder.appendChild(MathJax.tex2chtml(source, {display: true}));
                document.querySelectorAll('div.math:not(.il6mm-runtime)')[index].after(holder);
                MathJax.startup.document.clear();
                MathJax.startup.document.updateDocument();
            }""", [source, index])
        tab.evaluate("() => document.fonts.ready.then(() => true)")
        ARTIFACTS.mkdir(exist_ok=True)
        for index in range(len(tex)):
            ours = tab.query_selector_all("div.math:not(.il6mm-runtime) mjx-container mjx-math")[index]
            theirs = tab.query_selector(f"#runtime-{index} mjx-math")
            # The same markup (every glyph, space and stretch as MathJax chose them) laid out to the same box.
            assert ours.inner_html() == theirs.inner_html(), f"equation {index}: {tex[index]!r}"
            boxes = [e.evaluate("e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; }")
                     for e in (ours, theirs)]
            assert boxes[0] == pytest.approx(boxes[1], abs=0.01), f"equation {index}: {boxes}"
            for name, element in (("built", ours), ("browser", theirs)):
                element.screenshot(path=str(ARTIFACTS / f"equation-{index}-{name}.png"))
    finally:
        context.close()


def _display_tex(chapter: Path) -> list[str]:
    """The displayed equations of a MyST chapter, in order: ```{math} blocks and $$...$$."""
    text = chapter.read_text()
    found = []
    for match in re.finditer(r"```\{math\}[^\n]*\n((?::[^\n]*\n)*)(.*?)```|\$\$(.*?)\$\$", text, re.S):
        body = match.group(2) if match.group(2) is not None else match.group(3)
        found.append(body.strip())
    return found


def test_search_opens_from_any_page_and_finds_a_chapter(server, browser):
    """The search index loads when the reader searches (the search page), not on every page."""
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    tab = context.new_page()
    try:
        tab.goto(f"{server.origin}/chapters/references.html", wait_until="load")
        tab.keyboard.press("Control+k")
        field = tab.wait_for_selector("form.bd-search input[name=q]", state="visible", timeout=10_000)
        field.fill("APRIL")
        field.press("Enter")
        tab.wait_for_url(re.compile(r"/search\.html\?q=APRIL"), timeout=10_000)
        tab.wait_for_selector("#search-results ul.search li", timeout=30_000)
        assert "03-april-amplification" in tab.inner_html("#search-results")
    finally:
        context.close()


def test_frames_beyond_the_first_load_when_the_reader_first_reaches_for_a_control(site, server, browser):
    """A reader who scrolls past a figure downloads its default frame only; a reader who reaches for one of its
    controls gets every frame of the rendition in use, so later changes come from the cache."""
    page = "chapters/02-sources"
    figures = static_figures((site / f"{page}.html").read_text(), page)
    figure = figures[0]
    phone_frames = {f.narrow or f.src for f in figure.frames.values()}
    context = browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=1)
    tab = context.new_page()
    try:
        tab.goto(f"{server.origin}/{page}.html", wait_until="networkidle")
        count = """() => new Set(performance.getEntriesByType('resource').map(e => e.name)
                                  .filter(n => n.includes('/_frames/'))).size"""
        assert tab.evaluate(count) <= len(figures), \
            "frames were fetched before any control was touched"
        tab.focus(f"#{figure.controls[0].element_id}")
        tab.wait_for_function(f"() => ({count})() >= {len(phone_frames)}", timeout=30_000)
    finally:
        context.close()
