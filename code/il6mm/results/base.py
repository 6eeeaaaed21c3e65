"""What the named results and the value resolver share: the error of an address that names nothing, the
model term a value may be, and the anchor a named result's row carries on the Evidence tables page."""

from __future__ import annotations

import re
from dataclasses import dataclass


class UnknownValue(LookupError):
    """An address that names no value: says which part of the address failed and what exists there."""


@dataclass(frozen=True)
class Term:
    """A named model quantity shown as math with a plain-words gloss, e.g. $K_A$ (APRIL half-saturation)."""

    math: str
    gloss: str = ""


def result_anchor(name: str) -> str:
    """HTML id of a named result's row on the Evidence tables page."""
    return "result-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
