"""The search log and the screening log: schemas, loading with cross-checks, and what they say.

``data/living/search_log.yaml``: one entry per search run (a saved search run by ``make search``, or the
manual searches that built a version). Counts are ``null`` when they are unknown, never guessed.

``data/living/screening.yaml``: one entry per candidate record: its identifiers, the run that found it and
the decision (pending / included / excluded, with a reason from :data:`REASONS` for exclusions). An included
candidate names the evidence records and the ``references.bib`` key it became.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from ..evidence.bibliography import parse_bib
from ..evidence.records import EvidenceError, Problem, load_evidence, validation
from ..evidence.schema import KINDS
from ..evidence.yaml_files import read_list, validated_entries
from ..paths import BIB_PATH, DATA_DIR, LIVING_DIR
from .files import LivingDataError
from .searches import SCHEDULE_DAYS, SEARCHES_FILE, SavedSearch, load_searches

SEARCH_LOG_FILE = "search_log.yaml"
SCREENING_FILE = "screening.yaml"

#: Decisions a screening entry can carry.
DECISIONS = ("pending", "included", "excluded")
#: Reasons for excluding a candidate (PRISMA asks for reasons; a fixed list keeps them countable).
REASONS: dict[str, str] = {
    "not_myeloma": "not multiple myeloma or another plasma-cell disorder",
    "not_in_scope": "no IL-6 or IL-6 receptor blockade and not niche (IL-6, myeloid cells, APRIL/BCMA) biology",
    "not_primary_data": "not primary data (review, editorial, comment) and not needed for context",
    "duplicate": "duplicate of a record already screened",
    "abstract_without_data": "conference abstract without usable data",
    "other": "other reason, stated in the note",
}
DOI_PREFIX = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", re.I)


def normalise_doi(doi: Optional[str]) -> Optional[str]:
    """Lower case, without a resolver prefix: ``https://doi.org/10.1/ABC`` -> ``10.1/abc``."""
    if not doi:
        return None
    doi = DOI_PREFIX.sub("", doi.strip()).strip().lower()
    return doi or None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Window(_Strict):
    """Dates searched (inclusive). ``from`` is null when the searches had no lower date limit."""

    from_: Optional[dt.date] = Field(default=None, alias="from")
    to: dt.date


class SearchRun(_Strict):
    """One run of one search: what was searched, when, and what it found. Unknown counts are null."""

    run: str
    kind: Literal["saved_search", "manual"]
    date: dt.date
    source: str
    query_id: Optional[str] = None
    query: str
    window: Window
    hits: Optional[int] = None
    new: Optional[int] = None
    duplicates: Optional[int] = None
    ambiguous: Optional[int] = None
    #: The book version this run fed; null while that version is not yet released.
    version: Optional[str] = None
    note: Optional[str] = None


class Candidate(_Strict):
    """One candidate record and what was decided about it."""

    id: str
    pmid: Optional[str] = None
    doi: Optional[str] = None
    title: str
    year: Optional[int] = None
    first_author: Optional[str] = None
    journal: Optional[str] = None
    found_in: str
    decision: str
    reason: Optional[str] = None
    note: Optional[str] = None
    decided: Optional[dt.date] = None
    decided_by: Optional[str] = None
    record_ids: list[str] = Field(default_factory=list)
    bib_key: Optional[str] = None
    #: Keys (bib keys or screening ids) this candidate may duplicate: listed for a person to decide.
    possible_duplicate_of: list[str] = Field(default_factory=list)


@dataclass
class LivingData:
    """The saved searches and both logs, validated and cross-checked."""

    searches: list[SavedSearch]
    runs: list[SearchRun]
    screening: list[Candidate]
    data_dir: Path = field(default=DATA_DIR)

    def run(self, run_id: str) -> SearchRun:
        for run in self.runs:
            if run.run == run_id:
                return run
        raise KeyError(f"no search run {run_id!r}")

    def pending(self) -> list[Candidate]:
        return [c for c in self.screening if c.decision == "pending"]

    def searched_up_to(self) -> Optional[dt.date]:
        """The latest date any search covered (the end of the latest window), or None before any run."""
        return max((r.window.to for r in self.runs), default=None)

    def last_searched(self) -> dict[str, dt.date]:
        """{source: end of the latest window searched}, in log order of first appearance."""
        out: dict[str, dt.date] = {}
        for run in self.runs:
            out[run.source] = max(out.get(run.source, run.window.to), run.window.to)
        return out

    def last_run_of(self, search_id: str) -> Optional[SearchRun]:
        runs = [r for r in self.runs if r.query_id == search_id and r.kind == "saved_search"]
        return max(runs, key=lambda r: r.window.to) if runs else None

    def overdue(self, today: dt.date) -> list[SavedSearch]:
        """Saved searches whose last window ends longer ago than their schedule allows (or never ran)."""
        out = []
        for search in self.searches:
            last = self.last_run_of(search.id)
            if last is None or (today - last.window.to).days > SCHEDULE_DAYS[search.schedule]:
                out.append(search)
        return out


def _display(path: Path) -> str:
    return f"data/living/{path.name}"


def load_search_log(path: Path | str, searches: Optional[list[SavedSearch]] = None,
                    text: Optional[str] = None) -> list[SearchRun]:
    """Validated search-log entries (``text`` instead of the file's content, if given)."""
    path = Path(path)
    shown = _display(path)
    problems: list[Problem] = []
    read = read_list(path, shown, problems, text=text)
    runs, seen = [], set()
    known = {s.id: s for s in searches} if searches is not None else None
    for run, label, line in validated_entries(read, SearchRun, shown, problems, key="run"):
        if run.run in seen:
            problems.append(Problem(shown, "duplicate run id", label, "run", line))
        seen.add(run.run)
        for name in ("hits", "new", "duplicates", "ambiguous"):
            value = getattr(run, name)
            if value is not None and value < 0:
                problems.append(Problem(shown, f"a count cannot be negative, got {value}", label, name, line))
        if None not in (run.hits, run.new, run.duplicates) and run.hits != run.new + run.duplicates:
            problems.append(Problem(shown, f"hits ({run.hits}) must equal new ({run.new}) + duplicates "
                                    f"({run.duplicates})", label, "hits", line))
        if run.ambiguous is not None and run.new is not None and run.ambiguous > run.new:
            problems.append(Problem(shown, "ambiguous candidates are among the new ones: ambiguous > new",
                                    label, "ambiguous", line))
        if run.window.from_ is not None and run.window.from_ > run.window.to:
            problems.append(Problem(shown, "window 'from' is after 'to'", label, "window.from", line))
        if run.window.to > run.date:
            problems.append(Problem(shown, "window ends after the run date", label, "window.to", line))
        if run.kind == "saved_search":
            if run.query_id is None:
                problems.append(Problem(shown, "a saved-search run names its query_id", label, "query_id", line))
            elif known is not None and run.query_id not in known:
                problems.append(Problem(shown, f"query_id {run.query_id!r} is not a saved search", label,
                                        "query_id", line))
            if run.window.from_ is None:
                problems.append(Problem(shown, "a saved-search run has a window start", label, "window.from", line))
            for name in ("hits", "new", "duplicates"):
                if getattr(run, name) is None:
                    problems.append(Problem(shown, "a saved-search run records its counts", label, name, line))
        runs.append(run)
    if problems:
        raise LivingDataError(problems)
    return runs


def load_screening(path: Path | str, runs: Optional[list[SearchRun]] = None, *,
                   bib: Optional[dict[str, dict]] = None, record_ids: Optional[set[str]] = None,
                   text: Optional[str] = None) -> list[Candidate]:
    """Validated screening entries, cross-checked against the runs, the bibliography and the evidence
    records when given. :class:`LivingDataError` names file, entry and field of every problem."""
    path = Path(path)
    shown = _display(path)
    problems: list[Problem] = []
    read = read_list(path, shown, problems, text=text)
    out: list[Candidate] = []
    ids: dict[str, str] = {}
    pmids: dict[str, str] = {}
    dois: dict[str, str] = {}
    run_ids = {r.run for r in runs} if runs is not None else None
    for c, label, line in validated_entries(read, Candidate, shown, problems):

        def bad(fld: str, msg: str) -> None:
            problems.append(Problem(shown, msg, record=label, field=fld, line=line))

        if c.id in ids:
            bad("id", "duplicate id")
        ids[c.id] = c.id
        if c.pmid is None and c.doi is None:
            bad("pmid", "a candidate needs a pmid or a doi")
        if c.pmid is not None:
            if not c.pmid.isdigit():
                bad("pmid", f"pmid must be digits, got {c.pmid!r}")
            elif c.pmid in pmids:
                bad("pmid", f"duplicate identifier: pmid {c.pmid} is also entry '{pmids[c.pmid]}'")
            else:
                pmids[c.pmid] = c.id
        doi = normalise_doi(c.doi)
        if c.doi is not None:
            if not doi or not doi.startswith("10."):
                bad("doi", f"doi must start with '10.', got {c.doi!r}")
            elif doi in dois:
                bad("doi", f"duplicate identifier: doi {doi} is also entry '{dois[doi]}'")
            else:
                dois[doi] = c.id
        if run_ids is not None and c.found_in not in run_ids:
            bad("found_in", f"run {c.found_in!r} is not in the search log")
        if c.decision not in DECISIONS:
            bad("decision", f"unknown decision {c.decision!r}; one of {', '.join(DECISIONS)}")
            continue
        if c.decision == "excluded":
            if c.reason is None:
                bad("reason", f"an exclusion needs a reason, one of {', '.join(REASONS)}")
            elif c.reason not in REASONS:
                bad("reason", f"unknown reason {c.reason!r}; one of {', '.join(REASONS)}")
            elif c.reason == "other" and not (c.note or "").strip():
                bad("note", "reason 'other' needs a note saying what it is")
        elif c.reason is not None:
            bad("reason", f"only an excluded candidate has a reason (decision is {c.decision!r})")
        if c.decision != "pending" and c.decided is None:
            bad("decided", "a decision needs the date it was made")
        if c.decision == "included":
            if not c.record_ids:
                bad("record_ids", "an included candidate names the evidence records it became")
            if c.bib_key is None:
                bad("bib_key", "an included candidate names its references.bib key")
        elif c.record_ids or c.bib_key:
            bad("record_ids" if c.record_ids else "bib_key",
                f"only an included candidate names records or a bib key (decision is {c.decision!r})")
        if record_ids is not None:
            for i, rid in enumerate(c.record_ids):
                if rid not in record_ids:
                    bad(f"record_ids[{i}]", f"no evidence record with id {rid!r}")
        if bib is not None and c.bib_key is not None and c.bib_key not in bib:
            bad("bib_key", f"{c.bib_key!r} is not a key of references.bib")
        out.append(c)
    if problems:
        raise LivingDataError(problems)
    return out


def load_living(data_dir: Path | str | None = None, bib_path: Path | str | None = None, *,
                texts: Optional[dict[str, str]] = None, evidence=None) -> LivingData:
    """Load and cross-check the saved searches and both logs in ``data_dir/living/``.

    Included candidates are checked against the evidence records (``load_evidence``, or ``evidence`` when the
    caller has loaded them from the same folder already) and the bibliography. ``texts`` ({file name: text})
    validates new contents of a log before they are written.
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    bib_path = Path(bib_path) if bib_path is not None else BIB_PATH
    living = data_dir / LIVING_DIR.name
    texts = texts or {}
    searches = load_searches(living / SEARCHES_FILE)
    runs = load_search_log(living / SEARCH_LOG_FILE, searches, texts.get(SEARCH_LOG_FILE))
    try:
        with validation():  # the bibliography checks the screening entries' keys; nothing shown comes from it
            bib = parse_bib(bib_path)
    except (OSError, ValueError) as exc:
        raise LivingDataError([Problem(bib_path.name, f"cannot read the bibliography: {exc}")]) from exc
    try:
        evidence = evidence if evidence is not None else load_evidence(data_dir, bib_path)
    except EvidenceError as exc:
        raise LivingDataError([Problem(data_dir.name, "the evidence records do not load, so included "
                                       f"candidates cannot be checked:\n{exc}")]) from exc
    with validation():  # the screening log checked against the records: not a use of the records
        record_ids = {r.id for r in evidence.records()}
    screening = load_screening(living / SCREENING_FILE, runs, bib=bib, record_ids=record_ids,
                               text=texts.get(SCREENING_FILE))
    with validation():
        unscreened = records_without_screening(evidence, screening, data_dir.name)
    if unscreened:
        raise LivingDataError(unscreened)
    return LivingData(searches, runs, screening, data_dir)


def records_without_screening(evidence, screening: list[Candidate], data_dir_name: str = "data") -> list[Problem]:
    """Every evidence record with a source must come from a screened reference: an included screening entry
    with that bib key that names the record in its ``record_ids``. Records without a source (a registry page
    is their source) need none."""
    included = {c.bib_key: c for c in screening if c.decision == "included" and c.bib_key}
    problems = []
    for kind, (file_name, _) in KINDS.items():
        for record in evidence.records(kind):
            if record.source is None:
                continue
            entry = included.get(record.source)
            if entry is None:
                problems.append(Problem(f"{data_dir_name}/{file_name}", f"its source {record.source!r} has no "
                                        f"included entry in {data_dir_name}/living/{SCREENING_FILE}: screen the "
                                        "reference (an entry with decision: included and this bib_key)",
                                        record=f"'{record.id}'", field="source"))
            elif record.id not in entry.record_ids:
                problems.append(Problem(f"{data_dir_name}/{file_name}", f"the screening entry {entry.id!r} of its "
                                        f"source {record.source!r} does not list it: add {record.id!r} to that "
                                        "entry's record_ids", record=f"'{record.id}'", field="source"))
    return problems


def assign_unreleased_runs(text: str, version: str, shown: str = f"data/living/{SEARCH_LOG_FILE}"
                           ) -> tuple[str, list[str]]:
    """The search log's text with every run that fed no released version yet (``version`` null or absent)
    given ``version``, and those runs' ids. Comments and layout are kept: only the ``version`` line of
    those entries changes (or is added at their end). The result is checked to load with exactly them set."""
    runs = load_search_log(shown, text=text)
    problems: list[Problem] = []
    read = read_list(Path(shown), shown, problems, text=text)
    starts = read[1] if read else []
    lines = text.splitlines(keepends=True)
    unreleased = [(run.run, start) for run, start in zip(runs, starts) if run.version is None]
    # From the last entry up, so that an added line does not move the entries still to edit.
    for run_id, start in reversed(unreleased):
        later = [s for s in starts if s > start]
        end = (later[0] - 1) if later else len(lines)  # lines[start - 1 : end] is the entry
        block = range(start - 1, end)
        line_no = next((i for i in block if re.match(r"^\s*version:\s*(null|~)?\s*(#.*)?$", lines[i])), None)
        if line_no is not None:
            indent = re.match(r"^(\s*)", lines[line_no]).group(1)
            lines[line_no] = f'{indent}version: "{version}"\n'
        else:
            last = max(i for i in block if lines[i].strip() and not lines[i].lstrip().startswith("#"))
            lines.insert(last + 1, f'  version: "{version}"\n')
    new_text = "".join(lines)
    after = load_search_log(shown, text=new_text)
    ids = [run_id for run_id, _ in unreleased]
    if [r.version for r in after] != [version if r.run in ids else r.version for r in runs]:
        raise LivingDataError([Problem(shown, f"could not set version {version} on the runs {ids}")])
    return new_text, ids
