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


def search_status(living: LivingData) -> dict:
    """What has been searched, by kind: the targeted searches of stored pages (manual runs) and the saved
    database searches, each with its last date (None: never), and the saved searches' screened records."""
    targeted = [r.window.to for r in living.runs if r.kind == "manual"]
    saved = [r for r in living.runs if r.kind == "saved_search"]
    saved_ids = {r.run for r in saved}
    screened = sum(1 for c in living.screening if c.found_in in saved_ids and c.decision != "pending")
    return {"targeted_last": max(targeted, default=None), "targeted_runs": len(targeted),
            "saved_last": max((r.window.to for r in saved), default=None), "saved_screened": screened}


def search_status_text(living: LivingData, date=lambda d: d.isoformat()) -> list[str]:
    """The two kinds of search in words, for the status line and this page (``date`` formats a date)."""
    st = search_status(living)
    parts = [f"targeted searches of stored pages, last on {date(st['targeted_last'])}" if st["targeted_last"]
             else "no targeted search yet"]
    if st["saved_last"]:
        parts.append(f"saved database searches last run on {date(st['saved_last'])}, {st['saved_screened']} "
                     f"record{'s' if st['saved_screened'] != 1 else ''} screened")
    else:
        parts.append("saved database searches: not yet run")
    return parts


def status_markdown(living: LivingData, entries: list) -> str:
    """The status of the current version: which version, what was searched (each kind apart), what awaits
    screening and how much was included. ``entries``: the versions file (il6mm.living.versions)."""
    pending = len(living.pending())
    included = sum(1 for c in living.screening if c.decision == "included")
    current = (f"This is version {entries[-1].version}, released {entries[-1].date.isoformat()}."
               if entries else "No version has been released yet.")
    searched = "; ".join(search_status_text(living))
    return (f"{current} Searched: {searched}. {pending} record{'' if pending == 1 else 's'} "
            f"{'is' if pending == 1 else 'are'} awaiting screening. The screening log holds {included} included "
            f"reference{'' if included == 1 else 's'}, each with the evidence records it became.")


def search_history_markdown(living: LivingData) -> str:
    """How the evidence was found so far, from the search log: the targeted searches (and what they did not
    log), then the saved searches (run or not)."""
    manual = [r for r in living.runs if r.kind == "manual"]
    saved = [r for r in living.runs if r.kind == "saved_search"]
    out = []
    if manual:
        versions = sorted({r.version for r in manual if r.version}, key=lambda v: tuple(map(int, v.split("."))))
        unknown = sum(1 for r in manual if r.hits is None)
        out.append(f"{len(manual)} targeted search run{'s' if len(manual) != 1 else ''} of stored PubMed, publisher "
                   f"and registry pages, one target reference at a time, fed "
                   + (f"version{'s' if len(versions) != 1 else ''} {', '.join(versions)}" if versions else "no version yet")
                   + (" (and the next version)" if any(r.version is None for r in manual) and versions else "")
                   + "." + (f" {unknown} of them did not log how many records they identified or excluded, so "
                            "those counts are shown as unknown, not estimated." if unknown else ""))
    if saved:
        out.append(f"The saved searches have run {len(saved)} time{'s' if len(saved) != 1 else ''}, last up to "
                   f"{max(r.window.to for r in saved).isoformat()}.")
    else:
        starts = sorted({s.start.isoformat() for s in living.searches})
        out.append("The saved database searches have not run yet; their first run covers every record added to "
                   f"PubMed since their start date ({', '.join(starts)}).")
    return " ".join(out)


def trigger_markdown(entries: list) -> str:
    """What triggered the current version and whether its conclusions changed, from the versions file."""
    if not entries:
        return "No version has been released yet."
    e = entries[-1]
    first = e.changes.since is None
    conclusions = ("It is the first version." if first else
                   f"Its conclusions changed: {e.which_conclusions}" if e.conclusions_changed
                   else "Its conclusions did not change.")
    text = f"Version {e.version} ({e.date.isoformat()}) was triggered by: {e.trigger.rstrip('.')}. {conclusions}"
    if not text.endswith("."):
        text += "."
    return (text + " What changed in its evidence is on the What's new page. A new version is made when screening "
            "includes new evidence.")


def methods_markdown(entries: list) -> str:
    """The changes to methods, version by version, newest first (PRISMA-LSR), from the versions file."""
    from .versions import methods_text

    if not entries:
        return "No version has been released yet."
    return "\n".join(f"- **{e.version}** ({e.date.isoformat()}): {methods_text(entries, i)}"
                      for i, e in reversed(list(enumerate(entries)))) + "\n"


def sources_markdown(living: LivingData) -> str:
    """One row per source: what it is, the searches, the schedule and the date it was last searched."""
    rows = []
    for run in living.runs:
        if run.kind == "manual":
            once = f"once, for version {run.version}" if run.version else "once, for the next version"
            rows.append((run.source, "targeted searches of stored pages", once, _date(run.window.to)))
    for search in living.searches:
        last = living.last_run_of(search.id)
        schedule = search.schedule
        if last is not None:
            due = last.window.to + dt.timedelta(days=SCHEDULE_DAYS[search.schedule])
            schedule += f", next due {due.isoformat()}"
        rows.append((search.source, f"saved database search `{search.id}`", schedule,
                     _date(last.window.to) if last else "not yet run"))
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
