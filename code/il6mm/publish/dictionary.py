"""The data dictionary: every table of the data package, and every field of it (type, unit, meaning, allowed
values), generated from the schemas (:func:`il6mm.publish.datapackage.tables`).

It is shown on the Evidence tables page (:func:`dictionary_markdown`) and kept in ``data/README.md`` between
two marker comments, so that contributors read it beside the records; ``make dictionary`` (``python -m
il6mm.publish.dictionary --write``) rewrites that section, and a unit test fails when it is not what the
schemas give. It depends on the schemas only, never on the records, so adding a record leaves it as it is.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Optional, Sequence

from ..evidence import markdown
from ..paths import DATA_DIR
from .datapackage import CSV_DIR, DESCRIPTOR, JSON_DIR, JSON_FILE, REFERENCES, Column, Table, tables

README_PATH = DATA_DIR / "README.md"
START = ("<!-- data-dictionary: generated from code/il6mm/evidence/schema.py by `make dictionary`; "
         "do not edit by hand -->")
END = "<!-- data-dictionary: end -->"
HEADER = ("field", "type", "unit", "meaning", "allowed values")
_SPECIAL = re.compile(r"([\\`*\[\]<{}|])")


class DictionaryError(ValueError):
    """data/README.md cannot take the dictionary (the message names the file and what is missing)."""


def _text(text: str) -> str:
    """Prose from a schema, safe in a cell of a Markdown (and MyST) table: one line, punctuation literal."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _code(value: object) -> str:
    return f"`{value}`"


def _number(x: float) -> str:
    return f"{x:g}"


def allowed_values(column: Column) -> str:
    """What a column may hold beyond its type: a vocabulary, a pattern, bounds, the table it points at."""
    parts = []
    if column.allowed:
        meanings = any(column.allowed.values())
        parts.append((", " if not meanings else "; ").join(_code(v) + (f": {_text(m)}" if m else "")
                                                           for v, m in column.allowed.items()))
    if column.pattern:
        parts.append(f"matches {_code(column.pattern)}")
    if column.minimum is not None and column.maximum is not None:
        parts.append(f"{_number(column.minimum)} to {_number(column.maximum)}")
    elif column.minimum is not None:
        parts.append(f"at least {_number(column.minimum)}")
    elif column.maximum is not None:
        parts.append(f"at most {_number(column.maximum)}")
    if column.refers_to:
        table, field = column.refers_to
        article = "an" if field[0] in "aeiou" else "a"
        parts.append(f"{article} {_code(field)} of the same record in {_code(table)}" if column.same_record
                     else f"{article} {_code(field)} of {_code(table)}")
    return "; ".join(parts)


def _type(column: Column) -> str:
    return f"{column.type}, required" if column.required else column.type


def _keys(table: Table) -> str:
    text = f"primary key {', '.join(_code(k) for k in table.primary_key)}"
    if table.foreign_keys:
        links = [f"{', '.join(_code(f) for f in fields)} → {_code(target)}" for fields, target, _ in table.foreign_keys]
        text += "; foreign keys " + ", ".join(links)
    return text


def table_markdown(table: Table) -> str:
    """One table of the package: what a row is, its keys, then one line per field."""
    model = "" if table.model is str else f", model {_code(table.model.__name__)}"
    head = (f"**{_code(table.name)}** ({_code(table.path)}{model}). {_text(table.description)} "
            f"{_keys(table)[0].upper()}{_keys(table)[1:]}.")
    body = markdown.table(HEADER, [(_code(c.name), _type(c), _text(c.unit or ""), _text(c.description),
                                    allowed_values(c)) for c in table.columns], escape_cells=False)
    return f"{head}\n\n{body}\n"


def dictionary_markdown(selected: Optional[Sequence[Table]] = None) -> str:
    """Every table of the package with its fields (the Evidence tables page and data/README.md)."""
    chosen = list(selected) if selected is not None else list(tables())
    kinds = [t for t in chosen if t.attribute is None and t.kind != REFERENCES]
    intro = (f"Generated from the schemas (`code/il6mm/evidence/schema.py`), like the data package the site publishes "
             f"in `data/` ({_code(DESCRIPTOR)}, one CSV file per table in `{CSV_DIR}/`, every record nested as the "
             f"YAML files hold it in `{JSON_DIR}/{JSON_FILE}`). {len(kinds)} record kinds "
             f"({', '.join(_code(t.kind) for t in kinds)}); a record's lists and mappings are tables of their own "
             "whose rows name their record, and `references` lists the works of `references.bib`. An empty cell "
             "is a value not known (null).")
    return intro + "\n\n" + "\n".join(table_markdown(t) for t in chosen)


def readme_with_dictionary(text: str, shown: str = "data/README.md") -> str:
    """``text`` (data/README.md) with the section between the markers replaced by the dictionary."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise DictionaryError(f"{shown}: needs one line {START!r} and, after it, one line {END!r}, around the "
                              "generated data dictionary")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    return f"{before}{START}\n\n{dictionary_markdown()}\n{END}{after}"


def write_readme(path: Path | str = README_PATH) -> bool:
    """Rewrite the dictionary in ``path`` (atomically); True when it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    new = readme_with_dictionary(text, str(path.name))
    if new == text:
        return False
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m il6mm.publish.dictionary",
                                     description="Write the data dictionary, generated from the schemas.")
    parser.add_argument("--write", metavar="README", nargs="?", const=str(README_PATH), default=None,
                        help="rewrite the generated section of this file (default: data/README.md)")
    args = parser.parse_args(argv)
    if args.write is None:
        print(dictionary_markdown())
        return 0
    try:
        changed = write_readme(args.write)
    except (OSError, DictionaryError) as exc:
        print(f"dictionary: {exc}", file=sys.stderr)
        return 1
    print(f"dictionary: {args.write} {'rewritten' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
