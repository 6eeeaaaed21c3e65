"""The versions of the review: ``data/living/versions.yaml`` and the citation metadata in ``CITATION.cff``.

``CITATION.cff`` is the one source of truth for the current version and its date; everything else that
shows a version (the package, the pages, the citation downloads) is derived from it or rewritten from it
by ``make release``. The versions file keeps one entry per release, oldest first, each with what
triggered it, whether the conclusions changed, the date the evidence was searched up to, and the changes
in the evidence computed from the records (:mod:`il6mm.living.changes`).

A malformed entry raises :class:`VersionsError` naming the file, the entry and the field; the book's
Sphinx extension loads this file at ``builder-inited``, so a bad entry fails the build.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..evidence import markdown
from ..evidence.schema import KIND_NAMES
from ..evidence.yaml_files import field_path, safe_load
from ..paths import CITATION_PATH, VERSIONS_PATH

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")

Scalar = Union[bool, int, float, str, None]


class VersionsError(ValueError):
    """A problem with the versions file or CITATION.cff, naming file, entry and field."""


def parse_version(text: str) -> tuple[int, int, int]:
    """'1.10.0' -> (1, 10, 0); anything but MAJOR.MINOR.PATCH is an error."""
    match = SEMVER.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a version of the form MAJOR.MINOR.PATCH (e.g. 0.2.0)")
    return tuple(int(g) for g in match.groups())  # type: ignore[return-value]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordChange(_Strict):
    """An evidence record added or removed."""

    id: str
    kind: str
    source: Optional[str] = None  # null for a record that cites no publication (a registry entry)


class ValueChange(_Strict):
    """One field of one record, old -> new. ``path`` names the field as readers see it, e.g.
    ``outcomes[PFS hazard_ratio, siltuximab + VMP vs VMP].value``; ``None`` means absent or null."""

    record: str
    kind: str
    source: Optional[str] = None  # null for a record that cites no publication (a registry entry)
    path: str
    old: Scalar = None
    new: Scalar = None


class ItemChange(_Strict):
    """An item of a record's list (an outcome, an arm, a quantity) added or removed."""

    record: str
    kind: str
    source: Optional[str] = None  # null for a record that cites no publication (a registry entry)
    path: str
    change: str = Field(pattern=r"^(added|removed)$")
    item: str


class Changes(_Strict):
    """What changed in the evidence since the previous version (``since``: that version's tag name, vX.Y.Z, as a
    label; the records are compared at its recorded commit. Null for the first)."""

    since: Optional[str] = None
    records_added: list[RecordChange] = []
    records_removed: list[RecordChange] = []
    numbers_changed: list[ValueChange] = []
    items_changed: list[ItemChange] = []
    fields_changed: list[ValueChange] = []
    references_added: list[str] = []
    references_removed: list[str] = []

    def is_empty(self) -> bool:
        return not any((self.records_added, self.records_removed, self.numbers_changed, self.items_changed,
                        self.fields_changed, self.references_added, self.references_removed))


class VersionEntry(_Strict):
    """One released version of the review. ``commit`` is the commit it was released from (the content that was
    built and checked), the one thing that finds it again in any clone: tags do not travel with a clone of the
    branch (il6mm.living.history)."""

    version: str
    date: _dt.date
    commit: str = Field(pattern=r"^[0-9a-f]{40}$")
    tag: str
    trigger: str = Field(min_length=1)
    conclusions_changed: bool
    which_conclusions: Optional[str] = None
    searched_up_to: Optional[_dt.date] = None
    search_note: Optional[str] = None
    summary: str = Field(min_length=1)
    # What changed in the review's methods with this version (PRISMA-LSR: changes to methods), in words;
    # the new kinds of record a version brings are computed from its changes, not written here.
    methods_changes: Optional[str] = None
    changes: Changes

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        parse_version(value)
        return value

    @field_validator("trigger", "summary")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "VersionEntry":
        if self.tag != f"v{self.version}":
            raise ValueError(f"tag must be 'v{self.version}' (the version with a leading v), not {self.tag!r}")
        if self.conclusions_changed and not (self.which_conclusions or "").strip():
            raise ValueError("which_conclusions is required when conclusions_changed is true")
        if self.searched_up_to is None and not (self.search_note or "").strip():
            raise ValueError("give searched_up_to (a date) or, when no search was run, a search_note saying so")
        return self


def _label(raw, index: int) -> str:
    if isinstance(raw, dict) and raw.get("version"):
        return f"entry {index + 1} (version {raw['version']})"
    return f"entry {index + 1}"


def load_versions(path: Path | str = VERSIONS_PATH) -> list[VersionEntry]:
    """Every entry of the versions file, oldest first; raise :class:`VersionsError` on any problem."""
    path = Path(path)
    shown = f"{path.parent.name}/{path.name}"
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VersionsError(f"{path}: the versions file is missing") from None
    except yaml.YAMLError as exc:
        raise VersionsError(f"{shown}: not valid YAML: {exc}") from None
    if not isinstance(raw, list) or not raw:
        raise VersionsError(f"{shown}: must be a non-empty YAML list of version entries")
    problems, entries = [], []
    for i, item in enumerate(raw):
        try:
            entries.append(VersionEntry.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                field = field_path(err["loc"]) or "(entry)"
                problems.append(f"{shown}: {_label(item, i)}: field '{field}': {err['msg']}")
    if not problems:
        for prev, entry in zip(entries, entries[1:]):
            if parse_version(entry.version) <= parse_version(prev.version):
                problems.append(f"{shown}: entry version {entry.version}: field 'version': must be greater than "
                                f"the entry before it ({prev.version}); entries are oldest first")
            if entry.date < prev.date:
                problems.append(f"{shown}: entry version {entry.version}: field 'date': {entry.date} is before "
                                f"the date of version {prev.version} ({prev.date})")
    if problems:
        raise VersionsError("\n".join(problems))
    return entries


HEADER = """\
# Versions of the review, oldest first: one entry per release, written by `make release`
# (il6mm.living.release). Schema: il6mm.living.versions.VersionEntry. `commit` is the commit each version was
# released from (tags do not travel with a clone; `make tags` recreates them from these commits). `changes` is
# computed by comparing the evidence records at the previous version's commit with those of this version
# (il6mm.living.changes); edit the descriptive fields (trigger, summary, which_conclusions) by hand if needed,
# never the commits or the changes.
"""


def dump_versions(entries: list[VersionEntry]) -> str:
    """The text of a versions file holding ``entries`` (round-trips through :func:`load_versions`)."""
    data = [e.model_dump(mode="python") for e in entries]  # dates stay YAML dates
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    return HEADER + "\n" + body


# ---------------------------------------------------------------------------------------------------------
# CITATION.cff: the one source of truth for the version and its date
# ---------------------------------------------------------------------------------------------------------

class Citation(BaseModel):
    """What the review's citation needs from CITATION.cff."""

    model_config = ConfigDict(frozen=True)

    title: str
    version: str
    date_released: _dt.date
    authors: list[str]
    repository_code: Optional[str] = None
    url: Optional[str] = None
    license: Optional[str] = None


def _author(a: dict) -> str:
    if a.get("name"):
        return str(a["name"])
    return " ".join(str(a[k]) for k in ("given-names", "family-names") if a.get(k))


def load_citation(path: Path | str = CITATION_PATH) -> Citation:
    """Title, version, date and authors from CITATION.cff (errors name the file and the field)."""
    path = Path(path)
    try:
        cff = safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise VersionsError(f"{path.name}: cannot be read: {exc}") from None
    if not isinstance(cff, dict):
        raise VersionsError(f"{path.name}: must be a YAML mapping")
    for key in ("title", "version", "date-released", "authors"):
        if not cff.get(key):
            raise VersionsError(f"{path.name}: field '{key}' is missing")
    try:
        parse_version(str(cff["version"]))
        date = cff["date-released"]
        date = date if isinstance(date, _dt.date) else _dt.date.fromisoformat(str(date))
    except ValueError as exc:
        raise VersionsError(f"{path.name}: field 'version' or 'date-released': {exc}") from None
    return Citation(title=cff["title"], version=str(cff["version"]), date_released=date,
                    authors=[_author(a) for a in cff["authors"]], repository_code=cff.get("repository-code"),
                    url=cff.get("url"), license=cff.get("license"))


def check_agreement(entries: list[VersionEntry], citation: Citation) -> None:
    """The latest entry of the versions file is the version and date CITATION.cff states."""
    latest = entries[-1]
    if (latest.version, latest.date) != (citation.version, citation.date_released):
        raise VersionsError(
            f"versions.yaml: entry version {latest.version}: its version/date ({latest.version}, {latest.date}) "
            f"disagree with CITATION.cff ({citation.version}, {citation.date_released}); CITATION.cff is the "
            "source of truth, and `make release` writes both")


# ---------------------------------------------------------------------------------------------------------
# Pages: "What's new" (the latest version, in the Cochrane form) and "Version history"
# ---------------------------------------------------------------------------------------------------------

def _show(value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# A {val} role in wording: ``{val}`target:format```.
_VAL_ROLE = re.compile(r"\{val\}`([^`]+)`")


def _show_earlier(value) -> str:
    """Earlier wording, with each number it computed shown by the name of the result it came from: the
    current analysis may no longer compute that result, and its current value would not be the earlier one."""
    text = _show(value)
    return _VAL_ROLE.sub(lambda m: "[" + m.group(1).split(":")[0].lstrip("@").replace("`", "'") + "]", text)


def _code(text: str | None) -> str:
    if text is None:  # a record that cites no publication (e.g. a registry entry)
        return "(registry page)"
    text = str(text).replace("`", "'")
    return f"``{text}``" if text else "(empty)"


def conclusions_label(entry: VersionEntry) -> str:
    if entry.changes.since is None:
        return "first version"
    return "conclusions changed" if entry.conclusions_changed else "conclusions not changed"


def search_text(entry: VersionEntry, runs: Sequence = ()) -> str:
    """What was searched for a version, by kind (PRISMA-LSR's search-date item): the targeted searches of
    stored pages and the saved database searches apart, each with its last date, from the search log's runs
    of that version (``il6mm.living.logs.SearchRun``); without them, the entry's own date."""
    mine = [r for r in runs if r.version == entry.version]
    if not mine:
        return entry.searched_up_to.isoformat() if entry.searched_up_to else "no systematic search (see note)"
    targeted = [r.window.to for r in mine if r.kind == "manual"]
    saved = [r.window.to for r in mine if r.kind == "saved_search"]
    parts = [f"targeted searches of stored pages, last on {max(targeted).isoformat()}"] if targeted else []
    if saved:
        parts.append(f"saved database searches up to {max(saved).isoformat()}")
    else:
        ran_before = any(r.kind == "saved_search" and r.version and parse_version(r.version) < parse_version(entry.version)
                         for r in runs)
        parts.append("saved database searches: none for this version" if ran_before
                     else "saved database searches: not yet run")
    return "; ".join(parts)


def version_intro(entries: list[VersionEntry]) -> str:
    """One sentence placing the latest version: the first one, or the one it updates."""
    e = entries[-1]
    if len(entries) == 1:
        return f"Version {e.version} is the first version of this living review."
    previous = entries[-2]
    return (f"Version {e.version} updates version {previous.version} of {previous.date.isoformat()}; it is the "
            f"{_ordinal(len(entries))} version of this living review.")


def methods_text(entries: list[VersionEntry], index: int = -1) -> str:
    """What changed in the methods with one version: the kinds of evidence record it was the first to hold
    (computed from the changes of every version up to it), then what its entry says (``methods_changes``)."""
    index = index % len(entries)
    entry = entries[index]
    if index == 0:
        kinds = _kinds({r.kind for r in entry.changes.records_added})
        computed = f"first version, with records of {len(kinds)} kinds ({', '.join(kinds)})"
    else:
        before = {r.kind for e in entries[:index] for r in e.changes.records_added}
        new = _kinds({r.kind for r in entry.changes.records_added} - before)
        computed = (f"first records of {len(new)} new kind{'s' if len(new) != 1 else ''} "
                    f"({', '.join(new)})") if new else ""
    said = (entry.methods_changes or "").strip().rstrip(".")
    if computed and said:
        said = said[0].lower() + said[1:]
    text = "; ".join(part for part in (computed, said) if part)
    return (text[0].upper() + text[1:] + ".") if text else "No change to methods."


def _kinds(kinds: set[str]) -> list[str]:
    """Kinds of record in the order of the evidence (il6mm.evidence.schema.KINDS), in words."""
    return [KIND_NAMES[k] for k in KIND_NAMES if k in kinds] + sorted(k for k in kinds if k not in KIND_NAMES)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def render_whats_new(entries: list[VersionEntry], runs: Sequence = ()) -> str:
    """MyST text of the "What's new" section: the latest version only, its changes computed from the records
    (``runs``: the search log's runs, for what was searched)."""
    e = entries[-1]
    c = e.changes
    since = f"since {c.since}" if c.since else "first version: every record is new"
    lines = [version_intro(entries), "",
             f"**Version {e.version}**, released {e.date.isoformat()} (commit `{e.commit[:10]}`): "
             f"**{conclusions_label(e)}**.", ""]
    if e.conclusions_changed and e.which_conclusions:
        lines += [f"Conclusions that changed: {e.which_conclusions}", ""]
    lines += [f"- **What triggered it:** {e.trigger}",
              f"- **Searched:** {search_text(e, runs)}" + (f". {e.search_note}" if e.search_note else ""),
              f"- **Summary:** {e.summary}",
              f"- **Changes to methods:** {methods_text(entries)}",
              f"- **Changes in the evidence** ({since}):", ""]
    lines += ["", "### Numbers changed", ""]
    if c.numbers_changed:
        lines += [markdown.table(("Record", "Field", "Old", "New", "Source"),
                                 [(_code(n.record), _code(n.path), _show(n.old), _show(n.new), _code(n.source))
                                  for n in c.numbers_changed])]
    else:
        lines += ["No number in an existing record changed."]
    lines += ["", "### Records added and removed", ""]
    for title, records in (("Added", c.records_added), ("Removed", c.records_removed)):
        if not records:
            lines.append(f"- {title}: none.")
            continue
        by_kind: dict[str, list[str]] = {}
        for r in records:
            by_kind.setdefault(r.kind, []).append(r.id)
        parts = "; ".join(f"{kind} ({len(ids)}): " + ", ".join(_code(i) for i in ids) for kind, ids in by_kind.items())
        lines.append(f"- {title} ({len(records)}): {parts}.")
    if c.items_changed or c.fields_changed:
        lines += ["", "### Other changes within records", ""]
        lines += [f"- {_code(i.record)} {_code(i.path)}: {i.change} ({markdown.cell(i.item)})" for i in c.items_changed]
        if any(_VAL_ROLE.search(_show(f.old)) for f in c.fields_changed):
            lines += ["", "In earlier wording a computed number is shown by the name of its result in brackets; "
                          "its value is in the previous version's pages.", ""]
        lines += [f"- {_code(f.record)} {_code(f.path)}: {markdown.cell(_show_earlier(f.old))} -> "
                  f"{markdown.cell(_show(f.new))}" for f in c.fields_changed]
    lines += ["", "### References", ""]
    lines.append(f"- Added ({len(c.references_added)}): " + (", ".join(_code(k) for k in c.references_added) or "none") + ".")
    lines.append(f"- Removed ({len(c.references_removed)}): " + (", ".join(_code(k) for k in c.references_removed) or "none") + ".")
    return "\n".join(lines) + "\n"


def render_history(entries: list[VersionEntry], where: Optional[Callable[[VersionEntry], str]] = None,
                   runs: Sequence = ()) -> str:
    """MyST table of every version, newest first: date, where to read it (``where(entry)``, MyST; default its
    commit), trigger, search date, conclusions."""
    rows = []
    for e in reversed(entries):
        conclusions = conclusions_label(e) + (f": {e.which_conclusions}" if e.conclusions_changed else "")
        read = where(e) if where else f"commit `{e.commit[:10]}`"
        rows.append((e.version, e.date.isoformat(), read, e.trigger, search_text(e, runs), conclusions))
    return markdown.table(("Version", "Date", "Read it", "What triggered it", "Searched",
                           "Conclusions"), rows) + "\n"
