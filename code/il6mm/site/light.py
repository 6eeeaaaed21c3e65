"""Light pages: a page downloads what it shows, and nothing else (a phone on a slow link waits for every byte).

Run by the extension once every page is written (``build-finished``), on the HTML files of the site (never on
the earlier versions' copies under ``versions/``, which keep what their own build made). Each step is
idempotent, so an incremental build, which rewrites only some pages, leaves every page light:

* **Mathematics typeset at build time**: every ``\\(...\\)``, ``\\[...\\]`` and bare TeX environment in a
  ``math`` element becomes MathJax's CommonHTML markup, made by MathJax itself in Node (``typeset-math.cjs``,
  the version of package-lock.json), with the page's stylesheet inline; MathJax's script and configuration
  leave the page. Only the fonts of the characters shown are fetched, by the browser, when they are used.
* **Icons from a font subset**: the theme's icon script (1.5 MB, which swaps every ``<i class="fa-...">`` for
  an SVG) leaves every page; the icons are drawn by the icon fonts the theme's stylesheet already declares,
  cut down with fontTools to the glyphs that the pages and the theme's own styles use (``_il6mm/icons/``;
  ``il6mm.css`` points the font families there).
* **No script a page does not use**: the search tools and the search index load on the search page only (the
  search box submits to it, as with the theme's default ``search_as_you_type = False``); Thebe, which this
  book does not use, on none.
* **Images that do not move the page**: every ``<img>`` of a PNG gets the ``width`` and ``height`` of its
  file, so the browser reserves its box before it arrives (the stylesheet scales it to the column).
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

#: Folders of the built site that hold no page of this build (assets, or the earlier versions' own sites).
NOT_PAGES = ("versions", "_static", "_sources", "_images", "_frames", "_il6mm", "_mathjax", "cite", "data")
TYPESET_SCRIPT = Path(__file__).with_name("typeset-math.cjs")
#: Where the site keeps MathJax's fonts (copied from node_modules by the extension) and the icon subsets.
MATH_FONTS = "_mathjax/output/chtml/fonts/woff-v2"
ICON_DIR = "_il6mm/icons"
THEME_ICON_FONTS = "_static/vendor/fontawesome/webfonts"
THEME_STYLES = ("_static/styles/pydata-sphinx-theme.css", "_static/styles/sphinx-book-theme.css")
THEME_SCRIPTS = ("_static/scripts/pydata-sphinx-theme.js", "_static/scripts/sphinx-book-theme.js")

_SCRIPT = r'\s*<script\b[^>]*\bsrc="[^"]*{name}[^"]*"[^>]*>\s*</script>'
UNUSED_ON_EVERY_PAGE = re.compile("|".join(
    [_SCRIPT.format(name=re.escape(n)) for n in ("scripts/fontawesome.js", "sphinx-thebe.js")]
    + [r'\s*<link\b[^>]*\bhref="[^"]*sphinx-thebe\.css[^"]*"[^>]*/?>']))
SEARCH_ONLY = re.compile("|".join(_SCRIPT.format(name=re.escape(n)) for n in
                                  ("_static/searchtools.js", "_static/language_data.js", "searchindex.js")))
MATHJAX = re.compile(r'\s*<script>window\.MathJax = .*?</script>|' + _SCRIPT.format(name=r"tex-mml-chtml\.js"),
                     re.S)
MATH = re.compile(r'<(span|div) class="math notranslate nohighlight"([^>]*)>(.*?)</\1>', re.S)
EQNO = re.compile(r'(\s*<span class="eqno">.*?</span>)?(.*)\Z', re.S)
MATH_STYLE_ID = "il6mm-math-style"
IMG = re.compile(r'<img\b[^>]*>')
ICON_CLASS = re.compile(r"\bfa-([a-z0-9][a-z0-9-]*)")
ICON_RULE = re.compile(r'((?:\.fa-[\w-]+:{1,2}(?:before|after),?)+)\{content:"\\([0-9a-f]{4})"\}')
PRIVATE_USE = re.compile(r'\\([ef][0-9a-f]{3})\b|([\ue000-\uf8ff])')


class LightPagesError(Exception):
    """A page could not be made light (its file and what went wrong are in the message)."""


@dataclass
class Report:
    pages: int = 0
    equations: int = 0
    images: int = 0
    icons: list[str] = field(default_factory=list)
    fonts: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (bytes before, after)


def site_pages(outdir: Path) -> list[Path]:
    """The HTML pages of this build (not the assets, not the earlier versions' copies)."""
    pages = []
    for path in outdir.rglob("*.html"):
        parts = path.relative_to(outdir).parts
        if parts[0] not in NOT_PAGES and not any(part.startswith(".") for part in parts):
            pages.append(path)
    return sorted(pages)


def to_root(page: Path, outdir: Path) -> str:
    """The relative URL from a page to the site's root ('' or '../')."""
    return "../" * (len(page.relative_to(outdir).parts) - 1)


# ---------------------------------------------------------------------------------------------------------
# Mathematics
# ---------------------------------------------------------------------------------------------------------

def tex_of(inner: str) -> tuple[str, bool] | None:
    """The TeX source of a math element's content and whether it is displayed; None if it is typeset."""
    text = html_lib.unescape(inner).strip()
    if text.startswith("<mjx-container") or not text:
        return None
    if text.startswith(r"\(") and text.endswith(r"\)"):
        return text[2:-2].strip(), False
    if text.startswith(r"\[") and text.endswith(r"\]"):
        return text[2:-2].strip(), True
    if text.startswith(r"\begin{"):
        return text, True
    raise LightPagesError(f"a math element whose content is not TeX in delimiters: {inner[:80]!r}")


def math_items(page_html: str) -> list[tuple[str, bool]]:
    items = []
    for match in MATH.finditer(page_html):
        tex = tex_of(EQNO.match(match.group(3)).group(2))
        if tex is not None:
            items.append(tex)
    return items


def typeset(pages: list[tuple[str, list[tuple[str, bool]]]], node: str = "node") -> list[tuple[str, list[str]]]:
    """MathJax's CommonHTML for each page's items: [(fontURL, items)] -> [(stylesheet, [markup])]."""
    request = {"pages": [{"fontURL": url, "items": items} for url, items in pages]}
    try:
        done = subprocess.run([node, str(TYPESET_SCRIPT)], input=json.dumps(request), capture_output=True,
                              text=True, cwd=TYPESET_SCRIPT.parent)
    except FileNotFoundError as exc:
        raise LightPagesError(f"Node.js is needed to typeset the mathematics ({exc})") from None
    if done.returncode != 0:
        hint = " (run `npm ci`; make book does)" if "Cannot find module" in done.stderr else ""
        raise LightPagesError(f"MathJax could not typeset{hint}: {done.stderr.strip()[-800:]}")
    return [(p["css"], p["html"]) for p in json.loads(done.stdout)["pages"]]


def with_math(page_html: str, css: str, markup: list[str]) -> str:
    """The page with each pending math element replaced by its markup, in order, and the stylesheet in the
    head (replacing an earlier one)."""
    rendered = iter(markup)

    def replace(match: re.Match) -> str:
        eqno, tex = EQNO.match(match.group(3)).groups()
        if tex_of(tex) is None:
            return match.group(0)
        tag, attributes = match.group(1), match.group(2)
        return f'<{tag} class="math notranslate nohighlight"{attributes}>{eqno or ""}{next(rendered)}</{tag}>'

    page_html = MATH.sub(replace, page_html)
    page_html = re.sub(rf'\s*<style id="{MATH_STYLE_ID}">.*?</style>', "", page_html, flags=re.S)
    return page_html.replace("</head>", f'<style id="{MATH_STYLE_ID}">{css}</style>\n</head>', 1)


# ---------------------------------------------------------------------------------------------------------
# Icons
# ---------------------------------------------------------------------------------------------------------

def icon_codepoints(styles: str, used_names: set[str]) -> dict[str, int]:
    """The icon font's code points that the site draws: those of the icon classes in use, and every
    private-use character the theme's own rules draw (admonition marks, the contents toggle, ...)."""
    by_name: dict[str, int] = {}
    for selectors, code in ICON_RULE.findall(styles):
        for name in re.findall(r"\.fa-([\w-]+):", selectors):
            by_name.setdefault(name, int(code, 16))
    chosen = {f"fa-{n}": by_name[n] for n in sorted(used_names) if n in by_name}
    theme = ICON_RULE.sub("", styles)
    for escaped, literal in PRIVATE_USE.findall(theme):
        code = int(escaped, 16) if escaped else ord(literal)
        chosen.setdefault(f"U+{code:04X}", code)
    return chosen


def subset_font(source: Path, dest: Path, codepoints: Iterable[int]) -> None:
    """``source`` cut down to ``codepoints`` (WOFF2), written atomically to ``dest``."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    font = subset.load_font(str(source), options)
    try:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(set(codepoints)))
        subsetter.subset(font)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        subset.save_font(font, str(tmp), options)
    finally:
        font.close()
    os.replace(tmp, dest)


# ---------------------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------------------

def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a PNG file (from its header), or None if it is not one."""
    with open(path, "rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def sized_images(page_html: str, page: Path) -> tuple[str, int]:
    """Every <img> of a PNG file with no width and height gets its file's; returns the page and the count."""
    count = 0

    def add(match: re.Match) -> str:
        nonlocal count
        tag = match.group(0)
        src = re.search(r'\bsrc="([^"]+)"', tag)
        if not src or re.search(r"\b(width|height)=", tag) or src.group(1).startswith(("data:", "http")):
            return tag
        path = (page.parent / html_lib.unescape(src.group(1)).split("?")[0]).resolve()
        size = png_size(path) if path.is_file() else None
        if size is None:
            return tag
        count += 1
        end = "/>" if tag.endswith("/>") else ">"
        return tag[: -len(end)].rstrip() + f' width="{size[0]}" height="{size[1]}" ' + end

    return IMG.sub(add, page_html), count


# ---------------------------------------------------------------------------------------------------------
# The site
# ---------------------------------------------------------------------------------------------------------

def lighten_site(outdir: Path, node: str = "node") -> Report:
    """Make every page of the built site at ``outdir`` light (see the module's docstring). Every page is
    checked and typeset before any is written, so a failure leaves the site as the build wrote it."""
    outdir = Path(outdir)
    report = Report()
    pages = {p: p.read_text(encoding="utf-8") for p in site_pages(outdir)}
    pending = {p: math_items(text) for p, text in pages.items()}
    pending = {p: items for p, items in pending.items() if items}
    try:
        done = typeset([(to_root(p, outdir) + MATH_FONTS, items) for p, items in pending.items()], node)
    except LightPagesError as exc:
        where = re.search(r"page (\d+) (item \d+)", str(exc))
        name = (f"{list(pending)[int(where.group(1))].relative_to(outdir)}, math {where.group(2)}" if where
                else ", ".join(str(p.relative_to(outdir)) for p in pending))
        raise LightPagesError(f"{name}: {exc}") from None
    typeset_pages = dict(zip(pending, done))
    new = {}
    for page, text in pages.items():
        if page in typeset_pages:
            css, markup = typeset_pages[page]
            text = with_math(text, css, markup)
            report.equations += len(markup)
        text = UNUSED_ON_EVERY_PAGE.sub("", MATHJAX.sub("", text))
        if page.relative_to(outdir).as_posix() != "search.html":
            text = SEARCH_ONLY.sub("", text)
        text, images = sized_images(text, page)
        report.images += images
        new[page] = text
    for page, text in new.items():
        if text != pages[page]:
            tmp = page.with_name(f".{page.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, page)
    report.pages = len(new)

    styles = "\n".join((outdir / s).read_text(encoding="utf-8") for s in THEME_STYLES if (outdir / s).is_file())
    names = set()
    for text in new.values():
        for classes in re.findall(r'class="([^"]*)"', text):
            names.update(ICON_CLASS.findall(classes))
    # Icons the theme's scripts add as the reader uses the page (a close button, ...).
    for script in THEME_SCRIPTS:
        if (outdir / script).is_file():
            names.update(ICON_CLASS.findall((outdir / script).read_text(encoding="utf-8")))
    codepoints = icon_codepoints(styles, names)
    report.icons = sorted(codepoints)
    for source in sorted((outdir / THEME_ICON_FONTS).glob("*.woff2")):
        dest = outdir / ICON_DIR / source.name
        subset_font(source, dest, codepoints.values())
        report.fonts[source.name] = (source.stat().st_size, dest.stat().st_size)
    return report
