"""A throw-away copy of the living files (and the evidence they are checked against) for one test."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from conftest import REPO


def living_copy(tmp_path: Path) -> tuple[Path, Path]:
    """(data dir, bib path) of a copy of data/ and references.bib."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    bib = tmp_path / "references.bib"
    shutil.copy2(REPO / "references.bib", bib)
    return data, bib


def digests(data: Path) -> dict[str, str]:
    """SHA-256 of every file under data/living (temporary files would show up as extra names)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((data / "living").iterdir())}


def write_searches(data: Path, query: str, start: str = "2026-11-28") -> None:
    (data / "living" / "searches.yaml").write_text(
        "- id: pubmed-test\n  source: PubMed\n  scope: test search\n"
        f"  query: '{query}'\n  date_field: edat\n  schedule: monthly\n  start: {start}\n")
