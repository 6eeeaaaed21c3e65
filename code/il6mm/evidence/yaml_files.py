"""Reading YAML list files with the line of every entry, and turning validation errors into ``Problem``\\ s.

One reader for every data file that is a list of entries (the evidence records, the saved searches, the
search and screening logs), so that a bad file gets the same kind of message, naming file, line, entry and
field, wherever it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Optional, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .problems import Problem

Model = TypeVar("Model", bound=BaseModel)

# libyaml's parser when PyYAML was built with it (the wheels are): the pure-Python one is about ten times
# slower, and the data files are read at every build, every release and in most unit tests.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> tuple[Any, Optional[yaml.Node]]:
    """The document in ``text`` and its node tree (for line numbers), from one parse.

    Same values as ``yaml.safe_load``; raises ``yaml.YAMLError`` on bad YAML (an empty text is ``(None, None)``).
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` through the fast parser."""
    return parse_yaml(text)[0]


def read_list(path: Path, shown: str, problems: list[Problem], *, text: Optional[str] = None,
              noun: str = "entries") -> Optional[tuple[list, list[Optional[int]]]]:
    """The YAML list in ``path`` (or in ``text``) and the 1-based line of each item.

    ``shown`` is how messages name the file; ``noun`` what its items are called ("records", "entries").
    On a missing file, a syntax error or a top level that is not a list, a problem is appended and the
    result is None; an empty file is an empty list.
    """
    if text is None:
        if not path.is_file():
            problems.append(Problem(shown, "file is missing"))
            return None
        text = path.read_text(encoding="utf-8")
    try:
        data, node = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(Problem(shown, f"YAML syntax error: {what}", line=mark.line + 1 if mark else None))
        return None
    if data is None:
        return [], []
    if not isinstance(data, list):
        problems.append(Problem(shown, f"the file must be a YAML list of {noun}, not a {type(data).__name__}"))
        return None
    lines = [item.start_mark.line + 1 for item in node.value] if isinstance(node, yaml.SequenceNode) else []
    return data, lines + [None] * (len(data) - len(lines))


def field_path(loc: tuple) -> str:
    """Pydantic location ('outcomes', 2, 'value') -> 'outcomes[2].value'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def validation_problems(exc: ValidationError, shown: str, entry: str, line: Optional[int]) -> list[Problem]:
    """One Problem per pydantic error, naming file, entry and field, in words a data author reads."""
    out = []
    for err in exc.errors():
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (not in the schema)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif "input" in err:
            msg = f"{msg} (got {err['input']!r})"
        out.append(Problem(shown, msg, record=entry, field=field_path(err["loc"]) or None, line=line))
    return out


def entry_label(raw: Any, index: int, key: str = "id") -> str:
    """How messages name an entry: its ``key`` ("'orlowski2015'"), or its position when it has none."""
    if isinstance(raw, dict) and isinstance(raw.get(key), str) and raw[key]:
        return f"'{raw[key]}'"
    return f"#{index} (no {key})"


def validated_entries(read: Optional[tuple[list, list[Optional[int]]]], model: type[Model], shown: str,
                      problems: list[Problem], *, key: str = "id", noun: str = "an entry"
                      ) -> Iterator[tuple[Model, str, Optional[int]]]:
    """``(entry, label, line)`` for each item of ``read_list``'s result that is a mapping and validates
    against ``model``; the problems of the others are appended (``noun`` names an item in them)."""
    if read is None:
        return
    for index, (raw, line) in enumerate(zip(*read)):
        label = entry_label(raw, index, key)
        if not isinstance(raw, dict):
            problems.append(Problem(shown, f"{noun} must be a mapping, not {type(raw).__name__}", record=label,
                                    line=line))
            continue
        try:
            entry = model.model_validate(raw)
        except ValidationError as exc:
            problems += validation_problems(exc, shown, label, line)
            continue
        yield entry, label, line
