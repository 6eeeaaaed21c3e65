"""The readability measure: prose only (no citations, status line or references), drug names scored short."""

from __future__ import annotations

import pytest

from il6mm.publish.readability import measure, page_prose

PAGE = """<html><body><article class="bd-article">
<div class="il6mm-living-status">Version 9.9.9 · searched on a date</div>
<h1>A heading that is not prose</h1>
<p>IL-6 is a signal that helps myeloma cells grow.<a class="footnote-reference">1</a></p>
<ul><li>Doctors tried to block it with siltuximab.</li></ul>
<section id="references"><p>Someone et al. A very long reference title. 2016.</p></section>
</article></body></html>"""


def test_page_prose_keeps_paragraphs_and_list_items_only():
    prose = page_prose(PAGE)
    assert prose.splitlines() == ["IL-6 is a signal that helps myeloma cells grow.",
                                  "Doctors tried to block it with siltuximab."]


def test_a_page_without_an_article_is_an_error():
    with pytest.raises(ValueError, match="no <article"):
        page_prose("<html><body><p>text</p></body></html>")


def test_drug_names_count_as_words_but_score_as_short_ones():
    plain = measure("Doctors gave drug to the patients. It did not help them live longer.")
    named = measure("Doctors gave siltuximab to the patients. It did not help them live longer.")
    assert named.words == plain.words == 13
    assert named.grade == pytest.approx(plain.grade)
    assert measure("Doctors gave a drug. It helped.").grade < measure(
        "Physicians administered pharmacological interventions. Outcomes were unremarkable.").grade


def test_empty_prose_is_an_error():
    with pytest.raises(ValueError, match="no prose"):
        measure("   ")
