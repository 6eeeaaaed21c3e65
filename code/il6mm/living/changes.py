"""What changed in the evidence between two versions, computed from the records, not from text.

Both sets of records are loaded and validated with :func:`il6mm.evidence.load_evidence` (for a git
revision, its ``data/`` and ``references.bib`` are extracted with ``git archive`` into a temporary
folder), then compared record by record. Items of a record's lists are matched by what they are, not by
their position, so inserting an outcome does not shift the others: outcomes by endpoint, measure,
arm/comparison and time point; arms by name; quantities by label. A changed field is reported with a path
readers understand, e.g. ``orlowski2015 outcomes[PFS hazard_ratio, siltuximab + VMP vs placebo + VMP].value:
0.869 -> 0.87``.

(deepdiff was considered: it reports list items by position, ``root['outcomes'][3]['value']``, which is
neither readable nor stable when an item is inserted; matching by identity is a few lines here.)
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Optional

from ..evidence import bibliography
from ..evidence.records import Evidence, load_evidence
from ..evidence.schema import KINDS
from ..paths import BIB_PATH, DATA_DIR, under
from .versions import Changes, ItemChange, RecordChange, ValueChange

#: The inputs of the evidence, as paths in the repository.
EVIDENCE_PATHS = ("data", "references.bib")


# ---------------------------------------------------------------------------------------------------------
# Loading a revision
# ---------------------------------------------------------------------------------------------------------

def extract_revision(repo: Path | str, revision: str, dest: Path | str) -> Path:
    """Write ``data/`` and ``references.bib`` as they are at ``revision`` into ``dest``."""
    repo, dest = Path(repo), Path(dest)
    try:
        archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", revision, *EVIDENCE_PATHS],
                                 capture_output=True, check=True, timeout=120).stdout
    except subprocess.CalledProcessError as exc:
        raise ValueError(f"cannot read the evidence at revision {revision!r} of {repo}: "
                         f"{exc.stderr.decode(errors='replace').strip()}") from None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def load_revision(repo: Path | str, revision: str) -> tuple[Evidence, set[str]]:
    """The validated records and the bibliography keys at a git revision."""
    with tempfile.TemporaryDirectory(prefix="il6mm-evidence-") as tmp:
        root = extract_revision(repo, revision, tmp)
        try:
            evidence = load_evidence(under(root, DATA_DIR), under(root, BIB_PATH))
        except ValueError as exc:
            raise ValueError(f"the evidence at revision {revision!r} does not load with today's schema:\n{exc}") from None
        return evidence, set(bibliography.bib_keys(under(root, BIB_PATH)))


# ---------------------------------------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------------------------------------

def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _outcome_key(item: dict) -> str:
    parts = [f"{item['endpoint']} {item['measure']}"]
    if item.get("arm") or item.get("comparison"):
        parts.append(item.get("arm") or item.get("comparison"))
    if item.get("at_months") is not None:
        parts.append(f"at {_num(item['at_months'])} months")
    return ", ".join(parts)


#: How the items of a list field are identified: field name -> key of one item.
ITEM_KEYS = {
    "outcomes": _outcome_key,
    "arms": lambda item: item["arm"],
    "quantities": lambda item: item["label"],
}


def _keyed(field: str, items: list) -> dict[str, Any]:
    """List items by identity; repeated identities are told apart by their order: 'X', 'X (2)', ..."""
    key_of = ITEM_KEYS.get(field)
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        key = key_of(item) if key_of and isinstance(item, dict) else str(i)
        label, n = key, 1
        while label in out:
            n += 1
            label = f"{key} ({n})"
        out[label] = item
    return out


def _item_text(item: Any) -> str:
    if not isinstance(item, dict):
        return _num(item)
    return ", ".join(f"{k}={_num(v)}" for k, v in item.items() if v is not None and v is not False)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _diff(old: Any, new: Any, path: str, out: list[tuple[str, str, Any, Any]]) -> None:
    """Append (kind, path, old, new) for every difference; kind is 'value', 'added' or 'removed'."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{key}" if path else key
            _diff(old.get(key), new.get(key), sub, out)
    elif isinstance(old, list) and isinstance(new, list):
        field = path.rsplit(".", 1)[-1].split("[")[0]
        a, b = _keyed(field, old), _keyed(field, new)
        for key in list(a) + [k for k in b if k not in a]:
            sub = f"{path}[{key}]"
            if key not in b:
                out.append(("removed", sub, a[key], None))
            elif key not in a:
                out.append(("added", sub, None, b[key]))
            else:
                _diff(a[key], b[key], sub, out)
    elif _is_number(old) and _is_number(new):
        if float(old) != float(new):  # 0.87 and 0.870 are one number; YAML may give int or float
            out.append(("value", path, old, new))
    elif old != new:
        out.append(("value", path, old, new))


def compare(old: Optional[Evidence], new: Evidence, old_keys: set[str] = frozenset(),
            new_keys: set[str] = frozenset(), since: Optional[str] = None) -> Changes:
    """Records added and removed, every field changed (numbers apart), list items added and removed, and
    bibliography keys added and removed, from ``old`` (None: nothing before, all is added) to ``new``."""
    def by_id(ev: Optional[Evidence]) -> dict[str, tuple[str, Any]]:
        if ev is None:
            return {}
        return {r.id: (kind, r) for kind in KINDS for r in ev.records(kind)}

    a, b = by_id(old), by_id(new)
    added = [RecordChange(id=i, kind=k, source=r.source) for i, (k, r) in b.items() if i not in a]
    removed = [RecordChange(id=i, kind=k, source=r.source) for i, (k, r) in a.items() if i not in b]
    numbers, fields, items = [], [], []
    for rid, (kind, record) in b.items():
        if rid not in a:
            continue
        diffs: list = []
        _diff(a[rid][1].model_dump(), record.model_dump(), "", diffs)
        for what, path, before, after in diffs:
            common = dict(record=rid, kind=kind, source=record.source, path=path)
            if what in ("added", "removed"):
                items.append(ItemChange(**common, change=what, item=_item_text(after if what == "added" else before)))
            elif (_is_number(before) or before is None) and (_is_number(after) or after is None):
                numbers.append(ValueChange(**common, old=before, new=after))
            else:
                fields.append(ValueChange(**common, old=before, new=after))
    return Changes(since=since, records_added=added, records_removed=removed, numbers_changed=numbers,
                   items_changed=items, fields_changed=fields,
                   references_added=sorted(set(new_keys) - set(old_keys)),
                   references_removed=sorted(set(old_keys) - set(new_keys)))


def changes_between(repo: Path | str, old_revision: Optional[str], new_revision: str = "HEAD",
                    since: Optional[str] = None) -> Changes:
    """What changed in the evidence from ``old_revision`` (the previous version's recorded commit; None for the
    first version) to ``new_revision``, both git revisions of ``repo``. ``since`` labels the previous version
    (its tag name, default the revision itself)."""
    old, old_keys = load_revision(repo, old_revision) if old_revision else (None, set())
    new, new_keys = load_revision(repo, new_revision)
    return compare(old, new, old_keys, new_keys, since=since or old_revision)


def describe(change: ValueChange) -> str:
    """'orlowski2015 outcomes[PFS hazard_ratio, ...].value: 0.869 -> 0.87'."""
    show = lambda v: "(none)" if v is None else _num(v)  # noqa: E731
    return f"{change.record} {change.path}: {show(change.old)} -> {show(change.new)}"
