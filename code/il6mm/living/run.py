"""The surveillance run: ``python -m il6mm.living search`` and ``python -m il6mm.living pending``.

``search`` runs every saved search over the days since its last run (from the day after the end of its last
window up to today; a search that never ran starts at its ``start`` date), de-duplicates the hits against
``references.bib`` and the screening log, and then, only when every search of every source has succeeded,
appends the new candidates (``decision: pending``) to the screening log and one entry per search to the
search log. Both files are validated in their new form and written all or nothing (temporary files, then
``os.replace``): a failed or interrupted run leaves every file exactly as it was. A search whose window is
empty (it already ran today) is skipped, so running twice adds nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..evidence.bibliography import parse_bib
from ..evidence.yaml_files import safe_load
from ..paths import BIB_PATH, DATA_DIR, LIVING_DIR
from .dedup import DedupResult, candidate_id, deduplicate, known_from_bib, known_from_hit, known_from_screening
from .files import LivingDataError, dump_entries, write_all_or_nothing
from .logs import SCREENING_FILE, SEARCH_LOG_FILE, LivingData, load_living
from .pubmed import SOURCE as PUBMED, PubMedClient, SearchError
from .searches import SavedSearch

#: How to make a client for each source: ``factory(progress) -> client`` with ``client.run(query,
#: date_field, mindate, maxdate) -> list[Hit]``.
CLIENTS: dict[str, Callable] = {PUBMED: lambda progress: PubMedClient(progress=progress)}


@dataclass
class SearchOutcome:
    search: SavedSearch
    window: tuple[dt.date, dt.date]
    hits: int
    result: DedupResult


@dataclass
class RunReport:
    outcomes: list[SearchOutcome] = field(default_factory=list)
    skipped: list[tuple[SavedSearch, str]] = field(default_factory=list)
    written: bool = False

    @property
    def new(self) -> int:
        return sum(len(o.result.new) for o in self.outcomes)


def window_for(search: SavedSearch, living: LivingData, today: dt.date) -> tuple[dt.date, dt.date]:
    """From the day after the last run's window (or the search's start) to today."""
    last = living.last_run_of(search.id)
    start = last.window.to + dt.timedelta(days=1) if last is not None else search.start
    return start, today


def _candidate_entry(hit, run_id: str, possible: list[str]) -> dict:
    entry = {"id": candidate_id(hit), "pmid": hit.pmid, "doi": hit.doi, "title": hit.title, "year": hit.year,
             "first_author": hit.first_author, "journal": hit.journal, "found_in": run_id,
             "decision": "pending"}
    if possible:
        entry["possible_duplicate_of"] = possible
    return {k: v for k, v in entry.items() if v is not None}


def _append(text: str, entries: list[dict]) -> str:
    """The file's text with ``entries`` appended (comments and hand-written entries kept as they are)."""
    if not entries:
        return text
    if not safe_load(text):  # no entry yet (empty, or "[]"): keep the comments only
        text = "".join(line for line in text.splitlines(keepends=True) if line.lstrip().startswith("#"))
    body = text.rstrip("\n")
    return (body + "\n" if body else "") + dump_entries(entries)


def run_searches(today: Optional[dt.date] = None, *, data_dir: Path | str | None = None,
                 bib_path: Path | str | None = None, clients: Optional[dict[str, Callable]] = None,
                 progress: Callable[[str], None] = print,
                 window: Optional[tuple[dt.date, dt.date]] = None) -> RunReport:
    """Run every saved search that is due; write both logs only if every step succeeded.

    ``window`` (from, to) searches those dates again instead of the days since each search's last run
    (after a query was corrected, say); what was already found is then counted as duplicates.
    """
    today = today or dt.date.today()
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    bib_path = Path(bib_path) if bib_path is not None else BIB_PATH
    clients = clients if clients is not None else CLIENTS
    living = load_living(data_dir, bib_path)
    known = known_from_bib(parse_bib(bib_path)) + known_from_screening(living.screening)
    report = RunReport()
    new_runs: list[dict] = []
    new_candidates: list[dict] = []
    made: dict[str, object] = {}
    for search in living.searches:
        start, end = window if window is not None else window_for(search, living, today)
        if start > end:
            report.skipped.append((search, f"already searched up to {end}"))
            progress(f"{search.source} [{search.id}]: already searched up to {start - dt.timedelta(days=1)}; "
                     "nothing to do")
            continue
        if search.source not in clients:
            raise SearchError(search.source, "set-up", "no client for this source")
        if search.source not in made:
            made[search.source] = clients[search.source](progress)
        progress(f"{search.source} [{search.id}]: searching {search.date_field} {start}..{end}")
        hits = made[search.source].run(search.query, search.date_field, start, end)
        result = deduplicate(hits, known)
        run_id = f"{today.isoformat()}-{search.id}"
        taken = {r.run for r in living.runs} | {r["run"] for r in new_runs}
        suffix = 2
        while run_id in taken:
            run_id, suffix = f"{today.isoformat()}-{search.id}-{suffix}", suffix + 1
        for hit in result.new:
            entry = _candidate_entry(hit, run_id, result.possible_duplicates(hit))
            new_candidates.append(entry)
        known += [known_from_hit(candidate_id(h), h) for h in result.new]  # later searches see these
        new_runs.append({"run": run_id, "kind": "saved_search", "date": today, "source": search.source,
                         "query_id": search.id, "query": search.query, "window": {"from": start, "to": end},
                         "hits": len(hits), "new": len(result.new), "duplicates": len(result.duplicates),
                         "ambiguous": len(result.ambiguous), "version": None})
        report.outcomes.append(SearchOutcome(search, (start, end), len(hits), result))
        progress(f"{search.source} [{search.id}]: {len(hits)} hits, {len(result.new)} new "
                 f"({len(result.ambiguous)} ambiguous), {len(result.duplicates)} duplicates")
        for match in result.ambiguous:
            progress(f"  ambiguous: PMID {match.hit.pmid} {match.hit.title[:70]!r} may duplicate "
                     f"{', '.join(match.keys)} (title similarity {match.score:.0f})")
    if not new_runs:
        progress("Every saved search is up to date; no file changed.")
        return report
    living_dir = data_dir / LIVING_DIR.name
    log_path, screening_path = living_dir / SEARCH_LOG_FILE, living_dir / SCREENING_FILE
    texts = {SEARCH_LOG_FILE: _append(log_path.read_text(encoding="utf-8"), new_runs),
             SCREENING_FILE: _append(screening_path.read_text(encoding="utf-8"), new_candidates)}
    load_living(data_dir, bib_path, texts=texts)  # the new files must validate before they replace the old
    write_all_or_nothing({log_path: texts[SEARCH_LOG_FILE], screening_path: texts[SCREENING_FILE]})
    report.written = True
    progress(f"Wrote {len(new_runs)} run(s) to {log_path.name} and {len(new_candidates)} pending "
             f"candidate(s) to {screening_path.name}.")
    return report


def pending_lines(living: LivingData) -> list[str]:
    out = []
    for c in living.pending():
        ident = f"PMID {c.pmid}" if c.pmid else f"doi {c.doi}"
        flag = f"  [may duplicate: {', '.join(c.possible_duplicate_of)}]" if c.possible_duplicate_of else ""
        out.append(f"{c.id}  {ident}  {c.first_author or '?'} {c.year or '?'}  {c.title}  "
                   f"(found in {c.found_in}){flag}")
    return out


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m il6mm.living",
                                     description="Keep the living review current.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("search", help="run every saved search since its last run and log the results")
    sub.add_parser("pending", help="list the candidates awaiting screening")
    args = parser.parse_args(argv)
    try:
        if args.command == "search":
            run_searches()
        else:
            lines = pending_lines(load_living())
            print(f"{len(lines)} candidate(s) awaiting screening" + (":" if lines else "."))
            for line in lines:
                print("  " + line)
    except (SearchError, LivingDataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        if isinstance(exc, SearchError):
            print("Nothing was written: the search and screening logs are as they were.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was written; the logs are as they were.", file=sys.stderr)
        return 130
    return 0
