"""Evidence records: schemas (``schema``), loading and validation (``records``, with the reader of every
YAML list file in ``yaml_files`` and its ``problems``), the bibliography (``bibliography``, ``citations``)
and the reader-facing tables (``tables``).

The names chapters and analyses use are re-exported here: ``from il6mm.evidence import load_evidence``.
"""

from .records import (Evidence, EvidenceError, Problem, check_record, load_evidence, record_quantity,
                      study_outcome)
from .schema import (ENDPOINTS, KINDS, PERCENT_MEASURES, Arm, CRSRecord, Finding, Measure, Outcome, Quantity,
                     Stage, Study, Target, TimelineCategory, TimelineEvent)
from .citations import book_pages, check_bibliography_is_cited, cited_in_text, uncited_references

__all__ = [
    "Arm", "CRSRecord", "ENDPOINTS", "Evidence", "EvidenceError", "Finding", "KINDS", "Measure", "Outcome",
    "PERCENT_MEASURES", "Problem", "Quantity", "Stage", "Study", "Target", "TimelineCategory", "TimelineEvent",
    "book_pages", "check_bibliography_is_cited", "check_record", "cited_in_text", "load_evidence",
    "record_quantity", "study_outcome", "uncited_references",
]
