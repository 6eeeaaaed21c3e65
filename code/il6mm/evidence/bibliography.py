"""A small reader for ``references.bib``: the keys and the fields of each entry.

Enough of BibTeX for the checks the evidence base needs (keys exist, each entry has a DOI or PMID, no key
twice); Sphinx (sphinxcontrib-bibtex) does the real formatting.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path


def remember_pybtex_plugins() -> None:
    """Make pybtex look its plugins up once per process, not once per use.

    pybtex finds a style, a backend or a name format by asking ``importlib.metadata`` for entry points, which
    reads the metadata of every installed distribution each time. sphinxcontrib-bibtex builds a style for every
    citation and pybtex a backend for every text it renders, so a build asked about 2000 times: half of a
    build's time, measured with cProfile. Installed entry points do not change while a build runs; plugins
    registered at run time (``register_plugin``) are looked up before entry points, so they still win.
    Idempotent."""
    import pybtex.plugin

    if getattr(pybtex.plugin.entry_points, "il6mm_cached", False):
        return
    lookup = pybtex.plugin.entry_points

    @functools.lru_cache(maxsize=None)
    def cached(group: str, name: str) -> tuple:
        return tuple(lookup(group=group, name=name))

    def entry_points(*, group: str, name: str) -> tuple:
        return cached(group, name)

    entry_points.il6mm_cached = True
    pybtex.plugin.entry_points = entry_points


ENTRY_START = re.compile(r"@(\w+)\s*\{\s*([^,\s]+)\s*,")
FIELD_START = re.compile(r"\s*(\w+)\s*=\s*")


def _balanced(text: str, start: int) -> int:
    """Index just after the brace group opening at ``text[start] == '{'``."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError(f"unbalanced braces from character {start}")


def _fields(body: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    pos = 0
    while True:
        m = FIELD_START.match(body, pos)
        if not m:
            break
        name, pos = m.group(1).lower(), m.end()
        if pos < len(body) and body[pos] == "{":
            end = _balanced(body, pos)
            value = body[pos + 1:end - 1]
        elif pos < len(body) and body[pos] == '"':
            end = body.index('"', pos + 1) + 1
            value = body[pos + 1:end - 1]
        else:
            m2 = re.match(r"[^,\s}]+", body[pos:])
            value = m2.group(0) if m2 else ""
            end = pos + len(value)
        fields[name] = " ".join(value.split())
        comma = body.find(",", end)
        if comma < 0:
            break
        pos = comma + 1
    return fields


def parse_bib(path: Path | str) -> dict[str, dict[str, str]]:
    """{key: {field: value, ..., 'ENTRYTYPE': type}} in file order. Duplicate keys raise ValueError."""
    text = Path(path).read_text(encoding="utf-8")
    entries: dict[str, dict[str, str]] = {}
    for m in ENTRY_START.finditer(text):
        kind, key = m.group(1).lower(), m.group(2)
        if kind in {"comment", "preamble", "string"}:
            continue
        end = _balanced(text, text.index("{", m.start()))
        body = text[m.end():end - 1]
        if key in entries:
            raise ValueError(f"bib key {key!r} appears twice")
        entries[key] = {"ENTRYTYPE": kind, **_fields(body)}
    return entries


def bib_keys(path: Path | str) -> list[str]:
    """Keys of the bibliography, in file order."""
    return list(parse_bib(path))
