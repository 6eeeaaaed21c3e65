"""Light pages (il6mm.site.light): mathematics typeset at build time, icon fonts cut to the icons used, no
unused script, images with their size; on small sites made here (the built site's pages are checked in
tests/browser/test_page_weight.py)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

import pydata_sphinx_theme
from il6mm.site import light

pytestmark = pytest.mark.unit

THEME_FONTS = Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static/vendor/fontawesome/webfonts"
THEME_CSS = Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static/styles/pydata-sphinx-theme.css"

HEAD = """<html><head>
    <script defer src="{root}_static/scripts/fontawesome.js?digest=1"></script>
    <script>window.MathJax = {{"options": {{"processHtmlClass": "math"}}}}</script>
    <script defer="defer" src="{root}_static/../_mathjax/tex-mml-chtml.js?v=1"></script>
    <link rel="stylesheet" type="text/css" href="{root}_static/sphinx-thebe.css?v=1" />
    <script async="async" src="{root}_static/sphinx-thebe.js?v=1"></script>
    <script src="{root}_static/searchtools.js"></script>
    <script src="{root}_static/language_data.js"></script>
    <script src="{root}searchindex.js"></script>
</head><body>"""


def _site(tmp_path: Path, math: str = r"\(x^2\)") -> Path:
    site = tmp_path / "html"
    (site / "chapters").mkdir(parents=True)
    (site / "_images").mkdir()
    fonts = site / light.THEME_ICON_FONTS
    fonts.mkdir(parents=True)
    for font in THEME_FONTS.glob("*.woff2"):
        shutil.copy(font, fonts / font.name)
    (site / light.THEME_STYLES[0]).parent.mkdir(parents=True)
    (site / light.THEME_STYLES[0]).write_text(THEME_CSS.read_text())
    buffer = io.BytesIO()
    Image.new("RGB", (120, 30), "white").save(buffer, format="PNG")
    (site / "_images" / "fig.png").write_bytes(buffer.getvalue())
    (site / "index.html").write_text(HEAD.format(root="") + '<i class="fa-solid fa-bars"></i></body></html>')
    (site / "search.html").write_text(HEAD.format(root="") + "</body></html>")
    (site / "chapters" / "model.html").write_text(
        HEAD.format(root="../") + f'<p>Inline <span class="math notranslate nohighlight">{math}</span>.</p>\n'
        '<div class="math notranslate nohighlight" id="equation-one">\n<span class="eqno">(1)<a class="headerlink" '
        'href="#equation-one">#</a></span>\\[\\frac{dH}{dt} = r_H\\, H &lt; 1\\]</div>\n'
        '<img alt="A figure" loading="lazy" src="../_images/fig.png" /></body></html>')
    # An earlier version's copy keeps what its own build made.
    (site / "versions" / "0.1.0").mkdir(parents=True)
    (site / "versions" / "0.1.0" / "index.html").write_text(HEAD.format(root="") + "</body></html>")
    return site


@pytest.mark.parametrize("inner, expected", [
    (r"\(T_0\)", ("T_0", False)),
    ("\n\\[\n\\theta = \\frac{a}{b}.\n\\]", (r"\theta = \frac{a}{b}.", True)),
    (r"\begin{align}a &amp;= b\end{align}", (r"\begin{align}a &= b\end{align}", True)),
    ('<mjx-container class="MathJax">...</mjx-container>', None),
])
def test_the_tex_of_a_math_element(inner, expected):
    assert light.tex_of(inner) == expected


def test_a_math_element_that_is_not_tex_is_an_error():
    with pytest.raises(light.LightPagesError, match="not TeX"):
        light.tex_of("x^2")


def test_a_site_is_made_light_and_a_second_pass_changes_nothing(tmp_path):
    site = _site(tmp_path)
    report = light.lighten_site(site)
    assert report.pages == 3 and report.equations == 2 and report.images == 1
    chapter = (site / "chapters" / "model.html").read_text()
    for gone in ("fontawesome.js", "tex-mml-chtml.js", "window.MathJax", "sphinx-thebe", "searchtools.js",
                 "searchindex.js", r"\(", r"\["):
        assert gone not in chapter, gone
    assert chapter.count("<mjx-container") == 2 and "<mjx-merror" not in chapter
    # The equation number stays with its equation; the fonts are found from the page's folder.
    assert '<span class="eqno">(1)' in chapter and "../_mathjax/output/chtml/fonts/woff-v2" in chapter
    assert 'src="../_images/fig.png" width="120" height="30"' in chapter
    # The search page keeps its search tools; an earlier version's copy is left as it was.
    assert "searchindex.js" in (site / "search.html").read_text()
    assert "fontawesome.js" in (site / "versions" / "0.1.0" / "index.html").read_text()
    before = {p: p.read_bytes() for p in site.rglob("*.html")}
    again = light.lighten_site(site)
    assert again.equations == 0 and {p: p.read_bytes() for p in site.rglob("*.html")} == before


def test_icon_fonts_keep_the_icons_the_site_draws_and_little_else(tmp_path):
    site = _site(tmp_path)
    report = light.lighten_site(site)
    assert "fa-bars" in report.icons
    with TTFont(site / light.ICON_DIR / "fa-solid-900.woff2") as solid:
        kept = set(solid.getBestCmap())
    assert 0xF0C9 in kept  # fa-bars, used on the page
    assert 0xF0E7 not in kept  # fa-bolt, used nowhere
    # The theme's own marks (an admonition's info circle) stay, though no page names their class.
    assert 0xF05A in kept
    before, after = report.fonts["fa-solid-900.woff2"]
    assert after < before / 20


def test_icon_codepoints_from_the_classes_used_and_the_themes_own_rules():
    styles = ('.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}.fa-bolt:before{content:"\\f0e7"}'
              '.onthispage:after{content:"\\f107";font:var(--fa-font-solid)}:root{--pst-icon-bell:"\uf0f3"}')
    assert light.icon_codepoints(styles, {"navicon", "lg"}) == {"fa-navicon": 0xF0C9, "U+F107": 0xF107,
                                                               "U+F0F3": 0xF0F3}


def test_a_tex_error_names_the_page_and_leaves_every_page_as_it_was(tmp_path):
    site = _site(tmp_path, math=r"\(\frac{1}{\)")
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    with pytest.raises(light.LightPagesError, match=r"chapters/model\.html, math item 0: .*Missing close brace"):
        light.lighten_site(site)
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
