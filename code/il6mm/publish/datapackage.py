"""The evidence as an open data package (a Frictionless Data Package), generated from the pydantic schemas.

Every record kind of :data:`il6mm.evidence.schema.KINDS` and the references of ``references.bib`` are published
in one folder (the site's ``data/``, and each earlier version's ``versions/X.Y.Z/data/``):

* ``datapackage.json``: the descriptor, with the version and the licence (CITATION.cff), and a Table Schema per
  table: field types, descriptions, units, required fields, allowed values, the primary key, and foreign keys
  to the references, to a record's parent and between record kinds;
* ``csv/<table>.csv``: one table per record kind (one row per record) and one per nested list or mapping of a
  record, with a foreign key to its parent: a study's arms (``study_arms``) and outcomes (``study_outcomes``),
  the quantities of findings and CRS records, the RoB 2 domains, the GRADE downgrades, the records a certainty
  row rests on; and ``references``;
* ``json/evidence.json``: every record as ``data/`` has it (nested, with every default filled in) and the
  references; ``json/evidence.jsonschema.json`` its JSON Schema;
* ``index.html``: the folder's files, since a static host (GitHub Pages) lists no folder.

Nothing here is written by hand: the tables, their columns and the descriptor come from the models' fields
(:func:`tables`), the meaning of each field from its ``description`` and what the loader checks of it from the
field's extras (:func:`il6mm.evidence.schema.described`). The data dictionary (:mod:`il6mm.publish.dictionary`)
is the same plan, rendered for readers.

The extension writes the package into the site at the end of each build (:func:`write_site_package`); the
version archive writes one into each earlier version's copy, from that version's own ``data/`` read with
today's schema, and says so in that copy when its records no longer load (:func:`write_version_package`).
``python -m il6mm.publish.datapackage --out DIR`` writes the package of this checkout without a build.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import html
import io
import json
import os
import shutil
import sys
import tempfile
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Optional, Sequence

from pybtex.richtext import Text
from pybtex.scanner import PybtexSyntaxError
from pydantic import BaseModel, ConfigDict, create_model

from ..evidence import EvidenceError, load_evidence
from ..evidence.bibliography import parse_bib, remember_pybtex_plugins
from ..evidence.records import Evidence
from ..evidence.schema import KINDS, described
from ..paths import BIB_PATH, REPO_ROOT

#: Where the package goes in a site (and in each version's copy).
SITE_DIR = "data"
DESCRIPTOR = "datapackage.json"
CSV_DIR = "csv"
JSON_DIR = "json"
JSON_FILE = "evidence.json"
JSON_SCHEMA_FILE = "evidence.jsonschema.json"
INDEX = "index.html"
#: Written instead of the package in a version's copy whose records do not load with today's schema.
NO_PACKAGE = "NO-DATA-PACKAGE.txt"
NAME = "il6mm-living-review-evidence"
REFERENCES = "references"

#: What one row of a record kind's table is called, which also names the column of a nested table that points
#: at its record (``study_arms.study``) and the nested tables (``study_arms``).
ROW = {"studies": "study", "timeline": "event", "findings": "finding", "crs": "crs", "risk_of_bias": "risk_of_bias",
       "certainty": "certainty", "registrations": "registration"}
#: The licences CITATION.cff may name (SPDX identifier -> what the descriptor says of it).
LICENSES = {
    "CC-BY-4.0": {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
                  "path": "https://creativecommons.org/licenses/by/4.0/"},
}


class DataPackageError(ValueError):
    """The package cannot be made; the message names the file, the entry and the field."""


# ---------------------------------------------------------------------------------------------------------
# The references, as a model like the records' (one source of truth for their columns too)
# ---------------------------------------------------------------------------------------------------------

class Reference(BaseModel):
    """A work of ``references.bib``: what the records' ``source`` names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = described(..., "The BibTeX key of the work; the source of a record names it.")
    entry_type: str = described(..., "BibTeX entry type (article, misc, ...).")
    authors: Optional[str] = described(None, "Authors as the bibliography gives them ('Family, G. and ...'); a "
                                       "note in brackets where no checked page displayed them.")
    title: Optional[str] = described(None, "Title of the work.")
    journal: Optional[str] = described(None, "Journal.")
    year: Optional[int] = described(None, "Year of publication.")
    volume: Optional[str] = described(None, "Volume.")
    number: Optional[str] = described(None, "Issue.")
    pages: Optional[str] = described(None, "Pages.")
    doi: Optional[str] = described(None, "Digital Object Identifier.")
    pmid: Optional[str] = described(None, "PubMed identifier.")
    url: Optional[str] = described(None, "The page the entry was checked on.")
    note: Optional[str] = described(None, "A note of the bibliography.")
    verification: Optional[str] = described(None, "Where the entry's fields were seen (the bibliography's own "
                                            "record of how it was checked).")


def bib_text(value: str) -> str:
    """A bibliography field as plain text, read by pybtex (the bibliography's own parser: accents, math such
    as ``$\\beta$``, braces, '--' as an en dash). Raises ``ValueError`` for LaTeX it leaves unread, e.g. a
    command such as ``\\textbf`` (the caller names the entry and field)."""
    try:
        text = Text.from_latex(value).render_as("text")
    except PybtexSyntaxError as exc:
        raise ValueError(f"cannot read the LaTeX in {value!r}: {exc}") from None
    if "\\" in text:
        raise ValueError(f"cannot turn the LaTeX in {value!r} into text")
    return " ".join(text.split())


def load_references(bib_path: Path | str = BIB_PATH) -> list[Reference]:
    """The entries of the bibliography as :class:`Reference` rows, in file order (errors name file, entry and
    field)."""
    remember_pybtex_plugins()  # each field's text is rendered by a pybtex backend
    bib_path = Path(bib_path)
    try:
        entries = parse_bib(bib_path)
    except (OSError, ValueError) as exc:
        raise DataPackageError(f"{bib_path.name}: cannot be read: {exc}") from None
    out = []
    for key, fields in entries.items():
        row: dict[str, Any] = {"key": key, "entry_type": fields["ENTRYTYPE"]}
        for name, value in fields.items():
            column = {"author": "authors"}.get(name, name)
            if column not in Reference.model_fields or column in row:
                continue
            try:
                row[column] = bib_text(value)
                if column == "year":
                    row[column] = int(row[column])
            except ValueError as exc:
                raise DataPackageError(f"{bib_path.name}: entry {key!r}, field {name!r}: {exc}") from None
        out.append(Reference(**row))
    return out


# ---------------------------------------------------------------------------------------------------------
# The plan: tables and columns, from the models
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a table (a Table Schema field)."""

    name: str
    type: str                               # a Table Schema type: string, integer, number, boolean, date
    description: str
    required: bool
    unit: Optional[str] = None
    allowed: Optional[dict] = None          # value -> meaning ('' when the vocabulary gives none)
    pattern: Optional[str] = None
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    refers_to: Optional[tuple[str, str]] = None   # (table, column) its values name
    same_record: bool = False               # refers_to names an item of the same record (no foreign key)

    def schema_field(self) -> dict:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "description": self.description}
        if self.unit:
            out["unit"] = self.unit
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.allowed:
            constraints["enum"] = list(self.allowed)
        if self.pattern:
            constraints["pattern"] = self.pattern
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        if constraints:
            out["constraints"] = constraints
        return out


@dataclass(frozen=True)
class Table:
    """One table of the package: its rows are the records of a kind (``attribute`` None), the items of one of
    their list or mapping fields (``attribute``), or the references."""

    name: str
    kind: str                               # the record kind, or "references"
    model: type                             # what one row is (a model, or str for a list of ids)
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()
    attribute: Optional[str] = None         # the record's field the rows come from
    keyed: bool = False                     # a mapping: its key is the first column after the parent

    @property
    def path(self) -> str:
        return f"{CSV_DIR}/{self.name}.csv"

    def resource(self) -> dict:
        schema: dict[str, Any] = {"fields": [c.schema_field() for c in self.columns], "missingValues": [""],
                                  "primaryKey": list(self.primary_key)}
        if self.foreign_keys:
            schema["foreignKeys"] = [{"fields": list(fields), "reference": {"resource": table, "fields": list(ref)}}
                                     for fields, table, ref in self.foreign_keys]
        return {"name": self.name, "path": self.path, "profile": "tabular-data-resource", "format": "csv",
                "mediatype": "text/csv", "encoding": "utf-8", "title": self.title, "description": self.description,
                "schema": schema}


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(type without Optional, whether it may be null)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unions other than Optional[X] have no column type: {annotation!r}")
        return args[0], True
    return annotation, False


_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean", _dt.date: "date"}


def _scalar_type(annotation: Any) -> tuple[str, Optional[dict]]:
    """(Table Schema type, the allowed values of a Literal) of a scalar annotation."""
    if typing.get_origin(annotation) is Literal:
        values = typing.get_args(annotation)
        kinds = {type(v) for v in values}
        if len(kinds) != 1 or next(iter(kinds)) not in _SCALARS:
            raise TypeError(f"a Literal of mixed or unsupported values has no column type: {annotation!r}")
        return _SCALARS[next(iter(kinds))], {v: "" for v in values}
    if annotation in _SCALARS:
        return _SCALARS[annotation], None
    raise TypeError(f"no column type for {annotation!r}")


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _extras(info) -> dict:
    extra = info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def _pattern(extras: dict) -> Optional[str]:
    pattern = extras.get("pattern")
    return pattern.removeprefix("^").removesuffix("$") if pattern else None


def _target(refers_to: str) -> tuple[str, str]:
    if refers_to == REFERENCES:
        return REFERENCES, "key"
    if refers_to not in KINDS:
        raise TypeError(f"refers_to {refers_to!r} names no record kind")
    return refers_to, "id"


def _columns(model: type[BaseModel], *, owner: str, prefix: str = "", required_parent: bool = True,
             within: Optional[str] = None) -> tuple[list[Column], list, list[tuple[str, Any]]]:
    """The scalar columns of ``model`` (a nested model flattened as ``<field>_<its field>``), the foreign keys
    they carry, and the fields that become tables of their own (lists and mappings)."""
    columns: list[Column] = []
    keys: list = []
    nested: list[tuple[str, Any]] = []
    for name in field_order(model):
        info = model.model_fields[name]
        where = f"{model.__name__}.{name}"
        if not (info.description or "").strip():
            raise TypeError(f"{owner}: field {where} has no description")
        annotation, nullable = _unwrap(info.annotation)
        extras = _extras(info)
        origin = typing.get_origin(annotation)
        if origin in (list, dict):
            nested.append((name, info))
            continue
        if _is_model(annotation):
            sub, sub_keys, sub_nested = _columns(annotation, owner=owner, prefix=f"{prefix}{name}_",
                                                 required_parent=required_parent and not nullable)
            if sub_nested:
                raise TypeError(f"{owner}: {where}: a list inside a nested model has no table")
            lead = info.description.rstrip(".")
            columns += [Column(**{**c.__dict__, "description": f"{lead}: {c.description[0].lower()}{c.description[1:]}"})
                        for c in sub]
            keys += sub_keys
            continue
        column_type, allowed = _scalar_type(annotation)
        if extras.get("allowed"):
            allowed = {k: v for k, v in extras["allowed"].items()}
        refers = None
        if extras.get("refers_to"):
            refers = _target(extras["refers_to"])
            keys.append(((prefix + name,), refers[0], (refers[1],)))
        if extras.get("item_of"):
            # No foreign key: the value is null on some rows (an outcome names an arm or a comparison), and a
            # composite key half null is a violation to Frictionless; the loader checks it.
            if within is None:
                raise TypeError(f"{owner}: {where}: item_of needs a record the item belongs to")
            refers = (f"{within}_{extras['item_of']}", name)
        required = required_parent and not nullable and info.default is not None
        columns.append(Column(prefix + name, column_type, info.description, required, extras.get("unit"), allowed,
                              _pattern(extras), extras.get("minimum"), extras.get("maximum"), refers,
                              same_record=bool(extras.get("item_of"))))
    return columns, keys, nested


def field_order(model: type[BaseModel]) -> list[str]:
    """The fields of ``model`` as its columns read best: ``id`` (or ``key``) first, then the fields the model
    declares itself, then those it inherits (a study's ``source``, ``where`` and ``note`` after what it found)."""
    depth = {}
    for level, cls in enumerate(model.__mro__):
        for name in getattr(cls, "__annotations__", {}):
            if name in model.model_fields:
                depth.setdefault(name, level)
    names = list(model.model_fields)
    lead = [n for n in ("id", "key") if n in names][:1]
    rest = sorted((n for n in names if n not in lead), key=lambda n: depth.get(n, 0))  # stable: declared order kept
    return lead + rest


def _first_sentence(text: Optional[str]) -> str:
    text = " ".join((text or "").replace("``", "").split())
    return text.split(". ")[0].rstrip(".") + "." if text else ""


def _record_tables(kind: str, fname: str, model: type[BaseModel]) -> list[Table]:
    row = ROW[kind]
    columns, keys, nested = _columns(model, owner=kind)
    what = _first_sentence(model.__doc__)
    out = [Table(kind, kind, model, f"{kind.replace('_', ' ').capitalize()} ({model.__name__})",
                 f"One row per record of data/{fname}: {what[0].lower()}{what[1:]}", tuple(columns), ("id",),
                 tuple(keys))]
    for name, info in nested:
        annotation, _ = _unwrap(info.annotation)
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        extras = _extras(info)
        table = f"{row}_{name}"
        parent = Column(row, "string", f"The {row} record this row belongs to: an id of {kind}.", True,
                        refers_to=(kind, "id"))
        fkeys = [((row,), kind, ("id",))]
        if origin is dict:
            item = args[1]
            key_name = extras.get("key_name")
            if args[0] is not str or not _is_model(item) or not key_name or not extras.get("keys"):
                raise TypeError(f"{kind}: field {model.__name__}.{name}: a mapping needs str keys, model values, "
                                "and key_name and keys in its extras")
            lead = [parent, Column(key_name, "string", f"The {key_name} the row is for (a key of the record's "
                                   f"{name}).", True, allowed=dict(extras["keys"]))]
            primary = (row, key_name)
        else:
            item = args[0]
            lead = [parent, Column("position", "integer", f"Place of the item in the record's {name} (1 = first).",
                                   True, minimum=1)]
            primary = (row, "position")
        if _is_model(item):
            item_columns, item_keys, item_nested = _columns(item, owner=table, within=row)
            if item_nested:
                raise TypeError(f"{table}: nested lists inside {item.__name__} have no table")
            clash = {c.name for c in item_columns} & {c.name for c in lead}
            if clash:
                raise TypeError(f"{table}: columns {sorted(clash)} of {item.__name__} clash with its lead columns")
            what = _first_sentence(item.__doc__) or info.description
        elif item is str and extras.get("refers_to"):
            # A list of ids of one or more kinds: one column per kind, filled for the kind the id is of.
            targets = extras["refers_to"] if isinstance(extras["refers_to"], list) else [extras["refers_to"]]
            item_columns, item_keys = [], []
            for target in targets:
                name_ = ROW[target] if target in ROW else target
                item_columns.append(Column(name_, "string", f"{info.description} This column holds an id of "
                                           f"{target}" + (" (the others are then empty)." if len(targets) > 1 else "."),
                                           len(targets) == 1, refers_to=(target, "id")))
                item_keys.append(((name_,), target, ("id",)))
            what = info.description
        else:
            raise TypeError(f"{kind}: field {model.__name__}.{name}: no table for a list of {item!r}")
        out.append(Table(table, kind, item, f"{kind.replace('_', ' ').capitalize()}: {name.replace('_', ' ')}",
                         f"The {name.replace('_', ' ')} of the records of data/{fname}, one row per item: "
                         f"{what[0].lower()}{what[1:]}", tuple(lead + item_columns), primary,
                         tuple(fkeys + item_keys), attribute=name, keyed=origin is dict))
    return out


@lru_cache(maxsize=1)
def tables() -> tuple[Table, ...]:
    """Every table of the package, in order: each record kind followed by its nested tables, then the
    references."""
    missing = [kind for kind in KINDS if kind not in ROW]
    if missing:
        raise TypeError(f"il6mm.publish.datapackage.ROW: name one row of the record kind(s) {missing}")
    out: list[Table] = []
    for kind, (fname, model) in KINDS.items():
        out += _record_tables(kind, fname, model)
    columns, keys, nested = _columns(Reference, owner=REFERENCES)
    if keys or nested:
        raise TypeError("references: a reference names no other table and holds no list")
    out.append(Table(REFERENCES, REFERENCES, Reference, "References",
                     "One row per work of references.bib: " + _first_sentence(Reference.__doc__).lower(),
                     tuple(columns), ("key",)))
    return tuple(out)


def undescribed_fields(models: Sequence[type[BaseModel]]) -> list[str]:
    """``Model.field`` for every field of ``models`` (and of the models their fields hold) without a
    description: the data dictionary and the package's schemas are made from them."""
    seen: set[type] = set()
    out: list[str] = []

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, info in model.model_fields.items():
            if not (info.description or "").strip():
                out.append(f"{model.__name__}.{name}")
            for arg in _walk(info.annotation):
                if _is_model(arg):
                    visit(arg)

    for model in models:
        visit(model)
    return out


def _walk(annotation: Any):
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _walk(arg)


# ---------------------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------------------

def _flat(model: BaseModel, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            out.update(_flat(value, f"{prefix}{name}_"))
        elif not isinstance(value, (list, dict)):
            out[prefix + name] = value
    return out


def rows(table: Table, evidence: Evidence, references: Sequence[Reference]) -> list[dict[str, Any]]:
    """The rows of ``table``, each a dict of column -> value (None for null)."""
    names = [c.name for c in table.columns]
    if table.kind == REFERENCES:
        found = [_flat(r) for r in references]
    elif table.attribute is None:
        found = [_flat(r) for r in evidence.records(table.kind)]
    else:
        row = ROW[table.kind]
        found = []
        for record in evidence.records(table.kind):
            items = getattr(record, table.attribute)
            if table.keyed:
                key_name = names[1]
                found += [{row: record.id, key_name: key, **_flat(item)} for key, item in items.items()]
            elif table.model is str:
                for i, value in enumerate(items, 1):
                    cells = {row: record.id, "position": i}
                    kind = evidence.kind_of(value)
                    column = ROW.get(kind, kind)
                    if column not in names:
                        raise DataPackageError(f"{table.kind}: record {record.id!r}, field {table.attribute}[{i - 1}]: "
                                               f"{value!r} is a record of {kind}, which {table.name} has no column for")
                    cells[column] = value
                    found.append(cells)
            else:
                found += [{row: record.id, "position": i, **_flat(item)} for i, item in enumerate(items, 1)]
    return [{name: cells.get(name) for name in names} for cells in found]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def csv_text(table: Table, table_rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in table.columns])
    for row in table_rows:
        writer.writerow([_cell(row[c.name]) for c in table.columns])
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------
# The JSON edition: the records as they are, and their JSON Schema
# ---------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def json_model() -> type[BaseModel]:
    """The model of ``json/evidence.json``: the version, the licence, every record kind and the references."""
    fields: dict[str, Any] = {
        "version": (str, described(..., "Version of the review these records are of.")),
        "date": (str, described(..., "Date of that version.")),
        "license": (str, described(..., "Licence of the data (SPDX identifier).")),
    }
    for kind, (fname, model) in KINDS.items():
        fields[kind] = (list[model], described(..., f"The records of data/{fname}, as there, every default filled in."))
    fields[REFERENCES] = (list[Reference], described(..., "The works of references.bib."))
    return create_model("EvidenceRecords", __config__=ConfigDict(extra="forbid"), **fields)


def json_schema() -> dict:
    schema = json_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["description"] = "Every evidence record of the review, nested as data/ holds them, with the references."
    return schema


def json_records(evidence: Evidence, references: Sequence[Reference], meta: "PackageMeta") -> dict:
    out: dict[str, Any] = {"version": meta.version, "date": meta.date.isoformat(), "license": meta.license}
    for kind in KINDS:
        out[kind] = [r.model_dump(mode="json") for r in evidence.records(kind)]
    out[REFERENCES] = [r.model_dump(mode="json") for r in references]
    return out


# ---------------------------------------------------------------------------------------------------------
# The descriptor and the folder
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PackageMeta:
    """What the descriptor says of the package besides its tables."""

    title: str                # the review's title (CITATION.cff)
    version: str
    date: _dt.date
    authors: tuple[str, ...]
    license: str              # SPDX identifier (CITATION.cff license)
    homepage: str             # where the version is read (its copy on the site, else its source)

    @classmethod
    def of(cls, citation, homepage: str, *, version: Optional[str] = None,
           date: Optional[_dt.date] = None) -> "PackageMeta":
        """From CITATION.cff (:class:`il6mm.living.versions.Citation`); an earlier version gives its own number
        and date."""
        if not citation.license:
            raise DataPackageError("CITATION.cff: field 'license' is missing: the data package must carry its licence")
        return cls(citation.title, version or citation.version, date or citation.date_released,
                   tuple(citation.authors), citation.license, homepage)


def descriptor(meta: PackageMeta, counts: Optional[dict[str, int]] = None) -> dict:
    """``datapackage.json``: the package's metadata, one tabular resource per table (``counts``: its rows, when
    known), and the JSON edition."""
    if meta.license not in LICENSES:
        raise DataPackageError(f"CITATION.cff: field 'license': {meta.license!r} is not one the data package knows "
                               f"({', '.join(LICENSES)}); add it to il6mm.publish.datapackage.LICENSES")
    resources = []
    for table in tables():
        resource = table.resource()
        if counts is not None:
            resource["stats"] = {"rows": counts[table.name]}
        resources.append(resource)
    resources += [
        {"name": "evidence-json", "path": f"{JSON_DIR}/{JSON_FILE}", "format": "json", "mediatype": "application/json",
         "encoding": "utf-8", "title": "Every record, nested (JSON)",
         "description": "Every record kind and the references in one JSON document, each record nested as data/ "
                        f"holds it (a study with its arms and outcomes); its JSON Schema is {JSON_DIR}/{JSON_SCHEMA_FILE}."},
        {"name": "evidence-json-schema", "path": f"{JSON_DIR}/{JSON_SCHEMA_FILE}", "format": "json",
         "mediatype": "application/schema+json", "encoding": "utf-8", "title": "JSON Schema of the JSON edition",
         "description": "The JSON Schema of evidence.json, generated from the same pydantic models as the tables."},
    ]
    return {
        "profile": "data-package",
        "name": NAME,
        "title": f"{meta.title}: evidence records, version {meta.version}",
        "description": ("Every evidence record of the living review (clinical studies, timeline events, findings, "
                        "cytokine release syndrome records, risk of bias, certainty of evidence, trial "
                        "registrations) and the references they cite, as CSV tables with a Table Schema each "
                        "and as one JSON document. Generated from the review's schemas "
                        "(code/il6mm/evidence/schema.py) at each build; numbers are exactly as published, and "
                        "each record names its source and where the numbers were read."),
        "version": meta.version,
        "created": f"{meta.date.isoformat()}T00:00:00Z",
        "homepage": meta.homepage,
        "licenses": [LICENSES[meta.license]],
        "contributors": [{"title": name, "role": "author"} for name in meta.authors],
        "keywords": ["multiple myeloma", "interleukin-6", "living systematic review", "evidence records"],
        "resources": resources,
    }


def index_html(folder: Path, meta: PackageMeta) -> str:
    """A list of the folder's files, since a static host shows no folder listing."""
    e = html.escape
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and p.name != INDEX and not p.name.startswith("."))
    items = "".join(f'<li><a href="{e(name)}">{e(name)}</a></li>' for name in files)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Evidence data, version {e(meta.version)}</title></head><body><main>"
            f"<h1>Evidence data of version {e(meta.version)}</h1>"
            f"<p>The evidence records of the review as a data package ({e(LICENSES[meta.license]['title'])}): "
            f'<a href="{DESCRIPTOR}">{DESCRIPTOR}</a> describes every table.</p>'
            f"<ul>{items}</ul></main></body></html>\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _replace_folder(staged: Path, dest: Path) -> None:
    old = dest.with_name(f".{dest.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        os.replace(dest, old)
    os.replace(staged, dest)
    shutil.rmtree(old, ignore_errors=True)


@dataclass
class PackageReport:
    folder: Path
    rows: dict[str, int] = field(default_factory=dict)


def write_package(folder: Path | str, evidence: Evidence, references: Sequence[Reference],
                  meta: PackageMeta) -> PackageReport:
    """Write the package into ``folder`` (its csv/ and json/ whole, then the descriptor, each file atomically;
    other files of the folder, such as a version's YAML records, are left as they are)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = PackageReport(folder)
    texts: dict[str, str] = {}
    for table in tables():
        table_rows = rows(table, evidence, references)
        report.rows[table.name] = len(table_rows)
        texts[table.path] = csv_text(table, table_rows)
    texts[f"{JSON_DIR}/{JSON_FILE}"] = json.dumps(json_records(evidence, references, meta), indent=1,
                                                  ensure_ascii=False) + "\n"
    texts[f"{JSON_DIR}/{JSON_SCHEMA_FILE}"] = json.dumps(json_schema(), indent=1, ensure_ascii=False) + "\n"
    text_descriptor = json.dumps(descriptor(meta, report.rows), indent=1, ensure_ascii=False) + "\n"
    with tempfile.TemporaryDirectory(prefix=".package-", dir=folder) as tmp:
        for sub in (CSV_DIR, JSON_DIR):
            staged = Path(tmp) / sub
            staged.mkdir()
            for path, text in texts.items():
                if path.startswith(sub + "/"):
                    (Path(tmp) / path).write_text(text, encoding="utf-8")
            _replace_folder(staged, folder / sub)
    (folder / NO_PACKAGE).unlink(missing_ok=True)
    _write(folder / DESCRIPTOR, text_descriptor)
    _write(folder / INDEX, index_html(folder, meta))
    return report


def write_site_package(context, folder: Path | str) -> PackageReport:
    """The package of the build's own records (``context``: :class:`il6mm.build.context.BuildContext`)."""
    homepage = context.version_url()
    meta = PackageMeta.of(context.citation, homepage)
    return write_package(folder, context.evidence, load_references(context.evidence.bib_path), meta)


def write_version_package(folder: Path | str, citation, version: str, date: _dt.date,
                          homepage: str) -> Optional[PackageReport]:
    """The package of an earlier version's copy, from the records in its ``folder`` (its ``data/``, with its
    ``references.bib``) read with today's schema. When they do not load, the folder says so in
    ``NO-DATA-PACKAGE.txt`` instead, and None is returned."""
    folder = Path(folder)
    meta = PackageMeta.of(citation, homepage, version=version, date=date)
    try:
        evidence = load_evidence(folder, folder / BIB_PATH.name)
        references = load_references(folder / BIB_PATH.name)
    except (EvidenceError, DataPackageError) as exc:
        _write(folder / NO_PACKAGE,
               f"No data package for version {version}: its evidence records do not load with the schema of "
               f"today's review, so they are given here only as the YAML files they were released as.\n\n{exc}\n")
        (folder / DESCRIPTOR).unlink(missing_ok=True)
        _write(folder / INDEX, index_html(folder, meta))
        return None
    return write_package(folder, evidence, references, meta)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m il6mm.publish.datapackage",
                                     description="Write the evidence data package of this checkout.")
    parser.add_argument("--out", required=True, help="folder to write it into")
    args = parser.parse_args(argv)
    from ..build.context import BuildContext, BuildContextError

    try:
        context = BuildContext.load(REPO_ROOT)
        report = write_site_package(context, args.out)
    except (BuildContextError, DataPackageError) as exc:
        print(f"datapackage: {exc}", file=sys.stderr)
        return 1
    print(f"datapackage: {sum(report.rows.values())} rows in {len(report.rows)} tables in {report.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
