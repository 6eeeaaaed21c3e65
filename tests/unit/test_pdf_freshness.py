"""`make pdf` prints again only when a page it prints, the stylesheet or CITATION.cff is newer than the PDF."""

from __future__ import annotations

import os
import shutil

from conftest import REPO, toc_files
from il6mm.publish.pdf import up_to_date


def test_the_pdf_is_reprinted_exactly_when_an_input_is_newer(tmp_path):
    root = tmp_path / "book"
    root.mkdir()
    for name in ("_toc.yml", "CITATION.cff"):
        shutil.copy2(REPO / name, root / name)
    site = tmp_path / "site"
    for page in toc_files():
        (site / f"{page}.html").parent.mkdir(parents=True, exist_ok=True)
        (site / f"{page}.html").write_text("<html></html>")
    pdf = site / "review.pdf"
    assert not up_to_date(site, pdf, root)           # none yet
    pdf.write_bytes(b"%PDF")
    later = max(p.stat().st_mtime for p in site.rglob("*")) + 10
    os.utime(pdf, (later, later))
    os.utime(root / "CITATION.cff", (later - 20, later - 20))
    assert up_to_date(site, pdf, root)
    page = site / f"{toc_files()[-1]}.html"
    os.utime(page, (later + 5, later + 5))           # a page rewritten by a build
    assert not up_to_date(site, pdf, root)
    page.unlink()
    assert not up_to_date(site, pdf, root)           # a page missing: print (and fail there, naming it)
