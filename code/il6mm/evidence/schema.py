"""Schemas of the evidence records: the vocabularies and the pydantic models, one per record kind.

One file per record kind in ``data/``, each a YAML list of records (see ``KINDS``). Every record has an
``id`` (unique across all files), a ``source`` (a key of ``references.bib``) and a ``where`` (the abstract,
table or page the numbers were read from). Unknown fields are rejected.
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict

# ---------------------------------------------------------------------------------------------------------
# Vocabularies (extend here, with a line of documentation, when a new record needs a new term)
# ---------------------------------------------------------------------------------------------------------

#: Clinical endpoints of study outcomes.
ENDPOINTS: dict[str, str] = {
    "ORR": "overall response rate (partial response or better, as defined by the study)",
    "MR_or_better": "minimal response or better (PR + MR), as reported by older trials",
    "CR": "complete response (or better, as reported)",
    "VGPR_or_better": "very good partial response or better",
    "PR": "partial response",
    "MR": "minimal response",
    "S_phase_cells": "myeloma cells in S-phase in the bone marrow (labelling index)",
    "PFS": "progression-free survival",
    "OS": "overall survival",
    "EFS": "event-free survival",
    "TTP": "time to progression",
    "PFS_events": "patients with a PFS event at the reported follow-up",
    "endogenous_IL6_production": "calculated whole-body IL-6 production (microgram/day)",
    "antibody_half_life": "terminal half-life of the antibody (days)",
    "grade3plus_neutropenia": "grade >=3 neutropenia (adverse event)",
    "grade3plus_thrombocytopenia": "grade >=3 thrombocytopenia (adverse event)",
    "grade3plus_lymphopenia": "grade 3/4 lymphopenia (adverse event)",
    "grade3plus_AE": "any grade >=3 adverse event",
    "infections": "infections of any grade (adverse event)",
    "grade3plus_infections": "grade >=3 infections (adverse event)",
    "discontinuation": "discontinuation of the study antibody or placebo",
}

#: How a value is measured. Percentages (``percent``, ``rate_percent``) must lie within 0-100.
Measure = Literal["percent", "count", "median_months", "hazard_ratio", "rate_percent",
                  "median", "mean", "value"]
PERCENT_MEASURES = {"percent", "rate_percent"}

Target = Literal["IL-6", "IL-6R"]
#: Disease stage; "MM" when the source does not say which.
Stage = Literal["SMM", "NDMM", "RRMM", "advanced MM", "PCL", "MM"]
System = Literal["patient samples", "patients", "cell line", "primary cells in vitro", "mouse",
                 "xenograft", "review"]
FindingTopic = Literal["IL-6 source", "IL-6 signalling", "IL-6 in vivo", "APRIL", "BCMA"]
TimelineCategory = Literal["biology", "clinical trial", "regulatory", "review"]
ProductClass = Literal["CAR-T", "bispecific antibody", "IL-6 blockade", "mouse model"]


class _Record(BaseModel):
    """Fields every record has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    source: str
    where: str
    note: Optional[str] = None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------------------
# Studies
# ---------------------------------------------------------------------------------------------------------

class Arm(_Strict):
    """One arm (or cohort) of a study. ``n`` is null when the per-arm number was not on a checked page."""

    arm: str
    n: Optional[int] = None
    regimen: str
    il6_blockade: bool
    note: Optional[str] = None


class _Statistics(_Strict):
    """What every published number may carry besides its value: counts, a confidence interval, a P value."""

    count: Optional[int] = None
    n: Optional[int] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    ci_level: float = 95
    p_value: Optional[float] = None
    p_relation: Literal["=", "<"] = "="
    note: Optional[str] = None


class Outcome(_Statistics):
    """One published number. Per-arm measures name ``arm``; comparative ones (HR) name ``comparison``.

    ``p_value`` on a per-arm row is the between-arm P value as published (``p_relation`` "<" for "P<0.001").
    ``value`` may be null only with ``not_reached: true`` (e.g. a median PFS not reached).
    """

    endpoint: str
    measure: Measure
    key: Optional[str] = None   # short name the prose addresses it by: {val}`study-id/key`
    arm: Optional[str] = None
    comparison: Optional[str] = None
    value: Optional[float] = None
    not_reached: bool = False
    unit: Optional[str] = None
    at_months: Optional[float] = None


class Study(_Record):
    """A clinical study of IL-6 blockade in myeloma. ``name`` is the short label readers see."""

    name: Optional[str] = None
    agent: str
    target: Target
    stage: Stage
    setting: str
    design: str
    phase: str
    randomised: bool
    registry: Optional[str] = None
    n_total: int
    n_randomised: Optional[int] = None
    follow_up_months: Optional[float] = None
    arms: list[Arm]
    outcomes: list[Outcome] = []


# ---------------------------------------------------------------------------------------------------------
# Timeline, findings, CRS
# ---------------------------------------------------------------------------------------------------------

class TimelineEvent(_Record):
    """A dated event in the history of IL-6 and its blockade."""

    year: int
    event: str
    why_it_matters: str
    category: TimelineCategory


class Quantity(_Statistics):
    """A number from a finding or CRS record. ``unit: "%"`` values must lie within 0-100."""

    label: str
    key: Optional[str] = None   # short name the prose addresses it by: {val}`record-id/key`
    value: float
    value_high: Optional[float] = None  # upper end when the source gives a range ("two- to threefold")
    unit: str


class Finding(_Record):
    """A laboratory or patient-sample finding on where IL-6 (or APRIL) comes from and what it does."""

    topic: FindingTopic
    claim: str
    cell_type: str
    system: System
    method: str
    direction: Optional[str] = None
    quantities: list[Quantity] = []
    n: Optional[int] = None


#: Therapy classes the CRS incidences are pooled by (il6mm.analysis.crs_pooling). A record with a class is one
#: cohort of patients counted once; a second analysis of the same patients carries no class.
TherapyClass = Literal["BCMA CAR-T", "BCMA bispecific", "GPRC5D bispecific", "BCMA or GPRC5D bispecifics"]
CohortKind = Literal["pivotal trial", "trial cohort", "real-world", "regulatory analysis", "meta-analysis"]


class CRSRecord(_Record):
    """Cytokine release syndrome with a T-cell-redirecting product, and the place of IL-6 blockade.

    Incidences are of treated patients as published: a percentage, a count, or both (``*_count``). A cohort
    given tocilizumab before treatment to prevent CRS (``prophylactic_tocilizumab``) must say what it can
    be compared with (``comparator``), since no such cohort here is randomised.
    """

    product: str
    product_class: ProductClass
    target_antigen: Optional[str] = None
    therapy_class: Optional[TherapyClass] = None
    cohort: Optional[CohortKind] = None
    trial: Optional[str] = None
    registry: Optional[str] = None
    system: Literal["patients", "mouse"] = "patients"
    n: Optional[int] = None
    crs_any_grade_percent: Optional[float] = None
    crs_any_grade_count: Optional[int] = None
    crs_grade3plus_percent: Optional[float] = None
    crs_grade3plus_count: Optional[int] = None
    icans_percent: Optional[float] = None
    prophylactic_tocilizumab: bool = False
    comparator: Optional[str] = None
    tocilizumab_use: Optional[str] = None
    tocilizumab_effect: Optional[str] = None
    quantities: list[Quantity] = []


# ---------------------------------------------------------------------------------------------------------
# Appraisal: risk of bias (RoB 2), certainty of evidence (GRADE), and trial registrations
# ---------------------------------------------------------------------------------------------------------

RobJudgement = Literal["low", "some concerns", "high"]
#: The five RoB 2 domains, in order, with what each asks.
ROB2_DOMAINS: dict[str, str] = {
    "randomisation": "bias arising from the randomisation process",
    "deviations": "bias due to deviations from the intended interventions",
    "missing_data": "bias due to missing outcome data",
    "measurement": "bias in measurement of the outcome",
    "selection": "bias in selection of the reported result",
}
ROB_ORDER = {"low": 0, "some concerns": 1, "high": 2}


class Judgement(_Strict):
    judgement: RobJudgement
    reason: str


class RiskOfBias(_Record):
    """A RoB 2 assessment of one randomised study for one outcome: the judgement of this review's authors,
    with the reason for each domain, from what the checked pages state (``where``)."""

    study: str                       # id of a randomised study record
    outcome: str                     # an endpoint of il6mm.evidence.ENDPOINTS
    domains: dict[str, Judgement]    # every key of ROB2_DOMAINS
    overall: Judgement


Certainty = Literal["high", "moderate", "low", "very low", "not reported"]
CERTAINTY_LEVELS = ("very low", "low", "moderate", "high")
#: How a statement about an outcome is worded at each certainty (GRADE): the words its plain-words sentence and
#: key message must use. "not reported": the studies did not report the outcome, so there is nothing to grade.
GRADE_WORDING: dict[str, tuple[str, ...]] = {
    "high": (),
    "moderate": ("probably",),
    "low": ("may",),
    "very low": ("uncertain",),
    "not reported": ("do not know",),
}
#: The GRADE symbols of each certainty, as summary-of-findings tables print them.
GRADE_SYMBOLS = {"high": "\u2295\u2295\u2295\u2295", "moderate": "\u2295\u2295\u2295\u25ef",
                 "low": "\u2295\u2295\u25ef\u25ef", "very low": "\u2295\u25ef\u25ef\u25ef", "not reported": "\u2014"}
#: The GRADE domains that can lower certainty.
GRADE_DOMAINS: dict[str, str] = {
    "risk_of_bias": "risk of bias",
    "inconsistency": "inconsistency",
    "indirectness": "indirectness",
    "imprecision": "imprecision",
    "publication_bias": "publication bias",
}


class Downgrade(_Strict):
    levels: Literal[0, 1, 2]
    reason: str


class CertaintyRecord(_Record):
    """A summary-of-findings row: one outcome, its studies, its effect (a value address, rendered with
    provenance), and the GRADE-style certainty with the reason for every downgrade."""

    outcome: str
    comparison: str
    studies: list[str]               # ids of study or CRS records
    design: Literal["randomised", "observational"]
    effect: str                      # what the table shows: MyST with {val} roles
    downgrades: dict[str, Downgrade] # every key of GRADE_DOMAINS
    certainty: Certainty
    plain_words: str                 # what it means, for a clinician


RegistrationStatus = Literal["completed", "terminated", "withdrawn", "recruiting", "active, not recruiting",
                             "not yet recruiting", "unknown"]


class Registration(_Record):
    """A registered trial of IL-6 blockade in myeloma, as its registry page states it. ``source`` is the
    publication of its results when there is one in the bibliography, else null (the registry page, named
    in ``where``, is the source)."""

    source: Optional[str] = None
    registry: str                    # NCT number
    title: str
    agent: str
    phase: str
    status: RegistrationStatus
    enrolment: Optional[int] = None
    enrolment_kind: Optional[Literal["actual", "target"]] = None
    registered: Optional[str] = None  # date as the page gives it
    study: Optional[str] = None       # id of the study record of its results, when there is one


#: Record kinds: name -> (file in data/, model).
KINDS: dict[str, tuple[str, type[_Record]]] = {
    "studies": ("studies.yaml", Study),
    "timeline": ("timeline.yaml", TimelineEvent),
    "findings": ("findings.yaml", Finding),
    "crs": ("crs.yaml", CRSRecord),
    "risk_of_bias": ("risk_of_bias.yaml", RiskOfBias),
    "certainty": ("certainty.yaml", CertaintyRecord),
    "registrations": ("registrations.yaml", Registration),
}
#: Kinds added after version 0.1.0: their files may be absent in an older revision of data/ (a release compares
#: both revisions with this loader), and are then read as empty. Every other kind's file must exist.
KINDS_SINCE = {"risk_of_bias": "0.2.0", "certainty": "0.2.0", "registrations": "0.2.0"}
#: Files at the top of data/ that are not evidence records (anything else ending .yaml/.yml is an error).
NOT_EVIDENCE = {"README.md"}

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KEY_PATTERN = ID_PATTERN
REGISTRY_PATTERN = re.compile(r"^NCT\d{8}$")

