"""The scenarios the chapter draws and quotes: named regimens, the default blockade strength and background
therapy, the options of the two explorers, and the benefit of each blockade by APRIL dependence.

They are part of the model's set-up, not of its drawing: the figures (``il6mm.figures.niche``) draw them and the
named result ``@niche`` (``il6mm.results.named``) quotes them, from this one place.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .model import Intervention
from .parameters import NicheParameters, load_parameters
from .scenarios import BlockadeScenario, blockade_outcome

#: Strength of every blockade in the regimen figure, and kill rate of the background therapy (1/day).
BLOCKADE_STRENGTH = 0.9
THERAPY_KILL_RATE = 0.015

#: Regimens offered by the interactive figure: label -> targets (each starts on the chosen day).
REGIMENS = {
    "no treatment": (),
    "IL-6 neutralisation": ("il6_neutralisation",),
    "IL-6 receptor blockade": ("il6r_blockade",),
    "APRIL blockade": ("april_blockade",),
    "IL-6R + APRIL blockade": ("il6r_blockade", "april_blockade"),
    "anti-myeloma therapy": ("anti_myeloma",),
    "therapy + IL-6R blockade": ("anti_myeloma", "il6r_blockade"),
}


def regimen_interventions(regimen: str, start: float, strength: float = BLOCKADE_STRENGTH,
                          kill_rate: float = THERAPY_KILL_RATE) -> tuple[Intervention, ...]:
    """The interventions of a named regimen (see ``REGIMENS``), all starting on day ``start``."""
    if regimen not in REGIMENS:
        raise ValueError(f"unknown regimen {regimen!r}; choose one of {list(REGIMENS)}")
    return tuple(Intervention(t, kill_rate if t == "anti_myeloma" else strength, start) for t in REGIMENS[regimen])


@lru_cache(maxsize=1)
def default_parameters() -> NicheParameters:
    """The parameter file's values (read once per session: the interactive frames all use them)."""
    return load_parameters()


#: The APRIL-dependence explorer's treatment window (days).
APRIL_FRAME_START = 30.0
APRIL_FRAME_END = 390.0

#: Options of the regimen explorer. "no treatment" is always drawn as the grey reference instead.
EXPLORER_REGIMENS = tuple(name for name in REGIMENS if name != "no treatment")
EXPLORER_STARTS = (120, 540)
#: Options of the APRIL-dependence explorer.
EXPLORER_STRENGTHS = (0.5, 0.9, 1.0)
EXPLORER_THETAS = (0.0, 0.35, 0.7, 1.0)


def claims_benefits(p: NicheParameters, thetas, seed: float = 0.3) -> dict[str, np.ndarray]:
    """Benefit of IL-6R, APRIL and dual blockade on established disease, by theta.

    Each model starts from a burden ``seed`` and is treated as in ``BlockadeScenario`` (its start day,
    duration and strength), at its untreated plateau.
    """
    thetas = np.asarray(thetas, dtype=float)
    batch = p.replace(**{name: np.full(len(thetas), value) for name, value in p.as_dict().items()})
    batch = batch.replace(theta=thetas)
    scenario = BlockadeScenario(seed=seed)
    il6 = blockade_outcome(batch, scenario)
    april = blockade_outcome(batch, BlockadeScenario(target="april_blockade", seed=seed))
    dual = blockade_outcome(batch, scenario,
                                  extra=(Intervention("april_blockade", scenario.strength, scenario.start),))
    if not np.all(il6.established):
        raise ValueError(f"no established disease to treat for theta = {thetas[~il6.established]}")
    # The dual arm's reference is APRIL blockade alone: convert to a reduction against no treatment.
    dual_vs_untreated = 1 - dual.T_treated / il6.T_untreated
    return {"IL-6R blockade": il6.benefit, "APRIL blockade": april.benefit, "both": dual_vs_untreated}
