"""Numbers in the prose, resolved from the evidence records or from named results, with their provenance.

A chapter writes a number where it stands, as a MyST role (``il6mm.site.roles``)::

    hazard ratio {val}`orlowski2015/pfs-hr:.3f` (P = {val}`orlowski2015/pfs-hr.p_value:.3f`)
    pooled with DerSimonian-Laird, {val}`@pfs.pooled.ratio:.2f`

The text inside the role is an *address* and an optional *format*, split at the last ``:``:

* ``record-id`` then ``/key`` (an outcome or quantity of that record, by its ``key``) and ``.field`` steps,
  e.g. ``ifm9904.n_randomised``, ``brighton2019.arms[placebo].n``, ``bataille1989-serum-il6/mgus``;
* ``@result`` then ``.field`` steps, for a value the package computes once per build
  (``il6mm.results.named``), e.g. ``@pfs.effects[orlowski2015].ci_low``;
* ``[x]`` picks from a list by position or by the ``key``, ``id``, ``trial``, ``arm`` or ``label`` of an item,
  and from a mapping by key. An outcome or quantity stands for its ``value``.

The format is a Python format spec (``.2f``, ``g``, ``.0%``, ``,.0f``) or ``none`` (0 reads "none").
Without one, whole numbers print as integers and other numbers with ``g``.

The same resolver serves the book (Sphinx role) and the readers' notebooks, so both show the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel

from ..evidence import KINDS, Evidence, load_evidence
from ..evidence.bibliography import parse_bib
from ..evidence.tables import record_anchor
from ..paths import BIB_PATH, DATA_DIR, REPO_ROOT, under
from .base import Term, UnknownValue, result_anchor

#: Page of the book whose rows carry the anchors a number links to.
EVIDENCE_PAGE = "chapters/evidence-tables"
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]|/([a-z0-9][a-z0-9_-]*)")
_PICK_BY = ("key", "id", "trial", "arm", "label")


@dataclass(frozen=True)
class Resolved:
    """A number ready for the page: its text, the raw value and where it comes from."""

    text: str
    value: Any
    address: str
    anchor: str          # id on the Evidence tables page
    provenance: str      # one sentence for the tooltip
    record_id: Optional[str] = None
    result: Optional[str] = None
    files: tuple[str, ...] = ()  # the data files it was read or computed from (relative to the book's root)


def split_spec(spec: str) -> tuple[str, str]:
    """'orlowski2015/pfs-hr:.3f' -> ('orlowski2015/pfs-hr', '.3f'). Brackets may hold no ':'."""
    spec = spec.strip()
    address, sep, fmt = spec.rpartition(":")
    if not sep or "]" in fmt:
        return spec, ""
    return address.strip(), fmt.strip()


def format_value(value: Any, fmt: str = "") -> str:
    """Text of a value: a Python format spec, 'none' (0 reads 'none'), or the default described above."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Term) for v in value):
        return ", ".join(f"${v.math}$" + (f" ({v.gloss})" if v.gloss else "") for v in value)
    if isinstance(value, bool) or value is None:
        raise UnknownValue(f"{value!r} is not a number to show")
    if fmt == "none":
        return "none" if value == 0 else format_value(value)
    if isinstance(value, str):
        if fmt:
            raise UnknownValue(f"format {fmt!r} given for the text {value!r}")
        return value
    if fmt:
        try:
            return format(value, fmt)
        except (ValueError, TypeError) as exc:
            raise UnknownValue(f"format {fmt!r} does not apply to {value!r}: {exc}") from None
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return format(value, "g")


def _pick(obj: Any, selector: str, where: str) -> Any:
    if isinstance(obj, dict):
        if selector in obj:
            return obj[selector]
        raise UnknownValue(f"{where}: no entry [{selector}]; entries: {', '.join(map(str, obj))}")
    if isinstance(obj, (list, tuple)):
        if re.fullmatch(r"-?\d+", selector):
            try:
                return obj[int(selector)]
            except IndexError:
                raise UnknownValue(f"{where}: no item [{selector}] (there are {len(obj)})") from None
        for item in obj:
            if any(getattr(item, name, None) == selector for name in _PICK_BY):
                return item
        names = [next((str(getattr(i, n)) for n in _PICK_BY if getattr(i, n, None) is not None), "?") for i in obj]
        raise UnknownValue(f"{where}: no item [{selector}]; items: {', '.join(names)}")
    raise UnknownValue(f"{where}: cannot pick [{selector}] from a {type(obj).__name__}")


def _item_by_key(record: Any, key: str, where: str) -> Any:
    items = list(getattr(record, "outcomes", []) or []) + list(getattr(record, "quantities", []) or [])
    for item in items:
        if getattr(item, "key", None) == key:
            return item
    keys = [i.key for i in items if getattr(i, "key", None)]
    raise UnknownValue(f"{where}: no outcome or quantity with key {key!r}"
                      + (f"; keys: {', '.join(keys)}" if keys else "; this record has no keyed items"))


def walk(obj: Any, steps: str, where: str) -> Any:
    """Follow ``.field``, ``[pick]`` and ``/key`` steps from ``obj``."""
    pos = 0
    while pos < len(steps):
        m = _STEP.match(steps, pos)
        if not m:
            raise UnknownValue(f"{where}: cannot read {steps[pos:]!r} (use .field, [item] or /key)")
        name, selector, key = m.groups()
        if name is not None:
            if isinstance(obj, dict) and name in obj:
                obj = obj[name]
            elif hasattr(obj, name) and not name.startswith("_"):
                obj = getattr(obj, name)
            else:
                fields = sorted(getattr(type(obj), "model_fields", {}) or getattr(type(obj), "__dataclass_fields__", {})
                                or (obj.keys() if isinstance(obj, dict) else []))
                raise UnknownValue(f"{where}: no field {name!r}" + (f"; fields: {', '.join(fields)}" if fields else ""))
        elif selector is not None:
            obj = _pick(obj, selector.strip(), where)
        else:
            obj = _item_by_key(obj, key, where)
        where += m.group(0)
        pos = m.end()
    # An outcome or quantity stands for its value.
    if isinstance(obj, BaseModel) and "value" in type(obj).model_fields:
        obj = obj.value
    return obj


class Resolver:
    """Resolves value addresses against one book's records and results (built once per build)."""

    def __init__(self, root: Path | str = REPO_ROOT, evidence: Optional[Evidence] = None):
        from .named import ResultSet

        self.root = Path(root)
        self.evidence = evidence if evidence is not None else load_evidence(under(self.root, DATA_DIR),
                                                                            under(self.root, BIB_PATH))
        self.results = ResultSet(self.evidence, self.root)
        self._bib = parse_bib(under(self.root, BIB_PATH))

    def short_citation(self, key: str) -> str:
        """'Orlowski et al. 2015' from a bib entry (the key itself when the entry lacks an author)."""
        entry = self._bib.get(key, {})
        author = entry.get("author", "")
        first = author.split(" and ")[0].strip()
        family = first.split(",")[0].strip("{} ") if "," in first else (first.split()[-1] if first else "")
        year = entry.get("year", "")
        if not family or "not displayed" in author:  # no author on any checked page: name the journal
            return f"{entry.get('journal') or entry.get('howpublished') or key} {year}".strip()
        more = " et al." if " and " in author else ""
        return f"{family}{more} {year}".strip()

    def resolve(self, spec: str) -> Resolved:
        address, fmt = split_spec(spec)
        if not address:
            raise UnknownValue("empty value address")
        if address.startswith("@"):
            m = re.match(r"@([a-z][a-z0-9_]*)", address)
            if not m:
                raise UnknownValue(f"{address!r}: a result name is lower case letters, digits and _")
            name = m.group(1)
            result = self.results.get(name)
            value = walk(result.value, address[m.end():], "@" + name)
            files = tuple(sorted(set(result.data_files) | {i for i in result.inputs if i.startswith("data/")}))
            return Resolved(format_value(value, fmt), value, address, result_anchor(name),
                            result.provenance, result=name, files=files)
        m = re.match(r"[a-z0-9][a-z0-9_-]*", address)
        record_id = m.group(0) if m else ""
        try:
            record = self.evidence.get(record_id)
        except KeyError:
            raise UnknownValue(f"no evidence record with id {record_id!r}") from None
        steps = address[m.end():]
        if not steps:
            raise UnknownValue(f"{record_id!r}: name a field (e.g. {record_id}.n) or a keyed item ({record_id}/key)")
        value = walk(record, steps, record_id)
        cited = self.short_citation(record.source) if record.source else "registry page"
        provenance = f"From record {record_id}: {cited}, {record.where}"
        return Resolved(format_value(value, fmt), value, address, record_anchor(record_id), provenance,
                        record_id=record_id, files=(f"data/{KINDS[self.evidence.kind_of(record_id)][0]}",))

    def text(self, spec: str) -> str:
        return self.resolve(spec).text


@lru_cache(maxsize=4)
def resolver_for(root: str, digest: str) -> Resolver:
    """One resolver per book root and inputs digest: records load and results compute once per build."""
    return Resolver(Path(root))
