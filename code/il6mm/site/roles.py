"""The ``{val}`` role: a number from the records (or a named result) where it stands in the prose.

Each number is rendered bold, with its provenance as a tooltip and a link to its row on the Evidence
tables page. An address that names nothing is a build warning (so an error under ``-W``) naming the page
and the line. The addresses are described in ``il6mm.results.values``.

``{record-anchor}`` marks a row of the Evidence tables page as the target of those links; ``{review}`version```
shows the version being built; ``{site-file}`` links a file of the built site; ``{certainty}`low``` shows a
certainty in words and GRADE symbols; ``{record-link}`text <id>``` links a record's row.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

from ..evidence import EvidenceError
from ..evidence.schema import GRADE_SYMBOLS
from ..evidence.tables import record_anchor
from ..paths import CITATION_PATH, PACKAGE_DIR, under
from ..results.values import EVIDENCE_PAGE, Resolver, Term, UnknownValue

logger = logging.getLogger(__name__)
VALUE_CLASS = "il6mm-value"


class value_ref(nodes.Inline, nodes.TextElement):
    """A resolved number awaiting its link (the link depends on the page it is written into)."""


def package_files(app: Sphinx) -> tuple[str, ...]:
    """The package's modules, relative to the book (a value depends on the code that resolves or computes it)."""
    found = getattr(app, "_il6mm_package_files", None)
    if found is None:
        root = Path(app.srcdir)
        found = app._il6mm_package_files = tuple(sorted(
            p.relative_to(root).as_posix() for p in under(root, PACKAGE_DIR).rglob("*.py")
            if "__pycache__" not in p.parts))
    return found


def resolver(app: Sphinx) -> Resolver:
    """The build's resolver (il6mm.build.context): records load and results compute once per build."""
    return app.il6mm.resolver


class ValueRole(SphinxRole):
    def run(self):
        try:
            resolved = resolver(self.env.app).resolve(self.text)
        except (UnknownValue, EvidenceError) as exc:
            logger.warning("il6mm: {val}`%s`: %s", self.text, exc, location=(self.env.docname, self.lineno),
                           type="il6mm", subtype="value")
            return [nodes.problematic(self.rawtext, self.rawtext)], []
        # The page is read again when the value's data changes (and, like every page, when the code does).
        for name in resolved.files:
            self.env.note_dependency(str(Path(self.env.srcdir) / name))
        node = value_ref(self.rawtext, "", anchor=resolved.anchor, provenance=resolved.provenance,
                         address=resolved.address)
        value = resolved.value
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, Term) for v in value):
            for i, term in enumerate(value):
                if i:
                    node += nodes.Text(", ")
                node += nodes.math(term.math, term.math)
                if term.gloss:
                    node += nodes.Text(f" ({term.gloss})")
        else:
            node += nodes.Text(resolved.text)
        return [node], []


_SITE_FILE = re.compile(r"^(?P<text>.*?)\s*<(?P<path>[^<>]+)>$", re.S)


def site_file_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{site-file}`text <path>``` -> a link to a file of the built site that is not a page (a version's copy,
    the feed, the data package), relative to the page it stands on; Sphinx does not resolve it, so it never
    turns into a download of a source file."""
    match = _SITE_FILE.match(text.strip())
    if not match:
        msg = inliner.reporter.error(f"{{site-file}} needs 'text <path>', got {text!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    env = inliner.document.settings.env
    start = os.path.dirname(env.docname) or "."
    target = os.path.relpath(match.group("path"), start).replace(os.sep, "/")
    if match.group("path").endswith("/") and not target.endswith("/"):
        target += "/"
    return [nodes.reference(rawtext, match.group("text"), refuri=target)], []


#: What ``{review}`` can show, from CITATION.cff (through the build context).
REVIEW_FIELDS = {"version": lambda c: c.version, "date": lambda c: c.date_released.isoformat()}


def review_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{review}`version``` -> the version of the review being built (``date``: its release date), from
    CITATION.cff when Sphinx reads the page, so a cell's output (a page's build stamp) need not carry it and a
    release re-executes no page for it."""
    env = inliner.document.settings.env
    field = text.strip()
    if field not in REVIEW_FIELDS:
        msg = inliner.reporter.error(f"{{review}} shows {', '.join(REVIEW_FIELDS)}, not {field!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], []
    env.note_dependency(str(under(Path(env.srcdir), CITATION_PATH)))
    return [nodes.Text(REVIEW_FIELDS[field](env.app.il6mm.citation))], []


def certainty_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{certainty}`low``` -> "Low certainty" in words, then GRADE's symbols (hidden from screen readers,
    which read the words)."""
    level = text.strip()
    if level not in GRADE_SYMBOLS:
        msg = inliner.reporter.error(f"{{certainty}}: unknown certainty {level!r}; known: "
                                     f"{', '.join(GRADE_SYMBOLS)}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    words = "Not reported" if level == "not reported" else f"{level.capitalize()} certainty"
    css = "il6mm-certainty il6mm-certainty-" + level.replace(" ", "-")
    markup = (f'<span class="{css}"><strong>{words}</strong> '
              f'<span class="il6mm-grade-symbols" aria-hidden="true">{GRADE_SYMBOLS[level]}</span></span>')
    return [nodes.raw(rawtext, markup, format="html")], []


_RECORD_LINK = re.compile(r"^(?P<text>.*?)\s*<(?P<id>[^<>]+)>$", re.S)


def record_link_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{record-link}`text <record-id>``` -> a link to the record's row on the Evidence tables page."""
    match = _RECORD_LINK.match(text.strip())
    env = inliner.document.settings.env
    if match:
        try:
            env.app.il6mm.evidence.get(match.group("id"))
        except KeyError as exc:
            match, problem = None, str(exc)
    else:
        problem = f"needs 'text <record-id>', got {text!r}"
    if not match:
        msg = inliner.reporter.error(f"{{record-link}}: {problem}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    node = value_ref(rawtext, "", anchor=record_anchor(match.group("id")), plain=True,
                     provenance=f"Record {match.group('id')} on the Evidence tables page", address="")
    node += nodes.Text(match.group("text"))
    return [node], []


def anchor_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{record-anchor}`rec-id``` -> an empty inline element carrying that id."""
    return [nodes.inline("", "", ids=[text.strip()])], []


def _link_values(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Turn each resolved number into bold text linking to its row, titled with its provenance (a record
    link: plain text, the same link)."""
    html = app.builder.format == "html"
    for node in list(doctree.findall(value_ref)):
        plain = node.get("plain")
        strong = (nodes.inline if plain else nodes.strong)("", "", *node.children)
        if html:
            uri = app.builder.get_relative_uri(docname, EVIDENCE_PAGE) + "#" + node["anchor"]
            new = nodes.reference("", "", strong, refuri=uri, reftitle=node["provenance"], internal=True,
                                  classes=["il6mm-record-link" if plain else VALUE_CLASS])
        else:
            new = strong
        node.replace_self(new)


def setup(app: Sphinx) -> None:
    app.add_role("val", ValueRole())
    app.add_role("record-anchor", anchor_role)
    app.add_role("site-file", site_file_role)
    app.add_role("review", review_role)
    app.add_role("certainty", certainty_role)
    app.add_role("record-link", record_link_role)
    app.add_node(value_ref)
    app.connect("doctree-resolved", _link_values)
