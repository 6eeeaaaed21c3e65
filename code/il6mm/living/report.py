"""Text for the living-status page, generated from the living files (tables in Markdown, no I/O)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from ..evidence import markdown
from .flow import VersionFlow, show
from .logs import REASONS, LivingData
from .searches import SCHEDULE_DAYS


def _date(d: Optional[dt.date]) -> str:
    return d.isoformat() if d else "never"


def status_markdown(living: LivingData, version: str) -> str:
    """The status of this version in two sentences: searched up to, awaiting screening, included."""
    up_to = living.searched_up_to()
    pending = len(living.pending())
    included = sum(1 for c in living.screening if c.decision == "included")
    return (f"This is version {version}. The evidence was searched up to "
            f"{up_to.isoformat() if up_to else 'no date yet'}, and {pending} record"
            f"{'' if pending == 1 else 's'} {'is' if pending == 1 else 'are'} awaiting screening. "
            f"The screening log holds {included} included reference{'' if included == 1 else 's'}, each with "
            "the evidence records it became.")


def sources_markdown(living: LivingData) -> str:
    """One row per source: what it is, the searches, the schedule and the date it was last searched."""
    rows = []
    for run in living.runs:
        if run.kind == "manual":
            once = f"once, for version {run.version}" if run.version else "once, for the next version"
            rows.append((run.source, "manual searches", once, _date(run.window.to)))
    for search in living.searches:
        last = living.last_run_of(search.id)
        schedule = search.schedule
        if last is not None:
            due = last.window.to + dt.timedelta(days=SCHEDULE_DAYS[search.schedule])
            schedule += f", next due {due.isoformat()}"
        rows.append((search.source, f"`{search.id}`", schedule, _date(last.window.to) if last else "not yet run"))
    return markdown.table(("source", "search", "schedule", "last searched up to"), rows)


def wrap_query(query: str, width: int = 88) -> str:
    """The query on lines of at most ``width`` characters, broken at spaces outside quoted phrases."""
    lines: list[str] = []
    for token in re.findall(r'(?:"[^"]*"|\S)+', query):
        if lines and len(lines[-1]) + 1 + len(token) <= width:
            lines[-1] += " " + token
        else:
            lines.append(token)
    return "\n".join(lines)


def queries_markdown(living: LivingData, width: int = 88) -> str:
    """Each saved search with its scope, date field, start and exact query (wrapped at spaces only, which
    PubMed reads as the same query)."""
    out = []
    for s in living.searches:
        query = wrap_query(s.query, width)
        out.append(f"**`{s.id}`** ({s.source}, date field `{s.date_field}`, {s.schedule}, first window from "
                   f"{s.start.isoformat()}): {s.scope}\n\n```text\n{query}\n```\n")
    return "\n".join(out)


def pending_markdown(living: LivingData) -> str:
    pending = living.pending()
    if not pending:
        return "No record is awaiting screening."
    rows = [(c.id, f"PMID {c.pmid}" if c.pmid else f"doi {c.doi}", f"{c.first_author or 'unknown'}, {c.year or 'unknown'}",
             c.title, c.found_in, ", ".join(c.possible_duplicate_of)) for c in pending]
    return (f"{len(pending)} record(s) awaiting screening:\n\n"
            + markdown.table(("id", "identifier", "first author, year", "title", "found in", "may duplicate"), rows))


def reasons_markdown() -> str:
    return "\n".join(f"- `{key}`: {text}" for key, text in REASONS.items())


def flow_markdown(flows: list[VersionFlow]) -> str:
    """The flow counts per version, with where each comes from."""
    lines = [
        ("records identified", lambda f: show(f.identified), "search log: `hits`"),
        ("duplicates removed", lambda f: show(f.duplicates_removed), "search log: `duplicates`"),
        ("records screened", lambda f: show(f.screened), "search log: `new` (candidates written to the screening log)"),
        ("records excluded", lambda f: show(f.excluded), "screening log: `decision: excluded`"),
        ("included in the review", lambda f: str(f.included), "screening log: `decision: included`"),
        ("awaiting screening", lambda f: str(f.pending), "screening log: `decision: pending`"),
    ]
    rows = [(name, *(value(f) for f in flows), where) for name, value, where in lines]
    return markdown.table(("", *(f.label for f in flows), "where the count comes from"), rows)
