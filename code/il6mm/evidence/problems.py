"""What is wrong with a data file, said so that its author can fix it: file, line, entry, field, message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data file: where it is and what it is."""

    file: str
    message: str
    record: Optional[str] = None  # "'orlowski2015'" or "#3" when the id is missing
    field: Optional[str] = None
    line: Optional[int] = None

    def __str__(self) -> str:
        parts = [self.file + (f" (line {self.line})" if self.line else "")]
        if self.record:
            parts.append(f"record {self.record}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ": ".join(parts + [self.message])


class EvidenceError(ValueError):
    """Raised with every problem of a load, one per line."""

    def __init__(self, problems: Iterable[Problem | str]):
        self.problems = [p if isinstance(p, Problem) else Problem(file="", message=str(p)) for p in problems]
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) in the evidence records:" if len(lines) > 1 else ""
        super().__init__("\n".join([head, *lines]) if head else lines[0])
