"""Blockade scenarios on established disease, their benefit, and the global sensitivity analysis (PRCC)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
from scipy.stats import qmc, rankdata

from .model import Intervention, initial_state, simulate
from .parameters import NicheParameters, ParameterRecord

# --------------------------------------------------------------------------------------------
# Blockade benefit and sensitivity analysis.
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BlockadeScenario:
    """How the benefit of a blockade is measured.

    The marrow starts healthy with a myeloma burden ``seed`` (None: the parameter T_0); the blockade
    (``target`` at ``strength``) starts on day ``start``, once the untreated disease is established,
    and the benefit is read ``duration`` days later.
    """

    target: str = "il6r_blockade"
    strength: float = 0.9
    start: float = 720.0
    duration: float = 180.0
    seed: float | None = None

    @property
    def horizon(self) -> float:
        return self.start + self.duration


#: Below this untreated burden at the start of a blockade there is no established disease to treat.
ESTABLISHED_BURDEN = 0.05


@dataclass(frozen=True)
class BlockadeOutcome:
    """Myeloma burden without and with the blockade (floats, or arrays for a batch)."""

    T_at_start: np.ndarray
    T_untreated: np.ndarray
    T_treated: np.ndarray

    @property
    def established(self):
        """Whether untreated disease was established when the blockade started."""
        return self.T_at_start >= ESTABLISHED_BURDEN

    @property
    def benefit(self):
        """Relative reduction of myeloma burden at the horizon, 1 - T_treated / T_untreated."""
        return 1.0 - self.T_treated / self.T_untreated


def blockade_outcome(p: NicheParameters, scenario: BlockadeScenario = BlockadeScenario(),
                     extra: Sequence[Intervention] = ()) -> BlockadeOutcome:
    """Solve the scenario with and without the blockade; ``extra`` interventions go in both arms."""
    extra = tuple(extra)
    treated = extra + (Intervention(scenario.target, scenario.strength, scenario.start),)
    y0 = None
    if scenario.seed is not None:
        y0 = initial_state(p.replace(T_0=scenario.seed * np.ones_like(np.asarray(p.T_0, dtype=float))))
    times = np.array([0.0, scenario.start, scenario.horizon])
    untreated = simulate(p, extra, t_end=scenario.horizon, times=times, y0=y0)
    treated_run = simulate(p, treated, t_end=scenario.horizon, times=times, y0=y0)
    return BlockadeOutcome(untreated.T[..., 1], untreated.T[..., -1], treated_run.T[..., -1])


def blockade_benefit(p: NicheParameters, scenario: BlockadeScenario = BlockadeScenario(),
                     extra: Sequence[Intervention] = ()):
    """Relative reduction of myeloma burden at the horizon: 1 - T_treated / T_untreated."""
    return blockade_outcome(p, scenario, extra).benefit


def sample_parameters(records: Mapping[str, ParameterRecord], names: Sequence[str], n_samples: int,
                      seed: int) -> tuple[np.ndarray, NicheParameters]:
    """A Latin hypercube sample over the ``range`` of each named parameter (others at their value).

    Ranges wider than four-fold with a positive lower end are sampled on a log scale.
    Returns the sample matrix (n_samples x len(names)) and the batched parameters.
    """
    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(n_samples)
    columns = []
    for j, name in enumerate(names):
        low, high = records[name].range
        if low > 0 and high / low > 4:
            columns.append(np.exp(np.log(low) + unit[:, j] * (np.log(high) - np.log(low))))
        else:
            columns.append(low + unit[:, j] * (high - low))
    sample = np.column_stack(columns)
    values = {name: record.value for name, record in records.items()}
    values.update({name: sample[:, j] for j, name in enumerate(names)})
    return sample, NicheParameters(**values)


def partial_rank_correlation(sample: np.ndarray, output: np.ndarray) -> np.ndarray:
    """PRCC of each column of ``sample`` with ``output`` (ranks, other columns partialled out)."""
    ranks = np.column_stack([rankdata(col) for col in sample.T])
    y = rankdata(output)
    n, d = ranks.shape
    prcc = np.empty(d)
    for j in range(d):
        others = np.column_stack([np.ones(n), np.delete(ranks, j, axis=1)])
        res_x = ranks[:, j] - others @ np.linalg.lstsq(others, ranks[:, j], rcond=None)[0]
        res_y = y - others @ np.linalg.lstsq(others, y, rcond=None)[0]
        prcc[j] = res_x @ res_y / np.sqrt((res_x @ res_x) * (res_y @ res_y))
    return prcc


@dataclass(frozen=True)
class SensitivityResult:
    """Benefit of a blockade across a parameter sample, and which parameters decide it."""

    names: tuple[str, ...]
    scenario: BlockadeScenario
    sample: np.ndarray        # n_samples x n_parameters (every sampled model)
    benefit: np.ndarray       # benefit of each sampled model (NaN where disease was not established)
    established: np.ndarray   # whether untreated disease was established when the blockade started
    prcc: np.ndarray          # partial rank correlation of each parameter with the benefit (established models)
    low_benefit: np.ndarray   # one-at-a-time: benefit with each parameter at the low end of its range
    high_benefit: np.ndarray  # ... and at the high end (NaN where disease was not established)
    baseline_benefit: float

    @property
    def n_excluded(self) -> int:
        """Sampled models with no established disease to treat (left out of the PRCC, and counted here)."""
        return int(np.count_nonzero(~self.established))

    def ranking(self) -> list[tuple[str, float]]:
        """Parameters ordered by |PRCC|, most influential first."""
        order = np.argsort(-np.abs(self.prcc), kind="stable")
        return [(self.names[i], float(self.prcc[i])) for i in order]


#: Parameters that act only through one intervention, so cannot change the benefit of any other
#: (c_N, the neutralising antibody's capacity, plays no part in receptor or APRIL blockade).
ONLY_UNDER = {"c_N": "il6_neutralisation"}


def relevant_parameters(names: Iterable[str], target: str) -> tuple[str, ...]:
    """The parameters among ``names`` that can change the benefit of a blockade of ``target``."""
    return tuple(name for name in names if ONLY_UNDER.get(name, target) == target)


def sensitivity_analysis(records: Mapping[str, ParameterRecord], scenario: BlockadeScenario = BlockadeScenario(),
                         names: Sequence[str] | None = None, n_samples: int = 256,
                         seed: int = 20160716) -> SensitivityResult:
    """Which parameters decide the benefit of a blockade: Latin hypercube + PRCC, and one-at-a-time.

    Every parameter in ``names`` is sampled over its ``range``; the default is every parameter that can
    act on the scenario's target (``relevant_parameters``: a parameter in ``ONLY_UNDER`` for another
    target cannot matter by construction, and a correlation for it would be sampling noise). The same
    ``seed`` gives the same result. Models in which the untreated disease was not established when the
    blockade started have no benefit to measure: they are left out of the PRCC and counted in ``n_excluded``.
    """
    names = tuple(names or relevant_parameters(records, scenario.target))
    unknown = [name for name in names if name not in records]
    if unknown:
        raise ValueError(f"no parameter named {unknown[0]!r}; known: {', '.join(records)}")
    base = NicheParameters(**{name: r.value for name, r in records.items()})
    sample, batch = sample_parameters(records, names, n_samples, seed)
    outcome = blockade_outcome(batch, scenario)
    established = np.asarray(outcome.established)
    if established.sum() < len(names) + 3:
        raise ValueError(f"only {established.sum()} of {n_samples} sampled models had established disease; "
                         "too few for a partial rank correlation")
    benefit = np.where(established, outcome.benefit, np.nan)
    prcc = partial_rank_correlation(sample[established], benefit[established])
    # One-at-a-time: 2 x len(names) models, solved as one batch.
    oat_values = {name: np.full(2 * len(names), r.value) for name, r in records.items()}
    for j, name in enumerate(names):
        oat_values[name][2 * j], oat_values[name][2 * j + 1] = records[name].range
    oat = blockade_outcome(NicheParameters(**oat_values), scenario)
    oat_benefit = np.where(oat.established, oat.benefit, np.nan)
    baseline = blockade_outcome(base, scenario)
    if not baseline.established:
        raise ValueError("with the parameter file's values the untreated disease is not established when the "
                         f"blockade starts (day {scenario.start:g}); choose a later start or a larger seed")
    return SensitivityResult(names, scenario, sample, benefit, established, prcc, oat_benefit[0::2],
                             oat_benefit[1::2], float(baseline.benefit))


