"""Schemas of the evidence records: the vocabularies and the pydantic models, one per record kind.

One file per record kind in ``data/``, each a YAML list of records (see ``KINDS``). Every record has an
``id`` (unique across all files), a ``source`` (a key of ``references.bib``) and a ``where`` (the abstract,
table or page the numbers were read from). Unknown fields are rejected.

Every field says what it means (``Field(description=...)``, through :func:`described`), with its unit and the
rules the loader checks of it: the data dictionary (``data/README.md``, the Evidence tables page) and the
published data package (``il6mm.publish.datapackage``) are generated from these models, so a field without a
description fails the tests.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

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

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KEY_PATTERN = ID_PATTERN
REGISTRY_PATTERN = re.compile(r"^NCT\d{8}$")

Target = Literal["IL-6", "IL-6R"]
#: Disease stage; "MM" when the source does not say which.
Stage = Literal["SMM", "NDMM", "RRMM", "advanced MM", "PCL", "MM"]
System = Literal["patient samples", "patients", "cell line", "primary cells in vitro", "mouse",
                 "xenograft", "review"]
FindingTopic = Literal["IL-6 source", "IL-6 signalling", "IL-6 in vivo", "APRIL", "BCMA"]
TimelineCategory = Literal["biology", "clinical trial", "regulatory", "review"]
ProductClass = Literal["CAR-T", "bispecific antibody", "IL-6 blockade", "mouse model"]


def described(default: Any, text: str, **about: Any) -> Any:
    """A field with its meaning (``text``, the "meaning" of the data dictionary) and what the published data
    package says of it (``about``, kept in the field's JSON-schema extras). Validation is unchanged: the
    loader's rules stay in :func:`il6mm.evidence.records.check_record`; ``about`` only states them.

    ``about`` may hold: ``unit``; ``allowed``, the vocabulary {value: meaning} of a text field whose values the
    loader checks; ``keys``, the vocabulary of a mapping's keys; ``refers_to``, the record kind (or kinds, or
    ``"references"``) whose ids the values are; ``item_of``, the list of the same record one of whose items the
    value names (by its field of the same name); ``key_name``, what a mapping's key is called in a table;
    ``pattern``, ``minimum`` and ``maximum``, rules the loader checks.
    """
    return Field(default, description=text, json_schema_extra=about or None)


_ID = ID_PATTERN.pattern
_NCT = REGISTRY_PATTERN.pattern
_ONE_OR_MORE = {"minimum": 1}


class _Record(BaseModel):
    """Fields every record has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = described(..., "Identifier of the record, unique across every kind of record.", pattern=_ID)
    source: str = described(..., "The publication the numbers come from: a key of references.bib.",
                            refers_to="references")
    where: str = described(..., "Where the numbers were read: the abstract, table or page, with its address.")
    note: Optional[str] = described(None, "Anything a reader needs to interpret the numbers, including gaps.")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------------------
# Studies
# ---------------------------------------------------------------------------------------------------------

class Arm(_Strict):
    """One arm (or cohort) of a study. ``n`` is null when the per-arm number was not on a checked page."""

    arm: str = described(..., "Name of the arm, unique within the study; outcomes name it.")
    n: Optional[int] = described(None, "Patients in the arm; null when no checked page gives it (never derived "
                                 "by splitting the study's total).", unit="patients", **_ONE_OR_MORE)
    regimen: str = described(..., "What the arm received: agents, doses and schedule as published.")
    il6_blockade: bool = described(..., "Whether the arm received IL-6 or IL-6 receptor blockade.")
    note: Optional[str] = described(None, "Anything a reader needs to interpret the arm.")


class _Statistics(_Strict):
    """What every published number may carry besides its value: counts, a confidence interval, a P value."""

    count: Optional[int] = described(None, "Number of patients (or samples) with the event, when published.",
                                     minimum=0)
    n: Optional[int] = described(None, "Number of patients (or samples) the value is out of, when published.",
                                 **_ONE_OR_MORE)
    ci_low: Optional[float] = described(None, "Lower end of the confidence interval, as published (in the unit "
                                        "of the value).")
    ci_high: Optional[float] = described(None, "Upper end of the confidence interval, as published (in the unit "
                                         "of the value).")
    ci_level: float = described(95, "Level of the confidence interval.", unit="%")
    p_value: Optional[float] = described(None, "P value as published (for a per-arm outcome: the between-arm "
                                         "comparison).", minimum=0, maximum=1)
    p_relation: Literal["=", "<"] = described("=", "How the P value was published: '=' an exact value, '<' a "
                                              "bound (as in P<0.001).")
    note: Optional[str] = described(None, "What the number is, when its label does not say (e.g. before or "
                                    "after treatment), or a caveat.")


class Outcome(_Statistics):
    """One published number. Per-arm measures name ``arm``; comparative ones (HR) name ``comparison``.

    ``p_value`` on a per-arm row is the between-arm P value as published (``p_relation`` "<" for "P<0.001").
    ``value`` may be null only with ``not_reached: true`` (e.g. a median PFS not reached).
    """

    endpoint: str = described(..., "What was measured: a clinical endpoint.", allowed=ENDPOINTS)
    measure: Measure = described(..., "How the value is expressed: a percentage of patients (percent; "
                                 "rate_percent at the time point at_months), a count, a median in months, a "
                                 "hazard ratio, or a median, mean or other value in the unit given.")
    key: Optional[str] = described(None, "Short name the prose quotes the outcome by (as study-id/key), unique "
                                   "within the study.", pattern=_ID)
    arm: Optional[str] = described(None, "The arm a per-arm value belongs to (null for a comparison).",
                                   item_of="arms")
    comparison: Optional[str] = described(None, "The two arms a comparative value (a hazard ratio) compares, "
                                          "'<arm> vs <arm>' in the direction published (null for a per-arm "
                                          "value).")
    value: Optional[float] = described(None, "The number as published; null only for a median not reached.",
                                       unit="given by measure (percent: %; median_months: months) or unit")
    not_reached: bool = described(False, "True when the published median was not reached (value is then null).")
    unit: Optional[str] = described(None, "Unit of a value whose measure does not imply one (median, mean, "
                                    "value).")
    at_months: Optional[float] = described(None, "Time point a rate was read at, from the start of treatment or "
                                           "randomisation.", unit="months")


class Study(_Record):
    """A clinical study of IL-6 blockade in myeloma. ``name`` is the short label readers see."""

    name: Optional[str] = described(None, "Short label readers see (e.g. 'Orlowski 2015').")
    agent: str = described(..., "The IL-6 or IL-6 receptor antibody studied.")
    target: Target = described(..., "What the antibody binds: IL-6 or its receptor.")
    stage: Stage = described(..., "Disease stage of the patients: smouldering (SMM), newly diagnosed (NDMM), "
                             "relapsed or refractory (RRMM) or advanced myeloma, plasma cell leukaemia (PCL); MM "
                             "when the source does not say.")
    setting: str = described(..., "The patients studied, in the source's words.")
    design: str = described(..., "Design of the study (randomisation, blinding, control).")
    phase: str = described(..., "Trial phase as published (e.g. '2', '1/2', 'pilot', 'case report').")
    randomised: bool = described(..., "Whether patients were randomised between arms.")
    registry: Optional[str] = described(None, "Trial registration number (ClinicalTrials.gov), when there is one.",
                                        pattern=_NCT)
    n_total: int = described(..., "Patients in the study.", unit="patients", **_ONE_OR_MORE)
    n_randomised: Optional[int] = described(None, "Patients randomised, when published.", unit="patients",
                                            **_ONE_OR_MORE)
    follow_up_months: Optional[float] = described(None, "Median follow-up, when published.", unit="months")
    arms: list[Arm] = described(..., "The arms (or cohorts) of the study, at least one.")
    outcomes: list[Outcome] = described([], "The published numbers of the study, one per endpoint, measure, arm "
                                        "or comparison and time point.")


# ---------------------------------------------------------------------------------------------------------
# Timeline, findings, CRS
# ---------------------------------------------------------------------------------------------------------

class TimelineEvent(_Record):
    """A dated event in the history of IL-6 and its blockade."""

    year: int = described(..., "Year of the event: the publication year, unless the event itself is dated on the "
                          "checked page (an approval).", minimum=1800, maximum=2100)
    event: str = described(..., "What happened.")
    why_it_matters: str = described(..., "Why it matters for IL-6 blockade in myeloma.")
    category: TimelineCategory = described(..., "Kind of event.")


class Quantity(_Statistics):
    """A number from a finding or CRS record. ``unit: "%"`` values must lie within 0-100."""

    label: str = described(..., "What the number is, in words.")
    key: Optional[str] = described(None, "Short name the prose quotes the quantity by (as record-id/key), unique "
                                   "within the record.", pattern=_ID)
    value: float = described(..., "The number as published (the lower end of a published range).",
                             unit="given by unit")
    value_high: Optional[float] = described(None, "Upper end when the source gives a range ('two- to "
                                            "threefold').", unit="given by unit")
    unit: str = described(..., "Unit of value, value_high and the confidence interval ('%' for a percentage, "
                          "within 0-100).")


class Finding(_Record):
    """A laboratory or patient-sample finding on where IL-6 (or APRIL) comes from and what it does."""

    topic: FindingTopic = described(..., "What the finding is about.")
    claim: str = described(..., "The finding, in one sentence.")
    cell_type: str = described(..., "The cells the finding is about.")
    system: System = described(..., "Where it was observed.")
    method: str = described(..., "How it was observed.")
    direction: Optional[str] = described(None, "What changes, and which way (a finding has a direction, "
                                         "quantities or both).")
    quantities: list[Quantity] = described([], "The published numbers of the finding.")
    n: Optional[int] = described(None, "Patients (or samples) studied, when published.", **_ONE_OR_MORE)


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

    product: str = described(..., "The product given (CAR-T cells, a bispecific antibody, or a model's agent).")
    product_class: ProductClass = described(..., "Kind of product.")
    target_antigen: Optional[str] = described(None, "The antigen(s) the product targets (e.g. 'BCMA', 'BCMA x "
                                              "CD3').")
    therapy_class: Optional[TherapyClass] = described(None, "Therapy class the record is pooled in (a cohort of "
                                                      "patients counted once); null for a second analysis of "
                                                      "the same patients, or a record that is not pooled.")
    cohort: Optional[CohortKind] = described(None, "Kind of cohort.")
    trial: Optional[str] = described(None, "Trial name and phase, as published.")
    registry: Optional[str] = described(None, "Trial registration number (ClinicalTrials.gov), when there is one.",
                                        pattern=_NCT)
    system: Literal["patients", "mouse"] = described("patients", "Whether the record is of patients or a mouse "
                                                     "model.")
    n: Optional[int] = described(None, "Treated patients (or animals) the incidences are out of.",
                                 unit="patients", **_ONE_OR_MORE)
    crs_any_grade_percent: Optional[float] = described(None, "Patients with CRS of any grade.", unit="%",
                                                       minimum=0, maximum=100)
    crs_any_grade_count: Optional[int] = described(None, "Patients with CRS of any grade, as a count.",
                                                   unit="patients", minimum=0)
    crs_grade3plus_percent: Optional[float] = described(None, "Patients with CRS of grade 3 or higher; null when "
                                                        "the checked page did not give it.", unit="%", minimum=0,
                                                        maximum=100)
    crs_grade3plus_count: Optional[int] = described(None, "Patients with CRS of grade 3 or higher, as a count.",
                                                    unit="patients", minimum=0)
    icans_percent: Optional[float] = described(None, "Patients with immune effector cell-associated neurotoxicity "
                                               "syndrome (ICANS).", unit="%", minimum=0, maximum=100)
    prophylactic_tocilizumab: bool = described(False, "Whether the cohort was given tocilizumab before "
                                               "treatment to prevent CRS.")
    comparator: Optional[str] = described(None, "What a prophylaxis cohort can be compared with (required when "
                                          "prophylactic_tocilizumab is true).")
    tocilizumab_use: Optional[str] = described(None, "How tocilizumab (or another IL-6 blocker) was used to treat "
                                               "CRS, as published.")
    tocilizumab_effect: Optional[str] = described(None, "What the IL-6 blockade did, as published.")
    quantities: list[Quantity] = described([], "Further published numbers of the record.")


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
    """One RoB 2 judgement and its reason."""

    judgement: RobJudgement = described(..., "The RoB 2 judgement (risk of bias low, some concerns or high).")
    reason: str = described(..., "Why, from what the checked pages state.")


class RiskOfBias(_Record):
    """A RoB 2 assessment of one randomised study for one outcome: the judgement of this review's authors,
    with the reason for each domain, from what the checked pages state (``where``)."""

    study: str = described(..., "The randomised study assessed: the id of a study record.",
                           refers_to="studies")
    outcome: str = described(..., "The outcome assessed: a clinical endpoint.",
                             allowed=ENDPOINTS)
    domains: dict[str, Judgement] = described(..., "The judgement for each RoB 2 domain, every domain once.",
                                              keys=ROB2_DOMAINS, key_name="domain")
    overall: Judgement = described(..., "The overall judgement, at least as high as the worst domain.")


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
    """How far one GRADE domain lowers the certainty, and why."""

    levels: Literal[0, 1, 2] = described(..., "Levels of certainty the domain takes off (0: not downgraded).")
    reason: str = described(..., "Why.")


class CertaintyRecord(_Record):
    """A summary-of-findings row: one outcome, its studies, its effect (a value address, rendered with
    provenance), and the GRADE-style certainty with the reason for every downgrade."""

    outcome: str = described(..., "The outcome and the population, in words.")
    comparison: str = described(..., "What is compared with what.")
    studies: list[str] = described(..., "The records the outcome rests on: ids of study or CRS records.",
                                   refers_to=["studies", "crs"])
    design: Literal["randomised", "observational"] = described(..., "Design of the evidence: randomised evidence "
                                                               "starts at high certainty, observational at low.")
    effect: str = described(..., "The effect as the summary-of-findings table shows it: MyST text whose numbers "
                            "are value roles naming the record field or computed result they come from.")
    downgrades: dict[str, Downgrade] = described(..., "The downgrade for each GRADE domain, every domain once.",
                                                 keys=GRADE_DOMAINS, key_name="domain")
    certainty: Certainty = described(..., "The certainty of the evidence: the design's starting level less the "
                                     "downgrades.")
    plain_words: str = described(..., "What it means, for a clinician, in GRADE's wording.")
    key_message: Optional[str] = described(None, "A key message on the landing page: one short sentence for "
                                           "readers, in GRADE's wording for its certainty, MyST whose numbers "
                                           "are value roles; 3 to 6 records carry one, shown in file order.")


RegistrationStatus = Literal["completed", "terminated", "withdrawn", "recruiting", "active, not recruiting",
                             "not yet recruiting", "unknown"]


class Registration(_Record):
    """A registered trial of IL-6 blockade in myeloma, as its registry page states it. ``source`` is the
    publication of its results when there is one in the bibliography, else null (the registry page, named
    in ``where``, is the source)."""

    source: Optional[str] = described(None, "The publication of the trial's results, a key of references.bib; "
                                      "null when there is none (the registry page in where is then the source).",
                                      refers_to="references")
    registry: str = described(..., "Registration number (ClinicalTrials.gov).", pattern=_NCT)
    title: str = described(..., "The registered title.")
    agent: str = described(..., "The IL-6 or IL-6 receptor antibody studied.")
    phase: str = described(..., "Trial phase as registered.")
    status: RegistrationStatus = described(..., "Recruitment status as the registry page states it.")
    enrolment: Optional[int] = described(None, "Patients enrolled (actual) or planned (target), as registered.",
                                         unit="patients", minimum=0)
    enrolment_kind: Optional[Literal["actual", "target"]] = described(None, "Whether enrolment is the actual or "
                                                                      "the target number (given with "
                                                                      "enrolment).")
    registered: Optional[str] = described(None, "Date of registration, as the page gives it.")
    study: Optional[str] = described(None, "The study record of its results, when there is one.",
                                     refers_to="studies")
KINDS: dict[str, tuple[str, type[_Record]]] = {
    "studies": ("studies.yaml", Study),
    "timeline": ("timeline.yaml", TimelineEvent),
    "findings": ("findings.yaml", Finding),
    "crs": ("crs.yaml", CRSRecord),
    "risk_of_bias": ("risk_of_bias.yaml", RiskOfBias),
    "certainty": ("certainty.yaml", CertaintyRecord),
    "registrations": ("registrations.yaml", Registration),
}
#: What a kind of record is, in words, for readers (the living-status page's changes to methods).
KIND_NAMES = {"studies": "clinical studies", "timeline": "dated events", "findings": "laboratory and patient-sample findings",
              "crs": "cytokine release syndrome cohorts", "risk_of_bias": "risk-of-bias assessments (RoB 2)",
              "certainty": "certainty assessments (GRADE)", "registrations": "trial registrations"}
#: Kinds added after version 0.1.0: their files may be absent in an older revision of data/ (a release compares
#: both revisions with this loader), and are then read as empty. Every other kind's file must exist.
KINDS_SINCE = {"risk_of_bias": "0.2.0", "certainty": "0.2.0", "registrations": "0.2.0"}
#: Files at the top of data/ that are not evidence records (anything else ending .yaml/.yml is an error).
NOT_EVIDENCE = {"README.md"}
