"""PRISMA 2020 / PRISMA-LSR flow counts, one column per version of the review plus the cumulative total.

A version's records are those found by the search runs that fed it (``version`` in the search log; runs not
yet in a released version form a column of their own). Counts come from the logs only:

* identified = the runs' ``hits``; duplicates removed = their ``duplicates``;
* screened = their ``new`` (the candidates written to the screening log);
* excluded (by reason), included and awaiting screening = the screening log's entries found in those runs.

A count the logs do not know is ``None`` (shown as "unknown"): when a run's ``hits`` are unknown, so are
the version's identified records; when its ``new`` is unknown (e.g. manual searches whose exclusions were
not logged), the screened and excluded counts are unknown too. Known counts must add up, or
:class:`FlowError` says which do not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from .logs import REASONS, LivingData

UNRELEASED = "next"


class FlowError(ValueError):
    """The flow counts of a version do not add up."""


def _sum(values) -> Optional[int]:
    values = list(values)
    return None if any(v is None for v in values) else sum(values)


@dataclass(frozen=True)
class VersionFlow:
    version: str
    label: str
    runs: tuple[str, ...]
    identified: Optional[int]
    duplicates_removed: Optional[int]
    screened: Optional[int]
    excluded: Optional[int]
    excluded_by_reason: Optional[dict[str, int]]
    included: int
    pending: int
    logged: int = 0  # screening-log entries found by these runs
    notes: tuple[str, ...] = field(default=())

    def check(self) -> None:
        """Raise :class:`FlowError` unless every known count adds up."""
        where = f"flow of version {self.label}"
        for name in ("identified", "duplicates_removed", "screened", "excluded", "included", "pending"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise FlowError(f"{where}: {name} is negative ({value})")
        if self.screened is not None and self.logged != self.screened:
            raise FlowError(f"{where}: the search log counts {self.screened} new records, the screening log "
                            f"has {self.logged} entries found by runs {', '.join(self.runs)}")
        if None not in (self.identified, self.duplicates_removed, self.screened) and \
                self.identified != self.duplicates_removed + self.screened:
            raise FlowError(f"{where}: identified ({self.identified}) != duplicates removed "
                            f"({self.duplicates_removed}) + screened ({self.screened})")
        if self.screened is not None and self.excluded is not None and \
                self.screened != self.excluded + self.included + self.pending:
            raise FlowError(f"{where}: screened ({self.screened}) != excluded ({self.excluded}) + included "
                            f"({self.included}) + awaiting screening ({self.pending})")
        if self.excluded_by_reason is not None:
            if self.excluded is None or sum(self.excluded_by_reason.values()) != self.excluded:
                raise FlowError(f"{where}: exclusions by reason ({sum(self.excluded_by_reason.values())}) "
                                f"!= excluded ({self.excluded})")
        if self.screened is not None and self.included + self.pending > self.screened:
            raise FlowError(f"{where}: more records included and pending than screened")


def version_flows(living: LivingData) -> list[VersionFlow]:
    """One checked flow per version, in the order the versions first appear in the search log."""
    order: list[Optional[str]] = []
    for run in living.runs:
        if run.version not in order:
            order.append(run.version)
    if None in order:  # runs not yet released come last
        order = [v for v in order if v is not None] + [None]
    released = [v for v in order if v is not None]
    found = Counter(c.found_in for c in living.screening)
    for run in living.runs:  # each run on its own, whatever else its version holds
        if run.new is not None and found[run.run] != run.new:
            raise FlowError(f"run {run.run}: the search log counts {run.new} new records, the screening log "
                            f"has {found[run.run]} entries found by it")
    flows = []
    for version in order:
        runs = [r for r in living.runs if r.version == version]
        run_ids = {r.run for r in runs}
        entries = [c for c in living.screening if c.found_in in run_ids]
        complete = all(r.new is not None for r in runs)
        decisions = Counter(c.decision for c in entries)
        reasons = Counter(c.reason for c in entries if c.decision == "excluded")
        label = version if version is not None else (
            f"since {released[-1]} (next version)" if released else "first version (unreleased)")
        flow = VersionFlow(
            version=version or UNRELEASED, label=label, runs=tuple(r.run for r in runs),
            identified=_sum(r.hits for r in runs), duplicates_removed=_sum(r.duplicates for r in runs),
            screened=_sum(r.new for r in runs) if complete else None,
            excluded=decisions["excluded"] if complete else None,
            excluded_by_reason={k: reasons[k] for k in REASONS if reasons[k]} if complete else None,
            included=decisions["included"], pending=decisions["pending"], logged=len(entries),
            notes=tuple(r.note for r in runs if r.note))
        flow.check()
        flows.append(flow)
    return flows


def cumulative_flow(flows: list[VersionFlow]) -> VersionFlow:
    """The total over every version (a count unknown in any version is unknown in the total)."""
    by_reason: Optional[dict[str, int]] = None
    if all(f.excluded_by_reason is not None for f in flows):
        total: Counter = Counter()
        for f in flows:
            total.update(f.excluded_by_reason or {})
        by_reason = {k: total[k] for k in REASONS if total[k]}
    flow = VersionFlow(
        version="cumulative", label="cumulative", runs=tuple(r for f in flows for r in f.runs),
        identified=_sum(f.identified for f in flows), duplicates_removed=_sum(f.duplicates_removed for f in flows),
        screened=_sum(f.screened for f in flows), excluded=_sum(f.excluded for f in flows),
        excluded_by_reason=by_reason, included=sum(f.included for f in flows),
        pending=sum(f.pending for f in flows), logged=sum(f.logged for f in flows))
    flow.check()
    return flow


def flow_table(living: LivingData) -> list[VersionFlow]:
    """Every version's flow and, when there is more than one version, the cumulative column last."""
    flows = version_flows(living)
    return flows + [cumulative_flow(flows)] if len(flows) > 1 else flows


def show(count: Optional[int]) -> str:
    """A count for the page: the number, or "unknown"."""
    return "unknown" if count is None else str(count)


def flow_alt_text(flows: list[VersionFlow]) -> str:
    """The flow figure described for a screen reader, from the columns it draws."""
    labels = [f"version {f.label}" if f.label[:1].isdigit() else f"the {f.label} total" if f.label == "cumulative"
              else f.label for f in flows]
    names = ", ".join(labels[:-1]) + (" and " + labels[-1] if len(labels) > 1 else labels[0])
    unknown = [label for f, label in zip(flows, labels) if f.identified is None or f.screened is None]
    return (f"PRISMA flow diagram with one column each for {names}; each column runs from records identified "
            "through duplicates removed, records screened and records excluded to records awaiting screening "
            "and records included"
            + (f"; the logs do not hold every count for {', '.join(unknown)}" if unknown else "")
            + ". Every count is in the table below the figure.")
