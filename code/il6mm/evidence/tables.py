"""Readable MyST tables of the evidence records, for the "Evidence tables" appendix.

Each table has two columns so that it reads on a phone: what the record is (with its citation) and
what it found, the details on following lines of the same cell. Every number comes from a record.

>>> from il6mm.evidence import load_evidence
>>> md = table_markdown("studies", load_evidence())   # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, Callable

from . import markdown
from .records import Evidence
from .schema import (GRADE_DOMAINS, KINDS, ROB2_DOMAINS, CertaintyRecord, CRSRecord, Finding, Outcome, Quantity,
                     Registration, RiskOfBias, Study, TimelineEvent)

#: How endpoints are shown to readers.
ENDPOINT_LABELS = {
    "ORR": "Overall response",
    "MR_or_better": "Minimal response or better",
    "CR": "Complete response",
    "VGPR_or_better": "VGPR or better",
    "PR": "Partial response",
    "MR": "Minimal response",
    "S_phase_cells": "Myeloma cells in S-phase",
    "PFS": "Progression-free survival",
    "OS": "Overall survival",
    "EFS": "Event-free survival",
    "TTP": "Time to progression",
    "PFS_events": "Patients with a PFS event",
    "endogenous_IL6_production": "Endogenous IL-6 production",
    "antibody_half_life": "Antibody half-life",
    "grade3plus_neutropenia": "Grade ≥3 neutropenia",
    "grade3plus_thrombocytopenia": "Grade ≥3 thrombocytopenia",
    "grade3plus_lymphopenia": "Grade 3/4 lymphopenia",
    "grade3plus_AE": "Grade ≥3 adverse events",
    "infections": "Infections (any grade)",
    "grade3plus_infections": "Grade ≥3 infections",
    "discontinuation": "Discontinued the antibody or placebo",
}

_ESCAPE = re.compile(r"([\\`*_\[\]<>#|{}])")


def escape(text: str) -> str:
    """Backslash-escape Markdown punctuation in record text so it renders literally."""
    return _ESCAPE.sub(r"\\\1", " ".join(str(text).split()))


def record_anchor(record_id: str) -> str:
    """HTML id of a record's row on the Evidence tables page, the target of every number's link."""
    return "rec-" + re.sub(r"[^a-z0-9]+", "-", record_id.lower()).strip("-")


def anchor(record_id: str) -> str:
    """MyST that marks a table row as the record's link target (``{record-anchor}``, see il6mm.site.roles)."""
    return f"{{record-anchor}}`{record_anchor(record_id)}`"


def cite(key: str, role: str = "footcite") -> str:
    return f"{{{role}}}`{key}`"


def _num(x: float) -> str:
    return f"{x:g}"


def format_p(p: float | None, relation: str = "=") -> str:
    """A P value as published, e.g. 'P=0.213' or 'P<0.001'; empty when there is none."""
    if p is None:
        return ""
    return f"P{'<' if relation == '<' else '='}{_num(p)}"


def format_outcome_value(o: Outcome) -> str:
    """One outcome's number as a reader sees it, e.g. '55%', '8.0 months', 'HR 0.5 (95% CI 0.24–1.04)'."""
    if o.not_reached:
        text = "not reached"
    elif o.measure in ("percent", "rate_percent"):
        text = f"{_num(o.value)}%"
    elif o.measure == "median_months":
        text = f"{_num(o.value)} months"
    elif o.measure == "hazard_ratio":
        text = f"HR {_num(o.value)}"
    elif o.measure == "count" and o.n is not None:
        text = f"{_num(o.value)} of {o.n}"
    else:
        text = _num(o.value) + (f" {o.unit}" if o.unit else "")
    if o.measure in ("percent", "rate_percent") and o.count is not None and o.n is not None:
        text += f" ({o.count}/{o.n})"
    if o.ci_low is not None and o.ci_high is not None:
        text += f" ({_num(o.ci_level)}% CI {_num(o.ci_low)}–{_num(o.ci_high)})"
    return text


def _outcome_lines(study: Study) -> list[str]:
    """One line per (endpoint, measure, time point): the arms' values side by side, then the P value."""
    groups: "OrderedDict[tuple, list[Outcome]]" = OrderedDict()
    for o in study.outcomes:
        groups.setdefault((o.endpoint, o.measure, o.at_months), []).append(o)
    lines = []
    for (endpoint, measure, at_months), outcomes in groups.items():
        label = ENDPOINT_LABELS.get(endpoint, endpoint)
        if measure == "median_months":
            label = f"Median {label[0].lower()}{label[1:]}"
        if at_months is not None:
            label += f" at {_num(at_months)} months"
        parts, ps = [], []
        for o in outcomes:
            value = format_outcome_value(o)
            who = o.arm if o.arm is not None else o.comparison
            if len(outcomes) > 1 and len(study.arms) == 1 and o.note:
                value += f" ({escape(o.note)})"  # single arm, several values: say which is which
            parts.append(f"{escape(who)} {value}" if len(study.arms) > 1 or o.comparison else value)
            if o.p_value is not None:
                ps.append(format_p(o.p_value, o.p_relation))
        line = f"{escape(label)}: " + "; ".join(parts)
        if ps:
            line += f" ({', '.join(ps)})"
        lines.append(line)
    return lines


def _list_table(header: tuple[str, str], rows: list[tuple[list[str], list[str]]], widths: str = "35 65") -> str:
    return markdown.list_table(header, rows, widths=widths)


def _study_rows(studies: list[Study], role: str, evidence: Evidence):
    rows = []
    for s in studies:
        arms = "; ".join(f"{escape(a.arm)} (n={a.n if a.n is not None else 'not reported'})" for a in s.arms)
        left = [f"**{escape(s.name or s.id)}** {cite(s.source, role)}", f"{escape(s.agent)} (anti-{escape(s.target)})"]
        design = f"{escape(s.stage)}, {escape(s.design)}, phase {escape(s.phase)}, n={s.n_total}"
        if s.registry:
            design += f", {s.registry}"
        right = [design, f"Arms: {arms}"] + _outcome_lines(s)
        if s.note:
            right.append(f"*{escape(s.note)}*")
        rows.append((left, right))
    return rows


def _quantity_text(q: Quantity) -> str:
    value = _num(q.value) + (f"–{_num(q.value_high)}" if q.value_high is not None else "")
    unit = "%" if q.unit == "%" else f" {escape(q.unit)}"
    text = f"{escape(q.label)}: {value}{unit}"
    if q.count is not None and q.n is not None:
        text += f" ({q.count}/{q.n})"
    elif q.n is not None:
        text += f" (n={q.n})"
    if q.ci_low is not None and q.ci_high is not None:
        text += f" ({_num(q.ci_level)}% CI {_num(q.ci_low)}–{_num(q.ci_high)})"
    if q.p_value is not None:
        text += f" ({format_p(q.p_value, q.p_relation)})"
    return text


def _timeline_rows(events: list[TimelineEvent], role: str, evidence: Evidence):
    return [([f"**{e.year}**", escape(e.category)],
             [f"{escape(e.event)} {cite(e.source, role)}", f"*{escape(e.why_it_matters)}*"]) for e in events]


def _finding_rows(findings: list[Finding], role: str, evidence: Evidence):
    rows = []
    for f in findings:
        left = [f"**{escape(f.cell_type)}**", f"{escape(f.system)}; {escape(f.topic)}"]
        right = [f"{escape(f.claim)} {cite(f.source, role)}", f"Method: {escape(f.method)}"]
        if f.direction:
            right.append(f"Direction: {escape(f.direction)}")
        right += [_quantity_text(q) for q in f.quantities]
        rows.append((left, right))
    return rows


def _crs_rows(records: list[CRSRecord], role: str, evidence: Evidence):
    rows = []
    for r in records:
        left = [f"**{escape(r.product)}** {cite(r.source, role)}", escape(r.trial or r.product_class)]
        right = []
        if r.crs_any_grade_percent is not None:
            text = f"CRS (any grade): {_num(r.crs_any_grade_percent)}%"
            if r.crs_grade3plus_percent is not None:
                text += f"; grade ≥3: {_num(r.crs_grade3plus_percent)}%"
            if r.n is not None:
                text += f" (n={r.n})"
            right.append(text)
        elif r.n is not None:
            right.append(f"n={r.n}")
        counts = [f"{label}: {count} of {r.n}" for label, count in
                  (("CRS events", r.crs_any_grade_count), ("grade ≥3 events", r.crs_grade3plus_count))
                  if count is not None]
        if counts:
            right.append("; ".join(counts))
        if r.icans_percent is not None:
            right.append(f"ICANS: {_num(r.icans_percent)}%")
        if r.therapy_class or r.cohort:
            right.append("Cohort: " + ", ".join(escape(x) for x in (r.therapy_class, r.cohort) if x))
        if r.prophylactic_tocilizumab:
            right.append(f"Prophylactic tocilizumab; compared with: {escape(r.comparator)}")
        if r.tocilizumab_use:
            right.append(f"Tocilizumab: {escape(r.tocilizumab_use)}")
        if r.tocilizumab_effect:
            right.append(f"Effect: {escape(r.tocilizumab_effect)}")
        right += [_quantity_text(q) for q in r.quantities]
        if not right:
            right = [escape(r.note or r.product_class)]
        rows.append((left, right))
    return rows


def _rob_rows(records: list[RiskOfBias], role: str, evidence: Evidence):
    rows = []
    for r in records:
        left = [f"**{escape(r.study)}** {cite(r.source, role)}", f"RoB 2, outcome: {escape(ENDPOINT_LABELS.get(r.outcome, r.outcome))}"]
        right = [f"**Overall: {r.overall.judgement}.** {escape(r.overall.reason)}"]
        right += [f"{escape(ROB2_DOMAINS[d].capitalize())}: {j.judgement}. {escape(j.reason)}"
                  for d, j in r.domains.items()]
        rows.append((left, right))
    return rows


def patients_of(evidence: Evidence, row: CertaintyRecord) -> list[int | None]:
    """The patients of each record a certainty row rests on: randomised for a study, treated for a CRS
    cohort; None where the record does not give the number."""
    return [r.n_randomised if isinstance(r, Study) else r.n for r in (evidence.get(i) for i in row.studies)]


def studies_markdown(evidence: Evidence, row: CertaintyRecord) -> str:
    """How many study or cohort records a certainty row rests on, and their patients: computed (``@sof``),
    never typed into the effect."""
    studies = f"{{val}}`@sof[{row.id}].studies`"
    if None in patients_of(evidence, row):
        return f"{studies} (patients not given by every study)"
    return f"{studies} ({{val}}`@sof[{row.id}].participants` patients)"


def _certainty_rows(records: list[CertaintyRecord], role: str, evidence: Evidence):
    rows = []
    for r in records:
        left = [f"**{escape(r.outcome)}**", escape(r.comparison)]
        right = [f"{r.effect} {cite(r.source, role)}", f"Studies (patients): {studies_markdown(evidence, r)}",
                 f"{{certainty}}`{r.certainty}` ({r.design} evidence). {escape(r.plain_words)}"]
        right += [f"{escape(GRADE_DOMAINS[d].capitalize())}: " + (f"−{g.levels}. " if g.levels else "not downgraded. ")
                  + escape(g.reason) for d, g in r.downgrades.items()]
        rows.append((left, right))
    return rows


def _registration_rows(records: list[Registration], role: str, evidence: Evidence):
    rows = []
    for r in records:
        left = [f"**{r.registry}**" + (f" {cite(r.source, role)}" if r.source else ""), f"{escape(r.agent)}, phase {escape(r.phase)}"]
        enrolled = (f"{r.enrolment} ({r.enrolment_kind})" if r.enrolment is not None else "not on the checked page")
        right = [escape(r.title), f"Status: {r.status}; enrolment: {enrolled}"
                 + (f"; registered {escape(r.registered)}" if r.registered else ""), f"Registry page: {escape(r.where)}"]
        if r.note:
            right.append(f"*{escape(r.note)}*")
        rows.append((left, right))
    return rows


TABLES = {
    "studies": (("Study and agent", "Design and results"), _study_rows),
    "timeline": (("Year", "Event and why it matters"), _timeline_rows),
    "findings": (("Cell type and system", "Finding"), _finding_rows),
    "crs": (("Product and trial", "Cytokine release syndrome and IL-6 blockade"), _crs_rows),
    "risk_of_bias": (("Trial and outcome", "Risk of bias (RoB 2), by domain"), _rob_rows),
    "certainty": (("Outcome and comparison", "Effect and certainty of the evidence"), _certainty_rows),
    "registrations": (("Registration", "Title, status and enrolment"), _registration_rows),
}

#: Short column heads of the RoB 2 matrix, in domain order.
ROB_SHORT = {"randomisation": "Randomisation", "deviations": "Deviations", "missing_data": "Missing data",
             "measurement": "Measurement", "selection": "Reporting"}


def rob_matrix_markdown(evidence: Evidence, names: dict[str, str] | None = None) -> str:
    """A compact table: one row per assessed trial, one column per RoB 2 domain, then the overall judgement."""
    if not evidence.risk_of_bias:
        raise ValueError("rob_matrix_markdown: no risk-of-bias record")
    studies = {s.id: s for s in evidence.studies}
    rows = []
    for r in evidence.risk_of_bias:
        name = (names or {}).get(r.study) or studies[r.study].name or r.study
        rows.append((f"{escape(name)} ({escape(r.outcome)}) {cite(r.source)}",
                     *(r.domains[d].judgement for d in ROB2_DOMAINS), f"**{r.overall.judgement}**"))
    # Cells are escaped MyST already (escape()), so they are not escaped again.
    return markdown.table(("Trial (outcome)", *(ROB_SHORT[d] for d in ROB2_DOMAINS), "Overall"), rows,
                          escape_cells=False)


def summary_of_findings_markdown(evidence: Evidence, resting_on: str | None = None) -> str:
    """The summary-of-findings table: outcome, effect (with its numbers linked to their records), certainty and
    what it means. ``resting_on`` (a record kind) keeps only the rows whose records are all of that kind, so a
    chapter shows its own outcomes and reads only the records they name."""
    chosen = [r for r in evidence.certainty
              if resting_on is None or all(evidence.kind_of(i) == resting_on for i in r.studies)]
    if not chosen:
        raise ValueError("summary_of_findings_markdown: no certainty record"
                         + (f" rests on {resting_on} records only" if resting_on else ""))
    rows = [(f"**{escape(r.outcome)}**: {escape(r.comparison)}", f"{r.effect} {cite(r.source)}",
             studies_markdown(evidence, r), f"{{certainty}}`{r.certainty}`", escape(r.plain_words))
            for r in chosen]
    return markdown.table(("Outcome", "Effect", "Studies (patients)", "Certainty", "What it means"), rows,
                          escape_cells=False)


def table_markdown(kind: str, evidence: Evidence, cite_role: str = "footcite",
                   select: Callable[[Any], bool] | None = None, anchors: bool = False) -> str:
    """A MyST list-table of the records of one kind (those ``select`` accepts, default all), in file order,
    citing each record's source. Selecting nothing is an error: an empty table would hide a renamed field.
    ``anchors`` marks each row as its record's link target (the Evidence tables page only: ids are unique
    per page)."""
    if kind not in TABLES:
        raise KeyError(f"unknown record kind {kind!r}; known kinds: {', '.join(KINDS)}")
    header, rows_of = TABLES[kind]
    records = [r for r in evidence.records(kind) if select is None or select(r)]
    if not records:
        raise ValueError(f"table_markdown({kind!r}): the selection matches no record")
    widths = "20 80" if kind == "timeline" else "35 65"
    rows = rows_of(records, cite_role, evidence)
    if anchors:
        rows = [([anchor(r.id) + left[0], *left[1:]], right) for r, (left, right) in zip(records, rows)]
    return _list_table(header, rows, widths=widths)
