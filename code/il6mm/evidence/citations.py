"""Every entry of ``references.bib`` is cited, by a page of the book or by an evidence record."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from ..paths import BIB_PATH, DATA_DIR, REPO_ROOT, under
from .bibliography import bib_keys
from .records import Evidence, EvidenceError, Problem, load_evidence

# ---------------------------------------------------------------------------------------------------------
# The bibliography is cited
# ---------------------------------------------------------------------------------------------------------

CITE_ROLE = re.compile(r"\{(?:foot)?cite(?::[a-z]+)?\}`([^`]+)`")


def cited_in_text(text: str) -> set[str]:
    """Keys cited with {cite}, {cite:p}, {cite:t}, {footcite}, ... roles in MyST text."""
    keys: set[str] = set()
    for group in CITE_ROLE.findall(text):
        keys.update(k.strip() for k in group.split(",") if k.strip())
    return keys


def book_pages(book_root: Path | str = REPO_ROOT) -> list[Path]:
    """The Markdown pages of the book whose citations count (chapters/*.md and index.md)."""
    root = Path(book_root)
    pages = sorted((root / "chapters").glob("*.md"))
    if (root / "index.md").is_file():
        pages.insert(0, root / "index.md")
    return pages


def uncited_references(bib_path: Path | str | None = None, book_root: Path | str = REPO_ROOT,
                       evidence: Optional[Evidence] = None) -> list[str]:
    """Bib keys cited neither by a page of the book nor by an evidence record's ``source``."""
    bib_path = Path(bib_path) if bib_path is not None else under(book_root, BIB_PATH)
    evidence = evidence if evidence is not None else load_evidence(under(book_root, DATA_DIR), bib_path)
    cited = set(evidence.sources())
    for page in book_pages(book_root):
        cited |= cited_in_text(page.read_text(encoding="utf-8"))
    return [k for k in bib_keys(bib_path) if k not in cited]


def check_bibliography_is_cited(bib_path: Path | str | None = None, book_root: Path | str = REPO_ROOT,
                                evidence: Optional[Evidence] = None) -> None:
    """Raise :class:`EvidenceError` naming every bib entry that nothing in the book or the records cites."""
    bib_path = Path(bib_path) if bib_path is not None else under(book_root, BIB_PATH)
    missing = uncited_references(bib_path, book_root, evidence)
    if missing:
        raise EvidenceError([Problem(bib_path.name, "entry is cited by no chapter and no evidence record",
                                     record=f"'{k}'") for k in missing])

