"""Tables and single numbers of chapter 1 (history of IL-6 blockade), generated from the evidence records.

The tables are MyST Markdown: the book renders a code cell's ``Markdown(...)`` output as MyST, so the
``{footcite}`` roles in them become citations of the chapter.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ..evidence import Arm, Outcome, Study, markdown
from ..evidence.tables import format_outcome_value, format_p
from ..analysis.meta_analysis import ENDPOINT_NAMES, MAIN_METHOD, METHODS, MetaAnalysis, measure_for

#: Efficacy endpoints shown in the study table, in this order (safety and pharmacology are left out).
EFFICACY_ENDPOINTS = ("ORR", "MR_or_better", "PR", "MR", "CR", "VGPR_or_better", "S_phase_cells",
                      "TTP", "PFS", "EFS", "OS", "PFS_events")
#: Short names for table cells.
SHORT_ENDPOINT = {"ORR": "ORR", "MR_or_better": "MR or better", "PR": "PR", "MR": "MR", "CR": "CR",
                  "VGPR_or_better": "VGPR or better", "S_phase_cells": "S-phase cells", "TTP": "TTP",
                  "PFS": "PFS", "EFS": "EFS", "OS": "OS", "PFS_events": "PFS events"}



def _num(x: float) -> str:
    return f"{x:g}"


def _p_text(outcome: Outcome) -> str:
    return f" ({format_p(outcome.p_value, outcome.p_relation)})" if outcome.p_value is not None else ""


def _prefix(endpoint: str, measure: str, at_months: float | None) -> str:
    name = SHORT_ENDPOINT.get(endpoint, endpoint)
    if measure == "median_months":
        return f"median {name}"
    if measure == "rate_percent" and at_months is not None:
        return f"{name} at {_num(at_months)} months"
    return name


def efficacy_summary(study: Study) -> str:
    """The study's efficacy results in one line, e.g. 'ORR 55% vs 47% (P=0.213); PFS HR 0.869 (P=0.345)'.

    Per-arm values are joined with 'vs', arms with IL-6 blockade first; repeated values for one arm
    (before, during, after) with an arrow.
    """
    arm_order = [a.arm for a in _blockade_first(study)]
    groups: dict[tuple, list[Outcome]] = {}
    for outcome in study.outcomes:
        if outcome.endpoint not in EFFICACY_ENDPOINTS:
            continue
        # Rates are read at a time point; other repeated values of one arm (before, during, after) share a row.
        at = outcome.at_months if outcome.measure == "rate_percent" else None
        key = (outcome.endpoint, outcome.measure, at)
        groups.setdefault(key, []).append(outcome)
    parts = []
    for (endpoint, measure, at_months), outcomes in sorted(
            groups.items(), key=lambda item: EFFICACY_ENDPOINTS.index(item[0][0])):
        prefix = _prefix(endpoint, measure, at_months)
        if measure == "hazard_ratio":
            parts += [f"{prefix} {format_outcome_value(o)}{_p_text(o)}" for o in outcomes]
            continue
        by_arm: dict[str, list[Outcome]] = {}
        for o in outcomes:
            by_arm.setdefault(o.arm, []).append(o)
        arms = sorted(by_arm, key=lambda a: arm_order.index(a) if a in arm_order else len(arm_order))
        texts = [" \u2192 ".join(format_outcome_value(o) for o in by_arm[a]) for a in arms]
        p = next((_p_text(o) for o in outcomes if o.p_value is not None), "")
        parts.append(f"{prefix} {' vs '.join(texts)}{p}")
    return "; ".join(parts) if parts else "no efficacy numbers in the checked abstract"


def _blockade_first(study: Study) -> list[Arm]:
    arms = list(study.arms)
    return sorted(arms, key=lambda a: not a.il6_blockade)  # stable: record order otherwise


def _arms_text(study: Study) -> str:
    """'siltuximab + VMP vs VMP' for comparative studies (blockade first), the arm(s) for single-arm ones."""
    arms = _blockade_first(study)
    texts = []
    for a in arms:
        n = a.n
        texts.append(f"{a.arm}" + (f" (n={n})" if n is not None else ""))
    joiner = " vs " if study.randomised else "; "
    return joiner.join(texts)


def study_table_markdown(studies: Iterable[Study], cite_role: str = "footcite") -> str:
    """MyST table of the clinical studies: who, what, how many, and the efficacy numbers as published."""
    header = ("Study", "Agent", "Stage", "Design", "Patients", "Arms", "Efficacy as published")
    rows = []
    for s in studies:
        n = s.n_total
        n_text = f"{n}" + (f" ({s.n_randomised} randomised)"
                          if s.n_randomised not in (None, n) else "")
        phase = str(s.phase)
        design = f"{s.design}; " + (f"phase {phase}" if phase[:1].isdigit() else phase)
        rows.append((f"{{{cite_role}}}`{s.source}`", s.agent, s.stage, design, n_text, _arms_text(s),
                     efficacy_summary(s)))
    if not rows:
        raise ValueError("study_table_markdown needs at least one study record")
    return markdown.table(header, rows)


def exclusions_markdown(analyses: Sequence[MetaAnalysis], cite_role: str = "footcite",
                        randomised_only: bool = True) -> str:
    """One MyST table of the studies left out of the poolings and why: a row per study and reason, naming the
    endpoints it was left out of (by default the randomised studies only)."""
    rows: dict[tuple[str, str, str], list[str]] = {}
    for analysis in analyses:
        for x in analysis.excluded:
            if x.randomised or not randomised_only:
                rows.setdefault((x.label, x.source, x.reason), []).append(ENDPOINT_NAMES[analysis.endpoint])
    if not rows:
        return "No randomised trial was left out."
    table_rows = []
    for (label, source, reason), endpoints in sorted(rows.items(), key=lambda row: row[0][0]):  # a trial's rows together
        trial = f"{label} {{{cite_role}}}`{source}`" if source else label
        table_rows.append((trial, ", ".join(endpoints), reason))
    return markdown.table(("Trial", "Left out of", "Why"), table_rows)

def _pooled_cell(pooled) -> str:
    if pooled is None:
        return "\u2014"
    return f"{pooled.ratio:.2f} ({pooled.ci_low:.2f}\u2013{pooled.ci_high:.2f})"


def _heterogeneity(value: float, fmt: str) -> str:
    return "not estimable" if value != value else format(value, fmt)  # nan != nan


def _hksj_cell(pooled) -> str:
    if pooled is None or pooled.k < 2:
        return "\u2014"
    return f"{pooled.hksj_ci_low:.2f}\u2013{pooled.hksj_ci_high:.2f}"


def pooled_table_markdown(analyses: Sequence[MetaAnalysis]) -> str:
    """One row per endpoint: trials pooled, the main estimate (DerSimonian-Laird) with its Wald and
    Hartung-Knapp intervals, tau² and I². (The sensitivity estimator is not a separate column: with two trials
    Paule-Mandel equals DerSimonian-Laird.)"""
    method = METHODS[MAIN_METHOD]
    short = MAIN_METHOD.upper()
    header = ("Endpoint", "Measure", "Trials", f"{method} (Wald 95% CI)", "Hartung-Knapp 95% CI",
              f"tau\u00b2 ({short})", f"I\u00b2 ({short})")
    rows = []
    for a in analyses:
        measure = measure_for(a.endpoint)
        trials = ", ".join(e.label for e in a.effects) or "none"
        tau2 = _heterogeneity(a.pooled.tau2, ".3f") if a.pooled else "\u2014"
        i2 = (_heterogeneity(a.pooled.i2 * 100, ".0f") + ("%" if a.pooled.i2 == a.pooled.i2 else "")) if a.pooled else "\u2014"
        rows.append((ENDPOINT_NAMES[a.endpoint], measure, f"{a.k}: {trials}", _pooled_cell(a.pooled),
                     _hksj_cell(a.pooled), tau2, i2))
    return markdown.table(header, rows)
