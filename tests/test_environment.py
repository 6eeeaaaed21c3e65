"""One pinned environment serves the build, the tests and Binder."""

import re
import sys
import tomllib

from conftest import REPO


def _requirements():
    lines = (REPO / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_exactly():
    reqs = _requirements()
    assert "-e ./code" in reqs
    loose = [r for r in reqs if r != "-e ./code" and not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.+\-]+", r)]
    assert not loose, loose


def test_jupyter_book_stays_on_1x_and_binder_gets_jupytext():
    pins = dict(r.split("==") for r in _requirements() if "==" in r)
    assert pins["jupyter-book"].startswith("1.")
    assert "jupytext" in pins


def test_top_level_needs_are_all_pinned():
    needs = [re.split(r"[<>=!\[ ]", line.strip())[0].lower()
             for line in (REPO / "requirements.in").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    pinned = {r.split("==")[0].lower() for r in _requirements() if "==" in r}
    assert set(needs) <= pinned, set(needs) - pinned


def test_binder_files_match_the_design():
    runtime = (REPO / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}"
    assert "set-default-viewer markdown myst" in (REPO / "postBuild").read_text()
    config = tomllib.loads((REPO / "jupytext.toml").read_text())
    assert "myst" in config["notebook_metadata_filter"]
