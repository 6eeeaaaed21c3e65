"""The book's Binder launch button opens a chapter's readers' notebook (``il6mm.publish.notebooks``), never
its MyST source (a Sphinx ``html-page-context`` handler, run after sphinx-book-theme's, which makes the button)."""

from __future__ import annotations

from pathlib import Path

from ..publish.notebooks import NOTEBOOK_DIR


def readers_link(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Point the Binder launch link of a notebook page at its readers' notebook, not the MyST source."""
    source = Path(app.env.doc2path(pagename))
    if source.suffix != ".md":
        return
    wanted = f"{NOTEBOOK_DIR}/{source.with_suffix('.ipynb').name}"
    old = f"urlpath=lab/tree/{pagename}.md"

    def visit(buttons) -> None:
        for button in buttons or []:
            if isinstance(button, dict):
                url = button.get("url", "")
                if isinstance(url, str) and url.endswith(old):
                    button["url"] = url[: -len(old)] + f"urlpath=lab/tree/{wanted}"
                visit(button.get("buttons"))

    visit(context.get("header_buttons"))
