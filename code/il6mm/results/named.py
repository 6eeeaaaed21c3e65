"""Named results the prose quotes: values the package computes from the records, once per build.

Each result has a name (``@pfs`` in a value address, see ``il6mm.results.values``), a description and a
provenance sentence (the records and the method it comes from). They are listed, with anchors, on the
Evidence tables page, so a reader can see what every computed number was computed from.

Add a result with the ``@result`` decorator: a function of a :class:`ResultSet` (which holds the evidence
and the book root) returning any object whose fields the prose then addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from ..analysis import niche
from ..analysis.meta_analysis import METHODS, RESPONSE_ENDPOINTS, MetaAnalysis, meta_analysis
from ..evidence import KINDS, Evidence, markdown
from ..evidence.tables import patients_of
from ..evidence.records import kinds_used
from ..evidence.tables import escape
from ..paths import BIB_PATH, NICHE_PARAMETERS_PATH, under
from .base import Term, UnknownValue, result_anchor


@dataclass(frozen=True)
class NamedResult:
    name: str
    description: str
    value: Any
    inputs: tuple[str, ...]       # record ids (or data files) it was computed from
    model: bool = False           # a model output, not a measurement
    data_files: tuple[str, ...] = ()  # the evidence files whose records it used (what a page quoting it depends on)

    @property
    def provenance(self) -> str:
        what = "Model result (hypothesis-generating, not a measurement)" if self.model else "Computed by il6mm"
        return f"{what}: {self.description}; from {', '.join(self.inputs) or 'the evidence records'}"


@dataclass(frozen=True)
class _Definition:
    name: str
    description: str
    compute: Callable[["ResultSet"], tuple[Any, tuple[str, ...]]]
    model: bool


DEFINITIONS: dict[str, _Definition] = {}


def result(name: str, description: str, model: bool = False):
    """Register ``compute(results) -> (value, input ids)`` as the named result ``@name``."""
    def register(compute):
        if name in DEFINITIONS:
            raise ValueError(f"result @{name} is defined twice")
        DEFINITIONS[name] = _Definition(name, description, compute, model)
        return compute
    return register


class ResultSet:
    """Every named result for one book, each computed on first use and kept."""

    def __init__(self, evidence: Evidence, root: Path):
        self.evidence = evidence
        self.root = Path(root)
        self._done: dict[str, NamedResult] = {}

    def get(self, name: str) -> NamedResult:
        if name not in DEFINITIONS:
            raise UnknownValue(f"no named result @{name}; results: {', '.join('@' + n for n in sorted(DEFINITIONS))}")
        if name not in self._done:
            d = DEFINITIONS[name]
            with kinds_used() as kinds:
                value, inputs = d.compute(self)
            files = sorted({KINDS[k][0] for k in kinds})
            self._done[name] = NamedResult(name, d.description, value, tuple(inputs), d.model,
                                           tuple(f"data/{f}" for f in files))
        return self._done[name]

    def all(self) -> list[NamedResult]:
        return [self.get(name) for name in DEFINITIONS]

    # Shared inputs
    @property
    def niche_parameter_file(self) -> Path:
        return under(self.root, NICHE_PARAMETERS_PATH)

    def niche_parameters(self):
        return niche.load_parameters(self.niche_parameter_file, under(self.root, BIB_PATH))

    def niche_records(self):
        return niche.load_parameter_records(self.niche_parameter_file, under(self.root, BIB_PATH))


# ---------------------------------------------------------------------------------------------------------
# Chapter 1: the meta-analysis
# ---------------------------------------------------------------------------------------------------------

def _pooling(endpoint: str, trial_set: str = "all"):
    def compute(results: ResultSet) -> tuple[MetaAnalysis, tuple[str, ...]]:
        analysis = meta_analysis(results.evidence.studies, endpoint, trial_set)
        # The trials pooled; when none qualifies, the trials that were considered and left out.
        return analysis, tuple(e.trial for e in analysis.effects) or tuple(x.trial for x in analysis.excluded)
    return compute


_METHODS = " and ".join(METHODS.values())
for _name, _endpoint, _set, _what in (
        ("pfs", "PFS", "all", "progression-free survival, all randomised trials"),
        ("pfs_no_smm", "PFS", "no_smm", "progression-free survival without the smouldering-myeloma trial"),
        ("os", "OS", "all", "overall survival, all randomised trials"),
        ("orr", "ORR", "all", "overall response, all randomised trials"),
        ("cr", "CR", "all", "complete response, all randomised trials"),
        ("vgpr", "VGPR_or_better", "all", "VGPR or better, all randomised trials")):
    result(_name, f"random-effects meta-analysis ({_METHODS}) of {_what}")(_pooling(_endpoint, _set))


@result("trials", "counts of the clinical studies in the records")
def _trials(results: ResultSet):
    studies = results.evidence.studies
    randomised = [s.id for s in studies if s.randomised]
    response_k = max(meta_analysis(studies, e).k for e in RESPONSE_ENDPOINTS)
    return {"randomised": len(randomised), "response_k": response_k}, tuple(randomised)


@result("evidence_counts", "number of records of each kind and of references they cite")
def _evidence_counts(results: ResultSet):
    ev = results.evidence
    counts = {kind: len(ev.records(kind)) for kind in KINDS}
    counts["sources"] = len(ev.sources())
    return counts, tuple(f"data/{fname}" for fname, _ in KINDS.values())


# ---------------------------------------------------------------------------------------------------------
# Chapter 3: the niche model (model results, never biology)
# ---------------------------------------------------------------------------------------------------------

def _state(state) -> dict[str, float]:
    return {var: float(getattr(state, var)) for var in niche.STATE_NAMES}


@result("niche", "steady states, benefits and literature checks of the niche model with its default parameters",
        model=True)
def _niche(results: ResultSet):
    p = results.niche_parameters()
    records = results.niche_records()
    strength = niche.BLOCKADE_STRENGTH
    scenario = niche.BlockadeScenario()
    thetas = (0.0, p.theta, 1.0)
    benefits = niche.claims_benefits(p, thetas)
    checks = niche.literature_checks(p, strength)
    course = niche.simulate(p, (), t_end=900.0, n_points=901)
    value = {
        "plateau": _state(niche.stable_disease_state(p)),
        "receptor": _state(niche.stable_disease_state(p, niche.Controls(receptor_blockade=strength))),
        "neutralised": _state(niche.stable_disease_state(p, niche.Controls(neutralisation=strength))),
        "strength_pct": 100 * strength,
        "healthy_signal": float(niche.healthy_il6_signal(p)),
        "therapy_rate": niche.THERAPY_KILL_RATE,
        "start_day": scenario.start,
        "duration": scenario.duration,
        "start_early": niche.EXPLORER_STARTS[0],
        "start_late": niche.EXPLORER_STARTS[1],
        "april_frame_start": niche.APRIL_FRAME_START,
        "theta": p.theta,
        "benefit": {key: dict(zip(("zero", "default", "one"), (100 * float(v) for v in benefits[label])))
                    for key, label in (("il6", "IL-6R blockade"), ("april", "APRIL blockade"), ("dual", "both"))},
        "checks": len(checks),
        "calibration_checks": sum(not c.independent for c in checks),
        "independent_checks": sum(c.independent for c in checks),
        # Calibration is not validation: only independent checks count as reproduced.
        "reproduced": sum(c.independent and c.verdict == "reproduced" for c in checks),
        "partly": sum(c.independent and c.verdict == "partly" for c in checks),
        "course_peak": {"I": float(course.I.max()), "M": float(course.M.max())},
        "parameters": len(records),
        "assumed": sum(r.provenance == "assumed" for r in records.values()),
    }
    return value, ("data/model/niche_parameters.yaml",)


@result("sensitivity", "global sensitivity analysis (PRCC) of the benefit of IL-6 receptor blockade in the niche model",
        model=True)
def _sensitivity(results: ResultSet):
    records = results.niche_records()
    sens = niche.sensitivity_analysis(records, niche.BlockadeScenario())
    ranking = sens.ranking()
    value = {
        "samples": len(sens.benefit),
        "excluded": sens.n_excluded,
        "baseline": 100 * sens.baseline_benefit,
        "top": [Term(records[name].symbol, records[name].description) for name, _ in ranking[:4]],
        "weakest": [Term(records[name].symbol) for name, _ in ranking[-3:]],
        "not_sampled": [name for name in records if name not in sens.names],
    }
    return value, ("data/model/niche_parameters.yaml",)


def results_table_markdown(results: ResultSet) -> str:
    """A MyST list-table of every named result (the link target of each computed number in the prose)."""
    rows = []
    for r in results.all():
        kind = "Model result (hypothesis-generating, not a measurement)" if r.model else "Computed from records"
        rows.append(([f"{{record-anchor}}`{result_anchor(r.name)}`**@{r.name}**"],
                     [f"{escape(r.description[0].upper() + r.description[1:])}.", f"{kind}: {escape(', '.join(r.inputs))}."]))
    return markdown.list_table(("Result", "What it is, and what it is computed from"), rows, widths="25 75")


# ---------------------------------------------------------------------------------------------------------
# Chapter 4: pooled CRS incidence (a description of non-randomised cohorts)
# ---------------------------------------------------------------------------------------------------------

def _crs(grade: str):
    def compute(results: ResultSet):
        from ..analysis.crs_pooling import crs_pooling

        pooling = crs_pooling(results.evidence.crs, grade)
        return pooling, tuple(c.record for c in pooling.cohorts)
    return compute


result("crs_any", "random-effects (DerSimonian-Laird) pooled proportion of patients with CRS of any grade, on the "
       "logit scale, by therapy class, by class with trial and real-world cohorts apart, and by product; the "
       "cohorts with and without prophylactic tocilizumab side by side, not pooled (non-randomised cohorts)")(_crs("any"))
result("crs_grade3", "random-effects (DerSimonian-Laird) pooled proportion of patients with CRS of grade 3 or "
       "higher, on the logit scale, by therapy class, by class and setting, and by product; the prophylaxis "
       "cohorts side by side, not pooled (non-randomised cohorts)")(_crs("grade3"))


@result("registrations", "counts of the registered trials of IL-6 blockade in myeloma, by status")
def _registrations(results: ResultSet):
    regs = results.evidence.registrations
    counts = {"total": len(regs)}
    for status in ("completed", "terminated", "withdrawn", "recruiting"):
        counts[status] = sum(r.status == status for r in regs)
    counts["open"] = sum(r.status in ("recruiting", "not yet recruiting", "active, not recruiting") for r in regs)
    return counts, tuple(r.id for r in regs)


# ---------------------------------------------------------------------------------------------------------
# The summary of findings (landing page): what each outcome rests on
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SofRow:
    id: str                          # the certainty record
    studies: int                     # study or cohort records it rests on
    participants: Optional[int]      # their patients; None when a record does not give its number


@result("sof", "per summary-of-findings row: the number of study or cohort records it rests on and the patients "
        "in them (randomised, or treated for a CRS cohort; null when a record does not give its number)")
def _sof(results: ResultSet):
    ev = results.evidence
    rows = []
    for row in ev.certainty:
        patients = patients_of(ev, row)
        rows.append(SofRow(row.id, len(row.studies), None if any(n is None for n in patients) else sum(patients)))
    return rows, tuple(r.id for r in ev.certainty)


@result("certainty", "the number of summary-of-findings rows at each GRADE certainty, and the highest certainty "
        "any row reaches")
def _certainty(results: ResultSet):
    from ..evidence.schema import CERTAINTY_LEVELS

    rows = results.evidence.certainty
    counts = {level: sum(r.certainty == level for r in rows) for level in (*CERTAINTY_LEVELS, "not reported")}
    graded = [CERTAINTY_LEVELS.index(r.certainty) for r in rows if r.certainty in CERTAINTY_LEVELS]
    counts["highest"] = CERTAINTY_LEVELS[max(graded)] if graded else "none graded"
    counts["rows"] = len(rows)
    return counts, tuple(r.id for r in rows)
