"""Evidence records: load, validate and cross-check the YAML files in ``data/``.

One file per record kind, each a YAML list of records:

* ``data/studies.yaml``  -- clinical studies of IL-6 blockade in myeloma (:class:`Study`);
* ``data/timeline.yaml`` -- dated events in the history of IL-6 and its blockade (:class:`TimelineEvent`);
* ``data/findings.yaml`` -- laboratory and patient-sample findings on IL-6 sources and APRIL (:class:`Finding`);
* ``data/crs.yaml``      -- cytokine release syndrome (CRS) and IL-6 blockade after BCMA-directed and other
  T-cell-redirecting therapy (:class:`CRSRecord`);
* ``data/risk_of_bias.yaml`` -- RoB 2 assessments of the randomised trials (:class:`RiskOfBias`);
* ``data/certainty.yaml``    -- GRADE-style summary-of-findings rows (:class:`CertaintyRecord`);
* ``data/registrations.yaml`` -- registered trials of IL-6 blockade (:class:`Registration`).

Every record has an ``id`` (unique across all files), a ``source`` (a key of ``references.bib``) and a
``where`` (the abstract, table or page the numbers were read from). Sub-folders of ``data/`` (e.g.
``data/model/``, the niche-model parameters) are not evidence and are not read here; any other YAML file at
the top of ``data/`` is an error, so a mistyped file name cannot be silently skipped.

>>> ev = load_evidence()                       # doctest: +SKIP
>>> ev.get("orlowski2015").n_total            # doctest: +SKIP
281

All problems of one load are collected and raised together as one :class:`EvidenceError`, each line naming
the file, the record (its id, or its index when the id is missing) and the field.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

from ..paths import BIB_PATH, DATA_DIR
from .bibliography import bib_keys
from .problems import EvidenceError, Problem
from .schema import (CERTAINTY_LEVELS, GRADE_DOMAINS, GRADE_WORDING, KINDS_SINCE, ROB2_DOMAINS, ROB_ORDER, CertaintyRecord,
                     Registration, RiskOfBias)
from .schema import (ENDPOINTS, ID_PATTERN, KEY_PATTERN, KINDS, PERCENT_MEASURES, REGISTRY_PATTERN, CRSRecord, Finding,
                     Outcome, Quantity, Study, TimelineEvent, _Record)
from .yaml_files import read_list, validated_entries

__all__ = ["Evidence", "EvidenceError", "Problem", "load_evidence", "check_record", "study_outcome",
           "record_quantity"]


def _fmt(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------------------------------------------------
# What a computation reads: record kinds used, and reads that only validate
# ---------------------------------------------------------------------------------------------------------

#: Called with the kind's name whenever records of a kind are used (il6mm.build.inputs listens in the book's
#: kernels, so a page re-executes only when a kind it used changes).
_KIND_LISTENERS: list[Callable[[str], None]] = []
_validating = 0


def on_kind_used(listener: Callable[[str], None]) -> None:
    """Call ``listener(kind)`` each time records of ``kind`` are used (outside :func:`validation`)."""
    _KIND_LISTENERS.append(listener)


def validating() -> bool:
    """True inside :func:`validation`: reads made only to check the records, never to compute output."""
    return _validating > 0


@contextmanager
def validation() -> Iterator[None]:
    """Reads and record use inside this block only check the records (loading, cross-checks), so they are not
    dependencies of what a page computes: a bad record fails the build at its start (il6mm.build.context)."""
    global _validating
    _validating += 1
    try:
        yield
    finally:
        _validating -= 1


@contextmanager
def kinds_used() -> Iterator[set[str]]:
    """The kinds of records used inside this block (outside :func:`validation`)."""
    found: set[str] = set()
    _KIND_LISTENERS.append(found.add)
    try:
        yield found
    finally:
        _KIND_LISTENERS.remove(found.add)


def _used(kind: str) -> None:
    if _KIND_LISTENERS and not _validating:
        for listener in _KIND_LISTENERS:
            listener(kind)


# ---------------------------------------------------------------------------------------------------------
# The evidence base
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Evidence:
    """Every validated record, by kind, in file order. Using a kind's records tells the listeners
    (:func:`on_kind_used`), so what a computation read is known."""

    def __getattribute__(self, name: str):
        if name in KINDS:
            _used(name)
        return object.__getattribute__(self, name)

    studies: list[Study] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    crs: list[CRSRecord] = field(default_factory=list)
    risk_of_bias: list[RiskOfBias] = field(default_factory=list)
    certainty: list[CertaintyRecord] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    bib_path: Optional[Path] = None

    def records(self, kind: Optional[str] = None) -> list[_Record]:
        if kind is None:
            return [r for k in KINDS for r in getattr(self, k)]
        if kind not in KINDS:
            raise KeyError(f"unknown record kind {kind!r}; known kinds: {', '.join(KINDS)}")
        return list(getattr(self, kind))

    def get(self, record_id: str) -> _Record:
        """Any record by its id (only the kind it is found in counts as used: ids are unique across kinds)."""
        for kind in KINDS:
            for record in object.__getattribute__(self, kind):
                if record.id == record_id:
                    _used(kind)
                    return record
        raise KeyError(f"no evidence record with id {record_id!r}")

    def kind_of(self, record_id: str) -> str:
        """The kind of the record with this id."""
        for kind in KINDS:
            if any(r.id == record_id for r in object.__getattribute__(self, kind)):
                return kind
        raise KeyError(f"no evidence record with id {record_id!r}")

    def sources(self) -> set[str]:
        """Bib keys cited by the records."""
        return {r.source for r in self.records() if r.source is not None}

    def frame(self, kind: str):
        """A pandas DataFrame of one kind, one row per record (lists flattened to short text).

        Two long formats are also offered: ``"outcomes"`` (one row per study outcome, with the study's
        columns) and ``"arms"`` (one row per study arm).
        """
        import pandas as pd

        if kind == "outcomes":
            rows = []
            for s in self.studies:
                arm_n = {a.arm: a.n for a in s.arms}
                for i, o in enumerate(s.outcomes):
                    row = {"study": s.id, "source": s.source, "agent": s.agent, "target": s.target,
                           "stage": s.stage, "randomised": s.randomised, "outcome_index": i}
                    row.update(o.model_dump())
                    row["arm_n"] = arm_n.get(o.arm) if o.arm else None
                    rows.append(row)
            return pd.DataFrame(rows)
        if kind == "arms":
            rows = [{"study": s.id, "source": s.source, **a.model_dump()} for s in self.studies for a in s.arms]
            return pd.DataFrame(rows)
        rows = []
        for record in self.records(kind):
            row = {}
            for name, value in record.model_dump().items():
                if name == "arms":
                    row["n_arms"] = len(value)
                    row["arms"] = "; ".join(
                        f"{a['arm']} (n={a['n'] if a['n'] is not None else 'NA'})" for a in value)
                elif name == "outcomes":
                    row["n_outcomes"] = len(value)
                elif name == "quantities":
                    row["quantities"] = "; ".join(
                        f"{q['label']}: {_fmt(q['value'])}{'' if q['unit'] == '%' else ' '}{q['unit']}"
                        for q in value)
                else:
                    row[name] = value
            rows.append(row)
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------------------

def _display_path(path: Path, data_dir: Path) -> str:
    return f"{data_dir.name}/{path.name}"


def load_evidence(data_dir: Path | str | None = None, bib_path: Path | str | None = None) -> Evidence:
    """Load, validate and cross-check every evidence record.

    Defaults: ``data/`` and ``references.bib`` of the repository (``il6mm.paths``).
    Raises :class:`EvidenceError` listing every problem found (file, record, field). What loading reads is
    :func:`validation`: a page depends on the kinds of records it then uses, not on every file loading checked.
    """
    with validation():
        return _load_evidence(data_dir, bib_path)


def _load_evidence(data_dir: Path | str | None, bib_path: Path | str | None) -> Evidence:
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    bib_path = Path(bib_path) if bib_path is not None else BIB_PATH
    problems: list[Problem] = []

    if not data_dir.is_dir():
        raise EvidenceError([Problem(str(data_dir), "evidence folder not found")])
    known_files = {fname for fname, _ in KINDS.values()}
    for path in sorted(data_dir.iterdir()):
        if path.is_file() and path.suffix in {".yaml", ".yml"} and path.name not in known_files:
            problems.append(Problem(_display_path(path, data_dir),
                                    "unknown evidence file; known files are "
                                    + ", ".join(sorted(known_files))
                                    + " (put non-evidence data in a sub-folder, e.g. data/model/)"))

    try:
        keys = bib_keys(bib_path)
    except (OSError, ValueError) as exc:
        problems.append(Problem(str(bib_path.name), f"cannot read the bibliography: {exc}"))
        keys = None

    evidence = Evidence(bib_path=bib_path)
    seen_ids: dict[str, str] = {}
    for kind, (fname, model) in KINDS.items():
        path = data_dir / fname
        shown = _display_path(path, data_dir)
        if not path.is_file():
            if kind not in KINDS_SINCE:  # kinds added later are absent from older revisions: read as empty
                problems.append(Problem(shown, "evidence file is missing"))
            continue
        read = read_list(path, shown, problems, noun="records")
        for record, label, line in validated_entries(read, model, shown, problems, noun="a record"):
            for fld, msg in check_record(record):
                problems.append(Problem(shown, msg, record=label, field=fld, line=line))
            if record.id in seen_ids:
                problems.append(Problem(shown, f"duplicate id (already used in {seen_ids[record.id]})",
                                        record=label, field="id", line=line))
            else:
                seen_ids[record.id] = shown
            if keys is not None and record.source is not None and record.source not in keys:
                problems.append(Problem(shown, f"source {record.source!r} is not a key of {bib_path.name}",
                                        record=label, field="source", line=line))
            getattr(evidence, kind).append(record)

    problems += _cross_check(evidence, data_dir)
    if problems:
        raise EvidenceError(problems)
    return evidence


def _cross_check(evidence: Evidence, data_dir: Path) -> list[Problem]:
    """Records that name other records: the named ones must exist (and be of the right sort)."""
    problems: list[Problem] = []
    studies = {s.id: s for s in evidence.studies}
    known = {r.id for r in evidence.records()}
    for r in evidence.risk_of_bias:
        shown = _display_path(data_dir / KINDS["risk_of_bias"][0], data_dir)
        if r.study not in studies:
            problems.append(Problem(shown, f"no study record {r.study!r}", record=f"'{r.id}'", field="study"))
        elif not studies[r.study].randomised:
            problems.append(Problem(shown, f"study {r.study!r} is not randomised: RoB 2 is for randomised trials",
                                    record=f"'{r.id}'", field="study"))
    for r in evidence.certainty:
        shown = _display_path(data_dir / KINDS["certainty"][0], data_dir)
        for i, sid in enumerate(r.studies):
            if sid not in known:
                problems.append(Problem(shown, f"no evidence record {sid!r}", record=f"'{r.id}'",
                                        field=f"studies[{i}]"))
    for r in evidence.registrations:
        shown = _display_path(data_dir / KINDS["registrations"][0], data_dir)
        if r.study is not None and r.study not in studies:
            problems.append(Problem(shown, f"no study record {r.study!r}", record=f"'{r.id}'", field="study"))
    return problems


# ---------------------------------------------------------------------------------------------------------
# Per-record checks (beyond types): ids, percentages, n > 0, CIs, arms named by outcomes
# ---------------------------------------------------------------------------------------------------------

def _check_number(path: str, value: Optional[float], *, percent: bool = False) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not math.isfinite(value):
        return [(path, f"value {value} is not a finite number")]
    if percent and not 0 <= value <= 100:
        return [(path, f"percentage {_fmt(value)} is not within 0-100")]
    return []


def _check_ci(prefix: str, value: Optional[float], low: Optional[float], high: Optional[float],
              *, percent: bool = False) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    out += _check_number(f"{prefix}ci_low", low, percent=percent)
    out += _check_number(f"{prefix}ci_high", high, percent=percent)
    if (low is None) != (high is None):
        out.append((f"{prefix}{'ci_high' if high is None else 'ci_low'}",
                    "a confidence interval needs both ci_low and ci_high"))
    elif low is not None and high is not None:
        if low > high:
            out.append((f"{prefix}ci_low", f"ci_low {_fmt(low)} is above ci_high {_fmt(high)}"))
        elif value is not None and not low <= value <= high:
            out.append((f"{prefix}value",
                        f"confidence interval {_fmt(low)}-{_fmt(high)} does not contain the estimate {_fmt(value)}"))
    return out


def _check_positive(path: str, n: Optional[int]) -> list[tuple[str, str]]:
    if n is not None and n <= 0:
        return [(path, f"n must be > 0, got {n}")]
    return []


def _check_p(path: str, p: Optional[float]) -> list[tuple[str, str]]:
    if p is not None and not 0 <= p <= 1:
        return [(path, f"P value {_fmt(p)} is not within 0-1")]
    return []


def _check_quantities(quantities: list[Quantity]) -> list[tuple[str, str]]:
    out = []
    for i, q in enumerate(quantities):
        pre = f"quantities[{i}]."
        pct = q.unit.strip() == "%"
        out += _check_number(pre + "value", q.value, percent=pct)
        out += _check_number(pre + "value_high", q.value_high, percent=pct)
        if q.value_high is not None and q.value_high < q.value:
            out.append((pre + "value_high", f"range end {_fmt(q.value_high)} is below its start {_fmt(q.value)}"))
        out += _check_ci(pre, q.value, q.ci_low, q.ci_high, percent=pct)
        out += _check_positive(pre + "n", q.n)
        out += _check_p(pre + "p_value", q.p_value)
        if q.count is not None and q.count < 0:
            out.append((pre + "count", f"count must be >= 0, got {q.count}"))
        if q.count is not None and q.n is not None and q.count > q.n:
            out.append((pre + "count", f"count {q.count} exceeds n {q.n}"))
    return out


def grade_wording_problems(field: str, text: str, certainty: str) -> list[tuple[str, str]]:
    """A statement at a certainty says it in GRADE's words: "probably" (moderate), "may" (low), "uncertain"
    (very low), and is not hedged at high certainty."""
    words = GRADE_WORDING[certainty]
    hedges = [w for level, ws in GRADE_WORDING.items() if level != certainty for w in ws]
    said = text.lower()
    if words and not any(w in said for w in words):
        return [(field, f"at {certainty!r} certainty the statement says {' or '.join(repr(w) for w in words)} "
                        "(GRADE wording)")]
    if not words and any(w in said for w in hedges):
        return [(field, "at high certainty the statement is not hedged (GRADE wording)")]
    return []


def check_record(record: _Record) -> list[tuple[str, str]]:
    """(field, message) for every rule a type-valid record breaks."""
    out: list[tuple[str, str]] = []
    if not ID_PATTERN.match(record.id):
        out.append(("id", f"id {record.id!r} must be lower-case letters, digits, '-' or '_'"))
    if not record.where.strip():
        out.append(("where", "say where the numbers were read (abstract, table or page)"))
    # Keys name outcomes and quantities in the prose ({val}`record/key`): one name, one item.
    seen_keys: dict[str, str] = {}
    for list_name in ("outcomes", "quantities"):
        for i, item in enumerate(getattr(record, list_name, None) or []):
            key, path = getattr(item, "key", None), f"{list_name}[{i}].key"
            if key is None:
                continue
            if not KEY_PATTERN.match(key):
                out.append((path, f"key {key!r} must be lower-case letters, digits, '-' or '_'"))
            elif key in seen_keys:
                out.append((path, f"key {key!r} is already used by {seen_keys[key]}"))
            else:
                seen_keys[key] = path.removesuffix(".key")

    if isinstance(record, Study):
        out += _check_positive("n_total", record.n_total)
        out += _check_positive("n_randomised", record.n_randomised)
        if record.registry is not None and not REGISTRY_PATTERN.match(record.registry):
            out.append(("registry", f"registry id {record.registry!r} is not of the form NCT01234567"))
        if not record.arms:
            out.append(("arms", "a study needs at least one arm"))
        arm_names = [a.arm for a in record.arms]
        for i, a in enumerate(record.arms):
            out += _check_positive(f"arms[{i}].n", a.n)
            if arm_names.count(a.arm) > 1:
                out.append((f"arms[{i}].arm", f"arm name {a.arm!r} is used twice"))
        known_n = [a.n for a in record.arms if a.n is not None]
        for i, o in enumerate(record.outcomes):
            pre = f"outcomes[{i}]."
            if o.endpoint not in ENDPOINTS:
                out.append((pre + "endpoint", f"unknown endpoint {o.endpoint!r}; add it to "
                            "il6mm.evidence.ENDPOINTS with its definition"))
            if (o.arm is None) == (o.comparison is None):
                out.append((pre + "arm", "an outcome names exactly one of 'arm' (per-arm) or 'comparison'"))
            if o.arm is not None and o.arm not in arm_names:
                out.append((pre + "arm", f"arm {o.arm!r} is not one of the study's arms {arm_names}"))
            if o.comparison is not None:
                sides = [s.strip() for s in o.comparison.split(" vs ")]
                bad = [s for s in sides if s not in arm_names]
                if len(sides) != 2 or bad:
                    out.append((pre + "comparison", f"comparison {o.comparison!r} must read '<arm> vs <arm>' "
                                f"with arms from {arm_names}"))
            if o.measure == "hazard_ratio" and o.comparison is None:
                out.append((pre + "comparison", "a hazard ratio compares two arms: give 'comparison'"))
            if o.value is None and not o.not_reached:
                out.append((pre + "value", "value is missing (use not_reached: true for a median not reached)"))
            if o.not_reached and o.measure != "median_months":
                out.append((pre + "not_reached", "not_reached applies to median_months only"))
            pct = o.measure in PERCENT_MEASURES
            out += _check_number(pre + "value", o.value, percent=pct)
            if o.measure == "hazard_ratio" and o.value is not None and o.value <= 0:
                out.append((pre + "value", f"hazard ratio {_fmt(o.value)} must be > 0"))
            if o.measure == "median_months" and o.value is not None and o.value < 0:
                out.append((pre + "value", f"median {_fmt(o.value)} months is negative"))
            if o.measure == "rate_percent" and o.at_months is None:
                out.append((pre + "at_months", "a rate needs the time point it was read at (at_months)"))
            out += _check_ci(pre, o.value, o.ci_low, o.ci_high, percent=pct)
            out += _check_positive(pre + "n", o.n)
            out += _check_p(pre + "p_value", o.p_value)
            if o.count is not None and o.count < 0:
                out.append((pre + "count", f"count must be >= 0, got {o.count}"))
        if known_n and sum(known_n) > record.n_total:
            out.append(("arms", f"arm sizes add up to {sum(known_n)}, more than n_total {record.n_total}"))
    elif isinstance(record, RiskOfBias):
        missing = [d for d in ROB2_DOMAINS if d not in record.domains]
        unknown = [d for d in record.domains if d not in ROB2_DOMAINS]
        if missing:
            out.append(("domains", f"every RoB 2 domain needs a judgement; missing: {', '.join(missing)}"))
        if unknown:
            out.append(("domains", f"unknown domain(s) {', '.join(unknown)}; domains: {', '.join(ROB2_DOMAINS)}"))
        if record.outcome not in ENDPOINTS:
            out.append(("outcome", f"unknown endpoint {record.outcome!r}"))
        worst = max((ROB_ORDER[j.judgement] for j in record.domains.values()), default=0)
        if ROB_ORDER[record.overall.judgement] < worst:
            out.append(("overall.judgement", f"overall {record.overall.judgement!r} is lower than the worst domain "
                                             f"({[k for k, v in ROB_ORDER.items() if v == worst][0]!r}); RoB 2's "
                                             "overall judgement is at least its worst domain"))
        for name, j in record.domains.items():
            if not j.reason.strip():
                out.append((f"domains.{name}.reason", "say why"))
    elif isinstance(record, CertaintyRecord):
        missing = [d for d in GRADE_DOMAINS if d not in record.downgrades]
        unknown = [d for d in record.downgrades if d not in GRADE_DOMAINS]
        if missing:
            out.append(("downgrades", f"every GRADE domain needs a line (0 levels if none); missing: {', '.join(missing)}"))
        if unknown:
            out.append(("downgrades", f"unknown domain(s) {', '.join(unknown)}; domains: {', '.join(GRADE_DOMAINS)}"))
        start = 3 if record.design == "randomised" else 1      # high, or low for observational evidence
        levels = sum(d.levels for d in record.downgrades.values())
        if record.certainty == "not reported":
            if levels:
                out.append(("downgrades", "an outcome the studies did not report has nothing to downgrade"))
        else:
            expected = CERTAINTY_LEVELS[max(0, start - levels)]
            if record.certainty != expected:
                out.append(("certainty", f"{record.design} evidence downgraded {levels} level(s) is "
                                         f"{expected!r}, not {record.certainty!r}"))
        out += grade_wording_problems("plain_words", record.plain_words, record.certainty)
        if record.key_message is not None:
            out += grade_wording_problems("key_message", record.key_message, record.certainty)
        if not record.studies:
            out.append(("studies", "name the records the outcome rests on"))
    elif isinstance(record, Registration):
        if not REGISTRY_PATTERN.match(record.registry):
            out.append(("registry", f"registry id {record.registry!r} is not of the form NCT01234567"))
        if record.enrolment is not None and record.enrolment < 0:
            out.append(("enrolment", "enrolment must be >= 0"))
        if (record.enrolment is None) != (record.enrolment_kind is None):
            out.append(("enrolment_kind", "give enrolment and whether it is actual or target together"))
    elif isinstance(record, TimelineEvent):
        if not 1800 <= record.year <= 2100:
            out.append(("year", f"year {record.year} is implausible"))
    elif isinstance(record, Finding):
        out += _check_positive("n", record.n)
        if not record.direction and not record.quantities:
            out.append(("direction", "a finding needs a direction or at least one quantity"))
        out += _check_quantities(record.quantities)
    elif isinstance(record, CRSRecord):
        out += _check_positive("n", record.n)
        out += _check_number("crs_any_grade_percent", record.crs_any_grade_percent, percent=True)
        out += _check_number("crs_grade3plus_percent", record.crs_grade3plus_percent, percent=True)
        out += _check_number("icans_percent", record.icans_percent, percent=True)
        if (record.crs_any_grade_percent is not None and record.crs_grade3plus_percent is not None
                and record.crs_grade3plus_percent > record.crs_any_grade_percent):
            out.append(("crs_grade3plus_percent", "grade >=3 CRS cannot exceed CRS of any grade"))
        for name in ("crs_any_grade_count", "crs_grade3plus_count"):
            count = getattr(record, name)
            if count is None:
                continue
            if count < 0:
                out.append((name, f"count must be >= 0, got {count}"))
            elif record.n is None:
                out.append(("n", f"{name} needs the number of patients n it is out of"))
            elif count > record.n:
                out.append((name, f"{count} events is more than the {record.n} patients (n)"))
        if (record.crs_any_grade_count is not None and record.crs_grade3plus_count is not None
                and record.crs_grade3plus_count > record.crs_any_grade_count):
            out.append(("crs_grade3plus_count", f"{record.crs_grade3plus_count} grade >=3 events is more than the "
                                                f"{record.crs_any_grade_count} events of any grade"))
        if record.prophylactic_tocilizumab and not (record.comparator or "").strip():
            out.append(("comparator", "a prophylaxis cohort must say what it is compared with (e.g. 'none: "
                                      "single-arm cohort'); no such comparison here is randomised"))
        if record.therapy_class is not None and record.system != "patients":
            out.append(("therapy_class", "only patient cohorts are pooled by therapy class"))
        if record.registry is not None and not REGISTRY_PATTERN.match(record.registry):
            out.append(("registry", f"registry id {record.registry!r} is not of the form NCT01234567"))
        out += _check_quantities(record.quantities)
    return out

# ---------------------------------------------------------------------------------------------------------
# One number of a record, found by what it is (figures use these; the prose uses the {val} role)
# ---------------------------------------------------------------------------------------------------------

def study_outcome(study: Study, endpoint: str, measure: str, *, blockade: Optional[bool] = None,
                  at_months: Optional[float] = None, index: int = 0) -> Outcome:
    """The outcome of ``study`` for ``endpoint``/``measure`` (per-arm: the arm with or without IL-6 blockade).

    ``index`` picks among repeated values of one arm (before, during, after treatment), in record order.
    Raises ``LookupError`` naming the study and what was asked when there is no such outcome.
    """
    arms = {a.arm: a.il6_blockade for a in study.arms}
    found = [o for o in study.outcomes
             if o.endpoint == endpoint and o.measure == measure
             and (blockade is None or (o.arm is not None and arms.get(o.arm) == blockade))
             and (at_months is None or o.at_months == at_months)]
    if len(found) <= index:
        side = "" if blockade is None else (" in the arm with IL-6 blockade" if blockade else " in the control arm")
        raise LookupError(f"study {study.id!r}: no {endpoint} {measure}{side}"
                          + (f" at {at_months} months" if at_months is not None else "")
                          + (f" (value #{index + 1})" if index else ""))
    return found[index]


def record_quantity(record: Finding | CRSRecord, label: str) -> Quantity:
    """The quantity of a finding or CRS record with this exact label; ``LookupError`` naming both if absent."""
    for quantity in record.quantities:
        if quantity.label == label:
            return quantity
    raise LookupError(f"record {record.id!r} has no quantity {label!r}; it has {[q.label for q in record.quantities]}")

