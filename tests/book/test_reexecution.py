"""A page executes again when code it imports or a file it reads has changed, and only then, so a stale figure
cannot reach the site and an unrelated page does not wait on a kernel. Needs builds of its own (a copy of
the book, changed between builds), so it cannot share the real book's build; the three builds run in one copy
in sequence."""

from __future__ import annotations

import pytest

from conftest import copy_book, copy_env, executed, run_build

CRS = "data/crs.yaml"
SOURCES_FIGURES = "code/il6mm/figures/sources.py"
# CARTITUDE-4's CRS rate (a number the CRS table on the Evidence tables page shows, computed in a cell).
CRS_BEFORE, CRS_AFTER = "crs_any_grade_percent: 76.1\n", "crs_any_grade_percent: 76.4\n"
HINT = "Move the slider to neutralise more of the ligand"


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
    build("crs changed")
    figures = copy / SOURCES_FIGURES
    figures.write_text(figures.read_text().replace(HINT, "Slide to neutralise more of the ligand"))
    build("code changed")
    return copy, logs


def test_a_copy_of_the_book_with_its_cache_executes_nothing(builds):
    _, logs = builds
    assert executed(logs["copied"]) == set(), logs["copied"][-2000:]


def test_a_change_to_the_crs_records_runs_the_pages_that_read_them_and_no_other(builds):
    copy, logs = builds
    ran = executed(logs["crs changed"])
    assert {"chapters/04-therapy-today", "chapters/evidence-tables"} <= ran, ran
    assert not ran & {"chapters/01-history", "chapters/02-sources", "chapters/03-april-amplification"}, ran
    # The changed page shows the new value (the CRS table is computed in a cell).
    table = (copy / "_build" / "html" / "chapters" / "evidence-tables.html").read_text()
    assert "76.4" in table and "76.1" not in table


def test_a_change_to_the_package_runs_the_pages_that_import_it_and_shows_the_new_output(builds):
    copy, logs = builds
    ran = executed(logs["code changed"])
    assert "chapters/02-sources" in ran and "chapters/04-therapy-today" not in ran, ran
    html = (copy / "_build" / "html" / "chapters" / "02-sources.html").read_text()
    assert "Slide to neutralise more of the ligand" in html and HINT not in html
