"""The bottom line on the built site: the landing page opens with key messages and the summary of findings,
the certainty word is visible, and the plain-language summary is short, readable and linked from every chapter."""

from __future__ import annotations

import re

import lxml.html
import pytest

from il6mm.evidence import load_evidence
from il6mm.evidence.bottom_line import key_message_rows
from il6mm.publish.readability import measure_page

CHAPTERS = ["01-history", "02-sources", "03-april-amplification", "04-therapy-today"]
WORDING = {"moderate": "probably", "low": "may", "very low": "uncertain"}


def _article(path):
    return lxml.html.fromstring(path.read_text()).find_class("bd-article")[0]


def test_the_landing_page_opens_with_key_messages_and_the_summary_of_findings(site):
    article = _article(site / "index.html")
    text = article.text_content()
    headings = [" ".join(h.text_content().split()).rstrip("#") for h in article.iter("h2")]
    assert headings.index("Key messages") < headings.index("Summary of findings") < headings.index("Who it is for")
    evidence = load_evidence()
    rows = key_message_rows(evidence)
    section = article.get_element_by_id("key-messages")
    items = section.findall(".//li")
    assert len(items) == len(rows)
    for row, item in zip(rows, items):
        said = " ".join(item.text_content().split())
        level = row.certainty
        assert said.startswith(f"{level.capitalize()} certainty"), said       # the word, not only a tooltip
        assert level == "high" or WORDING[level] in said.lower()
        assert item.find_class("footnote-reference"), said                    # cited
    table = article.get_element_by_id("tab-landing-sof")
    body = table.findall(".//tbody/tr")
    assert len(body) == len(evidence.certainty)
    for row, tr in zip(evidence.certainty, body):
        assert tr.find_class(f"il6mm-certainty-{row.certainty.replace(' ', '-')}"), row.id
        link = tr.find_class("il6mm-record-link")[0].get("href")
        assert link.endswith(f"evidence-tables.html#rec-{row.id}"), link
    assert "Summary of findings" in text


def test_every_summary_row_links_to_a_row_that_exists(site):
    tables = (site / "chapters" / "evidence-tables.html").read_text()
    for row in load_evidence().certainty:
        assert f'id="rec-{row.id}"' in tables, row.id


def test_the_plain_language_summary_is_short_readable_and_linked(site):
    page = site / "chapters" / "plain-language-summary.html"
    score = measure_page(page)
    assert 400 <= score.words <= 600, score
    assert score.grade <= 10, score          # aim: school grade 9 to 10 or below
    landing = (site / "index.html").read_text()
    assert 'href="chapters/plain-language-summary.html"' in landing
    for chapter in CHAPTERS:
        opening = (site / "chapters" / f"{chapter}.html").read_text()
        overview = opening[opening.index('<section id="overview"'):]
        first_link = re.search(r'href="([^"#]+)[^"]*"', overview).group(1)
        assert first_link == "plain-language-summary.html", chapter


@pytest.mark.parametrize("page", ["index", "chapters/plain-language-summary"])
def test_bottom_line_numbers_are_computed_and_linked(site, page):
    article = _article(site / f"{page}.html")
    values = article.find_class("il6mm-value")
    assert values, page     # numbers are {val} roles, each a link to its record
    for value in values:
        assert value.tag == "a" or value.find(".//a") is not None or value.getparent().tag == "a", page
