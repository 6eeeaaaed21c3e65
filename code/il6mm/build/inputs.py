"""What each page read when it last ran, and the key that makes it run again when, and only when, that changes.

myst-nb's execution cache keys a page on its code cells and its kernelspec. The output of a page also
depends on the ``il6mm`` code it imports and the files it reads; so the book's kernels record those, and the
build puts a key derived from them into the page's kernelspec (as the page is read, never on disk). The cache
then misses exactly when the page's code or one of its inputs has changed.

In the kernel (:func:`track_kernel`, started by the build's kernel provisioner, ``il6mm.build.kernels``):

* every ``il6mm`` module imported (its file in ``code/il6mm``);
* every file of the book opened for reading (an audit hook on ``open``), except reads made only to validate
  records (:func:`il6mm.evidence.records.validation`: loading checks every file, a page uses some);
* every kind of evidence record used (:func:`il6mm.evidence.records.on_kind_used`): its file in ``data/``;

are written after each cell into ``<cache>/il6mm-inputs/pending/<page>.json``.

In the build (:class:`PageInputs`, used by the Sphinx extension):

* before a page is read, :meth:`PageInputs.key` gives the key to inject: the key stored with the last run if
  the recorded inputs still have the digest they had then, else a new key (their current digest). A page with
  no record yet gets a key over every input (``code/il6mm``, ``data/``, ``references.bib``), so a cache
  entry can never be reused against inputs it did not see;
* after the page is read, :meth:`PageInputs.finish` turns a fresh kernel record into the page's record (inputs,
  their digest, the key that run used), and the extension tells Sphinx the page depends on those files, so it
  is re-read when one changes.

The records live inside the execution cache folder, so a copy of the cache carries them and deleting the cache
deletes them. A change to a page's set of inputs (a new import) costs one more run on the next build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import yaml

from ..paths import BIB_PATH, DATA_DIR, PACKAGE_DIR, REPO_ROOT, under

#: Environment variables the build sets for its kernels: where to write records, and which page runs.
INPUTS_DIR_ENV = "IL6MM_INPUTS_DIR"
PAGE_ENV = "IL6MM_PAGE"
#: The key the build injects into a page's kernelspec (notebook metadata the execution cache hashes).
METADATA_KEY = "il6mm-inputs"
RECORDS_DIR = "il6mm-inputs"

_FRONT_MATTER = re.compile(r"---\n(.*?)\n---\n", re.S)


def page_slug(page: str) -> str:
    """'chapters/01-history' -> 'chapters__01-history' (one file per page)."""
    return page.replace("/", "__")


def digest_files(root: Path, names: Iterable[str]) -> str:
    """Digest of the relative paths and bytes of ``names`` under ``root`` (a missing file counts as missing)."""
    h = hashlib.sha256()
    for name in sorted(set(names)):
        path = Path(root) / name
        h.update(name.encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
        h.update(b"\0")
    return h.hexdigest()[:16]


def every_input(root: Path) -> list[str]:
    """Every file a page could read: the package, the data and the bibliography (relative to ``root``)."""
    root = Path(root)
    names = []
    for base, patterns in ((under(root, PACKAGE_DIR), ("*.py",)),
                           (under(root, DATA_DIR), ("*.yaml", "*.yml", "*.json", "*.csv"))):
        for pattern in patterns:
            names += [p.relative_to(root).as_posix() for p in base.rglob(pattern) if "__pycache__" not in p.parts]
    if under(root, BIB_PATH).is_file():
        names.append(under(root, BIB_PATH).relative_to(root).as_posix())
    return sorted(names)


# ---------------------------------------------------------------------------------------------------------
# In the kernel
# ---------------------------------------------------------------------------------------------------------

class _KernelRecorder:
    """Records what this kernel's page reads (see the module docstring)."""

    def __init__(self, root: Path, out: Path):
        self.root, self.out = root.resolve(), out
        self.files: set[str] = set()
        self.kinds: set[str] = set()

    def relative(self, path) -> Optional[str]:
        try:
            resolved = Path(os.fsdecode(path)).resolve()
            name = resolved.relative_to(self.root).as_posix()
        except (TypeError, ValueError, OSError):
            return None
        if name.startswith(("_build/", ".")) or "/__pycache__/" in name:
            return None
        return name

    def audit(self, event: str, args: tuple) -> None:
        if event != "open" or not args:
            return
        from ..evidence.records import validating

        path, mode = args[0], args[1] if len(args) > 1 else "r"
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        if isinstance(path, int) or validating():
            return
        if isinstance(mode, str) and any(c in mode for c in "wax+"):
            return
        if mode is None and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):  # os.open for writing
            return
        name = self.relative(path)
        if name is not None and (self.root / name).is_file():
            self.files.add(name)

    def modules(self) -> set[str]:
        found = set()
        for name, module in list(sys.modules.items()):
            if name == "il6mm" or name.startswith("il6mm."):
                file = getattr(module, "__file__", None)
                rel = self.relative(file) if file else None
                if rel:
                    found.add(rel)
        return found

    def inputs(self) -> list[str]:
        from ..evidence.schema import KINDS

        kind_files = {under(self.root, DATA_DIR / KINDS[k][0]).relative_to(self.root).as_posix() for k in self.kinds}
        return sorted(self.files | self.modules() | kind_files)

    def write(self, *_) -> None:
        tmp = self.out.with_name(f".{self.out.name}.tmp")
        tmp.write_text(json.dumps({"inputs": self.inputs()}, indent=1), encoding="utf-8")
        os.replace(tmp, self.out)


def track_kernel() -> None:
    """Start recording this kernel's inputs, when the book's build asked for it (its environment says where);
    otherwise do nothing (a reader's kernel, a test's)."""
    folder, page = os.environ.get(INPUTS_DIR_ENV), os.environ.get(PAGE_ENV)
    if not folder or not page:
        return
    from IPython import get_ipython

    from ..evidence.records import on_kind_used

    shell = get_ipython()
    out = Path(folder) / "pending" / f"{page_slug(page)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    recorder = _KernelRecorder(REPO_ROOT, out)
    sys.addaudithook(recorder.audit)
    on_kind_used(recorder.kinds.add)
    if shell is not None:
        shell.events.register("post_run_cell", recorder.write)
    recorder.write()


def page_digest() -> Optional[str]:
    """In a book kernel: the digest of what this page has read so far (its build stamp prints it)."""
    folder, page = os.environ.get(INPUTS_DIR_ENV), os.environ.get(PAGE_ENV)
    if not folder or not page:
        return None
    path = Path(folder) / "pending" / f"{page_slug(page)}.json"
    try:
        names = json.loads(path.read_text(encoding="utf-8"))["inputs"]
    except (OSError, ValueError, KeyError):
        return None
    return digest_files(REPO_ROOT, names)


# ---------------------------------------------------------------------------------------------------------
# In the build
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PageRecord:
    inputs: tuple[str, ...]
    digest: str       # of the inputs, when the page last ran
    key: str          # the key that run was cached under


class PageInputs:
    """The records of every page of one book (``root``), kept in ``cache_dir/il6mm-inputs/``."""

    def __init__(self, root: Path | str, cache_dir: Path | str):
        self.root = Path(root)
        self.folder = Path(cache_dir) / RECORDS_DIR
        self.pending = self.folder / "pending"
        self._every: Optional[str] = None

    def _record_path(self, page: str) -> Path:
        return self.folder / f"{page_slug(page)}.json"

    def record(self, page: str) -> Optional[PageRecord]:
        try:
            data = json.loads(self._record_path(page).read_text(encoding="utf-8"))
            return PageRecord(tuple(data["inputs"]), data["digest"], data["key"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def key(self, page: str) -> str:
        """The key to inject before ``page`` is read (and so, maybe, executed); see the module docstring."""
        record = self.record(page)
        if record is None:
            if self._every is None:
                self._every = "all-" + digest_files(self.root, every_input(self.root))
            return self._every
        now = digest_files(self.root, record.inputs)
        return record.key if now == record.digest else now

    def start(self, page: str) -> None:
        """Before ``page`` is read: no fresh kernel record yet, and its kernel knows which page it runs."""
        self.pending.mkdir(parents=True, exist_ok=True)
        (self.pending / f"{page_slug(page)}.json").unlink(missing_ok=True)
        os.environ[INPUTS_DIR_ENV] = str(self.folder)
        os.environ[PAGE_ENV] = page

    def finish(self, page: str, key: str) -> Optional[PageRecord]:
        """After ``page`` is read: a fresh kernel record (the page ran) becomes the page's record; returns the
        record in force (fresh or kept), or None for a page that never ran."""
        os.environ.pop(PAGE_ENV, None)
        fresh = self.pending / f"{page_slug(page)}.json"
        if fresh.is_file():
            try:
                inputs = tuple(json.loads(fresh.read_text(encoding="utf-8"))["inputs"])
            except (OSError, ValueError, KeyError):
                inputs = None
            fresh.unlink(missing_ok=True)
            if inputs is not None:
                record = PageRecord(inputs, digest_files(self.root, inputs), key)
                path = self._record_path(page)
                tmp = path.with_name(f".{path.name}.tmp")
                tmp.write_text(json.dumps(record.__dict__, indent=1), encoding="utf-8")
                os.replace(tmp, path)
                return record
        return self.record(page)


def inject_key(source: str, key: str) -> str:
    """The page's MyST text with ``key`` in the kernelspec of its front matter (the execution cache hashes the
    kernelspec with the code cells). The front matter keeps its number of lines, so every line number a warning
    names still points at the page as written; a page without a kernelspec is returned as it is."""
    match = _FRONT_MATTER.match(source)
    if not match:
        return source
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict) or not isinstance(meta.get("kernelspec"), dict):
        return source
    meta["kernelspec"] = {**meta["kernelspec"], METADATA_KEY: key}
    one_line = yaml.safe_dump(meta, default_flow_style=True, width=float("inf"), sort_keys=False).strip()
    lines = match.group(1).count("\n") + 1
    return f"---\n{one_line}\n" + "\n" * (lines - 1) + "---\n" + source[match.end():]
