"""Reading the living-review YAML files with line numbers, and writing several files all or nothing."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import ValidationError

from ..evidence.records import EvidenceError, Problem


class LivingDataError(EvidenceError):
    """Problems in the living-review files (saved searches, search log, screening log), one per line."""

    def __init__(self, problems):
        super().__init__(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) in the living-review files:" if len(lines) > 1 else ""
        self.args = ("\n".join([head, *lines]) if head else lines[0],)


def read_list(path: Path, shown: str, problems: list[Problem], text: Optional[str] = None
              ) -> tuple[list, list[Optional[int]]]:
    """The YAML list in ``path`` (or in ``text``) and the 1-based line of each item; problems appended."""
    if text is None:
        if not path.is_file():
            problems.append(Problem(shown, "file is missing"))
            return [], []
        text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(Problem(shown, f"YAML syntax error: {what}", line=mark.line + 1 if mark else None))
        return [], []
    if data is None:
        return [], []
    if not isinstance(data, list):
        problems.append(Problem(shown, f"the file must be a YAML list of entries, not a {type(data).__name__}"))
        return [], []
    lines = [item.start_mark.line + 1 for item in node.value] if isinstance(node, yaml.SequenceNode) else []
    return data, lines + [None] * (len(data) - len(lines))


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def validation_problems(exc: ValidationError, shown: str, entry: str, line: Optional[int]) -> list[Problem]:
    """One Problem per pydantic error, naming file, entry and field."""
    out = []
    for err in exc.errors():
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (not in the schema)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif "input" in err:
            msg = f"{msg} (got {err['input']!r})"
        field = _loc(err["loc"]) or None
        out.append(Problem(shown, msg, record=entry, field=field, line=line))
    return out


def entry_label(raw: Any, index: int, key: str) -> str:
    if isinstance(raw, dict) and isinstance(raw.get(key), str) and raw[key]:
        return f"'{raw[key]}'"
    return f"#{index} (no {key})"


class _NoAliases(yaml.SafeDumper):
    """Write every value in full: anchors and aliases (&id001) would clash between appended blocks."""

    def ignore_aliases(self, data) -> bool:
        return True


def dump_entries(entries: list[dict]) -> str:
    """YAML text of new list entries, to append to a file (keys in the order given)."""
    return yaml.dump(entries, Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=110,
                     default_flow_style=False)


@contextlib.contextmanager
def _interrupts_deferred():
    """Hold Ctrl-C back while the files are renamed, so an interrupt cannot leave one file new and one old."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def write_all_or_nothing(texts: dict[Path, str]) -> None:
    """Write every file or none: each goes to a temporary file beside it first; only when all are written
    and flushed to disk are they renamed over the originals (``os.replace`` is atomic per file)."""
    temps: list[tuple[Path, str]] = []
    try:
        for path, text in texts.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps.append((path, tmp))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        with _interrupts_deferred():
            for path, tmp in temps:
                os.replace(tmp, path)
    finally:
        for _, tmp in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
