"""Citations of one version of the review, and of each of its chapters, in BibTeX, RIS and CSL-JSON.

Everything comes from CITATION.cff (:func:`il6mm.living.versions.load_citation`), the one source of the
version and its date, and the address of the version (``BuildContext.version_url``: the published copy of the
version, else its source at its commit, from the one repository setting); the chapter titles come from the
built book. The extension writes the files into the site's ``cite/`` folder at the end of each build, with a
complete ``CITATION.cff`` (the repository's own file plus the repository address and the commit), and links
them from the How-to-cite page and from the "Cite this chapter" box at the end of every chapter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Optional

from ..living.versions import Citation

CITE_DIR = "cite"
FORMATS = {"bib": "BibTeX", "ris": "RIS", "json": "CSL-JSON"}


@dataclass(frozen=True)
class Work:
    """One citable thing: the whole review (``chapter`` None) or one chapter of it."""

    citation: Citation
    url: str
    slug: str
    chapter: Optional[str] = None
    number: Optional[str] = None  # the chapter's number in the book, e.g. "3"

    @property
    def key(self) -> str:
        name = f"il6mm_review_{self.slug}" if self.chapter else "il6mm_review"
        base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
        return f"{base}_v{self.citation.version.replace('.', '_')}"


def suggested_citation(work: Work) -> str:
    """Plain-text suggested citation naming version, date and URL."""
    c = work.citation
    authors = "; ".join(c.authors)
    title = f"{c.title}, version {c.version}"
    if work.chapter:
        number = f"Chapter {work.number}: " if work.number else ""
        head = f"{authors}. {number}{work.chapter}. In: {title}"
    else:
        head = f"{authors}. {title}"
    return ". ".join([head, c.date_released.isoformat()] + ([work.url] if work.url else []))


def _bib_escape(text: str) -> str:
    return re.sub(r"([&%$#_])", r"\\\1", text)


def bibtex(work: Work) -> str:
    c = work.citation
    authors = " and ".join("{" + _bib_escape(a) + "}" for a in c.authors)  # braced: corporate authors
    fields = [("author", authors)]
    if work.chapter:
        fields += [("title", "{" + _bib_escape(work.chapter) + "}"), ("booktitle", "{" + _bib_escape(c.title) + "}")]
        if work.number:
            fields.append(("chapter", work.number))
    else:
        fields.append(("title", "{" + _bib_escape(c.title) + "}"))
    fields += [("edition", f"Version {c.version}"), ("version", c.version), ("year", str(c.date_released.year)),
               ("month", str(c.date_released.month)), ("date", c.date_released.isoformat())]
    if work.url:
        fields.append(("url", work.url))
    fields.append(("note", f"Living review, version {c.version} of {c.date_released.isoformat()}"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{'incollection' if work.chapter else 'book'}{{{work.key},\n{body}\n}}\n"


def ris(work: Work) -> str:
    c = work.citation
    lines = [("TY", "CHAP" if work.chapter else "BOOK")]
    lines += [("AU", a) for a in c.authors]
    if work.chapter:
        lines += [("TI", work.chapter), ("T2", c.title)]
    else:
        lines += [("TI", c.title)]
    lines += [("ET", f"Version {c.version}"), ("PY", str(c.date_released.year)),
              ("DA", c.date_released.strftime("%Y/%m/%d")), ("ID", work.key)]
    if work.url:
        lines.append(("UR", work.url))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}".rstrip() + "\n" for tag, value in lines)


def csl_json(work: Work) -> str:
    c = work.citation
    item = {"id": work.key, "type": "chapter" if work.chapter else "book",
            "title": work.chapter or c.title, "author": [{"literal": a} for a in c.authors],
            "issued": {"date-parts": [[c.date_released.year, c.date_released.month, c.date_released.day]]},
            "version": c.version, "edition": f"Version {c.version}"}
    if work.chapter:
        item["container-title"] = c.title
        if work.number:
            item["chapter-number"] = work.number
    if work.url:
        item["URL"] = work.url
    return json.dumps([item], indent=2, ensure_ascii=False) + "\n"


WRITERS = {"bib": bibtex, "ris": ris, "json": csl_json}


def files(work: Work) -> dict[str, str]:
    """File name (in ``cite/``) -> text, one per format."""
    return {f"{work.slug}.{ext}": write(work) for ext, write in WRITERS.items()}


def site_citation_cff(text: str, repository: str, commit: str, url: Optional[str] = None) -> str:
    """The CITATION.cff the site publishes: the repository's own file (title, authors, version, date, licence)
    with the repository address and the commit of the version added, from the one setting (``repository.url``),
    so that no copy of the address is kept by hand."""
    extra = [f'repository-code: "{repository}"', f'commit: "{commit}"'] + ([f'url: "{url}"'] if url else [])
    lines = text.rstrip("\n").split("\n")
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("license:")), len(lines))
    return "\n".join(lines[:at] + extra + lines[at:]) + "\n"
