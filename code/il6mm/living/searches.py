"""Saved searches (``data/living/searches.yaml``): per source the exact query, the date field the window
applies to, the planned schedule and the date a search that has never run starts from."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict

from ..evidence.problems import Problem
from ..evidence.yaml_files import read_list, validated_entries
from ..paths import LIVING_DIR
from .files import LivingDataError

SEARCHES_FILE = "searches.yaml"

#: Sources a saved search can run against (each has a client in this package).
Source = Literal["PubMed"]
#: PubMed date fields an E-utilities ``datetype`` accepts: Entrez date (added to PubMed), publication date,
#: MeSH date, modification date.
DateField = Literal["edat", "pdat", "mhda", "mdat"]
Schedule = Literal["weekly", "monthly", "quarterly"]
#: Longest gap, in days, between two runs that still keeps to the schedule.
SCHEDULE_DAYS = {"weekly": 7, "monthly": 31, "quarterly": 92}
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CRON_FIELD = r"(\d{1,2})"


def cron_schedule(expression: str) -> Schedule:
    """The schedule a cron expression (minute hour day-of-month month day-of-week) keeps: weekly on one day of
    the week, monthly on one day of every month, quarterly on one day of every third month (the scheduled
    workflow must run the searches as often as they plan); ``ValueError`` for one that keeps none of them
    (every day, twice a month, the 31st, ...)."""
    fields = expression.split()
    if len(fields) != 5 or not all(re.fullmatch(_CRON_FIELD, f) for f in fields[:2]):
        raise ValueError(f"cron {expression!r}: expected 'minute hour day month weekday' with one minute and hour")
    day, month, weekday = fields[2:]
    if day == "*" and month == "*" and re.fullmatch(r"[0-6]", weekday):
        return "weekly"
    if re.fullmatch(r"([1-9]|1\d|2[0-8])", day) and weekday == "*":
        if month == "*":
            return "monthly"
        if month in ("*/3", "1,4,7,10", "2,5,8,11", "3,6,9,12"):
            return "quarterly"
    raise ValueError(f"cron {expression!r} keeps none of the schedules {', '.join(SCHEDULE_DAYS)} (one weekday "
                     "weekly; one day from 1 to 28 every month, or every third month)")


class SavedSearch(BaseModel):
    """One saved search of one source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    source: Source
    scope: str
    query: str
    date_field: DateField
    schedule: Schedule
    #: First day of the window when this search has never run.
    start: dt.date
    note: Optional[str] = None


def load_searches(path: Path | str | None = None) -> list[SavedSearch]:
    """Validated saved searches; :class:`LivingDataError` names file, search and field of every problem."""
    path = Path(path) if path is not None else LIVING_DIR / SEARCHES_FILE
    shown = f"data/living/{path.name}"
    problems: list[Problem] = []
    read = read_list(path, shown, problems)
    searches: list[SavedSearch] = []
    seen: set[str] = set()
    for search, label, line in validated_entries(read, SavedSearch, shown, problems):
        if not ID.match(search.id):
            problems.append(Problem(shown, "id must be lower-case letters, digits and '-'", label, "id", line))
        if search.id in seen:
            problems.append(Problem(shown, "duplicate search id", label, "id", line))
        seen.add(search.id)
        if search.query.count("(") != search.query.count(")"):
            problems.append(Problem(shown, "unbalanced parentheses in the query", label, "query", line))
        if not search.query.strip():
            problems.append(Problem(shown, "the query is empty", label, "query", line))
        searches.append(search)
    if read == ([], []):
        problems.append(Problem(shown, "no saved search"))
    if problems:
        raise LivingDataError(problems)
    return searches
