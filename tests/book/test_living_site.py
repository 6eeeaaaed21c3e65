"""The living review on the built site: the status line on every page, the living-status page, and a build
that fails on a bad screening entry."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import yaml

from conftest import REPO, toc_files
from il6mm.living import load_living
from il6mm.site.living_status import LivingStatus, status_html

STATUS = re.compile(r'<p class="il6mm-living-status"[^>]*>(.*?)</p>', re.S)


@pytest.mark.parametrize("page", toc_files())
def test_every_page_shows_the_living_status_at_the_top(site, page):
    text = (site / f"{page}.html").read_text()
    found = STATUS.findall(text)
    assert len(found) == 1, page
    line = found[0]
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    released = dt.date.fromisoformat(str(cff["date-released"]))
    assert f"Version {cff['version']}, {released.day} {released:%B %Y}" in line
    living = load_living()
    targeted = max(r.window.to for r in living.runs if r.kind == "manual")
    assert f"targeted searches of stored pages, last on {targeted.day} {targeted:%B %Y}" in line
    saved = [r.window.to for r in living.runs if r.kind == "saved_search"]
    assert (f"saved database searches last run on {max(saved).day}" if saved
            else "saved database searches: not yet run") in line
    assert "evidence searched up to" not in line  # a targeted search is not a systematic one
    href = re.search(r'href="([^"]+)"', line).group(1)
    assert (site / page).parent.joinpath(href).resolve() == (site / "chapters" / "living-status.html").resolve()
    # At the top of the article: before its title.
    article = text[text.index('<article class="bd-article"'):]
    assert article.index("il6mm-living-status") < article.index("<h1")


def test_the_status_line_counts_pending_records_and_says_unknown_dates():
    line = status_html(LivingStatus("1.2.0", None, ("targeted searches of stored pages, last on 3 January 2027",
                                                    "saved database searches: not yet run"), 2), "x.html")
    assert "Version 1.2.0, unknown" in line and "last on 3 January 2027 · saved database searches" in line
    assert "2 records awaiting screening" in line


def test_the_living_status_page_shows_queries_status_and_flow(site):
    text = (site / "chapters" / "living-status.html").read_text()
    living = load_living()
    blocks = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", b)).split())
              for b in re.findall(r"<pre>(.*?)</pre>", text, re.S)]
    for search in living.searches:
        assert " ".join(search.query.split()) in blocks, search.id
    assert "not yet run" in text and "literature pack and stored PubMed/publisher pages" in text
    figure = re.search(r'<figure[^>]*id="fig-living-flow".*?</figure>', text, re.S)
    assert figure, "no numbered flow figure"
    assert re.search(r'<img[^>]+alt="PRISMA flow diagram', figure.group(0))
    assert "Fig. " in figure.group(0) and "Flow of records through the living review" in figure.group(0)
    assert re.search(r"records identified(</p>)?</td>", text) and "unknown" in text
    assert "No record is awaiting screening." in text
    assert "PRISMA-LSR" in text and "10.1136/bmj-2024-079183" in text


