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
