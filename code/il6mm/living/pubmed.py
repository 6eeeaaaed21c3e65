"""PubMed through Biopython's ``Bio.Entrez``: esearch over a date window, then efetch of the records.

NCBI asks every E-utilities user for an e-mail address, and allows more requests per second with an API key.
Both come from the environment, never from a file in the repository:

* ``IL6MM_ENTREZ_EMAIL`` (required): the address NCBI may contact about the requests;
* ``NCBI_API_KEY`` (optional): an NCBI API key.

Every failure (HTTP error, timeout, malformed or truncated XML, an error reported by E-utilities) raises
:class:`SearchError` naming the source and the step, so that the surveillance run can stop before it
writes anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Optional
from urllib.error import HTTPError, URLError

from Bio import Entrez
from Bio.Entrez import Parser as EntrezParser

EMAIL_ENV = "IL6MM_ENTREZ_EMAIL"
API_KEY_ENV = "NCBI_API_KEY"
SOURCE = "PubMed"


class SearchError(RuntimeError):
    """A search failed: which source, which step, what happened."""

    def __init__(self, source: str, step: str, message: str):
        self.source, self.step = source, step
        super().__init__(f"{source}: {step}: {message}")


@dataclass(frozen=True)
class Hit:
    """One record a search found, with the fields de-duplication and screening need."""

    pmid: Optional[str]
    doi: Optional[str]
    title: str
    year: Optional[int]
    first_author: Optional[str]
    journal: Optional[str]


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    """Bio.Entrez opens URLs without a timeout; sockets made inside this block get one."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _year(article: dict) -> Optional[int]:
    pub = article.get("Journal", {}).get("JournalIssue", {}).get("PubDate", {})
    for candidate in (pub.get("Year"), pub.get("MedlineDate")):
        m = re.search(r"\b(1[89]\d\d|20\d\d)\b", _text(candidate))
        if m:
            return int(m.group(1))
    for date in article.get("ArticleDate", []):
        if date.get("Year"):
            return int(date["Year"])
    return None


def _first_author(authors: list) -> Optional[str]:
    for author in authors:
        name = author.get("LastName") or author.get("CollectiveName")
        if name:
            return _text(name)
    return None


def _doi(article: dict, pubmed_data: dict) -> Optional[str]:
    for aid in pubmed_data.get("ArticleIdList", []):
        if getattr(aid, "attributes", {}).get("IdType") == "doi":
            return _text(aid)
    for loc in article.get("ELocationID", []):
        if getattr(loc, "attributes", {}).get("EIdType") == "doi":
            return _text(loc)
    return None


def hit_from_article(entry: dict) -> Hit:
    """A ``Hit`` from one parsed ``PubmedArticle`` (or ``PubmedBookArticle``) of an efetch response."""
    if "MedlineCitation" in entry:
        citation = entry["MedlineCitation"]
        article = citation["Article"]
        return Hit(pmid=_text(citation["PMID"]), doi=_doi(article, entry.get("PubmedData", {})),
                   title=_text(article.get("ArticleTitle")), year=_year(article),
                   first_author=_first_author(article.get("AuthorList", [])),
                   journal=_text(article.get("Journal", {}).get("Title")) or None)
    book = entry["BookDocument"]
    title = book.get("ArticleTitle") or book.get("Book", {}).get("BookTitle")
    years = [d.get("Year") for d in [book.get("Book", {}).get("PubDate", {})] if d.get("Year")]
    authors = [a for lst in book.get("AuthorList", []) for a in lst]
    return Hit(pmid=_text(book["PMID"]), doi=None, title=_text(title), year=int(years[0]) if years else None,
               first_author=_first_author(authors), journal=None)


class PubMedClient:
    """esearch + efetch against PubMed, in batches, with the date window on one date field."""

    source = SOURCE

    def __init__(self, email: Optional[str] = None, api_key: Optional[str] = None, *, batch_size: int = 200,
                 timeout: float = 60.0, max_tries: int = 3, progress: Callable[[str], None] = print):
        email = email if email is not None else os.environ.get(EMAIL_ENV)
        if not email:
            raise SearchError(SOURCE, "set-up", f"set {EMAIL_ENV} to the e-mail address NCBI may contact "
                              "about these requests (NCBI_API_KEY is optional)")
        self.email = email
        self.api_key = api_key if api_key is not None else (os.environ.get(API_KEY_ENV) or None)
        self.batch_size, self.timeout, self.max_tries, self.progress = batch_size, timeout, max_tries, progress

    @contextlib.contextmanager
    def _step(self, step: str) -> Iterator[None]:
        """Configure Bio.Entrez for one request and turn every failure into a SearchError for ``step``."""
        Entrez.email, Entrez.api_key, Entrez.tool = self.email, self.api_key, "il6mm"
        Entrez.max_tries = self.max_tries
        try:
            with _socket_timeout(self.timeout):
                yield
        except SearchError:
            raise
        except HTTPError as exc:
            raise SearchError(SOURCE, step, f"HTTP error {exc.code} {exc.reason}") from exc
        except (TimeoutError, socket.timeout) as exc:
            raise SearchError(SOURCE, step, f"timed out after {self.timeout:g} s") from exc
        except URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise SearchError(SOURCE, step, f"timed out after {self.timeout:g} s") from exc
            raise SearchError(SOURCE, step, f"network error: {reason}") from exc
        except EntrezParser.CorruptedXMLError as exc:
            raise SearchError(SOURCE, step, f"malformed XML in the response: {exc}") from exc
        except EntrezParser.ValidationError as exc:
            raise SearchError(SOURCE, step, f"unexpected XML element in the response: {exc}") from exc
        except EntrezParser.NotXMLError as exc:
            raise SearchError(SOURCE, step, f"the response is not XML: {exc}") from exc
        except RuntimeError as exc:  # Bio.Entrez raises RuntimeError for an <ERROR> element
            raise SearchError(SOURCE, step, f"E-utilities reported an error: {exc}") from exc
        except Exception as exc:  # expat errors, truncated responses and anything else: never pass silently
            raise SearchError(SOURCE, step, f"{type(exc).__name__}: {exc}") from exc

    def search(self, query: str, date_field: str, mindate: dt.date, maxdate: dt.date) -> list[str]:
        """PMIDs of every record matching ``query`` with ``date_field`` within the window (inclusive)."""
        pmids: list[str] = []
        count: Optional[int] = None
        window = dict(datetype=date_field, mindate=mindate.strftime("%Y/%m/%d"),
                      maxdate=maxdate.strftime("%Y/%m/%d"))
        while count is None or len(pmids) < count:
            step = f"esearch ({date_field} {mindate}..{maxdate}, from {len(pmids)})"
            with self._step(step):
                handle = Entrez.esearch(db="pubmed", term=query, retstart=len(pmids), retmax=self.batch_size,
                                        sort="pub_date", **window)
                try:
                    result = Entrez.read(handle)
                finally:
                    handle.close()
                if "ErrorList" in result and result["ErrorList"].get("PhraseNotFound"):
                    raise SearchError(SOURCE, step, "phrases not found in PubMed: "
                                      + ", ".join(result["ErrorList"]["PhraseNotFound"])
                                      + " (check the saved query)")
                if count is None:
                    count = int(result["Count"])
                batch = [str(i) for i in result["IdList"]]
            if len(pmids) < count and not batch:
                raise SearchError(SOURCE, step, f"truncated result: {count} hits announced, "
                                  f"{len(pmids)} identifiers received")
            pmids += batch
        if len(set(pmids)) != len(pmids) or len(pmids) != count:
            raise SearchError(SOURCE, "esearch", f"inconsistent result: {count} hits announced, "
                              f"{len(pmids)} identifiers ({len(set(pmids))} distinct) received")
        return pmids

    def fetch(self, pmids: list[str]) -> list[Hit]:
        """The records of ``pmids`` (efetch, PubMed XML), in the order asked."""
        hits: dict[str, Hit] = {}
        for start in range(0, len(pmids), self.batch_size):
            batch = pmids[start:start + self.batch_size]
            step = f"efetch (records {start + 1}-{start + len(batch)} of {len(pmids)})"
            with self._step(step):
                handle = Entrez.efetch(db="pubmed", id=",".join(batch), retmode="xml")
                try:
                    result = Entrez.read(handle)
                finally:
                    handle.close()
                entries = list(result.get("PubmedArticle", [])) + list(result.get("PubmedBookArticle", []))
                for entry in entries:
                    hit = hit_from_article(entry)
                    hits[hit.pmid] = hit
            missing = [p for p in batch if p not in hits]
            if missing:
                raise SearchError(SOURCE, step, f"truncated response: no record for PMID {', '.join(missing)}")
            self.progress(f"  {SOURCE}: fetched {min(start + len(batch), len(pmids))}/{len(pmids)} records")
        return [hits[p] for p in pmids]

    def run(self, query: str, date_field: str, mindate: dt.date, maxdate: dt.date) -> list[Hit]:
        pmids = self.search(query, date_field, mindate, maxdate)
        self.progress(f"  {SOURCE}: {len(pmids)} hits ({date_field} {mindate}..{maxdate})")
        return self.fetch(pmids) if pmids else []
