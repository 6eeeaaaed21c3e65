"""Where the repository's inputs live. The one module every layer may import (it imports nothing)."""

from __future__ import annotations

from pathlib import Path

#: Repository root in a source checkout or editable install (code/il6mm/paths.py -> root).
REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data"
BIB_PATH = REPO_ROOT / "references.bib"
