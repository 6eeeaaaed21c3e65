"""The PDF of the whole review (make pdf): title page, every chapter, numbered figures, References at the end,
fonts embedded; and every page of the site names it in citation_pdf_url."""

from __future__ import annotations

import html as html_lib
import posixpath
import re
import unicodedata

import pytest
from pypdf import PdfReader

from conftest import toc_files
from il6mm.living.versions import load_citation
from il6mm.publish.pdf import INTERACTIVE_NOTE, PDF_NAME, build_pdf


@pytest.fixture(scope="session")
def pdf(site):
    """The site's PDF, printed now unless `make pdf` already printed it from the current pages."""
    path = site / PDF_NAME
    newest_page = max((site / f"{p}.html").stat().st_mtime for p in toc_files())
    if not path.is_file() or path.stat().st_mtime < newest_page:
        build_pdf(site, path, log=lambda *a: None)
    return PdfReader(str(path))


def _flat(text: str) -> str:
    """Text to compare, whatever the PDF's line breaks, hyphens and ligatures ("ﬁ" -> "fi")."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", "", text).replace("-", "").replace("\u00ad", "")


@pytest.fixture(scope="session")
def pdf_text(pdf):
    return [page.extract_text() or "" for page in pdf.pages]


def test_title_page_names_title_authors_version_date_and_build(pdf_text):
    cite = load_citation()
    first = _flat(pdf_text[0])
    for text in (cite.title, *cite.authors, f"Version {cite.version}", cite.date_released.isoformat()):
        assert _flat(text) in first, text
    assert "commit" in pdf_text[0] and "Inputs digest" in pdf_text[0]


def test_every_page_of_the_book_is_there_in_order_with_its_heading(site, pdf, pdf_text):
    everything = _flat("".join(pdf_text))
    position = 0
    for page in toc_files():
        heading = re.search(r"<h1>(.*?)</h1>", (site / f"{page}.html").read_text(), re.S).group(1)
        heading = _flat(html_lib.unescape(re.sub(r"<[^>]+>", "", heading)))
        found = everything.find(heading, position)
        assert found >= 0, f"{page}: heading {heading!r} not in the PDF (or out of order)"
        position = found
    assert len(pdf.outline) == len(toc_files()) + 1  # title page + one bookmark per page


def test_references_section_at_the_end(pdf, pdf_text):
    assert pdf.outline[-1].title == "References"
    start = pdf.get_destination_page_number(pdf.outline[-1])
    assert pdf_text[start].lstrip().startswith("References")
    assert "doi:" in "".join(pdf_text[start:])


def test_figures_are_numbered_and_interactive_ones_say_so(pdf_text):
    text = "".join(pdf_text)
    assert re.search(r"Fig\. 1\.1\b", text) and re.search(r"Fig\. 3\.\d", text)
    assert _flat(INTERACTIVE_NOTE) in _flat(text)


def test_page_count_and_size(site, pdf):
    assert 40 <= len(pdf.pages) <= 400, len(pdf.pages)
    assert (site / PDF_NAME).stat().st_size < 20_000_000


def test_every_font_is_embedded(pdf):
    fonts = {}
    for page in pdf.pages:
        for font in ((page.get("/Resources") or {}).get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            embedded = font.get("/Subtype") == "/Type3" or (descriptor is not None and any(
                k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")))
            fonts[str(font.get("/BaseFont"))] = embedded
    assert fonts and all(fonts.values()), {name: e for name, e in fonts.items() if not e}


@pytest.mark.parametrize("page", toc_files())
def test_every_page_names_the_pdf_and_links_to_it(site, pdf, page):
    html = (site / f"{page}.html").read_text()
    url = re.search(r'<meta name="citation_pdf_url" content="([^"]+)"', html).group(1)
    target = url if url.startswith("http") else posixpath.normpath(posixpath.join(posixpath.dirname(page), url))
    assert target.endswith(PDF_NAME) and (url.startswith("http") or (site / target).is_file())
    assert f'href="{url}"' in html or PDF_NAME in html


def test_every_figure_image_is_printed_although_the_site_loads_them_lazily(site, pdf):
    """Figure images load lazily on screen; on paper each must be there (Chromium loads lazy images to print,
    and pdf.py also makes every image load and fails on one that does not)."""
    shown = 0
    for page in toc_files():
        article = (site / f"{page}.html").read_text().split('<article class="bd-article"', 1)[-1]
        article = re.sub(r'<script type="application/json".*?</script>', "", article.split("</article>", 1)[0],
                         flags=re.S)  # the frame tables of interactive figures list frames, not images on paper
        shown += len(re.findall(r"<img\b", article))
    printed = sum(len(p.images) for p in pdf.pages)
    assert shown >= 10 and printed >= shown, (shown, printed)
