"""How readable a built page's prose is: its word count and school-grade level (textstat), drug names aside.

The plain-language summary aims at a school-grade level of about 9 to 10. Drug and product names
(siltuximab, ciltacabtagene autoleucel...) are long words a reader cannot avoid and the formulas count as
hard, so each is scored as one short word; headings, the status line, citations and the references are not
prose and are left out.

    python -m il6mm.publish.readability [page.html ...]   # default: the built plain-language summary
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import textstat

from ..paths import REPO_ROOT

SUMMARY_PAGE = REPO_ROOT / "_build" / "html" / "chapters" / "plain-language-summary.html"

#: Drug and product names: antibodies (-mab), cell products (-cel, -leucel), proteasome inhibitors (-zomib),
#: and the named chemotherapy and steroids the review mentions.
DRUG_NAME = re.compile(r"\b[\w-]*(?:mab|cel|zomib)\b|\b(?:melphalan|prednisone|dexamethasone|anakinra|BE-8)\b",
                       re.IGNORECASE)
#: Not prose: the status line, the citation marks and the page's references.
_SKIP = ("il6mm-living-status", "footnote-reference", "footnote", "citation", "il6mm-cite-this")


@dataclass(frozen=True)
class Readability:
    words: int            # words of prose as a reader sees them, drug names included
    grade: float          # Flesch-Kincaid grade level, drug names scored as one short word
    reading_ease: float   # Flesch reading ease (higher is easier), on the same text


def page_prose(html_text: str) -> str:
    """The paragraphs and list items of a page's article, without headings, citations, the status line or
    the references section."""
    doc = lxml.html.fromstring(html_text)
    article = doc.find_class("bd-article")
    if not article:
        raise ValueError("no <article class='bd-article'> in the page")
    root = article[0]
    for css in _SKIP:
        for el in root.find_class(css):
            el.drop_tree()
    for section in root.xpath(".//section[@id='references']"):
        section.drop_tree()
    parts = [" ".join(el.text_content().split()) for el in root.xpath(".//p[not(ancestor::li)] | .//li")]
    return "\n".join(p for p in parts if p)


def measure(prose: str) -> Readability:
    """Word count of ``prose``, and its grade and reading ease with each drug name scored as the word "drug"."""
    if not prose.strip():
        raise ValueError("no prose to measure")
    scored = DRUG_NAME.sub("drug", prose)
    return Readability(textstat.lexicon_count(prose), textstat.flesch_kincaid_grade(scored),
                       textstat.flesch_reading_ease(scored))


def measure_page(path: Path | str) -> Readability:
    return measure(page_prose(Path(path).read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, default=[SUMMARY_PAGE])
    args = parser.parse_args(argv)
    for page in args.pages:
        if not page.is_file():
            print(f"readability: {page} is not built (make book)", file=sys.stderr)
            return 1
        r = measure_page(page)
        print(f"{page.name}: {r.words} words, Flesch-Kincaid grade {r.grade:.1f}, reading ease {r.reading_ease:.0f} "
              "(drug names scored as one short word)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
