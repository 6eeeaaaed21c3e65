"""A page executes again when code it imports or a file it reads has changed, and only then, so a stale figure
cannot reach the site and an unrelated page does not wait on a kernel. Needs builds of its own (a copy of
the book, changed between builds), so it cannot share the real book's build; the two builds run in one copy
in sequence: as copied, then with one CRS record and one figure module changed."""

from __future__ import annotations

import pytest

from conftest import copy_book, copy_env, executed, run_build

CRS = "data/crs.yaml"
SOURCES_FIGURES = "code/il6mm/figures/sources.py"
# CARTITUDE-4's CRS rate (a number the CRS table on the Evidence tables page shows, computed in a cell).
CRS_BEFORE, CRS_AFTER = "crs_any_grade_percent: 76.1\n", "crs_any_grade_percent: 76.4\n"
HINT = "Move the slider to neutralise more of the ligand"
# What the two changes re-execute, from the pages' input records: the CRS records are read by chapter 4,
# the Evidence tables and the landing page (its key messages); the figure module is imported by chapter 2.
READ_CRS = {"chapters/04-therapy-today", "chapters/evidence-tables", "index"}
IMPORT_SOURCES_FIGURES = {"chapters/02-sources"}


@pytest.fixture(scope="module")
def builds(tmp_path_factory, strict_build):
    copy = copy_book(tmp_path_factory.mktemp("reexecution") / "book")
    env = copy_env(copy)
    logs = {}

    def build(name):
        result = run_build(copy, env)
        logs[name] = result.stdout + result.stderr
        assert result.returncode == 0, logs[name][-3000:]

    build("copied")  # the real book's cache and page records, in a new place: nothing should run
    crs = copy / CRS
    text = crs.read_text()
    assert text.count(CRS_BEFORE) == 1
    crs.write_text(text.replace(CRS_BEFORE, CRS_AFTER))
    figures = copy / SOURCES_FIGURES
    figures.write_text(figures.read_text().replace(HINT, "Slide to neutralise more of the ligand"))
    build("changed")
    return copy, logs


def test_a_copy_of_the_book_with_its_cache_executes_nothing(builds):
    _, logs = builds
    assert executed(logs["copied"]) == set(), logs["copied"][-2000:]


def test_a_change_executes_the_pages_that_read_or_import_it_and_no_other(builds):
    _, logs = builds
    ran = executed(logs["changed"])
    assert ran == READ_CRS | IMPORT_SOURCES_FIGURES, ran
    # The pages neither change reaches, chapters 1 and 3 among them, took their outputs from the cache.


def test_the_changed_pages_show_the_new_record_value_and_the_new_code_output(builds):
    copy, _ = builds
    html = copy / "_build" / "html"
    table = (html / "chapters" / "evidence-tables.html").read_text()   # the CRS table is computed in a cell
    assert "76.4" in table and "76.1" not in table
    sources = (html / "chapters" / "02-sources.html").read_text()
    assert "Slide to neutralise more of the ligand" in sources and HINT not in sources
