"""The strict build fails, naming what is wrong, on every kind of bad input. Each needs a build of a copy of
the book with that input broken, so it cannot share the real book's build:

* one copy carries three broken pages at once (an unknown cite key, an unknown value address, a cell that
  raises): the strict build keeps going past the first two and reports each; the raising cell is put on the
  page read last (index), since a cell error stops the build;
* a bad file the build reads about itself (here a malformed versions entry) fails it at its start, before any
  page runs. The other bad files of that kind (a bad record, a bad screening entry) fail the same check, the
  build context, with their own messages: tests/unit/test_context.py checks those messages without a build.
"""

from __future__ import annotations

import re

import pytest

from conftest import copy_book, copy_env, run_build

UNKNOWN_CITE = "\nA claim {footcite}`nosuchkey2099`.\n"
UNKNOWN_VALUE = "\nA number {val}`nosuchrecord.n` that no record holds.\n"
RAISING_CELL = '\n```{code-cell} ipython3\nraise RuntimeError("deliberately broken cell")\n```\n'


@pytest.fixture(scope="module")
def broken_pages(tmp_path_factory, strict_build):
    copy = copy_book(tmp_path_factory.mktemp("broken-pages") / "book")
    sources = copy / "chapters" / "02-sources.md"
    broken = sources.read_text() + UNKNOWN_CITE + UNKNOWN_VALUE
    sources.write_text(broken)
    value_line = 1 + broken.splitlines().index(UNKNOWN_VALUE.strip())
    index = copy / "index.md"
    index.write_text(index.read_text() + RAISING_CELL)
    result = run_build(copy, copy_env(copy))
    return result.returncode, result.stdout + result.stderr, value_line


def test_unknown_cite_key_fails_the_build(broken_pages):
    code, log, _ = broken_pages
    assert code != 0
    assert re.search(r"could not find bibtex key.*nosuchkey2099", log, re.I), log[-3000:]


def test_unknown_value_address_fails_the_build_naming_page_and_line(broken_pages):
    code, log, line = broken_pages
    assert code != 0
    assert re.search(rf"chapters/02-sources\.md:{line}: WARNING: il6mm: \{{val\}}`nosuchrecord\.n`: "
                     r"no evidence record with id 'nosuchrecord'", log), log[-3000:]


def test_raising_cell_fails_the_build(broken_pages):
    code, log, _ = broken_pages
    assert code != 0
    assert "deliberately broken cell" in log, log[-3000:]
    assert "index" in log


def test_a_malformed_versions_entry_fails_the_build_naming_file_entry_and_field(tmp_path, strict_build):
    copy = copy_book(tmp_path / "book", with_cache=False)  # it fails before any page runs
    path = copy / "data" / "living" / "versions.yaml"
    path.write_text(path.read_text().replace("  conclusions_changed: false\n", "  conclusions_changed: perhaps\n", 1))
    result = run_build(copy, copy_env(copy))
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(r"living/versions.yaml: entry 1 \(version 0.1.0\): field 'conclusions_changed'", log), log[-3000:]
    assert "Executing notebook" not in log  # stopped at the start
