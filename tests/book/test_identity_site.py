"""The book's identity on the built site: a logo and favicons the pages name (so no browser asks for a missing
/favicon.ico), and on every page the Open Graph and Twitter card tags of a shared link, with the social card
made at build time (title, version, the key figure) at the size those cards show."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from conftest import toc_files
from il6mm.build.context import BuildContext
from il6mm.publish import identity


def _meta(html: str) -> dict[str, str]:
    return dict(re.findall(r'<meta (?:property|name)="((?:og|twitter):[\w:]+)" content="([^"]*)"', html))


def test_the_logo_favicons_and_social_card_are_in_the_site(site):
    folder = site / identity.FOLDER
    assert (folder / identity.LOGO_SVG).read_text().lstrip().startswith(("<?xml", "<svg"))
    for name, size in ((identity.LOGO_PNG, (192, 192)), (identity.TOUCH_ICON, (180, 180)),
                       (identity.FAVICON_PNG, (32, 32)), (identity.SOCIAL_CARD, (1200, 630))):
        with Image.open(folder / name) as image:
            assert image.size == size, name
    with Image.open(site / identity.FAVICON_ICO) as ico:
        assert ico.format == "ICO"


@pytest.mark.parametrize("page", toc_files())
def test_every_page_names_its_icons_and_a_card_for_shared_links(site, page):
    html = (site / f"{page}.html").read_text()
    for rel in ('rel="icon" type="image/svg+xml"', 'rel="icon" type="image/png"', 'rel="apple-touch-icon"'):
        link = re.search(rf'<link {re.escape(rel)}[^>]*href="([^"]+)"', html)
        assert link, f"{page}: no {rel}"
        assert (site / page).parent.joinpath(link.group(1)).resolve().is_file(), f"{page}: {link.group(1)}"
    meta = _meta(html)
    context = BuildContext.load()
    base = (context.site_url or context.repository.pages_url).rstrip("/")
    assert meta["og:title"] and meta["og:title"] == meta["twitter:title"], meta
    assert len(meta["og:description"]) >= 100 or page == "chapters/references", meta["og:description"]
    assert meta["og:url"] == f"{base}/{page}.html"
    assert meta["og:image"] == f"{base}/{identity.FOLDER}/{identity.SOCIAL_CARD}" == meta["twitter:image"]
    assert meta["twitter:card"] == "summary_large_image"


def test_the_social_card_carries_the_version_and_changes_with_it():
    context = BuildContext.load()
    c = context.citation
    card = identity.social_card(c.title, c.version, "4 December 2026", context.evidence)
    other = identity.social_card(c.title, "9.9.9", "4 December 2026", context.evidence)
    with Image.open(io.BytesIO(card)) as a, Image.open(io.BytesIO(other)) as b:
        assert a.size == b.size == (1200, 630)
        assert a.tobytes() != b.tobytes()


def test_the_identity_files_are_the_same_bytes_on_every_build():
    """So a build that changes nothing rewrites nothing (and the site's files do not churn)."""
    assert identity.logo_files() == identity.logo_files()
