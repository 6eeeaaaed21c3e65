"""Readers' notebooks (il6mm.publish.notebooks): MyST chapters as notebooks that read as prose."""

from __future__ import annotations

import hashlib
import re
import textwrap

import nbformat
import pytest

from conftest import REPO, notebook_pages
from il6mm.publish import notebooks
from il6mm.publish.notebooks import NotebookError, convert, markdown_to_text, write_notebooks
from il6mm.results.values import Resolver

MARKUP = re.compile(r"\{[a-z][\w:-]*\}`|^```\{|^:::\{|^\([\w.-]+\)=$", re.M)

FRONT = textwrap.dedent("""\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---
    """)


@pytest.fixture(scope="module")
def resolver():
    return Resolver(REPO)


def chapter(tmp_path, body: str):
    path = tmp_path / "07-demo.md"
    path.write_text(FRONT + textwrap.dedent(body))
    return path


def markdown(nb) -> str:
    return "\n\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")


DEMO = """\
    # Demo

    (sec-why)=
    ## Why it matters

    The hazard ratio was {val}`orlowski2015/pfs-hr:.3f` {footcite}`orlowski2015siltuximab`, see
    {numref}`fig-demo` and {eq}`eq-demo`; the review {cite:p}`matthes2016revisiting,orlowski2015siltuximab`.
    Back to {ref}`sec-why`. Code stays code: `{val}` and ``{footcite}`x` ``.

    ```{code-cell} ipython3
    :tags: [remove-cell]
    x = 1
    ```

    ```{code-cell} ipython3
    :tags: [remove-input]
    :mystnb:
    :  figure:
    :    caption: |
    :      A demo figure drawn from {val}`ifm9904.n_randomised` patients. Second sentence.
    :    name: fig-demo
    x
    ```

    ```{math}
    :label: eq-demo
    y = a x
    ```

    :::{admonition} What this cannot show
    Only {footcite}`matthes2016revisiting`.
    :::

    ```{code-cell} ipython3
    print(x)
    ```

    ## References

    ```{footbibliography}
    ```
    """


def test_numbers_are_the_books_text_from_the_same_resolver(tmp_path, resolver):
    nb = convert(chapter(tmp_path, DEMO), resolver, number=7)
    text = markdown(nb)
    assert f"**{resolver.text('orlowski2015/pfs-hr:.3f')}**" in text
    assert f"**{resolver.text('ifm9904.n_randomised')}** patients" in text  # in the figure caption too


def test_citations_read_as_short_references(tmp_path, resolver):
    text = markdown(convert(chapter(tmp_path, DEMO), resolver, number=7))
    orlowski, matthes = (resolver.short_citation(k) for k in ("orlowski2015siltuximab", "matthes2016revisiting"))
    assert orlowski == "Orlowski et al. 2015"
    assert f"({orlowski})" in text and f"({matthes}; {orlowski})" in text


def test_a_work_without_author_or_journal_is_cited_by_its_identifier(tmp_path, resolver):
    text = markdown(convert(chapter(tmp_path, "# Demo\n\nFirst use {footcite}`klein1991plasma`.\n"), resolver))
    assert "First use (PMID 1715218, 1991)." in text


def test_reference_list_stands_where_the_book_prints_it_with_doi_and_pmid(tmp_path, resolver):
    nb = convert(chapter(tmp_path, DEMO), resolver, number=7)
    last_prose = [c["source"] for c in nb["cells"] if c["cell_type"] == "markdown"][-1]
    assert last_prose.startswith("## References")
    assert last_prose.count("\n1. ") == 2  # each work once, though cited three times
    assert "https://doi.org/10.1016/j.critrevonc.2016.07.006" in last_prose
    assert "https://pubmed.ncbi.nlm.nih.gov/27497026/" in last_prose  # matthes2016revisiting's PMID
    assert "https://doi.org/10.1002/ajh.23868" in last_prose


def test_cross_references_read_as_the_book_numbers_them(tmp_path, resolver):
    nb = convert(chapter(tmp_path, DEMO), resolver, number=7)
    text = markdown(nb)
    assert "see\nFig. 7.1 and (7.1)" in text
    assert "Back to Why it matters." in text
    assert "\\tag{7.1}" in text and "$$\ny = a x" in text
    captions = [c["source"] for c in nb["cells"] if c["source"].startswith("**Fig. 7.1.**")]
    assert len(captions) == 1 and "A demo figure drawn from" in captions[0]


def test_no_markup_left_and_code_spans_untouched(tmp_path, resolver):
    text = markdown(convert(chapter(tmp_path, DEMO), resolver, number=7))
    assert "`{val}`" in text and "``{footcite}`x` ``" in text
    assert not MARKUP.search(text.replace("`{val}`", "").replace("``{footcite}`x` ``", "")), text
    assert "> **What this cannot show**" in text and "> Only (Matthes et al. 2016)." in text


def test_cells_the_book_hides_stay_folded(tmp_path, resolver):
    nb = convert(chapter(tmp_path, DEMO), resolver, number=7)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    by_source = {c["source"]: c["metadata"] for c in code}
    assert by_source["x = 1"]["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert by_source["x"]["jupyter"] == {"source_hidden": True}
    assert "jupyter" not in by_source["print(x)"]
    # The notebook's own set-up and reference cells are folded too; the first thing shown is prose.
    assert nb["cells"][0]["cell_type"] == "markdown"
    assert all(c["metadata"].get("jupyter", {}).get("source_hidden") for c in code if c["source"] != "print(x)")
    assert "jupytext" not in nb["metadata"]  # no pairing with the .md source
    nbformat.validate(nbformat.from_dict(nb))


@pytest.mark.parametrize("body, message", [
    ("A claim {footcite}`nosuchkey2099`.\n", r"07-demo\.md, line 13: citation key 'nosuchkey2099'"),
    ("See {numref}`fig-missing`.\n", r"line 13: \{numref\}`fig-missing`: no figure"),
    ("Value {val}`nosuchrecord.n`.\n", r"line 13: \{val\}`nosuchrecord.n`: no evidence record"),
    ("Text.\n\n```{mermaid}\nA --> B\n```\n", r"line 15: directive \{mermaid\} has no readable form"),
    ("Text {kbd}`Ctrl`.\n", r"line 13: role \{kbd\} has no readable form"),
    ("Sure {certainty}`fairly`.\n", r"line 13: \{certainty\}`fairly`: unknown certainty"),
])
def test_a_construct_without_a_readable_form_fails_naming_chapter_and_line(tmp_path, resolver, body, message):
    path = chapter(tmp_path, "# Demo\n\n" + body)
    with pytest.raises(NotebookError, match=message):
        convert(path, resolver, number=7)


def test_markdown_printed_by_cells_is_converted_too(tmp_path, resolver):
    """What il6mm.publish.notebooks.readable_outputs applies to a Markdown output (a generated table)."""
    path = chapter(tmp_path, DEMO + "\n```{code-cell} ipython3\nname = 'tab-demo'\n```\n")
    chap = notebooks.Chapter(path, 7, resolver)
    source, lines = notebooks.read_chapter(path)
    notebooks._collect_targets(chap, source.cells, lines)
    printed = ("::::{dropdown} Show all parameters\n\n:::{table} Parameters of the model\n:name: tab-demo\n\n"
               "| a | b |\n|---|---|\n| {footcite}`matthes2016revisiting` | 1 |\n:::\n::::")
    text = markdown_to_text(chap, printed)
    assert text.startswith("> **Show all parameters**")
    assert "> **Table 7.1. **Parameters of the model" in text
    assert "> | (Matthes et al. 2016) | 1 |" in text


def test_every_chapter_converts_without_touching_its_source(tmp_path):
    pages = notebook_pages()
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in pages}
    made = write_notebooks(REPO, tmp_path)
    assert sorted(p.name for p in made) == sorted(p.with_suffix(".ipynb").name for p in pages)
    for path in made:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert not MARKUP.search(prose), (path.name, MARKUP.search(prose).group(0))
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in pages} == before


def test_an_error_in_one_chapter_writes_no_notebook(tmp_path, monkeypatch):
    real = notebooks.convert
    calls = []

    def failing(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise NotebookError(f"{path.name}, line 1: broken")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(notebooks, "convert", failing)
    with pytest.raises(NotebookError):
        write_notebooks(REPO, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())




def test_a_summary_of_findings_printed_by_a_cell_reads_with_its_certainty_in_words_and_symbols(tmp_path, resolver):
    """The table chapter 1 and the Evidence tables page print: certainty roles and record links in it."""
    path = chapter(tmp_path, DEMO)
    chap = notebooks.Chapter(path, 7, resolver)
    text = markdown_to_text(chap, "| Outcome | Certainty |\n|---|---|\n| PFS | {certainty}`low` "
                                  "({record-link}`full row <sof-pfs-rrmm>`) |\n| OS | {certainty}`not reported` |")
    assert "| PFS | **Low certainty** \u2295\u2295\u25ef\u25ef (full row (record `sof-pfs-rrmm` on the Evidence " \
           "tables page)) |" in text
    assert "| OS | **Not reported**" in text and not MARKUP.search(text)
