"""The living status of the review on every page, and the living files checked at build time.

The living files themselves are loaded and cross-checked with the rest of the build context
(``il6mm.build.context``) at ``builder-inited``; any problem (an unknown decision or reason, a duplicate
identifier, an included candidate whose records do not exist...) fails the build with file, entry and field.

* ``add_status_line`` (``html-page-context``): puts one compact line at the top of every page: the version,
  its date, what was searched (targeted searches of stored pages and saved database searches apart, each
  with its last date), and a link to the living-status page.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Optional

from sphinx.application import Sphinx

from ..build.context import BuildContext
from ..living.report import search_status_text

STATUS_PAGE = "chapters/living-status"


@dataclass(frozen=True)
class LivingStatus:
    version: str
    released: Optional[dt.date]
    searched: tuple[str, ...]   # each kind of search in words, with its last date
    pending: int


def _date(d: Optional[dt.date]) -> str:
    return f"{d.day} {d:%B %Y}" if d else "unknown"


def living_status(context: BuildContext) -> LivingStatus:
    """The status shown on every page, from the build context (version, its date, the living files)."""
    living = context.living
    return LivingStatus(context.citation.version, context.citation.date_released,
                        tuple(search_status_text(living, _date)), len(living.pending()))


def status_html(status: LivingStatus, link: str) -> str:
    """The compact status block (one line; the dates spelled out, never guessed)."""
    parts = [f"Version {html.escape(status.version)}, {_date(status.released)}",
             *(html.escape(s) for s in status.searched)]
    if status.pending:
        parts.append(f"{status.pending} record{'s' if status.pending != 1 else ''} awaiting screening")
    text = " · ".join(parts)
    return (f'<p class="il6mm-living-status" role="note">'
            f'Living review: {text} · '
            f'<a href="{html.escape(link, quote=True)}">living status and methods</a></p>\n')


def add_status_line(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Prepend the status line to the body of every page built from a document."""
    if not hasattr(app, "il6mm") or doctree is None or "body" not in context:
        return
    status = living_status(app.il6mm)
    link = app.builder.get_relative_uri(pagename, STATUS_PAGE)
    if not link:  # the living-status page itself
        link = app.builder.get_target_uri(STATUS_PAGE).rsplit("/", 1)[-1]
    context["body"] = status_html(status, link) + context["body"]
