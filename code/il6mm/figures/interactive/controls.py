"""The controls of an interactive figure: a labelled slider for numbers, a drop-down for text or
``(label, value)`` pairs, each with its default."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Sequence

import ipywidgets as widgets


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@dataclass(frozen=True)
class Control:
    """One control of an interactive figure.

    ``name`` is the keyword ``draw`` receives; ``label`` is what the reader sees next to the control;
    ``options`` are the values (numbers give a slider) or ``(label, value)`` pairs (a drop-down);
    ``default`` is the value shown first (the first option when omitted).
    """

    name: str
    label: str
    options: Sequence[Any]
    default: Any = None

    def __post_init__(self) -> None:
        where = f"Control {self.name!r}"
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"{where}: name must be a Python identifier (it is the keyword draw() receives)")
        if not isinstance(self.label, str) or not self.label.strip():
            raise ValueError(f"{where}: label must be a non-empty string (it labels the control for readers)")
        options = list(self.options)
        if len(options) < 2:
            raise ValueError(f"{where}: options needs at least two choices, got {options!r}")
        pairs = [o for o in options if isinstance(o, tuple)]
        if pairs and len(pairs) != len(options):
            raise ValueError(f"{where}: options mixes (label, value) pairs with bare values: {options!r}")
        if pairs and any(len(p) != 2 or not isinstance(p[0], str) or not p[0] for p in pairs):
            raise ValueError(f"{where}: each (label, value) option needs a non-empty string label: {options!r}")
        object.__setattr__(self, "options", tuple(options))
        values = self.values
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"{where}: option values must be distinct, got {values!r}")
        if len(set(self.labels)) != len(values):
            raise ValueError(f"{where}: option labels must be distinct, got {self.labels!r}")
        if not pairs and not all(_is_number(v) or isinstance(v, str) for v in values):
            raise ValueError(f"{where}: bare options must be numbers or strings; use (label, value) pairs "
                             f"for other values, got {values!r}")
        if self.default is not None and not any(self.default == v for v in values):
            raise ValueError(f"{where}: default {self.default!r} is not one of the options {values!r}")

    @property
    def values(self) -> tuple:
        return tuple(o[1] if isinstance(o, tuple) else o for o in self.options)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(o[0] if isinstance(o, tuple) else _format_number(o) if _is_number(o) else str(o)
                     for o in self.options)

    @property
    def is_slider(self) -> bool:
        """Bare numeric options make a slider; text options and (label, value) pairs a drop-down."""
        return all(not isinstance(o, tuple) and _is_number(o) for o in self.options)

    @property
    def default_index(self) -> int:
        if self.default is None:
            return 0
        return next(i for i, v in enumerate(self.values) if v == self.default)

    def make_widget(self) -> widgets.ValueWidget:
        """The labelled ipywidgets control; its ``index`` is what the frames are linked to."""
        common = dict(options=list(zip(self.labels, self.values)), index=self.default_index,
                      description=self.label, style={"description_width": "initial"})
        if self.is_slider:
            return widgets.SelectionSlider(continuous_update=True, readout=True,
                                           layout=widgets.Layout(width="28em", max_width="100%"), **common)
        return widgets.Dropdown(layout=widgets.Layout(width="auto", max_width="100%"), **common)



def _format_number(value: numbers.Real) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
