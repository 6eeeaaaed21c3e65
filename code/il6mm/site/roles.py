"""The ``{val}`` role: a number from the records (or a named result) where it stands in the prose.

Each number is rendered bold, with its provenance as a tooltip and a link to its row on the Evidence
tables page. An address that names nothing is a build warning (so an error under ``-W``) naming the page
and the line. The addresses are described in ``il6mm.results.values``.

``{record-anchor}`` marks a row of the Evidence tables page as the target of those links.
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
from ..paths import PACKAGE_DIR, under
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


def anchor_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{record-anchor}`rec-id``` -> an empty inline element carrying that id."""
    return [nodes.inline("", "", ids=[text.strip()])], []


def _link_values(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Turn each resolved number into bold text linking to its row, titled with its provenance."""
    html = app.builder.format == "html"
    for node in list(doctree.findall(value_ref)):
        strong = nodes.strong("", "", *node.children)
        if html:
            uri = app.builder.get_relative_uri(docname, EVIDENCE_PAGE) + "#" + node["anchor"]
            new = nodes.reference("", "", strong, refuri=uri, reftitle=node["provenance"], internal=True,
                                  classes=[VALUE_CLASS])
        else:
            new = strong
        node.replace_self(new)


def setup(app: Sphinx) -> None:
    app.add_role("val", ValueRole())
    app.add_role("record-anchor", anchor_role)
    app.add_role("site-file", site_file_role)
    app.add_node(value_ref)
    app.connect("doctree-resolved", _link_values)
