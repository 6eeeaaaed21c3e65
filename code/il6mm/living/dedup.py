"""De-duplication of search hits against ``references.bib`` and the screening log.

In order: the same PMID; the same DOI (case-insensitive, without a resolver prefix); then a fuzzy match of
the normalised title (rapidfuzz), with the year and the first author. A clear fuzzy match is a duplicate;
a pair in the grey zone (similar title, or a near-identical title whose year or author disagree) is
*ambiguous*: the hit is kept as a new candidate, flagged with what it may duplicate, for a person to decide.
Nothing is merged silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from rapidfuzz import fuzz, process

from .logs import Candidate, normalise_doi
from .pubmed import Hit

#: Title similarity (rapidfuzz ``fuzz.ratio`` of normalised titles, 0-100) at or above which two records
#: with the same year (+-1, print vs online) and first author are the same record.
DUPLICATE_SCORE = 95.0
#: Similarity at or above which a pair is listed as ambiguous when it is not a clear duplicate.
AMBIGUOUS_SCORE = 85.0


def normalise_title(title: Optional[str]) -> str:
    """Lower case ASCII words: braces, accents, punctuation and spacing removed."""
    text = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[{}]", "", text).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def normalise_author(name: Optional[str]) -> Optional[str]:
    text = normalise_title(name)
    return text or None


def first_author_of_bib(author_field: Optional[str]) -> Optional[str]:
    """Surname of the first author of a BibTeX ``author`` field (None when names are not given)."""
    if not author_field or author_field.strip().startswith("{["):
        return None
    first = re.split(r"\s+and\s+", author_field.strip())[0].strip("{} ")
    if not first or first.startswith("["):
        return None
    return first.split(",")[0].strip() if "," in first else first.split()[-1]


@dataclass(frozen=True)
class Known:
    """A record already known: a bib entry (``key`` = bib key) or a screening entry (``key`` = its id)."""

    key: str
    pmid: Optional[str]
    doi: Optional[str]
    title: str
    year: Optional[int]
    first_author: Optional[str]


def known_from_bib(bib: dict[str, dict[str, str]]) -> list[Known]:
    out = []
    for key, entry in bib.items():
        year = entry.get("year", "")
        out.append(Known(key, entry.get("pmid") or None, normalise_doi(entry.get("doi")),
                         normalise_title(entry.get("title")), int(year) if year.isdigit() else None,
                         normalise_author(first_author_of_bib(entry.get("author")))))
    return out


def known_from_screening(entries: list[Candidate]) -> list[Known]:
    return [Known(c.id, c.pmid, normalise_doi(c.doi), normalise_title(c.title), c.year,
                  normalise_author(c.first_author)) for c in entries]


def known_from_hit(key: str, hit: Hit) -> Known:
    return Known(key, hit.pmid, normalise_doi(hit.doi), normalise_title(hit.title), hit.year,
                 normalise_author(hit.first_author))


@dataclass
class Match:
    hit: Hit
    kind: str  # "pmid", "doi", "fuzzy" (duplicates) or "ambiguous"
    keys: list[str]
    score: Optional[float] = None


@dataclass
class DedupResult:
    new: list[Hit] = field(default_factory=list)
    duplicates: list[Match] = field(default_factory=list)
    #: New hits that may duplicate a known record (they are in ``new`` too, flagged).
    ambiguous: list[Match] = field(default_factory=list)

    def possible_duplicates(self, hit: Hit) -> list[str]:
        return next((m.keys for m in self.ambiguous if m.hit is hit), [])


def candidate_id(hit: Hit) -> str:
    """The screening-log id a new hit gets: ``pubmed-<PMID>`` (or ``doi-<doi>`` without a PMID)."""
    if hit.pmid:
        return f"pubmed-{hit.pmid}"
    return "doi-" + re.sub(r"[^a-z0-9]+", "-", normalise_doi(hit.doi) or normalise_title(hit.title))


def _same_year(a: Optional[int], b: Optional[int]) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1


def classify(hit: Hit, known: list[Known]) -> Optional[Match]:
    """How ``hit`` relates to the known records: a duplicate (by PMID, DOI or fuzzy), ambiguous, or None."""
    if hit.pmid:
        keys = [k.key for k in known if k.pmid == hit.pmid]
        if keys:
            return Match(hit, "pmid", keys)
    doi = normalise_doi(hit.doi)
    if doi:
        keys = [k.key for k in known if k.doi == doi]
        if keys:
            return Match(hit, "doi", keys)
    title = normalise_title(hit.title)
    if not title:
        return None
    author = normalise_author(hit.first_author)
    choices = [k.title for k in known]
    found = process.extract(title, choices, scorer=fuzz.ratio, score_cutoff=AMBIGUOUS_SCORE, limit=None)
    clear, grey = [], []
    for _, score, index in found:
        k = known[index]
        same_author = author is not None and k.first_author is not None and author == k.first_author
        if score >= DUPLICATE_SCORE and _same_year(hit.year, k.year) and same_author:
            clear.append((k.key, score))
        else:
            grey.append((k.key, score))
    if clear:
        return Match(hit, "fuzzy", [k for k, _ in clear], max(s for _, s in clear))
    if grey:
        return Match(hit, "ambiguous", [k for k, _ in grey], max(s for _, s in grey))
    return None


def deduplicate(hits: list[Hit], known: list[Known]) -> DedupResult:
    """Split ``hits`` into new ones and duplicates; a hit is also compared with the new hits before it."""
    result = DedupResult()
    seen = list(known)
    for hit in hits:
        match = classify(hit, seen)
        if match is not None and match.kind != "ambiguous":
            result.duplicates.append(match)
            continue
        if match is not None:
            result.ambiguous.append(match)
        result.new.append(hit)
        seen.append(known_from_hit(candidate_id(hit), hit))
    return result
