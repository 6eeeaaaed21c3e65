"""Where the repository's inputs live. The one module every layer may import (it imports nothing)."""

from __future__ import annotations

from pathlib import Path

#: Repository root in a source checkout or editable install (code/il6mm/paths.py -> root).
REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data"
BIB_PATH = REPO_ROOT / "references.bib"
CITATION_PATH = REPO_ROOT / "CITATION.cff"
CONFIG_PATH = REPO_ROOT / "_config.yml"
TOC_PATH = REPO_ROOT / "_toc.yml"
PACKAGE_DIR = REPO_ROOT / "code" / "il6mm"
LIVING_DIR = DATA_DIR / "living"
VERSIONS_PATH = LIVING_DIR / "versions.yaml"
SEARCH_LOG_PATH = LIVING_DIR / "search_log.yaml"
NICHE_PARAMETERS_PATH = DATA_DIR / "model" / "niche_parameters.yaml"
#: The one stylesheet of the site (also the PDF's title page).
SITE_CSS_PATH = PACKAGE_DIR / "site" / "il6mm.css"


def under(root: Path | str, path: Path) -> Path:
    """The same input in another copy of the book: ``path`` (one of the paths above) moved from this
    repository's root to ``root`` (a book copy, a release's checkout, an extracted revision)."""
    return Path(root) / path.relative_to(REPO_ROOT)
