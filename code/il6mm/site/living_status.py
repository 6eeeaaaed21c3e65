"""The living status of the review on every page, and the living files checked at build time.

* ``check_living_files`` (``builder-inited``): loads and cross-checks the saved searches, the search log and
  the screening log; any problem (an unknown decision or reason, a duplicate identifier, an included
  candidate whose records do not exist...) fails the build with file, entry and field.
* ``add_status_line`` (``html-page-context``): puts one compact line at the top of every page: the version,
  its date, the date the evidence was searched up to, and a link to the living-status page.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

from .. import __version__
from ..living import LivingDataError, load_living

STATUS_PAGE = "chapters/living-status"


@dataclass(frozen=True)
class LivingStatus:
    version: str
    released: Optional[dt.date]
    searched_up_to: Optional[dt.date]
    pending: int


def release_date(root: Path) -> Optional[dt.date]:
    """``date-released`` of CITATION.cff (the date of the current version), or None."""
    path = Path(root) / "CITATION.cff"
    if not path.is_file():
        return None
    value = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("date-released")
    return dt.date.fromisoformat(str(value)) if value else None


def living_status(root: Path) -> LivingStatus:
    """The status shown on every page, from the package version, CITATION.cff and the logs in ``root``."""
    living = load_living(Path(root) / "data", Path(root) / "references.bib")
    return LivingStatus(__version__, release_date(root), living.searched_up_to(), len(living.pending()))


def _date(d: Optional[dt.date]) -> str:
    return f"{d.day} {d:%B %Y}" if d else "unknown"


def status_html(status: LivingStatus, link: str) -> str:
    """The compact status block (one line; the date spelled out, never guessed)."""
    parts = [f"Version {html.escape(status.version)}, {_date(status.released)}",
             f"evidence searched up to {_date(status.searched_up_to)}"]
    if status.pending:
        parts.append(f"{status.pending} record{'s' if status.pending != 1 else ''} awaiting screening")
    text = " · ".join(parts)
    return (f'<p class="il6mm-living-status" role="note" style="font-size: 0.85em; margin-bottom: 0.5rem">'
            f'Living review: {text} · '
            f'<a href="{html.escape(link, quote=True)}">living status and methods</a></p>\n')


def check_living_files(app: Sphinx) -> None:
    """Fail the build on any problem in the living files, naming file, entry and field."""
    try:
        app.env.il6mm_living_status = living_status(Path(app.srcdir))
    except LivingDataError as exc:
        raise ExtensionError(f"il6mm: the living-review files do not validate:\n{exc}") from exc


def add_status_line(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Prepend the status line to the body of every page built from a document."""
    status = getattr(app.env, "il6mm_living_status", None)
    if status is None or doctree is None or "body" not in context:
        return
    link = app.builder.get_relative_uri(pagename, STATUS_PAGE)
    if not link:  # the living-status page itself
        link = app.builder.get_target_uri(STATUS_PAGE).rsplit("/", 1)[-1]
    context["body"] = status_html(status, link) + context["body"]
