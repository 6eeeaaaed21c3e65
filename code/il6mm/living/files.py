"""Errors of the living-review files, appending entries to them, and writing several files all or nothing.

They are read with the evidence records' reader (``il6mm.evidence.yaml_files``): line numbers and messages
are the same in every data file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from pathlib import Path

import yaml

from ..evidence.problems import EvidenceError


class LivingDataError(EvidenceError):
    """Problems in the living-review files (saved searches, search log, screening log), one per line."""

    def __init__(self, problems):
        super().__init__(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) in the living-review files:" if len(lines) > 1 else ""
        self.args = ("\n".join([head, *lines]) if head else lines[0],)


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
