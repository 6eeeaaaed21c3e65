"""Pooled incidence of cytokine release syndrome (CRS) by therapy class and by product, with trial and
real-world cohorts apart, and the cohorts given prophylactic tocilizumab set beside those that were not.

Each CRS record with a ``therapy_class`` is one cohort. Its proportion of patients with CRS is pooled on the
logit scale with the package's one random-effects function (``il6mm.analysis.pooling``; DerSimonian-Laird),
with its heterogeneity (tau², I²) and, from three cohorts on, a 95% prediction interval for a new cohort:

* ``by_class`` -- every cohort of a class treated without prophylaxis, trials and real-world together;
* ``by_class_setting`` -- the same split into trial cohorts and real-world cohorts ("BCMA CAR-T / trials");
* ``by_product`` -- every cohort of one product (cilta-cel, ide-cel, teclistamab, ...), without prophylaxis.

Events come from the published count, or else from the published percentage and n (marked as derived); a
cohort with 0 or n events gets 0.5 added to both cells, the usual continuity correction.

The prophylaxis cohorts are not pooled: they are set side by side with the bispecific cohorts treated without
it (``prophylaxis``). None of them is randomised and they differ in much besides prophylaxis (products, dose
and timing of tocilizumab, prior T-cell redirection, setting, period), so a pooled difference would suggest a
comparison the cohorts cannot make.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from scipy.special import expit, logit

from ..evidence import CRSRecord
from .pooling import MAIN_METHOD, Z95, RandomEffects, random_effects

#: Therapy classes in reading order.
CLASSES = ("BCMA CAR-T", "BCMA bispecific", "GPRC5D bispecific", "BCMA or GPRC5D bispecifics")
#: Kinds of cohort, grouped into the two settings shown apart.
SETTINGS = {"trials": ("pivotal trial", "trial cohort"), "real-world": ("real-world",)}
#: Short product names, and how a record's product text names them (its first match; several: "several").
PRODUCTS = {"cilta-cel": ("cilta-cel", "ciltacabtagene"), "ide-cel": ("ide-cel", "idecabtagene"),
            "teclistamab": ("teclistamab",), "elranatamab": ("elranatamab",), "linvoseltamab": ("linvoseltamab",),
            "talquetamab": ("talquetamab",)}
GRADES = {"any": "CRS of any grade", "grade3": "CRS of grade 3 or higher"}
DERIVED = "events reconstructed from the published percentage and n"


@dataclass(frozen=True)
class Cohort:
    """One cohort's CRS proportion, on the logit scale."""

    record: str
    label: str
    therapy_class: str
    prophylaxis: bool
    events: int
    n: int
    derived: bool
    source: str
    product: str = "several"
    setting: str = "trials"

    @property
    def id(self) -> str:
        """The record's id (value addresses pick a cohort by it)."""
        return self.record

    @property
    def percent(self) -> float:
        return 100 * self.proportion

    @property
    def corrected(self) -> bool:
        return self.events in (0, self.n)

    @property
    def logit(self) -> float:
        e, n = (self.events + 0.5, self.n + 1.0) if self.corrected else (self.events, float(self.n))
        return float(logit(e / n))

    @property
    def se(self) -> float:
        e, n = (self.events + 0.5, self.n + 1.0) if self.corrected else (self.events, float(self.n))
        return math.sqrt(1.0 / e + 1.0 / (n - e))

    @property
    def proportion(self) -> float:
        return self.events / self.n

    @property
    def ci_low(self) -> float:
        return float(expit(self.logit - Z95 * self.se))

    @property
    def ci_high(self) -> float:
        return float(expit(self.logit + Z95 * self.se))


@dataclass(frozen=True)
class PooledProportion:
    """Random-effects pooled proportion of one group of cohorts (``pooled`` on the logit scale; its estimator
    is said once, by ``method``)."""

    group: str
    cohorts: tuple[Cohort, ...]
    pooled: RandomEffects

    @property
    def k(self) -> int:
        return len(self.cohorts)

    @property
    def patients(self) -> int:
        return sum(c.n for c in self.cohorts)

    @property
    def method(self) -> str:
        return self.pooled.method

    @property
    def proportion(self) -> float:
        return float(expit(self.pooled.estimate))

    @property
    def ci_low(self) -> float:
        return float(expit(self.pooled.low))

    @property
    def ci_high(self) -> float:
        return float(expit(self.pooled.high))

    @property
    def tau2(self) -> float:
        """Between-cohort variance on the logit scale; nan when k == 1."""
        return self.pooled.tau2

    @property
    def i2(self) -> float:
        return self.pooled.i2

    @property
    def percent(self) -> float:
        return 100 * self.proportion

    @property
    def percent_low(self) -> float:
        return 100 * self.ci_low

    @property
    def percent_high(self) -> float:
        return 100 * self.ci_high

    @property
    def prediction_percent_low(self) -> float:
        """95% prediction interval for a new cohort, in percent (nan below 3 cohorts)."""
        return 100 * float(expit(self.pooled.prediction_low))

    @property
    def prediction_percent_high(self) -> float:
        return 100 * float(expit(self.pooled.prediction_high))


@dataclass(frozen=True)
class Left:
    record: str
    reason: str


def cohort_of(record: CRSRecord, grade: str = "any") -> Cohort | str:
    """The cohort of one record for ``grade`` ("any" or "grade3"), or why it cannot be pooled."""
    if grade not in GRADES:
        raise ValueError(f"grade must be one of {sorted(GRADES)}, got {grade!r}")
    if record.cohort == "meta-analysis":
        return "a meta-analysis of published trials, which overlap with these cohorts: a cross-check, not pooled again"
    if record.n is None:
        return "number of patients not on a checked page"
    if record.therapy_class is None:
        return "not a separate cohort: its patients are counted in another record"
    setting = setting_of(record)
    if setting is None:
        return f"a {record.cohort or 'record without a cohort kind'}, not a trial or real-world cohort"
    count = record.crs_any_grade_count if grade == "any" else record.crs_grade3plus_count
    percent = record.crs_any_grade_percent if grade == "any" else record.crs_grade3plus_percent
    derived = False
    if count is None:
        if percent is None:
            return f"{GRADES[grade]} not on a checked page"
        count, derived = int(round(percent * record.n / 100)), True
    return Cohort(record.id, _short_label(record), record.therapy_class, record.prophylactic_tocilizumab,
                  count, record.n, derived, record.source, product_of(record), setting)


def product_of(record: CRSRecord) -> str:
    """The short name of a record's product ("cilta-cel", "teclistamab"), or "several" for a mixed cohort."""
    text = record.product.lower()
    found = [name for name, words in PRODUCTS.items() if any(w in text for w in words)]
    return found[0] if len(found) == 1 else "several"


def setting_of(record: CRSRecord) -> str | None:
    """"trials" or "real-world" (None for a kind of record that is neither, such as a meta-analysis)."""
    return next((name for name, kinds in SETTINGS.items() if record.cohort in kinds), None)


def _short_label(record: CRSRecord) -> str:
    """'MajesTEC-1' for trials, otherwise the source's first author and year from the record id."""
    if record.cohort == "pivotal trial" and record.trial:
        return record.trial.split(" (")[0]
    names = {"crs-soc-ciltacel": "Cilta-cel, US standard of care", "crs-prophylaxis-bloodadv2025":
             "Prophylaxis cohort (Blood Adv 2025)", "crs-prophylaxis-outpatient-scott2025":
             "Outpatient, prophylaxis (Scott 2025)", "crs-outpatient-sandahl2025":
             "Outpatient teclistamab (Sandahl 2025)", "crs-drst-idecel": "Ide-cel, German registry",
             "crs-drst-ciltacel": "Cilta-cel, German registry"}
    return names.get(record.id, record.product)


def pool_proportions(group: str, cohorts: Sequence[Cohort], method: str = MAIN_METHOD) -> PooledProportion:
    """Random-effects pooling of logit proportions (one cohort is itself)."""
    cohorts = tuple(cohorts)
    if not cohorts:
        raise ValueError(f"nothing to pool in group {group!r}")
    pooled = random_effects([c.logit for c in cohorts], [c.se ** 2 for c in cohorts], method)
    return PooledProportion(group, cohorts, pooled)


@dataclass(frozen=True)
class CRSPooling:
    """What the chapter shows (see the module docstring), and every record left out, with why."""

    grade: str
    by_class: dict[str, PooledProportion]           # class -> all its cohorts without prophylaxis
    by_class_setting: dict[str, PooledProportion]   # "class / setting" -> its cohorts of that setting
    by_product: dict[str, PooledProportion]         # product -> its cohorts without prophylaxis
    prophylaxis: dict[str, tuple[Cohort, ...]]      # "without" / "with": bispecific cohorts, side by side
    left_out: tuple[Left, ...]

    @property
    def cohorts(self) -> tuple[Cohort, ...]:
        """Every cohort shown, once."""
        seen = {c.record: c for p in self.by_class.values() for c in p.cohorts}
        seen.update({c.record: c for group in self.prophylaxis.values() for c in group})
        return tuple(seen.values())

    def products_of(self, pooled: PooledProportion) -> str:
        """Which products an estimate contains, in words: "cilta-cel (4 cohorts) and ide-cel (2)"."""
        counts: dict[str, int] = {}
        for c in pooled.cohorts:
            counts[c.product] = counts.get(c.product, 0) + 1
        parts = [f"{name} ({n} cohort{'s' if n != 1 else ''})" if i == 0 else f"{name} ({n})"
                 for i, (name, n) in enumerate(counts.items())]
        return parts[0] + " only" if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def crs_pooling(records: Iterable[CRSRecord], grade: str = "any") -> CRSPooling:
    """Pool the CRS cohorts of ``records`` for ``grade`` by class, class and setting, and product; set the
    bispecific cohorts with and without prophylactic tocilizumab side by side."""
    cohorts, left = [], []
    for record in records:
        found = cohort_of(record, grade)
        if isinstance(found, str):
            if record.system == "patients" and record.product_class != "IL-6 blockade":
                left.append(Left(record.id, found))
        else:
            cohorts.append(found)
    plain = [c for c in cohorts if not c.prophylaxis]
    by_class, by_class_setting, by_product = {}, {}, {}
    for name in CLASSES:
        members = [c for c in plain if c.therapy_class == name]
        if members:
            by_class[name] = pool_proportions(name, members)
        for setting in SETTINGS:
            subset = [c for c in members if c.setting == setting]
            if subset:
                key = f"{name} / {setting}"
                by_class_setting[key] = pool_proportions(key, subset)
    for product in [*PRODUCTS, "several"]:
        members = [c for c in plain if c.product == product]
        if members:
            by_product[product] = pool_proportions(product, members)
    bispecific = [c for c in cohorts if "bispecific" in c.therapy_class]
    prophylaxis = {key: tuple(c for c in bispecific if c.prophylaxis is flag)
                   for key, flag in (("without", False), ("with", True))}
    return CRSPooling(grade, by_class, by_class_setting, by_product,
                      {k: v for k, v in prophylaxis.items() if v}, tuple(left))
