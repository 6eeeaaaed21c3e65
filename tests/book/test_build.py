"""The strict build, the site it makes, and the ways it must fail or refresh."""

import re
from pathlib import Path

import lxml.html
import pytest
import yaml

from conftest import REPO, toc_files


def test_strict_build_succeeds_without_warnings(strict_build):
    log = strict_build.stdout + strict_build.stderr
    assert strict_build.returncode == 0, log[-4000:]
    assert "build succeeded" in log
    # Kernels run over IPC (il6mm.build.kernels): no "running over TCP" notice to excuse.
    warnings = [line for line in log.splitlines() if re.search(r"\bWARNING\b", line)]
    assert not warnings, "\n".join(warnings[:20])


@pytest.mark.parametrize("page", toc_files())
def test_every_page_in_the_toc_is_built(site, page):
    assert (site / f"{page}.html").is_file()


@pytest.mark.parametrize("page", [p for p in toc_files() if p.startswith("chapters/0")])
def test_every_chapter_has_a_binder_link_to_itself(site, page):
    """The launch button opens the chapter's readers' notebook (made by postBuild), never the MyST source."""
    html = (site / f"{page}.html").read_text()
    links = re.findall(r'href="(https://mybinder\.org/v2/gh/[^"]+)"', html)
    notebook = f"notebooks/{Path(page).name}.ipynb"
    assert links and all(link.endswith(f"urlpath=lab/tree/{notebook}") for link in links), links


def test_bibliography_lists_every_reference_with_its_identifier(site):
    bib = (REPO / "references.bib").read_text()
    html = (site / "chapters" / "references.html").read_text()
    for key, body in re.findall(r"@\w+\{([^,]+),(.*?)\n\}", bib, flags=re.S):
        ident = re.search(r"(doi|pmid)\s*=\s*\{([^}]+)\}", body)
        assert ident, f"references.bib entry {key} has no doi or pmid"
        assert ident.group(2) in html, f"{key}: {ident.group(2)} not on the References page"


def test_pages_carry_the_build_stamp(site):
    version = yaml.safe_load((REPO / "CITATION.cff").read_text())["version"]
    for page in toc_files():
        html = (site / f"{page}.html").read_text()
        assert f"Version {version}" in html, page


def _append(path, text):
    path.write_text(path.read_text() + text)


@pytest.mark.parametrize("page", toc_files())
def test_every_page_carries_scholar_citation_tags(site, page):
    html = (site / f"{page}.html").read_text()
    tags = dict(re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)"', html))
    assert tags["citation_author"] == "The IL-6 in myeloma living-review team"
    assert tags["citation_title"] and "<" not in tags["citation_title"] and "&lt;" not in tags["citation_title"]
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}", tags["citation_publication_date"])
    if page != "index":
        assert tags["citation_inbook_title"].startswith("Revisiting IL-6 antagonism in multiple myeloma")


def value_links(html: str) -> list[tuple[str, str, str]]:
    """(href, title, shown text) of every value link of a page (its text may hold typeset mathematics)."""
    tree = lxml.html.fromstring(html)
    return [(a.get("href") or "", a.get("title") or "", a.text_content())
            for a in tree.xpath('//a[contains(concat(" ", normalize-space(@class), " "), " il6mm-value ")]')]


def test_every_rendered_number_has_its_provenance_and_a_working_link(site):
    anchors: dict[Path, set[str]] = {}
    total = 0
    for page in toc_files():
        path = site / f"{page}.html"
        html = path.read_text()
        links = value_links(html)
        # Every value link the page has is found (none escapes the check).
        assert len(links) == html.count("il6mm-value"), page
        for href, title, text in links:
            assert text.strip(), (page, href)
            assert title.startswith(("From record ", "Computed by il6mm", "Model result")), (page, title)
            target, _, anchor = href.partition("#")
            file = (path.parent / target).resolve() if target else path
            assert file.is_file(), (page, href)
            ids = anchors.setdefault(file, set(re.findall(r'\bid="([^"]+)"', file.read_text())))
            assert anchor in ids, (page, href)
            total += 1
    assert total >= 150, total  # the chapters quote about 170 numbers


def test_no_chapter_moves_numbers_with_glue():
    for page in toc_files():
        text = (REPO / f"{page}.md").read_text()
        assert "glue(" not in text and "{glue" not in text, page


def test_figure_images_load_lazily_so_a_chapter_paints_as_fast_as_a_page_without_figures(site):
    """Static figure images carry loading="lazy" (fetched near the screen, after first paint); the default
    frame of an interactive figure is left to its own script (il6mm-frames.js), which fetches the other frames
    when the reader first reaches for a control."""
    static = 0
    for page in toc_files():
        html = (site / f"{page}.html").read_text()
        article = html.split('<article class="bd-article"', 1)[-1].split("</article>", 1)[0]
        for img in re.findall(r"<img\b[^>]*>", article):
            if "data-il6mm-frame" in img or "_frames/" in img:
                continue
            static += 1
            assert 'loading="lazy"' in img, f"{page}: {img[:160]}"
    assert static >= 5
