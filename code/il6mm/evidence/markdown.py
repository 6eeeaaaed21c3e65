"""Markdown tables, in one place: every generated table of the book (evidence tables, the meta-analysis and
living-review tables, the versions pages) is written by these three functions.

* :func:`cell` makes any text safe for one cell of a pipe table (one line, ``|`` escaped);
* :func:`table` writes a pipe table (a header row, then the rows);
* :func:`list_table` writes a MyST ``list-table``, for cells that hold several paragraphs.

Cells are MyST: a caller that wants text shown literally escapes it first (:func:`il6mm.evidence.tables.escape`).
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence


def cell(text: object) -> str:
    """Text for one cell of a pipe table: on one line, with its pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: Sequence[str], rows: Iterable[Sequence[object]], *, escape_cells: bool = True) -> str:
    """A pipe table: ``header`` then one line per row, every cell through :func:`cell` (unless the caller
    has already made them safe: ``escape_cells=False``). No trailing newline."""
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"a row has {len(row)} cells for {len(header)} columns: {row!r}")
        cells = [cell(c) for c in row] if escape_cells else [str(c) for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _list_cell(paragraphs: Sequence[str], indent: str) -> str:
    """A list-table cell: its first paragraph after the bullet, further ones as separate paragraphs."""
    paragraphs = list(paragraphs) or [""]
    return paragraphs[0] + "".join(f"\n\n{indent}{p}" for p in paragraphs[1:])


def list_table(header: Sequence[str], rows: Iterable[Sequence[Sequence[str]]], *, widths: Optional[str] = None,
               classes: str = "evidence-table") -> str:
    """A MyST ``list-table`` with one header row. Each row is a sequence of cells; each cell a sequence of
    paragraphs (MyST text). Ends with a newline."""
    out = ["```{list-table}", ":header-rows: 1"]
    if widths:
        out.append(f":widths: {widths}")
    if classes:
        out.append(f":class: {classes}")
    out.append("")
    for i, title in enumerate(header):
        out.append(("* - " if i == 0 else "  - ") + title)
    for row in rows:
        for i, paragraphs in enumerate(row):
            out.append(("* - " if i == 0 else "  - ") + _list_cell(paragraphs, "    "))
    out.append("```")
    return "\n".join(out) + "\n"
