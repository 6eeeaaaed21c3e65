"""Readers' notebooks: each MyST chapter as a ``.ipynb`` that reads as prose in JupyterLab (Binder).

The book's sources are MyST notebooks (``chapters/*.md``). Opened as they are, a reader would see markup
(``{val}``, ``{footcite}``, ``{numref}``), the hidden set-up cells first, and JupyterLab would rewrite the
source on autosave. ``write_notebooks`` makes one notebook per chapter into ``notebooks/`` instead
(``python -m il6mm.publish.notebooks``; Binder's ``postBuild`` and ``make lab`` run it), where:

* numbers are the text the book shows, from the same resolver (``il6mm.results.values.Resolver``), in bold;
* citations read "(Orlowski et al. 2015; Klein et al. 1989)", and the chapter's reference list (the
  entries as the book formats them, with DOI and PMID) stands where the book prints it;
* cross-references read as the book numbers them ("Fig. 3.2", "Table 3.1", "(3.5)", a section's title),
  each figure gets its number and caption below it, and equations carry their numbers;
* admonitions and dropdowns become quoted blocks with their title in bold;
* cells the book hides keep their tags and are collapsed (``jupyter.source_hidden``), so the page opens on prose
  and figures, not plumbing;
* Markdown that code cells print (tables with citations) is converted the same way while the notebook runs,
  and a last cell lists the works those outputs cite.

The chapters are read with myst-nb's own reader (as the book reads them), never written. A construct without a readable form (an unknown role, directive,
citation key or cross-reference) is an error naming the chapter, the line and the construct.

The book's Binder launch button points at these notebooks (``il6mm.site.launch``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ..evidence.bibliography import remember_pybtex_plugins
from ..evidence.schema import GRADE_SYMBOLS
from ..evidence.yaml_files import safe_load
from ..paths import BIB_PATH, CONFIG_PATH, REPO_ROOT, TOC_PATH, under
from ..results.values import Resolver, UnknownValue

#: Folder of the readers' notebooks, relative to the book's root (not tracked: generated).
NOTEBOOK_DIR = "notebooks"
#: Roles that cite, and how they read.
_PAREN_CITE = {"footcite", "cite", "cite:p", "cite:ps", "footcite:p", "cite:alp"}
_TEXT_CITE = {"cite:t", "cite:ts", "footcite:t"}
#: Directives shown as a quoted block with a bold title.
_BOXES = {"admonition", "note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
          "error", "seealso", "dropdown", "margin", "sidebar"}
_ROLE = re.compile(r"\{(?P<name>[A-Za-z][\w:-]*)\}(?P<tick>`+)(?P<body>.+?)(?P=tick)"
                   r"|(?P<code>(?P<ctick>`+).+?(?P=ctick))", re.S)
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\s*(?P<info>.*)$")
_DIRECTIVE = re.compile(r"\{(?P<name>[A-Za-z][\w:-]*)\}\s*(?P<arg>.*)$")
_TARGET = re.compile(r"^\((?P<label>[A-Za-z0-9_.:-]+)\)=\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
_TABLE_NAME = re.compile(r"""(?:name\s*=\s*|:name:\s*)["']?(tab-[A-Za-z0-9_-]+)""")
SETUP_TAG = "readers-notebook-setup"
REFERENCES_TAG = "readers-notebook-references"


class NotebookError(ValueError):
    """A chapter construct without a readable form: names the chapter, line and construct."""


@dataclass
class Target:
    kind: str      # "figure", "table", "equation", "section"
    number: str    # "3.2" (empty for sections)
    title: str     # caption's first sentence or section title

    def numref(self) -> str:
        prefix = {"figure": "Fig.", "table": "Table", "equation": "Eq."}.get(self.kind, "")
        return f"{prefix} {self.number}".strip() if self.number else self.title


@dataclass
class Chapter:
    """What converting one chapter needs: its targets, its resolver, the works it cites."""

    path: Path
    number: Optional[int]
    resolver: Resolver
    targets: dict[str, Target] = field(default_factory=dict)
    cited: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        try:
            return self.path.relative_to(self.resolver.root).as_posix()
        except ValueError:
            return self.path.name

    def fail(self, line: int, message: str) -> NotebookError:
        return NotebookError(f"{self.name}, line {line}: {message}")

    def cite(self, keys: list[str], line: int) -> list[str]:
        texts = []
        for key in keys:
            if key not in self.resolver._bib:
                raise self.fail(line, f"citation key {key!r} is not in references.bib")
            if key not in self.cited:
                self.cited.append(key)
            texts.append(short_citation(self.resolver, key))
        return texts


def short_citation(resolver: Resolver, key: str) -> str:
    """The resolver's 'Orlowski et al. 2015'; for a work with neither author nor journal on record (where
    the resolver can only show the key), its identifier: 'PMID 1715218, 1991'."""
    text = resolver.short_citation(key)
    if not text.startswith(key):
        return text
    entry = resolver._bib.get(key, {})
    ident = f"PMID {entry['pmid']}" if entry.get("pmid") else (f"doi:{entry['doi']}" if entry.get("doi") else key)
    return f"{ident}, {entry['year']}" if entry.get("year") else ident


def chapter_numbers(root: Path) -> dict[str, int]:
    """{'chapters/01-history': 1, ...}: the numbers the book gives the chapters of its numbered parts."""
    toc = safe_load(under(root, TOC_PATH).read_text(encoding="utf-8"))
    numbers: dict[str, int] = {}
    for part in toc.get("parts", []):
        if part.get("numbered"):
            for entry in part.get("chapters", []):
                numbers[entry["file"]] = len(numbers) + 1
    return numbers


def notebook_sources(root: Path) -> list[Path]:
    """Pages of the table of contents that are MyST notebooks (their front matter names a kernel)."""
    toc = safe_load(under(root, TOC_PATH).read_text(encoding="utf-8"))
    names = [toc["root"]] + [e["file"] for part in toc.get("parts", []) for e in part.get("chapters", [])]
    pages = []
    for name in names:
        path = root / f"{name}.md"
        text = path.read_text(encoding="utf-8")
        if text.startswith("---") and "kernelspec:" in text.split("\n---", 1)[0]:
            pages.append(path)
    return pages


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return m.group(1) if m else text


def read_chapter(path: Path) -> tuple[dict, list[int]]:
    """A MyST notebook read as the book reads it (myst-nb's reader), and each cell's first line in the file."""
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), add_source_map=True, path=path)
    lines = [start + 1 for start in notebook.metadata.pop("source_map")]
    return notebook, lines


def _collect_targets(chapter: Chapter, cells, lines: list[int]) -> None:
    prefix = f"{chapter.number}." if chapter.number else ""
    counts = {"figure": 0, "table": 0, "equation": 0}

    def add(label: str, kind: str, title: str, line: int) -> None:
        if label in chapter.targets:
            raise chapter.fail(line, f"label {label!r} is defined twice")
        number = ""
        if kind in counts:
            counts[kind] += 1
            number = f"{prefix}{counts[kind]}"
        chapter.targets[label] = Target(kind, number, title)

    for cell, start in zip(cells, lines):
        if cell.cell_type == "code":
            figure = (cell.metadata.get("mystnb") or {}).get("figure") or {}
            if figure.get("name"):
                add(figure["name"], "figure", _first_sentence(figure.get("caption", "")), start)
            for name in _TABLE_NAME.findall(cell.source):  # a table the cell prints, named in its code
                add(name, "table", "", start)
            continue
        if cell.cell_type != "markdown":
            continue
        source_lines = cell.source.splitlines()
        pending: list[str] = []
        for i, line in enumerate(source_lines):
            m = _TARGET.match(line)
            if m:
                pending.append(m.group("label"))
                continue
            heading = _HEADING.match(line)
            if heading and pending:
                for label in pending:
                    add(label, "section", heading.group("title"), start + i)
                pending = []
            fence = _FENCE.match(line)
            if fence:
                d = _DIRECTIVE.match(fence.group("info"))
                if d and d.group("name") in {"math", "figure", "table", "list-table"}:
                    kind = {"math": "equation", "list-table": "table"}.get(d.group("name"), d.group("name"))
                    for option in source_lines[i + 1:]:
                        o = re.match(r"^:(label|name):\s*(\S+)", option)
                        if o:
                            add(o.group(2), kind, _first_sentence(d.group("arg")), start + i)
                        if not option.startswith(":"):
                            break


def _roles(chapter: Chapter, text: str, line: int) -> str:
    """Replace every MyST role of a run of Markdown by its readable text (code spans are left alone)."""

    def one(m: re.Match) -> str:
        if m.group("code"):
            return m.group(0)
        name, body = m.group("name"), m.group("body").strip()
        here = line + text.count("\n", 0, m.start())
        if name == "val":
            try:
                return f"**{chapter.resolver.text(body)}**"
            except UnknownValue as exc:
                raise chapter.fail(here, f"{{val}}`{body}`: {exc}") from None
        if name in _PAREN_CITE or name in _TEXT_CITE:
            texts = chapter.cite([k.strip() for k in body.split(",") if k.strip()], here)
            if name in _TEXT_CITE:
                return "; ".join(re.sub(r"\s+(\S+)$", r" (\1)", t) for t in texts)
            return "(" + "; ".join(texts) + ")"
        if name in {"numref", "ref", "eq", "doc", "any"}:
            explicit = _EXPLICIT.match(body)
            label = explicit.group("target") if explicit else body
            if name == "doc":
                if not explicit:
                    raise chapter.fail(here, f"{{doc}}`{body}`: give the link text, e.g. {{doc}}`text <{body}>`")
                return explicit.group("text")
            target = chapter.targets.get(label)
            if target is None:
                raise chapter.fail(here, f"{{{name}}}`{body}`: no figure, table, equation or section labelled "
                                         f"{label!r} in this chapter")
            if name == "eq":
                return f"({target.number})"
            if explicit and explicit.group("text"):
                shown = explicit.group("text")
                return shown.replace("%s", target.number).replace("{number}", target.number)
            return target.numref() if name == "numref" else target.title
        if name == "math":
            return f"${body}$"
        if name == "record-anchor":
            return ""
        if name == "certainty":  # the words, then GRADE's symbols, as the site shows them
            if body not in GRADE_SYMBOLS:
                raise chapter.fail(here, f"{{certainty}}`{body}`: unknown certainty; known: {', '.join(GRADE_SYMBOLS)}")
            words = "Not reported" if body == "not reported" else f"{body.capitalize()} certainty"
            return f"**{words}** {GRADE_SYMBOLS[body]}"
        if name == "record-link":  # a record's row on the book's Evidence tables page: named, not linked
            explicit = _EXPLICIT.match(body)
            if not explicit or not explicit.group("text"):
                raise chapter.fail(here, f"{{record-link}}`{body}`: give 'text <record-id>'")
            return f"{explicit.group('text')} (record `{explicit.group('target')}` on the Evidence tables page)"
        if name in {"sub", "sup"}:
            return f"<{name}>{body}</{name}>"
        if name == "site-file":  # a file of the book's site (the feed, a version's copy): named, not linked
            explicit = _EXPLICIT.match(body)
            if not explicit:
                raise chapter.fail(here, f"{{site-file}}`{body}`: give 'text <path>'")
            return f"{explicit.group('text')} (`{explicit.group('target')}` on the book's site)"
        raise chapter.fail(here, f"role {{{name}}} has no readable form in a notebook")

    return _ROLE.sub(one, text)


def _directive_options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    i = 0
    while i < len(body) and re.match(r"^:[\w-]+:", body[i]):
        key, _, value = body[i][1:].partition(":")
        options[key.strip()] = value.strip()
        i += 1
    return options, body[i:]


def _blocks(chapter: Chapter, lines: list[str], start: int, references: Callable[[], str]) -> list[str]:
    """Convert a list of Markdown lines (starting at file line ``start``): directives, targets, roles."""
    out: list[str] = []
    prose: list[str] = []
    prose_start = start

    def flush() -> None:
        nonlocal prose
        if prose:
            out.extend(_roles(chapter, "\n".join(prose), prose_start).split("\n"))
            prose = []

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if _TARGET.match(line) or re.match(r"^%", line):  # label targets and MyST comments
            i += 1
            continue
        if not fence:
            if not prose:
                prose_start = start + i
            prose.append(line)
            i += 1
            continue
        flush()
        mark = fence.group("fence")
        close = re.compile(rf"^ {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}\s*$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), None)
        if end is None:
            raise chapter.fail(start + i, f"{mark} block is never closed")
        directive = _DIRECTIVE.match(fence.group("info"))
        body = lines[i + 1:end]
        if not directive:  # an ordinary code block: kept verbatim
            out.extend(lines[i:end + 1])
            i = end + 1
            continue
        name, arg = directive.group("name"), directive.group("arg").strip()
        options, content = _directive_options(body)
        here = start + i
        if name == "math":
            label = options.get("label")
            tag = f" \\tag{{{chapter.targets[label].number}}}" if label in chapter.targets else ""
            out += ["$$", *content, *([tag.strip()] if tag else []), "$$"]
        elif name in _BOXES:
            title = arg or options.get("class", "") or name.capitalize()
            inner = _blocks(chapter, content, here + 1 + len(body) - len(content), references)
            out += [f"> **{_roles(chapter, title, here)}**", ">"] + [f"> {x}".rstrip() for x in inner]
        elif name in {"table", "list-table", "figure"}:
            label = options.get("name")
            target = chapter.targets.get(label) if label else None
            number = f"{target.numref()}. " if target else ""
            inner = _blocks(chapter, content, here + 1 + len(body) - len(content), references)
            if name == "figure":
                out += [f"![{options.get('alt', '')}]({arg})", "", f"*{number}*" + " ".join(inner).strip()]
            else:
                out += [f"**{number}**{_roles(chapter, arg, here)}", "", *inner]
        elif name == "footbibliography":
            out += references().split("\n")
        elif name == "bibliography":
            out += ["The full list of references is on the book's References page."]
        elif name in {"code-block", "code"}:
            out += ["```" + arg, *content, "```"]
        elif name == "versions-feed":
            out += ["New versions of the review are announced in its Atom feed (`feed.xml` on the book's site)."]
        else:
            raise chapter.fail(here, f"directive {{{name}}} has no readable form in a notebook")
        i = end + 1
    flush()
    return out


def markdown_to_text(chapter: Chapter, source: str, line: int = 1,
                     references: Optional[Callable[[], str]] = None) -> str:
    """One Markdown cell (or a Markdown output) as readable Markdown."""
    refs = references or (lambda: "")
    return "\n".join(_blocks(chapter, source.split("\n"), line, refs))


def reference_list(resolver: Resolver, keys: list[str], heading: str = "## References") -> str:
    """The entries of ``keys`` as the book formats them (pybtex, the book's 'plain' style), with PMID."""
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin

    if not keys:
        return ""
    remember_pybtex_plugins()
    database = parse_file(str(under(resolver.root, BIB_PATH)))
    style = find_plugin("pybtex.style.formatting", "plain")()
    backend = find_plugin("pybtex.backends", "markdown")()
    lines = [heading, ""] if heading else []
    for entry in style.format_entries([database.entries[k] for k in keys]):
        text = " ".join(entry.text.render(backend).split())
        pmid = database.entries[entry.key].fields.get("pmid")
        if pmid and f"pubmed.ncbi.nlm.nih.gov/{pmid}" not in text:
            text += f" PMID: [{pmid}](https://pubmed.ncbi.nlm.nih.gov/{pmid}/)."
        lines.append(f"1. {text}")
    return "\n".join(lines)


def _new_cell(kind: str, source: str, **metadata) -> dict:
    cell = {"cell_type": kind, "metadata": metadata, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def convert(path: Path | str, resolver: Optional[Resolver] = None, number: Optional[int] = None,
            book_url: str = "") -> dict:
    """The readers' notebook of one MyST chapter, as an nbformat 4 dictionary."""
    path = Path(path)
    resolver = resolver or Resolver(REPO_ROOT)
    if number is None:
        number = chapter_numbers(resolver.root).get(path.relative_to(resolver.root).with_suffix("").as_posix()) \
            if path.is_relative_to(resolver.root) else None
    source, lines = read_chapter(path)
    chapter = Chapter(path, number, resolver)
    _collect_targets(chapter, source.cells, lines)

    references_placed = False

    def references() -> str:
        nonlocal references_placed
        references_placed = True
        return "\x00REFERENCES\x00"

    cells: list[dict] = []
    origin = f"[the book]({book_url})" if book_url else "the book"
    cells.append(_new_cell("markdown",
        f"*This notebook is made from `{chapter.name}` for reading and running; {origin} shows the same "
        "text. Numbers and references are filled in; the cells the book hides are folded (click the "
        "bar on the left of a cell to open it). Run everything with **Run > Run All Cells**.*",
        tags=["readers-notebook-note"]))
    cells.append(_new_cell("code",
        "# Set-up for this notebook: Markdown that the cells print shows numbers and citations as text.\n"
        "from il6mm.publish.notebooks import readable_outputs\n"
        f"readable_outputs({chapter.name!r})",
        tags=[SETUP_TAG, "remove-cell"], jupyter={"source_hidden": True}))
    for cell, start in zip(source.cells, lines):
        if cell.cell_type == "markdown":
            converted = markdown_to_text(chapter, cell.source, start, references)
            if converted.strip():
                cells.append(_new_cell("markdown", converted))
        elif cell.cell_type == "code":
            tags = list(cell.metadata.get("tags", []))
            meta: dict = {"tags": tags} if tags else {}
            hidden = {}
            if "remove-cell" in tags or "remove-input" in tags or "hide-input" in tags or "hide-cell" in tags:
                hidden["source_hidden"] = True
            if "remove-cell" in tags or "remove-output" in tags:
                hidden["outputs_hidden"] = True
            if hidden:
                meta["jupyter"] = hidden
            cells.append(_new_cell("code", cell.source, **meta))
            figure = (cell.metadata.get("mystnb") or {}).get("figure") or {}
            if figure.get("name"):
                target = chapter.targets[figure["name"]]
                caption = " ".join(markdown_to_text(chapter, figure.get("caption", ""), start).split())
                cells.append(_new_cell("markdown", f"**{target.numref()}.** {caption}"))
        else:
            cells.append(_new_cell(cell.cell_type, cell.source))
    if references_placed:  # where the book prints the chapter's list, under the chapter's own heading
        listing = reference_list(resolver, chapter.cited, heading="")
        for cell in cells:
            if cell["cell_type"] == "markdown" and "\x00REFERENCES\x00" in cell["source"]:
                cell["source"] = cell["source"].replace("\x00REFERENCES\x00", listing)
    elif chapter.cited:
        cells.append(_new_cell("markdown", reference_list(resolver, chapter.cited)))
    cells.append(_new_cell("code",
        "# Works cited only in what the cells printed (tables), listed once the notebook has run.\n"
        "from il6mm.publish.notebooks import output_references\n"
        f"output_references({chapter.cited!r})",
        tags=[REFERENCES_TAG, "remove-input"], jupyter={"source_hidden": True}))
    metadata = {"kernelspec": dict(source.metadata.get("kernelspec") or
                                   {"display_name": "Python 3", "language": "python", "name": "python3"}),
                "language_info": {"name": "python"},
                "il6mm": {"source": chapter.name}}
    for i, cell in enumerate(cells):  # stable ids: the same chapter makes the same notebook
        cell["id"] = f"c{i:03d}"
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def notebook_path(root: Path, source: Path) -> Path:
    """notebooks/01-history.ipynb for chapters/01-history.md (one flat folder; names are unique)."""
    return root / NOTEBOOK_DIR / source.with_suffix(".ipynb").name


def write_notebooks(root: Path | str = REPO_ROOT, out: Optional[Path | str] = None) -> list[Path]:
    """Convert every notebook page of the book; all are converted before any is written."""
    import nbformat

    root = Path(root)
    resolver = Resolver(root)
    numbers = chapter_numbers(root)
    config = safe_load(under(root, CONFIG_PATH).read_text(encoding="utf-8")) or {}
    base = (config.get("html") or {}).get("baseurl", "").rstrip("/")
    made = []
    for source in notebook_sources(root):
        name = source.relative_to(root).with_suffix("").as_posix()
        notebook = convert(source, resolver, numbers.get(name), f"{base}/{name}.html" if base else "")
        nbformat.validate(nbformat.from_dict(notebook))
        target = (Path(out) / source.with_suffix(".ipynb").name) if out else notebook_path(root, source)
        made.append((target, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"))
    names = [t.name for t, _ in made]
    if len(set(names)) != len(names):
        raise NotebookError(f"two pages would make the same notebook name: {sorted(names)}")
    for target, text in made:
        _write_atomic(target, text)
    return [t for t, _ in made]


# --- While a readers' notebook runs -------------------------------------------------------------------

_RUNTIME: dict[str, Chapter] = {}


def _runtime_chapter(name: str) -> Chapter:
    if name not in _RUNTIME:
        resolver = Resolver(REPO_ROOT)
        path = REPO_ROOT / name
        chapter = Chapter(path, chapter_numbers(REPO_ROOT).get(Path(name).with_suffix("").as_posix()), resolver)
        source, lines = read_chapter(path)
        _collect_targets(chapter, source.cells, lines)
        _RUNTIME[name] = chapter
    return _RUNTIME[name]


def readable_outputs(name: str) -> None:
    """Show IPython Markdown outputs of this kernel with numbers, citations and references as text."""
    from IPython import get_ipython
    from IPython.display import Markdown

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("readable_outputs runs inside a Jupyter kernel")
    chapter = _runtime_chapter(name)
    formatter = shell.display_formatter.formatters["text/markdown"]
    formatter.for_type(Markdown, lambda md: markdown_to_text(chapter, md.data or "", 1))


def output_references(already_listed: list[str]):
    """A Markdown list of the works cited by the outputs so far and not in the chapter's list above."""
    from IPython.display import Markdown

    extra = [k for chapter in _RUNTIME.values() for k in chapter.cited if k not in already_listed]
    extra = list(dict.fromkeys(extra))
    if not extra:
        return Markdown("*Every work cited above is in the References list.*")
    resolver = next(iter(_RUNTIME.values())).resolver
    return Markdown(reference_list(resolver, extra, heading="### Also cited in the tables above"))


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Make the readers' notebooks (notebooks/*.ipynb) from the chapters.")
    parser.add_argument("--root", default=str(REPO_ROOT), help="the book's root folder")
    parser.add_argument("--out", default=None, help=f"output folder (default: <root>/{NOTEBOOK_DIR})")
    args = parser.parse_args(argv)
    for path in write_notebooks(Path(args.root), args.out):
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
