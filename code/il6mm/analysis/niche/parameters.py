"""Parameters of the niche model: one record per parameter in ``data/model/niche_parameters.yaml``,
validated on load (every bad parameter reported with its file, line and field)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import yaml

from ...evidence.bibliography import bib_keys
from ...evidence.records import validation
from ...evidence.yaml_files import parse_yaml
from ...paths import BIB_PATH, NICHE_PARAMETERS_PATH

PARAMETERS_FILE = NICHE_PARAMETERS_PATH
BIB_FILE = BIB_PATH


# Parameters with a hard domain beyond "finite and >= 0": fractions and probabilities.
_UNIT_INTERVAL = {"kappa", "s_0", "theta"}
_PARAMETER_FIELDS = ("symbol", "description", "value", "unit", "provenance", "reason", "supports", "range")


class ParameterFileError(ValueError):
    """The parameter file is malformed; the message names, for every bad parameter, the file, its line, the
    parameter and the field."""


class _ParameterProblem(Exception):
    """The first problem of one parameter record (its later checks depend on the earlier ones)."""

    def __init__(self, field_name: str, problem: str):
        super().__init__(problem)
        self.field_name, self.problem = field_name, problem


# --------------------------------------------------------------------------------------------
# Parameters: one record per parameter in the YAML file, validated on load.
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NicheParameters:
    """The model's parameters (floats, or 1-D arrays of equal length for a batch of models)."""

    r_H: float
    r_M: float
    kappa: float
    eps_M: float
    rho: float
    K_T: float
    delta_I: float
    K_I: float
    alpha: float
    delta_A: float
    K_A: float
    r_T: float
    mu_T: float
    s_0: float
    theta: float
    c_N: float
    T_0: float

    def replace(self, **changes) -> "NicheParameters":
        """A copy with some values changed (e.g. ``p.replace(theta=0.0)``)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def batch_size(self) -> int | None:
        """Number of models in a batch, or None for a single model."""
        sizes = {np.size(v) for v in self.as_dict().values() if np.ndim(v) > 0}
        if len(sizes) > 1:
            raise ValueError(f"batched parameters must share one length, got lengths {sorted(sizes)}")
        return sizes.pop() if sizes else None


PARAMETER_NAMES = tuple(f.name for f in dataclasses.fields(NicheParameters))


@dataclass(frozen=True)
class ParameterRecord:
    """One parameter as written in the parameter file, with its provenance."""

    name: str
    symbol: str
    description: str
    value: float
    unit: str
    provenance: str
    reason: str
    supports: tuple[str, ...]
    range: tuple[float, float]


def _fail(path: Path, name: str, field_name: str, problem: str) -> None:
    raise _ParameterProblem(field_name, problem)


def _number(path, name, field_name, raw) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        _fail(path, name, field_name, f"expected a number, got {raw!r}")
    if not math.isfinite(raw):
        _fail(path, name, field_name, f"expected a finite number, got {raw!r}")
    return float(raw)


def _text(path, name, field_name, raw) -> str:
    if not isinstance(raw, str) or not raw.strip():
        _fail(path, name, field_name, f"expected a non-empty text, got {raw!r}")
    return raw.strip()


def _record(path: Path, name: str, raw, known_keys: set[str]) -> ParameterRecord:
    if not isinstance(raw, Mapping):
        _fail(path, name, "(record)", f"expected a mapping of fields, got {type(raw).__name__}")
    missing = [f for f in _PARAMETER_FIELDS if f not in raw]
    if missing:
        _fail(path, name, missing[0], "missing (every parameter needs " + ", ".join(_PARAMETER_FIELDS) + ")")
    unknown = sorted(set(raw) - set(_PARAMETER_FIELDS))
    if unknown:
        _fail(path, name, unknown[0], "unknown field")

    value = _number(path, name, "value", raw["value"])
    if value < 0:
        _fail(path, name, "value", f"must be >= 0, got {value}")
    if name in _UNIT_INTERVAL and value > 1:
        _fail(path, name, "value", f"must lie in [0, 1], got {value}")

    provenance = _text(path, name, "provenance", raw["provenance"])
    if provenance != "assumed" and provenance not in known_keys:
        _fail(path, name, "provenance", f"'{provenance}' is neither 'assumed' nor a key of references.bib")
    reason = raw["reason"]
    if provenance == "assumed":
        reason = _text(path, name, "reason", reason)
    elif reason is not None and not isinstance(reason, str):
        _fail(path, name, "reason", f"expected a text, got {reason!r}")

    supports = raw["supports"]
    if not isinstance(supports, list):
        _fail(path, name, "supports", f"expected a list of bib keys, got {supports!r}")
    for key in supports:
        if key not in known_keys:
            _fail(path, name, "supports", f"'{key}' is not a key of references.bib")

    bounds = raw["range"]
    if not (isinstance(bounds, list) and len(bounds) == 2):
        _fail(path, name, "range", f"expected [low, high], got {bounds!r}")
    low, high = (_number(path, name, "range", b) for b in bounds)
    if not (0 <= low < high):
        _fail(path, name, "range", f"expected 0 <= low < high, got [{low}, {high}]")
    if not (low <= value <= high):
        _fail(path, name, "range", f"[{low}, {high}] does not contain the value {value}")
    if name in _UNIT_INTERVAL and high > 1:
        _fail(path, name, "range", f"must lie in [0, 1], got [{low}, {high}]")

    return ParameterRecord(name=name, symbol=_text(path, name, "symbol", raw["symbol"]),
                           description=_text(path, name, "description", raw["description"]),
                           value=value, unit=_text(path, name, "unit", raw["unit"]),
                           provenance=provenance, reason=(reason or "").strip(),
                           supports=tuple(supports), range=(low, high))


def load_parameter_records(path: Path = PARAMETERS_FILE, bib_file: Path = BIB_FILE) -> dict[str, ParameterRecord]:
    """Read and validate every parameter record; bib keys are checked against ``bib_file``."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        document, node = parse_yaml(text)
    except yaml.YAMLError as error:
        raise ParameterFileError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(document, Mapping) or not isinstance(document.get("parameters"), Mapping):
        raise ParameterFileError(f"{path.name}: expected a top-level mapping 'parameters:'")
    raw_records = document["parameters"]
    lines = _parameter_lines(node)
    problems = [(name, "(record)", "missing: the model needs this parameter")
                for name in PARAMETER_NAMES if name not in raw_records]
    problems += [(name, "(record)", "unknown parameter: the model has no such parameter")
                 for name in raw_records if name not in PARAMETER_NAMES]
    with validation():  # the supporting keys are checked, not used: a page does not depend on the bibliography
        known_keys = set(bib_keys(bib_file))
    records = {}
    for name in PARAMETER_NAMES:
        if name in raw_records:
            try:
                records[name] = _record(path, name, raw_records[name], known_keys)
            except _ParameterProblem as problem:
                problems.append((name, problem.field_name, problem.problem))
    if problems:
        messages = [f"{path.name}" + (f" (line {lines[name]})" if name in lines else "")
                    + f": parameter '{name}', field '{field_name}': {problem}" for name, field_name, problem in problems]
        head = [f"{len(messages)} problems in {path.name}:"] if len(messages) > 1 else []
        raise ParameterFileError("\n".join(head + messages))
    return records


def _parameter_lines(node: yaml.Node) -> dict[str, int]:
    """The 1-based line of each parameter under ``parameters:``, from the file's node tree."""
    for key, value in node.value:
        if key.value == "parameters" and isinstance(value, yaml.MappingNode):
            return {k.value: k.start_mark.line + 1 for k, _ in value.value}
    return {}


def load_parameters(path: Path = PARAMETERS_FILE, bib_file: Path = BIB_FILE) -> NicheParameters:
    """The validated parameter values, ready for ``simulate``."""
    records = load_parameter_records(path, bib_file)
    return NicheParameters(**{name: record.value for name, record in records.items()})


